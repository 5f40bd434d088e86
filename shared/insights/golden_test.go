package insights

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	updateGolden = flag.Bool("update", false, "rewrite testdata/insights/*/golden.json")
	generate     = flag.Bool("generate", false, "rewrite the fixture files of testdata/insights/session-12x4 from the generator")
)

const fixtureDir = "../../testdata/insights/session-12x4"

// golden is what golden.json holds: the view at the end, with the English
// recommendations in it.
type golden struct {
	Live Live `json:"live"`
	// UIDs is Live's uids field (not served, so not in Live's JSON).
	UIDs []string `json:"uids"`
}

func TestGolden(t *testing.T) {
	t.Parallel()
	if *generate {
		writeFixture(t, generateFixture())
	}
	fx := readFixture(t)
	got := replay(fx, fx.Entries)
	path := filepath.Join(fixtureDir, "golden.json")
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *updateGolden || *generate {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("replay of %s differs from golden.json (go test ./shared/insights -run TestGolden -update rewrites it):\n%s", fixtureDir, firstDiff(string(b), string(want)))
	}
	checkRanges(t, got.Live)

	// The same log delivered at least once and slightly out of order
	// (every entry twice, neighbours within 2 s swapped) gives the same.
	var messy []LogEntry
	for i := 0; i < len(fx.Entries); i++ {
		e := fx.Entries[i]
		if i+1 < len(fx.Entries) && i%3 == 0 && fx.Entries[i+1].T-e.T < 2000 {
			messy = append(messy, fx.Entries[i+1], e, fx.Entries[i+1])
			i++
			continue
		}
		messy = append(messy, e, e)
	}
	again, _ := json.MarshalIndent(replay(fx, messy), "", "  ")
	if !bytes.Equal(append(again, '\n'), want) {
		t.Errorf("duplicated, reordered replay differs:\n%s", firstDiff(string(again), string(want)))
	}
}

// TestGoldenFixture checks the committed fixture is the generator's output
// and the story it tells.
func TestGoldenFixture(t *testing.T) {
	t.Parallel()
	fx := readFixture(t)
	gen := generateFixture()
	if len(fx.Entries) != len(gen.Entries) || mustJSON(t, fx.Entries) != mustJSON(t, gen.Entries) {
		t.Errorf("ops.jsonl is not what the generator makes (go test ./shared/insights -run TestGolden -generate)")
	}
	l := replay(fx, fx.Entries).Live
	s := l.Session
	if !slices.Equal(s.Quiet, []string{"p07"}) || !slices.Equal(s.Dominant, []string{"p03"}) {
		t.Errorf("quiet %v dominant %v", s.Quiet, s.Dominant)
	}
	if len(s.Breakthroughs) != 1 || s.Breakthroughs[0].Phase != "doing" || s.Stuck == nil || s.Stuck.Phase != "doing" {
		t.Errorf("breakthroughs %+v stuck %+v", s.Breakthroughs, s.Stuck)
	}
	if s.SharedCount != 10 || s.NotShared != 2 || len(s.Themes) == 0 {
		t.Errorf("%+v", s)
	}
	for _, p := range l.Participants {
		if (p.UID == "p11" || p.UID == "p12") && (p.Shared || p.Totals != nil) {
			t.Errorf("%s is shown", p.UID)
		}
	}
	// The figures the fixture's README checks by hand.
	p07 := part(l, "p07")
	for _, tc := range []struct {
		phase             string
		ops, active, idle int
		perMin, pct       float64
	}{
		{"pause", 2, 20, 1, 0.25, 4.2},
		{"expand", 2, 20, 2, 0.17, 2.8},
		{"focus", 1, 10, 2, 0.08, 1.4},
		{"doing", 1, 10, 2, 0.13, 2.1},
	} {
		m := p07.Phases[tc.phase]
		if m.Ops != tc.ops || m.ActiveSeconds != tc.active || m.IdlePeriods != tc.idle || m.OpsPerMin != tc.perMin || m.ActivePct != tc.pct {
			t.Errorf("p07 in %s: %+v", tc.phase, m)
		}
	}
	if tot := p07.Totals; tot.Ops != 6 || tot.OpsPerMin != 0.15 || tot.ActivePct != 2.5 || tot.IdlePeriods != 7 || tot.IdleNowSeconds != 239 ||
		tot.Interactions != 1 || tot.CardThemes["trust"] != 1 || tot.CardThemes["courage"] != 1 || !slices.Equal(p07.Flags, []string{FlagQuiet, FlagIdle}) {
		t.Errorf("p07 totals %+v flags %v", *tot, p07.Flags)
	}
	if s.Gini != 0.403 || s.Balance != 59.7 || s.Breakthroughs[0].Connections != 10 ||
		!s.Breakthroughs[0].At.Equal(fixStart.Add(34*time.Minute+3150*time.Millisecond)) ||
		!s.Stuck.Since.Equal(fixStart.Add(34*time.Minute+21150*time.Millisecond)) {
		t.Errorf("session %+v", s)
	}
}

func replay(fx Fixture, entries []LogEntry) golden {
	shared := func(uid string) bool {
		return slices.ContainsFunc(fx.Participants, func(p FixtureParticipant) bool { return p.UID == uid && p.Shared })
	}
	themes := func(id string) []string { return fx.Cards[id] }
	s := NewState("session-12x4", DefaultConfig())
	s.SetPhases(fx.Phases)
	for _, e := range entries {
		s.Apply(e, shared, themes)
	}
	var uids []string
	for _, p := range fx.Participants {
		uids = append(uids, p.UID)
	}
	l := s.Snapshot(fx.End, uids, shared)
	l.Recommendations = Recommend(l, "en", nil)
	return golden{Live: l, UIDs: l.UIDs}
}

func readFixture(t *testing.T) Fixture {
	t.Helper()
	fx, err := ReadFixture(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func writeFixture(t *testing.T, fx Fixture) {
	t.Helper()
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(fixtureDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	indent := func(v any) []byte {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return append(b, '\n')
	}
	write("participants.json", indent(fx.Participants))
	write("phases.json", indent(fx.Phases))
	write("cards.json", indent(fx.Cards))
	write("end.txt", []byte(fx.End.Format(time.RFC3339)+"\n"))
	var ops bytes.Buffer
	for _, e := range fx.Entries {
		ops.WriteString(mustJSON(t, e))
		ops.WriteByte('\n')
	}
	write("ops.jsonl", ops.Bytes())
}

// firstDiff shows the first differing line with some context.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}
