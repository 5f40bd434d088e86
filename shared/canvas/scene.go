package canvas

import (
	"image/color"
	"math"
	"strings"
)

// The scene is drawn once for both exports: every element becomes filled
// polygons (curves flattened, lines outlined, all wound the same way so
// overlapping parts of one fill union under the nonzero rule) and lines
// of text placed in canvas units; a painter maps them to pixels (PNG) or
// points (PDF).

type pt struct{ X, Y float64 }

type painter interface {
	// fill paints the union of polys in c.
	fill(polys [][]pt, c color.NRGBA)
	// text draws one line (display order) from baseline start (x, y) at
	// size (canvas units), turned rot degrees clockwise about its start.
	text(s string, x, y, size, rot float64, c color.NRGBA)
}

// Scene margins and text sizes, in canvas units.
const (
	sceneMargin   = 32
	labelSize     = 16
	noteTextSize  = 18
	titleSize     = 16
	lineSpacing   = 1.25
	emptyW        = 400
	emptyH        = 300
	maxTextCanvas = 2000 // larger text is drawn no larger (an export is not a poster)
)

type scene struct {
	els    []*Element // live, back to front
	byID   map[string]*Element
	bounds Rect
	labels func(*Element) string
}

func newScene(d *Document, labels func(*Element) string) *scene {
	sc := &scene{byID: map[string]*Element{}, labels: labels}
	live := make([]Element, 0, len(d.Elements))
	for _, e := range d.Elements {
		if !e.Deleted() && validKind(e.Kind) {
			live = append(live, e)
		}
	}
	SortByZ(live)
	for i := range live {
		e := &live[i]
		sc.els = append(sc.els, e)
		sc.byID[e.ID] = e
	}
	var b Rect
	first := true
	for _, e := range sc.els {
		r := Bounds(e, sc.byID)
		pad := 0.0
		switch e.Kind {
		case KindStroke:
			pad = num(e.Props, PropWidth, 4) / 2
		case KindConnector:
			pad = 4*num(e.Props, PropWidth, 2) + 8
			if str(e.Props, PropLabel, "") != "" {
				pad += 2 * labelSize
			}
		case KindFrame:
			r.Y -= titleSize * 1.6
			r.H += titleSize * 1.6
		}
		r = Rect{r.X - pad, r.Y - pad, r.W + 2*pad, r.H + 2*pad}
		if first {
			b, first = r, false
		} else {
			b = b.union(r)
		}
	}
	if first {
		b = Rect{0, 0, emptyW, emptyH}
	} else {
		b = Rect{b.X - sceneMargin, b.Y - sceneMargin, b.W + 2*sceneMargin, b.H + 2*sceneMargin}
	}
	sc.bounds = b
	return sc
}

func (sc *scene) draw(p painter) {
	for _, e := range sc.els {
		sc.drawElement(p, e)
	}
}

// parseColor reads "#rrggbb" (def when absent or malformed).
func parseColor(s string, def color.NRGBA) color.NRGBA {
	if !ValidColor(s) {
		return def
	}
	h := func(c byte) uint8 {
		switch {
		case c >= 'a':
			return c - 'a' + 10
		case c >= 'A':
			return c - 'A' + 10
		}
		return c - '0'
	}
	return color.NRGBA{h(s[1])<<4 | h(s[2]), h(s[3])<<4 | h(s[4]), h(s[5])<<4 | h(s[6]), 255}
}

func rgb(hex string) color.NRGBA { return parseColor(hex, color.NRGBA{A: 255}) }

func withAlpha(c color.NRGBA, a float64) color.NRGBA {
	c.A = uint8(math.Round(float64(c.A) * math.Max(0, math.Min(1, a))))
	return c
}

// frameOf maps local coordinates of an element to the canvas.
type frameOf struct{ x, y, rot float64 }

func (f frameOf) at(lx, ly float64) pt {
	x, y := rotate(f.x, f.y, f.rot, lx, ly)
	return pt{x, y}
}

func (f frameOf) poly(local []pt) []pt {
	out := make([]pt, len(local))
	for i, q := range local {
		out[i] = f.at(q.X, q.Y)
	}
	return out
}

func (sc *scene) drawElement(p painter, e *Element) {
	f := frameOf{num(e.Props, PropX, 0), num(e.Props, PropY, 0), num(e.Props, PropRotation, 0)}
	alpha := num(e.Props, PropOpacity, 1)
	w, h := Size(e)
	col := func(prop, def string) color.NRGBA {
		return withAlpha(parseColor(str(e.Props, prop, ""), rgb(def)), alpha)
	}
	switch e.Kind {
	case KindNote:
		shadow := roundRect(3, 4, w, h, 2)
		p.fill([][]pt{f.poly(shadow)}, withAlpha(color.NRGBA{A: 40}, alpha))
		p.fill([][]pt{f.poly(roundRect(0, 0, w, h, 2))}, col(PropColor, "#FFE38A"))
		text := str(e.Props, PropText, "")
		sc.textBox(p, f, text, 14, 14, w-28, h-28, noteTextSize, true, "start", false, withAlpha(rgb("#1F2937"), alpha))
	case KindCard:
		r := math.Min(12, math.Min(w, h)/6)
		outline := roundRect(0, 0, w, h, r)
		p.fill([][]pt{f.poly(roundRect(2, 3, w, h, r))}, withAlpha(color.NRGBA{A: 35}, alpha))
		if b, _ := e.Props[PropFaceDown].(bool); b {
			p.fill([][]pt{f.poly(outline)}, withAlpha(rgb("#334155"), alpha))
			inset := math.Min(10, math.Min(w, h)/8)
			p.fill(outlinePoly(f.poly(roundRect(inset, inset, w-2*inset, h-2*inset, r/2)), 1.5, true), withAlpha(rgb("#94A3B8"), alpha))
			return
		}
		p.fill([][]pt{f.poly(outline)}, withAlpha(rgb("#FFFFFF"), alpha))
		p.fill(outlinePoly(f.poly(outline), 1.5, true), withAlpha(rgb("#94A3B8"), alpha))
		sc.textBox(p, f, sc.label(e), 12, 12, w-24, h-24, labelSize, true, "center", true, withAlpha(rgb("#111827"), alpha))
	case KindShape:
		poly := f.poly(shapePoly(str(e.Props, PropShape, "rect"), w, h))
		p.fill([][]pt{poly}, col(PropFill, "#DBEAFE"))
		if sw := num(e.Props, PropStrokeWidth, 2); sw > 0 {
			p.fill(outlinePoly(poly, sw, true), col(PropStroke, "#1E3A8A"))
		}
	case KindText:
		fs := num(e.Props, PropFontSize, defaultFontSize)
		sc.textBox(p, f, str(e.Props, PropText, ""), 0, 0, math.Inf(1), math.Inf(1), fs, false, str(e.Props, PropAlign, "start"), false, col(PropColor, "#111827"))
	case KindImage:
		box := f.poly(rectPoly(0, 0, w, h))
		p.fill([][]pt{box}, withAlpha(rgb("#E5E7EB"), alpha))
		cross := [][]pt{}
		cross = append(cross, outlinePoly([]pt{f.at(0, 0), f.at(w, h)}, 1, false)...)
		cross = append(cross, outlinePoly([]pt{f.at(w, 0), f.at(0, h)}, 1, false)...)
		p.fill(cross, withAlpha(rgb("#CBD5E1"), alpha))
		p.fill(outlinePoly(box, 1.5, true), withAlpha(rgb("#6B7280"), alpha))
		bh := math.Min(h, labelSize*2.2)
		p.fill([][]pt{f.poly(rectPoly(0, h-bh, w, bh))}, withAlpha(color.NRGBA{255, 255, 255, 200}, alpha))
		sc.textBox(p, f, sc.label(e), 8, h-bh+(bh-labelSize*lineSpacing)/2, w-16, bh, labelSize, false, "center", false, withAlpha(rgb("#111827"), alpha))
	case KindFrame:
		box := f.poly(rectPoly(0, 0, w, h))
		p.fill([][]pt{box}, col(PropFill, "#F8FAFC"))
		p.fill(outlinePoly(box, 1.5, true), withAlpha(rgb("#94A3B8"), alpha))
		if t := str(e.Props, PropTitle, ""); t != "" {
			sc.textBox(p, f, t, 0, -titleSize*1.5, w, titleSize*lineSpacing, titleSize, false, "start", false, withAlpha(rgb("#475569"), alpha))
		}
	case KindStroke:
		sc.drawStroke(p, e, f, alpha)
	case KindConnector:
		sc.drawConnector(p, e, alpha)
	}
}

func (sc *scene) label(e *Element) string {
	if sc.labels != nil {
		if s := sc.labels(e); s != "" {
			return s
		}
	}
	return e.Kind
}

// textBox lays out text in the local box (x, y, w, h) of f: wrapped to w,
// aligned (start | center | end, start being the reading side), centred
// vertically when middle; shrink makes it smaller (down to half) until
// it fits, and lines beyond h are left out.
func (sc *scene) textBox(p painter, f frameOf, text string, x, y, w, h, size float64, shrink bool, align string, middle bool, c color.NRGBA) {
	text = cleanText(text)
	if strings.TrimSpace(text) == "" || w <= 0 || h <= 0 || size <= 0 {
		return
	}
	size = math.Min(size, maxTextCanvas)
	measure := func(s string) float64 { return textWidth(s) * size }
	lines := wrapText(text, w, measure)
	for shrink && float64(len(lines))*size*lineSpacing > h && size > 9 {
		size *= 0.85
		lines = wrapText(text, w, measure)
	}
	lh := size * lineSpacing
	if n := int(h / lh); !math.IsInf(h, 1) && len(lines) > n {
		lines = lines[:max(n, 0)]
	}
	top := y
	if middle {
		top = y + (h-float64(len(lines))*lh)/2
	}
	fi := fontData()
	rtl := rtlFirst(text)
	for i, line := range lines {
		if line == "" {
			continue
		}
		lw := measure(line)
		lx := x
		a := align
		if rtl {
			switch a {
			case "start":
				a = "end"
			case "end":
				a = "start"
			}
		}
		if !math.IsInf(w, 1) {
			switch a {
			case "center":
				lx = x + (w-lw)/2
			case "end":
				lx = x + w - lw
			}
		} else if a != "start" {
			// A free text box is as wide as its longest line.
			bw, _ := Size(&Element{Kind: KindText, Props: map[string]any{PropText: text, PropFontSize: size}})
			if a == "center" {
				lx = x + (bw-lw)/2
			} else {
				lx = x + bw - lw
			}
		}
		base := top + float64(i)*lh + (lh-size)/2 + fi.ascent*size
		q := f.at(lx, base)
		p.text(visualLine(line, rtl), q.X, q.Y, size, f.rot, c)
	}
}

func (sc *scene) drawStroke(p painter, e *Element, f frameOf, alpha float64) {
	ps := points(e)
	if len(ps) < 3 {
		return
	}
	width := num(e.Props, PropWidth, 4)
	c := parseColor(str(e.Props, PropColor, ""), rgb("#111827"))
	if str(e.Props, PropTool, "pen") == "highlighter" {
		alpha *= 0.35
	}
	line := make([]pt, 0, len(ps)/3)
	widths := make([]float64, 0, len(ps)/3)
	for i := 0; i+2 < len(ps); i += 3 {
		pr := ps[i+2]
		if pr <= 0 {
			pr = 0.5 // no pressure reported
		}
		line = append(line, f.at(ps[i], ps[i+1]))
		widths = append(widths, width*(0.35+0.65*pr))
	}
	p.fill(outline(line, widths, false), withAlpha(c, alpha))
}

func (sc *scene) drawConnector(p painter, e *Element, alpha float64) {
	ax, ay := endPoint(e, PropFrom, sc.byID)
	bx, by := endPoint(e, PropTo, sc.byID)
	width := num(e.Props, PropWidth, 2)
	c := withAlpha(parseColor(str(e.Props, PropColor, ""), rgb("#475569")), alpha)
	style := str(e.Props, PropStyle, "line")
	var path []pt
	switch style {
	case "curved":
		dx, dy := bx-ax, by-ay
		cx, cy := (ax+bx)/2-dy*0.25, (ay+by)/2+dx*0.25
		for i := 0; i <= 32; i++ {
			t := float64(i) / 32
			u := 1 - t
			path = append(path, pt{u*u*ax + 2*u*t*cx + t*t*bx, u*u*ay + 2*u*t*cy + t*t*by})
		}
	case "orthogonal":
		if math.Abs(bx-ax) >= math.Abs(by-ay) {
			mx := (ax + bx) / 2
			path = []pt{{ax, ay}, {mx, ay}, {mx, by}, {bx, by}}
		} else {
			my := (ay + by) / 2
			path = []pt{{ax, ay}, {ax, my}, {bx, my}, {bx, by}}
		}
	default:
		path = []pt{{ax, ay}, {bx, by}}
	}
	headLen, headW := 4*width+6, 2*width+4
	body := path
	if style == "arrow" || style == "double_arrow" {
		body = trimEnd(body, headLen*0.8)
	}
	if style == "double_arrow" {
		body = reversed(trimEnd(reversed(body), headLen*0.8))
	}
	var polys [][]pt
	for _, seg := range dashes(body, str(e.Props, PropDash, "solid"), width) {
		polys = append(polys, outline(seg, uniform(len(seg), width), false)...)
	}
	if style == "arrow" || style == "double_arrow" {
		polys = append(polys, arrowHead(path, headLen, headW))
	}
	if style == "double_arrow" {
		polys = append(polys, arrowHead(reversed(path), headLen, headW))
	}
	p.fill(polys, c)
	if label := cleanText(str(e.Props, PropLabel, "")); strings.TrimSpace(label) != "" {
		mid := path[len(path)/2]
		if len(path) == 2 || len(path)%2 == 0 {
			a, b := path[len(path)/2-1], path[len(path)/2]
			mid = pt{(a.X + b.X) / 2, (a.Y + b.Y) / 2}
		}
		lines := wrapText(label, 240, func(s string) float64 { return textWidth(s) * labelSize })
		if len(lines) > 4 {
			lines = lines[:4]
		}
		bw := 0.0
		for _, l := range lines {
			bw = math.Max(bw, textWidth(l)*labelSize)
		}
		bh := float64(len(lines)) * labelSize * lineSpacing
		p.fill([][]pt{roundRect(mid.X-bw/2-6, mid.Y-bh/2-3, bw+12, bh+6, 4)}, withAlpha(rgb("#FFFFFF"), alpha))
		sc.textBox(p, frameOf{}, strings.Join(lines, "\n"), mid.X-bw/2-1, mid.Y-bh/2, bw+2, bh+1, labelSize, false, "center", false, c)
	}
}

// Geometry of shapes, in local coordinates.

func rectPoly(x, y, w, h float64) []pt { return []pt{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}} }

func roundRect(x, y, w, h, r float64) []pt {
	r = math.Max(0, math.Min(r, math.Min(w, h)/2))
	if r == 0 {
		return rectPoly(x, y, w, h)
	}
	var out []pt
	corner := func(cx, cy, from float64) {
		for i := 0; i <= 6; i++ {
			a := (from + float64(i)*15) * math.Pi / 180
			out = append(out, pt{cx + r*math.Cos(a), cy + r*math.Sin(a)})
		}
	}
	corner(x+w-r, y+r, 270)
	corner(x+w-r, y+h-r, 0)
	corner(x+r, y+h-r, 90)
	corner(x+r, y+r, 180)
	return out
}

// regular is n points on the ellipse inscribed in w × h, first at angle
// start (degrees, 0 = east, clockwise), radius r(i) × the ellipse's.
func regular(w, h float64, n int, start float64, r func(i int) float64) []pt {
	out := make([]pt, n)
	for i := range out {
		a := (start + float64(i)*360/float64(n)) * math.Pi / 180
		out[i] = pt{w/2 + r(i)*w/2*math.Cos(a), h/2 + r(i)*h/2*math.Sin(a)}
	}
	return out
}

func shapePoly(shape string, w, h float64) []pt {
	one := func(int) float64 { return 1 }
	switch shape {
	case "ellipse":
		return regular(w, h, 72, 0, one)
	case "triangle":
		return []pt{{w / 2, 0}, {w, h}, {0, h}}
	case "star":
		return regular(w, h, 10, -90, func(i int) float64 {
			if i%2 == 1 {
				return 0.45
			}
			return 1
		})
	case "hexagon":
		return regular(w, h, 6, 0, one)
	case "polygon":
		return regular(w, h, 5, -90, one)
	}
	return rectPoly(0, 0, w, h)
}

func uniform(n int, w float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = w
	}
	return out
}

func outlinePoly(poly []pt, w float64, closed bool) [][]pt {
	return outline(poly, uniform(len(poly), w), closed)
}

// outline is the area a pen of widths[i] at line[i] covers along line
// (round joins and caps): one quadrilateral per segment and one disc per
// vertex, all wound clockwise.
func outline(line []pt, widths []float64, closed bool) [][]pt {
	if len(line) == 0 {
		return nil
	}
	var polys [][]pt
	n := len(line)
	segs := n - 1
	if closed && n > 2 {
		segs = n
	}
	for i := 0; i < segs; i++ {
		a, b := line[i], line[(i+1)%n]
		wa, wb := widths[i]/2, widths[(i+1)%n]/2
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		nx, ny := -dy/l, dx/l
		polys = append(polys, clockwise([]pt{{a.X + nx*wa, a.Y + ny*wa}, {b.X + nx*wb, b.Y + ny*wb}, {b.X - nx*wb, b.Y - ny*wb}, {a.X - nx*wa, a.Y - ny*wa}}))
	}
	for i, q := range line {
		if r := widths[i] / 2; r > 0 {
			polys = append(polys, disc(q, r))
		}
	}
	return polys
}

func disc(c pt, r float64) []pt {
	n := 12
	if r > 20 {
		n = 24
	}
	out := make([]pt, n)
	for i := range out {
		a := float64(i) * 2 * math.Pi / float64(n)
		out[i] = pt{c.X + r*math.Cos(a), c.Y + r*math.Sin(a)}
	}
	return out // increasing angle with y down: clockwise on screen
}

// clockwise returns poly wound clockwise on screen (positive shoelace
// area with y pointing down).
func clockwise(poly []pt) []pt {
	a := 0.0
	for i := range poly {
		p, q := poly[i], poly[(i+1)%len(poly)]
		a += p.X*q.Y - q.X*p.Y
	}
	if a < 0 {
		for i, j := 0, len(poly)-1; i < j; i, j = i+1, j-1 {
			poly[i], poly[j] = poly[j], poly[i]
		}
	}
	return poly
}

func reversed(path []pt) []pt {
	out := make([]pt, len(path))
	for i, q := range path {
		out[len(path)-1-i] = q
	}
	return out
}

// trimEnd shortens path by d at its end (keeping at least its start).
func trimEnd(path []pt, d float64) []pt {
	out := append([]pt(nil), path...)
	for len(out) >= 2 && d > 0 {
		a, b := out[len(out)-2], out[len(out)-1]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		if l > d {
			t := (l - d) / l
			out[len(out)-1] = pt{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t}
			return out
		}
		d -= l
		if len(out) == 2 {
			out[1] = a
			return out
		}
		out = out[:len(out)-1]
	}
	return out
}

// arrowHead is a triangle at the end of path pointing along its last
// segment of length > 0.
func arrowHead(path []pt, length, half float64) []pt {
	tip := path[len(path)-1]
	var from pt
	found := false
	for i := len(path) - 2; i >= 0; i-- {
		if path[i] != tip {
			from, found = path[i], true
			break
		}
	}
	if !found {
		return nil
	}
	dx, dy := tip.X-from.X, tip.Y-from.Y
	l := math.Hypot(dx, dy)
	ux, uy := dx/l, dy/l
	bx, by := tip.X-ux*length, tip.Y-uy*length
	return clockwise([]pt{tip, {bx - uy*half, by + ux*half}, {bx + uy*half, by - ux*half}})
}

// dashes cuts path into the visible pieces of dash pattern (in multiples
// of the line width).
func dashes(path []pt, dash string, width float64) [][]pt {
	var pattern []float64
	switch dash {
	case "dashed":
		pattern = []float64{5, 4}
	case "dotted":
		pattern = []float64{0.01, 2}
	case "dash_dot":
		pattern = []float64{5, 3, 0.01, 3}
	default:
		return [][]pt{path}
	}
	unit := math.Max(width, 1)
	var out [][]pt
	idx, left, on := 0, pattern[0]*unit, true
	cur := []pt{path[0]}
	for i := 0; i+1 < len(path); i++ {
		a, b := path[i], path[i+1]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		pos := 0.0
		for l-pos > left {
			pos += left
			t := pos / l
			q := pt{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t}
			if on {
				out = append(out, append(cur, q))
			}
			cur = []pt{q}
			on = !on
			idx = (idx + 1) % len(pattern)
			left = pattern[idx] * unit
			if len(out) > 100000 {
				return out // a pathological length; enough dashes to show the style
			}
		}
		left -= l - pos
		if on {
			cur = append(cur, b)
		} else {
			cur = []pt{b}
		}
	}
	if on && len(cur) > 1 {
		out = append(out, cur)
	}
	return out
}
