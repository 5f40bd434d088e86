package insights

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/insights"
)

// TestCoalescer: events of one session within a window share one flush,
// flushes keep the gap, every submit returns after the flush that holds
// it, and a flush whose op log was behind is followed by another.
func TestCoalescer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var starts, ends []time.Time
	var seen []int
	var behind atomic.Int32
	behind.Store(1)
	c := newCoalescer(context.Background(), 30*time.Millisecond, 200*time.Millisecond, 2, func(_ context.Context, b *batch) (flushResult, error) {
		mu.Lock()
		starts = append(starts, time.Now())
		seen = append(seen, len(b.Steps))
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		ends = append(ends, time.Now())
		mu.Unlock()
		return flushResult{Behind: behind.Add(-1) >= 0}, nil
	})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := sessionEvent{Org: "o", Session: "s", Canvas: "c", At: int64(i), StepMove: i == 3, Phase: "focus"}
			if err := c.submit(context.Background(), e); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	time.Sleep(600 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(starts) < 2 || len(starts) > 3 {
		t.Fatalf("%d flushes, want the window's and a catch-up one (%v)", len(starts), seen)
	}
	if seen[0] != 1 {
		t.Errorf("first flush saw %d phase changes, want 1", seen[0])
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(ends[i-1]); gap < 190*time.Millisecond {
			t.Errorf("flushes %v apart, want ≥ 200ms", gap)
		}
	}
}

func TestTimeline(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	s := &session{Plan: []planStep{{"pause"}, {"pause"}, {"expand"}, {"focus"}}, StartedAt: &t0}
	s.Current = &struct {
		Step      int       `firestore:"step"`
		ChangedAt time.Time `firestore:"changed_at"`
	}{Step: 3, ChangedAt: t0.Add(20 * time.Minute)}
	got := timeline(s, []phaseDoc{{"pause", t0.Add(time.Minute)}, {"expand", t0.Add(10 * time.Minute)}})
	want := []insights.PhaseChange{{Phase: "pause", At: t0}, {Phase: "expand", At: t0.Add(10 * time.Minute)}, {Phase: "focus", At: t0.Add(20 * time.Minute)}}
	if len(got) != len(want) {
		t.Fatalf("timeline = %v", got)
	}
	for i := range want {
		if got[i].Phase != want[i].Phase || !got[i].At.Equal(want[i].At) {
			t.Errorf("timeline[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if tl := timeline(&session{}, nil); len(tl) != 0 {
		t.Errorf("timeline of a session not started = %v", tl)
	}
}
