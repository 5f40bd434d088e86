package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
)

// benchEvents is how many events BenchmarkReports loads (BENCH_EVENTS
// overrides it for a quicker look).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// loadSQL generates @n events of org-a in the engine with one GoogleSQL
// DML statement, sent through the client's jobs.query: 500 people (10 %
// of events without an actor), three years, 200 sessions, 300 canvases,
// 400 items; every hundredth row repeats the event before it (a second
// delivery: same event_id and contents), for the view to drop. Each
// event's fields derive from a fingerprint of its number, so the data is
// the same on every run.
const loadSQL = `
INSERT INTO analytics.events (event_id, type, occurred_at, org_id, actor, session_id, canvas_id, payload, schema_version, message_id)
WITH n AS (
  SELECT i, IF(MOD(i, 100) = 99, i - 1, i) AS j
  FROM UNNEST(GENERATE_ARRAY(1, @n)) AS i
),
h AS (
  SELECT i, j, ABS(FARM_FINGERPRINT(CAST(j AS STRING))) AS h FROM n
),
t AS (
  SELECT i, j, h,
    CASE MOD(h, 7) WHEN 0 THEN 'canvas.op' WHEN 1 THEN 'canvas.op' WHEN 2 THEN 'canvas.op'
      WHEN 3 THEN 'session.card_selected' WHEN 4 THEN 'journal.synced' WHEN 5 THEN 'coach.asked'
      ELSE 'session.participant_changed' END AS type
  FROM h
)
SELECT
  FORMAT('00000000-0000-4000-8000-%012d', j),
  type,
  TIMESTAMP_ADD(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL MOD(DIV(h, 7), 94608000) SECOND),
  'org-a',
  IF(MOD(DIV(h, 1000), 10) = 0 AND type != 'canvas.op' AND type != 'session.card_selected', NULL, FORMAT('actor-%016d', MOD(DIV(h, 10000), 500))),
  IF(type IN ('journal.synced', 'coach.asked'), NULL, FORMAT('s%d', MOD(DIV(h, 100000), 200))),
  IF(type = 'canvas.op', FORMAT('c%d', MOD(DIV(h, 1000000), 300)), NULL),
  IF(type = 'session.card_selected', PARSE_JSON(FORMAT('{"card_id":"item-%d"}', MOD(DIV(h, 1000000), 400))), PARSE_JSON('{}')),
  1,
  FORMAT('m%d', i)
FROM t`

// loadEvents runs loadSQL: the fastest path into the emulator that is
// still BigQuery's (a DML job through the official client into the
// deployed table, read through the deployed views). Streaming a million
// rows through insertAll works too but takes minutes on two cores
// (BenchmarkInsertAll measures that path).
func loadEvents(b *testing.B, e *env, n int) time.Duration {
	b.Helper()
	start := time.Now()
	q := e.bq.Query(loadSQL)
	q.Parameters = []bigquery.QueryParameter{{Name: "n", Value: n}}
	job, err := q.Run(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	st, err := job.Wait(context.Background())
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		b.Fatalf("load: %v", err)
	}
	return time.Since(start)
}

// BenchmarkInsertAll streams events through tabledata.insertAll (the
// client's Inserter, the API BigQuery subscriptions write through), 1,000
// rows a request.
func BenchmarkInsertAll(b *testing.B) {
	e := newEnv(b)
	r := rand.New(rand.NewPCG(1, 2))
	n := 0
	for b.Loop() {
		rows := make([]*bigquery.StructSaver, 1000)
		for k := range rows {
			n++
			id := fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
			x := ev{typ: "canvas.op", at: at("2026-01", 1+r.IntN(27), r.IntN(23)), org: "org-a", uid: fmt.Sprint("u-", r.IntN(500)), session: "s1", canvas: "c1"}
			rows[k] = &bigquery.StructSaver{Struct: e.row(x, id), InsertID: id}
		}
		if err := e.bq.Dataset(Dataset).Table("events").Inserter().Put(context.Background(), rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReports loads a million events into the BigQuery emulator and
// times every report's query through the client (the function's path
// below the cache: Firestore reads for scope, the query, the k rule),
// printing the p50 of the runs.
//
//	go test -run '^$' -bench BenchmarkReports -benchtime 5x ./functions/analytics
func BenchmarkReports(b *testing.B) {
	e := newEnv(b)
	n := benchEvents()
	took := loadEvents(b, e, n)
	b.Logf("loaded %d events with one DML job in %s (%.0f rows/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	ctx := context.Background()
	var sessions, items []string
	for i := range 200 {
		sessions = append(sessions, fmt.Sprintf("s%d", i))
	}
	for i := range 400 {
		items = append(items, fmt.Sprintf("item-%d", i))
	}
	p := Params{Org: "org-a", From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	a := &api{d: Deps{BigQuery: e.bq, Firestore: e.fs, Pseudonyms: e.ps, Verifier: e.users.Verifier(), Now: time.Now}}
	for _, rep := range reports {
		sc := scoped{actor: fmt.Sprintf("actor-%016d", 7), sessions: sessions, items: items}
		b.Run(rep.Name, func(b *testing.B) {
			var times []time.Duration
			var rows int
			for b.Loop() {
				start := time.Now()
				out, _, err := a.run(ctx, rep, p, sc)
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				rows = len(out)
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "p50-ms")
			b.Logf("%s: p50 %s over %d runs, %d rows", rep.Name, times[len(times)/2].Round(time.Millisecond), len(times), rows)
		})
	}
}
