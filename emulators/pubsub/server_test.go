package pubsub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gpubsub "cloud.google.com/go/pubsub/v2"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestNewServerBadAddress(t *testing.T) {
	t.Parallel()
	if _, err := NewServer(Options{Addr: "256.0.0.1:1"}); err == nil {
		t.Fatal("NewServer on an impossible address succeeded")
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr == "" || s.Fake() == nil {
		t.Fatalf("Addr %q, Fake %v", s.Addr, s.Fake())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseStopsGoroutines runs alone (not parallel) so that the goroutine
// dump holds no other test's servers.
func TestCloseStopsGoroutines(t *testing.T) {
	e := newEndpoint(t, func(_ int, r *http.Request, _ []byte) int {
		<-r.Context().Done() // a push in flight while Close runs
		return http.StatusOK
	})
	s, err := NewServer(Options{Logger: slog.New(slog.DiscardHandler), PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	topic := TopicName(testProject, "t")
	s.Fake().Publish(topic, []byte("warm-up"), nil) // creates the topic
	if _, err := s.Fake().GServer.CreateSubscription(ctxT(t), &pb.Subscription{
		Name: SubscriptionName(testProject, "s"), Topic: topic, PushConfig: &pb.PushConfig{PushEndpoint: e.URL},
	}); err != nil {
		t.Fatal(err)
	}
	s.Refresh()
	s.Fake().Publish(topic, []byte("x"), nil)
	waitFor(t, "a push in flight", func() bool { return len(e.requests()) == 1 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A goroutine is still unwinding for a moment after its wg.Done.
	var stacks string
	gone := func() bool {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "emulators/pubsub.(*pusher)") && !strings.Contains(stacks, "emulators/pubsub.(*Server).watch")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !gone() {
		if time.Now().After(deadline) {
			t.Fatalf("push goroutines still running after Close:\n%s", stacks)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPullPublishReceive(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Options{})
	topic := createTopic(t, c, "t")
	createSub(t, c, s, &pb.Subscription{Name: SubscriptionName(testProject, "s"), Topic: topic})
	want := map[string]string{"one": "1", "two": "2", "three": "3"}
	var msgs []*gpubsub.Message
	for data, n := range want {
		msgs = append(msgs, &gpubsub.Message{Data: []byte(data), Attributes: map[string]string{"n": n}})
	}
	publish(t, c, topic, false, msgs...)

	got := map[string]string{}
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(ctxT(t), 20*time.Second)
	defer cancel()
	err := c.Subscriber("s").Receive(ctx, func(_ context.Context, m *gpubsub.Message) {
		mu.Lock()
		defer mu.Unlock()
		got[string(m.Data)] = m.Attributes["n"]
		m.Ack()
		if len(got) == len(want) {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	if n := len(s.Deliveries()); n != 0 {
		t.Fatalf("a pull subscription recorded %d push deliveries", n)
	}
}

func TestPushFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		push  func(url string) *pb.PushConfig
		dlq   bool
		check func(t *testing.T, r pushReq, id string)
	}{
		{
			name: "wrapped",
			push: func(url string) *pb.PushConfig { return &pb.PushConfig{PushEndpoint: url} },
			check: func(t *testing.T, r pushReq, id string) {
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				b := r.wrapped(t)
				m := b["message"].(map[string]any)
				if m["data"] != base64.StdEncoding.EncodeToString([]byte("hello")) {
					t.Errorf("data %v", m["data"])
				}
				if a := m["attributes"].(map[string]any); a["k"] != "v" {
					t.Errorf("attributes %v", a)
				}
				if m["messageId"] != id || m["message_id"] != id {
					t.Errorf("ids %v %v, want %s", m["messageId"], m["message_id"], id)
				}
				if _, err := time.Parse(time.RFC3339Nano, m["publishTime"].(string)); err != nil || m["publish_time"] != m["publishTime"] {
					t.Errorf("publish times %v %v", m["publishTime"], m["publish_time"])
				}
				if m["orderingKey"] != "key" {
					t.Errorf("orderingKey %v", m["orderingKey"])
				}
				if b["subscription"] != SubscriptionName(testProject, "s") {
					t.Errorf("subscription %v", b["subscription"])
				}
				if _, ok := b["deliveryAttempt"]; ok {
					t.Error("deliveryAttempt set without a dead-letter policy")
				}
			},
		},
		{
			name: "wrapped with dead-letter policy",
			push: func(url string) *pb.PushConfig { return &pb.PushConfig{PushEndpoint: url} },
			dlq:  true,
			check: func(t *testing.T, r pushReq, _ string) {
				if n := r.wrapped(t)["deliveryAttempt"]; n != float64(1) {
					t.Errorf("deliveryAttempt %v, want 1", n)
				}
			},
		},
		{
			name: "unwrapped with metadata",
			push: func(url string) *pb.PushConfig {
				return &pb.PushConfig{PushEndpoint: url, Wrapper: &pb.PushConfig_NoWrapper_{NoWrapper: &pb.PushConfig_NoWrapper{WriteMetadata: true}}}
			},
			check: func(t *testing.T, r pushReq, id string) {
				if string(r.Body) != "hello" {
					t.Errorf("body %q", r.Body)
				}
				if r.Header.Get("x-goog-pubsub-message-id") != id || r.Header.Get("k") != "v" ||
					r.Header.Get("x-goog-pubsub-subscription-name") != SubscriptionName(testProject, "s") {
					t.Errorf("headers %v", r.Header)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEndpoint(t, always(http.StatusNoContent))
			s, c := startServer(t, Options{})
			topic := createTopic(t, c, "t")
			sub := &pb.Subscription{Name: SubscriptionName(testProject, "s"), Topic: topic, PushConfig: tc.push(e.URL)}
			if tc.dlq {
				sub.DeadLetterPolicy = &pb.DeadLetterPolicy{DeadLetterTopic: createTopic(t, c, "dead"), MaxDeliveryAttempts: 5}
			}
			createSub(t, c, s, sub)
			ids := publish(t, c, topic, true, &gpubsub.Message{Data: []byte("hello"), Attributes: map[string]string{"k": "v"}, OrderingKey: "key"})
			waitFor(t, "an acked delivery", func() bool {
				d := s.Deliveries()
				return len(d) == 1 && d[0].Outcome == OutcomeAcked
			})
			reqs := e.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			tc.check(t, reqs[0], ids[0])
			d := s.Deliveries()[0]
			if d.MessageID != ids[0] || d.Attempt != 1 || d.Status != http.StatusNoContent || d.Endpoint != e.URL {
				t.Errorf("delivery %+v", d)
			}
			waitFor(t, "the ack in pstest", func() bool { return s.Fake().Message(ids[0]).Acks == 1 })
		})
	}
}

func TestPushOrdering(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		inFlight = map[string]int{}
		overlap  bool
		order    = map[string][]string{}
		failed   bool
	)
	e := newEndpoint(t, func(_ int, r *http.Request, body []byte) int {
		var b struct {
			Message struct {
				Data        []byte `json:"data"`
				OrderingKey string `json:"orderingKey"`
			} `json:"message"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			return http.StatusBadRequest
		}
		key, data := b.Message.OrderingKey, string(b.Message.Data)
		mu.Lock()
		inFlight[key]++
		if inFlight[key] > 1 {
			overlap = true
		}
		// The second message of key a fails once: b's messages go on,
		// a's wait for its redelivery.
		fail := data == "a1" && !failed
		failed = failed || fail
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // widen any overlap window
		mu.Lock()
		inFlight[key]--
		if !fail {
			order[key] = append(order[key], data)
		}
		mu.Unlock()
		if fail {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	s, c := startServer(t, Options{})
	topic := createTopic(t, c, "t")
	createSub(t, c, s, &pb.Subscription{
		Name: SubscriptionName(testProject, "s"), Topic: topic, EnableMessageOrdering: true,
		PushConfig: &pb.PushConfig{PushEndpoint: e.URL},
	})
	var msgs []*gpubsub.Message
	for i := range 4 {
		for _, k := range []string{"a", "b"} {
			msgs = append(msgs, &gpubsub.Message{Data: fmt.Appendf(nil, "%s%d", k, i), OrderingKey: k})
		}
	}
	publish(t, c, topic, true, msgs...)
	waitFor(t, "all messages acked", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order["a"]) == 4 && len(order["b"]) == 4
	})
	mu.Lock()
	defer mu.Unlock()
	if overlap {
		t.Error("two messages of one ordering key were in flight at once")
	}
	for _, k := range []string{"a", "b"} {
		want := []string{k + "0", k + "1", k + "2", k + "3"}
		if !slices.Equal(order[k], want) {
			t.Errorf("key %s delivered %v, want %v", k, order[k], want)
		}
	}
}

func TestPushRetriesWithGrowingBackoff(t *testing.T) {
	t.Parallel()
	const failures = 3
	e := newEndpoint(t, func(n int, _ *http.Request, _ []byte) int {
		if n <= failures {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	s, c := startServer(t, Options{BackoffScale: 0.001})
	topic := createTopic(t, c, "t")
	createSub(t, c, s, &pb.Subscription{
		Name: SubscriptionName(testProject, "s"), Topic: topic,
		PushConfig:  &pb.PushConfig{PushEndpoint: e.URL},
		RetryPolicy: &pb.RetryPolicy{MinimumBackoff: durationpb.New(10 * time.Second), MaximumBackoff: durationpb.New(600 * time.Second)},
	})
	ids := publish(t, c, topic, false, &gpubsub.Message{Data: []byte("x")})
	waitFor(t, "the message acked", func() bool {
		d := s.Deliveries()
		return len(d) > 0 && d[len(d)-1].Outcome == OutcomeAcked
	})
	d := s.Deliveries()
	if len(d) != failures+1 {
		t.Fatalf("deliveries %+v, want %d", d, failures+1)
	}
	wantBackoff := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	for i, x := range d[:failures] {
		if x.Outcome != OutcomeRetry || x.Status != http.StatusInternalServerError || x.Attempt != i+1 || x.Backoff != wantBackoff[i] {
			t.Errorf("delivery %d = %+v, want a retry after %v", i, x, wantBackoff[i])
		}
	}
	reqs := e.requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < wantBackoff[i-1] {
			t.Errorf("attempt %d came %v after the previous one, before its backoff %v", i+1, gap, wantBackoff[i-1])
		}
	}
	if m := s.Fake().Message(ids[0]); m.Deliveries != failures+1 {
		t.Errorf("pstest counted %d deliveries, want %d", m.Deliveries, failures+1)
	}
}

func TestPushTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	e := newEndpoint(t, func(n int, r *http.Request, _ []byte) int {
		if n == 1 {
			<-r.Context().Done() // hang until the pusher gives up
		}
		return http.StatusOK
	})
	s, c := startServer(t, Options{PushTimeout: 200 * time.Millisecond})
	topic := createTopic(t, c, "t")
	createSub(t, c, s, &pb.Subscription{Name: SubscriptionName(testProject, "s"), Topic: topic, PushConfig: &pb.PushConfig{PushEndpoint: e.URL}})
	publish(t, c, topic, false, &gpubsub.Message{Data: []byte("x")})
	// Under load a later attempt may time out too; only the first is known.
	waitFor(t, "the message acked", func() bool {
		d := s.Deliveries()
		return len(d) >= 2 && d[len(d)-1].Outcome == OutcomeAcked
	})
	if d := s.Deliveries()[0]; d.Outcome != OutcomeRetry || d.Err == "" || d.Status != 0 {
		t.Fatalf("first delivery %+v, want a timed-out retry", d)
	}
}

func TestPushDeadLetter(t *testing.T) {
	t.Parallel()
	e := newEndpoint(t, always(http.StatusServiceUnavailable))
	s, c := startServer(t, Options{})
	topic := createTopic(t, c, "t")
	dead := createTopic(t, c, "dead")
	createSub(t, c, s, &pb.Subscription{Name: SubscriptionName(testProject, "dead-sub"), Topic: dead})
	createSub(t, c, s, &pb.Subscription{
		Name: SubscriptionName(testProject, "s"), Topic: topic,
		PushConfig:       &pb.PushConfig{PushEndpoint: e.URL},
		DeadLetterPolicy: &pb.DeadLetterPolicy{DeadLetterTopic: dead, MaxDeliveryAttempts: 5},
		RetryPolicy:      &pb.RetryPolicy{MinimumBackoff: durationpb.New(10 * time.Second)},
	})
	ids := publish(t, c, topic, false, &gpubsub.Message{Data: []byte("poison"), Attributes: map[string]string{"a": "b"}})

	var got *gpubsub.Message
	ctx, cancel := context.WithTimeout(ctxT(t), 20*time.Second)
	defer cancel()
	err := c.Subscriber("dead-sub").Receive(ctx, func(_ context.Context, m *gpubsub.Message) {
		m.Ack()
		got = m
		cancel()
	})
	if err != nil || got == nil {
		t.Fatalf("no dead-lettered message: %v", err)
	}
	attrs := got.Attributes
	if string(got.Data) != "poison" || attrs["a"] != "b" ||
		attrs["CloudPubSubDeadLetterSourceDeliveryCount"] != "5" ||
		attrs["CloudPubSubDeadLetterSourceSubscription"] != "s" ||
		attrs["CloudPubSubDeadLetterSourceSubscriptionProject"] != testProject {
		t.Fatalf("forwarded message data %q attributes %v", got.Data, attrs)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-07:00", attrs["CloudPubSubDeadLetterSourceTopicPublishTime"]); err != nil {
		t.Errorf("publish time attribute: %v", err)
	}

	reqs := e.requests()
	if len(reqs) != 5 {
		t.Fatalf("%d push attempts, want 5", len(reqs))
	}
	for i, r := range reqs {
		if n := r.wrapped(t)["deliveryAttempt"]; n != float64(i+1) {
			t.Errorf("attempt %d carried deliveryAttempt %v", i+1, n)
		}
	}
	waitFor(t, "the fifth delivery recorded", func() bool { return len(s.Deliveries()) >= 5 })
	d := s.Deliveries()
	if len(d) != 5 || d[4].Outcome != OutcomeDeadLettered || d[3].Outcome != OutcomeRetry {
		t.Fatalf("deliveries %+v", d)
	}
	waitFor(t, "the source ack", func() bool { return s.Fake().Message(ids[0]).Acks == 1 })
}

func TestPushStopsWhenEndpointRemoved(t *testing.T) {
	t.Parallel()
	e := newEndpoint(t, always(http.StatusInternalServerError))
	s, c := startServer(t, Options{})
	topic := createTopic(t, c, "t")
	name := SubscriptionName(testProject, "s")
	createSub(t, c, s, &pb.Subscription{Name: name, Topic: topic, PushConfig: &pb.PushConfig{PushEndpoint: e.URL}})
	publish(t, c, topic, false, &gpubsub.Message{Data: []byte("x")})
	waitFor(t, "a failed push", func() bool { return len(e.requests()) > 0 })

	// Turning the subscription into a pull one hands the message to pull.
	_, err := c.SubscriptionAdminClient.UpdateSubscription(ctxT(t), &pb.UpdateSubscriptionRequest{
		Subscription: &pb.Subscription{Name: name, PushConfig: &pb.PushConfig{}},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"push_config"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Refresh()
	waitFor(t, "the message pulled", func() bool {
		res, err := c.SubscriptionAdminClient.Pull(ctxT(t), &pb.PullRequest{Subscription: name, MaxMessages: 1, ReturnImmediately: true})
		return err == nil && len(res.ReceivedMessages) == 1
	})
}
