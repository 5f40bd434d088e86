package media

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"time"

	"cloud.google.com/go/storage"
	"github.com/google/uuid"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API: POST /v1/uploads, GET /v1/media/{mediaId} and
// GET /healthz, also reachable under Hosting's /api/media prefix.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	a := &api{d: d, bucket: d.Storage.Bucket(d.Bucket)}
	// Roles come from the token's claims: media needs no membership store.
	return httpapi.Router(EntryHTTP, authz.Guard{Verifier: d.Verifier}.Routes(a.routes())), nil
}

// Routes lists the HTTP API's routes (paths relative to the function; Hosting
// serves them under /api/media). infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

// routes is the one route table: New mounts it, Routes describes it. The
// handlers are bound lazily, so an empty api is enough to list them. Media
// lives in the caller's own organisation (its id, checked by the guard, is
// embedded in object names); any member uploads and reads.
func (a *api) routes() []httpapi.Route {
	return []httpapi.Route{
		httpapi.HealthRoute(),
		httpapi.Handle(http.MethodPost, "/v1/uploads", httpapi.InOrg(), httpapi.HandlerFunc(a.createUpload)),
		httpapi.Handle(http.MethodGet, "/v1/media/{mediaId}", httpapi.InOrg(), httpapi.HandlerFunc(a.getMedia)),
	}
}

type api struct {
	d      Deps
	bucket *storage.BucketHandle
}

// uploadRequest is the body of POST /v1/uploads.
type uploadRequest struct {
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Filename    string `json:"filename,omitempty"`

	maxSize int64
}

// Validate implements httpapi.Validator.
func (u *uploadRequest) Validate() []httpapi.FieldError {
	var fields []httpapi.FieldError
	if u.ContentType == "" {
		fields = append(fields, httpapi.Field("content_type", "is required"))
	} else {
		httpapi.OneOf(&fields, "content_type", u.ContentType, allowedTypes...)
	}
	if u.Size < 1 || u.Size > u.maxSize {
		fields = append(fields, httpapi.Field("size", "must be between 1 and %d bytes", u.maxSize))
	}
	httpapi.MaxLen(&fields, "filename", u.Filename, 200)
	for _, c := range u.Filename {
		if c < 0x20 || c == 0x7f {
			fields = append(fields, httpapi.Field("filename", "must not contain control characters"))
			break
		}
	}
	return fields
}

// UploadResponse answers POST /v1/uploads: the client PUTs the bytes to
// UploadURL with exactly Headers.
type UploadResponse struct {
	ID        string            `json:"id"`
	Object    string            `json:"object"`
	UploadURL string            `json:"upload_url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

func (a *api) createUpload(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	req := uploadRequest{maxSize: a.d.Limits.MaxUploadBytes}
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	id := uuid.NewString()
	object := originalName(p.Org, id)
	expires := a.d.Now().Add(a.d.Limits.URLTTL).UTC().Truncate(time.Second)
	headers := map[string]string{
		"Content-Type":                req.ContentType,
		"x-goog-content-length-range": fmt.Sprintf("0,%d", a.d.Limits.MaxUploadBytes),
		"x-goog-meta-" + metaUploader: p.UID,
	}
	signed, err := a.bucket.SignedURL(object, a.signOptions(http.MethodPut, expires, req.ContentType, []string{
		"x-goog-content-length-range:" + headers["x-goog-content-length-range"],
		"x-goog-meta-" + metaUploader + ":" + p.UID,
	}))
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("sign upload url: %w", err))
	}
	httpapi.WriteJSON(w, http.StatusCreated, UploadResponse{
		ID: id, Object: object, UploadURL: signed, Method: http.MethodPut,
		Headers: headers, ExpiresAt: expires,
	})
	return nil
}

func (a *api) signOptions(method string, expires time.Time, contentType string, headers []string) *storage.SignedURLOptions {
	return &storage.SignedURLOptions{
		Scheme:         storage.SigningSchemeV4,
		Method:         method,
		Expires:        expires,
		ContentType:    contentType,
		Headers:        headers,
		GoogleAccessID: a.d.Signer.Email,
		PrivateKey:     a.d.Signer.PrivateKeyPEM,
		Hostname:       a.d.Signer.Hostname,
		Insecure:       a.d.Signer.Insecure,
	}
}

// MediaView answers GET /v1/media/{mediaId}.
type MediaView struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	Reason      string          `json:"reason,omitempty"`
	ContentType string          `json:"content_type"`
	Size        int64           `json:"size"`
	Width       int             `json:"width,omitempty"`
	Height      int             `json:"height,omitempty"`
	Renditions  []RenditionView `json:"renditions"`
}

// RenditionView is one rendition with a short-lived download URL.
type RenditionView struct {
	Name        string    `json:"name"` // "w256"
	Object      string    `json:"object"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	URL         string    `json:"url"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func (a *api) getMedia(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	id := r.PathValue("mediaId")
	if !validID(id) {
		return httpapi.NotFound("no media %q", id)
	}
	// The org comes from the principal, so another org's media is simply
	// absent here: 404, never 403, to hide its existence.
	attrs, err := a.bucket.Object(originalName(p.Org, id)).Attrs(r.Context())
	if errors.Is(err, storage.ErrObjectNotExist) {
		return httpapi.NotFound("no media %q", id)
	}
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("read media attrs: %w", err))
	}
	v := MediaView{
		ID: id, Status: StatusPending, ContentType: attrs.ContentType, Size: attrs.Size,
		Renditions: []RenditionView{},
	}
	// Only this function's own verdict counts, never metadata that came
	// with the upload (see outcome).
	switch outcome(attrs) {
	case StatusReady:
		v.Status = StatusReady
		v.ContentType = attrs.Metadata[metaDetectedType]
		v.Width, _ = strconv.Atoi(attrs.Metadata[metaWidth])
		v.Height, _ = strconv.Atoi(attrs.Metadata[metaHeight])
		if v.Renditions, err = a.renditions(r.Context(), p.Org, id, attrs.Generation); err != nil {
			return httpapi.Unavailable(err)
		}
	case StatusRejected:
		v.Status = StatusRejected
		v.Reason = attrs.Metadata[metaReason]
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// renditions lists the renditions made from generation gen of the original,
// each with a signed GET URL.
func (a *api) renditions(ctx context.Context, org, id string, gen int64) ([]RenditionView, error) {
	it := a.bucket.Objects(ctx, &storage.Query{Prefix: mediaPrefix(org, id)})
	expires := a.d.Now().Add(a.d.Limits.URLTTL).UTC().Truncate(time.Second)
	out := []RenditionView{}
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list renditions: %w", err)
		}
		leaf := path.Base(o.Name)
		width, ok := renditionLeaf(leaf)
		if !ok || o.Metadata[metaSourceGeneration] != strconv.FormatInt(gen, 10) {
			continue
		}
		u, err := a.bucket.SignedURL(o.Name, a.signOptions(http.MethodGet, expires, "", nil))
		if err != nil {
			return nil, fmt.Errorf("sign rendition url: %w", err)
		}
		rv := RenditionView{
			Name: "w" + strconv.Itoa(width), Object: o.Name, ContentType: o.ContentType,
			Size: o.Size, URL: u, ExpiresAt: expires,
		}
		rv.Width, _ = strconv.Atoi(o.Metadata[metaWidth])
		rv.Height, _ = strconv.Atoi(o.Metadata[metaHeight])
		out = append(out, rv)
	}
	slices.SortFunc(out, func(x, y RenditionView) int {
		wx, _ := renditionLeaf(path.Base(x.Object))
		wy, _ := renditionLeaf(path.Base(y.Object))
		return wx - wy
	})
	return out, nil
}
