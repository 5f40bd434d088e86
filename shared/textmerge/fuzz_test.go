package textmerge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMerge: whatever the three texts, Merge does not panic, an unchanged
// side gives the other, an unclean merge is mine, a merge does not depend
// on which side is stored, keeps valid UTF-8 valid, every word of the
// result comes from one of the texts, and texts of unique words that moved
// none keep the "no lost word" property of TestNoLostWord.
func FuzzMerge(f *testing.F) {
	f.Add("a b c", "a B c", "a b C")
	f.Add("שלום עולם", "שלום עולם יפה", "היי עולם")
	f.Add("x\r\ny\r\n", "x\r\n", "x\r\ny\r\nz")
	f.Add("🌱 🌳", "🌳", "🌱 🌳 🌲")
	f.Add("\xff\xfe", "\xff a", "")
	f.Add("# t\n\n- a\n- b\n", "# t\n\n- a\n- b\n- c\n", "# T\n\n- a\n- b\n")
	f.Fuzz(func(t *testing.T, base, mine, theirs string) {
		merged, clean := Merge(base, mine, theirs)
		if !clean && merged != mine {
			t.Fatalf("unclean merge changed mine to %q", merged)
		}
		if back, backClean := Merge(base, theirs, mine); backClean != clean || clean && back != merged {
			t.Fatalf("swapped sides gave %q, %v; want %q, %v", back, backClean, merged, clean)
		}
		if m, ok := Merge(base, base, theirs); !ok || m != theirs {
			t.Fatalf("Merge(b, b, t) = %q, %v", m, ok)
		}
		if m, ok := Merge(base, mine, mine); !ok || m != mine {
			t.Fatalf("Merge(b, x, x) = %q, %v", m, ok)
		}
		if utf8.ValidString(base) && utf8.ValidString(mine) && utf8.ValidString(theirs) && !utf8.ValidString(merged) {
			t.Fatalf("invalid UTF-8 from valid texts: %q", merged)
		}
		from := wordSet(base + " " + mine + " " + theirs)
		for _, w := range strings.Fields(merged) {
			if !from[w] {
				t.Fatalf("word %q came from nowhere", w)
			}
		}
		if clean && unique(base) && unique(mine) && unique(theirs) && inOrder(base, mine) && inOrder(base, theirs) {
			if err := checkWords(base, mine, theirs, merged); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// inOrder reports whether the words side shares with base come in base's
// order: side moved none. A moved word is deleted and typed anew as far as
// any diff can tell, so "no deleted word comes back" needs this.
func inOrder(base, side string) bool {
	in := wordSet(side)
	var shared []string
	for _, w := range strings.Fields(base) {
		if in[w] {
			shared = append(shared, w)
		}
	}
	inBase := wordSet(base)
	k := 0
	for _, w := range strings.Fields(side) {
		if inBase[w] {
			if shared[k] != w {
				return false
			}
			k++
		}
	}
	return true
}

func unique(s string) bool {
	ws := strings.Fields(s)
	return len(ws) == len(wordSet(s))
}
