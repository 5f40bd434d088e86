package insights

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// t0 is on a 10-second boundary, so active slots are easy to count by hand.
var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

func everyone(string) bool { return true }

func only(uids ...string) func(string) bool {
	return func(u string) bool { return slices.Contains(uids, u) }
}

func noThemes(string) []string { return nil }

func create(from, id, kind string, props map[string]any) Patch {
	return Patch{ID: id, Kind: kind, Owner: from, From: from, OpID: "op-" + id, Props: props}
}

func update(from, id string) Patch {
	return Patch{ID: id, Kind: "note", From: from, Props: map[string]any{"x": 1.0}}
}

func connector(from, id, a, b string) Patch {
	return create(from, id, "connector", map[string]any{
		"from": map[string]any{"element": a, "anchor": "right"},
		"to":   map[string]any{"element": b, "anchor": "left"},
	})
}

// entrySeq numbers entries across the parallel tests.
var entrySeq atomic.Int64

func entry(d time.Duration, ps ...Patch) LogEntry {
	return LogEntry{ID: fmt.Sprintf("e%06d", entrySeq.Add(1)), T: at(d), Patches: ps}
}

// ops makes n update ops of uid on its own element, one entry each,
// starting at d every step.
func ops(uid string, n int, d, step time.Duration) []LogEntry {
	if n == 0 {
		return nil
	}
	out := []LogEntry{entry(d, create(uid, uid+"-el", "note", nil))}
	for i := 1; i < n; i++ {
		out = append(out, entry(d+time.Duration(i)*step, update(uid, uid+"-el")))
	}
	return out
}

type scenario struct {
	cfg     *Config
	phases  []PhaseChange
	seed    map[string]string
	entries []LogEntry
	themes  func(string) []string
	shared  func(string) bool
	people  []string
	now     time.Duration
}

func (sc scenario) run() (*State, Live) {
	cfg := DefaultConfig()
	if sc.cfg != nil {
		cfg = *sc.cfg
	}
	s := NewState("s1", cfg)
	phases := sc.phases
	if phases == nil {
		phases = []PhaseChange{{Phase: "pause", At: t0}}
	}
	s.SetPhases(phases)
	if sc.seed != nil {
		s.SeedOwners(sc.seed, nil)
	}
	shared := sc.shared
	if shared == nil {
		shared = everyone
	}
	themes := sc.themes
	if themes == nil {
		themes = noThemes
	}
	for _, e := range sc.entries {
		s.Apply(e, shared, themes)
	}
	return s, s.Snapshot(t0.Add(sc.now), sc.people, shared)
}

func part(l Live, uid string) Participant {
	for _, p := range l.Participants {
		if p.UID == uid {
			return p
		}
	}
	return Participant{}
}
