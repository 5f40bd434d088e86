package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/google/uuid"
)

// BenchmarkRender is the CPU part of the rendition path for a 1024×768
// JPEG: sniff, header check, decode, and both renditions encoded.
func BenchmarkRender(b *testing.B) {
	data := jpegBytes(b, 1024, 768)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		src, err := decodeImage(data, DefaultMaxPixels, DefaultMaxDecodeBytes)
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

// rssChildEnv names the image file a child process of
// BenchmarkRenditionsPeakRSS runs the renditions path on.
const rssChildEnv = "MEDIA_TEST_RSS_CHILD"

// rssChild runs the whole rendition event handler on the image at path
// against an in-memory fake-gcs-server and prints the outcome and the
// process's peak resident set size (VmHWM) in KiB.
func rssChild(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer srv.Stop()
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: testBucket})
	c := srv.Client()
	name := originalName(orgA, uuid.NewString())
	w := c.Bucket(testBucket).Object(name).NewWriter(context.Background())
	w.ContentType = http.DetectContentType(data)
	if _, err := w.Write(data); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if err := w.Close(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	gen := w.Attrs().Generation
	runtime.GC()
	before := vmHWM()
	process, err := NewRenditions(Deps{Storage: c, Bucket: testBucket})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if err := process(context.Background(), finalized("ev-rss", testBucket, name, gen)); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	a, err := c.Bucket(testBucket).Object(name).Attrs(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Printf("status=%s reason=%q before-kib=%d peak-kib=%d\n", a.Metadata[metaStatus], a.Metadata[metaReason], before, vmHWM())
	return 0
}

// vmHWM is the process's peak resident set size in KiB.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return -1
}

// benchImage is a w×h test image: flat (a decompression bomb compresses
// to almost nothing), or a gradient with a little noise so JPEG stays a
// realistic photo-sized upload.
func benchImage(c rssCase) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
	seed := uint32(1)
	for y := 0; y < c.h; y++ {
		for x := 0; x < c.w; x++ {
			px := color.NRGBA{200, 180, 160, 255}
			if !c.flat {
				seed = seed*1664525 + 1013904223
				n := uint8(seed>>29) & c.noise
				px = color.NRGBA{uint8(x*255/c.w) + n, uint8(y*255/c.h) + n, 128 + n, 255}
			}
			if c.alpha {
				px.A = uint8(128 + x%128)
			}
			img.SetNRGBA(x, y, px)
		}
	}
	return img
}

// BenchmarkRenditionsPeakRSS reports the peak resident memory of a process
// that runs the rendition event handler on the largest images it accepts
// (and on a decompression bomb it must refuse), each in a fresh child
// process: the figure to hold against the function's memory limit.
// Linux only (it reads /proc/self/status).
func BenchmarkRenditionsPeakRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	dir := b.TempDir()
	write := func(name string, enc func(io.Writer) error) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := enc(f); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, file string
		status     string
	}{}
	for _, c := range rssCases() {
		var img image.Image = benchImage(c)
		if c.wide {
			wide := image.NewNRGBA64(img.Bounds())
			draw.Draw(wide, wide.Bounds(), img, image.Point{}, draw.Src)
			img = wide
		}
		file := write(c.name, func(w io.Writer) error {
			if c.jpeg {
				return jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
			}
			return png.Encode(w, img)
		})
		cases = append(cases, struct{ name, file, status string }{c.name, file, c.status})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var peak int64
			for b.Loop() {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), rssChildEnv+"="+c.file)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
				var status, reason string
				var before, kib int64
				line := string(bytes.TrimSpace(out))
				if i := strings.LastIndex(line, "status="); i >= 0 {
					line = line[i:]
				}
				if _, err := fmt.Sscanf(line, "status=%s reason=%q before-kib=%d peak-kib=%d", &status, &reason, &before, &kib); err != nil {
					b.Fatalf("child output %q: %v", out, err)
				}
				if status != c.status {
					b.Fatalf("status %q (%s), want %q", status, reason, c.status)
				}
				if fi, err := os.Stat(c.file); err == nil && fi.Size() > DefaultMaxUploadBytes {
					b.Fatalf("%s is %d bytes, more than an upload may be", c.name, fi.Size())
				}
				peak = max(peak, kib)
			}
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		})
	}
}

type rssCase struct {
	name              string
	w, h              int
	alpha, jpeg, flat bool
	wide              bool  // 16 bits a channel
	noise             uint8 // mask of the random low bits added to a gradient
	status            string
}

func rssCases() []rssCase {
	return []rssCase{
		// The decompression bomb: refused from its header.
		{name: "bomb-png-7000x7000", w: 7000, h: 7000, flat: true, status: StatusRejected},
		// The largest accepted images: 8-bit RGBA PNG at the decode budget
		// (4 bytes a pixel), a JPEG at the pixel limit (4:2:0 baseline, what
		// cameras and phones write), a 16-bit PNG at the decode budget.
		{name: "png-rgba-5016x5016", w: 5016, h: 5016, alpha: true, status: StatusReady},
		{name: "jpeg-7300x5475", w: 7300, h: 5475, jpeg: true, noise: 1, status: StatusReady},
		{name: "png-rgba64-3540x3540", w: 3540, h: 3540, wide: true, status: StatusReady},
	}
}
