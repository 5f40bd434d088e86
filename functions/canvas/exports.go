package canvas

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/storage"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// Export formats.
const (
	FormatJSON = "json"
	FormatPNG  = "png"
	FormatPDF  = "pdf"
)

// PNG resolution bounds (canvas.RenderOptions).
const (
	MinDPI     = 72
	MaxDPI     = 600
	DefaultDPI = 144
)

// maxPNGPixels caps a PNG's width × height below the renderer's default:
// the image, its encoding and the request fit the function's 512 MiB
// (BenchmarkRenderLargestPNG measures the peak).
const maxPNGPixels = 24_000_000

var contentTypes = map[string]string{FormatJSON: "application/json", FormatPNG: "image/png", FormatPDF: "application/pdf"}

// ExportRequest asks for the canvas as a file.
type ExportRequest struct {
	Format string `json:"format"`
	// DPI of a PNG (72…600, default 144); a PNG over the pixel cap is
	// scaled down, never refused.
	DPI int `json:"dpi,omitempty"`
	// Transparent leaves a PNG's background out.
	Transparent bool `json:"transparent,omitempty"`
}

// Validate implements httpapi.Validator.
func (r *ExportRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "format", r.Format)
	if r.Format != "" {
		httpapi.OneOf(&f, "format", r.Format, FormatJSON, FormatPNG, FormatPDF)
	}
	if r.DPI != 0 && (r.DPI < MinDPI || r.DPI > MaxDPI) {
		f = append(f, httpapi.Field("dpi", "must be %d…%d", MinDPI, MaxDPI))
	}
	if r.DPI != 0 && r.Format != FormatPNG {
		f = append(f, httpapi.Field("dpi", "applies to png only"))
	}
	if r.Transparent && r.Format != FormatPNG {
		f = append(f, httpapi.Field("transparent", "applies to png only"))
	}
	return f
}

// Export is a signed download of an export.
type Export struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	Format    string    `json:"format"`
}

func (a *api) export(w http.ResponseWriter, r *http.Request, l *loaded) error {
	var req ExportRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if req.Format == FormatPNG && req.DPI == 0 {
		req.DPI = DefaultDPI
	}
	ctx := r.Context()
	els, err := a.elements(ctx, l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	n, version := state(els)
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d\x00%t\x00%d\x00%d\x00%s", l.M.Org, l.M.ID, req.Format, req.DPI, req.Transparent, n, version, l.M.Title))
	object := "canvas/" + l.M.Org + "/" + l.M.ID + "/" + hex.EncodeToString(sum[:16]) + "." + req.Format
	obj := a.d.Storage.Bucket(a.d.Buckets.Exports).Object(object)
	now := a.d.Now()
	attrs, err := obj.Attrs(ctx)
	switch {
	case err == nil && now.Sub(attrs.Created) < a.d.ExportTTL:
		// The same state and options were exported within the hour.
	case err != nil && !errors.Is(err, storage.ErrObjectNotExist):
		return httpapi.Unavailable(fmt.Errorf("read export: %w", err))
	default:
		body, err := a.render(ctx, l, els, &req, l.P)
		if err != nil {
			return err
		}
		ow := obj.NewWriter(ctx)
		ow.ContentType = contentTypes[req.Format]
		ow.ContentDisposition = mime.FormatMediaType("attachment", map[string]string{"filename": fileName(l.M.Title) + "." + req.Format})
		ow.CacheControl = "private, max-age=3600"
		if _, err := ow.Write(body); err != nil {
			_ = ow.Close()
			return httpapi.Unavailable(fmt.Errorf("write export: %w", err))
		}
		if err := ow.Close(); err != nil {
			return httpapi.Unavailable(fmt.Errorf("write export: %w", err))
		}
	}
	exp := now.Add(a.d.URLTTL).UTC().Truncate(time.Second)
	u, err := a.d.Storage.Bucket(a.d.Buckets.Exports).SignedURL(object, &storage.SignedURLOptions{
		Scheme: storage.SigningSchemeV4, Method: http.MethodGet, Expires: exp,
		GoogleAccessID: a.d.Signer.Email, PrivateKey: a.d.Signer.PrivateKeyPEM,
		Hostname: a.d.Signer.Hostname, Insecure: a.d.Signer.Insecure,
	})
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("sign export url: %w", err))
	}
	httpapi.WriteJSON(w, http.StatusOK, Export{URL: u, ExpiresAt: exp, Format: req.Format})
	return nil
}

// render draws the live elements as req asks.
func (a *api) render(ctx context.Context, l *loaded, els []*model.Element, req *ExportRequest, p *auth.Principal) ([]byte, error) {
	doc := document(l.M, els, true, a.d.Now())
	var buf bytes.Buffer
	var err error
	switch req.Format {
	case FormatJSON:
		err = model.Encode(&buf, doc)
	case FormatPNG:
		err = model.RenderPNG(&buf, doc, model.RenderOptions{DPI: req.DPI, MaxPixels: maxPNGPixels, Transparent: req.Transparent, Labels: a.labels(ctx, l.M.Org, doc, p.Tier)})
	case FormatPDF:
		err = model.RenderPDF(&buf, doc, model.RenderOptions{Labels: a.labels(ctx, l.M.Org, doc, p.Tier)})
	}
	if err != nil {
		return nil, httpapi.Internal(fmt.Errorf("render %s: %w", req.Format, err))
	}
	return buf.Bytes(), nil
}

// labels shows a card by its library title (in English, for callers whose
// plan includes it) and an image by its alt text.
func (a *api) labels(ctx context.Context, org string, doc *model.Document, tier string) func(*model.Element) string {
	var ids []string
	for _, e := range doc.Elements {
		if id, _ := e.Props["card_id"].(string); e.Kind == model.KindCard && id != "" {
			ids = append(ids, id)
		}
	}
	titles := map[string]string{}
	if len(ids) > 0 {
		items, err := library.LookupItems(ctx, a.d.Firestore, org, ids)
		if err != nil {
			slog.WarnContext(ctx, "canvas: card titles unavailable; cards show their kind", "err", err)
		}
		now := a.d.Now()
		for id, it := range items {
			if it.Usable(entitlements.Claim(tier), now) {
				t, _ := it.Localized(library.DefaultLocale)
				titles[id] = t.Title
			}
		}
	}
	return func(e *model.Element) string {
		switch e.Kind {
		case model.KindCard:
			id, _ := e.Props["card_id"].(string)
			if t := titles[id]; t != "" {
				return t
			}
		case model.KindImage:
			if alt, _ := e.Props["alt"].(string); alt != "" {
				return alt
			}
		}
		return e.Kind
	}
}

// fileName is a download name made of the title's letters and digits.
func fileName(title string) string {
	var b strings.Builder
	for _, r := range title {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		return "canvas"
	}
	return name
}

// importDoc makes a new private canvas of the caller from a canvas
// document (an export): its live elements, owned by the importer, with
// fresh stamps.
func (a *api) importDoc(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return httpapi.UnsupportedMediaType("the body must be application/json, not %q", ct)
		}
	}
	ctx := r.Context()
	org, err := a.homeOf(ctx, p, "")
	if err != nil {
		return err
	}
	if r.ContentLength > a.d.MaxImport {
		return httpapi.TooLarge("the document is %d bytes; at most %d are accepted", r.ContentLength, a.d.MaxImport)
	}
	doc, err := model.Decode(http.MaxBytesReader(w, r.Body, a.d.MaxImport), a.d.MaxImport)
	if err != nil {
		return importProblem(err, a.d.MaxImport)
	}
	s := a.d.Clock.Next()
	var els []*model.Element
	for _, de := range doc.Elements {
		if de.Deleted() {
			continue
		}
		if !authz.ValidDocID(de.ID) {
			return httpapi.Invalid(httpapi.Field("elements", "element id %q is not usable", de.ID))
		}
		e := &model.Element{ID: de.ID, Kind: de.Kind, Owner: p.UID, Props: map[string]any{}, Stamps: map[string]model.Stamp{}}
		for k, v := range de.Props {
			if v != nil {
				e.Props[k], e.Stamps[k] = v, s
			}
		}
		e.Props[model.PropDeleted], e.Stamps[model.PropDeleted] = false, s
		els = append(els, e)
	}
	title := truncate(strings.TrimSpace(doc.Title), MaxTitle)
	var f []httpapi.FieldError
	if httpapi.Text(&f, "title", title, httpapi.SingleLine); len(f) > 0 {
		return httpapi.Invalid(f...)
	}
	if title == "" {
		title = "Imported canvas"
	}
	now := a.d.Now().UTC()
	m := &model.Meta{
		ID: a.d.NewID(), Org: org, Title: title, Owner: p.UID, Visibility: model.Private,
		Shares: map[string]model.Share{}, TemplateID: doc.TemplateID, CreatedAt: now, UpdatedAt: now,
	}
	if err := a.createCanvas(ctx, m, els); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, view(m, model.RoleOwner, time.Time{}, nil))
	return nil
}

// importProblem is the 4xx of a document that does not decode.
func importProblem(err error, limit int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return httpapi.TooLarge("the document is larger than %d bytes", limit)
	}
	if p, ok := httpapi.FromInput(err); ok {
		return p
	}
	detail := strings.TrimPrefix(err.Error(), model.ErrInvalid.Error()+": ")
	return httpapi.BadRequest("not a canvas document (%s): %s", model.Format, detail)
}
