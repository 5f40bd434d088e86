package vertex

import (
	"encoding/json"
	"slices"
	"testing"

	"pointsofyou.ai/studio/shared/ai/prompt"
)

// FuzzCompose feeds arbitrary prompts to the local model: it must not
// panic, must be deterministic and may only cite passages of the prompt.
func FuzzCompose(f *testing.F) {
	f.Add("Be kind.", "Sources:\n\n[source: a] Rest refills the well.\n\n[source: b] Trust grows slowly.\n\nHow do I rest?")
	f.Add("", "- one\n- two\n3. three")
	f.Add("[source: x]", "[source: x] [source: y]\n\n")
	f.Add("\u05d0\u05d1\u05d2 ", "¿qué? \x00\xff")
	f.Fuzz(func(t *testing.T, system, user string) {
		c1 := compose(system, []turn{{"user", user}}, 32)
		c2 := compose(system, []turn{{"user", user}}, 32)
		if c1.text != c2.text || !slices.Equal(c1.sources, c2.sources) {
			t.Fatalf("not deterministic: %q vs %q", c1.text, c2.text)
		}
		ps, _ := prompt.Parse(system)
		pu, _ := prompt.Parse(user)
		ids := map[string]bool{}
		for _, p := range append(ps, pu...) {
			ids[p.ID] = true
		}
		for _, id := range c1.sources {
			if !ids[id] {
				t.Fatalf("cites unknown source %q", id)
			}
		}
		if c1.text == "" {
			t.Fatal("empty answer")
		}
	})
}

// FuzzFillSchema: whatever schema parses, the filler's output is JSON that
// validates against it.
func FuzzFillSchema(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"type":"string","maxLength":3,"minLength":2}},"required":["a"]}`,
		`{"type":"array","items":{"type":"integer","minimum":-2,"exclusiveMaximum":0},"minItems":2}`,
		`{"enum":[1,"two",null]}`,
		`{"anyOf":[{"type":"string","format":"uuid"},{"type":"null"}]}`,
		`{"$ref":"#/$defs/x","$defs":{"x":{"type":"object","properties":{"y":{"$ref":"#/$defs/x"}},"required":["y"]}}}`,
		`{"type":"string","minLength":9,"maxLength":3}`,
	} {
		f.Add(s)
	}
	c := compose("", []turn{{"user", "[source: s1] Curiosity opens doors.\n\nHow?"}}, 16)
	f.Fuzz(func(t *testing.T, schema string) {
		var v any
		if json.Unmarshal([]byte(schema), &v) != nil {
			return
		}
		n, err := fromJSON(v)
		if err != nil {
			return
		}
		out, err := fillJSON(n, fillCtx(c, 16))
		if err != nil {
			t.Fatalf("fill: %v", err)
		}
		var got any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("invalid JSON %s", out)
		}
		if !satisfiable(n, n.defs, 0) {
			return
		}
		if err := validate(n, got, n.defs, "$"); err != nil {
			t.Fatalf("%v: %s for %s", err, out, schema)
		}
	})
}

// satisfiable rules out schemas no value can meet (contradictory bounds,
// required infinite nesting, type/keyword clashes), where the filler does
// its best but cannot be valid.
func satisfiable(n *node, defs map[string]*node, depth int) bool {
	c := &fillContext{defs: defs}
	n = c.resolve(n)
	if n == nil || n.hasConst || len(n.enum) > 0 {
		return true
	}
	if depth > 6 || n.ref != "" {
		return false
	}
	if n.maxLen >= 0 && n.minLen > n.maxLen || n.maxItems >= 0 && n.minItems > n.maxItems {
		return false
	}
	lo, hi := n.min, n.max
	if lo != nil && hi != nil && *lo > *hi || n.exMin != nil && n.exMax != nil && *n.exMin >= *n.exMax-1 {
		return false
	}
	if (lo != nil && n.exMax != nil && *lo >= *n.exMax) || (hi != nil && n.exMin != nil && *hi <= *n.exMin) {
		return false
	}
	if n.format != "" && (n.maxLen >= 0 || n.minLen > 0) {
		return false
	}
	for _, a := range n.anyOf {
		if !satisfiable(a, defs, depth+1) {
			return false
		}
	}
	if n.items != nil && !satisfiable(n.items, defs, depth+1) {
		return false
	}
	for _, r := range n.required {
		p, ok := n.props[r]
		if !ok && !n.additional {
			return false
		}
		if ok && !satisfiable(p, defs, depth+1) {
			return false
		}
	}
	for _, p := range n.props {
		if !satisfiable(p, defs, depth+1) {
			return false
		}
	}
	return true
}
