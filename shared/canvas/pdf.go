package canvas

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"time"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-pdf/fpdf"
)

// PDF page sizes, in points.
const (
	a4Short = 595.28
	a4Long  = 841.89
	// maxPage is the largest page side readers accept (200 inches).
	maxPage  = 14400
	pdfFont  = "dejavu"
	ptPerCSS = 0.75 // one canvas unit is a CSS pixel: 72/96 pt
)

func renderPDF(w io.Writer, d *Document, o RenderOptions) error {
	if d == nil {
		return fmt.Errorf("%w: no document", ErrInvalid)
	}
	sc := newScene(d, o.Labels)
	b := sc.bounds
	k := ptPerCSS
	pw, ph := b.W*k, b.H*k
	// At least A4 in the canvas's orientation, at most what readers take.
	short, long := math.Min(pw, ph), math.Max(pw, ph)
	if grow := math.Max(a4Short/short, a4Long/long); grow > 1 {
		k *= grow
	}
	if shrink := maxPage / (math.Max(b.W, b.H) * k); shrink < 1 {
		k *= shrink
	}
	pw, ph = math.Max(1, b.W*k), math.Max(1, b.H*k)

	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "pt", Size: fpdf.SizeType{Wd: pw, Ht: ph}})
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	at := d.ExportedAt
	if at.IsZero() {
		at = time.Unix(0, 0)
	}
	// Fixed dates keep an export of the same state byte-identical (cacheable).
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetProducer("Points of You AI Studio", true)
	if t := cleanText(d.Title); t != "" {
		pdf.SetTitle(t, true)
	}
	pdf.AddUTF8FontFromBytes(pdfFont, "", dejavusans.TTF)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	if !o.Transparent {
		pdf.SetFillColor(255, 255, 255)
		pdf.Rect(0, 0, pw, ph, "F")
	}
	p := &pdfPainter{pdf: pdf, k: k, ox: b.X, oy: b.Y}
	sc.draw(p)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("canvas: render pdf: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("canvas: write pdf: %w", err)
	}
	return nil
}

type pdfPainter struct {
	pdf    *fpdf.Fpdf
	k      float64
	ox, oy float64
	alpha  uint8
}

func (p *pdfPainter) at(q pt) (float64, float64) { return (q.X - p.ox) * p.k, (q.Y - p.oy) * p.k }

func (p *pdfPainter) setAlpha(a uint8) {
	if a != p.alpha || p.alpha == 0 {
		p.pdf.SetAlpha(float64(a)/255, "Normal")
		p.alpha = a
	}
}

func (p *pdfPainter) fill(polys [][]pt, c color.NRGBA) {
	if c.A == 0 {
		return
	}
	drawn := false
	for _, poly := range polys {
		if len(poly) < 3 {
			continue
		}
		if !drawn {
			p.setAlpha(c.A)
			p.pdf.SetFillColor(int(c.R), int(c.G), int(c.B))
			drawn = true
		}
		x, y := p.at(poly[0])
		p.pdf.MoveTo(x, y)
		for _, q := range poly[1:] {
			x, y := p.at(q)
			p.pdf.LineTo(x, y)
		}
		p.pdf.ClosePath()
	}
	if drawn {
		p.pdf.DrawPath("F")
	}
}

func (p *pdfPainter) text(s string, x, y, size, rot float64, c color.NRGBA) {
	if c.A == 0 || s == "" {
		return
	}
	fs := size * p.k
	if fs < 0.5 {
		return
	}
	p.setAlpha(c.A)
	p.pdf.SetFont(pdfFont, "", fs)
	p.pdf.SetTextColor(int(c.R), int(c.G), int(c.B))
	X, Y := p.at(pt{x, y})
	if rot != 0 {
		p.pdf.TransformBegin()
		p.pdf.TransformRotate(-rot, X, Y) // fpdf turns counter-clockwise
		p.pdf.Text(X, Y, s)
		p.pdf.TransformEnd()
		return
	}
	p.pdf.Text(X, Y, s)
}
