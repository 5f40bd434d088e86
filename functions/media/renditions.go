package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strconv"

	"cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/api/googleapi"
)

// EventFinalized is the CloudEvent type of a finished upload.
const EventFinalized = "google.cloud.storage.object.v1.finalized"

// objectData is the part of the StorageObjectData event payload we read.
// Its int64 fields are JSON strings (proto3 JSON), numbers are accepted too.
type objectData struct {
	Bucket      string    `json:"bucket"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        jsonInt64 `json:"size"`
	Generation  jsonInt64 `json:"generation"`
}

type jsonInt64 int64

func (n *jsonInt64) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	*n = jsonInt64(v)
	return err
}

// NewRenditions builds the storage-finalized handler: it validates a new
// original and writes its renditions beside it. A returned error asks for a
// retry and is used only when a retry can help.
func NewRenditions(d Deps) (func(context.Context, cloudevents.Event) error, error) {
	d, err := d.check(false)
	if err != nil {
		return nil, err
	}
	p := &processor{d: d, bucket: d.Storage.Bucket(d.Bucket), decodeSlot: make(chan struct{}, 1)}
	return p.handle, nil
}

type processor struct {
	d      Deps
	bucket *storage.BucketHandle
	// decodeSlot lets one image at a time be decoded and rendered in this
	// process, so concurrent deliveries cannot add up past the memory a
	// single decode is bounded to (Limits.MaxDecodeBytes).
	decodeSlot chan struct{}
}

func (p *processor) handle(ctx context.Context, e cloudevents.Event) error {
	if e.Type() != EventFinalized {
		slog.InfoContext(ctx, "media event ignored: not a finalize event", "event", e.ID(), "type", e.Type())
		return nil
	}
	if t := e.Time(); !t.IsZero() && p.d.Now().Sub(t) > p.d.Limits.MaxEventAge {
		slog.WarnContext(ctx, "media event dropped: too old", "event", e.ID(), "time", t)
		return nil
	}
	var obj objectData
	if err := json.Unmarshal(e.Data(), &obj); err != nil {
		// Malformed payloads never improve with retries.
		slog.ErrorContext(ctx, "media event dropped: unreadable data", "event", e.ID(), "error", err.Error())
		return nil
	}
	org, id, ok := parseOriginal(obj.Name)
	if !ok || obj.Bucket != p.d.Bucket {
		return nil // renditions and foreign objects: nothing to do
	}
	job := &job{processor: p, event: e.ID(), org: org, id: id, gen: int64(obj.Generation),
		log: slog.With("org", org, "media", id, "event", e.ID())}
	return job.run(ctx)
}

type job struct {
	*processor
	event   string
	org, id string
	gen     int64
	log     *slog.Logger
}

func (j *job) run(ctx context.Context) error {
	orig := j.bucket.Object(originalName(j.org, j.id))
	attrs, err := orig.Attrs(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		j.log.InfoContext(ctx, "media original gone; nothing to do")
		return nil
	}
	if err != nil {
		return fmt.Errorf("media %s: read attrs: %w", j.id, err)
	}
	if attrs.Generation != j.gen {
		// A newer upload replaced this one; its own event will handle it.
		j.log.InfoContext(ctx, "media event for a superseded generation ignored",
			"event_generation", j.gen, "generation", attrs.Generation)
		return nil
	}
	if s := outcome(attrs); s != StatusPending {
		j.log.InfoContext(ctx, "media already processed", "status", s)
		return nil
	}
	if attrs.Size > j.d.Limits.MaxUploadBytes {
		return j.reject(ctx, orig, attrs, reject("the upload is %d bytes; at most %d are allowed", attrs.Size, j.d.Limits.MaxUploadBytes))
	}
	data, err := j.read(ctx, orig)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil // replaced or deleted while we looked
	}
	if err != nil {
		return err
	}
	if int64(len(data)) > j.d.Limits.MaxUploadBytes {
		return j.reject(ctx, orig, attrs, reject("the upload is larger than %d bytes", j.d.Limits.MaxUploadBytes))
	}
	select {
	case j.decodeSlot <- struct{}{}:
		defer func() { <-j.decodeSlot }()
	case <-ctx.Done():
		return ctx.Err()
	}
	src, err := decodeImage(data, j.d.Limits.MaxPixels, j.d.Limits.MaxDecodeBytes)
	if err != nil {
		return j.reject(ctx, orig, attrs, err)
	}
	for _, bound := range renditionWidths {
		if err := j.writeRendition(ctx, src, bound); err != nil {
			return err
		}
		if err := j.removeStale(ctx, src, bound); err != nil {
			return err
		}
	}
	return j.mark(ctx, orig, attrs, map[string]string{
		metaStatus:       StatusReady,
		metaDetectedType: src.contentType,
		metaWidth:        strconv.Itoa(src.width),
		metaHeight:       strconv.Itoa(src.height),
	})
}

// read returns at most MaxUploadBytes+1 bytes of this exact generation,
// into one buffer of the object's size (no growth copies).
func (j *job) read(ctx context.Context, orig *storage.ObjectHandle) ([]byte, error) {
	r, err := orig.Generation(j.gen).NewReader(ctx)
	if err != nil {
		return nil, fmt.Errorf("media %s: open: %w", j.id, err)
	}
	defer r.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.Attrs.Size, 0), j.d.Limits.MaxUploadBytes)+1))
	_, err = buf.ReadFrom(io.LimitReader(r, j.d.Limits.MaxUploadBytes+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("media %s: read: %w", j.id, err)
	}
	return data, nil
}

// writeRendition writes one rendition unless this source generation already
// has it. Preconditions make concurrent duplicate deliveries safe: only one
// write wins, the other sees 412 and re-checks.
func (j *job) writeRendition(ctx context.Context, src *decoded, bound int) error {
	ext := "jpg"
	if src.transparent {
		ext = "png"
	}
	obj := j.bucket.Object(renditionName(j.org, j.id, bound, ext))
	cond := storage.Conditions{DoesNotExist: true}
	existing, err := obj.Attrs(ctx)
	switch {
	case err == nil && existing.Metadata[metaSourceGeneration] == strconv.FormatInt(j.gen, 10):
		return nil
	case err == nil:
		cond = storage.Conditions{GenerationMatch: existing.Generation} // from an older upload
	case !errors.Is(err, storage.ErrObjectNotExist):
		return fmt.Errorf("media %s: rendition attrs: %w", j.id, err)
	}
	out, err := render(src, bound)
	if err != nil {
		return fmt.Errorf("media %s: render w%d: %w", j.id, bound, err)
	}
	w := obj.If(cond).NewWriter(ctx)
	w.ContentType = out.contentType
	w.CacheControl = "private, max-age=3600"
	w.Metadata = map[string]string{
		metaSourceGeneration: strconv.FormatInt(j.gen, 10),
		metaEventID:          j.event,
		metaWidth:            strconv.Itoa(out.width),
		metaHeight:           strconv.Itoa(out.height),
	}
	if _, err := w.Write(out.data); err != nil {
		_ = w.Close()
		return fmt.Errorf("media %s: write w%d: %w", j.id, bound, err)
	}
	if err := w.Close(); err != nil {
		if isPreconditionFailed(err) {
			j.log.InfoContext(ctx, "media rendition written concurrently", "bound", bound)
			return nil
		}
		return fmt.Errorf("media %s: write w%d: %w", j.id, bound, err)
	}
	j.log.InfoContext(ctx, "media rendition written", "bound", bound, "width", out.width, "height", out.height)
	return nil
}

// removeStale deletes a rendition of the other format left by an older
// upload (e.g. w256.png of a transparent PNG replaced by a JPEG).
func (j *job) removeStale(ctx context.Context, src *decoded, bound int) error {
	ext := "png"
	if src.transparent {
		ext = "jpg"
	}
	obj := j.bucket.Object(renditionName(j.org, j.id, bound, ext))
	a, err := obj.Attrs(ctx)
	switch {
	case errors.Is(err, storage.ErrObjectNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("media %s: stale rendition attrs: %w", j.id, err)
	case a.Metadata[metaSourceGeneration] == strconv.FormatInt(j.gen, 10):
		return nil
	}
	err = obj.If(storage.Conditions{GenerationMatch: a.Generation}).Delete(ctx)
	if err != nil && !errors.Is(err, storage.ErrObjectNotExist) && !isPreconditionFailed(err) {
		return fmt.Errorf("media %s: delete stale rendition: %w", j.id, err)
	}
	return nil
}

// reject marks the original rejected and swallows the event: a poison
// upload must not be retried forever. Only a failing mark is retried.
func (j *job) reject(ctx context.Context, orig *storage.ObjectHandle, attrs *storage.ObjectAttrs, cause error) error {
	r, ok := isRejection(cause)
	if !ok {
		return cause
	}
	j.log.WarnContext(ctx, "media upload rejected", "reason", r.reason)
	return j.mark(ctx, orig, attrs, map[string]string{metaStatus: StatusRejected, metaReason: r.reason})
}

// mark records the outcome on the original, guarded by its generation and
// metageneration so a concurrent delivery's mark is never overwritten.
func (j *job) mark(ctx context.Context, orig *storage.ObjectHandle, attrs *storage.ObjectAttrs, set map[string]string) error {
	md := maps.Clone(attrs.Metadata)
	if md == nil {
		md = map[string]string{}
	}
	maps.Copy(md, set)
	md[metaEventID] = j.event
	md[metaOutcomeGeneration] = strconv.FormatInt(j.gen, 10)
	_, err := orig.If(storage.Conditions{GenerationMatch: j.gen, MetagenerationMatch: attrs.Metageneration}).
		Update(ctx, storage.ObjectAttrsToUpdate{Metadata: md})
	switch {
	case err == nil:
		j.log.InfoContext(ctx, "media marked", "status", set[metaStatus])
		return nil
	case isPreconditionFailed(err), errors.Is(err, storage.ErrObjectNotExist):
		// Someone else marked it, or a new upload replaced it: either way
		// this delivery's work is done or superseded.
		j.log.InfoContext(ctx, "media changed while marking; leaving it", "status", set[metaStatus])
		return nil
	default:
		return fmt.Errorf("media %s: mark %s: %w", j.id, set[metaStatus], err)
	}
}

// outcome is the original's processing status: ready or rejected only when
// this function recorded it for this very generation, pending otherwise.
// The status keys are ordinary custom metadata, which an upload could
// carry too; an upload cannot know the generation the store will give it,
// so a status it brought along never counts.
func outcome(attrs *storage.ObjectAttrs) string {
	s := attrs.Metadata[metaStatus]
	if (s != StatusReady && s != StatusRejected) ||
		attrs.Metadata[metaOutcomeGeneration] != strconv.FormatInt(attrs.Generation, 10) {
		return StatusPending
	}
	return s
}

func isPreconditionFailed(err error) bool {
	var g *googleapi.Error
	return errors.As(err, &g) && g.Code == http.StatusPreconditionFailed
}
