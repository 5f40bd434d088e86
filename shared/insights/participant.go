package insights

import (
	"encoding/json"
	"slices"
)

// MarshalJSON writes a participant without consent as {uid, shared:false}
// only, so "not shared" carries no figure, not even an empty one; a
// consenting participant always has a flags array.
func (p Participant) MarshalJSON() ([]byte, error) {
	if !p.Shared {
		return json.Marshal(struct {
			UID    string `json:"uid"`
			Shared bool   `json:"shared"`
		}{p.UID, false})
	}
	type plain Participant
	q := plain(p)
	if q.Flags == nil {
		q.Flags = []string{}
	}
	return json.Marshal(q)
}

// MarshalJSON writes l with every list and map present (empty rather
// than null), as the view expects, also when l was read back from
// Firestore (which returns empty arrays and maps as nil).
func (l Live) MarshalJSON() ([]byte, error) {
	type plain Live
	return json.Marshal(plain(l.Normalized()))
}

// Normalized returns a copy of l whose nil lists and maps are empty ones.
func (l Live) Normalized() Live {
	l.Participants = orEmpty(slices.Clone(l.Participants))
	for i, p := range l.Participants {
		if !p.Shared {
			continue
		}
		if p.Totals != nil {
			m := normMetrics(*p.Totals)
			l.Participants[i].Totals = &m
		}
		if p.Phases != nil {
			ph := make(map[string]Metrics, len(p.Phases))
			for k, m := range p.Phases {
				ph[k] = normMetrics(m)
			}
			l.Participants[i].Phases = ph
		}
		l.Participants[i].Flags = orEmpty(p.Flags)
	}
	sm := &l.Session
	sm.Quiet, sm.Dominant = orEmpty(sm.Quiet), orEmpty(sm.Dominant)
	sm.Themes, sm.Breakthroughs = orEmpty(sm.Themes), orEmpty(sm.Breakthroughs)
	if sm.PhaseSeconds == nil {
		sm.PhaseSeconds = map[string]int{}
	}
	l.Recommendations = orEmpty(slices.Clone(l.Recommendations))
	for i, r := range l.Recommendations {
		l.Recommendations[i].Subjects = orEmpty(r.Subjects)
		if r.Numbers == nil {
			l.Recommendations[i].Numbers = map[string]float64{}
		}
	}
	return l
}

func normMetrics(m Metrics) Metrics {
	if m.ElementsByKind == nil {
		m.ElementsByKind = map[string]int{}
	}
	if m.CardThemes == nil {
		m.CardThemes = map[string]int{}
	}
	return m
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
