package analytics

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"github.com/google/uuid"
	"google.golang.org/api/option"

	bqemu "pointsofyou.ai/studio/emulators/bigquery"
	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/emulators/suite"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

const testProject = "demo-analytics"

// Callers of the test world, by token.
const (
	tokAdminA = apitest.AdminA
	tokFacA   = apitest.FacilitatorA
	tokPartA  = apitest.ParticipantA
	tokAdminB = apitest.AdminB
	tokNoOrg  = apitest.Stranger
)

// env is one isolated world: its own BigQuery and Firestore emulators, the
// deployed tables and views, and the handler.
type env struct {
	bq    *bigquery.Client
	fs    *firestore.Client
	ps    *events.Pseudonymizer
	users apitest.Users
	h     http.Handler
	now   time.Time
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith adds callers to the two organisations' table.
func newEnvWith(t testing.TB, more apitest.Users) *env {
	t.Helper()
	ctx := context.Background()
	srv, err := bqemu.NewServer(bqemu.Options{Project: testProject})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	topo, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	if err := suite.ApplyBigQuery(ctx, srv, topo, testProject, infra.FS()); err != nil {
		t.Fatal(err)
	}
	c, err := bigquery.NewClient(ctx, testProject, option.WithEndpoint(srv.Endpoint()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ps, err := events.NewPseudonymizer([]byte("analytics-test-pseudonym-key-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{bq: c, ps: ps, users: apitest.TwoOrgs().With(more), now: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)}
	e.fs = fstest.NewClient(t, testProject, fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	e.users.SeedMembers(t, e.fs)
	if e.h, err = New(Deps{Verifier: e.users.Verifier(), Firestore: e.fs, BigQuery: c, Pseudonyms: ps,
		Now: func() time.Time { return e.now }}); err != nil {
		t.Fatal(err)
	}
	return e
}

// ev is one event as seeded: uid "" (or consent false) leaves the actor out.
type ev struct {
	typ     string
	at      time.Time
	org     string
	uid     string
	session string
	canvas  string
	payload string
}

// eventRow is a row of analytics.events as the BigQuery subscription
// writes it.
type eventRow struct {
	EventID       string              `bigquery:"event_id"`
	Type          string              `bigquery:"type"`
	OccurredAt    time.Time           `bigquery:"occurred_at"`
	OrgID         string              `bigquery:"org_id"`
	Actor         bigquery.NullString `bigquery:"actor"`
	SessionID     bigquery.NullString `bigquery:"session_id"`
	CanvasID      bigquery.NullString `bigquery:"canvas_id"`
	Payload       string              `bigquery:"payload"`
	SchemaVersion int64               `bigquery:"schema_version"`
	MessageID     bigquery.NullString `bigquery:"message_id"`
}

func null(s string) bigquery.NullString { return bigquery.NullString{StringVal: s, Valid: s != ""} }

// row builds the stored row of one event; the actor is the uid's
// pseudonym in the org, as the publisher stamps it.
func (e *env) row(x ev, id string) eventRow {
	actor := ""
	if x.uid != "" {
		actor = e.ps.Actor(x.org, x.uid)
	}
	p := x.payload
	if p == "" {
		p = "{}"
	}
	return eventRow{EventID: id, Type: x.typ, OccurredAt: x.at.UTC(), OrgID: x.org, Actor: null(actor),
		SessionID: null(x.session), CanvasID: null(x.canvas), Payload: p, SchemaVersion: 1, MessageID: null(id)}
}

// insert streams events through tabledata.insertAll (the client's
// Inserter), 5,000 rows a request, each with its event id as insertId
// unless dup (then a second delivery of the same event: a new insertId).
func (e *env) insert(t testing.TB, evs []ev) []string {
	t.Helper()
	ids := make([]string, len(evs))
	savers := make([]*bigquery.StructSaver, len(evs))
	for i, x := range evs {
		ids[i] = uuid.NewString()
		savers[i] = &bigquery.StructSaver{Struct: e.row(x, ids[i]), InsertID: ids[i]}
	}
	e.put(t, savers)
	return ids
}

func (e *env) put(t testing.TB, savers []*bigquery.StructSaver) {
	t.Helper()
	ins := e.bq.Dataset(Dataset).Table("events").Inserter()
	for len(savers) > 0 {
		n := min(len(savers), 5000)
		if err := ins.Put(context.Background(), savers[:n]); err != nil {
			t.Fatalf("insert: %v", err)
		}
		savers = savers[n:]
	}
}

// get asks the API for a report as token.
func (e *env) get(t testing.TB, token, report, query string) apitest.Response {
	t.Helper()
	path := "/v1/reports/" + report
	if query != "" {
		path += "?" + query
	}
	return apitest.Serve(t, e.h, http.MethodGet, path, token, nil)
}

func (e *env) result(t testing.TB, token, report, query string) Result {
	t.Helper()
	return apitest.Decode[Result](t, e.get(t, token, report, query).Want(t, http.StatusOK))
}

func at(month string, day, hour int) time.Time {
	tm, err := time.Parse("2006-01", month)
	if err != nil {
		panic(err)
	}
	return tm.AddDate(0, 0, day-1).Add(time.Duration(hour) * time.Hour)
}

func person(i int) string { return fmt.Sprintf("u-person-%02d", i) }
