package media

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/internal/apitest"
)

// pngChunk appends one PNG chunk with its CRC.
func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngOf is a w×h PNG of the given bit depth, colour type and interlace
// method whose pixel rows are all zero: tiny on disk, as large as its
// header says once decoded. With rows false it carries no pixel data at
// all (a header the checks must refuse before any decode).
func pngOf(t testing.TB, w, h int, depth, colorType, interlace byte, rows bool) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9], ihdr[12] = depth, colorType, interlace
	pngChunk(&b, "IHDR", ihdr)
	if rows {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
		row := make([]byte, 1+w*4*int(depth)/8) // filter byte + RGBA samples
		for range h {
			if _, err := zw.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		pngChunk(&b, "IDAT", z.Bytes())
	}
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// bombPNG is the decompression bomb of the report: a 7000×7000 RGBA PNG of
// about 200 KB that decodes to 196 MB (generated once: it takes a while).
var bombPNG = sync.OnceValue(func() []byte { return pngOf(&testing.T{}, 7000, 7000, 8, 6, 0, true) })

// jpegHeaderOnly is a JPEG of only a start-of-frame segment and the start
// of a scan: sof is the marker (0xc0 baseline, 0xc2 progressive),
// sampling the components' factors.
func jpegHeaderOnly(w, h int, sof byte, sampling ...byte) []byte {
	seg := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(sampling))}
	for i, s := range sampling {
		seg = append(seg, byte(i+1), s, 0)
	}
	b := []byte{0xff, 0xd8, 0xff, sof, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	return append(append(b, seg...), 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0xff, 0xd9)
}

// TestRenditionsRefuseDecompressionBombs: images whose decode would take
// more memory than the function has are refused from their header, before
// any pixel is decoded, and the verdict is final (no retry).
func TestRenditionsRefuseDecompressionBombs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		data   func() []byte
		reason string
	}{
		{"7000x7000 RGBA PNG of 200 KB", bombPNG, "pixels"},
		{"16-bit RGBA PNG", func() []byte { return pngOf(t, 4000, 4000, 16, 6, 0, false) }, "MiB to decode"},
		{"interlaced RGBA PNG", func() []byte { return pngOf(t, 4500, 3500, 8, 6, 1, false) }, "MiB to decode"},
		{"progressive JPEG", func() []byte { return jpegHeaderOnly(5000, 4000, 0xc2, 0x22, 0x11, 0x11) }, "MiB to decode"},
		{"progressive 4:4:4 JPEG", func() []byte { return jpegHeaderOnly(3000, 3000, 0xc2, 0x11, 0x11, 0x11) }, "MiB to decode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			process := e.renditions()
			id := uuid.NewString()
			name := originalName(orgA, id)
			gen := e.put(name, "image/png", c.data())
			if err := process(context.Background(), finalized("ev-bomb", testBucket, name, gen)); err != nil {
				t.Fatalf("an over-limit image must not be retried: %v", err)
			}
			md := e.attrs(name).Metadata
			if md[metaStatus] != StatusRejected || !strings.Contains(md[metaReason], c.reason) {
				t.Errorf("metadata %v, want rejected for %q", md, c.reason)
			}
			if got := e.objectNames(mediaPrefix(orgA, id)); len(got) != 1 {
				t.Errorf("objects = %v, want only the original", got)
			}
		})
	}
}

// TestRenditionsLargeImagesStayCorrect: the area-averaging downscale keeps
// sizes, colours and transparency.
func TestRenditionsLargeImagesStayCorrect(t *testing.T) {
	t.Parallel()
	src := &decoded{img: gradient(3001, 1999), width: 3001, height: 1999}
	r, err := render(src, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if r.width != 1024 || r.height != 682 || r.contentType != TypeJPEG {
		t.Fatalf("rendition %dx%d %s", r.width, r.height, r.contentType)
	}
	half := &decoded{img: mustDecodePNG(t, pngBytes(t, 600, 300, true)), width: 600, height: 300, transparent: true}
	out, err := render(half, 256)
	if err != nil {
		t.Fatal(err)
	}
	img := mustDecodePNG(t, out.data)
	if img.Bounds().Dx() != 256 || img.Bounds().Dy() != 128 {
		t.Fatalf("bounds %v", img.Bounds())
	}
	// The left half was 25% opaque, the right half opaque, and blue 200.
	for _, p := range []struct{ x, wantA uint32 }{{10, 64}, {200, 255}} {
		_, _, bl, a := img.At(int(p.x), 64).RGBA()
		if a>>8 < p.wantA-2 || a>>8 > p.wantA+2 || bl*255/max(a, 1) < 195 {
			t.Errorf("pixel %d: blue %d alpha %d, want alpha %d", p.x, bl>>8, a>>8, p.wantA)
		}
	}
}

// TestUploadMetadataNeverDecidesStatus: custom metadata sent with an
// upload (status, detected type, size) is not a verdict. Until this
// function has checked the bytes the media is pending; a non-image ends
// rejected whatever it claimed.
func TestUploadMetadataNeverDecidesStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.api()
	process := e.renditions()
	id := uuid.NewString()
	name := originalName(orgA, id)
	gen := e.putWithMetadata(name, "image/png", []byte("<html><script>alert(1)</script></html>"), map[string]string{
		metaStatus: StatusReady, metaDetectedType: "image/png", metaWidth: "10", metaHeight: "10",
		metaEventID: "ev-forged", "outcome-generation": "1",
	})
	if v := apitest.Decode[MediaView](t, do(t, h, http.MethodGet, "/v1/media/"+id, alice, "")); v.Status != StatusPending {
		t.Errorf("before processing: status %q, want pending", v.Status)
	}
	if err := process(context.Background(), finalized("ev-1", testBucket, name, gen)); err != nil {
		t.Fatal(err)
	}
	v := apitest.Decode[MediaView](t, do(t, h, http.MethodGet, "/v1/media/"+id, alice, ""))
	if v.Status != StatusRejected || !strings.Contains(v.Reason, "not an allowed image type") || len(v.Renditions) != 0 {
		t.Errorf("after processing: %+v, want rejected as not an image", v)
	}
}
