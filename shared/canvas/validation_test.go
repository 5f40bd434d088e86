package canvas

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/validate"
)

func fields(fs []validate.FieldError) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Field)
	}
	return out
}

// live is an existing element of kind with its required props.
func live(kind string, extra map[string]any) *Element {
	props := map[string]any{"x": 1, "y": 2}
	switch kind {
	case KindCard:
		props["card_id"] = "c1"
	case KindImage:
		props["media_id"] = "m1"
	}
	for k, v := range extra {
		props[k] = v
	}
	e := el("e1", kind, 10, props)
	return &e
}

func deleted(kind string) *Element { return live(kind, map[string]any{"deleted": true}) }

func TestValidateOp(t *testing.T) {
	t.Parallel()
	pts := func(n int) []any {
		out := make([]any, 0, 3*n)
		for i := range n {
			out = append(out, float64(i), float64(i), 0.5)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		op      Op
		current *Element
		want    []string // offending fields; nil = valid
	}{
		{"create note", Op{OpID: "o1", Action: "create", ElementID: "n1", Kind: "note", Props: map[string]any{"x": 1.5, "y": -2, "text": "hi", "color": "#aaBB00"}}, nil, nil},
		{"create every kind", Op{Action: "create", ElementID: "c1", Kind: "card", Props: map[string]any{"x": 0, "y": 0, "card_id": "k1", "face_down": true, "w": 10, "h": 10}}, nil, nil},
		{"create needs kind", Op{Action: "create", ElementID: "n1", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"kind"}},
		{"create unknown kind", Op{Action: "create", ElementID: "n1", Kind: "icon", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"kind"}},
		{"create needs x y", Op{Action: "create", ElementID: "n1", Kind: "note", Props: map[string]any{"text": "a"}}, nil, []string{"props.x", "props.y"}},
		{"create card needs card_id", Op{Action: "create", ElementID: "n1", Kind: "card", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"props.card_id"}},
		{"create image needs media_id", Op{Action: "create", ElementID: "n1", Kind: "image", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"props.media_id"}},
		{"create existing", Op{Action: "create", ElementID: "e1", Kind: "note", Props: map[string]any{"x": 1, "y": 1}}, live(KindNote, nil), []string{"element_id"}},
		{"create with null", Op{Action: "create", ElementID: "n1", Kind: "note", Props: map[string]any{"x": 1, "y": 1, "text": nil}}, nil, []string{"props.text"}},
		{"create with deleted", Op{Action: "create", ElementID: "n1", Kind: "note", Props: map[string]any{"x": 1, "y": 1, "deleted": false}}, nil, []string{"props.deleted"}},
		{"create drag", Op{Action: "create", ElementID: "n1", Kind: "note", Drag: true, Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"drag"}},
		{"bad id slash", Op{Action: "create", ElementID: "a/b", Kind: "note", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"element_id"}},
		{"bad id reserved", Op{Action: "create", ElementID: "__x__", Kind: "note", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"element_id"}},
		{"bad id long", Op{Action: "create", ElementID: strings.Repeat("a", 65), Kind: "note", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"element_id"}},
		{"id 64 bytes", Op{Action: "create", ElementID: strings.Repeat("a", 64), Kind: "note", Props: map[string]any{"x": 1, "y": 1}}, nil, nil},
		{"bad id empty", Op{Action: "create", ElementID: "", Kind: "note", Props: map[string]any{"x": 1, "y": 1}}, nil, []string{"element_id"}},
		{"bad id dot", Op{Action: "update", ElementID: ".", Props: map[string]any{"x": 1}}, nil, []string{"element_id", "element_id"}},
		{"op id long", Op{OpID: strings.Repeat("o", 65), Action: "delete", ElementID: "e1"}, live(KindNote, nil), []string{"op_id"}},
		{"op id control", Op{OpID: "a\nb", Action: "delete", ElementID: "e1"}, live(KindNote, nil), []string{"op_id"}},
		{"bad action", Op{Action: "move", ElementID: "e1"}, live(KindNote, nil), []string{"action"}},
		{"unknown prop", Op{Action: "update", ElementID: "e1", Props: map[string]any{"colour": "#000000"}}, live(KindNote, nil), []string{"props.colour"}},
		{"owner not a prop", Op{Action: "update", ElementID: "e1", Props: map[string]any{"owner": "u2"}}, live(KindNote, nil), []string{"props.owner"}},
		{"prop of other kind", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": []any{}}}, live(KindNote, nil), []string{"props.points"}},
		{"update move", Op{Action: "update", ElementID: "e1", Drag: true, Props: map[string]any{"x": 5, "y": 6}}, live(KindNote, nil), nil},
		{"update missing", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": 5}}, nil, []string{"element_id"}},
		{"update deleted", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": 5}}, deleted(KindNote), []string{"element_id"}},
		{"update no props", Op{Action: "update", ElementID: "e1"}, live(KindNote, nil), []string{"props"}},
		{"update kind change", Op{Action: "update", ElementID: "e1", Kind: "shape", Props: map[string]any{"x": 5}}, live(KindNote, nil), []string{"kind"}},
		{"update same kind", Op{Action: "update", ElementID: "e1", Kind: "note", Props: map[string]any{"x": 5}}, live(KindNote, nil), nil},
		{"update deleted prop", Op{Action: "update", ElementID: "e1", Props: map[string]any{"deleted": true}}, live(KindNote, nil), []string{"props.deleted"}},
		{"remove optional", Op{Action: "update", ElementID: "e1", Props: map[string]any{"text": nil, "rotation": nil}}, live(KindNote, nil), nil},
		{"remove required", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": nil}}, live(KindNote, nil), []string{"props.x"}},
		{"remove card_id", Op{Action: "update", ElementID: "e1", Props: map[string]any{"card_id": nil}}, live(KindCard, nil), []string{"props.card_id"}},
		{"x too far", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": 1e7 + 1}}, live(KindNote, nil), []string{"props.x"}},
		{"x string", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": "1"}}, live(KindNote, nil), []string{"props.x"}},
		{"x NaN", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": math.NaN()}}, live(KindNote, nil), []string{"props.x"}},
		{"x Inf", Op{Action: "update", ElementID: "e1", Props: map[string]any{"y": math.Inf(-1)}}, live(KindNote, nil), []string{"props.y"}},
		{"x int64", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": int64(7)}}, live(KindNote, nil), nil},
		{"x json.Number", Op{Action: "update", ElementID: "e1", Props: map[string]any{"x": json.Number("7.5")}}, live(KindNote, nil), nil},
		{"w zero", Op{Action: "update", ElementID: "e1", Props: map[string]any{"w": 0}}, live(KindNote, nil), []string{"props.w"}},
		{"rotation", Op{Action: "update", ElementID: "e1", Props: map[string]any{"rotation": -360, "opacity": 1}}, live(KindNote, nil), nil},
		{"rotation range", Op{Action: "update", ElementID: "e1", Props: map[string]any{"rotation": 361, "opacity": 1.01}}, live(KindNote, nil), []string{"props.opacity", "props.rotation"}},
		{"colour short", Op{Action: "update", ElementID: "e1", Props: map[string]any{"color": "#abc"}}, live(KindNote, nil), []string{"props.color"}},
		{"colour name", Op{Action: "update", ElementID: "e1", Props: map[string]any{"color": "red"}}, live(KindNote, nil), []string{"props.color"}},
		{"colour nonhex", Op{Action: "update", ElementID: "e1", Props: map[string]any{"fill": "#ggggggg"}}, live(KindShape, nil), []string{"props.fill"}},
		{"shape enum", Op{Action: "update", ElementID: "e1", Props: map[string]any{"shape": "circle"}}, live(KindShape, nil), []string{"props.shape"}},
		{"shape ok", Op{Action: "update", ElementID: "e1", Props: map[string]any{"shape": "star", "stroke_width": 0, "stroke": "#000000"}}, live(KindShape, nil), nil},
		{"stroke width", Op{Action: "update", ElementID: "e1", Props: map[string]any{"stroke_width": 51}}, live(KindShape, nil), []string{"props.stroke_width"}},
		{"text align", Op{Action: "update", ElementID: "e1", Props: map[string]any{"align": "left", "font_size": 5}}, live(KindText, nil), []string{"props.align", "props.font_size"}},
		{"text multiline", Op{Action: "update", ElementID: "e1", Props: map[string]any{"text": "a\nb\tc", "font_size": 400}}, live(KindText, nil), nil},
		{"text control", Op{Action: "update", ElementID: "e1", Props: map[string]any{"text": "a\x07b"}}, live(KindText, nil), []string{"props.text"}},
		{"text runes", Op{Action: "update", ElementID: "e1", Props: map[string]any{"text": strings.Repeat("ש", MaxTextRunes)}}, live(KindNote, nil), nil},
		{"text too long", Op{Action: "update", ElementID: "e1", Props: map[string]any{"text": strings.Repeat("a", MaxTextRunes+1)}}, live(KindNote, nil), []string{"props.text"}},
		{"text bad utf8", Op{Action: "update", ElementID: "e1", Props: map[string]any{"text": "\xff"}}, live(KindNote, nil), []string{"props.text"}},
		{"frame title single line", Op{Action: "update", ElementID: "e1", Props: map[string]any{"title": "a\nb"}}, live(KindFrame, nil), []string{"props.title"}},
		{"parent ok", Op{Action: "update", ElementID: "e1", Props: map[string]any{"parent": "f1", "z": "a0V"}}, live(KindNote, nil), nil},
		{"parent none", Op{Action: "update", ElementID: "e1", Props: map[string]any{"parent": ""}}, live(KindNote, nil), nil},
		{"parent bad", Op{Action: "update", ElementID: "e1", Props: map[string]any{"parent": "a/b"}}, live(KindNote, nil), []string{"props.parent"}},
		{"z bad", Op{Action: "update", ElementID: "e1", Props: map[string]any{"z": "a10"}}, live(KindNote, nil), []string{"props.z"}},
		{"z number", Op{Action: "update", ElementID: "e1", Props: map[string]any{"z": 1}}, live(KindNote, nil), []string{"props.z"}},
		{"locked", Op{Action: "update", ElementID: "e1", Props: map[string]any{"locked": "yes"}}, live(KindNote, nil), []string{"props.locked"}},
		{"points ok", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": pts(MaxStrokePoint / 4), "tool": "highlighter", "width": 50}}, live(KindStroke, nil), nil},
		{"points float64s", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": []float64{1, 2, 0.5}}}, live(KindStroke, nil), nil},
		{"points not triples", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": []any{1, 2}}}, live(KindStroke, nil), []string{"props.points"}},
		{"points too many", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": pts(MaxStrokePoint + 1)}}, live(KindStroke, nil), []string{"props.points"}},
		{"points pressure", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": []any{1, 2, 1.5}}}, live(KindStroke, nil), []string{"props.points[2]"}},
		{"points not numbers", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": []any{1, "2", 0}}}, live(KindStroke, nil), []string{"props.points[1]"}},
		{"points object", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": map[string]any{}}}, live(KindStroke, nil), []string{"props.points"}},
		{"stroke tool", Op{Action: "update", ElementID: "e1", Props: map[string]any{"tool": "eraser", "width": 0.5}}, live(KindStroke, nil), []string{"props.tool", "props.width"}},
		{"props too large", Op{Action: "update", ElementID: "e1", Props: map[string]any{"points": pts(MaxStrokePoint)}}, live(KindStroke, nil), []string{"props"}},
		{"element too large", Op{Action: "update", ElementID: "e1", Props: map[string]any{"label": strings.Repeat("ש", MaxTextRunes)}}, live(KindConnector, map[string]any{"label": nil, "from": map[string]any{"x": 1, "y": 1}}), nil},
		{"connector ends", Op{Action: "update", ElementID: "e1", Props: map[string]any{"from": map[string]any{"element": "a", "anchor": "ne"}, "to": map[string]any{"x": 1, "y": 2}, "style": "double_arrow", "dash": "dash_dot", "width": 10, "label": "yes"}}, live(KindConnector, nil), nil},
		{"connector anchor", Op{Action: "update", ElementID: "e1", Props: map[string]any{"from": map[string]any{"element": "a", "anchor": "top"}}}, live(KindConnector, nil), []string{"props.from.anchor"}},
		{"connector no anchor", Op{Action: "update", ElementID: "e1", Props: map[string]any{"from": map[string]any{"element": "a"}}}, live(KindConnector, nil), []string{"props.from.anchor"}},
		{"connector extra", Op{Action: "update", ElementID: "e1", Props: map[string]any{"to": map[string]any{"element": "a", "anchor": "n", "x": 1}}}, live(KindConnector, nil), []string{"props.to.x"}},
		{"connector point", Op{Action: "update", ElementID: "e1", Props: map[string]any{"to": map[string]any{"x": 1}}}, live(KindConnector, nil), []string{"props.to.y"}},
		{"connector string", Op{Action: "update", ElementID: "e1", Props: map[string]any{"to": "a"}}, live(KindConnector, nil), []string{"props.to"}},
		{"connector style", Op{Action: "update", ElementID: "e1", Props: map[string]any{"style": "zigzag", "dash": "long", "width": 11}}, live(KindConnector, nil), []string{"props.dash", "props.style", "props.width"}},
		{"delete", Op{Action: "delete", ElementID: "e1"}, live(KindNote, nil), nil},
		{"delete missing", Op{Action: "delete", ElementID: "e1"}, nil, []string{"element_id"}},
		{"delete deleted", Op{Action: "delete", ElementID: "e1"}, deleted(KindNote), []string{"element_id"}},
		{"delete with props", Op{Action: "delete", ElementID: "e1", Props: map[string]any{"x": 1}}, live(KindNote, nil), []string{"props"}},
		{"restore", Op{Action: "restore", ElementID: "e1"}, deleted(KindNote), nil},
		{"restore live", Op{Action: "restore", ElementID: "e1"}, live(KindNote, nil), []string{"element_id"}},
		{"restore missing", Op{Action: "restore", ElementID: "e1"}, nil, []string{"element_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fields(tc.op.Validate(tc.current))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %q, want %q (%v)", got, tc.want, tc.op.Validate(tc.current))
			}
		})
	}
}

func TestValidatePropsEveryKind(t *testing.T) {
	t.Parallel()
	for _, e := range sampleDocument().Elements {
		if fs := ValidateProps(e.Kind, e.Props, true); len(fs) > 0 {
			t.Errorf("%s (%s): %v", e.ID, e.Kind, fs)
		}
	}
	if fs := ValidateProps("icon", map[string]any{}, true); len(fs) != 1 || fs[0].Field != "kind" {
		t.Errorf("unknown kind: %v", fs)
	}
	// Every kind's property list is documented (and only those).
	for _, k := range Kinds {
		if len(KindProps(k)) < 9 {
			t.Errorf("%s has %d properties", k, len(KindProps(k)))
		}
	}
}

func TestOpPatch(t *testing.T) {
	t.Parallel()
	s := Stamp(99)
	create := Op{Action: ActionCreate, ElementID: "n1", Kind: KindStroke, Props: map[string]any{"x": int64(1), "y": json.Number("2"), "points": []float64{1, 2, 0.5}}}
	p := create.Patch("u1", s)
	want := Patch{ID: "n1", Kind: KindStroke, Owner: "u1",
		Props:  map[string]any{"x": 1.0, "y": 2.0, "points": []any{1.0, 2.0, 0.5}, "deleted": false},
		Stamps: map[string]Stamp{"x": s, "y": s, "points": s, "deleted": s}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("create patch %+v\nwant %+v", p, want)
	}
	upd := Op{Action: ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 3.0, "text": nil}}
	if p := upd.Patch("u2", s); p.Owner != "" || p.Kind != "" || len(p.Props) != 2 || p.Props["text"] != nil || p.Stamps["text"] != s {
		t.Errorf("update patch %+v", p)
	}
	if p := (&Op{Action: ActionDelete, ElementID: "n1"}).Patch("u", s); !reflect.DeepEqual(p.Props, map[string]any{"deleted": true}) {
		t.Errorf("delete patch %+v", p)
	}
	if p := (&Op{Action: ActionRestore, ElementID: "n1"}).Patch("u", s); !reflect.DeepEqual(p.Props, map[string]any{"deleted": false}) {
		t.Errorf("restore patch %+v", p)
	}
	// The patch's values survive JSON unchanged (canonical form).
	b, _ := json.Marshal(p)
	var back Patch
	_ = json.Unmarshal(b, &back)
	if !reflect.DeepEqual(back, p) {
		t.Errorf("JSON round trip %+v != %+v", back, p)
	}
}

func TestInverse(t *testing.T) {
	t.Parallel()
	s1, s2, s3 := Stamp(10), Stamp(20), Stamp(30)
	create := Op{Action: ActionCreate, ElementID: "n1", Kind: KindNote, Props: map[string]any{"x": 1, "y": 2, "text": "a"}}
	var e Element
	applied := e.Merge(create.Patch("u1", s1))
	undoCreate := Inverse(nil, applied, s2)
	if !reflect.DeepEqual(undoCreate.Props, map[string]any{"deleted": true}) || undoCreate.ID != "n1" {
		t.Fatalf("undo of a create %+v", undoCreate)
	}

	before := e
	before.Props, before.Stamps = e.Full().Props, e.Full().Stamps
	upd := Op{Action: ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 5, "color": "#000000"}}
	applied = e.Merge(upd.Patch("u1", s2))
	undo := Inverse(&before, applied, s3)
	if !reflect.DeepEqual(undo.Props, map[string]any{"x": 1.0, "color": nil}) || undo.Stamps["x"] != s3 {
		t.Fatalf("undo %+v", undo)
	}
	afterUpd := Element{ID: e.ID, Kind: e.Kind, Owner: e.Owner, Props: e.Full().Props, Stamps: e.Full().Stamps}
	undone := e.Merge(undo)
	if e.Props["x"] != 1.0 || e.Props["color"] != nil || e.Props["text"] != "a" {
		t.Fatalf("after undo %+v", e.Props)
	}
	// Redo is the inverse of the undo (on the element the undo found).
	redo := Inverse(&afterUpd, undone, s3+1)
	e.Merge(redo)
	for k, v := range afterUpd.Props {
		if !reflect.DeepEqual(e.Props[k], v) {
			t.Errorf("after redo %s = %v, want %v", k, e.Props[k], v)
		}
	}
	// Undo of a delete restores.
	del := (&Op{Action: ActionDelete, ElementID: "n1"}).Patch("u1", s3+2)
	pre := Element{ID: e.ID, Kind: e.Kind, Props: e.Full().Props, Stamps: e.Full().Stamps}
	applied = e.Merge(del)
	if u := Inverse(&pre, applied, s3+3); u.Props["deleted"] != false {
		t.Errorf("undo of a delete %+v", u)
	}
}

func TestNormalizeFirestore(t *testing.T) {
	t.Parallel()
	e := el("e1", KindConnector, 1<<40|3, map[string]any{"x": 1, "y": 2.5, "from": map[string]any{"x": 3, "y": 4}, "label": nil})
	data := e.DocData()
	// What the Firestore client gives back: whole numbers as int64.
	fromStore := map[string]any{
		"kind": "connector", "owner": "u1", "updated_at": "ignored",
		"props":  map[string]any{"x": int64(1), "y": 2.5, "from": map[string]any{"x": int64(3), "y": int64(4)}, "label": nil},
		"stamps": map[string]any{"x": int64(1<<40 | 3), "y": int64(1<<40 | 3), "from": int64(1<<40 | 3), "label": int64(1<<40 | 3)},
	}
	got, err := ElementFromDoc("e1", fromStore)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, e) {
		t.Errorf("read back %+v\nwant %+v", *got, e)
	}
	if st, ok := data["stamps"].(map[string]any); !ok || st["x"] != int64(1<<40|3) {
		t.Errorf("stamps are not int64: %#v", data["stamps"])
	}
	again, err := ElementFromDoc("e1", data)
	if err != nil || !reflect.DeepEqual(*again, e) {
		t.Errorf("DocData round trip %+v %v", again, err)
	}
	for _, bad := range []map[string]any{
		{"kind": 3},
		{"props": []any{}},
		{"stamps": map[string]any{"x": "1"}},
		{"stamps": map[string]any{"x": 1.5}},
	} {
		if _, err := ElementFromDoc("e1", bad); err == nil {
			t.Errorf("ElementFromDoc(%v) accepted", bad)
		}
	}
	// Patches of the op log round-trip too.
	p := (&Op{Action: ActionCreate, ElementID: "n", Kind: KindNote, Props: map[string]any{"x": 1, "y": 2}}).Patch("u", 77)
	back, err := PatchFromDoc(p.DocData())
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Errorf("patch round trip %+v %v", back, err)
	}
}
