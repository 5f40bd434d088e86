package validate

import "testing"

func TestPointer(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"name":            "#/name",
		"phases[2].title": "#/phases/2/title",
		"a.b[0][1]":       "#/a/b/0/1",
		"(body)":          "",
		"weird/key~":      "#/weird~1key~0",
	} {
		if got := pointer(in); got != want {
			t.Errorf("pointer(%q) = %q, want %q", in, got, want)
		}
	}
}

type item struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (it *item) Validate() []FieldError {
	var fs []FieldError
	Required(&fs, "name", it.Name)
	return fs
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in    string
		ok    bool
		kind  Kind
		field string
	}{
		{`{"name":"a","count":2}`, true, 0, ""},
		{``, false, KindMalformed, ""},
		{`{"name":`, false, KindMalformed, ""},
		{`{"name":"a"} {}`, false, KindMalformed, ""},
		{`{"name":"a","colour":"red"}`, false, KindInvalid, "colour"},
		{`{"name":"a","count":"two"}`, false, KindInvalid, "count"},
		{`{"count":1}`, false, KindInvalid, "name"},
	} {
		var it item
		err := DecodeJSON([]byte(c.in), &it)
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.in, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Kind != c.kind || e.Detail == "" {
			t.Errorf("%s: got %#v, want kind %d", c.in, err, c.kind)
			continue
		}
		if c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field || e.Fields[0].Pointer != "#/"+c.field) {
			t.Errorf("%s: fields %+v, want %s", c.in, e.Fields, c.field)
		}
	}
}
