package journal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/internal/apitest"
)

// Budgets (DESIGN §10): a push of 100 mutations < 200 ms; a pull of 1,000
// changed entries < 300 ms, through the real handler on the in-process
// Firestore emulator:
//
//	go test -run '^$' -bench 'Push100|Pull1000' -benchtime 50x ./functions/journal

// BenchmarkPush100 pushes 100 mutations in one push: 60 entries created
// and 40 body edits of them, each made from the created text (so each is
// merged with the stored body), for a new person every time.
func BenchmarkPush100(b *testing.B) {
	e := newEnv(b, func(d *Deps) { d.Verifier = simPeople(d.Verifier) })
	var lat []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		tok := fmt.Sprint("sim-push-", i)
		i++
		q := PushRequest{ClientID: uuid.NewString(), Mutations: benchMutations(100, 40)}
		b.StartTimer()
		t0 := time.Now()
		r := apitest.Serve(b, e.h, http.MethodPost, "/v1/push", tok, q)
		lat = append(lat, time.Since(t0))
		if r.Code != http.StatusOK {
			b.Fatalf("push: %s", r)
		}
	}
	reportLatency(b, lat)
}

// BenchmarkPull1000 pulls 1,000 changed entries (of about 1 KB each) in
// one page from cookie 0.
func BenchmarkPull1000(b *testing.B) {
	e := newEnv(b, func(d *Deps) { d.Verifier = simPeople(d.Verifier) })
	const tok = "sim-pull"
	client := uuid.NewString()
	for k := range 10 {
		muts := benchMutations(100, 0)
		for j := range muts {
			muts[j].ID = int64(k*100 + j + 1)
		}
		q := PushRequest{ClientID: client, Mutations: muts}
		apitest.Serve(b, e.h, http.MethodPost, "/v1/push", tok, q).Want(b, http.StatusOK)
	}
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		r := apitest.Serve(b, e.h, http.MethodPost, "/v1/pull", tok, PullRequest{ClientID: client, Limit: MaxPull})
		lat = append(lat, time.Since(t0))
		var out PullResponse
		r.Want(b, http.StatusOK).JSON(b, &out)
		if len(out.Entries) != 1000 {
			b.Fatalf("pulled %d entries", len(out.Entries))
		}
	}
	reportLatency(b, lat)
}

// benchMutations makes n mutations: creates, then edits of the created
// bodies made from their first text.
func benchMutations(n, edits int) []Mutation {
	var muts []Mutation
	var ids, bodies []string
	creates := n - edits
	para := strings.Repeat("A quiet walk by the sea, thinking about the week. ", 20) // ~1 KB
	for k := range creates {
		id := uuid.NewString()
		body := fmt.Sprintf("Day %d. %s", k, para)
		ids, bodies = append(ids, id), append(bodies, body)
		muts = append(muts, benchMut(int64(len(muts)+1), MutCreate, CreateArgs{ID: id, Title: fmt.Sprint("Entry ", k), Body: body}))
	}
	for k := 0; len(muts) < n; k++ {
		edited := bodies[k] + " And then the rain came."
		muts = append(muts, benchMut(int64(len(muts)+1), MutUpdate, UpdateArgs{ID: ids[k], BaseRev: 0, BaseBody: &bodies[k], Body: &edited}))
	}
	return muts
}

func benchMut(id int64, name string, args any) Mutation {
	b, err := json.Marshal(args)
	if err != nil {
		panic(err)
	}
	return Mutation{ID: id, Name: name, Args: b}
}

// reportLatency reports the median and 95th percentile in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}
