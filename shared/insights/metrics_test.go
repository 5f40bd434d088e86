package insights

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestGini(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 0},
		{[]float64{0, 0, 0}, 0},
		{[]float64{1, 1, 1, 1}, 0},
		{[]float64{0, 0, 0, 4}, 0.75},
		{[]float64{0, 4}, 0.5},
		{[]float64{1, 2, 3}, 2.0 / 9},
		{[]float64{-5, 0, 0, 4}, 0.75},
		{[]float64{math.NaN(), 0, 0, 4}, 0.75},
	} {
		if got := Gini(tc.xs); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Gini(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

func TestPhaseMetrics(t *testing.T) {
	t.Parallel()
	s := time.Second
	for _, tc := range []struct {
		name       string
		entries    []LogEntry
		now        time.Duration
		ops        int
		perMin     float64
		active     int
		activePct  float64
		idle       int
		idleNow    int
		flaggedIdl bool
	}{
		// 3 ops at +5 s, +7 s (same slot) and +25 s; the phase has run
		// 2 min: 1.5 ops/min, slots 0 and 2 → 20 s of 120 s.
		{"rate and active", []LogEntry{entry(5*s, create("a", "n1", "note", nil)), entry(7*s, update("a", "n1")), entry(25*s, update("a", "n1"))},
			2 * time.Minute, 3, 1.5, 20, 16.7, 0, 95, false},
		// Under a minute the divisor is 1 minute.
		{"min one minute", []LogEntry{entry(5*s, create("a", "n1", "note", nil)), entry(6*s, update("a", "n1"))},
			30 * s, 2, 2, 10, 33.3, 0, 24, false},
		// Gap +30 s → +3 min is 2.5 min (1); the open gap from +3m30
		// to +6 min is 2.5 min (1).
		{"idle incl. open gap", []LogEntry{entry(30*s, create("a", "n1", "note", nil)), entry(3*time.Minute, update("a", "n1")), entry(3*time.Minute+30*s, update("a", "n1"))},
			6 * time.Minute, 3, 0.5, 30, 8.3, 2, 150, true},
		// The gap from the phase start counts.
		{"gap from phase start", []LogEntry{entry(2*time.Minute+10*s, create("a", "n1", "note", nil))},
			3 * time.Minute, 1, 0.33, 10, 5.6, 1, 50, false},
		// An open gap just under 2 min does not count yet.
		{"open gap below", []LogEntry{entry(10*s, create("a", "n1", "note", nil))},
			2*time.Minute + 9*s, 1, 0.47, 10, 7.8, 0, 119, false},
		{"no ops", nil, 5 * time.Minute, 0, 0, 0, 0, 1, 300, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, l := scenario{entries: tc.entries, people: []string{"a"}, now: tc.now}.run()
			m := part(l, "a").Phases["pause"]
			if m.Ops != tc.ops || m.OpsPerMin != tc.perMin || m.ActiveSeconds != tc.active || m.ActivePct != tc.activePct ||
				m.IdlePeriods != tc.idle || m.IdleNowSeconds != tc.idleNow {
				t.Errorf("got ops %d %.2f/min active %d s %.1f%% idle %d now %d s; want %d %.2f %d %.1f %d %d",
					m.Ops, m.OpsPerMin, m.ActiveSeconds, m.ActivePct, m.IdlePeriods, m.IdleNowSeconds,
					tc.ops, tc.perMin, tc.active, tc.activePct, tc.idle, tc.idleNow)
			}
			if got := slices.Contains(part(l, "a").Flags, FlagIdle); got != tc.flaggedIdl {
				t.Errorf("idle flag %v, want %v", got, tc.flaggedIdl)
			}
		})
	}
}

func TestClamps(t *testing.T) {
	t.Parallel()
	// 300 ops in one second: 300/min clamps to 120.
	var es []LogEntry
	es = append(es, entry(0, create("a", "n1", "note", nil)))
	for range 299 {
		es = append(es, entry(500*time.Millisecond, update("a", "n1")))
	}
	_, l := scenario{entries: es, people: []string{"a"}, now: 30 * time.Second}.run()
	m := part(l, "a").Phases["pause"]
	if m.Ops != 300 || m.OpsPerMin != 120 || m.ActivePct != 33.3 {
		t.Errorf("ops %d, %.2f/min, %.1f%%", m.Ops, m.OpsPerMin, m.ActivePct)
	}
	// Ops before the phase started: active time exceeds the phase's
	// time, active_pct clamps at 100.
	_, l = scenario{entries: []LogEntry{entry(-30*time.Second, create("a", "n1", "note", nil)), entry(-15*time.Second, update("a", "n1")), entry(0, update("a", "n1"))},
		people: []string{"a"}, now: 5 * time.Second}.run()
	if m := part(l, "a").Phases["pause"]; m.ActivePct != 100 || m.Ops != 3 {
		t.Errorf("early ops: %+v", m)
	}
}

func TestPhaseOfOp(t *testing.T) {
	t.Parallel()
	m := time.Minute
	_, l := scenario{
		phases: []PhaseChange{{Phase: "expand", At: t0.Add(10 * m)}, {Phase: "pause", At: t0}},
		entries: []LogEntry{
			entry(-m, create("a", "n1", "note", nil)), // before the first change → pause
			entry(5*m, update("a", "n1")),
			entry(10*m, update("a", "n1")), // at the change → expand
			entry(11*m, create("a", "c1", "card", map[string]any{"card_id": "k1"})),
		},
		people: []string{"a"}, now: 12 * m,
	}.run()
	p := part(l, "a")
	if p.Phases["pause"].Ops != 2 || p.Phases["expand"].Ops != 2 || p.Totals.Ops != 4 {
		t.Fatalf("pause %d expand %d total %d", p.Phases["pause"].Ops, p.Phases["expand"].Ops, p.Totals.Ops)
	}
	if l.Phase != "expand" || !l.PhaseStartedAt.Equal(t0.Add(10*m)) {
		t.Errorf("phase %s since %v", l.Phase, l.PhaseStartedAt)
	}
	if l.Session.PhaseSeconds["pause"] != 600 || l.Session.PhaseSeconds["expand"] != 120 {
		t.Errorf("phase seconds %v", l.Session.PhaseSeconds)
	}
	if p.Phases["pause"].IdleNowSeconds != 0 || p.Phases["expand"].IdleNowSeconds != 60 || p.Totals.IdleNowSeconds != 60 {
		t.Errorf("idle now: pause %d expand %d total %d", p.Phases["pause"].IdleNowSeconds, p.Phases["expand"].IdleNowSeconds, p.Totals.IdleNowSeconds)
	}
	// Totals: 4 ops over 12 minutes.
	if p.Totals.OpsPerMin != 0.33 || p.Totals.CardsPlaced != 1 || p.Totals.ElementsByKind["note"] != 1 {
		t.Errorf("totals %+v", *p.Totals)
	}
	// pause: the gap before +5 min counts from the phase start (t0, the
	// early op does not move it): 1; +5 → +10 min is the stint's
	// trailing gap: 1.
	if p.Phases["pause"].IdlePeriods != 2 {
		t.Errorf("pause idle %d", p.Phases["pause"].IdlePeriods)
	}
}

func TestPhaseRevisited(t *testing.T) {
	t.Parallel()
	m := time.Minute
	_, l := scenario{
		phases: []PhaseChange{{Phase: "pause", At: t0}, {Phase: "expand", At: t0.Add(4 * m)}, {Phase: "pause", At: t0.Add(8 * m)}},
		entries: []LogEntry{
			entry(m, create("a", "n1", "note", nil)),
			entry(5*m, update("a", "n1")),
			entry(9*m, update("a", "n1")),
		},
		people: []string{"a"}, now: 10 * m,
	}.run()
	p := part(l, "a")
	if p.Phases["pause"].Ops != 2 || l.Session.PhaseSeconds["pause"] != 6*60 || l.Session.PhaseSeconds["expand"] != 4*60 {
		t.Fatalf("pause %+v seconds %v", p.Phases["pause"], l.Session.PhaseSeconds)
	}
	// pause: +1 → +4 trailing (3 min) 1; second stint: nothing ≥ 2 min.
	// expand: +4 → +5 no; +5 → +8 trailing 1.
	if p.Phases["pause"].IdlePeriods != 1 || p.Phases["expand"].IdlePeriods != 1 || p.Phases["pause"].IdleNowSeconds != 60 {
		t.Errorf("idle pause %d expand %d now %d", p.Phases["pause"].IdlePeriods, p.Phases["expand"].IdlePeriods, p.Phases["pause"].IdleNowSeconds)
	}
}

func TestInteractions(t *testing.T) {
	t.Parallel()
	s := time.Second
	_, l := scenario{
		seed: map[string]string{"e1": "b"},
		entries: []LogEntry{
			entry(1*s, create("a", "n1", "note", nil)),       // own: no
			entry(2*s, update("a", "e1")),                    // b's (seeded): 1
			entry(3*s, update("a", "n1")),                    // own: no
			entry(4*s, connector("a", "k1", "n1", "e1")),     // touches b's: 1
			entry(5*s, connector("a", "k2", "n1", "n1")),     // own ends: 0
			entry(6*s, create("b", "n2", "note", nil)),       // b's own
			entry(7*s, update("a", "n2"), update("a", "n2")), // 2 patches: 2
			entry(8*s, update("a", "unknown")),               // owner unknown: 0
			entry(9*s, update("b", "k1")),                    // b on a's connector: 1 for b
		},
		people: []string{"a", "b"}, now: time.Minute,
	}.run()
	a, b := part(l, "a").Phases["pause"], part(l, "b").Phases["pause"]
	if a.Interactions != 4 || a.Connections != 2 || a.ElementsByKind["connector"] != 2 || a.Ops != 8 {
		t.Errorf("a: interactions %d connections %d kinds %v ops %d", a.Interactions, a.Connections, a.ElementsByKind, a.Ops)
	}
	if b.Interactions != 1 || b.Ops != 2 {
		t.Errorf("b: interactions %d ops %d", b.Interactions, b.Ops)
	}
}

func TestThemes(t *testing.T) {
	t.Parallel()
	s := time.Second
	lib := map[string][]string{"k1": {"trust", "change"}, "k2": {"trust"}, "k3": {"change", "joy"}, "k4": {"joy"}}
	card := func(from, id, cardID string) Patch {
		return create(from, id, "card", map[string]any{"card_id": cardID})
	}
	_, l := scenario{
		themes: func(id string) []string { return lib[id] },
		entries: []LogEntry{
			entry(1*s, card("a", "c1", "k1")),
			entry(2*s, card("a", "c2", "k2")),
			entry(3*s, card("b", "c3", "k2")),
			entry(4*s, card("c", "c4", "k3")),
			entry(5*s, card("c", "c5", "k4")),
			entry(6*s, card("x", "c6", "k4")), // not shared
		},
		shared: only("a", "b", "c"),
		people: []string{"a", "b", "c", "x"}, now: time.Minute,
	}.run()
	want := []ThemeCount{{"trust", 2, 3}, {"change", 2, 2}} // joy: c only (x does not count)
	if !slices.Equal(l.Session.Themes, want) {
		t.Errorf("themes %v, want %v", l.Session.Themes, want)
	}
	if a := part(l, "a").Totals; a.CardsPlaced != 2 || a.CardThemes["trust"] != 2 || a.CardThemes["change"] != 1 {
		t.Errorf("a %+v", a)
	}
}

func TestQuietDominant(t *testing.T) {
	t.Parallel()
	mk := func(counts map[string]int) []LogEntry {
		var es []LogEntry
		for _, uid := range sortedKeys(counts) {
			es = append(es, ops(uid, counts[uid], 0, time.Second)...)
		}
		return es
	}
	for _, tc := range []struct {
		name            string
		counts          map[string]int
		quiet, dominant []string
	}{
		// a: others' median 6 ≥ 5, 1 < 1.5 → quiet; e: median of
		// [1 6 6 6] is 6, 20 ≥ 18 and ≥ 10 → dominant.
		{"both", map[string]int{"a": 1, "b": 6, "c": 6, "d": 6, "e": 20}, []string{"a"}, []string{"e"}},
		// Others' median 4 < 5: nobody is quiet; 12 ≥ 3·4 and ≥ 10.
		{"small median", map[string]int{"a": 0, "b": 4, "c": 4, "d": 12}, []string{}, []string{"d"}},
		// 2 = 25 % of 8 is not below it.
		{"at the quiet line", map[string]int{"a": 2, "b": 8, "c": 8}, []string{}, []string{}},
		// 9 ≥ 3·3 but < 10 ops.
		{"dominant needs 10", map[string]int{"a": 9, "b": 3, "c": 3}, []string{}, []string{}},
		{"alone", map[string]int{"a": 50}, []string{}, []string{}},
		// a: the others' median is 0, so 10 ops are dominant; b and c:
		// the others' median is (10+0)/2 = 5, 0 < 1.25 → quiet.
		{"others idle", map[string]int{"a": 10, "b": 0, "c": 0}, []string{"b", "c"}, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, l := scenario{entries: mk(tc.counts), people: sortedKeys(tc.counts), now: 5 * time.Minute}.run()
			if !slices.Equal(l.Session.Quiet, tc.quiet) || !slices.Equal(l.Session.Dominant, tc.dominant) {
				t.Errorf("quiet %v dominant %v, want %v %v", l.Session.Quiet, l.Session.Dominant, tc.quiet, tc.dominant)
			}
			for _, uid := range tc.quiet {
				if !slices.Contains(part(l, uid).Flags, FlagQuiet) {
					t.Errorf("%s not flagged quiet", uid)
				}
			}
			for _, uid := range tc.dominant {
				if !slices.Contains(part(l, uid).Flags, FlagDominant) {
					t.Errorf("%s not flagged dominant", uid)
				}
			}
		})
	}
}

func TestBalance(t *testing.T) {
	t.Parallel()
	es := append(ops("a", 4, 0, time.Second), ops("b", 4, 0, time.Second)...)
	_, l := scenario{entries: es, people: []string{"a", "b", "c", "d"}, now: time.Minute}.run()
	// [4 4 0 0]: Gini 0.5, balance 50.
	if l.Session.Gini != 0.5 || l.Session.Balance != 50 {
		t.Errorf("gini %v balance %v", l.Session.Gini, l.Session.Balance)
	}
}

func TestStuck(t *testing.T) {
	t.Parallel()
	m := time.Minute
	es := []LogEntry{entry(m, create("a", "n1", "note", nil)), entry(4*m, update("a", "n1"))} // an update is no new element
	for _, tc := range []struct {
		name  string
		es    []LogEntry
		now   time.Duration
		since time.Duration
		stuck bool
	}{
		{"not yet", es, 6*m - time.Second, 0, false},
		{"five minutes after the last create", es, 6 * m, m, true},
		{"phase younger than five minutes", nil, 4 * m, 0, false},
		{"empty phase", nil, 5 * m, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, l := scenario{entries: tc.es, people: []string{"a"}, now: tc.now}.run()
			if (l.Session.Stuck != nil) != tc.stuck {
				t.Fatalf("stuck %+v, want %v", l.Session.Stuck, tc.stuck)
			}
			if tc.stuck && (!l.Session.Stuck.Since.Equal(t0.Add(tc.since)) || l.Session.Stuck.Phase != "pause") {
				t.Errorf("stuck %+v", l.Session.Stuck)
			}
		})
	}
}

func TestBreakthroughOncePerBurst(t *testing.T) {
	t.Parallel()
	s := time.Second
	var es []LogEntry
	es = append(es, entry(0, create("a", "n1", "note", nil)), entry(0, create("b", "n2", "note", nil)))
	// Burst 1: 10 connectors 10 s apart (the 8th at +80 s).
	for i := range 10 {
		uid := []string{"a", "b"}[i%2]
		es = append(es, entry(time.Duration(i+1)*10*s, connector(uid, "k"+string(rune('a'+i)), "n1", "n2")))
	}
	// 7 connectors 20 s apart never make 8 in 2 min.
	for i := range 7 {
		es = append(es, entry(5*time.Minute+time.Duration(i)*20*s, connector("a", "m"+string(rune('a'+i)), "n1", "n2")))
	}
	// Burst 2 after a pause: 8 within a minute.
	for i := range 8 {
		es = append(es, entry(12*time.Minute+time.Duration(i)*5*s, connector("b", "p"+string(rune('a'+i)), "n1", "n2")))
	}
	_, l := scenario{entries: es, people: []string{"a", "b"}, now: 15 * time.Minute}.run()
	want := []Breakthrough{
		{Phase: "pause", At: t0.Add(80 * s), Connections: 10},
		{Phase: "pause", At: t0.Add(12*time.Minute + 35*s), Connections: 8},
	}
	if !slices.Equal(l.Session.Breakthroughs, want) {
		t.Errorf("breakthroughs %+v, want %+v", l.Session.Breakthroughs, want)
	}
}
