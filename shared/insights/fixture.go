package insights

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Fixture is a recorded session as the files of testdata/insights/<name>
// hold it. The engine's golden test and the function's end-to-end test
// replay the same recording, so both read it through ReadFixture and
// cannot drift apart on its format.
type Fixture struct {
	Participants []FixtureParticipant
	Phases       []PhaseChange
	Cards        map[string][]string
	Entries      []LogEntry
	End          time.Time
}

// FixtureParticipant is one line of participants.json: Shared is whether
// the participant has shared canvas_insights.
type FixtureParticipant struct {
	UID    string `json:"uid"`
	Shared bool   `json:"shared"`
}

// ReadFixture reads the recording in dir: participants.json, phases.json,
// cards.json (card id → themes), end.txt (RFC 3339) and ops.jsonl (one
// LogEntry a line). golden.json is left to the caller, whose view of it
// differs.
func ReadFixture(dir string) (Fixture, error) {
	var fx Fixture
	for name, v := range map[string]any{
		"participants.json": &fx.Participants,
		"phases.json":       &fx.Phases,
		"cards.json":        &fx.Cards,
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return Fixture{}, err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return Fixture{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	end, err := os.ReadFile(filepath.Join(dir, "end.txt"))
	if err != nil {
		return Fixture{}, err
	}
	if fx.End, err = time.Parse(time.RFC3339, strings.TrimSpace(string(end))); err != nil {
		return Fixture{}, fmt.Errorf("end.txt: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, "ops.jsonl"))
	if err != nil {
		return Fixture{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return Fixture{}, fmt.Errorf("ops.jsonl: %w", err)
		}
		fx.Entries = append(fx.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return Fixture{}, fmt.Errorf("ops.jsonl: %w", err)
	}
	return fx, nil
}
