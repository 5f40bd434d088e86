package journal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/uuid"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/ai"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

const (
	project  = "demo-journal"
	orgA     = apitest.OrgA
	facA     = apitest.FacilitatorA // facilitator of session A, professional
	facB     = apitest.FacilitatorB
	adminA   = apitest.AdminA
	partA    = apitest.ParticipantA // participant of session A, free
	partB    = apitest.ParticipantB // of org B, free, also in session A
	stranger = apitest.Stranger
	sessionA = "session-a"
)

var testUsers = apitest.TwoOrgs()

func uid(tok string) string { return testUsers[tok].UID }

// env is one isolated world: a Firestore emulator, a Vertex emulator, the
// real outbox on a Pub/Sub emulator, and org A's live session with two
// participants.
type env struct {
	t       testing.TB
	fs      *firestore.Client
	events  *apitest.Events
	consent *apitest.Consents
	d       Deps
	h       http.Handler
	now     time.Time
}

func newEnv(t testing.TB, tweak ...func(*Deps)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, consent: &apitest.Consents{}, now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	e.fs = fstest.NewClient(t, project, fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	vs, err := vertex.NewServer(vertex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vs.Close() })
	model, err := ai.New(ctx, ai.Config{Project: project, EmulatorHost: vs.Addr, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = model.Close() })
	e.events = apitest.NewEvents(t, apitest.EventsOptions{})
	e.d = Deps{Verifier: testUsers.Verifier(), Firestore: e.fs, Outbox: e.events.Outbox(e.fs), Consent: e.consent,
		Model: model, EmbedModel: model.Config().EmbedModel, Now: func() time.Time { return e.now }}
	for _, f := range tweak {
		f(&e.d)
	}
	if e.h, err = New(e.d); err != nil {
		t.Fatal(err)
	}
	testUsers.SeedMembers(t, e.fs)
	e.set("orgs/"+orgA+"/sessions/"+sessionA, map[string]any{"org": orgA, "facilitator": uid(facA), "co_facilitators": []string{}, "status": "live"})
	e.set("session_index/"+sessionA, map[string]any{"org": orgA})
	for _, tok := range []string{partA, partB} {
		e.set("orgs/"+orgA+"/sessions/"+sessionA+"/members/"+uid(tok), map[string]any{"role": "participant"})
		e.set("orgs/"+orgA+"/sessions/"+sessionA+"/participants/"+uid(tok), map[string]any{"uid": uid(tok), "display_name": "Noa " + tok})
	}
	return e
}

func (e *env) set(path string, v any) {
	e.t.Helper()
	if _, err := e.fs.Doc(path).Set(context.Background(), v); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) do(method, path, tok string, body any) apitest.Response {
	e.t.Helper()
	return apitest.Serve(e.t, e.h, method, path, tok, body)
}

// device is one client of one person, with its own mutation counter.
type device struct {
	e    *env
	tok  string
	id   string
	next int64
}

func (e *env) device(tok string) *device {
	return &device{e: e, tok: tok, id: uuid.NewString(), next: 1}
}

// mut makes the device's next mutation.
func (d *device) mut(name string, args any) Mutation {
	b, err := json.Marshal(args)
	if err != nil {
		d.e.t.Fatal(err)
	}
	m := Mutation{ID: d.next, Name: name, Args: b}
	d.next++
	return m
}

// push pushes ms and wants code.
func (d *device) push(code int, ms ...Mutation) apitest.Response {
	d.e.t.Helper()
	return d.e.do("POST", "/v1/push", d.tok, PushRequest{ClientID: d.id, Mutations: ms}).Want(d.e.t, code)
}

// pushOK pushes ms and decodes the answer.
func (d *device) pushOK(ms ...Mutation) PushResponse {
	d.e.t.Helper()
	var out PushResponse
	d.push(http.StatusOK, ms...).JSON(d.e.t, &out)
	return out
}

// pull pulls from cookie.
func (d *device) pull(cookie int64, limit int) PullResponse {
	d.e.t.Helper()
	var out PullResponse
	d.e.do("POST", "/v1/pull", d.tok, PullRequest{ClientID: d.id, Cookie: cookie, Limit: limit}).Want(d.e.t, http.StatusOK).JSON(d.e.t, &out)
	return out
}

// entry reads an entry as tok.
func (e *env) entry(tok, id string) Entry {
	e.t.Helper()
	var out Entry
	e.do("GET", "/v1/entries/"+id, tok, nil).Want(e.t, http.StatusOK).JSON(e.t, &out)
	return out
}

func newEntryID() string { return uuid.NewString() }

func create(id, title, body string, extra ...func(*CreateArgs)) CreateArgs {
	a := CreateArgs{ID: id, Title: title, Body: body}
	for _, f := range extra {
		f(&a)
	}
	return a
}

func ptr[T any](v T) *T { return &v }

func urlq(s string) string { return url.QueryEscape(s) }
