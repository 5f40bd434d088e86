package insights

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExactlyOnce(t *testing.T) {
	t.Parallel()
	s := NewState("s1", DefaultConfig())
	s.SetPhases([]PhaseChange{{Phase: "pause", At: t0}})
	e := entry(time.Second, create("a", "n1", "note", nil), update("a", "n1"))
	for range 3 {
		s.Apply(e, everyone, noThemes)
	}
	// Redelivered after newer entries, while still in the window.
	s.Apply(entry(5*time.Second, update("a", "n1")), everyone, noThemes)
	s.Apply(e, everyone, noThemes)
	l := s.Snapshot(t0.Add(time.Minute), []string{"a"}, everyone)
	if got := part(l, "a").Totals.Ops; got != 3 {
		t.Errorf("ops %d, want 3", got)
	}
	// Long after: the id has left the window, the entry is too late.
	s.Apply(entry(time.Minute, update("a", "n1")), everyone, noThemes)
	s.Apply(e, everyone, noThemes)
	l = s.Snapshot(t0.Add(2*time.Minute), []string{"a"}, everyone)
	if got := part(l, "a").Totals.Ops; got != 4 || s.Late != 1 {
		t.Errorf("ops %d late %d, want 4 and 1", got, s.Late)
	}
	if len(s.Recent) != 1 {
		t.Errorf("recent ids %v: the window should hold one", s.Recent)
	}
}

func TestOutOfOrderWithinTolerance(t *testing.T) {
	t.Parallel()
	s := time.Second
	in := []LogEntry{
		entry(0, create("a", "n1", "note", nil)),
		entry(3*s, update("a", "n1")),
		entry(12*s, update("a", "n1")),
		entry(15*s, connector("a", "k1", "n1", "n1")),
		entry(21*s, update("a", "n1")),
	}
	_, want := scenario{entries: in, people: []string{"a"}, now: time.Minute}.run()
	shuffled := []LogEntry{in[0], in[2], in[1], in[4], in[3]} // each ≤ 9 s late
	_, got := scenario{entries: shuffled, people: []string{"a"}, now: time.Minute}.run()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("out of order:\n got %+v\nwant %+v", part(got, "a").Totals, part(want, "a").Totals)
	}
	if m := part(got, "a").Totals; m.Ops != 5 || m.ActiveSeconds != 30 {
		t.Errorf("ops %d active %d", m.Ops, m.ActiveSeconds)
	}
	// 18 s late is beyond the tolerance: dropped.
	st, l := scenario{entries: []LogEntry{in[0], in[4], in[1]}, people: []string{"a"}, now: time.Minute}.run()
	if part(l, "a").Totals.Ops != 2 || st.Late != 1 {
		t.Errorf("late entry: ops %d late %d", part(l, "a").Totals.Ops, st.Late)
	}
}

func TestConsent(t *testing.T) {
	t.Parallel()
	s := time.Second
	lib := func(string) []string { return []string{"trust"} }
	base := []LogEntry{
		entry(1*s, create("a", "n1", "note", nil)),
		entry(2*s, create("b", "c1", "card", map[string]any{"card_id": "k"})),
		entry(3*s, create("c", "c2", "card", map[string]any{"card_id": "k"})),
	}
	for i := range 8 {
		base = append(base, entry(time.Duration(10+i)*s, connector("b", "kb"+string(rune('a'+i)), "n1", "c1")))
	}
	people := []string{"a", "b", "c", "x"}
	shared := only("a", "b", "c")
	_, want := scenario{entries: base, themes: lib, shared: shared, people: people, now: 10 * time.Minute}.run()
	// x, not sharing, is busy on its own elements: nothing changes.
	withX := slices.Clone(base)
	withX = append(withX, entry(4*s, create("x", "cx", "card", map[string]any{"card_id": "k"})))
	for i := range 30 {
		withX = append(withX, entry(time.Duration(20+i)*s, connector("x", "kx"+string(rune('a'+i)), "cx", "cx")))
	}
	st, got := scenario{entries: withX, themes: lib, shared: shared, people: people, now: 10 * time.Minute}.run()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a non-shared participant's ops changed the view:\n got %+v\nwant %+v", got.Session, want.Session)
	}
	if _, ok := st.People["x"]; ok {
		t.Error("state holds figures of x")
	}
	if strings.Contains(mustJSON(t, st), `"x"`) {
		t.Errorf("state mentions x: %s", mustJSON(t, st))
	}
	if p := part(got, "x"); p.Shared || p.Totals != nil || p.Phases != nil || p.Flags != nil {
		t.Errorf("x: %+v", p)
	}
	if b, _ := json.Marshal(part(got, "x")); string(b) != `{"uid":"x","shared":false}` {
		t.Errorf("x as JSON: %s", b)
	}
	if got.Session.NotShared != 1 || got.Session.SharedCount != 3 || !slices.Equal(got.UIDs, []string{"a", "b", "c"}) {
		t.Errorf("counts %d/%d uids %v", got.Session.SharedCount, got.Session.NotShared, got.UIDs)
	}
}

func TestForget(t *testing.T) {
	t.Parallel()
	s := time.Second
	lib := func(string) []string { return []string{"trust"} }
	es := []LogEntry{
		entry(1*s, create("a", "n1", "note", nil)),
		entry(2*s, create("b", "c1", "card", map[string]any{"card_id": "k"})),
		entry(3*s, create("c", "c2", "card", map[string]any{"card_id": "k"})),
		entry(4*s, update("a", "c1")),
	}
	for i := range 12 {
		es = append(es, entry(time.Duration(10+i)*s, connector("b", "kb"+string(rune('a'+i)), "c1", "n1")))
	}
	for i := range 40 {
		es = append(es, entry(time.Duration(30+i)*s, update("b", "c1")))
	}
	people := []string{"a", "b", "c"}
	st, before := scenario{entries: es, themes: lib, people: people, now: 3 * time.Minute}.run()
	if len(before.Session.Themes) != 1 || len(before.Session.Breakthroughs) != 1 || !slices.Contains(before.Session.Dominant, "b") {
		t.Fatalf("setup: %+v", before.Session)
	}
	recs := Recommend(before, "en", nil)
	if !slices.ContainsFunc(recs, func(r Recommendation) bool { return slices.Contains(r.Subjects, "b") }) {
		t.Fatalf("setup: no recommendation about b: %+v", recs)
	}
	st.Forget("b")
	if strings.Contains(mustJSON(t, st), `"b"`) {
		t.Errorf("state still mentions b: %s", mustJSON(t, st))
	}
	notB := only("a", "c")
	after := st.Snapshot(t0.Add(3*time.Minute), people, notB)
	if len(after.Session.Themes) != 0 || len(after.Session.Breakthroughs) != 0 || len(after.Session.Dominant) != 0 ||
		slices.Contains(after.UIDs, "b") || after.Session.SharedCount != 2 {
		t.Errorf("after forgetting b: %+v uids %v", after.Session, after.UIDs)
	}
	for _, r := range Recommend(after, "en", recs) {
		if slices.Contains(r.Subjects, "b") {
			t.Errorf("recommendation about b: %+v", r)
		}
	}
	// a's work on b's card still counts as interaction: the card is
	// someone else's.
	if got := part(after, "a").Totals.Interactions; got != 1 {
		t.Errorf("a's interactions %d", got)
	}
	// Even with b still marked shared, nothing of b is left.
	if p := part(st.Snapshot(t0.Add(3*time.Minute), people, everyone), "b"); p.Totals.Ops != 0 || p.Totals.Connections != 0 {
		t.Errorf("b after forget: %+v", p.Totals)
	}
}

func TestStateRoundTripJSON(t *testing.T) {
	t.Parallel()
	lib := func(string) []string { return []string{"trust", "joy"} }
	var es []LogEntry
	for i := range 60 {
		uid := []string{"a", "b", "c"}[i%3]
		d := time.Duration(i) * 7 * time.Second
		switch i % 4 {
		case 0:
			es = append(es, entry(d, create(uid, uid+string(rune('a'+i%26))+"c", "card", map[string]any{"card_id": "k"})))
		case 1:
			es = append(es, entry(d, connector(uid, "k"+string(rune('a'+i%26))+uid, "ac", "bc")))
		default:
			es = append(es, entry(d, update(uid, "ac")))
		}
	}
	phases := []PhaseChange{{Phase: "pause", At: t0}, {Phase: "expand", At: t0.Add(3 * time.Minute)}}
	people := []string{"a", "b", "c"}
	_, want := scenario{entries: es, phases: phases, themes: lib, people: people, now: 8 * time.Minute}.run()
	s := NewState("s1", DefaultConfig())
	s.SetPhases(phases)
	for i, e := range es {
		if i%7 == 0 { // store and load it now and then
			var back State
			if err := json.Unmarshal([]byte(mustJSON(t, s)), &back); err != nil {
				t.Fatal(err)
			}
			s = &back
		}
		s.Apply(e, everyone, lib)
	}
	got := s.Snapshot(t0.Add(8*time.Minute), people, everyone)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after JSON round trips:\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
	// A zero State (a document with no fields) is usable.
	var z State
	z.Apply(entry(0, create("a", "n", "note", nil)), everyone, nil)
	if l := z.Snapshot(t0.Add(time.Minute), []string{"a"}, everyone); part(l, "a").Totals.Ops != 1 {
		t.Errorf("zero state: %+v", part(l, "a").Totals)
	}
}

func TestSnapshotEmpty(t *testing.T) {
	t.Parallel()
	s := NewState("s1", DefaultConfig())
	l := s.Snapshot(t0, []string{"a", "x", "a", "x"}, only("a"))
	if l.Phase != "pause" || l.PhaseStartedAt != nil || l.Session.Stuck != nil || l.Definitions != 1 || len(l.Participants) != 2 ||
		l.Session.SharedCount != 1 || l.Session.NotShared != 1 {
		t.Errorf("%+v", l)
	}
	b := mustJSON(t, l)
	for _, want := range []string{`"quiet":[]`, `"themes":[]`, `"breakthroughs":[]`, `"recommendations":[]`, `"flags":[]`} {
		if !strings.Contains(b, want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if strings.Contains(b, "uids") {
		t.Errorf("uids are not served: %s", b)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An op on an element whose creation arrives later (within the
// tolerance) still counts as an interaction, once.
func TestInteractionBeforeCreate(t *testing.T) {
	t.Parallel()
	s := time.Second
	in := []LogEntry{
		entry(1*s, create("a", "n1", "note", nil)),
		entry(2*s, create("b", "n2", "note", nil), create("b", "n3", "note", nil)),
		entry(3*s, update("a", "n2")),
		entry(4*s, connector("a", "k1", "n2", "n3")),     // both ends b's: one
		entry(5*s, connector("a", "k2", "n1", "n2")),     // one
		entry(6*s, connector("b", "k3", "n2", "n3")),     // b's own: none
		entry(7*s, update("b", "n2"), update("a", "n1")), // none
	}
	_, want := scenario{entries: in, people: []string{"a", "b"}, now: time.Minute}.run()
	if got := part(want, "a").Totals.Interactions; got != 3 {
		t.Fatalf("in order: a has %d interactions, want 3", got)
	}
	late := []LogEntry{in[0], in[2], in[3], in[4], in[5], in[6], in[1]} // b's creates 5 s late
	st, got := scenario{entries: late, people: []string{"a", "b"}, now: time.Minute}.run()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("creates late: a %+v b %+v", part(got, "a").Totals, part(got, "b").Totals)
	}
	if len(st.Pending) != 0 {
		t.Errorf("pending %v", st.Pending)
	}
	// Never created: forgotten after the tolerance.
	st, _ = scenario{entries: []LogEntry{in[0], in[2], entry(20*s, update("a", "n1"))}, people: []string{"a"}, now: time.Minute}.run()
	if len(st.Pending) != 0 || len(st.Elements["n2"].Early) != 0 {
		t.Errorf("pending %v early %v", st.Pending, st.Elements["n2"].Early)
	}
}
