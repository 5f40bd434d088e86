package pubsub

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	gpubsub "cloud.google.com/go/pubsub/v2"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const testProject = "p"

// startServer starts an emulator with fast backoffs and a client for it;
// both are closed when the test ends.
func startServer(t *testing.T, opts Options) (*Server, *gpubsub.Client) {
	t.Helper()
	if opts.BackoffScale == 0 {
		opts.BackoffScale = 0.001 // 10 s becomes 10 ms
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	c, err := gpubsub.NewClient(context.Background(), testProject,
		option.WithEndpoint(s.Addr),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return s, c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func createTopic(t *testing.T, c *gpubsub.Client, id string) string {
	t.Helper()
	name := TopicName(testProject, id)
	if _, err := c.TopicAdminClient.CreateTopic(ctxT(t), &pb.Topic{Name: name}); err != nil {
		t.Fatal(err)
	}
	return name
}

func createSub(t *testing.T, c *gpubsub.Client, s *Server, sub *pb.Subscription) {
	t.Helper()
	if _, err := c.SubscriptionAdminClient.CreateSubscription(ctxT(t), sub); err != nil {
		t.Fatal(err)
	}
	s.Refresh()
}

func publish(t *testing.T, c *gpubsub.Client, topic string, ordered bool, msgs ...*gpubsub.Message) []string {
	t.Helper()
	p := c.Publisher(topic)
	p.EnableMessageOrdering = ordered
	defer p.Stop()
	var ids []string
	for _, m := range msgs {
		id, err := p.Publish(ctxT(t), m).Get(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pushReq is one request an endpoint received.
type pushReq struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

// wrapped decodes a wrapped push body.
func (r pushReq) wrapped(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("push body %q: %v", r.Body, err)
	}
	return m
}

// endpoint is an httptest push endpoint answering with answer(n, req),
// n counting requests from 1.
type endpoint struct {
	URL  string
	mu   sync.Mutex
	reqs []pushReq
}

func newEndpoint(t *testing.T, answer func(n int, r *http.Request, body []byte) int) *endpoint {
	t.Helper()
	e := &endpoint{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.reqs = append(e.reqs, pushReq{Header: r.Header.Clone(), Body: body, At: time.Now()})
		n := len(e.reqs)
		e.mu.Unlock()
		w.WriteHeader(answer(n, r, body))
	}))
	t.Cleanup(ts.Close)
	e.URL = ts.URL
	return e
}

func (e *endpoint) requests() []pushReq {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]pushReq(nil), e.reqs...)
}

func always(code int) func(int, *http.Request, []byte) int {
	return func(int, *http.Request, []byte) int { return code }
}
