package validate_test

import (
	"testing"

	"pointsofyou.ai/studio/shared/validate"
)

func TestText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in           string
		single, mult bool // accepted as single-line, as multi-line
	}{
		{"Morning pause", true, true},
		{"שלום · Grüße · 日本 · 🌊", true, true},
		{"\u200fRTL mark", true, true},
		{"", true, true},
		{"a\nb", false, true},
		{"a\r\nb", false, true},
		{"a\tb", false, true},
		{"a\u2028b", false, true},
		{"nul\x00", false, false},
		{"\x1b[31mred", false, false},
		{"back\bspace", false, false},
		{"bell\a", false, false},
		{"del\x7f", false, false},
		{"c1\u0085", false, false},
		{"csi\u009b", false, false},
		{"bad\xff", false, false},
	} {
		for kind, want := range map[validate.TextKind]bool{validate.SingleLine: c.single, validate.MultiLine: c.mult} {
			var f []validate.FieldError
			validate.Text(&f, "title", c.in, kind)
			if got := len(f) == 0; got != want {
				t.Errorf("Text(%q, kind %d) accepted=%v, want %v (%v)", c.in, kind, got, want, f)
			}
		}
	}
	var f []validate.FieldError
	validate.Texts(&f, "goals", []string{"ok", "not\x00ok"}, validate.SingleLine)
	if len(f) != 1 || f[0].Field != "goals[1]" || f[0].Pointer != "#/goals/1" {
		t.Fatalf("Texts = %+v", f)
	}
}
