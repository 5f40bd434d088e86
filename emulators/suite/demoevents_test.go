package suite

import (
	"context"
	"slices"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/emulators/bigquery"
	"pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/shared/events"
)

func TestDemoEventsShape(t *testing.T) {
	t.Parallel()
	d, err := LoadDemo("../../testdata/demo/users.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := events.PseudonymizerFromEnv("demo-poy", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	org := d.Orgs[0].ID
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	envs := DemoEvents(org, demoPeople(d, org), demoCards, ps, now)
	again := DemoEvents(org, demoPeople(d, org), demoCards, ps, now)
	later := DemoEvents(org, demoPeople(d, org), demoCards, ps, now.Add(72*time.Hour))
	if len(envs) != len(again) || envs[0].EventID != again[0].EventID || envs[len(envs)-1].EventID != again[len(again)-1].EventID {
		t.Fatal("DemoEvents is not deterministic")
	}
	if len(later) <= len(envs) || later[0].EventID != envs[0].EventID {
		t.Errorf("three days later: %d events (was %d), first %s (was %s)", len(later), len(envs), later[0].EventID, envs[0].EventID)
	}
	reg := events.Standard()
	people := map[string]map[string]bool{} // month → actors
	ids := map[string]bool{}
	for _, e := range envs {
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
		if err := reg.Check(e); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
		if ids[e.EventID] {
			t.Fatalf("duplicate event id %s", e.EventID)
		}
		ids[e.EventID] = true
		m := e.OccurredAt.Format("2006-01")
		if people[m] == nil {
			people[m] = map[string]bool{}
		}
		if e.Actor != "" {
			people[m][e.Actor] = true
		}
		if e.OccurredAt.After(now) || e.OccurredAt.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s at %s: outside the year", e.Type, e.OccurredAt)
		}
	}
	var small, large int
	for _, a := range people {
		if len(a) < 5 {
			small++
		} else {
			large++
		}
	}
	if len(people) != 12 || small == 0 || large < 6 {
		t.Errorf("months %d, under five %d, five and more %d", len(people), small, large)
	}
	// The demo org admin's own actor is among them ("me" shows rows).
	admin := ps.Actor(org, "demo-org-admin")
	if !slices.ContainsFunc(envs, func(e *events.Envelope) bool { return e.Actor == admin }) {
		t.Error("the demo org admin has no events")
	}
}

// The demo events take the path of every event: the events topic, its
// BigQuery subscription, analytics.events; the view counts each once.
func TestDemoEventsReachBigQuery(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	const project = "demo-events"
	bqs, err := bigquery.NewServer(bigquery.Options{Project: project})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bqs.Close() })
	ps, err := pubsub.NewServer(pubsub.Options{BackoffScale: 0.001, BigQuery: bigQueryWriter{bqs}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	topo, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyBigQuery(ctx, bqs, topo, project, infra.FS()); err != nil {
		t.Fatal(err)
	}
	if err := ps.Apply(ctx, topo, project, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	d, err := LoadDemo("../../testdata/demo/users.json")
	if err != nil {
		t.Fatal(err)
	}
	s := &Suite{opts: Options{Project: project}, PubSub: ps}
	now := time.Now()
	for range 2 { // seeding twice is harmless
		if err := s.seedDemoEvents(ctx, d, now); err != nil {
			t.Fatal(err)
		}
	}
	pseud, _ := events.PseudonymizerFromEnv(project, func(string) string { return "" })
	want := len(DemoEvents(d.Orgs[0].ID, demoPeople(d, d.Orgs[0].ID), demoCards, pseud, now))
	c, err := bq.NewClient(ctx, project, option.WithEndpoint(bqs.Endpoint()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	count := func(table string) int64 {
		it, err := c.Query("SELECT COUNT(*) AS n FROM analytics." + table).Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var row struct {
			N int64 `bigquery:"n"`
		}
		if err := it.Next(&row); err != nil {
			t.Fatal(err)
		}
		return row.N
	}
	for count("events") < int64(2*want) {
		if ctx.Err() != nil {
			t.Fatalf("events table has %d rows, want %d", count("events"), 2*want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := count("events_unique"); got != int64(want) {
		t.Errorf("events_unique has %d rows, want %d", got, want)
	}
}
