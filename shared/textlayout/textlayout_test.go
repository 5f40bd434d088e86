package textlayout

import (
	"slices"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
)

var (
	sans = sync.OnceValue(func() *Coverage { return mustCoverage(dejavusans.TTF) })
	both = sync.OnceValue(func() *Coverage { return mustCoverage(dejavusans.TTF, dejavusansbold.TTF) })
)

func mustCoverage(ttfs ...[]byte) *Coverage {
	c, err := NewCoverage(ttfs...)
	if err != nil {
		panic(err)
	}
	return c
}

func TestCoverage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    rune
		want bool
	}{
		{'a', true}, {'ש', true}, {'(', true}, {'\uFFFD', true},
		{-1, false}, {0, false}, {'\u4e2d', false}, // no CJK in DejaVu
		{'🙂', false}, {0x10000, false}, // beyond the BMP
	} {
		if got := sans().Has(tc.r); got != tc.want {
			t.Errorf("sans.Has(%U) = %v, want %v", tc.r, got, tc.want)
		}
	}
	// Several faces draw only what every one of them has.
	for r := rune(0); r < 0x10000; r++ {
		if both().Has(r) && !sans().Has(r) {
			t.Fatalf("%U is covered by sans+bold but not by sans", r)
		}
	}
	if _, err := NewCoverage([]byte("not a font")); err == nil {
		t.Error("NewCoverage accepted a broken font")
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"שלום (עולם) 2026 abc", "שלום (עולם) 2026 abc"},
		{"a\tb", "a b"},
		{"a\r\nb\rc\nd\u2028e\u2029f", "a\nb\nc\nd\ne\nf"},
		{"\x00\x01 ctl\x7f", " ctl"},
		{"left\u202eright\u200d\ufe0f", "leftright"}, // bidi override, ZWJ, variation selector
		{"\xff\xfe bad", "\uFFFD\uFFFD bad"},
		{"emoji 🙂", "emoji \uFFFD"},
		{"中", "\uFFFD"},
		{"שָׁלוֹם", "שָׁלוֹם"}, // drawable marks stay
		{"a\u1AB0", "a"},       // an undrawable mark goes, its base shows
		{"", ""},
	} {
		if got := sans().Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFirstStrongRTL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"123 ...", false}, {"abc שלום", false}, {"שלום abc", true},
		{"(12) שלום", true}, {"مرحبا", true}, {"\u05b0", false}, // a lone mark is not strong
	} {
		if got := FirstStrongRTL(tc.in); got != tc.want {
			t.Errorf("FirstStrongRTL(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestVisualOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		rtl  bool
		want string
	}{
		{"", true, ""},
		{"abc def", false, "abc def"},
		{"plain English", false, "plain English"},
		{"שלום", true, "םולש"},
		{"abc שלום def", false, "abc םולש def"},
		{"Shalom שלום עולם", false, "Shalom םלוע םולש"},
		{"Points of You: נקודת מבט", false, "Points of You: טבמ תדוקנ"},
		{"שלום abc", true, "abc םולש"},
		{"שלום 123", true, "123 םולש"},
		{"שלום 123", false, "123 םולש"},
		{"abc 12 def", false, "abc 12 def"},
		{"שלום abc 12", true, "abc 12 םולש"},
		{"1. עצירה", true, "הריצע .1"},
		{"מחיר: 12.50 ש\"ח", true, "ח\"ש 12.50 :ריחמ"},
		{"מחיר 20% (בערך)", true, "(ךרעב) 20% ריחמ"},
		{"מתחיל ב־0:05", true, "0:05־ב ליחתמ"},
		{"(שלום)", true, "(םולש)"},
		{"שלום (world) עולם", true, "םלוע (world) םולש"},
		{"hello (שלום) there", true, "there (םולש) hello"},
		{"Map it  [canvas]", true, "Map it  [canvas]"},
		{"«שלום» ‹עולם›", true, "‹םלוע› «םולש»"},
		{"שָׁלוֹם", true, "םוֹלשָׁ"}, // marks stay after their letter
		{"שלום  ", true, "  םולש"},   // trailing spaces end the line, at its left
	} {
		if got := VisualOrder(tc.in, tc.rtl); got != tc.want {
			t.Errorf("VisualOrder(%q, %v) = %q, want %q", tc.in, tc.rtl, got, tc.want)
		}
	}
}

// FuzzVisualOrder: any line, in either direction, comes back as the same
// runes in some order, brackets possibly mirrored.
func FuzzVisualOrder(f *testing.F) {
	for _, s := range []string{"", "abc", "שלום (עולם) 2026 abc", "מחיר: 12.50 ש\"ח", "((([[{«‹x›»}]])))", "שָׁלוֹם  ", "\xff\u202e1%$"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, rtl bool) {
		got := VisualOrder(s, rtl)
		if got == s {
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("VisualOrder(%q, %v) = %q is not valid UTF-8", s, rtl, got)
		}
		if a, b := runeBag(s), runeBag(got); !slices.Equal(a, b) {
			t.Fatalf("VisualOrder(%q, %v) = %q: not a permutation of the input", s, rtl, got)
		}
	})
}

// runeBag is the sorted runes of s (invalid UTF-8 as U+FFFD, as VisualOrder
// reads it), each mirrored pair counted as one rune.
func runeBag(s string) []rune {
	rs := []rune(s)
	for i, r := range rs {
		if m, ok := mirrored[r]; ok {
			rs[i] = min(r, m)
		}
	}
	slices.Sort(rs)
	return rs
}
