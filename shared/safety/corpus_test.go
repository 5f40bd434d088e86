package safety

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// The corpora live in testdata/safety at the repository root: phrases
// that must escalate, labelled with their category, and ordinary coaching
// questions (idioms included) that must not.
const (
	crisisFile   = "../../testdata/safety/crisis.json"
	ordinaryFile = "../../testdata/safety/ordinary.json"
)

// languages Check has phrases for.
var languages = []string{"en", "es", "fr", "de", "he"}

type crisisPhrase struct {
	Lang     string   `json:"lang"`
	Category Category `json:"category"`
	Indirect bool     `json:"indirect"`
	Text     string   `json:"text"`
}

type ordinaryQuestion struct {
	Lang string `json:"lang"`
	Text string `json:"text"`
}

func loadCorpus[T any](t testing.TB, path, key string) []T {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][]T
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc[key]
}

func percent(n, of int) string {
	if of == 0 {
		return "0/0 (0.0 %)"
	}
	return fmt.Sprintf("%d/%d (%.1f %%)", n, of, 100*float64(n)/float64(of))
}

func TestCrisisCorpus(t *testing.T) {
	t.Parallel()
	phrases := loadCorpus[crisisPhrase](t, crisisFile, "phrases")
	type tally struct{ n, escalated, rightCategory, indirect int }
	byLang := map[string]*tally{}
	var all tally
	for _, p := range phrases {
		tl := byLang[p.Lang]
		if tl == nil {
			tl = &tally{}
			byLang[p.Lang] = tl
		}
		if severity(p.Category) == 0 {
			t.Errorf("%q: unknown category %q", p.Text, p.Category)
		}
		r := Check(p.Text, p.Lang)
		for _, c := range []*tally{tl, &all} {
			c.n++
			if p.Indirect {
				c.indirect++
			}
			if r.Escalate {
				c.escalated++
			}
			if r.Category == p.Category {
				c.rightCategory++
			}
		}
		if !r.Escalate {
			t.Errorf("%s %q did not escalate", p.Lang, p.Text)
		} else if r.Category != p.Category {
			t.Logf("%s %q: category %s, labelled %s", p.Lang, p.Text, r.Category, p.Category)
		}
	}
	for _, lang := range languages {
		tl := byLang[lang]
		if tl == nil || tl.n < 12 || tl.indirect < 4 {
			t.Errorf("%s: the corpus needs ≥ 12 phrases, ≥ 4 of them indirect", lang)
			continue
		}
		t.Logf("%s crisis phrases escalated: %s, category right: %s", lang, percent(tl.escalated, tl.n), percent(tl.rightCategory, tl.n))
	}
	t.Logf("crisis phrases escalated: %s", percent(all.escalated, all.n))
	t.Logf("crisis categories right: %s", percent(all.rightCategory, all.n))
	if all.n < 60 {
		t.Errorf("the corpus has %d crisis phrases, want ≥ 60", all.n)
	}
	if all.escalated != all.n {
		t.Errorf("%d crisis phrases did not escalate", all.n-all.escalated)
	}
	if 10*all.rightCategory < 9*all.n {
		t.Errorf("categories right for %s, want ≥ 90 %%", percent(all.rightCategory, all.n))
	}
}

func TestOrdinaryCorpus(t *testing.T) {
	t.Parallel()
	qs := loadCorpus[ordinaryQuestion](t, ordinaryFile, "questions")
	count := map[string]int{}
	escalated := 0
	for _, q := range qs {
		count[q.Lang]++
		if r := Check(q.Text, q.Lang); r.Escalate {
			escalated++
			t.Errorf("%s %q escalated as %s (%s)", q.Lang, q.Text, r.Category, r.Lang)
		}
	}
	for _, lang := range languages {
		if count[lang] < 12 {
			t.Errorf("%s: the corpus has %d ordinary questions, want ≥ 12", lang, count[lang])
		}
	}
	t.Logf("ordinary questions escalated: %s", percent(escalated, len(qs)))
	if len(qs) < 60 {
		t.Errorf("the corpus has %d ordinary questions, want ≥ 60", len(qs))
	}
}
