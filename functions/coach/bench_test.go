package coach

import (
	"bufio"
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
)

// benchUsers adds a caller with the most credits.
var benchUsers = testUsers.With(apitest.Users{"bench": {UID: "u-bench", Org: orgA, Role: auth.RoleFacilitator, Tier: auth.TierOfficial, EmailVerified: true}})

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func reportLatency(b *testing.B, what string, d []time.Duration) {
	p50, p95 := percentile(d, 0.50), percentile(d, 0.95)
	b.ReportMetric(float64(p50.Microseconds())/1000, what+"-p50-ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, what+"-p95-ms")
	b.Logf("%s over %d runs: p50 %v, p95 %v", what, len(d), p50, p95)
}

// resetCredits keeps the bench caller under its monthly limit.
func resetCredits(b *testing.B, a *api) {
	if _, err := a.creditsRef("u-bench", a.d.Now()).Set(context.Background(), creditDoc{}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPipelineBeforeModel is the coach's own work before the model
// writes (conversation, consent, safety, credits, names, redaction, the
// question's embedding and both library searches) against the local
// emulators. Budget: p95 < 50 ms (DESIGN §10).
func BenchmarkPipelineBeforeModel(b *testing.B) {
	e := newEnv(b, benchUsers)
	a := e.api()
	c := e.conversation("bench", nil)
	for range 3 {
		e.ask("bench", c.ID, morning) // some history
	}
	p := benchUsers["bench"]
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := a.prepare(context.Background(), &p, c.ID, AskRequest{Text: morning, Lang: "en"}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, "prep", lat)
}

// BenchmarkAsk is whole answers through the HTTP API (local model).
func BenchmarkAsk(b *testing.B) {
	e := newEnv(b, benchUsers)
	a := e.api()
	c := e.conversation("bench", nil)
	n := 0
	start := time.Now()
	for b.Loop() {
		if n%1000 == 999 {
			resetCredits(b, a)
		}
		n++
		apitest.Serve(b, e.h, "POST", "/v1/conversations/"+c.ID+"/ask", "bench", map[string]any{"text": morning}).Want(b, 200)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "answers/s")
}

// BenchmarkStreamFirstToken is the time from sending a streamed ask to
// its first token event, over HTTP against the local emulators.
func BenchmarkStreamFirstToken(b *testing.B) {
	e := newEnv(b, benchUsers)
	a := e.api()
	srv := httptest.NewServer(e.stream)
	b.Cleanup(srv.Close)
	c := e.conversation("bench", nil)
	var lat []time.Duration
	n := 0
	for b.Loop() {
		if n%1000 == 999 {
			resetCredits(b, a)
		}
		n++
		start := time.Now()
		resp := streamAsk(b, srv, "bench", c.ID, morning)
		sc := bufio.NewScanner(resp.Body)
		first := time.Duration(0)
		for sc.Scan() {
			if first == 0 && strings.HasPrefix(sc.Text(), "event: token") {
				first = time.Since(start)
			}
		}
		resp.Body.Close()
		if first == 0 {
			b.Fatal("no token event")
		}
		lat = append(lat, first)
	}
	reportLatency(b, "first-token", lat)
}
