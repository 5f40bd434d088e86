package insights

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// busySession has a quiet a, a dominant e, low balance, a stuck phase, a
// breakthrough and a recurring theme.
func busySession(t *testing.T) Live {
	t.Helper()
	lib := func(string) []string { return []string{"trust"} }
	var es []LogEntry
	es = append(es, entry(0, create("a", "ca", "card", map[string]any{"card_id": "k"})))
	for _, uid := range []string{"b", "c", "d"} {
		es = append(es, ops(uid, 6, time.Second, time.Second)...)
	}
	es = append(es, entry(20*time.Second, create("b", "cb", "card", map[string]any{"card_id": "k"})))
	for i := range 40 {
		es = append(es, entry(30*time.Second, connector("e", "k"+string(rune('A'+i)), "ca", "cb")))
	}
	_, l := scenario{entries: es, themes: lib, people: []string{"a", "b", "c", "d", "e"}, now: 10 * time.Minute}.run()
	return l
}

func TestRecommend(t *testing.T) {
	t.Parallel()
	l := busySession(t)
	recs := Recommend(l, "en", nil)
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, r.Kind)
		if r.Status != StatusOpen || r.Source != SourceFallback || r.Lang != "en" || r.Phase != "pause" || !r.At.Equal(l.UpdatedAt) {
			t.Errorf("%+v", r)
		}
		if strings.Contains(r.Text, "{") && !strings.Contains(r.Text, SubjectPlaceholder) {
			t.Errorf("unfilled placeholder: %q", r.Text)
		}
		if len(r.Subjects) > 0 && !strings.Contains(r.Text, SubjectPlaceholder) {
			t.Errorf("no {subject} in %q", r.Text)
		}
		for _, uid := range []string{"\"a\"", "\"e\""} {
			if strings.Contains(r.Text, uid) {
				t.Errorf("uid in text %q", r.Text)
			}
		}
	}
	want := []string{KindStuck, KindQuiet, KindLowBalance, KindDominant, KindBreakthrough, KindTheme}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	if recs[1].Subjects[0] != "a" || recs[3].Subjects[0] != "e" || recs[5].Theme != "trust" {
		t.Errorf("subjects %v %v theme %q", recs[1].Subjects, recs[3].Subjects, recs[5].Theme)
	}
	if recs[0].Numbers["minutes"] != 9 || !strings.Contains(recs[0].Text, "9 minutes") {
		t.Errorf("stuck %v %q", recs[0].Numbers, recs[0].Text)
	}

	// Stable ids; statuses and first-seen times carried.
	later := l
	later.UpdatedAt = l.UpdatedAt.Add(time.Minute)
	prev := slices.Clone(recs)
	prev[1].Status = StatusDismissed
	prev[2].Status = StatusAccepted
	again := Recommend(later, "en", prev)
	for i := range again {
		if again[i].ID != recs[i].ID || !again[i].At.Equal(recs[i].At) {
			t.Errorf("id or time changed: %+v vs %+v", again[i], recs[i])
		}
	}
	if again[1].Status != StatusDismissed || again[2].Status != StatusAccepted || again[0].Status != StatusOpen {
		t.Errorf("statuses %s %s %s", again[0].Status, again[1].Status, again[2].Status)
	}
	if RecommendationID(KindQuiet, "pause", []string{"b", "a"}, "") != RecommendationID(KindQuiet, "pause", []string{"a", "b"}, "") ||
		RecommendationID(KindQuiet, "pause", []string{"a"}, "") == RecommendationID(KindQuiet, "expand", []string{"a"}, "") ||
		RecommendationID(KindTheme, "pause", nil, "joy") == RecommendationID(KindTheme, "pause", nil, "trust") {
		t.Error("ids are not keyed by kind, phase, sorted subjects and theme")
	}
}

func TestRecommendLangs(t *testing.T) {
	t.Parallel()
	l := busySession(t)
	en := Recommend(l, "en", nil)
	for _, lang := range Langs {
		for _, kind := range []string{KindQuiet, KindDominant, KindLowBalance, KindStuck, KindBreakthrough, KindTheme} {
			if fallbacks[lang][kind] == "" {
				t.Errorf("%s: no text for %s", lang, kind)
			}
		}
		recs := Recommend(l, lang, nil)
		for i, r := range recs {
			if r.Lang != lang || r.ID != en[i].ID {
				t.Errorf("%s: %+v", lang, r)
			}
			if lang != "en" && r.Text == en[i].Text {
				t.Errorf("%s: untranslated %q", lang, r.Text)
			}
			if len(r.Subjects) > 0 && strings.Count(r.Text, SubjectPlaceholder) < 1 {
				t.Errorf("%s: no placeholder in %q", lang, r.Text)
			}
		}
	}
	if r := Recommend(l, "xx", nil); r[0].Lang != "en" {
		t.Errorf("unknown language: %s", r[0].Lang)
	}
	// Nothing to say: an empty list, not null.
	s := NewState("s1", DefaultConfig())
	if r := Recommend(s.Snapshot(t0, nil, everyone), "en", nil); r == nil || len(r) != 0 {
		t.Errorf("%v", r)
	}
}

func TestPromptFacts(t *testing.T) {
	t.Parallel()
	l := busySession(t)
	recs := Recommend(l, "en", nil)
	f := PromptFacts(l, recs)
	b, _ := json.Marshal(f)
	for _, uid := range []string{`"a"`, `"b"`, `"e"`, `"ca"`, `"cb"`} {
		if strings.Contains(string(b), uid) {
			t.Errorf("facts mention %s: %s", uid, b)
		}
	}
	if f.Recommendations[1].Subjects[0] != "P1" || f.Recommendations[3].Subjects[0] != "P2" || f.SharedCount != 5 || !f.Stuck {
		t.Errorf("%s", b)
	}
	texts := map[string]string{
		"r1": "Nothing new for some time: offer one fresh question.",
		"r2": "Invite P1 to open the next round.",
		"r3": "Invite P2 to wait.",  // names the wrong person: refused
		"r4": "Ask e to hold back.", // contains a uid: refused
	}
	out := ApplyModelTexts(recs, f, texts, "en", []string{"a", "b", "c", "d", "e"})
	if out[0].Source != SourceModel || out[1].Text != "Invite {subject} to open the next round." || out[1].Source != SourceModel {
		t.Errorf("%+v %+v", out[0], out[1])
	}
	if out[2].Source != SourceFallback || out[3].Source != SourceFallback || recs[1].Source != SourceFallback {
		t.Errorf("refused texts applied: %+v %+v", out[2], out[3])
	}
	// The model text survives the next round for the same situation.
	if again := Recommend(l, "en", out); again[1].Text != out[1].Text || again[1].Source != SourceModel {
		t.Errorf("%+v", again[1])
	}
	if again := Recommend(l, "de", out); again[1].Source != SourceFallback {
		t.Errorf("model text carried into another language: %+v", again[1])
	}
}
