package media

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"
	"google.golang.org/api/option"
)

func TestRenditions(t *testing.T) {
	t.Parallel()
	type size struct{ w, h int }
	cases := []struct {
		name    string
		data    func(t *testing.T) []byte
		ext     string
		format  string
		w256    size
		w1024   size
		srcType string
	}{
		{"landscape jpeg", func(t *testing.T) []byte { return jpegBytes(t, 1500, 750) }, "jpg", "jpeg", size{256, 128}, size{1024, 512}, TypeJPEG},
		{"portrait jpeg", func(t *testing.T) []byte { return jpegBytes(t, 600, 1200) }, "jpg", "jpeg", size{128, 256}, size{512, 1024}, TypeJPEG},
		{"small jpeg is never upscaled", func(t *testing.T) []byte { return jpegBytes(t, 100, 50) }, "jpg", "jpeg", size{100, 50}, size{100, 50}, TypeJPEG},
		{"between the bounds", func(t *testing.T) []byte { return jpegBytes(t, 300, 500) }, "jpg", "jpeg", size{154, 256}, size{300, 500}, TypeJPEG},
		{"png with alpha stays png", func(t *testing.T) []byte { return pngBytes(t, 1100, 825, true) }, "png", "png", size{256, 192}, size{1024, 768}, TypePNG},
		{"opaque png becomes jpeg", func(t *testing.T) []byte { return pngBytes(t, 512, 512, false) }, "jpg", "jpeg", size{256, 256}, size{512, 512}, TypePNG},
		{"transparent gif becomes png", func(t *testing.T) []byte { return gifBytes(t, 400, 200, true) }, "png", "png", size{256, 128}, size{400, 200}, TypeGIF},
		{"lossy webp becomes jpeg", func(t *testing.T) []byte { return b64(t, webpLossy1x1) }, "jpg", "jpeg", size{1, 1}, size{1, 1}, TypeWebP},
		{"webp with alpha becomes png", func(t *testing.T) []byte { return b64(t, webpAlpha1x1) }, "png", "png", size{1, 1}, size{1, 1}, TypeWebP},
		{"opaque gif becomes jpeg", func(t *testing.T) []byte { return gifBytes(t, 64, 64, false) }, "jpg", "jpeg", size{64, 64}, size{64, 64}, TypeGIF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			process := e.renditions()
			id := uuid.NewString()
			name := originalName(orgA, id)
			// The declared type is deliberately wrong: only the bytes count.
			gen := e.put(name, "application/octet-stream", c.data(t))
			if err := process(context.Background(), finalized("ev-"+id, testBucket, name, gen)); err != nil {
				t.Fatal(err)
			}
			for bound, want := range map[int]size{256: c.w256, 1024: c.w1024} {
				rn := renditionName(orgA, id, bound, c.ext)
				w, h, format := imageSize(t, e.read(rn))
				if w != want.w || h != want.h || format != c.format {
					t.Errorf("%s: %dx%d %s, want %dx%d %s", rn, w, h, format, want.w, want.h, c.format)
				}
				a := e.attrs(rn)
				if a.ContentType != "image/"+c.format {
					t.Errorf("%s content type %q", rn, a.ContentType)
				}
				if a.Metadata[metaSourceGeneration] != strconv.FormatInt(gen, 10) || a.Metadata[metaEventID] != "ev-"+id {
					t.Errorf("%s metadata %v", rn, a.Metadata)
				}
			}
			if got := e.objectNames(mediaPrefix(orgA, id)); len(got) != 3 {
				t.Errorf("objects = %v, want the original and two renditions", got)
			}
			md := e.attrs(name).Metadata
			if md[metaStatus] != StatusReady || md[metaDetectedType] != c.srcType || md[metaEventID] != "ev-"+id {
				t.Errorf("original metadata %v", md)
			}
		})
	}
}

func TestRenditionsRejectBadUploads(t *testing.T) {
	t.Parallel()
	truncated := jpegBytes(t, 300, 300)
	truncated = truncated[:len(truncated)/3]
	cases := []struct {
		name   string
		data   func(t *testing.T) []byte
		limits Limits
		reason string
	}{
		{"text", func(*testing.T) []byte { return []byte("hello, I am not a picture") }, Limits{}, "not an allowed image type"},
		{"svg", func(*testing.T) []byte {
			return []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>`)
		}, Limits{}, "not an allowed image type"},
		{"bmp", func(*testing.T) []byte { return append([]byte("BM"), make([]byte, 64)...) }, Limits{}, "not an allowed image type"},
		{"empty", func(*testing.T) []byte { return nil }, Limits{}, "empty"},
		{"oversize", func(t *testing.T) []byte { return jpegBytes(t, 200, 200) }, Limits{MaxUploadBytes: 512}, "at most 512"},
		{"too many pixels", func(t *testing.T) []byte { return pngBytes(t, 300, 200, false) }, Limits{MaxPixels: 50_000}, "60000 pixels"},
		{"corrupt jpeg", func(*testing.T) []byte { return truncated }, Limits{}, "corrupt"},
		{"jpeg magic only", func(*testing.T) []byte { return []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0} }, Limits{}, "header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.deps.Limits = c.limits
			process := e.renditions()
			id := uuid.NewString()
			name := originalName(orgA, id)
			gen := e.put(name, "image/jpeg", c.data(t))
			if err := process(context.Background(), finalized("ev-1", testBucket, name, gen)); err != nil {
				t.Fatalf("a poison upload must not be retried: %v", err)
			}
			md := e.attrs(name).Metadata
			if md[metaStatus] != StatusRejected || !strings.Contains(md[metaReason], c.reason) {
				t.Errorf("metadata %v, want rejected for %q", md, c.reason)
			}
			if got := e.objectNames(mediaPrefix(orgA, id)); len(got) != 1 {
				t.Errorf("objects = %v, want only the original", got)
			}
			// A second delivery leaves the verdict alone.
			mg := e.attrs(name).Metageneration
			if err := process(context.Background(), finalized("ev-2", testBucket, name, gen)); err != nil {
				t.Fatal(err)
			}
			if a := e.attrs(name); a.Metageneration != mg || a.Metadata[metaEventID] != "ev-1" {
				t.Errorf("redelivery changed the original: %d→%d %v", mg, a.Metageneration, a.Metadata)
			}
		})
	}
}

func TestRenditionsAreIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	process := e.renditions()
	id := uuid.NewString()
	name := originalName(orgA, id)
	gen := e.put(name, "image/jpeg", jpegBytes(t, 800, 600))
	ev := finalized("ev-dup", testBucket, name, gen)
	if err := process(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string][2]int64 {
		out := map[string][2]int64{}
		for _, n := range e.objectNames(mediaPrefix(orgA, id)) {
			a := e.attrs(n)
			out[n] = [2]int64{a.Generation, a.Metageneration}
		}
		return out
	}
	before := snapshot()
	if len(before) != 3 {
		t.Fatalf("objects after first delivery: %v", before)
	}
	// The same event again, and another event for the same generation.
	for _, again := range []cloudevents.Event{ev, finalized("ev-other", testBucket, name, gen)} {
		if err := process(context.Background(), again); err != nil {
			t.Fatal(err)
		}
	}
	after := snapshot()
	for n, g := range before {
		if after[n] != g {
			t.Errorf("%s changed: generation/metageneration %v → %v", n, g, after[n])
		}
	}
	if len(after) != len(before) {
		t.Errorf("objects changed: %v → %v", before, after)
	}

	// A crash between the renditions and the mark: the retry keeps the
	// renditions it finds and only marks the original.
	id2 := uuid.NewString()
	name2 := originalName(orgA, id2)
	gen2 := e.put(name2, "image/jpeg", jpegBytes(t, 800, 600))
	src, err := decodeImage(e.read(name2), DefaultMaxPixels, DefaultMaxDecodeBytes)
	if err != nil {
		t.Fatal(err)
	}
	j := &job{processor: &processor{d: mustCheck(t, e.deps), bucket: e.client.Bucket(testBucket)},
		event: "ev-crash", org: orgA, id: id2, gen: gen2, log: discardLogger()}
	if err := j.writeRendition(context.Background(), src, 256); err != nil {
		t.Fatal(err)
	}
	w256 := e.attrs(renditionName(orgA, id2, 256, "jpg")).Generation
	if err := process(context.Background(), finalized("ev-retry", testBucket, name2, gen2)); err != nil {
		t.Fatal(err)
	}
	if g := e.attrs(renditionName(orgA, id2, 256, "jpg")).Generation; g != w256 {
		t.Errorf("w256 rewritten on retry: %d → %d", w256, g)
	}
	if !e.exists(renditionName(orgA, id2, 1024, "jpg")) || e.attrs(name2).Metadata[metaStatus] != StatusReady {
		t.Error("retry did not finish the job")
	}
}

func TestRenditionsReplaceOlderGeneration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	process := e.renditions()
	id := uuid.NewString()
	name := originalName(orgA, id)
	gen1 := e.put(name, "image/png", pngBytes(t, 400, 300, true))
	if err := process(context.Background(), finalized("ev-1", testBucket, name, gen1)); err != nil {
		t.Fatal(err)
	}
	if !e.exists(renditionName(orgA, id, 256, "png")) {
		t.Fatal("no png rendition of the first upload")
	}
	gen2 := e.put(name, "image/jpeg", jpegBytes(t, 600, 800))
	// A late delivery of the first event is stale now and changes nothing.
	if err := process(context.Background(), finalized("ev-1-late", testBucket, name, gen1)); err != nil {
		t.Fatal(err)
	}
	if e.attrs(name).Metadata[metaStatus] != "" {
		t.Error("stale event marked the new upload")
	}
	if err := process(context.Background(), finalized("ev-2", testBucket, name, gen2)); err != nil {
		t.Fatal(err)
	}
	w, h, _ := imageSize(t, e.read(renditionName(orgA, id, 256, "jpg")))
	if w != 192 || h != 256 {
		t.Errorf("w256 of the new upload is %dx%d, want 192x256", w, h)
	}
	if g := e.attrs(renditionName(orgA, id, 256, "jpg")).Metadata[metaSourceGeneration]; g != strconv.FormatInt(gen2, 10) {
		t.Errorf("source-generation = %s, want %d", g, gen2)
	}
	// The first upload's PNG renditions are gone.
	if got := e.objectNames(mediaPrefix(orgA, id)); len(got) != 3 {
		t.Errorf("objects = %v, want the original and two jpg renditions", got)
	}
	// A third upload overwrites the JPEG renditions of the second.
	gen3 := e.put(name, "image/jpeg", jpegBytes(t, 500, 500))
	if err := process(context.Background(), finalized("ev-3", testBucket, name, gen3)); err != nil {
		t.Fatal(err)
	}
	if w, h, _ := imageSize(t, e.read(renditionName(orgA, id, 256, "jpg"))); w != 256 || h != 256 {
		t.Errorf("w256 of the third upload is %dx%d, want 256x256", w, h)
	}
	if e.attrs(name).Metadata[metaStatus] != StatusReady {
		t.Error("third upload not marked ready")
	}
}

func TestRenditionsIgnoreOtherObjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	process := e.renditions()
	id := uuid.NewString()
	jpg := jpegBytes(t, 300, 200)
	rendition := renditionName(orgA, id, 256, "jpg")
	elsewhere := "exports/" + id + "/original"
	upper := "orgs/" + orgA + "/media/" + strings.ToUpper(id) + "/original"
	for _, n := range []string{rendition, elsewhere, upper} {
		e.put(n, "image/jpeg", jpg)
	}
	// A valid upload whose event is older than MaxEventAge is dropped.
	stale := uuid.NewString()
	e.put(originalName(orgA, stale), "image/jpeg", jpg)
	old := finalized("ev-old", testBucket, originalName(orgA, stale), e.attrs(originalName(orgA, stale)).Generation)
	old.SetTime(time.Now().Add(-DefaultMaxEventAge - time.Hour))
	wrongType := finalized("ev-t", testBucket, originalName(orgA, id), 1)
	wrongType.SetType("google.cloud.storage.object.v1.deleted")
	garbage := finalized("ev-g", testBucket, originalName(orgA, id), 1)
	_ = garbage.SetData(cloudevents.ApplicationJSON, []byte(`{"name": 5`))
	events := []cloudevents.Event{
		finalized("ev-r", testBucket, rendition, 1),
		finalized("ev-e", testBucket, elsewhere, 1),
		finalized("ev-u", testBucket, upper, 1),
		finalized("ev-b", "another-bucket", originalName(orgA, id), 1),
		finalized("ev-m", testBucket, originalName(orgA, uuid.NewString()), 1), // never uploaded
		wrongType,
		garbage,
		old,
	}
	for _, ev := range events {
		if err := process(context.Background(), ev); err != nil {
			t.Errorf("event %s: %v", ev.ID(), err)
		}
	}
	all := e.objectNames("")
	if len(all) != 4 {
		t.Errorf("objects = %v, want only the four puts", all)
	}
	for _, n := range all {
		if len(e.attrs(n).Metadata) != 0 {
			t.Errorf("%s got metadata %v", n, e.attrs(n).Metadata)
		}
	}
}

func TestRenditionsRetryWhenStorageIsDown(t *testing.T) {
	t.Parallel()
	c, err := storage.NewClient(context.Background(),
		option.WithEndpoint("http://127.0.0.1:1/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	c.SetRetry(storage.WithPolicy(storage.RetryNever))
	process, err := NewRenditions(Deps{Storage: c, Bucket: testBucket})
	if err != nil {
		t.Fatal(err)
	}
	name := originalName(orgA, uuid.NewString())
	if err := process(context.Background(), finalized("ev-1", testBucket, name, 1)); err == nil {
		t.Fatal("storage unreachable: want an error so the event is retried")
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	cases := []struct{ w, h, bound, ww, wh int }{
		{1024, 768, 256, 256, 192},
		{768, 1024, 256, 192, 256},
		{10000, 1, 256, 256, 1},
		{1, 10000, 1024, 1, 1024},
		{256, 256, 256, 256, 256},
		{200, 100, 1024, 200, 100},
		{1000, 333, 256, 256, 85},
	}
	for _, c := range cases {
		if w, h := fit(c.w, c.h, c.bound); w != c.ww || h != c.wh {
			t.Errorf("fit(%d,%d,%d) = %d,%d want %d,%d", c.w, c.h, c.bound, w, h, c.ww, c.wh)
		}
	}
}

func TestParseOriginal(t *testing.T) {
	t.Parallel()
	id := uuid.NewString()
	cases := []struct {
		name string
		ok   bool
	}{
		{"orgs/org-a/media/" + id + "/original", true},
		{"orgs/org-a/media/" + id + "/w256.jpg", false},
		{"orgs/org-a/media/" + id + "/original/x", false},
		{"orgs/org-a/media/not-a-uuid-but-exactly-36-chars-long-x/original", false},
		{"orgs/org a/media/" + id + "/original", false},
		{"orgs//media/" + id + "/original", false},
		{"x/orgs/org-a/media/" + id + "/original", false},
	}
	for _, c := range cases {
		org, gotID, ok := parseOriginal(c.name)
		if ok != c.ok || (ok && (org != "org-a" || gotID != id)) {
			t.Errorf("parseOriginal(%q) = %q, %q, %v", c.name, org, gotID, ok)
		}
	}
}

// Tiny WebP files (1×1, lossy and lossy with an alpha chunk): Go has no
// WebP encoder to generate them.
const (
	webpLossy1x1 = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"
	webpAlpha1x1 = "UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA=="
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCheck(t *testing.T, d Deps) Deps {
	t.Helper()
	d, err := d.check(false)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
