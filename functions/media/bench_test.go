package media

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkRender is the CPU part of the rendition path for a 1024×768
// JPEG: sniff, header check, decode, and both renditions encoded.
func BenchmarkRender(b *testing.B) {
	data := jpegBytes(b, 1024, 768)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		src, err := decodeImage(data, DefaultMaxPixels)
		if err != nil {
			b.Fatal(err)
		}
		for _, bound := range renditionWidths {
			if _, err := render(src, bound); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRenditionEvent is the whole event handler for a 1024×768 JPEG
// against the in-memory fake-gcs-server (a new upload per iteration).
func BenchmarkRenditionEvent(b *testing.B) {
	e := newEnv(b)
	process, err := NewRenditions(e.deps)
	if err != nil {
		b.Fatal(err)
	}
	data := jpegBytes(b, 1024, 768)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		id := uuid.NewString()
		name := originalName(orgA, id)
		gen := e.put(name, TypeJPEG, data)
		ev := finalized("ev-"+id, testBucket, name, gen)
		b.StartTimer()
		if err := process(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUploadHandler is POST /v1/uploads through the full middleware
// stack: auth (static verifier), strict decoding, validation, V4 signing.
func BenchmarkUploadHandler(b *testing.B) {
	e := newEnv(b)
	h, err := New(e.deps)
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"content_type":"image/jpeg","size":123456,"filename":"x.jpg"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/api/media/v1/uploads", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer alice")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
