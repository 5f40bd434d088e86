package textmerge

import (
	"slices"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base, mine, theirs string
		want                     string
		clean                    bool
	}{
		{"nothing changed", "a b c", "a b c", "a b c", "a b c", true},
		{"only theirs", "a b c", "a b c", "a B c", "a B c", true},
		{"only mine", "a b c", "a B c", "a b c", "a B c", true},
		{"same change", "a b c", "a X c", "a X c", "a X c", true},
		{"different words of one line", "one two three four", "ONE two three four", "one two three FOUR", "ONE two three FOUR", true},
		{"different lines", "l1\nl2\nl3\n", "l1 mine\nl2\nl3\n", "l1\nl2\nl3 theirs\n", "l1 mine\nl2\nl3 theirs\n", true},
		{"insert and delete apart", "a b c d e", "a new b c d e", "a b c d", "a new b c d", true},
		{"both replace one word", "a b c", "a X c", "a Y c", "a X c", false},
		{"both insert at one place", "a c", "a X c", "a Y c", "a X c", false},
		{"both append", "a", "a x", "a y", "a x", false},
		{"one deletes what the other edits", "a b c d", "a d", "a b C d", "a d", false},
		{"empty base", "", "mine", "theirs", "mine", false},
		{"empty base, one side", "", "", "theirs", "theirs", true},
		{"everything deleted and an edit elsewhere", "a\nb\n", "", "a\nb\nc\n", "", false},
		{"hebrew", "שלום עולם יפה", "שלום עולם יפה מאוד", "היי עולם יפה", "היי עולם יפה מאוד", true},
		{"emoji", "I 🌱 grow 🌳", "I 🌱 slowly grow 🌳", "I 🌱 grow 🌳 tall", "I 🌱 slowly grow 🌳 tall", true},
		{"crlf", "a\r\nb\r\nc\r\n", "a!\r\nb\r\nc\r\n", "a\r\nb\r\nc?\r\n", "a!\r\nb\r\nc?\r\n", true},
		{"markdown list", "# Day\n\n- walk\n- read\n- rest\n", "# Day\n\n- walk far\n- read\n- rest\n", "# Day\n\n- walk\n- read\n- rest well\n", "# Day\n\n- walk far\n- read\n- rest well\n", true},
		{"new paragraph and word", "p1\n\np2\n", "p1\n\nnew\n\np2\n", "p1\n\np2 more\n", "p1\n\nnew\n\np2 more\n", true},
		{"invalid utf-8 kept", "a \xff b", "a \xff b c", "z a \xff b", "z a \xff b c", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, clean := Merge(tt.base, tt.mine, tt.theirs)
			if got != tt.want || clean != tt.clean {
				t.Errorf("Merge(%q, %q, %q) = %q, %v; want %q, %v", tt.base, tt.mine, tt.theirs, got, clean, tt.want, tt.clean)
			}
			// The merge does not depend on which side is stored.
			back, backClean := Merge(tt.base, tt.theirs, tt.mine)
			if backClean != clean || clean && back != got {
				t.Errorf("swapped sides: %q, %v", back, backClean)
			}
		})
	}
}

func TestTokenizeMatchesFields(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", " ", "a", "a  b\tc\r\nd\n\ne ", "x\u00a0y\u2003z", "\xff\xfe a", "שלום, עולם!"} {
		d, ok := tokenize(s, newInterner(0))
		if !ok {
			t.Fatalf("tokenize(%q) failed", s)
		}
		joined := ""
		for _, tok := range d.toks {
			joined += tok
		}
		if joined != s {
			t.Errorf("tokens of %q join to %q", s, joined)
		}
		var words []string
		for _, tok := range d.toks {
			if !isSpaceAt(tok, 0) {
				words = append(words, tok)
			}
		}
		if !slices.Equal(words, strings.Fields(s)) {
			t.Errorf("words of %q: %q", s, words)
		}
	}
}
