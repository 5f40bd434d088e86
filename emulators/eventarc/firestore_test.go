package eventarc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	gfs "cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/topology"
)

func firestoreFn(name, document, event, database string, retry bool) topology.Function {
	return topology.Function{Name: name, Retry: retry, Trigger: topology.Trigger{
		Firestore: &topology.FirestoreTrigger{Document: document, Event: event, Database: database},
	}}
}

// gotEvent is what a function decoded from one request.
type gotEvent struct {
	raw cloudevents.Event
	ev  *firestoreevent.Event
}

// ceFunction is a CloudEvent function served the way functions-framework-go
// serves one: the SDK's HTTP receive handler around the user function,
// whose error makes the answer a failure.
type ceFunction struct {
	fail func(n int) bool // fail the n-th call (1-based)

	mu  sync.Mutex
	got []gotEvent
	bad []error
}

func (f *ceFunction) handle(_ context.Context, e cloudevents.Event) error {
	d, err := firestoreevent.Decode(e)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.bad = append(f.bad, err)
		return nil // a poison event: do not ask for a retry
	}
	f.got = append(f.got, gotEvent{raw: e, ev: d})
	if f.fail != nil && f.fail(len(f.got)) {
		return errors.New("transient failure")
	}
	return nil
}

func (f *ceFunction) events() []gotEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotEvent(nil), f.got...)
}

type firestoreHarness struct {
	fs     *firestore.Server
	client func(database string) *gfs.Client
	srv    *Server
	fns    map[string]*ceFunction
}

func newFirestoreHarness(t *testing.T, fns []topology.Function, fail map[string]func(int) bool) *firestoreHarness {
	t.Helper()
	fs, err := firestore.NewServer(firestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })
	h := &firestoreHarness{fs: fs, fns: map[string]*ceFunction{}}
	h.client = func(database string) *gfs.Client {
		c, err := gfs.NewClientWithDatabase(context.Background(), testProject, database, clientOpts(fs)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	mux := http.NewServeMux()
	for _, fn := range fns {
		f := &ceFunction{fail: fail[fn.Name]}
		h.fns[fn.Name] = f
		// A plain handler rather than the SDK's receive handler, which
		// pairs concurrent requests with their messages through one
		// channel and can leave a request waiting forever when two events
		// of one function arrive together.
		mux.HandleFunc("/"+fn.Name, func(w http.ResponseWriter, r *http.Request) {
			ev, err := cloudevents.NewEventFromHTTPRequest(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if err := f.handle(r.Context(), *ev); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)

	topo := &topology.Topology{Functions: fns}
	src, err := NewFirestoreSource(FirestoreOptions{Project: testProject, Location: "europe-west1", Topology: topo, Feed: fs})
	if err != nil {
		t.Fatal(err)
	}
	h.srv, err = NewServer(Options{
		Project: testProject, Region: "europe-west1", Topology: topo,
		FunctionURL: func(name string) string { return web.URL + "/" + name },
		MinBackoff:  20 * time.Millisecond, MaxBackoff: 80 * time.Millisecond,
		Sources: []Source{src},
	})
	if err != nil {
		src.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

// clientOpts connect the official client to an in-process emulator.
func clientOpts(fs *firestore.Server) []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(fs.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

func fieldString(d *pb.Document, k string) string {
	if d == nil {
		return "<nil>"
	}
	return d.GetFields()[k].GetStringValue()
}

func TestFirestoreTriggersDeliverDocumentEvents(t *testing.T) {
	t.Parallel()
	const pattern = "orgs/{org}/sessions/{id}"
	h := newFirestoreHarness(t, []topology.Function{
		firestoreFn("on-create", pattern, topology.FirestoreCreated, "", false),
		firestoreFn("on-update", pattern, topology.FirestoreUpdated, "", false),
		firestoreFn("on-delete", pattern, topology.FirestoreDeleted, "", false),
		firestoreFn("on-write", pattern, topology.FirestoreWritten, "(default)", false),
		firestoreFn("on-journal", "journals/{id}", topology.FirestoreWritten, "journal-db", false),
		firestoreFn("on-any-card", "orgs/{org}/{rest=**}", topology.FirestoreCreated, "", false),
	}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := h.client(gfs.DefaultDatabaseID)

	// Not for the session triggers: a deeper path, another collection, the
	// journal pattern in the wrong database.
	if _, err := c.Doc("orgs/o1/sessions/s1/cards/c1").Set(ctx, map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("other/x").Set(ctx, map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("journals/j0").Set(ctx, map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}

	doc := c.Doc("orgs/o1/sessions/s1")
	if _, err := doc.Create(ctx, map[string]any{"title": "a", "keep": "same"}); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Update(ctx, []gfs.Update{{Path: "title", Value: "b"}, {Path: "added", Value: "n"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client("journal-db").Doc("journals/j1").Set(ctx, map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}

	waitFor(t, "on-write events", func() bool { return len(h.fns["on-write"].events()) == 3 })
	waitFor(t, "on-journal event", func() bool { return len(h.fns["on-journal"].events()) == 1 })
	waitFor(t, "on-any-card events", func() bool { return len(h.fns["on-any-card"].events()) == 2 })
	for _, name := range []string{"on-create", "on-update", "on-delete"} {
		waitFor(t, name+" event", func() bool { return len(h.fns[name].events()) == 1 })
	}

	name := firestoreevent.DocumentName(testProject, "(default)", "orgs/o1/sessions/s1")
	check := func(fn string, g gotEvent, kind, ceType, old, new string, mask []string) {
		t.Helper()
		e := g.ev
		if e.Type != ceType || e.Data.Kind() != kind {
			t.Errorf("%s: type %s kind %s, want %s %s", fn, e.Type, e.Data.Kind(), ceType, kind)
		}
		if fieldString(e.Data.OldValue, "title") != old || fieldString(e.Data.Value, "title") != new {
			t.Errorf("%s: title %s -> %s, want %s -> %s", fn, fieldString(e.Data.OldValue, "title"), fieldString(e.Data.Value, "title"), old, new)
		}
		if !reflect.DeepEqual(e.Data.UpdateMask, mask) {
			t.Errorf("%s: update mask %q, want %q", fn, e.Data.UpdateMask, mask)
		}
		if e.Project != testProject || e.Database != "(default)" || e.Namespace != "(default)" ||
			e.Location != "europe-west1" || e.Document != "orgs/o1/sessions/s1" {
			t.Errorf("%s: attributes %+v", fn, e)
		}
		r := g.raw
		if r.Source() != "//firestore.googleapis.com/projects/"+testProject+"/databases/(default)" ||
			r.Subject() != "documents/orgs/o1/sessions/s1" || r.DataContentType() != "application/protobuf" ||
			r.DataSchema() != firestoreevent.DataSchema || r.SpecVersion() != "1.0" {
			t.Errorf("%s: context %s", fn, r.Context)
		}
		for _, d := range []*pb.Document{e.Data.Value, e.Data.OldValue} {
			if d != nil && d.Name != name {
				t.Errorf("%s: document name %q", fn, d.Name)
			}
		}
		if d := e.Data.Value; d != nil && !e.Time.Equal(d.UpdateTime.AsTime()) {
			t.Errorf("%s: time %v, update time %v", fn, e.Time, d.UpdateTime.AsTime())
		}
		if params, ok := e.Params(pattern); !ok || params["org"] != "o1" || params["id"] != "s1" {
			t.Errorf("%s: params %v", fn, params)
		}
	}
	created := h.fns["on-create"].events()[0]
	updated := h.fns["on-update"].events()[0]
	deleted := h.fns["on-delete"].events()[0]
	check("on-create", created, firestoreevent.Created, firestoreevent.TypeCreated, "<nil>", "a", nil)
	check("on-update", updated, firestoreevent.Updated, firestoreevent.TypeUpdated, "a", "b", []string{"added", "title"})
	check("on-delete", deleted, firestoreevent.Deleted, firestoreevent.TypeDeleted, "b", "<nil>", nil)
	if v := updated.ev.Data.Value.GetFields()["keep"].GetStringValue(); v != "same" {
		t.Errorf("updated value lacks untouched field: %q", v)
	}

	// The written trigger gets the same three changes, with the same ids.
	writes := map[string]gotEvent{}
	for _, g := range h.fns["on-write"].events() {
		writes[g.ev.Data.Kind()] = g
	}
	check("on-write", writes["created"], firestoreevent.Created, firestoreevent.TypeWritten, "<nil>", "a", nil)
	check("on-write", writes["updated"], firestoreevent.Updated, firestoreevent.TypeWritten, "a", "b", []string{"added", "title"})
	check("on-write", writes["deleted"], firestoreevent.Deleted, firestoreevent.TypeWritten, "b", "<nil>", nil)
	for kind, g := range map[string]gotEvent{"created": created, "updated": updated, "deleted": deleted} {
		if writes[kind].ev.ID != g.ev.ID {
			t.Errorf("%s: written id %s, %s id %s", kind, writes[kind].ev.ID, kind, g.ev.ID)
		}
	}
	if created.ev.ID == updated.ev.ID || updated.ev.ID == deleted.ev.ID {
		t.Error("different changes share an event id")
	}

	j := h.fns["on-journal"].events()[0].ev
	if j.Database != "journal-db" || j.Document != "journals/j1" || j.Data.Kind() != firestoreevent.Created {
		t.Errorf("journal event %+v", j)
	}
	cards := map[string]bool{}
	for _, g := range h.fns["on-any-card"].events() {
		p, _ := g.ev.Params("orgs/{org}/{rest=**}")
		cards[p["rest"]] = true
	}
	if !cards["sessions/s1/cards/c1"] || !cards["sessions/s1"] {
		t.Errorf("multi-segment captures %v", cards)
	}
	for name, f := range h.fns {
		if len(f.bad) > 0 {
			t.Errorf("%s could not decode events: %v", name, f.bad)
		}
	}
	// Everything above was awaited; nothing else may have arrived.
	for name, want := range map[string]int{"on-create": 1, "on-update": 1, "on-delete": 1, "on-write": 3, "on-journal": 1, "on-any-card": 2} {
		if n := len(h.fns[name].events()); n != want {
			t.Errorf("%s got %d events, want %d", name, n, want)
		}
	}
}

func TestFirestoreTriggerRetriesWithSameID(t *testing.T) {
	t.Parallel()
	h := newFirestoreHarness(t, []topology.Function{
		firestoreFn("flaky", "tasks/{id}", topology.FirestoreCreated, "", true),
		firestoreFn("once", "tasks/{id}", topology.FirestoreCreated, "", false),
	}, map[string]func(int) bool{
		"flaky": func(n int) bool { return n <= 2 },
		"once":  func(int) bool { return true },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := h.client(gfs.DefaultDatabaseID).Doc("tasks/t1").Create(ctx, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three attempts at flaky", func() bool { return len(h.fns["flaky"].events()) == 3 })
	waitFor(t, "the recorded success", func() bool {
		for _, d := range h.srv.Deliveries() {
			if d.Function == "flaky" && d.OK() {
				return true
			}
		}
		return false
	})
	got := h.fns["flaky"].events()
	for _, g := range got[1:] {
		if g.ev.ID != got[0].ev.ID {
			t.Errorf("retry has id %s, first attempt %s", g.ev.ID, got[0].ev.ID)
		}
	}
	var statuses []int
	for _, d := range h.srv.Deliveries() {
		if d.Function == "flaky" {
			statuses = append(statuses, d.Status)
			if d.EventID != got[0].ev.ID || d.Type != firestoreevent.TypeCreated || d.Subject != "documents/tasks/t1" {
				t.Errorf("delivery %+v", d)
			}
		}
	}
	if len(statuses) != 3 || statuses[0]/100 == 2 || statuses[2]/100 != 2 {
		t.Errorf("flaky statuses %v, want two failures then success", statuses)
	}
	resp, err := http.Get("http://" + h.srv.Addr + "/_internal/triggers")
	if err != nil {
		t.Fatal(err)
	}
	var listed struct{ Triggers []wiredTrigger }
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil || len(listed.Triggers) != 2 || listed.Triggers[0].Kind != "firestore" ||
		!strings.Contains(listed.Triggers[0].Filter, `"tasks/{id}"`) {
		t.Errorf("listed triggers %+v (%v)", listed.Triggers, err)
	}
	waitFor(t, "one attempt at once", func() bool { return len(h.fns["once"].events()) == 1 })
	waitFor(t, "the failure recorded for once", func() bool {
		for _, d := range h.srv.Deliveries() {
			if d.Function == "once" {
				return true
			}
		}
		return false
	})
}

func TestFirestoreSourceMatching(t *testing.T) {
	t.Parallel()
	topo := &topology.Topology{Functions: []topology.Function{
		firestoreFn("created", "orgs/{org}/sessions/{id}", topology.FirestoreCreated, "", false),
		firestoreFn("updated", "orgs/{org}/sessions/{id}", topology.FirestoreUpdated, "", false),
		firestoreFn("deleted", "orgs/{org}/sessions/{id}", topology.FirestoreDeleted, "", false),
		firestoreFn("written", "orgs/{org}/sessions/{id}", topology.FirestoreWritten, "", false),
		firestoreFn("other-db", "orgs/{org}/sessions/{id}", topology.FirestoreWritten, "db2", false),
		firestoreFn("literal", "orgs/o1/sessions/s2", topology.FirestoreWritten, "", false),
	}}
	src, err := NewFirestoreSource(FirestoreOptions{Project: "p", Topology: topo, Feed: nopFeed{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	doc := func(name string) *pb.Document {
		return &pb.Document{Name: name, UpdateTime: timestamppb.Now(), Fields: map[string]*pb.Value{}}
	}
	const s1 = "projects/p/databases/(default)/documents/orgs/o1/sessions/s1"
	tests := []struct {
		name string
		c    firestore.Change
		want []string
	}{
		{"create", firestore.Change{Name: s1, New: doc(s1)}, []string{"created", "written"}},
		{"update", firestore.Change{Name: s1, Old: doc(s1), New: doc(s1)}, []string{"updated", "written"}},
		{"delete", firestore.Change{Name: s1, Old: doc(s1)}, []string{"deleted", "written"}},
		{"other database", firestore.Change{Name: "projects/p/databases/db2/documents/orgs/o1/sessions/s1", New: doc("x")}, []string{"other-db"}},
		{"other project", firestore.Change{Name: "projects/q/databases/(default)/documents/orgs/o1/sessions/s1", New: doc("x")}, nil},
		{"subcollection", firestore.Change{Name: s1 + "/cards/c1", New: doc("x")}, nil},
		{"literal", firestore.Change{Name: "projects/p/databases/(default)/documents/orgs/o1/sessions/s2", New: doc("x")}, []string{"created", "written", "literal"}},
		{"no snapshots", firestore.Change{Name: s1}, nil},
		{"bad name", firestore.Change{Name: "nonsense", New: doc("x")}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, tr := range src.triggers {
			_, ok, err := src.event(tr, tt.c)
			if err != nil {
				t.Errorf("%s: %s: %v", tt.name, tr.fn, err)
			}
			if ok {
				got = append(got, tr.fn)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: delivered to %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewFirestoreSourceRejectsBadTriggers(t *testing.T) {
	t.Parallel()
	for name, fn := range map[string]topology.Function{
		"event":   firestoreFn("f", "a/{b}", "touched", "", false),
		"pattern": firestoreFn("f", "a/{b}/c", topology.FirestoreWritten, "", false),
	} {
		_, err := NewFirestoreSource(FirestoreOptions{Topology: &topology.Topology{Functions: []topology.Function{fn}}, Feed: nopFeed{}})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewFirestoreSource(FirestoreOptions{Topology: &topology.Topology{}}); err == nil {
		t.Error("accepted a missing feed")
	}
}

type nopFeed struct{}

func (nopFeed) OnChange(func(firestore.Change)) func() { return func() {} }
