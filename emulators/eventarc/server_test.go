package eventarc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2/pstest"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"pointsofyou.ai/studio/shared/topology"
)

const testProject = "demo-test"

// received is one request a test function endpoint got.
type received struct {
	ev     cloudevents.Event
	header http.Header
	at     time.Time
}

// endpoint is a fake function: it decodes CloudEvents with the SDK and
// answers with status(n) for the n-th request (1-based).
type endpoint struct {
	status func(n int) int

	mu  sync.Mutex
	got []received
	bad []string
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	msg := cehttp.NewMessageFromHttpRequest(r)
	enc := msg.ReadEncoding()
	ev, err := binding.ToEvent(r.Context(), msg)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil || enc != binding.EncodingBinary {
		e.bad = append(e.bad, r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	e.got = append(e.got, received{ev: *ev, header: r.Header.Clone(), at: time.Now()})
	code := http.StatusNoContent
	if e.status != nil {
		code = e.status(len(e.got))
	}
	w.WriteHeader(code)
}

func (e *endpoint) events() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.got...)
}

// harness is a pstest server, an eventarc server and one endpoint per
// declared function.
type harness struct {
	ps   *pstest.Server
	srv  *Server
	fns  map[string]*endpoint
	opts Options
}

func always(code int) func(int) int { return func(int) int { return code } }

func newHarness(t *testing.T, fns []topology.Function, status map[string]func(int) int, tweak func(*Options)) *harness {
	t.Helper()
	ps := pstest.NewServerWithAddress("127.0.0.1:0")
	t.Cleanup(func() { _ = ps.Close() })
	h := &harness{ps: ps, fns: map[string]*endpoint{}}
	mux := http.NewServeMux()
	for _, fn := range fns {
		ep := &endpoint{status: status[fn.Name]}
		h.fns[fn.Name] = ep
		mux.Handle("/"+fn.Name, ep)
	}
	fs := httptest.NewServer(mux)
	t.Cleanup(fs.Close)

	h.opts = Options{
		Project:      testProject,
		Region:       "europe-west1",
		Topology:     &topology.Topology{Functions: fns},
		PubSubHost:   ps.Addr,
		StorageTopic: "projects/" + testProject + "/topics/gcs-notifications",
		FunctionURL:  func(name string) string { return fs.URL + "/" + name },
		MinBackoff:   20 * time.Millisecond,
		MaxBackoff:   80 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&h.opts)
	}
	srv, err := NewServer(h.opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	h.srv = srv
	return h
}

// waitFor polls cond with a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pubsubFn(name, topic, filter string, retry bool) topology.Function {
	return topology.Function{Name: name, Retry: retry, Trigger: topology.Trigger{PubSub: &topology.PubSubTrigger{Topic: topic, Filter: filter}}}
}

func storageFn(name, bucket, event string, retry bool) topology.Function {
	return topology.Function{Name: name, Retry: retry, Trigger: topology.Trigger{Storage: &topology.StorageTrigger{Bucket: bucket, Event: event}}}
}

func TestPubSubTriggerDeliversMessagePublished(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{
		pubsubFn("on-event", "events", "", false),
		pubsubFn("on-keep", "events", `attributes.kind = "keep"`, false),
		pubsubFn("on-other", "other", "", false),
	}, nil, nil)

	topic := "projects/" + testProject + "/topics/events"
	dropID := h.ps.Publish(topic, []byte(`{"n":1}`), map[string]string{"kind": "drop"})
	keepID := h.ps.PublishOrdered(topic, []byte("hello"), map[string]string{"kind": "keep"}, "k1")

	waitFor(t, "two events at on-event", func() bool { return len(h.fns["on-event"].events()) == 2 })
	waitFor(t, "one event at on-keep", func() bool { return len(h.fns["on-keep"].events()) == 1 })

	got := h.fns["on-keep"].events()[0]
	ev := got.ev
	if ev.ID() != keepID || ev.Type() != TypeMessagePublished ||
		ev.Source() != "//pubsub.googleapis.com/"+topic || ev.SpecVersion() != "1.0" || ev.Time().IsZero() {
		t.Errorf("event context = %s", ev.Context)
	}
	for _, hd := range []string{"Ce-Id", "Ce-Source", "Ce-Specversion", "Ce-Type", "Ce-Time"} {
		if got.header.Get(hd) == "" {
			t.Errorf("header %s missing (binary mode)", hd)
		}
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var data struct {
		Message struct {
			Data        string            `json:"data"`
			Attributes  map[string]string `json:"attributes"`
			MessageID   string            `json:"messageId"`
			PublishTime time.Time         `json:"publishTime"`
			OrderingKey string            `json:"orderingKey"`
		} `json:"message"`
		Subscription string `json:"subscription"`
	}
	if err := json.Unmarshal(ev.Data(), &data); err != nil {
		t.Fatalf("data: %v", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(data.Message.Data)
	if string(raw) != "hello" || data.Message.Attributes["kind"] != "keep" || data.Message.MessageID != keepID ||
		data.Message.OrderingKey != "k1" || !data.Message.PublishTime.Equal(ev.Time()) {
		t.Errorf("message = %+v", data.Message)
	}
	if want := "projects/" + testProject + "/subscriptions/eventarc-europe-west1-on-keep-sub"; data.Subscription != want {
		t.Errorf("subscription = %q, want %q", data.Subscription, want)
	}

	ids := map[string]bool{}
	for _, r := range h.fns["on-event"].events() {
		ids[r.ev.ID()] = true
	}
	if !ids[dropID] || !ids[keepID] {
		t.Errorf("on-event got ids %v, want %s and %s", ids, dropID, keepID)
	}
	if n := len(h.fns["on-other"].events()); n != 0 {
		t.Errorf("on-other got %d events for another topic", n)
	}
}

func gcsNotification(bucket, object, eventType string, generation string) ([]byte, map[string]string) {
	obj := map[string]any{
		"kind": "storage#object", "id": bucket + "/" + object + "/" + generation,
		"name": object, "bucket": bucket, "generation": generation, "metageneration": "1",
		"contentType": "image/png", "size": "1234", "storageClass": "STANDARD",
		"timeCreated": "2025-03-01T10:00:00.000Z", "updated": "2025-03-01T10:00:00.000Z",
		"md5Hash": "XrY7u+Ae7tCTyyK7j1rNww==",
	}
	data, _ := json.Marshal(obj)
	return data, map[string]string{
		"notificationConfig": "projects/_/buckets/" + bucket + "/notificationConfigs/1",
		"eventType":          eventType, "payloadFormat": "JSON_API_V1",
		"bucketId": bucket, "objectId": object, "objectGeneration": generation,
		"eventTime": "2025-03-01T10:00:00.000Z",
	}
}

func TestStorageTriggerRoutesByBucketAndEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{
		storageFn("media-finalized", "media", topology.StorageFinalized, false),
		storageFn("media-deleted", "media", topology.StorageDeleted, false),
		storageFn("other-finalized", "other", topology.StorageFinalized, false),
	}, nil, nil)

	bucket := topology.BucketName(testProject, "media")
	data, attrs := gcsNotification(bucket, "orgs/o1/media/m1.png", "OBJECT_FINALIZE", "1700000000000001")
	h.ps.Publish(h.opts.StorageTopic, data, attrs)
	// A notification of another bucket and another event type: not for media-finalized.
	d2, a2 := gcsNotification("some-other-bucket", "x.png", "OBJECT_FINALIZE", "5")
	h.ps.Publish(h.opts.StorageTopic, d2, a2)
	d3, a3 := gcsNotification(bucket, "old.png", "OBJECT_DELETE", "7")
	h.ps.Publish(h.opts.StorageTopic, d3, a3)

	waitFor(t, "finalized event", func() bool { return len(h.fns["media-finalized"].events()) >= 1 })
	waitFor(t, "deleted event", func() bool { return len(h.fns["media-deleted"].events()) >= 1 })
	// Give stray deliveries a chance to show up before asserting absence.
	time.Sleep(200 * time.Millisecond)

	if n := len(h.fns["media-finalized"].events()); n != 1 {
		t.Fatalf("media-finalized got %d events, want 1", n)
	}
	if n := len(h.fns["other-finalized"].events()); n != 0 {
		t.Errorf("other-finalized got %d events, want 0", n)
	}
	got := h.fns["media-finalized"].events()[0]
	ev := got.ev
	if ev.Type() != TypeStorageFinalized || ev.Source() != "//storage.googleapis.com/projects/_/buckets/"+bucket ||
		ev.Subject() != "objects/orgs/o1/media/m1.png" || ev.ID() == "" ||
		!ev.Time().Equal(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("event context = %s", ev.Context)
	}
	if got.header.Get("Ce-Subject") != "objects/orgs/o1/media/m1.png" {
		t.Errorf("ce-subject = %q", got.header.Get("Ce-Subject"))
	}
	var obj map[string]any
	if err := json.Unmarshal(ev.Data(), &obj); err != nil {
		t.Fatalf("data: %v", err)
	}
	if obj["bucket"] != bucket || obj["name"] != "orgs/o1/media/m1.png" || obj["size"] != "1234" || obj["contentType"] != "image/png" {
		t.Errorf("data = %v", obj)
	}
	if del := h.fns["media-deleted"].events(); del[0].ev.Type() != TypeStorageDeleted || del[0].ev.Subject() != "objects/old.png" {
		t.Errorf("deleted event = %s", del[0].ev.Context)
	}
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	failTwice := func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	h := newHarness(t, []topology.Function{
		storageFn("flaky", "media", topology.StorageFinalized, true),
		storageFn("fragile", "media", topology.StorageFinalized, false),
		pubsubFn("flaky-ps", "jobs", "", true),
		pubsubFn("fragile-ps", "jobs", "", false),
	}, map[string]func(int) int{
		"flaky": failTwice, "fragile": always(http.StatusInternalServerError),
		"flaky-ps": failTwice, "fragile-ps": always(http.StatusServiceUnavailable),
	}, nil)

	bucket := topology.BucketName(testProject, "media")
	data, attrs := gcsNotification(bucket, "a.png", "OBJECT_FINALIZE", "42")
	h.ps.Publish(h.opts.StorageTopic, data, attrs)
	h.ps.Publish("projects/"+testProject+"/topics/jobs", []byte("job"), nil)

	for _, fn := range []string{"flaky", "flaky-ps"} {
		waitFor(t, fn+" third attempt", func() bool { return len(h.fns[fn].events()) >= 3 })
	}
	waitFor(t, "fragile attempts recorded", func() bool {
		n := 0
		for _, d := range h.srv.Deliveries() {
			if d.Function == "fragile" || d.Function == "fragile-ps" {
				n++
			}
		}
		return n >= 2
	})
	time.Sleep(300 * time.Millisecond) // room for any wrong extra attempt

	for _, fn := range []string{"flaky", "flaky-ps"} {
		got := h.fns[fn].events()
		if len(got) != 3 {
			t.Fatalf("%s got %d attempts, want 3", fn, len(got))
		}
		for i, r := range got {
			if r.ev.ID() != got[0].ev.ID() {
				t.Errorf("%s attempt %d id %q, want %q", fn, i+1, r.ev.ID(), got[0].ev.ID())
			}
		}
		// Backoff: the second gap is at least the doubled minimum.
		if gap := got[2].at.Sub(got[1].at); gap < 40*time.Millisecond {
			t.Errorf("%s second retry after %v, want ≥ 40ms", fn, gap)
		}
		if gap := got[1].at.Sub(got[0].at); gap < 20*time.Millisecond {
			t.Errorf("%s first retry after %v, want ≥ 20ms", fn, gap)
		}
	}
	for _, fn := range []string{"fragile", "fragile-ps"} {
		if n := len(h.fns[fn].events()); n != 1 {
			t.Errorf("%s got %d attempts, want 1 (no retry)", fn, n)
		}
	}

	var attempts []int
	for _, d := range h.srv.Deliveries() {
		if d.Function == "flaky" {
			attempts = append(attempts, d.Attempt)
			if (d.Attempt < 3) == d.OK() {
				t.Errorf("attempt %d status %d", d.Attempt, d.Status)
			}
		}
	}
	if len(attempts) != 3 || attempts[0] != 1 || attempts[2] != 3 {
		t.Errorf("flaky attempts = %v", attempts)
	}
}

func TestRetryStopsAtMaxAttempts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{
		pubsubFn("doomed", "doom", "", true),
	}, map[string]func(int) int{"doomed": always(http.StatusInternalServerError)}, func(o *Options) {
		o.MaxAttempts = 3
	})
	h.ps.Publish("projects/"+testProject+"/topics/doom", []byte("x"), nil)
	waitFor(t, "three attempts", func() bool { return len(h.fns["doomed"].events()) >= 3 })
	time.Sleep(300 * time.Millisecond)
	if n := len(h.fns["doomed"].events()); n != 3 {
		t.Errorf("got %d attempts, want 3", n)
	}
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{
		{Name: "doc-written", Retry: true, Trigger: topology.Trigger{Firestore: &topology.FirestoreTrigger{Document: "orgs/{o}", Event: "written"}}},
		{Name: "doc-broken", Retry: true, Trigger: topology.Trigger{Firestore: &topology.FirestoreTrigger{Document: "orgs/{o}", Event: "written"}}},
	}, map[string]func(int) int{"doc-broken": always(http.StatusBadGateway)}, func(o *Options) {
		o.MaxAttempts = 2
	})
	ev := cloudevents.NewEvent()
	ev.SetID("e1")
	ev.SetSource("//firestore.googleapis.com/projects/" + testProject + "/databases/(default)")
	ev.SetType("google.cloud.firestore.document.v1.written")
	ev.SetSubject("documents/orgs/o1")
	_ = ev.SetData("application/protobuf", []byte{0x0a, 0x00})

	ctx := context.Background()
	if err := h.srv.Deliver(ctx, "doc-written", ev); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	got := h.fns["doc-written"].events()
	if len(got) != 1 || got[0].ev.ID() != "e1" || got[0].header.Get("Content-Type") != "application/protobuf" {
		t.Errorf("got %+v", got)
	}
	if err := h.srv.Deliver(ctx, "doc-broken", ev); !errors.Is(err, ErrDropped) {
		t.Errorf("Deliver to failing function = %v, want ErrDropped", err)
	}
	if n := len(h.fns["doc-broken"].events()); n != 2 {
		t.Errorf("doc-broken got %d attempts, want 2", n)
	}
	if err := h.srv.Deliver(ctx, "nope", ev); !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("Deliver to unknown function = %v", err)
	}
	if err := h.srv.Deliver(ctx, "doc-written", cloudevents.NewEvent()); err == nil {
		t.Error("Deliver of an invalid event succeeded")
	}
}

// stubSource hands one event to the dispatcher, as a Firestore source would.
type stubSource struct {
	ev   cloudevents.Event
	done chan error
}

func (s *stubSource) Run(ctx context.Context, d Dispatcher) error {
	s.done <- d.Deliver(ctx, "from-source", s.ev)
	<-ctx.Done()
	return nil
}

func TestSourcePlugsIn(t *testing.T) {
	t.Parallel()
	ev := cloudevents.NewEvent()
	ev.SetID("s1")
	ev.SetSource("//test")
	ev.SetType("test.type")
	src := &stubSource{ev: ev, done: make(chan error, 1)}
	h := newHarness(t, []topology.Function{
		{Name: "from-source", Trigger: topology.Trigger{Firestore: &topology.FirestoreTrigger{Document: "a/{b}", Event: "created"}}},
	}, nil, func(o *Options) { o.Sources = []Source{src} })
	select {
	case err := <-src.done:
		if err != nil {
			t.Fatalf("Deliver from source: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("source did not deliver")
	}
	if got := h.fns["from-source"].events(); len(got) != 1 || got[0].ev.ID() != "s1" {
		t.Errorf("got %+v", got)
	}
}

func TestCloseStopsRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{pubsubFn("stuck", "stuck", "", true)},
		map[string]func(int) int{"stuck": always(http.StatusInternalServerError)},
		func(o *Options) { o.MinBackoff, o.MaxBackoff = time.Hour, time.Hour })
	h.ps.Publish("projects/"+testProject+"/topics/stuck", []byte("x"), nil)
	waitFor(t, "first attempt", func() bool { return len(h.fns["stuck"].events()) == 1 })
	done := make(chan error, 1)
	go func() { done <- h.srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Close blocked on a retry in backoff")
	}
	if err := h.srv.Deliver(context.Background(), "stuck", cloudevents.NewEvent()); err == nil {
		t.Error("Deliver after Close succeeded")
	}
}

func TestSubscriptionsAreIdempotent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{pubsubFn("on-x", "x", `attributes.a = "1"`, false)}, nil, nil)

	// A second server over the same Pub/Sub reuses the subscription; a
	// changed filter replaces it.
	opts := h.opts
	opts.Topology = &topology.Topology{Functions: []topology.Function{pubsubFn("on-x", "x", `attributes.a = "2"`, false)}}
	for i := 0; i < 2; i++ {
		s2, err := NewServer(opts)
		if err != nil {
			t.Fatalf("second NewServer: %v", err)
		}
		if err := s2.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	s3, err := NewServer(h.opts)
	if err != nil {
		t.Fatalf("NewServer with the original filter: %v", err)
	}
	if err := s3.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestNewServerRejectsBadOptions(t *testing.T) {
	t.Parallel()
	url := func(string) string { return "http://127.0.0.1:1/" }
	top := &topology.Topology{Functions: []topology.Function{pubsubFn("f", "t", "", false)}}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no topology", Options{FunctionURL: url}, "Topology"},
		{"no function URL", Options{Topology: top}, "FunctionURL"},
		{"no pubsub host", Options{Topology: top, FunctionURL: url}, "PubSubHost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewServer(tt.opts)
			if err == nil {
				_ = s.Close()
				t.Fatal("NewServer succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %s", err, tt.want)
			}
		})
	}
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{
		{Name: "doc", Trigger: topology.Trigger{Firestore: &topology.FirestoreTrigger{Document: "a/{b}", Event: "created"}}},
		pubsubFn("ps", "t", "", false),
	}, nil, nil)
	ev := cloudevents.NewEvent()
	ev.SetID("adm1")
	ev.SetSource("//test")
	ev.SetType("test.type")
	if err := h.srv.Deliver(context.Background(), "doc", ev); err != nil {
		t.Fatal(err)
	}
	base := "http://" + h.srv.Addr
	tests := []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/_internal/healthz", 200, "application/json", `"ok"`},
		{"GET", "/_internal/deliveries", 200, "application/json", `"eventId":"adm1"`},
		{"GET", "/_internal/deliveries?function=doc&eventId=adm1", 200, "application/json", `"attempt":1`},
		{"GET", "/_internal/deliveries?function=other", 200, "application/json", `{"deliveries":[]}`},
		{"GET", "/_internal/deliveries?bogus=1", 400, "application/problem+json", "bogus"},
		{"GET", "/_internal/triggers", 200, "application/json", `eventarc-europe-west1-ps-sub`},
		{"POST", "/_internal/healthz", 405, "application/problem+json", "not allowed"},
		{"GET", "/nope", 404, "application/problem+json", "no route"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(sb.String(), tt.body) {
			t.Errorf("%s %s = %d %s %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), sb.String())
		}
	}
}

// TestPubSubFilterOrHasPrefix checks the filter form the insights trigger
// declares: an equality OR a hasPrefix on one attribute.
func TestPubSubFilterOrHasPrefix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, []topology.Function{
		pubsubFn("on-mixed", "events", `attributes.type = "canvas.op" OR hasPrefix(attributes.type, "session.")`, false),
	}, nil, nil)
	topic := "projects/" + testProject + "/topics/events"
	want := map[string]bool{}
	for _, typ := range []string{"canvas.op", "canvas.opened", "session.step_changed", "journal.synced", "session.ended", "sessions.x"} {
		id := h.ps.Publish(topic, []byte(`{}`), map[string]string{"type": typ})
		if typ == "canvas.op" || strings.HasPrefix(typ, "session.") {
			want[id] = true
		}
	}
	waitFor(t, "three events at on-mixed", func() bool { return len(h.fns["on-mixed"].events()) >= 3 })
	time.Sleep(200 * time.Millisecond)
	got := h.fns["on-mixed"].events()
	if len(got) != 3 {
		t.Fatalf("on-mixed got %d events, want 3", len(got))
	}
	for _, r := range got {
		if !want[r.ev.ID()] {
			t.Errorf("on-mixed got unexpected event %s", r.ev.ID())
		}
	}
}
