package canvas

import "time"

// el builds an element with every property stamped s.
func el(id, kind string, s Stamp, props map[string]any) Element {
	e := Element{ID: id, Kind: kind, Owner: "u1", Props: map[string]any{}, Stamps: map[string]Stamp{}}
	for k, v := range props {
		e.Props[k], e.Stamps[k] = Normalize(v), s
	}
	return e
}

// sampleDocument holds one element of every kind (and a deleted one),
// Hebrew and Latin text, rotation, opacity and every connector style.
func sampleDocument() *Document {
	s := Stamp(1_700_000_000_000_000 << NodeBits)
	z := func(i int) string {
		k := "a0"
		for range i {
			k, _ = Between(k, "")
		}
		return k
	}
	var pts []any
	for i := 0; i <= 40; i++ {
		x := float64(i * 6)
		pts = append(pts, x, 30*float64(i%10)/10+float64(i), float64(i%7)/7)
	}
	els := []Element{
		el("frame1", KindFrame, s, map[string]any{"x": 0, "y": 0, "w": 900, "h": 560, "title": "Expand — ideas", "z": z(0)}),
		el("note1", KindNote, s, map[string]any{"x": 40, "y": 40, "w": 200, "h": 200, "text": "What did you notice today? A longer sentence to wrap.", "color": "#FFE38A", "z": z(1), "parent": "frame1"}),
		el("note2", KindNote, s, map[string]any{"x": 280, "y": 40, "w": 200, "h": 200, "text": "שלום עולם! מה שלומך היום? (123)", "color": "#A7F3D0", "z": z(2), "rotation": 4}),
		el("card1", KindCard, s, map[string]any{"x": 520, "y": 40, "w": 160, "h": 240, "card_id": "c-courage", "z": z(3)}),
		el("card2", KindCard, s, map[string]any{"x": 700, "y": 40, "w": 160, "h": 240, "card_id": "c-back", "face_down": true, "z": z(4)}),
		el("rect", KindShape, s, map[string]any{"x": 40, "y": 300, "w": 120, "h": 80, "shape": "rect", "fill": "#DBEAFE", "stroke": "#1E3A8A", "stroke_width": 3, "z": z(5)}),
		el("ell", KindShape, s, map[string]any{"x": 180, "y": 300, "w": 120, "h": 80, "shape": "ellipse", "fill": "#FECACA", "z": z(6)}),
		el("tri", KindShape, s, map[string]any{"x": 320, "y": 300, "w": 90, "h": 80, "shape": "triangle", "fill": "#FDE68A", "z": z(7)}),
		el("star", KindShape, s, map[string]any{"x": 430, "y": 300, "w": 90, "h": 90, "shape": "star", "fill": "#FCD34D", "stroke": "#92400E", "z": z(8)}),
		el("hex", KindShape, s, map[string]any{"x": 540, "y": 300, "w": 90, "h": 80, "shape": "hexagon", "fill": "#C7D2FE", "opacity": 0.6, "z": z(9)}),
		el("poly", KindShape, s, map[string]any{"x": 650, "y": 300, "w": 90, "h": 90, "shape": "polygon", "fill": "#DDD6FE", "rotation": 20, "z": z(10)}),
		el("text1", KindText, s, map[string]any{"x": 40, "y": 420, "text": "Focus: one step", "font_size": 28, "color": "#111827", "z": z(11)}),
		el("text2", KindText, s, map[string]any{"x": 320, "y": 420, "text": "מיקוד", "font_size": 28, "align": "end", "z": z(12)}),
		el("img", KindImage, s, map[string]any{"x": 700, "y": 400, "w": 180, "h": 130, "media_id": "m1", "alt": "a photo", "z": z(13)}),
		el("pen", KindStroke, s, map[string]any{"x": 420, "y": 430, "points": pts, "color": "#DC2626", "width": 6, "tool": "pen", "z": z(14)}),
		el("hl", KindStroke, s, map[string]any{"x": 420, "y": 470, "points": []any{0, 0, 0.5, 200, 0, 0.5}, "color": "#FACC15", "width": 20, "tool": "highlighter", "z": z(15)}),
		el("c1", KindConnector, s, map[string]any{"x": 0, "y": 0, "from": map[string]any{"element": "note1", "anchor": "e"}, "to": map[string]any{"element": "note2", "anchor": "w"}, "style": "arrow", "label": "leads to", "z": z(16)}),
		el("c2", KindConnector, s, map[string]any{"x": 0, "y": 0, "from": map[string]any{"element": "rect", "anchor": "s"}, "to": map[string]any{"element": "text1", "anchor": "n"}, "style": "curved", "dash": "dashed", "z": z(17)}),
		el("c3", KindConnector, s, map[string]any{"x": 0, "y": 0, "from": map[string]any{"element": "card1", "anchor": "s"}, "to": map[string]any{"x": 600, "y": 520}, "style": "orthogonal", "dash": "dotted", "width": 3, "z": z(18)}),
		el("c4", KindConnector, s, map[string]any{"x": 0, "y": 0, "from": map[string]any{"element": "star", "anchor": "e"}, "to": map[string]any{"element": "hex", "anchor": "w"}, "style": "double_arrow", "dash": "dash_dot", "color": "#059669", "z": z(19)}),
		el("gone", KindNote, s, map[string]any{"x": 2000, "y": 2000, "text": "deleted", "deleted": true}),
	}
	return &Document{Format: Format, Title: "Sample", ExportedAt: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC), Elements: els}
}
