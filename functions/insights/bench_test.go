package insights

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkOpToInsight measures how long a canvas op takes to reach the
// facilitator's insights: 50 participants making 2 ops a second each for
// INSIGHTS_BENCH_SECONDS (default 60) seconds of session, the op log
// written to the Firestore emulator in entries of 100 ms, a canvas.op
// event per op through the Pub/Sub emulator and Eventarc's delivery into
// the handler. Latency is from an entry's commit to the first live-view
// version that includes it, as a Firestore listener (the long poll's)
// sees it. Budget 5 s, goal 1 s.
//
//	go test ./functions/insights -run '^$' -bench OpToInsight -benchtime 1x
func BenchmarkOpToInsight(b *testing.B) {
	if testing.Short() {
		b.Skip("runs a minute of session")
	}
	secs := 60
	if v, err := strconv.Atoi(os.Getenv("INSIGHTS_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	for range b.N {
		lat, entries, versions := runOpToInsight(b, time.Duration(secs)*time.Second)
		slices.Sort(lat)
		q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		b.ReportMetric(float64(q(0.50).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(q(0.95).Milliseconds()), "p95-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
		fmt.Printf("op→insight over %ds: %d entries (%d ops), %d live versions (%.2f/s); p50 %v, p95 %v, max %v\n",
			secs, entries, entries*opsPerEntry, versions, float64(versions)/float64(secs),
			q(0.50).Round(time.Millisecond), q(0.95).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}
}

const (
	benchPeople = 50
	opsPerEntry = 10 // 50 people × 2 ops/s in entries of 100 ms
)

func runOpToInsight(b *testing.B, d time.Duration) (lat []time.Duration, entries, versions int) {
	w := newWorld(b, worldOpts{})
	ctx := context.Background()
	const sid = "s-bench"
	start := time.Now().UTC()
	var people []string
	for i := range benchPeople {
		people = append(people, fmt.Sprintf("u-bench-%02d", i))
	}
	w.session(sid, start, people, "pause", "expand")
	for _, u := range people {
		w.consent(u, true)
	}

	// The facilitator's view: every version the listener sees, with the
	// ops it counts.
	type seen struct {
		at  time.Time
		ops int
	}
	var mu sync.Mutex
	var views []seen
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	it := sessionRefs(w.fs, orgA, sid).live.Snapshots(lctx)
	defer it.Stop()
	go func() {
		for {
			snap, err := it.Next()
			if err != nil {
				return
			}
			at := time.Now()
			l, err := decodeLive(snap)
			if err != nil || l == nil {
				continue
			}
			mu.Lock()
			views = append(views, seen{at, totalOps(l)})
			mu.Unlock()
		}
	}()

	type written struct {
		commit time.Time
		cum    int
	}
	var log []written
	var pubs sync.WaitGroup
	sem := make(chan struct{}, 64)
	created := map[string]bool{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		now := time.Now().UTC()
		var ops []op
		for range opsPerEntry {
			u := people[n%benchPeople]
			el := "n-" + u
			if !created[el] {
				created[el] = true
				ops = append(ops, op{id: el, kind: "note", owner: u, from: u, props: map[string]any{"x": n}})
			} else {
				ops = append(ops, op{id: el, from: u, props: map[string]any{"x": n}})
			}
			n++
		}
		commit := w.logEntry(sid, fmt.Sprintf("e%06d", len(log)), now, ops...)
		log = append(log, written{commit, n})
		for _, o := range ops {
			pubs.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; pubs.Done() }()
				w.canvasOp(sid, o.from, o.id, "note", now)
			}()
		}
	}
	pubs.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		done := len(views) > 0 && views[len(views)-1].ops >= n
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	for _, e := range log {
		i := slices.IndexFunc(views, func(v seen) bool { return v.ops >= e.cum })
		if i < 0 {
			b.Fatalf("an entry of %d ops never reached the live view (last view counts %d)", e.cum, views[len(views)-1].ops)
		}
		lat = append(lat, views[i].at.Sub(e.commit))
	}
	return lat, len(log), len(views)
}
