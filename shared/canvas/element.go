package canvas

import (
	"sync"
	"time"
)

// Stamp orders writes to one property: microseconds since the Unix epoch
// in the high bits and the writing instance's node number in the low
// NodeBits, so stamps of different instances never tie. A Clock makes
// them; they are hybrid logical clocks (never behind any stamp seen).
type Stamp int64

// NodeBits is how many low bits of a Stamp name the node.
const NodeBits = 10

// Micros is the wall-clock part of s.
func (s Stamp) Micros() int64 { return int64(s) >> NodeBits }

// Time is the wall-clock part of s.
func (s Stamp) Time() time.Time { return time.UnixMicro(s.Micros()) }

// Clock issues increasing stamps for one node (a gateway instance, or a
// function acting on a canvas). Safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	node int64
	last int64 // micros of the last stamp issued or observed
	now  func() time.Time
}

// NewClock is the clock of node (0 ≤ node < 1<<NodeBits); now defaults to
// time.Now.
func NewClock(node int, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{node: int64(node) & (1<<NodeBits - 1), now: now}
}

// Next is a stamp larger than every stamp issued or observed before.
func (c *Clock) Next() Stamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.now().UnixMicro()
	if m <= c.last {
		m = c.last + 1
	}
	c.last = m
	return Stamp(m<<NodeBits | c.node)
}

// Observe moves the clock past s, so the next stamp orders after it.
func (c *Clock) Observe(s Stamp) {
	c.mu.Lock()
	if m := s.Micros(); m > c.last {
		c.last = m
	}
	c.mu.Unlock()
}

// Element is the state of one canvas element: its kind and owner (set
// once, at creation), and every property with the stamp that set it.
// Props values are JSON values as encoding/json decodes them (float64,
// string, bool, []any, map[string]any); a property removed by a patch is
// nil in Props and keeps its stamp (a tombstone, so an older write cannot
// bring it back).
type Element struct {
	ID     string           `json:"id" firestore:"-"`
	Kind   string           `json:"kind" firestore:"kind"`
	Owner  string           `json:"owner" firestore:"owner"`
	Props  map[string]any   `json:"props" firestore:"props"`
	Stamps map[string]Stamp `json:"stamps" firestore:"stamps"`
}

// Patch is a change to one element, as produced by an accepted operation,
// read back from Firestore, or delivered to clients: the properties it
// sets (nil = removed) and the stamp of each. Kind and Owner are set on a
// patch that creates the element (and on full states).
type Patch struct {
	ID     string           `json:"id"`
	Kind   string           `json:"kind,omitempty"`
	Owner  string           `json:"owner,omitempty"`
	Props  map[string]any   `json:"props"`
	Stamps map[string]Stamp `json:"stamps"`
}

// Deleted reports an element in the trash.
func (e *Element) Deleted() bool { b, _ := e.Props[PropDeleted].(bool); return b }

// Max is the largest stamp of the element (its version).
func (e *Element) Max() Stamp {
	var m Stamp
	for _, s := range e.Stamps {
		m = max(m, s)
	}
	return m
}

// Full is the whole element as a patch (for snapshots and resumes).
func (e *Element) Full() Patch {
	p := Patch{ID: e.ID, Kind: e.Kind, Owner: e.Owner, Props: make(map[string]any, len(e.Props)), Stamps: make(map[string]Stamp, len(e.Stamps))}
	for k, v := range e.Props {
		p.Props[k] = v
	}
	for k, s := range e.Stamps {
		p.Stamps[k] = s
	}
	return p
}

// Merge applies p to e, property by property: a value replaces e's when
// its stamp is larger (equal stamps are the same write). It returns the
// part of p that changed e (empty Props when nothing did: an echo or a
// stale write), which is exactly what subscribers still need to see.
// Kind and Owner are taken from p when e has none yet. Merge is
// commutative, associative and idempotent over patches.
func (e *Element) Merge(p Patch) Patch {
	if e.Props == nil {
		e.Props = map[string]any{}
	}
	if e.Stamps == nil {
		e.Stamps = map[string]Stamp{}
	}
	if e.ID == "" {
		e.ID = p.ID
	}
	out := Patch{ID: e.ID, Props: map[string]any{}, Stamps: map[string]Stamp{}}
	if e.Kind == "" && p.Kind != "" {
		e.Kind, out.Kind = p.Kind, p.Kind
	}
	if e.Owner == "" && p.Owner != "" {
		e.Owner, out.Owner = p.Owner, p.Owner
	}
	for k, v := range p.Props {
		s := p.Stamps[k]
		if old, ok := e.Stamps[k]; ok && old >= s {
			continue
		}
		e.Stamps[k] = s
		e.Props[k] = v
		out.Props[k], out.Stamps[k] = v, s
	}
	if len(out.Props) > 0 && out.Kind == "" {
		out.Kind = e.Kind
	}
	return out
}

// Empty reports a patch that changes nothing.
func (p Patch) Empty() bool { return len(p.Props) == 0 && p.Kind == "" }

// Max is the largest stamp in p.
func (p Patch) Max() Stamp {
	var m Stamp
	for _, s := range p.Stamps {
		m = max(m, s)
	}
	return m
}
