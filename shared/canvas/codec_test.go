package canvas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/validate"
)

func encoded(t testing.TB, d *Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	d := sampleDocument()
	d.TemplateID = "tpl1"
	// A removed property (a tombstone) travels too.
	d.Elements[1].Props["color"], d.Elements[1].Stamps["color"] = nil, 5
	first := encoded(t, d)
	got, err := Decode(bytes.NewReader(first), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	second := encoded(t, got)
	if !bytes.Equal(first, second) {
		t.Errorf("Encode(Decode(x)) differs from x:\n%s\n----\n%s", first, second)
	}
	again, err := Decode(bytes.NewReader(second), 1<<20)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("decodes differ: %v", err)
	}
	// Elements come out in z order, without z first.
	var raw struct{ Elements []Element }
	_ = json.Unmarshal(first, &raw)
	if raw.Elements[0].ID != "gone" || raw.Elements[1].ID != "frame1" || raw.Elements[len(raw.Elements)-1].ID != "c4" {
		t.Errorf("order %s, %s … %s", raw.Elements[0].ID, raw.Elements[1].ID, raw.Elements[len(raw.Elements)-1].ID)
	}
	// Encode leaves its argument alone.
	if d.Elements[0].ID != "frame1" {
		t.Error("Encode reordered the caller's elements")
	}
}

func TestExportImports(t *testing.T) {
	t.Parallel()
	d := sampleDocument()
	// Delete note1: c1 names it, and note2 sits in frame1 which is deleted too.
	for i := range d.Elements {
		switch d.Elements[i].ID {
		case "note1", "frame1":
			d.Elements[i].Props["deleted"] = true
		}
	}
	x := d.Export()
	for _, e := range x.Elements {
		if e.Deleted() {
			t.Errorf("export holds deleted %s", e.ID)
		}
		if e.ID == "c1" {
			if EndElement(e.Props["from"]) != "" {
				t.Errorf("c1.from still names %v", e.Props["from"])
			}
			if m := e.Props["from"].(map[string]any); m["x"] != 240.0 || m["y"] != 140.0 {
				t.Errorf("c1.from became %v, want the east anchor of note1 (240, 140)", m)
			}
		}
	}
	if _, err := Decode(bytes.NewReader(encoded(t, x)), 1<<20); err != nil {
		t.Errorf("export does not import: %v", err)
	}
	// The original is untouched.
	if EndElement(d.Elements[16].Props["from"]) != "note1" {
		t.Error("Export changed the document it was given")
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	base := func() map[string]any {
		var m map[string]any
		_ = json.Unmarshal(encoded(t, sampleDocument()), &m)
		return m
	}
	elem := func(m map[string]any, i int) map[string]any {
		return m["elements"].([]any)[i].(map[string]any)
	}
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"format", func(m map[string]any) { m["format"] = "other/1" }, "format"},
		{"title control", func(m map[string]any) { m["title"] = "a\x00" }, "title"},
		{"title long", func(m map[string]any) { m["title"] = strings.Repeat("t", MaxTitleRunes+1) }, "title"},
		{"template id", func(m map[string]any) { m["template_id"] = "a/b" }, "template_id"},
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }, "extra"},
		{"element id", func(m map[string]any) { elem(m, 3)["id"] = "" }, "elements[3].id"},
		{"duplicate id", func(m map[string]any) { elem(m, 3)["id"] = elem(m, 2)["id"] }, "elements[3].id"},
		{"kind", func(m map[string]any) { elem(m, 2)["kind"] = "icon" }, "elements[2].kind"},
		{"owner", func(m map[string]any) { elem(m, 2)["owner"] = "" }, "elements[2].owner"},
		{"prop", func(m map[string]any) { elem(m, 2)["props"].(map[string]any)["x"] = "far" }, "elements[2].props.x"},
		{"required prop", func(m map[string]any) {
			delete(elem(m, 2)["props"].(map[string]any), "y")
			delete(elem(m, 2)["stamps"].(map[string]any), "y")
		}, "elements[2].props.y"},
		{"missing stamp", func(m map[string]any) { delete(elem(m, 2)["stamps"].(map[string]any), "x") }, "elements[2].stamps.x"},
		{"stray stamp", func(m map[string]any) { elem(m, 2)["stamps"].(map[string]any)["nope"] = 5 }, "elements[2].stamps.nope"},
		{"dangling connector", func(m map[string]any) {
			for _, e := range m["elements"].([]any) {
				if e.(map[string]any)["id"] == "c1" {
					e.(map[string]any)["props"].(map[string]any)["to"] = map[string]any{"element": "nobody", "anchor": "n"}
				}
			}
		}, ".props.to.element"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := base()
			tc.edit(m)
			b, _ := json.Marshal(m)
			_, err := Decode(bytes.NewReader(b), 1<<20)
			var v *validate.Error
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &v) {
				t.Fatalf("err %v", err)
			}
			for _, f := range v.Fields {
				if strings.HasSuffix(f.Field, tc.field) {
					return
				}
			}
			t.Errorf("fields %v do not name %s", v.Fields, tc.field)
		})
	}
	for name, in := range map[string]string{"empty": "", "not json": "{", "array": "[]", "two values": `{"format":"poy-canvas/1","elements":[]} {}`} {
		if _, err := Decode(strings.NewReader(in), 1<<20); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	big := encoded(t, sampleDocument())
	_, err := Decode(bytes.NewReader(big), int64(len(big)-1))
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalid) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := Decode(bytes.NewReader(big), int64(len(big))); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func TestDecodeElementCap(t *testing.T) {
	t.Parallel()
	d := &Document{Format: Format}
	for i := range MaxElements + 1 {
		d.Elements = append(d.Elements, el(fmt.Sprintf("e%d", i), KindText, 1, map[string]any{"x": 0, "y": 0}))
	}
	_, err := Decode(bytes.NewReader(encoded(t, d)), 64<<20)
	var v *validate.Error
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "elements" {
		t.Fatalf("over the element cap: %v", err)
	}
	// Deleted elements do not count.
	d.Elements[0].Props["deleted"], d.Elements[0].Stamps["deleted"] = true, 1
	if _, err := Decode(bytes.NewReader(encoded(t, d)), 64<<20); err != nil {
		t.Fatalf("at the cap: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encoded(f, sampleDocument()))
	f.Add([]byte(`{"format":"poy-canvas/1","title":"","exported_at":"2026-01-01T00:00:00Z","elements":[{"id":"a","kind":"stroke","owner":"u","props":{"x":1,"y":2,"points":[1,2,0.5]},"stamps":{"x":1,"y":1,"points":1}}]}`))
	f.Add([]byte(`{"format":"poy-canvas/1","elements":[{"id":"c","kind":"connector","owner":"u","props":{"x":0,"y":0,"from":{"element":"c","anchor":"n"}},"stamps":{"x":1,"y":1,"from":1}}]}`))
	f.Add([]byte(`{"elements":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(bytes.NewReader(data), 1<<20)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// What decodes encodes, decodes equal, renders and exports.
		var buf bytes.Buffer
		if err := Encode(&buf, d); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(bytes.NewReader(buf.Bytes()), 2<<20)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("round trip differs")
		}
		if _, err := Decode(bytes.NewReader(encoded(t, d.Export())), 2<<20); err != nil {
			t.Fatalf("export does not import: %v", err)
		}
		if err := RenderPNG(&bytes.Buffer{}, d, RenderOptions{DPI: 72, MaxPixels: 50_000}); err != nil {
			t.Fatal(err)
		}
		if err := RenderPDF(&bytes.Buffer{}, d, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzOpValidate(f *testing.F) {
	f.Add([]byte(`{"op_id":"o","action":"create","element_id":"n1","kind":"note","props":{"x":1,"y":2,"text":"hi"}}`), uint8(0))
	f.Add([]byte(`{"action":"update","element_id":"e1","props":{"x":1e400}}`), uint8(1))
	f.Add([]byte(`{"action":"update","element_id":"e1","props":{"points":[1,2,0.5,3,4,1]},"drag":true}`), uint8(2))
	f.Add([]byte(`{"action":"update","element_id":"e1","props":{"from":{"element":"x","anchor":"n"},"label":null}}`), uint8(3))
	f.Add([]byte(`{"action":"delete","element_id":"e1"}`), uint8(4))
	f.Add([]byte(`{"action":"restore","element_id":"e1"}`), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		var op Op
		if json.Unmarshal(data, &op) != nil {
			return
		}
		var current *Element
		if which%3 > 0 {
			current = live(Kinds[int(which)%len(Kinds)], nil)
			if which%3 == 2 {
				current.Props["deleted"] = true
			}
		}
		fs := op.Validate(current)
		for _, f := range fs {
			if f.Field == "" || f.Detail == "" {
				t.Fatalf("unnamed field error %+v", f)
			}
		}
		if len(fs) > 0 {
			return
		}
		p := op.Patch("u1", 42)
		var e Element
		if current != nil {
			e = *current
			e.Props, e.Stamps = current.Full().Props, current.Full().Stamps
		}
		before := e
		before.Props, before.Stamps = e.Full().Props, e.Full().Stamps
		applied := e.Merge(p)
		if e.Kind == "" {
			t.Fatalf("a valid op left an element without kind: %+v", e)
		}
		if fs := ValidateProps(e.Kind, e.Props, true); len(fs) > 0 {
			t.Fatalf("a valid op produced an invalid element: %v", fs)
		}
		var undoBase *Element
		if current != nil {
			undoBase = &before
		}
		undo := Inverse(undoBase, applied, 43)
		e.Merge(undo)
		if fs := ValidateProps(e.Kind, e.Props, true); len(fs) > 0 {
			t.Fatalf("undo produced an invalid element: %v", fs)
		}
	})
}

func BenchmarkValidateOp(b *testing.B) {
	cur := live(KindNote, map[string]any{"text": "hello", "z": "a0"})
	drag := Op{OpID: "o1", Action: ActionUpdate, ElementID: "e1", Drag: true, Props: map[string]any{"x": 120.5, "y": -33.25}}
	b.ReportAllocs()
	for b.Loop() {
		if fs := drag.Validate(cur); len(fs) > 0 {
			b.Fatal(fs)
		}
		drag.Patch("u1", 7)
	}
}
