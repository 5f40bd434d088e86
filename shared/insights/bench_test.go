package insights

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkApply folds in one entry of 20 patches (cards, connectors and
// moves of others' elements by 10 people) into a state that already knows
// 1,000 elements.
func BenchmarkApply(b *testing.B) {
	s := NewState("s1", DefaultConfig())
	s.SetPhases([]PhaseChange{{Phase: "pause", At: t0}})
	owners := map[string]string{}
	for i := range 1000 {
		owners[fmt.Sprintf("seed%d", i)] = fmt.Sprintf("u%d", i%50)
	}
	s.SeedOwners(owners, nil)
	lib := func(string) []string { return []string{"trust", "joy"} }
	mk := func(n int) LogEntry {
		ps := make([]Patch, 20)
		for j := range ps {
			uid := fmt.Sprintf("u%d", j%10)
			switch j % 4 {
			case 0:
				ps[j] = create(uid, fmt.Sprintf("c%d-%d", n, j), "card", map[string]any{"card_id": "k"})
			case 1:
				ps[j] = connector(uid, fmt.Sprintf("k%d-%d", n, j), "seed1", "seed2")
			default:
				ps[j] = update(uid, fmt.Sprintf("seed%d", (n+j)%1000))
			}
		}
		return LogEntry{ID: fmt.Sprintf("e%d", n), Patches: ps}
	}
	// A ring of 1,000 entries, replayed with fresh times: ids come back
	// after 100 s (long out of the exactly-once window), and the canvas
	// settles at a few thousand elements, as a real one would.
	entries := make([]LogEntry, 1000)
	for i := range entries {
		entries[i] = mk(i)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		e := entries[n%len(entries)]
		e.T = at(time.Duration(n) * 100 * time.Millisecond)
		s.Apply(e, everyone, lib)
		n++
	}
}

// BenchmarkSnapshot builds the view of 50 participants over 4 phases.
func BenchmarkSnapshot(b *testing.B) {
	s := NewState("s1", DefaultConfig())
	var phases []PhaseChange
	for i, p := range Phases {
		phases = append(phases, PhaseChange{Phase: p, At: t0.Add(time.Duration(i) * 10 * time.Minute)})
	}
	s.SetPhases(phases)
	lib := func(string) []string { return []string{"trust", "joy"} }
	people := make([]string, 50)
	for i := range people {
		people[i] = fmt.Sprintf("u%d", i)
	}
	for n := range 2400 {
		uid := people[n%50]
		p := update(uid, "n")
		if n%5 == 0 {
			p = create(uid, fmt.Sprintf("c%d", n), "card", map[string]any{"card_id": "k"})
		}
		s.Apply(LogEntry{ID: fmt.Sprintf("e%d", n), T: at(time.Duration(n) * time.Second), Patches: []Patch{p}}, everyone, lib)
	}
	now := t0.Add(40 * time.Minute)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = s.Snapshot(now, people, everyone)
	}
}
