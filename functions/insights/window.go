package insights

import (
	"context"
	"sync"
	"time"
)

// batch is what one window of a session's events asks of its flush.
type batch struct {
	Org, Session string
	// Steps are phase changes from session.step_changed events.
	Steps []phaseDoc
	// Latest is, per canvas, the newest canvas.op event time (unix ms).
	Latest map[string]int64
	Ended  bool
}

func (b *batch) add(e sessionEvent) {
	if e.StepMove {
		b.Steps = append(b.Steps, phaseDoc{Phase: e.Phase, At: time.UnixMilli(e.At).UTC()})
	}
	if e.Canvas != "" && e.At > b.Latest[e.Canvas] {
		b.Latest[e.Canvas] = e.At
	}
	b.Ended = b.Ended || e.Ended
}

// flushResult says whether the op log was behind the batch's events.
type flushResult struct{ Behind bool }

// window gathers one session's events until its flush starts.
type window struct {
	b    *batch
	done chan struct{}
	err  error
}

// coalescer runs at most one flush of a session at a time, at most one per
// gap, and makes every event that arrives before a flush starts wait for
// that flush.
type coalescer struct {
	wait, gap time.Duration
	catchUp   int
	flush     func(ctx context.Context, b *batch) (flushResult, error)
	ctx       context.Context

	mu      sync.Mutex
	open    map[string]*window   // gathering, not started
	running map[string]bool      // a flush is under way
	last    map[string]time.Time // when the last flush started
	retries map[string]int       // catch-up flushes in a row
	timers  map[string]*time.Timer
}

func newCoalescer(ctx context.Context, wait, gap time.Duration, catchUp int, flush func(context.Context, *batch) (flushResult, error)) *coalescer {
	return &coalescer{wait: wait, gap: gap, catchUp: catchUp, flush: flush, ctx: ctx,
		open: map[string]*window{}, running: map[string]bool{}, last: map[string]time.Time{},
		retries: map[string]int{}, timers: map[string]*time.Timer{}}
}

// submit adds e to its session's open window and waits for the flush
// that includes it.
func (c *coalescer) submit(ctx context.Context, e sessionEvent) error {
	w := c.join(e.Org, e.Session, func(b *batch) { b.add(e) }, true)
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// submitFlush makes a flush of the session due and waits for it.
func (c *coalescer) submitFlush(ctx context.Context, org, sid string) error {
	w := c.join(org, sid, nil, false)
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// poke makes a flush of the session due without waiting for it.
func (c *coalescer) poke(org, sid string) { c.join(org, sid, nil, false) }

func (c *coalescer) join(org, sid string, f func(*batch), reset bool) *window {
	key := org + "/" + sid
	c.mu.Lock()
	defer c.mu.Unlock()
	if reset {
		c.retries[key] = 0
	}
	w := c.open[key]
	if w == nil {
		w = &window{b: &batch{Org: org, Session: sid, Latest: map[string]int64{}}, done: make(chan struct{})}
		c.open[key] = w
		c.schedule(key)
	}
	if f != nil {
		f(w.b)
	}
	return w
}

// schedule starts the key's open window's flush when it is due: after
// the gathering wait, no sooner than gap after the previous flush, and
// never while another flush of the key runs (that one reschedules).
// c.mu is held.
func (c *coalescer) schedule(key string) {
	if c.running[key] || c.timers[key] != nil || c.open[key] == nil {
		return
	}
	now := time.Now()
	at := now.Add(c.wait)
	if next := c.last[key].Add(c.gap); next.After(at) {
		at = next
	}
	c.timers[key] = time.AfterFunc(at.Sub(now), func() { c.run(key) })
}

func (c *coalescer) run(key string) {
	c.mu.Lock()
	delete(c.timers, key)
	w := c.open[key]
	if w == nil || c.running[key] {
		c.mu.Unlock()
		return
	}
	delete(c.open, key)
	c.running[key] = true
	c.mu.Unlock()

	res, err := c.flush(c.ctx, w.b)
	w.err = err
	close(w.done)

	c.mu.Lock()
	c.running[key] = false
	// The gap counts from the write, so two writes are never closer.
	c.last[key] = time.Now()
	if err == nil && res.Behind && c.retries[key] < c.catchUp {
		c.retries[key]++
		if c.open[key] == nil {
			// The op log had not caught up with the events: look again.
			nw := &window{b: &batch{Org: w.b.Org, Session: w.b.Session, Latest: w.b.Latest}, done: make(chan struct{})}
			c.open[key] = nw
		}
	}
	c.schedule(key)
	c.mu.Unlock()
}
