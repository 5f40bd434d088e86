package canvas

import (
	"math"
	"strings"
)

// Default sizes of elements that have no w/h (what the web canvas draws).
var defaultSize = map[string][2]float64{
	KindCard:  {160, 240},
	KindShape: {120, 120},
	KindNote:  {200, 200},
	KindImage: {240, 180},
	KindFrame: {480, 320},
}

// Default text size of a text element.
const defaultFontSize = 24

// Rect is an axis-aligned rectangle in canvas units.
type Rect struct{ X, Y, W, H float64 }

// union is the smallest rectangle holding r and o (an empty r is none).
func (r Rect) union(o Rect) Rect {
	if r.W <= 0 && r.H <= 0 && r.X == 0 && r.Y == 0 {
		return o
	}
	x0, y0 := math.Min(r.X, o.X), math.Min(r.Y, o.Y)
	x1, y1 := math.Max(r.X+r.W, o.X+o.W), math.Max(r.Y+r.H, o.Y+o.H)
	return Rect{x0, y0, x1 - x0, y1 - y0}
}

func num(props map[string]any, k string, def float64) float64 {
	if f, ok := Number(props[k]); ok {
		return f
	}
	return def
}

func str(props map[string]any, k, def string) string {
	if s, ok := props[k].(string); ok && s != "" {
		return s
	}
	return def
}

// Size is the unrotated width and height of e: its w/h, the kind's
// default, a text's estimated extent, a stroke's points' extent.
func Size(e *Element) (w, h float64) {
	switch e.Kind {
	case KindText:
		fs := num(e.Props, PropFontSize, defaultFontSize)
		text, _ := e.Props[PropText].(string)
		lines, longest := strings.Split(cleanText(text), "\n"), 0.0
		for _, l := range lines {
			longest = math.Max(longest, textWidth(l))
		}
		return math.Max(fs, longest*fs), float64(len(lines)) * fs * lineSpacing
	case KindStroke:
		r := strokeExtent(e)
		return r.X + r.W, r.Y + r.H
	case KindConnector:
		return 0, 0
	}
	d := defaultSize[e.Kind]
	return num(e.Props, PropW, d[0]), num(e.Props, PropH, d[1])
}

// strokeExtent is the extent of a stroke's points relative to its x, y.
func strokeExtent(e *Element) Rect {
	pts := points(e)
	if len(pts) < 3 {
		return Rect{}
	}
	x0, y0, x1, y1 := pts[0], pts[1], pts[0], pts[1]
	for i := 0; i+2 < len(pts); i += 3 {
		x0, x1 = math.Min(x0, pts[i]), math.Max(x1, pts[i])
		y0, y1 = math.Min(y0, pts[i+1]), math.Max(y1, pts[i+1])
	}
	return Rect{x0, y0, x1 - x0, y1 - y0}
}

// points are a stroke's numbers (x, y, pressure, …), whole triples only.
func points(e *Element) []float64 {
	var out []float64
	switch l := e.Props[PropPoints].(type) {
	case []any:
		out = make([]float64, 0, len(l))
		for _, v := range l {
			f, _ := Number(v)
			out = append(out, f)
		}
	case []float64:
		out = l
	}
	return out[:len(out)/3*3]
}

// rotate turns local point (lx, ly) of an element at (x, y) rotated by deg
// degrees about (x, y), as Konva does, into canvas coordinates.
func rotate(x, y, deg, lx, ly float64) (float64, float64) {
	if deg == 0 {
		return x + lx, y + ly
	}
	s, c := math.Sincos(deg * math.Pi / 180)
	return x + lx*c - ly*s, y + lx*s + ly*c
}

// Bounds is the canvas-space bounding box of e (rotation included); a
// connector's box needs the elements it names (byID, may be nil).
func Bounds(e *Element, byID map[string]*Element) Rect {
	x, y := num(e.Props, PropX, 0), num(e.Props, PropY, 0)
	if e.Kind == KindConnector {
		ax, ay := endPoint(e, PropFrom, byID)
		bx, by := endPoint(e, PropTo, byID)
		return Rect{math.Min(ax, bx), math.Min(ay, by), math.Abs(bx - ax), math.Abs(by - ay)}
	}
	x0, y0, w, h := 0.0, 0.0, 0.0, 0.0
	if e.Kind == KindStroke {
		r := strokeExtent(e)
		x0, y0, w, h = r.X, r.Y, r.W, r.H
	} else {
		w, h = Size(e)
	}
	rot := num(e.Props, PropRotation, 0)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{x0, y0}, {x0 + w, y0}, {x0, y0 + h}, {x0 + w, y0 + h}} {
		px, py := rotate(x, y, rot, c[0], c[1])
		minX, maxX = math.Min(minX, px), math.Max(maxX, px)
		minY, maxY = math.Min(minY, py), math.Max(maxY, py)
	}
	return Rect{minX, minY, maxX - minX, maxY - minY}
}

// AnchorPoint is where anchor (n, ne, e, se, s, sw, w, nw, center) of e
// lies on the canvas.
func AnchorPoint(e *Element, anchor string) (float64, float64) {
	x, y := num(e.Props, PropX, 0), num(e.Props, PropY, 0)
	w, h := Size(e)
	x0, y0 := 0.0, 0.0
	if e.Kind == KindStroke {
		r := strokeExtent(e)
		x0, y0, w, h = r.X, r.Y, r.W, r.H
	}
	fx, fy := 0.5, 0.5
	switch anchor {
	case "n":
		fy = 0
	case "ne":
		fx, fy = 1, 0
	case "e":
		fx = 1
	case "se":
		fx, fy = 1, 1
	case "s":
		fy = 1
	case "sw":
		fx, fy = 0, 1
	case "w":
		fx = 0
	case "nw":
		fx, fy = 0, 0
	}
	return rotate(x, y, num(e.Props, PropRotation, 0), x0+w*fx, y0+h*fy)
}

// endPoint is where a connector end lies: the named element's anchor, a
// free point, or the connector's own x, y when neither can be found.
func endPoint(e *Element, end string, byID map[string]*Element) (float64, float64) {
	m, _ := e.Props[end].(map[string]any)
	if id := EndElement(m); id != "" {
		if t := byID[id]; t != nil && t.Kind != KindConnector {
			anchor, _ := m["anchor"].(string)
			return AnchorPoint(t, anchor)
		}
	}
	if px, ok := Number(m["x"]); ok {
		py, _ := Number(m["y"])
		return px, py
	}
	return num(e.Props, PropX, 0), num(e.Props, PropY, 0)
}
