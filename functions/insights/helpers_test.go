package insights

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	gps "cloud.google.com/go/pubsub/v2"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/protocol"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"pointsofyou.ai/studio/emulators/eventarc"
	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	psemu "pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/emulators/pubsub/pubsubtest"
	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/infra"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/insights"
	"pointsofyou.ai/studio/shared/topology"
)

const (
	project  = "demo-insights"
	orgA     = apitest.OrgA
	facA     = apitest.FacilitatorA
	adminA   = apitest.AdminA
	facB     = apitest.FacilitatorB
	partA    = apitest.ParticipantA
	stranger = apitest.Stranger
)

var testUsers = apitest.TwoOrgs()

func uid(tok string) string { return testUsers[tok].UID }

// recorder keeps every request that reaches the model as the strings it
// carries (the Vertex emulator's OnRequest).
type recorder struct {
	mu   sync.Mutex
	reqs []string
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
	r.mu.Lock()
	r.reqs = append(r.reqs, method+" "+string(b))
	r.mu.Unlock()
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

// world is one isolated set of emulators wired as production: Firestore,
// Pub/Sub with the events topic, Eventarc delivering the topology's
// insights-events and insights-consent triggers to this package's
// handlers, Vertex recording every request, and the HTTP API.
type world struct {
	t      testing.TB
	fsSrv  *fsemu.Server
	fs     *firestore.Client
	pub    *events.Publisher
	ea     *eventarc.Server
	vs     *vertex.Server
	rec    *recorder
	store  *consentvault.Store
	d      Deps
	api    http.Handler
	now    func() time.Time
	closed bool
}

type worldOpts struct {
	now    func() time.Time
	config *insights.Config
	window time.Duration
}

func newWorld(t testing.TB, o worldOpts) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, rec: &recorder{}, now: o.now}
	if w.now == nil {
		w.now = time.Now
	}
	var err error
	w.fsSrv, err = fsemu.NewServer(fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.fsSrv.Close() })
	w.fs, err = firestore.NewClient(ctx, project, fstest.ClientOptions(w.fsSrv.Addr)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.fs.Close() })

	if w.vs, err = vertex.NewServer(vertex.Options{OnRequest: w.rec.on}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.vs.Close() })
	model, err := ai.New(ctx, ai.Config{Project: project, EmulatorHost: w.vs.Addr, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = model.Close() })

	w.d = Deps{Verifier: testUsers.Verifier(), Firestore: w.fs, Model: model, Config: o.config, Now: w.now,
		Window: o.window, PollTimeout: 3 * time.Second}
	if w.api, err = New(w.d); err != nil {
		t.Fatal(err)
	}
	onEvent, err := NewEventTrigger(w.d)
	if err != nil {
		t.Fatal(err)
	}
	consentDeps := w.d
	consentDeps.Model = nil
	onConsent, err := NewConsentTrigger(consentDeps)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/"+EntryEvents, ceHandler(t, onEvent))
	mux.Handle("/"+EntryConsent, ceHandler(t, onConsent))
	fnSrv := httptest.NewServer(mux)
	t.Cleanup(fnSrv.Close)

	psSrv, psClient := pubsubtest.NewClient(t, project, psemu.Options{}, events.Topic)
	pseudo, err := events.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	w.pub, err = events.NewPublisher(psClient, events.Topic, events.PublisherOptions{Registry: events.Standard(), Pseudonyms: pseudo,
		Gate: allow{}, Settings: &psFast})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.pub.Close() })

	top := insightsTopology(t)
	src, err := eventarc.NewFirestoreSource(eventarc.FirestoreOptions{Project: project, Topology: top, Feed: w.fsSrv})
	if err != nil {
		t.Fatal(err)
	}
	w.ea, err = eventarc.NewServer(eventarc.Options{Project: project, Topology: top, PubSubHost: psSrv.Addr,
		FunctionURL: func(name string) string { return fnSrv.URL + "/" + name },
		MinBackoff:  100 * time.Millisecond, MaxBackoff: time.Second, Sources: []eventarc.Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.ea.Close() })

	w.store = consentvault.NewStore(w.fs, time.Now)
	if _, err := w.store.PublishPolicy(ctx, consentvault.CanvasInsights, map[string]string{"en": "Canvas insights for the facilitator."}); err != nil {
		t.Fatal(err)
	}
	testUsers.SeedMembers(t, w.fs)
	return w
}

var psFast = func() gps.PublishSettings {
	s := events.DefaultPublishSettings
	s.DelayThreshold = time.Millisecond
	return s
}()

type allow struct{}

func (allow) Allowed(context.Context, string, string, string) (bool, error) { return true, nil }

// insightsTopology is the declared topology's insights triggers (the real
// filter and document pattern).
func insightsTopology(t testing.TB) *topology.Topology {
	t.Helper()
	full, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	out := &topology.Topology{}
	for _, f := range full.Functions {
		if f.Name == EntryEvents || f.Name == EntryConsent {
			f.Retry = true
			out.Functions = append(out.Functions, f)
		}
	}
	if len(out.Functions) != 2 {
		t.Fatalf("topology declares %d insights triggers, want 2", len(out.Functions))
	}
	return out
}

// ceHandler serves a CloudEvent handler over HTTP (binary mode), as the
// functions framework does: an error is a 500, so Eventarc retries.
func ceHandler(t testing.TB, fn func(context.Context, cloudevents.Event) error) http.Handler {
	t.Helper()
	p, err := cloudevents.NewHTTP()
	if err != nil {
		t.Fatal(err)
	}
	h, err := cloudevents.NewHTTPReceiveHandler(context.Background(), p, func(ctx context.Context, ev cloudevents.Event) protocol.Result {
		if err := fn(ctx, ev); err != nil {
			return cehttp.NewResult(http.StatusInternalServerError, "%v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (w *world) set(path string, v any) {
	w.t.Helper()
	if _, err := w.fs.Doc(path).Set(context.Background(), v); err != nil {
		w.t.Fatal(err)
	}
}

// consent records uid's canvas_insights decision through the vault.
func (w *world) consent(uid string, grant bool) {
	w.t.Helper()
	d := consentvault.Withdraw
	if grant {
		d = consentvault.Grant
	}
	if _, _, _, err := w.store.Record(context.Background(), consentvault.Change{UID: uid, Purpose: consentvault.CanvasInsights,
		Org: orgA, Decision: d, Locale: "en", Mechanism: "session_prompt"}); err != nil {
		w.t.Fatal(err)
	}
}

// session seeds a live session of org A facilitated by facA with the
// participants (joined), one canvas c1 and the plan's phases.
func (w *world) session(id string, start time.Time, parts []string, plan ...string) {
	w.t.Helper()
	var steps []map[string]any
	for _, p := range plan {
		steps = append(steps, map[string]any{"phase": p})
	}
	sp := "orgs/" + orgA + "/sessions/" + id
	w.set(sp, map[string]any{"org": orgA, "title": "Morning circle", "facilitator": uid(facA), "co_facilitators": []string{},
		"status": statusLive, "plan": steps, "current": map[string]any{"step": 0, "changed_at": start}, "start_at": start, "started_at": start})
	w.set("session_index/"+id, map[string]any{"org": orgA})
	w.set(sp+"/members/"+uid(partA), map[string]any{"role": "participant", "uid": uid(partA)})
	for _, p := range parts {
		w.set(sp+"/participants/"+p, map[string]any{"uid": p, "state": partJoined, "display_name": "Name of " + p, "joined_at": start})
	}
	w.set("orgs/"+orgA+"/canvases/"+id+"-c1", map[string]any{"owner": uid(facA), "session_id": id, "title": "Board"})
}

// op is one patch of an op-log entry.
type op struct {
	id, kind, from, owner string
	props                 map[string]any
}

// logEntry writes one op-log entry of the session's canvas as the
// realtime gateway does and returns when it committed.
func (w *world) logEntry(sid, entryID string, t time.Time, ops ...op) time.Time {
	w.t.Helper()
	var patches []map[string]any
	var uids []string
	for _, o := range ops {
		m := map[string]any{"id": o.id, "from": o.from, "op_id": "op-" + o.id, "props": o.props, "stamps": map[string]any{}}
		if o.kind != "" {
			m["kind"], m["owner"] = o.kind, o.owner
		}
		patches = append(patches, m)
		uids = append(uids, o.from)
	}
	ref := w.fs.Doc("orgs/" + orgA + "/canvases/" + sid + "-c1/ops/" + entryID)
	wr, err := ref.Create(context.Background(), map[string]any{"t": t.UnixMilli(), "patches": patches, "ops": len(ops), "uids": uids, "instance": "test"})
	if err != nil {
		w.t.Fatal(err)
	}
	return wr.UpdateTime
}

// canvasOp publishes the canvas.op event of one op.
func (w *world) canvasOp(sid, from, element, kind string, at time.Time) {
	w.t.Helper()
	if kind == "" {
		kind = "note"
	}
	if _, err := w.pub.Publish(context.Background(), events.Event{Type: events.TypeCanvasOp, OrgID: orgA, UID: from, SessionID: sid,
		CanvasID: sid + "-c1", OccurredAt: at, Payload: events.CanvasOp{Op: "update", ElementID: events.ID(element), ElementKind: events.Enum(kind)}}); err != nil {
		w.t.Fatal(err)
	}
}

// step moves the session to phase (session write + session.step_changed).
func (w *world) step(sid string, n int, phase string, at time.Time) {
	w.t.Helper()
	if _, err := w.fs.Doc("orgs/"+orgA+"/sessions/"+sid).Update(context.Background(), []firestore.Update{
		{Path: "current", Value: map[string]any{"step": n, "changed_at": at}}}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.pub.Publish(context.Background(), events.Event{Type: events.TypeSessionStepChanged, OrgID: orgA, UID: uid(facA), SessionID: sid,
		OccurredAt: at, Payload: events.SessionStepChanged{Phase: events.Enum(phase), Step: n, Direction: "next"}}); err != nil {
		w.t.Fatal(err)
	}
}

// end ends the session (session write + session.ended).
func (w *world) end(sid string, at time.Time) {
	w.t.Helper()
	if _, err := w.fs.Doc("orgs/"+orgA+"/sessions/"+sid).Update(context.Background(), []firestore.Update{
		{Path: "status", Value: statusEnded}, {Path: "ended_at", Value: at}}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.pub.Publish(context.Background(), events.Event{Type: events.TypeSessionEnded, OrgID: orgA, UID: uid(facA), SessionID: sid,
		OccurredAt: at, Payload: events.SessionEnded{Participants: 3, DurationMinutes: 30}}); err != nil {
		w.t.Fatal(err)
	}
}

// live reads the stored live view (nil when none).
func (w *world) live(sid string) *insights.Live {
	w.t.Helper()
	l, err := readLive(context.Background(), sessionRefs(w.fs, orgA, sid).live)
	if err != nil {
		w.t.Fatal(err)
	}
	return l
}

// waitLive waits until the stored live view satisfies ok.
func (w *world) waitLive(sid string, within time.Duration, ok func(*insights.Live) bool) *insights.Live {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		l := w.live(sid)
		if l != nil && ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(l)
			w.t.Fatalf("live view of %s not as expected within %v: %s", sid, within, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// insightsDocs dumps every stored insights document of the session.
func (w *world) insightsDocs(sid string) string {
	w.t.Helper()
	docs, err := sessionRefs(w.fs, orgA, sid).session.Collection(collInsights).Documents(context.Background()).GetAll()
	if err != nil {
		w.t.Fatal(err)
	}
	var sb strings.Builder
	for _, d := range docs {
		b, _ := json.Marshal(d.Data())
		fmt.Fprintf(&sb, "%s %s\n", d.Ref.ID, b)
	}
	return sb.String()
}

func (w *world) do(method, path, tok string, body any, opts ...apitest.Option) apitest.Response {
	w.t.Helper()
	return apitest.Serve(w.t, w.api, method, path, tok, body, opts...)
}

func totalOps(l *insights.Live) int {
	n := 0
	for _, p := range l.Participants {
		if p.Totals != nil {
			n += p.Totals.Ops
		}
	}
	return n
}

func participantOf(l *insights.Live, u string) *insights.Participant {
	for i := range l.Participants {
		if l.Participants[i].UID == u {
			return &l.Participants[i]
		}
	}
	return nil
}
