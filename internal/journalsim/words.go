package journalsim

import (
	"fmt"
	"slices"
	"strings"
)

// Words records one person's typing across their devices: every word
// typed (each unique) and every word removed by hand from a text that
// held it. A word is lost when it was typed, never removed, and is in no
// final body and no kept conflict version.
type Words struct {
	prefix  string
	n       int
	typed   map[string]bool
	removed map[string]bool
}

// NewWords starts the record of history seed.
func NewWords(seed uint64) *Words {
	return &Words{prefix: fmt.Sprintf("w%d_", seed), typed: map[string]bool{}, removed: map[string]bool{}}
}

// New types a new word.
func (w *Words) New() string {
	w.n++
	s := w.prefix + fmt.Sprint(w.n)
	w.typed[s] = true
	return s
}

// Title makes a new title. Titles are last-writer-wins by contract, so
// their words are not tracked.
func (w *Words) Title() string {
	w.n++
	return fmt.Sprintf("title %s%d", w.prefix, w.n)
}

// Typed is how many words were typed.
func (w *Words) Typed() int { return len(w.typed) }

// edited records the words an edit of before into after removed; of the
// words typed during the edit, those gone by its end were never seen.
func (w *Words) edited(before, after string, typed []string) {
	kept := fieldSet(after)
	for _, s := range typed {
		if !kept[s] {
			delete(w.typed, s)
		}
	}
	for _, s := range strings.Fields(before) {
		if !kept[s] {
			w.removed[s] = true
		}
	}
}

// Lost returns the typed words, never removed, that none of texts holds.
func (w *Words) Lost(texts []string) []string {
	have := map[string]bool{}
	for _, t := range texts {
		for _, s := range strings.Fields(t) {
			have[s] = true
		}
	}
	var lost []string
	for s := range w.typed {
		if !w.removed[s] && !have[s] {
			lost = append(lost, s)
		}
	}
	slices.Sort(lost)
	return lost
}

func fieldSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, f := range strings.Fields(s) {
		set[f] = true
	}
	return set
}
