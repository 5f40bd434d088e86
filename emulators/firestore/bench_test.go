package firestore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fspb "cloud.google.com/go/firestore/apiv1/firestorepb"
)

// BenchmarkCommitSingleDoc measures commits per second of one small
// document write, through the official client and through a bare gRPC
// client (which shows the emulator's own cost without the client library's
// tracing and retry layers).
func BenchmarkCommitSingleDoc(b *testing.B) {
	srv, c := setup(b)
	ctx := context.Background()
	// Many writers at once, as many function instances would be: with only
	// GOMAXPROCS writers the figure measures round-trip latency, not capacity.
	const writersPerCPU = 8
	b.Run("client", func(b *testing.B) {
		b.SetParallelism(writersPerCPU)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				if _, err := c.Doc(fmt.Sprintf("bench/%d-%p", i, pb)).Set(ctx, map[string]any{"n": i}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
	})
	b.Run("grpc", func(b *testing.B) {
		raw := rawClient(b, srv)
		db := "projects/" + testProject + "/databases/(default)"
		b.SetParallelism(writersPerCPU)
		start := time.Now()
		b.RunParallel(func(p *testing.PB) {
			i := 0
			for p.Next() {
				i++
				req := &fspb.CommitRequest{Database: db, Writes: []*fspb.Write{{Operation: &fspb.Write_Update{Update: &fspb.Document{
					Name:   fmt.Sprintf("%s/documents/raw/%d-%p", db, i, p),
					Fields: map[string]*fspb.Value{"n": {ValueType: &fspb.Value_IntegerValue{IntegerValue: int64(i)}}},
				}}}}}
				if _, err := raw.Commit(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
	})
}

// BenchmarkQuery10k runs a filtered, ordered, limited query over 10,000
// documents.
func BenchmarkQuery10k(b *testing.B) {
	_, c := setup(b)
	ctx := context.Background()
	const docs = 10_000
	for start := 0; start < docs; start += 500 {
		batch := c.Batch()
		for i := start; i < start+500; i++ {
			batch.Set(c.Doc(fmt.Sprintf("q10k/%05d", i)), map[string]any{"n": i, "even": i%2 == 0})
		}
		if _, err := batch.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	q := c.Collection("q10k").Where("even", "==", true).Where("n", ">=", 5000).OrderBy("n", firestore.Desc).Limit(20)
	b.ResetTimer()
	for b.Loop() {
		got, err := q.Documents(ctx).GetAll()
		if err != nil || len(got) != 20 {
			b.Fatalf("got %d docs, err %v", len(got), err)
		}
	}
}

// BenchmarkListenFanOut measures the delay from one commit until each of 100
// document listeners has seen it.
func BenchmarkListenFanOut(b *testing.B) {
	_, c := setup(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const listeners = 100
	doc := c.Doc("fan/out")
	if _, err := doc.Set(ctx, map[string]any{"n": -1}); err != nil {
		b.Fatal(err)
	}
	its := make([]*firestore.DocumentSnapshotIterator, listeners)
	for i := range its {
		its[i] = doc.Snapshots(ctx)
		defer its[i].Stop()
		if _, err := its[i].Next(); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	for n := range b.N {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := time.Now()
		if _, err := doc.Set(ctx, map[string]any{"n": n}); err != nil {
			b.Fatal(err)
		}
		for _, it := range its {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					snap, err := it.Next()
					if err != nil {
						b.Error(err)
						return
					}
					if snap.Data()["n"] == int64(n) {
						break
					}
				}
				d := time.Since(start)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
	}
}
