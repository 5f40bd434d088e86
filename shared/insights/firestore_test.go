package insights_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/shared/insights"
)

// State and Live go through the Go Firestore client unchanged: the
// restored state continues exactly where the stored one left off.
func TestFirestoreRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := fstest.NewClient(t, "demo-insights", firestore.Options{})
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	all := func(string) bool { return true }
	lib := func(string) []string { return []string{"trust"} }
	s := insights.NewState("s1", insights.DefaultConfig())
	s.SetPhases([]insights.PhaseChange{{Phase: "pause", At: t0}, {Phase: "expand", At: t0.Add(5 * time.Minute)}})
	s.SeedOwners(map[string]string{"seed": "z"}, map[string]string{"seed": "note"})
	for i := range 40 {
		uid := []string{"a", "b"}[i%2]
		p := insights.Patch{ID: "seed", Kind: "note", From: uid, Props: map[string]any{"x": 1.0}}
		switch i % 3 {
		case 0:
			p = insights.Patch{ID: "c" + string(rune('A'+i)), Kind: "card", Owner: uid, From: uid, Props: map[string]any{"card_id": "k"}}
		case 1:
			p = insights.Patch{ID: "k" + string(rune('A'+i)), Kind: "connector", Owner: uid, From: uid,
				Props: map[string]any{"from": map[string]any{"element": "seed", "anchor": "top"}, "to": map[string]any{"x": 1.0, "y": 2.0}}}
		}
		s.Apply(insights.LogEntry{ID: "e" + string(rune('A'+i)), T: t0.Add(time.Duration(i) * 9 * time.Second).UnixMilli(), Patches: []insights.Patch{p}}, all, lib)
	}
	doc := c.Doc("orgs/o1/sessions/s1/insights/state")
	if _, err := doc.Set(ctx, s); err != nil {
		t.Fatal(err)
	}
	snap, err := doc.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var back insights.State
	if err := snap.DataTo(&back); err != nil {
		t.Fatal(err)
	}
	next := insights.LogEntry{ID: "late", T: t0.Add(6 * time.Minute).UnixMilli(), Patches: []insights.Patch{{ID: "seed", From: "a", Props: map[string]any{"y": 2.0}}}}
	s.Apply(next, all, lib)
	back.Apply(next, all, lib)
	now := t0.Add(8 * time.Minute)
	want := s.Snapshot(now, []string{"a", "b"}, all)
	got := back.Snapshot(now, []string{"a", "b"}, all)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("restored state differs:\n got %s\nwant %s", g, w)
	}
	want.Recommendations = insights.Recommend(want, "en", nil)
	live := c.Doc("orgs/o1/sessions/s1/insights/live")
	if _, err := live.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	if snap, err = live.Get(ctx); err != nil {
		t.Fatal(err)
	}
	var l insights.Live
	if err := snap.DataTo(&l); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(l)
	w, _ := json.Marshal(want)
	if string(g) != string(w) || len(l.UIDs) != 2 {
		t.Errorf("live differs:\n got %s\nwant %s (uids %v)", g, w, l.UIDs)
	}
}
