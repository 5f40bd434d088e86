package canvas

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func labels(e *Element) string {
	if e.Kind == KindCard {
		return "Courage — אומץ"
	}
	return ""
}

// pngDPI reads the pHYs chunk of a PNG (0 when absent).
func pngDPI(t *testing.T, b []byte) float64 {
	t.Helper()
	i := bytes.Index(b, []byte("pHYs"))
	if i < 0 {
		return 0
	}
	ppm := binary.BigEndian.Uint32(b[i+4:])
	return float64(ppm) * 0.0254
}

func TestRenderPNG(t *testing.T) {
	t.Parallel()
	d := sampleDocument()
	var buf bytes.Buffer
	if err := RenderPNG(&buf, d, RenderOptions{DPI: 96, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	w, h, dpi := PNGSize(d, RenderOptions{DPI: 96})
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h || dpi != 96 {
		t.Fatalf("size %v, PNGSize %dx%d@%v", img.Bounds(), w, h, dpi)
	}
	// The live elements span 0…900 × -24…560 plus margins, at 1 px a unit.
	if w < 900 || w > 1100 || h < 560 || h > 750 {
		t.Errorf("size %dx%d is not the content's", w, h)
	}
	if got := pngDPI(t, buf.Bytes()); math.Abs(got-96) > 0.5 {
		t.Errorf("pHYs DPI %v, want 96", got)
	}
	nonWhite := 0
	colours := map[color.RGBA]bool{}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		t.Fatalf("decoded %T, want an opaque RGBA image", img)
	}
	sampled := 0
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			sampled++
			c := rgba.RGBAAt(x, y)
			if c != (color.RGBA{255, 255, 255, 255}) {
				nonWhite++
			}
			colours[color.RGBA{c.R &^ 15, c.G &^ 15, c.B &^ 15, 255}] = true
		}
	}
	if frac := float64(nonWhite) / float64(sampled); frac < 0.3 {
		t.Errorf("only %.1f%% of the pixels are drawn", frac*100)
	}
	if len(colours) < 20 {
		t.Errorf("only %d colours: the kinds are not drawn in their colours", len(colours))
	}
	// The note's yellow is at its centre, the deleted note's area is not drawn.
	ox, oy := -d.bounds().X, -d.bounds().Y
	if c := color.RGBAModel.Convert(img.At(int(ox+60), int(oy+225))).(color.RGBA); c.R < 200 || c.G < 200 || c.B > 170 {
		t.Errorf("note colour %v", c)
	}
	dir := os.Getenv("CANVAS_RENDER_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, "canvas-sample.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// Twice the DPI doubles both sides; pHYs follows.
	var hi bytes.Buffer
	if err := RenderPNG(&hi, d, RenderOptions{DPI: 192, Transparent: true}); err != nil {
		t.Fatal(err)
	}
	img2, _ := png.Decode(bytes.NewReader(hi.Bytes()))
	if dx := img2.Bounds().Dx(); dx < 2*w-2 || dx > 2*w+2 {
		t.Errorf("192 DPI width %d, want ≈ %d", dx, 2*w)
	}
	if got := pngDPI(t, hi.Bytes()); math.Abs(got-192) > 0.5 {
		t.Errorf("pHYs DPI %v, want 192", got)
	}
	if _, _, _, a := img2.At(0, 0).RGBA(); a != 0 {
		t.Errorf("transparent background has alpha %d", a)
	}
}

func (d *Document) bounds() Rect { return newScene(d, nil).bounds }

func TestRenderPNGPixelCap(t *testing.T) {
	t.Parallel()
	// Two notes 10 million units apart: at 600 DPI that is 62 500 000 px wide.
	s := Stamp(1 << NodeBits)
	d := &Document{Format: Format, Elements: []Element{
		el("a", KindNote, s, map[string]any{"x": -5e6, "y": 0, "text": "far left"}),
		el("b", KindNote, s, map[string]any{"x": 5e6, "y": 3e6, "text": "far right"}),
	}}
	for _, cap := range []int{0, 1_000_000, 123_457} {
		o := RenderOptions{DPI: 600, MaxPixels: cap}
		w, h, dpi := PNGSize(d, o)
		limit := cap
		if limit == 0 {
			limit = DefaultMaxPixels
		}
		if w*h > limit || w*h < limit*9/10 {
			t.Errorf("cap %d: %dx%d = %d px", cap, w, h, w*h)
		}
		if dpi >= 600 {
			t.Errorf("cap %d: DPI %v was not lowered", cap, dpi)
		}
		if cap == 0 {
			continue // 40 M px: the arithmetic is what matters, not 160 MB of pixels
		}
		var buf bytes.Buffer
		if err := RenderPNG(&buf, d, o); err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(buf.Bytes()))
		if err != nil || cfg.Width != w || cfg.Height != h {
			t.Errorf("cap %d: decoded %v %v, want %dx%d", cap, cfg, err, w, h)
		}
		if got := pngDPI(t, buf.Bytes()); math.Abs(got-dpi) > 0.5 {
			t.Errorf("cap %d: pHYs %v, want %v", cap, got, dpi)
		}
	}
	// DPI is clamped to its range.
	e := &Document{Format: Format}
	if _, _, dpi := PNGSize(e, RenderOptions{DPI: 5000}); dpi != MaxDPI {
		t.Errorf("DPI 5000 → %v", dpi)
	}
	if _, _, dpi := PNGSize(e, RenderOptions{DPI: 1}); dpi != MinDPI {
		t.Errorf("DPI 1 → %v", dpi)
	}
	if w, h, dpi := PNGSize(e, RenderOptions{}); dpi != DefaultDPI || w != emptyW*DefaultDPI/96 || h != emptyH*DefaultDPI/96 {
		t.Errorf("empty document %dx%d@%v", w, h, dpi)
	}
}

func TestRenderPDF(t *testing.T) {
	t.Parallel()
	d := sampleDocument()
	var a, b bytes.Buffer
	if err := RenderPDF(&a, d, RenderOptions{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	if err := RenderPDF(&b, d, RenderOptions{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	out := a.String()
	if !strings.HasPrefix(out, "%PDF-") || !strings.Contains(out, "%%EOF") {
		t.Fatalf("not a PDF: %q…", out[:min(40, len(out))])
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renders of one state differ")
	}
	if !strings.Contains(out, "/FontFile2") || !strings.Contains(out, "/Count 1") {
		t.Error("the PDF embeds no font or has not exactly one page")
	}
	// The page has the canvas's aspect and is at least A4.
	i := strings.Index(out, "/MediaBox [0 0 ")
	if i < 0 {
		t.Fatal("no MediaBox")
	}
	var pw, ph float64
	if _, err := fmt.Sscanf(out[i+len("/MediaBox [0 0 "):], "%g %g", &pw, &ph); err != nil {
		t.Fatal(err)
	}
	bd := d.bounds()
	if math.Min(pw, ph) < a4Short-1 || math.Max(pw, ph) < a4Long-1 {
		t.Errorf("page %vx%v is smaller than A4", pw, ph)
	}
	if got, want := pw/ph, bd.W/bd.H; math.Abs(got-want) > 0.01 {
		t.Errorf("page aspect %v, canvas %v", got, want)
	}
	if a.Len() > 2<<20 {
		t.Errorf("PDF is %d bytes", a.Len())
	}
}

func TestRenderHebrewAndOddText(t *testing.T) {
	t.Parallel()
	s := Stamp(1 << NodeBits)
	odd := []string{"שלום (עולם) 2026 abc", "emoji 🙂 and \u202e override", "\x00\x01 ctl", strings.Repeat("מ", 3000), "", "a\r\nb\u2028c", "\xff\xfe bad utf8"}
	var els []Element
	for i, s2 := range odd {
		els = append(els, el("t"+string(rune('a'+i)), KindText, s, map[string]any{"x": 0, "y": float64(i * 40), "text": s2, "align": "center"}))
		els = append(els, el("n"+string(rune('a'+i)), KindNote, s, map[string]any{"x": 300, "y": float64(i * 240), "text": s2}))
	}
	d := &Document{Format: Format, Title: "שלום", Elements: els}
	if err := RenderPNG(&bytes.Buffer{}, d, RenderOptions{DPI: 72, MaxPixels: 2_000_000}); err != nil {
		t.Fatal(err)
	}
	if err := RenderPDF(&bytes.Buffer{}, d, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
}
