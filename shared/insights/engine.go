package insights

import (
	"maps"
	"math"
	"slices"
	"sort"
	"time"
)

// Config holds the thresholds of the metrics (DefaultConfig is documented
// in the package doc; tests may shorten them). Durations are stored as
// nanoseconds.
type Config struct {
	ActiveBucket     time.Duration `json:"active_bucket" firestore:"active_bucket"`         // 10 s
	IdleGap          time.Duration `json:"idle_gap" firestore:"idle_gap"`                   // 2 min
	StuckAfter       time.Duration `json:"stuck_after" firestore:"stuck_after"`             // 5 min
	BurstConnections int           `json:"burst_connections" firestore:"burst_connections"` // 8
	BurstWindow      time.Duration `json:"burst_window" firestore:"burst_window"`           // 2 min
	QuietShare       float64       `json:"quiet_share" firestore:"quiet_share"`             // 0.25 of the median of the others
	QuietMinMedian   float64       `json:"quiet_min_median" firestore:"quiet_min_median"`   // 5 ops: below that nobody is quiet
	DominantFactor   float64       `json:"dominant_factor" firestore:"dominant_factor"`     // 3 × the median of the others
	DominantMinOps   int           `json:"dominant_min_ops" firestore:"dominant_min_ops"`   // 10
	// LateTolerance is how late an op-log entry may commit after its "t"
	// and still be counted exactly once (entries are remembered that long).
	LateTolerance time.Duration `json:"late_tolerance" firestore:"late_tolerance"` // 10 s
}

// DefaultConfig returns the documented thresholds.
func DefaultConfig() Config {
	return Config{
		ActiveBucket:     10 * time.Second,
		IdleGap:          2 * time.Minute,
		StuckAfter:       5 * time.Minute,
		BurstConnections: 8,
		BurstWindow:      2 * time.Minute,
		QuietShare:       0.25,
		QuietMinMedian:   5,
		DominantFactor:   3,
		DominantMinOps:   10,
		LateTolerance:    10 * time.Second,
	}
}

// valid fills zero or negative thresholds from DefaultConfig, so a state
// read back from an older document (or a careless test) never divides by
// zero.
func (c Config) valid() Config {
	d := DefaultConfig()
	pick := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&c.ActiveBucket, d.ActiveBucket)
	pick(&c.IdleGap, d.IdleGap)
	pick(&c.StuckAfter, d.StuckAfter)
	pick(&c.BurstWindow, d.BurstWindow)
	if c.LateTolerance < 0 {
		c.LateTolerance = 0
	}
	if c.BurstConnections <= 0 {
		c.BurstConnections = d.BurstConnections
	}
	if !(c.QuietShare >= 0) {
		c.QuietShare = d.QuietShare
	}
	if !(c.QuietMinMedian >= 0) {
		c.QuietMinMedian = d.QuietMinMedian
	}
	if !(c.DominantFactor >= 0) {
		c.DominantFactor = d.DominantFactor
	}
	if c.DominantMinOps < 0 {
		c.DominantMinOps = d.DominantMinOps
	}
	return c
}

// State is the engine's accumulated, serialisable state for one session
// (stored at orgs/{org}/sessions/{s}/insights/state). It holds figures of
// consented participants only. Only maps with string keys, slices,
// numbers, strings and times, so the Firestore client and encoding/json
// both round-trip it. Its size is bounded by the canvas's elements, the
// phase changes and the participants — never by the number of ops.
type State struct {
	SessionID string `json:"session_id" firestore:"session_id"`
	Config    Config `json:"config" firestore:"config"`
	// Timeline is the phase timeline, ordered by At.
	Timeline []PhaseChange `json:"timeline" firestore:"timeline"`
	// FirstT and HighWater are the smallest and largest "t" (unix ms) of
	// the entries applied.
	FirstT    int64 `json:"first_t" firestore:"first_t"`
	HighWater int64 `json:"high_water" firestore:"high_water"`
	// Recent are the ids of the entries applied within LateTolerance of
	// HighWater (id → t): the exactly-once window.
	Recent map[string]int64 `json:"recent" firestore:"recent"`
	// Late counts entries dropped because they arrived more than
	// LateTolerance behind HighWater (no person in it).
	Late int64 `json:"late" firestore:"late"`
	// Elements is the canvas's element directory (id → kind and owner).
	Elements map[string]Element `json:"elements" firestore:"elements"`
	// Pending are the elements with Early ops (id → time of the first),
	// dropped once LateTolerance has passed.
	Pending map[string]int64 `json:"pending" firestore:"pending"`
	// People holds the accumulators of consented participants by uid.
	People map[string]*Person `json:"people" firestore:"people"`
	// Conns are the connector creations within BurstWindow of the newest
	// one (the breakthrough window).
	Conns []ConnAt `json:"conns" firestore:"conns"`
	// Bursts are the breakthroughs so far; BurstOpen says the last one is
	// still growing.
	Bursts    []Burst `json:"bursts" firestore:"bursts"`
	BurstOpen bool    `json:"burst_open" firestore:"burst_open"`
}

// Element is one entry of the element directory. Owner is a uid, or
// Someone when it belongs to a person whose figures are not kept.
type Element struct {
	Kind  string `json:"k,omitempty" firestore:"k,omitempty"`
	Owner string `json:"o,omitempty" firestore:"o,omitempty"`
	// Early are ops of consenting participants on the element that were
	// applied before its creation (entries out of order within
	// LateTolerance); its creation settles them.
	Early []Early `json:"e,omitempty" firestore:"e,omitempty"`
	// Counted marks a connector already counted as an interaction.
	Counted bool `json:"c,omitempty" firestore:"c,omitempty"`
}

// Early is an op on an element whose owner was not known yet: by UID in
// the stint keyed Stint at T; Conn is the connector whose end it is ("":
// a patch on the element itself).
type Early struct {
	UID   string `json:"u" firestore:"u"`
	Stint string `json:"s" firestore:"s"`
	T     int64  `json:"t" firestore:"t"`
	Conn  string `json:"n,omitempty" firestore:"n,omitempty"`
}

// Someone stands in the element directory for the owner of an element
// whose owner has not shared (or withdrew) canvas_insights: another
// person, nobody in particular.
const Someone = "~"

// Person is one consented participant's accumulators, by stint (a stint
// is one stay in a phase; its key is the stint's start in unix ms).
type Person struct {
	Stints map[string]*Acc `json:"stints" firestore:"stints"`
}

// Acc accumulates one participant's ops in one stint.
type Acc struct {
	Phase string `json:"phase" firestore:"phase"`
	// Start is the stint's start (unix ms).
	Start int64 `json:"start" firestore:"start"`
	Ops   int   `json:"ops" firestore:"ops"`
	// Slots counts the distinct ActiveBucket slots with an op; RecentSlots
	// are the slots still inside the late window (to count each once).
	Slots       int     `json:"slots" firestore:"slots"`
	RecentSlots []int64 `json:"recent_slots" firestore:"recent_slots"`
	// IdlePeriods counts the closed gaps ≥ IdleGap (the open one is added
	// by Snapshot).
	IdlePeriods  int            `json:"idle_periods" firestore:"idle_periods"`
	LastOp       int64          `json:"last_op" firestore:"last_op"`
	LastCreate   int64          `json:"last_create" firestore:"last_create"`
	Kinds        map[string]int `json:"kinds" firestore:"kinds"`
	Cards        int            `json:"cards" firestore:"cards"`
	Themes       map[string]int `json:"themes" firestore:"themes"`
	Connections  int            `json:"connections" firestore:"connections"`
	Interactions int            `json:"interactions" firestore:"interactions"`
}

// ConnAt is one connector creation in the breakthrough window.
type ConnAt struct {
	T   int64  `json:"t" firestore:"t"`
	UID string `json:"uid" firestore:"uid"`
}

// Burst is one breakthrough: its phase, when it reached
// BurstConnections, and the connectors of each participant in it (so a
// withdrawal takes its share out).
type Burst struct {
	Phase string         `json:"phase" firestore:"phase"`
	At    int64          `json:"at" firestore:"at"`
	ByUID map[string]int `json:"by_uid" firestore:"by_uid"`
}

// NewState starts the state of a session.
func NewState(sessionID string, cfg Config) *State {
	return &State{
		SessionID: sessionID,
		Config:    cfg.valid(),
		Timeline:  []PhaseChange{},
		Recent:    map[string]int64{},
		Elements:  map[string]Element{},
		Pending:   map[string]int64{},
		People:    map[string]*Person{},
		Conns:     []ConnAt{},
		Bursts:    []Burst{},
	}
}

// SetPhases replaces the phase timeline (ordered by At).
func (s *State) SetPhases(p []PhaseChange) {
	tl := make([]PhaseChange, 0, len(p))
	for _, c := range p {
		if c.Phase == "" || c.At.IsZero() {
			continue
		}
		tl = append(tl, PhaseChange{Phase: c.Phase, At: c.At.UTC()})
	}
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].At.Before(tl[j].At) })
	s.Timeline = tl
}

// Apply folds one op-log entry in, once: an entry already applied (by id)
// is skipped. Patches from uids for which shared is false are ignored
// entirely; themes gives a card's themes (nil when unknown).
func (s *State) Apply(e LogEntry, shared func(uid string) bool, themes func(cardID string) []string) {
	s.init()
	if e.ID == "" || !s.admit(e) {
		return
	}
	for i := range e.Patches {
		s.applyPatch(e.T, &e.Patches[i], shared, themes)
	}
}

// SeedOwners records owners and kinds of elements that existed before the
// first applied entry (read from the elements collection).
func (s *State) SeedOwners(owners map[string]string, kinds map[string]string) {
	s.init()
	for id, o := range owners {
		el := s.Elements[id]
		if el.Owner == "" {
			el.Owner = o
		}
		s.Elements[id] = el
	}
	for id, k := range kinds {
		el := s.Elements[id]
		if el.Kind == "" {
			el.Kind = kindOf(k)
		}
		s.Elements[id] = el
	}
}

// Forget removes every figure of uid (consent withdrawn).
func (s *State) Forget(uid string) {
	s.init()
	delete(s.People, uid)
	for id, el := range s.Elements {
		n := len(el.Early)
		el.Early = slices.DeleteFunc(el.Early, func(e Early) bool { return e.UID == uid })
		if el.Owner == uid || len(el.Early) != n {
			if el.Owner == uid {
				el.Owner = Someone
			}
			if len(el.Early) == 0 {
				el.Early = nil
				delete(s.Pending, id)
			}
			s.Elements[id] = el
		}
	}
	s.Conns = slices.DeleteFunc(s.Conns, func(c ConnAt) bool { return c.UID == uid })
	kept := s.Bursts[:0]
	for i, b := range s.Bursts {
		delete(b.ByUID, uid)
		if sum(b.ByUID) >= s.Config.BurstConnections {
			kept = append(kept, b)
		} else if i == len(s.Bursts)-1 {
			s.BurstOpen = false
		}
	}
	s.Bursts = kept
}

// Snapshot is the view at now for the joined participants (uids, in the
// order given); shared says who consented. Recommendations are not set.
func (s *State) Snapshot(now time.Time, participants []string, shared func(uid string) bool) Live {
	s.init()
	return s.snapshot(now, participants, shared)
}

// Recommend derives recommendations from a snapshot, deterministic
// fallback text in lang (en, es, fr, de, he; others → en), Source
// fallback. Status open. prev carries earlier statuses by ID.
func Recommend(l Live, lang string, prev []Recommendation) []Recommendation {
	return recommend(l, lang, prev)
}

// Gini is the Gini coefficient of xs (0 when empty or all zero), 0…1.
// Negative and non-finite values count as 0. It is the mean absolute
// difference form Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² μ), computed on the sorted
// values in O(n log n).
func Gini(xs []float64) float64 {
	n := len(xs)
	if n < 2 {
		return 0
	}
	v := make([]float64, n)
	for i, x := range xs {
		if x > 0 && !math.IsInf(x, 1) {
			v[i] = x
		}
	}
	slices.Sort(v)
	var total, weighted float64
	for i, x := range v {
		total += x
		weighted += float64(i+1) * x
	}
	if total == 0 {
		return 0
	}
	g := 2*weighted/(float64(n)*total) - float64(n+1)/float64(n)
	return clamp(g, 0, 1)
}

func sum(m map[string]int) int {
	t := 0
	for _, v := range m {
		t += v
	}
	return t
}

// sortedKeys returns m's keys in order (deterministic output).
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
