package coach

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/library"
)

func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }

const (
	project  = "demo-coach"
	orgA     = apitest.OrgA
	orgB     = apitest.OrgB
	facA     = apitest.FacilitatorA // facilitator of session A, professional
	adminA   = apitest.AdminA
	partA    = apitest.ParticipantA // participant of session A, free
	partB    = apitest.ParticipantB // of org B, free
	stranger = apitest.Stranger
	sessionA = "session-a" // a live session of org A
)

var testUsers = apitest.TwoOrgs()

func uid(tok string) string { return testUsers[tok].UID }

// recorder keeps every request that reaches the model, as the strings
// it carries (prompt, passages, system instruction, texts to embed).
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method string
	text   string
}

func (r *recorder) on(method string, req any) {
	m, ok := req.(proto.Message)
	if !ok {
		return
	}
	b, err := protojson.Marshal(m)
	if err != nil {
		return
	}
	var v any
	_ = json.Unmarshal(b, &v)
	var sb strings.Builder
	walk(v, func(s string) { sb.WriteString(s); sb.WriteByte('\n') })
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{method: method, text: sb.String()})
	r.mu.Unlock()
}

func walk(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	case map[string]any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// mark is where the requests so far end.
func (r *recorder) mark() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.reqs) }

// since lists the requests after mark.
func (r *recorder) since(mark int) []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs[mark:]...)
}

// generations counts the generation requests after mark.
func (r *recorder) generations(mark int) int {
	n := 0
	for _, q := range r.since(mark) {
		if strings.Contains(q.method, "Generate") {
			n++
		}
	}
	return n
}

// env is one isolated world: a Firestore emulator, a Vertex emulator
// recording every request, the real outbox on a Pub/Sub emulator, org A
// with its live session and a small library.
type env struct {
	t       testing.TB
	fs      *firestore.Client
	vs      *vertex.Server
	rec     *recorder
	events  *apitest.Events
	consent *apitest.Consents
	model   *ai.Client
	d       Deps
	h       http.Handler
	stream  http.Handler
}

func newEnv(t testing.TB, users apitest.Users, tweak ...func(*Deps)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, rec: &recorder{}, consent: &apitest.Consents{}}
	e.fs = fstest.NewClient(t, project, fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	var err error
	if e.vs, err = vertex.NewServer(vertex.Options{OnRequest: e.rec.on}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.vs.Close() })
	if e.model, err = ai.New(ctx, ai.Config{Project: project, EmulatorHost: e.vs.Addr, MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.model.Close() })
	e.events = apitest.NewEvents(t, apitest.EventsOptions{})
	e.d = Deps{Verifier: users.Verifier(), Firestore: e.fs, Outbox: e.events.Outbox(e.fs), Consent: e.consent, Model: e.model,
		StreamURL: "http://127.0.0.1:5001/demo-coach/europe-west1/coach-stream", AllowedOrigins: []string{"http://site.test"},
		Passages: 8}
	for _, f := range tweak {
		f(&e.d)
	}
	if e.h, err = New(e.d); err != nil {
		t.Fatal(err)
	}
	if e.stream, err = NewStream(e.d); err != nil {
		t.Fatal(err)
	}
	e.seed(users)
	return e
}

func (e *env) set(path string, v any) {
	e.t.Helper()
	if _, err := e.fs.Doc(path).Set(context.Background(), v); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) seed(users apitest.Users) {
	t := e.t
	users.SeedMembers(t, e.fs)
	e.set("orgs/"+orgA, map[string]any{"name": "Lumen Circle"})
	e.set("orgs/"+orgA+"/sessions/"+sessionA, map[string]any{"org": orgA, "facilitator": uid(facA), "co_facilitators": []string{},
		"status": "live", "plan": []map[string]any{{"phase": "pause"}, {"phase": "expand"}}, "current": map[string]any{"step": 1}})
	e.set("session_index/"+sessionA, map[string]any{"org": orgA})
	for _, tok := range []string{partA, partB} {
		e.set("orgs/"+orgA+"/sessions/"+sessionA+"/members/"+uid(tok), map[string]any{"role": "participant"})
		e.set("orgs/"+orgA+"/sessions/"+sessionA+"/participants/"+uid(tok), map[string]any{"uid": uid(tok), "state": "joined", "display_name": "Noa " + tok})
	}
	e.seedLibrary()
}

// Library markers: text that must never reach a model (a licence without
// AI use, a tier above the caller, an expired licence).
const (
	markNoAI    = "SECRETBODY"
	markPro     = "PROBODY"
	proTitle    = "Dawn Practice"
	markExpired = "EXPIREDBODY"
)

func item(id, typ, tier, lic string, ai bool, title, body string, themes ...string) library.Item {
	return library.Item{ID: id, Type: typ, Tier: tier, Status: library.StatusPublished,
		Text:    map[string]library.Text{"en": {Title: title, Body: body}},
		Themes:  themes,
		License: library.License{Type: lic, AIUsageAllowed: ai}}
}

func (e *env) seedLibrary() {
	t, ctx := e.t, context.Background()
	past := time.Now().Add(-24 * time.Hour)
	expired := item("expired-day", library.TypePhotoCard, "free", "proprietary", true, "Old Day", markExpired+" calm morning start to the day", "calm")
	expired.License.ExpiresAt = &past
	balance := item("balance", library.TypeWordCard, "free", "proprietary", true, "Balance", "Balance is a moving point between effort and rest in the morning.", "balance")
	balance.Text["es"] = library.Text{Title: "Equilibrio", Body: "El equilibrio es un punto en movimiento."}
	official := []library.Item{
		item("calm-morning", library.TypePhotoCard, "free", "open", true, "Calm Morning", "A slow morning ritual: breathe, notice the light, begin the day gently.", "calm", "morning"),
		balance,
		item("secret-sunrise", library.TypePhotoCard, "free", "proprietary", false, "Sunrise Ritual", markNoAI+" a calm morning start to the day: breathe and find light", "morning", "ritual"),
		item("pro-dawn", library.TypePhotoCard, "professional", "proprietary", true, proTitle, markPro+" a calm morning start to the day with breathing and light", "dawn"),
		item("ask-start", library.TypeQuestionCard, "free", "open", true, "First step", "What is one small thing that makes your morning calm?", "start"),
		expired,
	}
	team := item("team-morning", library.TypeExercise, "free", "attribution", true, "Team Morning", "A calm morning start to the day for a team: share one word each.", "team")
	team.License.AttributionRequired, team.Attribution = true, "Ana Ruiz"
	circle := item("circle", library.TypeExercise, "free", "attribution", true, "Circle", "Sit in a circle for a calm start to the morning day.", "circle")
	circle.License.AttributionRequired = true
	org := []library.Item{team, circle}
	for lib, items := range map[string][]library.Item{"": official, orgA: org} {
		for i := range items {
			items[i].Normalize()
			items[i].Org = lib
		}
		if _, err := library.Import(ctx, e.fs, lib, items, "seed", time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if _, err := library.SyncChunks(ctx, e.fs, e.model, e.model.Config().EmbedModel, time.Now, lib, it.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// do calls the API as tok.
func (e *env) do(method, path, tok string, body any, opts ...apitest.Option) apitest.Response {
	e.t.Helper()
	return apitest.Serve(e.t, e.h, method, path, tok, body, opts...)
}

// conversation makes a conversation of tok.
func (e *env) conversation(tok string, body map[string]any) Conversation {
	e.t.Helper()
	var c Conversation
	e.do("POST", "/v1/conversations", tok, body).Want(e.t, http.StatusCreated).JSON(e.t, &c)
	return c
}

// ask asks in conversation c as tok and returns the answer.
func (e *env) ask(tok, conv, text string) AskResponse {
	e.t.Helper()
	var out AskResponse
	e.do("POST", "/v1/conversations/"+conv+"/ask", tok, map[string]any{"text": text, "lang": "en"}).Want(e.t, http.StatusOK).JSON(e.t, &out)
	return out
}

// principal is a caller of the user table.
func principal(tok string) *auth.Principal {
	p := testUsers[tok]
	return &p
}

// api is the handlers' state over e's dependencies (for pipeline tests).
func (e *env) api() *api {
	e.t.Helper()
	a, err := newAPI(e.d)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}
