package insights

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// FuzzApply feeds entries decoded from arbitrary bytes (any order, any
// times, duplicates, odd kinds and props) and checks that every metric
// stays in its documented range and the state still serialises.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("connectors connectors connectors connectors"))
	f.Add([]byte{255, 0, 255, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3, 3})
	f.Fuzz(applyRandom)
}

// applyRandom decodes entries from data, applies them and checks the view.
func applyRandom(t *testing.T, data []byte) {
	uids := []string{"a", "b", "c", "x"}
	shared := only("a", "b", "c")
	kinds := append([]string{"", "widget"}, Kinds...)
	s := NewState("s1", DefaultConfig())
	s.SetPhases([]PhaseChange{{Phase: "pause", At: t0}, {Phase: "expand", At: t0.Add(3 * time.Minute)}, {Phase: "pause", At: t0.Add(4 * time.Minute)}})
	lib := func(id string) []string { return []string{id, "trust"} }
	next := func(i *int) int {
		if *i >= len(data) {
			return 0
		}
		*i++
		return int(data[*i-1])
	}
	var now time.Duration
	for i := 0; i < len(data); {
		id := fmt.Sprintf("e%d", next(&i)%24)
		d := time.Duration(next(&i)-40) * 3 * time.Second
		now = max(now, d)
		var ps []Patch
		for range next(&i)%4 + 1 {
			from := uids[next(&i)%len(uids)]
			el := fmt.Sprintf("el%d", next(&i)%12)
			p := Patch{ID: el, From: from, Props: map[string]any{}}
			switch next(&i) % 4 {
			case 0:
				p.Owner, p.Kind = uids[next(&i)%len(uids)], kinds[next(&i)%len(kinds)]
				p.Props["card_id"] = fmt.Sprintf("k%d", next(&i)%3)
				p.Props["from"] = map[string]any{"element": fmt.Sprintf("el%d", next(&i)%12)}
				p.Props["to"] = map[string]any{"x": 1.0}
			case 1:
				p.Props["deleted"] = true
			case 2:
				p.ID = ""
			default:
				p.Props["from"] = "not a map"
			}
			ps = append(ps, p)
		}
		s.Apply(LogEntry{ID: id, T: at(d), Patches: ps}, shared, lib)
	}
	if next(new(int))%3 == 0 {
		s.Forget("b")
	}
	var back State
	if err := json.Unmarshal([]byte(mustJSON(t, s)), &back); err != nil {
		t.Fatal(err)
	}
	l := back.Snapshot(t0.Add(now+time.Duration(len(data))*time.Second), uids, shared)
	checkRanges(t, l)
	_ = mustJSON(t, Recommend(l, "he", nil))
}

func checkRanges(t *testing.T, l Live) {
	t.Helper()
	check := func(who string, m Metrics) {
		if m.Ops < 0 || m.OpsPerMin < 0 || m.OpsPerMin > 120 || m.ActiveSeconds < 0 || m.ActivePct < 0 || m.ActivePct > 100 ||
			m.CardsPlaced < 0 || m.Connections < 0 || m.Interactions < 0 || m.IdlePeriods < 0 || m.IdleNowSeconds < 0 {
			t.Errorf("%s out of range: %+v", who, m)
		}
		if m.CardsPlaced > m.Ops || m.Connections > m.Ops || m.ElementsByKind["card"] != m.CardsPlaced || m.ElementsByKind["connector"] != m.Connections {
			t.Errorf("%s inconsistent: %+v", who, m)
		}
	}
	for _, p := range l.Participants {
		if !p.Shared {
			if p.Totals != nil || p.Phases != nil || p.Flags != nil {
				t.Errorf("%s not shared but has figures", p.UID)
			}
			continue
		}
		check(p.UID, *p.Totals)
		sum := 0
		for ph, m := range p.Phases {
			check(p.UID+"/"+ph, m)
			sum += m.Ops
		}
		if sum != p.Totals.Ops {
			t.Errorf("%s: phases %d ops, totals %d", p.UID, sum, p.Totals.Ops)
		}
	}
	sm := l.Session
	if sm.Gini < 0 || sm.Gini > 1 || sm.Balance < 0 || sm.Balance > 100 {
		t.Errorf("gini %v balance %v", sm.Gini, sm.Balance)
	}
	for _, th := range sm.Themes {
		if th.People < 2 || th.People > sm.SharedCount || th.Cards < th.People {
			t.Errorf("theme %+v of %d", th, sm.SharedCount)
		}
	}
	for _, b := range sm.Breakthroughs {
		if b.Connections < 8 {
			t.Errorf("breakthrough %+v", b)
		}
	}
	for ph, secs := range sm.PhaseSeconds {
		if secs < 0 {
			t.Errorf("phase %s: %d s", ph, secs)
		}
	}
}
