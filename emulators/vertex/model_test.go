package vertex

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"pointsofyou.ai/studio/shared/ai/prompt"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"Café CORAZÓN", "cafe corazon"},
		{"Ｆｕｌｌ　ｗｉｄｔｈ", "full width"},
		{"Straße", "strasse"},
		{"שָׁלוֹם", "שלום"},          // niqqud removed, letters kept
		{"Ñandú über", "nandu uber"}, // Latin diacritics removed
		{"Ελληνικά", "ελληνικά"},     // other scripts keep their marks
	}
	for _, tc := range cases {
		if got := normalize(tc.in); got != tc.want {
			t.Errorf("normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStem(t *testing.T) {
	t.Parallel()
	groups := [][]string{
		{"pause", "pauses", "pausing", "pausa"},
		{"hope", "hoping", "hopes"},
		{"החזיק", "מחזיק"},
		{"תיקונים", "תיקון"},
	}
	for _, g := range groups {
		want := stem(normalize(g[0]))
		for _, w := range g[1:] {
			if got := stem(normalize(w)); got != want {
				t.Errorf("stem(%q) = %q, stem(%q) = %q", g[0], want, w, got)
			}
		}
	}
}

func TestCountTokens(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"the", 1},
		{"courage", 2},
		{"Hello, world!", 6},
		{"日本語", 3},
		{"  \n\t", 0},
	}
	for _, tc := range cases {
		if got := countTokens(tc.in); got != tc.want {
			t.Errorf("countTokens(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	s, cut := truncateTokens(strings.Repeat("word ", 100), 10)
	if !cut || countTokens(s) != 10 {
		t.Errorf("truncate: %q %v", s, cut)
	}
}

func TestEmbedProperties(t *testing.T) {
	t.Parallel()
	for _, dim := range []int{1, 8, 256, 768, 3072} {
		v := embed("Courage grows in small steps.", dim)
		if len(v) != dim {
			t.Fatalf("dim %d: got %d", dim, len(v))
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Errorf("dim %d: norm² %v", dim, n)
		}
	}
	a := embed("A pause before answering gives room to choose.", 768)
	b := embed("Pausing before you answer lets you choose.", 768)
	u := embed("The quarterly budget spreadsheet has errors.", 768)
	if cosine(a, b) <= cosine(a, u)+0.1 {
		t.Errorf("related %.3f, unrelated %.3f", cosine(a, b), cosine(a, u))
	}
	if v := embed("?!…", 16); cosine(v, v) < 0.99 {
		t.Error("symbols-only text should still get a unit vector")
	}
	for i := 0; i < 5; i++ {
		c := embed("A pause before answering gives room to choose.", 768)
		for j := range a {
			if a[j] != c[j] {
				t.Fatal("embedding not deterministic")
			}
		}
	}
}

func TestSplitSentences(t *testing.T) {
	t.Parallel()
	got := splitSentences("First one. Second one? Third!\n- bullet item\n2. numbered item\nversion 1.5 is fine")
	want := []string{"First one.", "Second one?", "Third!", "bullet item", "numbered item", "version 1.5 is fine"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q", got)
	}
}

func TestSplitChunks(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "short", "שלום עולם, מה שלומך היום? הכול בסדר.", strings.Repeat("x", 50), "one two three four five six seven"} {
		parts := splitChunks(s, 3)
		if strings.Join(parts, "") != s {
			t.Errorf("chunks of %q lose text: %q", s, parts)
		}
		for _, p := range parts {
			if !utf8.ValidString(p) {
				t.Errorf("chunk %q splits a rune", p)
			}
		}
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	passages, _ := prompt.Format([]prompt.Passage{
		{ID: "rest", Text: "Rest refills the well. Sleep and slow evenings matter."},
		{ID: "trust", Text: "Trust is built by keeping small promises."},
	})
	c := compose("Be kind.\n\n"+prompt.SystemRule, []turn{{"user", passages + "\n\nHow do I rebuild trust after a broken promise?"}}, 256)
	if len(c.sources) == 0 || c.sources[0] != "trust" {
		t.Errorf("sources %v", c.sources)
	}
	if !strings.Contains(c.text, "[source: trust]") || c.lang != "en" {
		t.Errorf("text %q lang %s", c.text, c.lang)
	}
	// Nothing relevant: say so, cite nothing.
	c = compose("", []turn{{"user", passages + "\n\nqwertyuiop zxcvbnm?"}}, 256)
	if len(c.sources) != 0 || !strings.HasPrefix(c.text, templates["en"].noMatch) {
		t.Errorf("no-match answer %q %v", c.text, c.sources)
	}
	if detectLang("¿Qué hago con mi miedo?") != "es" || detectLang("מה אני עושה עם הפחד?") != "he" || detectLang("What now?") != "en" {
		t.Error("detectLang")
	}
}

// validate checks v (decoded JSON) against n; it is the oracle of the
// filler's tests.
func validate(n *node, v any, defs map[string]*node, path string) error {
	c := &fillContext{defs: defs}
	n = c.resolve(n)
	if n == nil {
		return nil
	}
	if n.hasConst {
		a, _ := json.Marshal(n.constVal)
		b, _ := json.Marshal(v)
		if string(a) != string(b) {
			return fmt.Errorf("%s: %s is not the const %s", path, b, a)
		}
		return nil
	}
	if len(n.enum) > 0 {
		b, _ := json.Marshal(v)
		for _, e := range n.enum {
			if a, _ := json.Marshal(e); string(a) == string(b) {
				return nil
			}
		}
		return fmt.Errorf("%s: %s not in enum", path, b)
	}
	if len(n.anyOf) > 0 {
		for _, a := range n.anyOf {
			if validate(a, v, defs, path) == nil {
				return nil
			}
		}
		return fmt.Errorf("%s: matches no anyOf alternative", path)
	}
	typeOK := len(n.types) == 0
	for _, t := range n.types {
		switch x := v.(type) {
		case nil:
			typeOK = typeOK || t == "null"
		case bool:
			typeOK = typeOK || t == "boolean"
		case float64:
			typeOK = typeOK || t == "number" || (t == "integer" && x == math.Trunc(x))
		case string:
			typeOK = typeOK || t == "string"
		case []any:
			typeOK = typeOK || t == "array"
		case map[string]any:
			typeOK = typeOK || t == "object"
		}
	}
	if !typeOK {
		return fmt.Errorf("%s: %T is not %v", path, v, n.types)
	}
	switch x := v.(type) {
	case float64:
		if (n.min != nil && x < *n.min) || (n.max != nil && x > *n.max) || (n.exMin != nil && x <= *n.exMin) || (n.exMax != nil && x >= *n.exMax) {
			return fmt.Errorf("%s: %v out of range", path, x)
		}
	case string:
		l := utf8.RuneCountInString(x)
		if l < n.minLen || (n.maxLen >= 0 && l > n.maxLen) {
			return fmt.Errorf("%s: length %d out of range", path, l)
		}
	case []any:
		if len(x) < n.minItems || (n.maxItems >= 0 && len(x) > n.maxItems) {
			return fmt.Errorf("%s: %d items out of range", path, len(x))
		}
		if n.items != nil {
			for i, e := range x {
				if err := validate(n.items, e, defs, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		for _, r := range n.required {
			if _, ok := x[r]; !ok {
				return fmt.Errorf("%s: missing required %q", path, r)
			}
		}
		for k, e := range x {
			p, ok := n.props[k]
			if !ok {
				if !n.additional {
					return fmt.Errorf("%s: unexpected property %q", path, k)
				}
				continue
			}
			if err := validate(p, e, defs, path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func fillFromJSON(t testing.TB, schema string) ([]byte, *node) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(schema), &v); err != nil {
		t.Fatal(err)
	}
	n, err := fromJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	c := compose("", []turn{{"user", "[source: s1] Curiosity opens doors to strangers.\n\n[source: s2] Rest refills the well.\n\nHow can I be more curious?"}}, 64)
	out, err := fillJSON(n, fillCtx(c, 64))
	if err != nil {
		t.Fatal(err)
	}
	return out, n
}

func TestFillSchema(t *testing.T) {
	t.Parallel()
	schemas := map[string]string{
		"string":   `{"type":"string"}`,
		"enum":     `{"type":"string","enum":["rest","curiosity","trust"]}`,
		"nullable": `{"type":["null","integer"],"minimum":3,"maximum":4}`,
		"object": `{"type":"object","properties":{"answer":{"type":"string","minLength":5,"maxLength":40},
			"score":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
			"tags":{"type":"array","items":{"type":"string"},"minItems":4,"maxItems":4},
			"ok":{"type":"boolean"},"when":{"type":"string","format":"date-time"}},
			"required":["answer","score","tags","ok","when","extra"],"additionalProperties":true}`,
		"refs": `{"$defs":{"card":{"type":"object","properties":{"title":{"type":"string"},"next":{"$ref":"#/$defs/card"}},"required":["title"]}},
			"type":"object","properties":{"cards":{"type":"array","items":{"$ref":"#/$defs/card"}}},"required":["cards"]}`,
		"anyOf":     `{"anyOf":[{"type":"null"},{"type":"object","properties":{"x":{"const":7}},"required":["x"]}]}`,
		"untyped":   `{"properties":{"a":{}},"required":["a"]}`,
		"recursive": `{"$ref":"#/$defs/n","$defs":{"n":{"type":["object"],"properties":{"child":{"$ref":"#/$defs/n"}}}}}`,
	}
	for name, s := range schemas {
		out, n := fillFromJSON(t, s)
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%s: invalid JSON %s", name, out)
		}
		if err := validate(n, v, n.defs, "$"); err != nil {
			t.Errorf("%s: %v in %s", name, err, out)
		}
		t.Logf("%s: %s", name, out)
	}
	out, _ := fillFromJSON(t, schemas["enum"])
	if string(out) != `"curiosity"` {
		t.Errorf("enum picked %s", out)
	}
}
