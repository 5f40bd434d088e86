package consentvault

import (
	"context"
	"errors"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

// countingSource counts reads, to tell cache hits from misses.
type countingSource struct {
	Source
	reads atomic.Int64
	fail  atomic.Bool
}

func (c *countingSource) State(ctx context.Context, uid string) (State, error) {
	c.reads.Add(1)
	if c.fail.Load() {
		return State{}, errors.New("firestore down")
	}
	return c.Source.State(ctx, uid)
}

func waitLive(t testing.TB, c *Checker) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !c.Live() {
		if time.Now().After(deadline) {
			t.Fatal("the checker's listener never became live")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A change written elsewhere (another instance) reaches this instance's
// cache through the listener.
func TestCheckerListenerInvalidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	publishAll(t, s)
	src := &countingSource{Source: s}
	c := NewChecker(src, fsClient, CheckerOptions{})
	t.Cleanup(c.Close)
	waitLive(t, c)
	uid := newUID()
	if ok, err := c.Allowed(ctx, uid, "o", string(Analytics)); ok || err != nil {
		t.Fatalf("before: %v %v", ok, err)
	}
	c.Allowed(ctx, uid, "o", string(Analytics))
	if n := src.reads.Load(); n != 1 {
		t.Fatalf("%d reads for two checks; want 1 (cached)", n)
	}
	if _, _, _, err := s.Record(ctx, Change{UID: uid, Purpose: Analytics, Decision: Grant, Mechanism: "api"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { ok, _ := c.Allowed(ctx, uid, "o", string(Analytics)); return ok })
	if _, _, _, err := s.Record(ctx, Change{UID: uid, Purpose: Analytics, Decision: Withdraw, Mechanism: "api"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { ok, _ := c.Allowed(ctx, uid, "o", string(Analytics)); return !ok })
}

func TestCheckerDeniesOnError(t *testing.T) {
	t.Parallel()
	s := NewStore(fsClient, nil)
	src := &countingSource{Source: s}
	src.fail.Store(true)
	c := NewChecker(src, nil, CheckerOptions{})
	ok, err := c.Allowed(context.Background(), newUID(), "o", string(Analytics))
	if ok || err == nil {
		t.Fatalf("%v %v; want a denial with the error", ok, err)
	}
}

func TestCheckerInvalidate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	publishAll(t, s)
	c := NewChecker(s, fsClient, CheckerOptions{})
	t.Cleanup(c.Close)
	waitLive(t, c)
	uid := newUID()
	if _, _, _, err := s.Record(ctx, Change{UID: uid, Purpose: CoachMemory, Decision: Grant, Mechanism: "api"}); err != nil {
		t.Fatal(err)
	}
	c.Invalidate(uid)
	if ok, _ := c.Allowed(ctx, uid, "", string(CoachMemory)); !ok {
		t.Fatal("grant not seen after Invalidate")
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkCheckerWarm measures a check on a warm cache and reports p50
// and p99 in nanoseconds (budget: p99 < 1 ms).
func BenchmarkCheckerWarm(b *testing.B) {
	ctx := context.Background()
	s := NewStore(fsClient, nil)
	publishAll(b, s)
	c := NewChecker(s, fsClient, CheckerOptions{})
	defer c.Close()
	waitLive(b, c)
	uids := make([]string, 64)
	for i := range uids {
		uids[i] = newUID()
		if i%2 == 0 {
			if _, _, _, err := s.Record(ctx, Change{UID: uids[i], Purpose: Analytics, Decision: Grant, Mechanism: "api"}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Warm: wait until the listener has reported the writes, then read.
	time.Sleep(100 * time.Millisecond)
	for _, u := range uids {
		c.Allowed(ctx, u, "org", string(Analytics))
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := c.Allowed(ctx, uids[i%len(uids)], "org", string(Analytics)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}
