package insights

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Facts are what a model may see to phrase recommendations: numbers,
// phase names, theme words and anonymous labels ("P1", "P2", …) — never a
// uid, a name or anything a participant wrote.
type Facts struct {
	Phase           string       `json:"phase"`
	PhaseMinutes    float64      `json:"phase_minutes"`
	SharedCount     int          `json:"shared_count"`
	NotSharedCount  int          `json:"not_shared_count"`
	Balance         float64      `json:"balance"`
	Themes          []ThemeCount `json:"themes"`
	Stuck           bool         `json:"stuck"`
	Breakthroughs   int          `json:"breakthroughs"`
	Recommendations []FactRec    `json:"recommendations"`
}

// FactRec is one recommendation as a model sees it: Ref is its index
// ("r1"…), Subjects are labels.
type FactRec struct {
	Ref      string             `json:"ref"`
	Kind     string             `json:"kind"`
	Priority string             `json:"priority"`
	Timing   string             `json:"timing"`
	Subjects []string           `json:"subjects"`
	Theme    string             `json:"theme,omitempty"`
	Numbers  map[string]float64 `json:"numbers"`
}

// PromptFacts returns the numbers-only facts of l and recs for the model
// prompt, participants labelled P1, P2, … in the order they first appear
// as subjects.
func PromptFacts(l Live, recs []Recommendation) Facts {
	f := Facts{
		Phase:           l.Phase,
		PhaseMinutes:    round(float64(l.Session.PhaseSeconds[l.Phase])/60, 1),
		SharedCount:     l.Session.SharedCount,
		NotSharedCount:  l.Session.NotShared,
		Balance:         l.Session.Balance,
		Themes:          slices.Clone(l.Session.Themes),
		Stuck:           l.Session.Stuck != nil,
		Recommendations: []FactRec{},
	}
	if f.Themes == nil {
		f.Themes = []ThemeCount{}
	}
	for _, b := range l.Session.Breakthroughs {
		if b.Phase == l.Phase {
			f.Breakthroughs++
		}
	}
	byUID := map[string]string{}
	for i, r := range recs {
		fr := FactRec{Ref: fmt.Sprintf("r%d", i+1), Kind: r.Kind, Priority: r.Priority, Timing: r.Timing,
			Theme: r.Theme, Numbers: r.Numbers, Subjects: []string{}}
		for _, uid := range r.Subjects {
			lb, ok := byUID[uid]
			if !ok {
				lb = fmt.Sprintf("P%d", len(byUID)+1)
				byUID[uid] = lb
			}
			fr.Subjects = append(fr.Subjects, lb)
		}
		f.Recommendations = append(f.Recommendations, fr)
	}
	return f
}

var (
	labelRe = regexp.MustCompile(`\bP[0-9]+\b`)
	wordRe  = regexp.MustCompile(`[\p{L}\p{N}_-]+`)
)

// ApplyModelTexts puts model texts (by Ref of PromptFacts) into recs, in
// lang, with Source model. The label of a recommendation's own subject
// becomes {subject}; a text naming any other label, or containing a uid
// of the session, is refused and the fallback stays. It returns the
// updated copy.
func ApplyModelTexts(recs []Recommendation, f Facts, texts map[string]string, lang string, uids []string) []Recommendation {
	out := slices.Clone(recs)
	for i := range out {
		if i >= len(f.Recommendations) {
			break
		}
		fr := f.Recommendations[i]
		text := strings.TrimSpace(texts[fr.Ref])
		if text == "" || len(text) > 1000 {
			continue
		}
		ok := true
		for _, w := range wordRe.FindAllString(text, -1) {
			if slices.Contains(uids, w) {
				ok = false
			}
		}
		text = labelRe.ReplaceAllStringFunc(text, func(lb string) string {
			if slices.Contains(fr.Subjects, lb) {
				return SubjectPlaceholder
			}
			ok = false
			return lb
		})
		if !ok {
			continue
		}
		out[i].Text, out[i].Lang, out[i].Source = text, lang, SourceModel
	}
	return out
}
