package canvas

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sync"

	"github.com/go-fonts/dejavu/dejavusans"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// PNG limits.
const (
	DefaultDPI       = 144
	MinDPI           = 72
	MaxDPI           = 600
	DefaultMaxPixels = 40_000_000
	// MaxPixelsLimit caps RenderOptions.MaxPixels whatever is asked
	// (4 bytes a pixel: 400 MB).
	MaxPixelsLimit = 100_000_000
	// bandPixels bounds the rasterizer's coverage buffer (4 bytes a
	// pixel): a fill larger than this is drawn in horizontal bands.
	bandPixels = 1 << 20
)

// PNGSize is the pixel size and the effective DPI of d's PNG under o:
// o.DPI (clamped to MinDPI…MaxDPI, DefaultDPI when 0) unless the image
// would exceed o.MaxPixels, in which case the DPI is lowered to fit.
func PNGSize(d *Document, o RenderOptions) (w, h int, dpi float64) {
	sc := newScene(d, nil)
	w, h, scale := pngSize(sc.bounds, o)
	return w, h, scale * 96
}

func pngSize(b Rect, o RenderOptions) (w, h int, scale float64) {
	dpi := o.DPI
	switch {
	case dpi == 0:
		dpi = DefaultDPI
	case dpi < MinDPI:
		dpi = MinDPI
	case dpi > MaxDPI:
		dpi = MaxDPI
	}
	limit := int64(o.MaxPixels)
	if limit <= 0 {
		limit = DefaultMaxPixels
	}
	limit = min(limit, MaxPixelsLimit)
	scale = float64(dpi) / 96
	dims := func(s float64) (int64, int64) {
		return max(1, int64(math.Ceil(b.W*s-1e-9))), max(1, int64(math.Ceil(b.H*s-1e-9)))
	}
	W, H := dims(scale)
	if W*H > limit {
		scale *= math.Sqrt(float64(limit) / float64(W*H))
		W, H = dims(scale)
		for W*H > limit {
			scale *= 0.995
			W, H = dims(scale)
		}
	}
	return int(W), int(H), scale
}

func renderPNG(w io.Writer, d *Document, o RenderOptions) error {
	if d == nil {
		return fmt.Errorf("%w: no document", ErrInvalid)
	}
	sc := newScene(d, o.Labels)
	W, H, scale := pngSize(sc.bounds, o)
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	if !o.Transparent {
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	}
	p := &pngPainter{img: img, scale: scale, ox: sc.bounds.X, oy: sc.bounds.Y, faces: map[float64]font.Face{}}
	sc.draw(p)
	for _, f := range p.faces {
		f.Close()
	}
	bw := bufio.NewWriter(w)
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&physWriter{w: bw, dpi: scale * 96}, img); err != nil {
		return fmt.Errorf("canvas: encode png: %w", err)
	}
	return bw.Flush()
}

type pngPainter struct {
	img    *image.RGBA
	scale  float64
	ox, oy float64
	r      vector.Rasterizer
	faces  map[float64]font.Face
}

func (p *pngPainter) px(q pt) (float64, float64) {
	return (q.X - p.ox) * p.scale, (q.Y - p.oy) * p.scale
}

func (p *pngPainter) fill(polys [][]pt, c color.NRGBA) {
	if c.A == 0 || len(polys) == 0 {
		return
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	dev := make([][]pt, 0, len(polys))
	for _, poly := range polys {
		if len(poly) < 3 {
			continue
		}
		d := make([]pt, len(poly))
		for i, q := range poly {
			x, y := p.px(q)
			d[i] = pt{x, y}
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
		dev = append(dev, d)
	}
	if len(dev) == 0 {
		return
	}
	b := p.img.Bounds()
	x0, y0 := max(b.Min.X, int(math.Floor(minX))), max(b.Min.Y, int(math.Floor(minY)))
	x1, y1 := min(b.Max.X, int(math.Ceil(maxX))), min(b.Max.Y, int(math.Ceil(maxY)))
	if x0 >= x1 || y0 >= y1 {
		return
	}
	bw := x1 - x0
	band := max(1, bandPixels/bw)
	src := image.NewUniform(c)
	for by := y0; by < y1; by += band {
		bh := min(band, y1-by)
		p.r.Reset(bw, bh)
		for _, d := range dev {
			p.r.MoveTo(clamp32(d[0].X-float64(x0)), clamp32(d[0].Y-float64(by)))
			for _, q := range d[1:] {
				p.r.LineTo(clamp32(q.X-float64(x0)), clamp32(q.Y-float64(by)))
			}
			p.r.ClosePath()
		}
		p.r.Draw(p.img, image.Rect(x0, by, x1, by+bh), src, image.Point{})
	}
}

// clamp32 keeps far-away vertices (clipped anyway) in float32's exact
// range, so they do not distort the edges that do cross the image.
func clamp32(v float64) float32 { return float32(math.Max(-1e7, math.Min(1e7, v))) }

var parsedFont = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(dejavusans.TTF)
	if err != nil {
		panic(fmt.Sprintf("canvas: embedded font: %v", err)) // a build defect
	}
	return f
})

func (p *pngPainter) face(px float64) font.Face {
	px = math.Round(px*4) / 4
	if f, ok := p.faces[px]; ok {
		return f
	}
	f, err := opentype.NewFace(parsedFont(), &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil
	}
	p.faces[px] = f
	return f
}

func (p *pngPainter) text(s string, x, y, size, rot float64, c color.NRGBA) {
	px := size * p.scale
	if px < 2 || c.A == 0 {
		return // unreadable at this scale; the box around it still shows
	}
	px = math.Min(px, 1500)
	dx, dy := p.px(pt{x, y})
	b := p.img.Bounds()
	if dy < -2*px || dy > float64(b.Max.Y)+2*px || dx > float64(b.Max.X) || dx < -1e6 || dx > 3e7 || dy > 3e7 {
		return
	}
	f := p.face(px)
	if f == nil {
		return
	}
	dr := font.Drawer{Dst: p.img, Src: image.NewUniform(c), Face: f, Dot: fixed.Point26_6{X: fixed.Int26_6(dx * 64), Y: fixed.Int26_6(dy * 64)}}
	dr.DrawString(s)
}

// physWriter passes a PNG through, adding a pHYs chunk (the resolution)
// after IHDR, which image/png does not write.
type physWriter struct {
	w    io.Writer
	dpi  float64
	head []byte
	done bool
}

// pngHeadLen is the signature (8) and the IHDR chunk (4+4+13+4).
const pngHeadLen = 33

func (pw *physWriter) Write(b []byte) (int, error) {
	if pw.done {
		return pw.w.Write(b)
	}
	n := len(b)
	need := pngHeadLen - len(pw.head)
	if len(b) < need {
		pw.head = append(pw.head, b...)
		return n, nil
	}
	pw.head = append(pw.head, b[:need]...)
	pw.done = true
	if _, err := pw.w.Write(pw.head); err != nil {
		return 0, err
	}
	ppm := uint32(math.Round(pw.dpi / 0.0254))
	chunk := make([]byte, 4+4+9+4)
	binary.BigEndian.PutUint32(chunk[0:], 9)
	copy(chunk[4:], "pHYs")
	binary.BigEndian.PutUint32(chunk[8:], ppm)
	binary.BigEndian.PutUint32(chunk[12:], ppm)
	chunk[16] = 1 // unit: metre
	binary.BigEndian.PutUint32(chunk[17:], crc32.ChecksumIEEE(chunk[4:17]))
	if _, err := pw.w.Write(chunk); err != nil {
		return 0, err
	}
	if _, err := pw.w.Write(b[need:]); err != nil {
		return 0, err
	}
	return n, nil
}
