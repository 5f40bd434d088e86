package textmerge

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"
)

// TestIdentities checks, on arbitrary strings, what a merge with an
// unchanged side must give.
func TestIdentities(t *testing.T) {
	t.Parallel()
	checks := map[string]any{
		"Merge(b, b, t) == t": func(b, x string) bool { m, ok := Merge(b, b, x); return ok && m == x },
		"Merge(b, m, b) == m": func(b, x string) bool { m, ok := Merge(b, x, b); return ok && m == x },
		"Merge(b, x, x) == x": func(b, x string) bool { m, ok := Merge(b, x, x); return ok && m == x },
	}
	for name, f := range checks {
		if err := quick.Check(f, &quick.Config{MaxCount: 500}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestNoLostWord edits a text of unique words on two sides at random and
// checks every merge: a clean one holds every word either side typed and
// every base word both kept, and none that either side removed; an
// unclean one is mine unchanged.
func TestNoLostWord(t *testing.T) {
	t.Parallel()
	const histories = 3000
	var clean int
	for seed := range uint64(histories) {
		r := rand.New(rand.NewPCG(seed, 7))
		g := &gen{r: r, prefix: fmt.Sprintf("s%d_", seed)}
		base := g.text(r.IntN(60))
		mine := g.edit(base, 1+r.IntN(4))
		theirs := g.edit(base, 1+r.IntN(4))
		merged, ok := Merge(base, mine, theirs)
		if !ok {
			if merged != mine {
				t.Fatalf("seed %d: unclean merge changed mine", seed)
			}
			continue
		}
		clean++
		if err := checkWords(base, mine, theirs, merged); err != nil {
			t.Fatalf("seed %d: %v\nbase %q\nmine %q\ntheirs %q\nmerged %q", seed, err, base, mine, theirs, merged)
		}
	}
	// Edits of a few words in a text of up to 60 mostly merge; a merge
	// that refused nearly everything would pass the checks above.
	if clean < histories/2 {
		t.Errorf("only %d of %d random merges were clean", clean, histories)
	}
}

// TestApartEditsMerge: edits in lines with an untouched line between them
// always merge.
func TestApartEditsMerge(t *testing.T) {
	t.Parallel()
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 11))
		g := &gen{r: r, prefix: fmt.Sprintf("a%d_", seed)}
		lines := make([]string, 3+r.IntN(10))
		for i := range lines {
			lines[i] = g.line(1 + r.IntN(8))
		}
		cut := 1 + r.IntN(len(lines)-2) // lines[cut] stays untouched
		base := strings.Join(lines, "\n")
		mineLines, theirLines := append([]string(nil), lines...), append([]string(nil), lines...)
		i, j := r.IntN(cut), cut+1+r.IntN(len(lines)-cut-1)
		mineLines[i] = g.edit(lines[i], 1+r.IntN(3))
		theirLines[j] = g.edit(lines[j], 1+r.IntN(3))
		mine, theirs := strings.Join(mineLines, "\n"), strings.Join(theirLines, "\n")
		merged, ok := Merge(base, mine, theirs)
		if want := strings.Join(append(mineLines[:cut:cut], theirLines[cut:]...), "\n"); !ok || merged != want {
			t.Fatalf("seed %d: Merge = %q, %v; want %q", seed, merged, ok, want)
		}
	}
}

// checkWords is the "no lost word" property for texts whose words are
// unique.
func checkWords(base, mine, theirs, merged string) error {
	b, m, th, out := wordSet(base), wordSet(mine), wordSet(theirs), wordSet(merged)
	for w := range m {
		if !b[w] && !out[w] {
			return fmt.Errorf("word %q of mine lost", w)
		}
	}
	for w := range th {
		if !b[w] && !out[w] {
			return fmt.Errorf("word %q of theirs lost", w)
		}
	}
	for w := range b {
		switch {
		case m[w] && th[w] && !out[w]:
			return fmt.Errorf("kept word %q lost", w)
		case (!m[w] || !th[w]) && out[w]:
			return fmt.Errorf("deleted word %q came back", w)
		}
	}
	for w := range out {
		if !b[w] && !m[w] && !th[w] {
			return fmt.Errorf("word %q came from nowhere", w)
		}
	}
	return nil
}

func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(s) {
		set[w] = true
	}
	return set
}

// gen makes texts of unique words, with Hebrew, emoji, Markdown and CRLF
// among them.
type gen struct {
	r      *rand.Rand
	prefix string
	n      int
}

var flavours = []string{"", "שלום", "🌱", "é", "**", "#", "-"}

func (g *gen) word() string {
	g.n++
	w := fmt.Sprintf("%s%d", g.prefix, g.n)
	if f := flavours[g.r.IntN(len(flavours))]; f != "" {
		w = f + w
	}
	return w
}

var separators = []string{" ", " ", " ", " ", "  ", "\n", "\n\n", "\r\n", "\t"}

func (g *gen) line(words int) string {
	var s strings.Builder
	for i := range words {
		if i > 0 {
			s.WriteString(" ")
		}
		s.WriteString(g.word())
	}
	return s.String()
}

func (g *gen) text(words int) string {
	var s strings.Builder
	for i := range words {
		if i > 0 {
			s.WriteString(separators[g.r.IntN(len(separators))])
		}
		s.WriteString(g.word())
	}
	return s.String()
}

// edit inserts, deletes or replaces words of s edits times.
func (g *gen) edit(s string, edits int) string {
	toks := strings.SplitAfter(s, " ")
	for range edits {
		at := g.r.IntN(len(toks) + 1)
		switch op := g.r.IntN(3); {
		case op == 0 || len(toks) == 0 || at == len(toks):
			toks = append(toks[:at], append([]string{g.word() + " "}, toks[at:]...)...)
		case op == 1:
			toks = append(toks[:at], toks[at+1:]...)
		default:
			toks[at] = g.word() + " "
		}
	}
	return strings.Join(toks, "")
}
