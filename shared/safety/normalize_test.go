package safety

import (
	"strings"
	"testing"
)

func words(text string) string {
	var out []string
	for _, t := range tokenize(text) {
		out = append(out, t.s)
	}
	return strings.Join(out, " ")
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Hello, World", "helo world"},
		{"don't", "dont"},
		{"self-harm", "selfharm"},
		{"k1ll mys3lf", "kil myself"},
		{"k.i.l.l", "kil"},
		{"die.Really", "die realy"},
		{"e.g. this", "eg this"},
		{"24/7 help", "24 7 help"},
		{"want 2 die", "want to die"},
		{"müde Straße", "mude strase"},
		{"ＦＵＬＬ", "ful"},
		{"soooo", "so"},
		{"ki\u200bll", "kil"},
		{"кill", "kil"},
		{"אֲנִי רוֹצֶה לָמוּת", "אני רוצה למות"},
		{"שלום", "שלומ"},
		{"צה\"ל", "צהל"},
		{"año", "ano"},
		{"$100", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := words(tt.in); got != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenizeBoundaries(t *testing.T) {
	t.Parallel()
	toks := tokenize("one two, three. four")
	want := []struct{ brk, hard bool }{{false, false}, {false, false}, {true, false}, {true, true}}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens", len(toks))
	}
	for i, w := range want {
		if toks[i].brk != w.brk || toks[i].hard != w.hard {
			t.Errorf("token %d %q: brk %v hard %v, want %v %v", i, toks[i].s, toks[i].brk, toks[i].hard, w.brk, w.hard)
		}
	}
}

func TestVariants(t *testing.T) {
	t.Parallel()
	var vs [3]string
	if n := variants("ולהתאבד", &vs); n != 3 || vs[1] != "להתאבד" || vs[2] != "התאבד" {
		t.Errorf("variants: %v", vs[:n])
	}
	if n := variants("kill", &vs); n != 1 {
		t.Errorf("latin words have no variants: %v", vs[:n])
	}
	if n := variants("של", &vs); n != 1 {
		t.Errorf("too short to strip: %v", vs[:n])
	}
}
