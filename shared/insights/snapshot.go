package insights

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Definitions is the version of the metric definitions in the package doc.
const Definitions = 1

// Flags of a participant.
const (
	FlagQuiet    = "quiet"
	FlagDominant = "dominant"
	FlagIdle     = "idle"
)

func (s *State) snapshot(now time.Time, participants []string, shared func(uid string) bool) Live {
	now = now.UTC()
	nowMs := now.UnixMilli()
	sts := s.stints()
	if s.empty() {
		sts[0].Start = nowMs // nothing has happened yet
	}
	cur := sts[len(sts)-1]
	l := Live{
		SessionID:       s.SessionID,
		UpdatedAt:       now,
		Phase:           cur.Phase,
		Participants:    make([]Participant, 0, len(participants)),
		Recommendations: []Recommendation{},
		UIDs:            []string{},
		Definitions:     Definitions,
	}
	if !s.empty() {
		st := ms(cur.Start)
		l.PhaseStartedAt = &st
	}
	phaseSecs := map[string]int{}
	for _, st := range sts {
		phaseSecs[st.Phase] += int(max(0, end(st, nowMs, s.empty())-st.Start) / 1000)
	}
	var sessionSecs int
	for _, v := range phaseSecs {
		sessionSecs += v
	}
	seen := map[string]bool{}
	for _, uid := range participants {
		if seen[uid] {
			continue // listed twice: shown once
		}
		seen[uid] = true
		if !isShared(shared, uid) {
			l.Session.NotShared++
			l.Participants = append(l.Participants, Participant{UID: uid})
			continue
		}
		l.Participants = append(l.Participants, s.participant(uid, sts, cur, nowMs, phaseSecs, sessionSecs))
		l.UIDs = append(l.UIDs, uid)
	}
	l.Session.SharedCount = len(l.UIDs)
	l.Session.PhaseSeconds = phaseSecs
	s.session(&l, cur, nowMs, shared)
	return l
}

// empty says nothing has happened yet: no phase change and no op.
func (s *State) empty() bool { return len(s.Timeline) == 0 && s.FirstT == 0 }

// end is the end of st in ms: the next change, or now for the running one.
func end(st stint, nowMs int64, empty bool) int64 {
	if st.End != 0 {
		return st.End
	}
	if empty {
		return st.Start
	}
	return nowMs
}

// participant computes one consenting participant's figures by phase and
// in total.
func (s *State) participant(uid string, sts []stint, cur stint, nowMs int64, phaseSecs map[string]int, sessionSecs int) Participant {
	p := Participant{UID: uid, Shared: true, Phases: map[string]Metrics{}, Flags: []string{}}
	person := s.People[uid]
	accOf := func(st stint) *Acc {
		if person == nil {
			return nil
		}
		return person.Stints[st.Key()]
	}
	byPhase := map[string]*Metrics{}
	get := func(phase string) *Metrics {
		m := byPhase[phase]
		if m == nil {
			m = &Metrics{ElementsByKind: map[string]int{}, CardThemes: map[string]int{}}
			byPhase[phase] = m
		}
		return m
	}
	idleGap := s.Config.IdleGap.Milliseconds()
	empty := s.empty()
	for i, st := range sts {
		m := get(st.Phase)
		a := accOf(st)
		base := st.Start
		if a != nil && a.LastOp > base {
			base = a.LastOp
		}
		e := end(st, nowMs, empty)
		if e-base >= idleGap {
			m.IdlePeriods++ // the trailing gap (open while the stint runs)
		}
		if i == len(sts)-1 {
			m.IdleNowSeconds = int(max(0, nowMs-base) / 1000)
		}
	}
	// Every accumulator, including any whose stint a rewritten timeline
	// no longer lists, counts to its own phase.
	if person != nil {
		for _, k := range sortedKeys(person.Stints) {
			a := person.Stints[k]
			m := get(a.Phase)
			m.Ops += a.Ops
			m.ActiveSeconds += a.Slots * int(s.Config.ActiveBucket/time.Second)
			m.IdlePeriods += a.IdlePeriods
			for kd, n := range a.Kinds {
				m.ElementsByKind[kd] += n
			}
			m.CardsPlaced += a.Cards
			for th, n := range a.Themes {
				m.CardThemes[th] += n
			}
			m.Connections += a.Connections
			m.Interactions += a.Interactions
			if a.LastOp != 0 && (m.LastOpAt == nil || ms(a.LastOp).After(*m.LastOpAt)) {
				t := ms(a.LastOp)
				m.LastOpAt = &t
			}
		}
	}
	tot := Metrics{ElementsByKind: map[string]int{}, CardThemes: map[string]int{}}
	for _, ph := range sortedKeys(byPhase) {
		m := byPhase[ph]
		m.OpsPerMin = opsPerMin(m.Ops, phaseSecs[ph])
		m.ActivePct = pct(m.ActiveSeconds, phaseSecs[ph])
		if ph != cur.Phase {
			m.IdleNowSeconds = 0
		}
		p.Phases[ph] = *m
		tot.Ops += m.Ops
		tot.ActiveSeconds += m.ActiveSeconds
		tot.IdlePeriods += m.IdlePeriods
		for kd, n := range m.ElementsByKind {
			tot.ElementsByKind[kd] += n
		}
		tot.CardsPlaced += m.CardsPlaced
		for th, n := range m.CardThemes {
			tot.CardThemes[th] += n
		}
		tot.Connections += m.Connections
		tot.Interactions += m.Interactions
		if m.LastOpAt != nil && (tot.LastOpAt == nil || m.LastOpAt.After(*tot.LastOpAt)) {
			tot.LastOpAt = m.LastOpAt
		}
	}
	tot.OpsPerMin = opsPerMin(tot.Ops, sessionSecs)
	tot.ActivePct = pct(tot.ActiveSeconds, sessionSecs)
	tot.IdleNowSeconds = p.Phases[cur.Phase].IdleNowSeconds
	p.Totals = &tot
	if time.Duration(tot.IdleNowSeconds)*time.Second >= s.Config.IdleGap {
		p.Flags = append(p.Flags, FlagIdle)
	}
	return p
}

// session computes the session-wide figures over the shared participants
// in l and sets the quiet and dominant flags.
func (s *State) session(l *Live, cur stint, nowMs int64, shared func(string) bool) {
	sm := &l.Session
	sm.Quiet, sm.Dominant, sm.Themes, sm.Breakthroughs = []string{}, []string{}, []ThemeCount{}, []Breakthrough{}
	var idx []int
	var ops []float64
	for i, p := range l.Participants {
		if p.Shared {
			idx = append(idx, i)
			ops = append(ops, float64(p.Phases[cur.Phase].Ops))
		}
	}
	g := Gini(ops)
	sm.Gini = round(g, 3)
	sm.Balance = round(clamp(100*(1-g), 0, 100), 1)
	for k, i := range idx {
		others := slices.Concat(ops[:k], ops[k+1:])
		if len(others) == 0 {
			continue
		}
		med := median(others)
		mine := ops[k]
		p := &l.Participants[i]
		if med >= s.Config.QuietMinMedian && mine < s.Config.QuietShare*med {
			sm.Quiet = append(sm.Quiet, p.UID)
			p.Flags = append([]string{FlagQuiet}, p.Flags...)
		}
		if mine >= s.Config.DominantFactor*med && mine >= float64(s.Config.DominantMinOps) {
			sm.Dominant = append(sm.Dominant, p.UID)
			p.Flags = append([]string{FlagDominant}, p.Flags...)
		}
	}
	// Themes placed by at least two consenting participants.
	people, cards := map[string]int{}, map[string]int{}
	for _, i := range idx {
		for th, n := range l.Participants[i].Totals.CardThemes {
			if n > 0 {
				people[th]++
				cards[th] += n
			}
		}
	}
	for _, th := range sortedKeys(people) {
		if people[th] >= 2 {
			sm.Themes = append(sm.Themes, ThemeCount{Theme: th, People: people[th], Cards: cards[th]})
		}
	}
	sort.SliceStable(sm.Themes, func(a, b int) bool {
		x, y := sm.Themes[a], sm.Themes[b]
		if x.People != y.People {
			return x.People > y.People
		}
		return x.Cards > y.Cards
	})
	// Stuck: no element created by a consenting participant in the
	// running stint for StuckAfter.
	if len(idx) > 0 && !s.empty() {
		since := cur.Start
		for _, i := range idx {
			if p := s.People[l.Participants[i].UID]; p != nil {
				if a := p.Stints[cur.Key()]; a != nil {
					since = max(since, a.LastCreate)
				}
			}
		}
		if nowMs-since >= s.Config.StuckAfter.Milliseconds() {
			sm.Stuck = &Stuck{Phase: cur.Phase, Since: ms(since)}
		}
	}
	for _, b := range s.Bursts {
		n := 0
		for uid, c := range b.ByUID {
			if isShared(shared, uid) {
				n += c
			}
		}
		if n >= s.Config.BurstConnections {
			sm.Breakthroughs = append(sm.Breakthroughs, Breakthrough{Phase: b.Phase, At: ms(b.At), Connections: n})
		}
	}
}

func opsPerMin(ops, secs int) float64 {
	mins := max(1, float64(secs)/60)
	return round(clamp(float64(ops)/mins, 0, 120), 2)
}

func pct(active, secs int) float64 {
	if active <= 0 {
		return 0
	}
	if secs <= 0 {
		return 100
	}
	return round(clamp(float64(active)/float64(secs)*100, 0, 100), 1)
}

func median(xs []float64) float64 {
	v := slices.Clone(xs)
	slices.Sort(v)
	n := len(v)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func clamp(x, lo, hi float64) float64 {
	if math.IsNaN(x) {
		return lo
	}
	return math.Min(hi, math.Max(lo, x))
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
