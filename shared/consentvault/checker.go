package consentvault

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
)

// Source reads a person's current state (Store implements it).
type Source interface {
	State(ctx context.Context, uid string) (State, error)
}

// CheckerOptions configure a Checker.
type CheckerOptions struct {
	// MaxEntries bounds the cache (default 100,000 people); when full it
	// starts over, which costs reads, never correctness.
	MaxEntries int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Checker answers "may I use uid's data for purpose in org?" fast. It
// caches each person's state per instance. The cache is trusted only while
// a Firestore listener on every state document is live: each change evicts
// that person, so a withdrawal elsewhere takes effect here within the
// listener's latency, and a withdrawal made through this instance
// (Invalidate) at once. Without a live listener every check reads Firestore.
// Any failure is a denial.
//
// It implements events.ConsentGate.
type Checker struct {
	src  Source
	fs   *firestore.Client // nil: no listener, no caching
	max  int
	log  *slog.Logger
	stop context.CancelFunc
	done chan struct{}

	mu    sync.RWMutex
	live  bool
	cache map[string]State
	gen   map[string]uint64 // bumped on every invalidation of a uid
	epoch uint64            // bumped when the whole cache is dropped
}

// NewChecker answers from src. With fs non-nil it listens for changes and
// caches; call Close to stop the listener.
func NewChecker(src Source, fs *firestore.Client, opts CheckerOptions) *Checker {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 100_000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Checker{src: src, fs: fs, max: opts.MaxEntries, log: opts.Logger,
		cache: map[string]State{}, gen: map[string]uint64{}, done: make(chan struct{})}
	if fs == nil {
		close(c.done)
		return c
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	go c.listen(ctx)
	return c
}

// Close stops the listener.
func (c *Checker) Close() {
	if c.stop != nil {
		c.stop()
	}
	<-c.done
}

// Live reports whether the listener is live (and so the cache in use).
func (c *Checker) Live() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.live
}

// Allowed implements events.ConsentGate: true only for a recorded grant.
func (c *Checker) Allowed(ctx context.Context, uid, org, purpose string) (bool, error) {
	p := Purpose(purpose)
	if uid == "" || !p.Valid() {
		return false, nil
	}
	st, err := c.state(ctx, uid)
	if err != nil {
		return false, err
	}
	return st.Allowed(p, org), nil
}

// State returns uid's state through the cache.
func (c *Checker) state(ctx context.Context, uid string) (State, error) {
	c.mu.RLock()
	st, ok := c.cache[uid]
	live, gen, epoch := c.live, c.gen[uid], c.epoch
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	st, err := c.src.State(ctx, uid)
	if err != nil {
		return State{}, err
	}
	if live {
		c.mu.Lock()
		// Store only if nothing invalidated uid while we read.
		if c.live && c.gen[uid] == gen && c.epoch == epoch {
			if len(c.cache) >= c.max {
				c.cache = map[string]State{}
			}
			c.cache[uid] = st
		}
		c.mu.Unlock()
	}
	return st, nil
}

// Invalidate drops uid's cached state (after a change through this
// instance, so it applies before the listener reports it).
func (c *Checker) Invalidate(uid string) {
	c.mu.Lock()
	delete(c.cache, uid)
	c.gen[uid]++
	c.mu.Unlock()
}

func (c *Checker) setLive(v bool) {
	c.mu.Lock()
	c.live = v
	c.cache = map[string]State{}
	c.gen = map[string]uint64{}
	c.epoch++
	c.mu.Unlock()
}

// listen keeps a listener on every state document changed since it
// started (older ones are read on demand), restarting after failures.
func (c *Checker) listen(ctx context.Context) {
	defer close(c.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now().Add(-time.Second) // margin for clock skew
		err := c.listenOnce(ctx, start)
		c.setLive(false)
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("consent: state listener stopped; checks read Firestore until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (c *Checker) listenOnce(ctx context.Context, since time.Time) error {
	it := c.fs.CollectionGroup(ColConsent).Where("updated_at", ">=", since).Snapshots(ctx)
	defer it.Stop()
	first := true
	for {
		snap, err := it.Next()
		if err != nil {
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		if first {
			// Anything cached before now may have changed unseen.
			c.setLive(true)
			first = false
		}
		for _, ch := range snap.Changes {
			if user := ch.Doc.Ref.Parent.Parent; user != nil {
				c.Invalidate(user.ID)
			}
		}
	}
}
