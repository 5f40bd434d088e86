package pii

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// corpusSample is one line of testdata/pii/corpus.json: a coaching
// message, the names known when it is sent and every value that must not
// reach the model.
type corpusSample struct {
	Lang   string   `json:"lang"`
	Text   string   `json:"text"`
	Names  []string `json:"names"`
	Expect []struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"expect"`
}

func loadJSON[T any](t testing.TB, path string) T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// cleanNames are the organisation the clean sentences are sent with.
var cleanNames = []string{"Dana Levi", "Marcus Hale", "Lucía Gómez", "Hugo Lefèvre", "Lena Hoffmann", "נועה ברק", "Priya Natarajan", "Tom Becker"}

// TestCorpus measures recall per kind on the labelled corpus and the
// share of ordinary sentences changed. The thresholds are product
// requirements; the figures are printed for the record.
func TestCorpus(t *testing.T) {
	t.Parallel()
	samples := loadJSON[[]corpusSample](t, "../../testdata/pii/corpus.json")
	clean := loadJSON[[]struct {
		Lang string `json:"lang"`
		Text string `json:"text"`
	}](t, "../../testdata/pii/clean.json")

	perLang := map[string]int{}
	total := map[string]int{}
	caught := map[string]int{}
	for _, s := range samples {
		perLang[s.Lang]++
		r := New(Options{Names: s.Names})
		red := r.Redact(s.Text)
		if got := red.Restore(red.Text); got != s.Text {
			t.Errorf("round trip:\n got %q\nwant %q", got, s.Text)
		}
		for _, e := range s.Expect {
			total[e.Kind]++
			if covered(s.Text, e.Value, red.Spans) {
				caught[e.Kind]++
			} else {
				t.Logf("missed %s %q in %q → %q", e.Kind, e.Value, s.Text, red.Text)
			}
			if leaks(red.Text, e.Value) {
				t.Errorf("%s %q leaks: %q", e.Kind, e.Value, red.Text)
			}
		}
	}
	for _, lang := range []string{"en", "es", "fr", "de", "he"} {
		if perLang[lang] < 40 {
			t.Errorf("corpus has %d %s samples, want ≥ 40", perLang[lang], lang)
		}
	}

	kinds := []string{"email", "phone", "card", "iban", "known_name", "address", "free_name"}
	for _, k := range kinds {
		fmt.Printf("pii recall %-10s %3d/%3d (%5.1f %%)\n", k, caught[k], total[k], pct(caught[k], total[k]))
	}
	fmt.Printf("free-text names caught: %d/%d (%.1f %%)\n", caught["free_name"], total["free_name"], pct(caught["free_name"], total["free_name"]))

	r := New(Options{Names: cleanNames})
	changed := 0
	for _, c := range clean {
		red := r.Redact(c.Text)
		if red.Text != c.Text {
			changed++
			t.Logf("clean sentence changed: %q → %q", c.Text, red.Text)
		}
	}
	fmt.Printf("clean sentences changed: %d/%d (%.1f %%)\n", changed, len(clean), pct(changed, len(clean)))

	for _, k := range []string{"email", "phone", "card", "iban", "known_name"} {
		if caught[k] != total[k] || total[k] == 0 {
			t.Errorf("%s recall %d/%d, want 100 %%", k, caught[k], total[k])
		}
	}
	if p := pct(caught["free_name"], total["free_name"]); p < 95 {
		t.Errorf("free-text name recall %.1f %%, want ≥ 95 %%", p)
	}
	if p := pct(caught["address"], total["address"]); p < 90 {
		t.Errorf("address recall %.1f %%, want ≥ 90 %%", p)
	}
	if len(clean) < 100 {
		t.Errorf("clean set has %d sentences, want ≥ 100", len(clean))
	}
	if p := pct(changed, len(clean)); p > 5 {
		t.Errorf("%.1f %% of clean sentences changed, want ≤ 5 %%", p)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// covered reports whether every occurrence of value in text lies inside
// the spans.
func covered(text, value string, spans []Span) bool {
	found := false
	for off := 0; ; {
		i := strings.Index(text[off:], value)
		if i < 0 {
			return found
		}
		start, end := off+i, off+i+len(value)
		if !inside(spans, start, end) {
			return false
		}
		found = true
		off = start + 1
	}
}

// inside reports whether [start, end) is covered by the union of spans.
func inside(spans []Span, start, end int) bool {
	pos := start
	for _, s := range spans { // sorted by Start
		if s.Start > pos {
			break
		}
		if s.End > pos {
			pos = s.End
		}
		if pos >= end {
			return true
		}
	}
	return pos >= end
}

// leaks reports whether value is still in the redacted text, also once
// spaces, dashes and dots are dropped from numbers.
func leaks(redacted, value string) bool {
	if strings.Contains(redacted, value) {
		return true
	}
	compact := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(" -./()", r) {
				return -1
			}
			return r
		}, s)
	}
	v := compact(value)
	return slices.ContainsFunc([]rune(v), func(r rune) bool { return r >= '0' && r <= '9' }) && len(v) >= 6 && strings.Contains(compact(redacted), v)
}
