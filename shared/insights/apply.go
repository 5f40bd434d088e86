package insights

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Kinds are the element kinds counted in elements_by_kind; any other
// kind counts as "other".
var Kinds = []string{"card", "note", "shape", "image", "connector", "frame", "text", "stroke"}

const (
	kindCard      = "card"
	kindConnector = "connector"
	kindOther     = "other"
)

func kindOf(k string) string {
	if slices.Contains(Kinds, k) {
		return k
	}
	if k == "" {
		return ""
	}
	return kindOther
}

// init makes a zero or decoded State usable (maps that a document left
// out, thresholds that were never set).
func (s *State) init() {
	s.Config = s.Config.valid()
	if s.Recent == nil {
		s.Recent = map[string]int64{}
	}
	if s.Elements == nil {
		s.Elements = map[string]Element{}
	}
	if s.People == nil {
		s.People = map[string]*Person{}
	}
	if s.Pending == nil {
		s.Pending = map[string]int64{}
	}
}

// admit decides whether e is new: not applied before and not later than
// LateTolerance behind the newest entry applied (such an entry cannot be
// told apart from a redelivery once its id has left the window, so it is
// dropped and counted in Late). It records e and moves the window.
func (s *State) admit(e LogEntry) bool {
	if _, dup := s.Recent[e.ID]; dup {
		return false
	}
	tol := s.Config.LateTolerance.Milliseconds()
	if s.HighWater != 0 && e.T < s.HighWater-tol {
		s.Late++
		return false
	}
	s.Recent[e.ID] = e.T
	if s.FirstT == 0 || e.T < s.FirstT {
		s.FirstT = e.T
	}
	if e.T > s.HighWater {
		s.HighWater = e.T
		for id, t := range s.Recent {
			if t < s.HighWater-tol {
				delete(s.Recent, id)
			}
		}
		// An element still not created after the tolerance never will be
		// within it (seeded late, or created before the log began).
		for id, t := range s.Pending {
			if t < s.HighWater-tol {
				el := s.Elements[id]
				el.Early = nil
				s.Elements[id] = el
				delete(s.Pending, id)
			}
		}
	}
	return true
}

// stint is one stay in a phase: [Start, End) in unix ms (End 0: still
// running).
type stint struct {
	Phase      string
	Start, End int64
	key        string
}

// noTimeline keys the one stint of a session without a phase timeline
// (its start moves if an earlier entry arrives late).
const noTimeline = "0"

// Key names the stint in Person.Stints: its start in unix ms.
func (st stint) Key() string {
	if st.key != "" {
		return st.key
	}
	return strconv.FormatInt(st.Start, 10)
}

// stints lists the timeline's stints; with no timeline, the whole session
// (since the first entry) is one stint of the first phase.
func (s *State) stints() []stint {
	if len(s.Timeline) == 0 {
		return []stint{{Phase: Phases[0], Start: s.FirstT, key: noTimeline}}
	}
	out := make([]stint, len(s.Timeline))
	for i, c := range s.Timeline {
		out[i] = stint{Phase: c.Phase, Start: c.At.UnixMilli()}
		if i > 0 {
			out[i-1].End = out[i].Start
		}
	}
	return out
}

// stintAt is the stint the session was in at t (ms); ops before the first
// phase change belong to the first stint.
func (s *State) stintAt(t int64) stint {
	if len(s.Timeline) == 0 {
		return stint{Phase: Phases[0], Start: s.FirstT, key: noTimeline}
	}
	i := 0
	for j := range s.Timeline {
		if s.Timeline[j].At.UnixMilli() <= t {
			i = j
		}
	}
	st := stint{Phase: s.Timeline[i].Phase, Start: s.Timeline[i].At.UnixMilli()}
	if i+1 < len(s.Timeline) {
		st.End = s.Timeline[i+1].At.UnixMilli()
	}
	return st
}

func (s *State) acc(uid string, st stint) *Acc {
	p := s.People[uid]
	if p == nil {
		p = &Person{Stints: map[string]*Acc{}}
		s.People[uid] = p
	}
	if p.Stints == nil {
		p.Stints = map[string]*Acc{}
	}
	a := p.Stints[st.Key()]
	if a == nil {
		a = &Acc{Phase: st.Phase, Start: st.Start, Kinds: map[string]int{}, Themes: map[string]int{}}
		p.Stints[st.Key()] = a
	}
	if a.Kinds == nil {
		a.Kinds = map[string]int{}
	}
	if a.Themes == nil {
		a.Themes = map[string]int{}
	}
	return a
}

// applyPatch folds one patch in. The element directory learns every
// created element (a non-consenting owner is recorded as Someone); the
// figures move only for a consenting author.
func (s *State) applyPatch(t int64, p *Patch, shared func(string) bool, themes func(string) []string) {
	if p.ID == "" {
		return
	}
	el, known := s.Elements[p.ID]
	created := p.Owner != "" && el.Owner == ""
	if created {
		el.Owner = p.Owner
		if !isShared(shared, p.Owner) {
			el.Owner = Someone
		}
	}
	if el.Kind == "" && p.Kind != "" {
		el.Kind = kindOf(p.Kind)
	}
	if created || !known || p.Kind != "" {
		s.Elements[p.ID] = el
	}
	if created && len(el.Early) > 0 {
		s.settle(p.ID)
	}
	if p.From == "" || !isShared(shared, p.From) {
		return
	}
	st := s.stintAt(t)
	a := s.acc(p.From, st)
	a.Ops++
	s.countSlot(a, t)
	s.countIdle(a, t, st)
	if !created {
		switch el.Owner {
		case p.From:
		case "":
			s.early(p.ID, Early{UID: p.From, Stint: st.Key(), T: t})
		default:
			a.Interactions++
		}
		return
	}
	a.LastCreate = max(a.LastCreate, t)
	if el.Kind != "" {
		a.Kinds[el.Kind]++
	}
	switch el.Kind {
	case kindCard:
		a.Cards++
		if id, _ := p.Props["card_id"].(string); id != "" && themes != nil {
			seen := map[string]bool{}
			for _, th := range themes(id) {
				if th != "" && !seen[th] {
					seen[th] = true
					a.Themes[th]++
				}
			}
		}
	case kindConnector:
		a.Connections++
		s.connectorEnds(p, a, st, t)
		s.connector(t, p.From, st.Phase)
	}
}

// connectorEnds counts a new connector with an end on an element another
// person owns as one interaction; an end on an element not created yet
// waits for its creation.
func (s *State) connectorEnds(p *Patch, a *Acc, st stint, t int64) {
	var unknown []string
	for _, end := range []string{"from", "to"} {
		m, _ := p.Props[end].(map[string]any)
		id, _ := m["element"].(string)
		if id == "" || id == p.ID {
			continue
		}
		switch o := s.Elements[id].Owner; o {
		case p.From:
		case "":
			unknown = append(unknown, id)
		default:
			a.Interactions++
			s.markCounted(p.ID)
			return
		}
	}
	for _, id := range unknown {
		s.early(id, Early{UID: p.From, Stint: st.Key(), T: t, Conn: p.ID})
	}
}

func (s *State) markCounted(id string) {
	el := s.Elements[id]
	el.Counted = true
	s.Elements[id] = el
}

// early remembers an op on element id, whose owner is not known yet.
func (s *State) early(id string, e Early) {
	el := s.Elements[id]
	el.Early = append(el.Early, e)
	s.Elements[id] = el
	if _, ok := s.Pending[id]; !ok {
		s.Pending[id] = e.T
	}
}

// settle counts the early ops on element id now that its owner is known.
func (s *State) settle(id string) {
	el := s.Elements[id]
	for _, e := range el.Early {
		if e.UID == el.Owner {
			continue
		}
		if e.Conn != "" {
			if s.Elements[e.Conn].Counted {
				continue
			}
			s.markCounted(e.Conn)
		}
		if p := s.People[e.UID]; p != nil {
			if a := p.Stints[e.Stint]; a != nil {
				a.Interactions++
			}
		}
	}
	el.Early = nil
	s.Elements[id] = el
	delete(s.Pending, id)
}

func isShared(shared func(string) bool, uid string) bool { return shared != nil && shared(uid) }

// countSlot counts t's ActiveBucket slot once per stint.
func (s *State) countSlot(a *Acc, t int64) {
	b := s.Config.ActiveBucket.Milliseconds()
	slot := floorDiv(t, b)
	if !slices.Contains(a.RecentSlots, slot) {
		a.Slots++
		a.RecentSlots = append(a.RecentSlots, slot)
	}
	// Entries further behind than LateTolerance are dropped, so older
	// slots can never be hit again.
	oldest := floorDiv(s.HighWater-s.Config.LateTolerance.Milliseconds(), b) - 1
	a.RecentSlots = slices.DeleteFunc(a.RecentSlots, func(x int64) bool { return x < oldest })
}

// countIdle counts the gap that ends at t, when t is the participant's
// newest op in the stint. A late op (behind the last one) never changes
// idle periods.
func (s *State) countIdle(a *Acc, t int64, st stint) {
	if a.LastOp != 0 && t < a.LastOp {
		return
	}
	base := max(a.LastOp, st.Start)
	if t-base >= s.Config.IdleGap.Milliseconds() {
		a.IdlePeriods++
	}
	a.LastOp = t
}

// connector tracks the breakthrough window: a burst opens when
// BurstConnections connectors were created within BurstWindow, grows
// while the window stays at or above that, and closes when it drops
// below; each burst is reported once.
func (s *State) connector(t int64, uid, phase string) {
	w := s.Config.BurstWindow.Milliseconds()
	// Conns stays ordered by time: insert (nearly always at the end),
	// then cut what has left the window at the front.
	i, _ := slices.BinarySearchFunc(s.Conns, t, func(c ConnAt, t int64) int { return cmp.Compare(c.T, t+1) })
	s.Conns = slices.Insert(s.Conns, i, ConnAt{T: t, UID: uid})
	newest := s.Conns[len(s.Conns)-1].T
	cut, _ := slices.BinarySearchFunc(s.Conns, newest-w, func(c ConnAt, t int64) int { return cmp.Compare(c.T, t+1) })
	s.Conns = s.Conns[cut:]
	if len(s.Conns) < s.Config.BurstConnections {
		s.BurstOpen = false
		return
	}
	if s.BurstOpen && len(s.Bursts) > 0 {
		s.Bursts[len(s.Bursts)-1].ByUID[uid]++
		return
	}
	b := Burst{Phase: phase, At: t, ByUID: map[string]int{}}
	for _, c := range s.Conns {
		b.ByUID[c.UID]++
		b.At = max(b.At, c.T)
	}
	s.Bursts = append(s.Bursts, b)
	s.BurstOpen = true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ms(t int64) time.Time { return time.UnixMilli(t).UTC() }
