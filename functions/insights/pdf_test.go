package insights

import (
	"bytes"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/insights"
	"pointsofyou.ai/studio/shared/textlayout"
)

// TestPDF prints the retrospective in every language; Hebrew lines are
// drawn in display order (right to left).
func TestPDF(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(40 * time.Minute)
	r := Retrospective{SessionID: "s", Title: "מפגש בוקר · Morning", Status: statusEnded, StartedAt: &t0, EndedAt: &t1,
		Phases:        []RetroPhase{{Phase: "pause", StartedAt: t0, Seconds: 480, Ops: 40, Elements: 12, Cards: 6, Connections: 2, SharedParticipants: 5}},
		Themes:        []insights.ThemeCount{{Theme: "courage", People: 4, Cards: 7}},
		Participation: Participation{Gini: 0.2, Balance: 80, SharedCount: 5, NotSharedCount: 1},
		Homework:      []Homework{{Title: "Write three lines", Assigned: 5}},
		Summary:       Summary{Text: "A calm start.", Lang: "en", Source: insights.SourceFallback}}
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writePDF(&buf, r, lang, t1, false); err != nil {
				t.Fatal(err)
			}
			w := vocabOf(lang)
			want := w.Retro
			if lang == "he" {
				want = textlayout.VisualOrder(w.Retro, true)
			}
			for _, s := range []string{want, "courage", "Write three lines"} {
				if !bytes.Contains(buf.Bytes(), pdfText(s)) {
					t.Errorf("PDF lacks %q", s)
				}
			}
		})
	}
}

func TestFallbackSummary(t *testing.T) {
	t.Parallel()
	f := summaryFacts{Minutes: 40, Phases: []summaryPhase{{}, {}}, Balance: 71.6, Shared: 9, Themes: []string{"trust", "rest"}}
	for _, lang := range Languages {
		s := fallbackSummary(f, lang)
		if !bytes.Contains([]byte(s), []byte("40")) || !bytes.Contains([]byte(s), []byte("trust, rest")) {
			t.Errorf("%s: %q", lang, s)
		}
	}
	if fallbackSummary(summaryFacts{}, "xx") != fallbackSummary(summaryFacts{}, "en") {
		t.Error("an unknown language does not fall back to English")
	}
}
