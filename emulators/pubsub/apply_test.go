package pubsub

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gpubsub "cloud.google.com/go/pubsub/v2"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"pointsofyou.ai/studio/shared/topology"
)

const applyYAML = `
functions:
  - name: hook
    source: functions/hook
    kind: function
    trigger:
      http: {}
topics:
  - name: events
    retention_days: 7
  - name: events-dead
subscriptions:
  - name: events-pull
    topic: events
    filter: 'attributes.type = "a"'
  - name: events-hook
    topic: events
    ack_deadline_seconds: 30
    push:
      function: hook
    dead_letter:
      topic: events-dead
      max_delivery_attempts: 7
    retry:
      min_backoff_seconds: 10
      max_backoff_seconds: 60
  - name: events-ext
    topic: events
    push:
      endpoint: %s
  - name: events-bq
    topic: events
    bigquery:
      table: analytics.events
datasets:
  - name: analytics
    tables:
      - name: events
        schema: bigquery/analytics/events.json
`

func TestApply(t *testing.T) {
	t.Parallel()
	hook := newEndpoint(t, always(http.StatusOK))
	ext := newEndpoint(t, always(http.StatusOK))
	s, c := startServer(t, Options{})
	topo, err := topology.Parse(fmt.Appendf(nil, applyYAML, ext.URL+"/ext"))
	if err != nil {
		t.Fatal(err)
	}
	pushURL := func(fn string) string { return hook.URL + "/" + fn }
	for i := range 2 { // Apply is idempotent
		if err := s.Apply(ctxT(t), topo, testProject, pushURL); err != nil {
			t.Fatalf("apply %d: %v", i+1, err)
		}
	}

	top, err := c.TopicAdminClient.GetTopic(ctxT(t), &pb.GetTopicRequest{Topic: TopicName(testProject, "events")})
	if err != nil {
		t.Fatal(err)
	}
	if got := top.MessageRetentionDuration.AsDuration(); got != 7*24*time.Hour {
		t.Errorf("retention %v", got)
	}
	get := func(id string) *pb.Subscription {
		t.Helper()
		sub, err := c.SubscriptionAdminClient.GetSubscription(ctxT(t), &pb.GetSubscriptionRequest{Subscription: SubscriptionName(testProject, id)})
		if err != nil {
			t.Fatal(err)
		}
		return sub
	}
	tests := []struct {
		id    string
		check func(*pb.Subscription) bool
	}{
		{"events-pull", func(s *pb.Subscription) bool {
			return s.Filter == `attributes.type = "a"` && s.GetPushConfig().GetPushEndpoint() == "" && s.AckDeadlineSeconds == 10
		}},
		{"events-hook", func(s *pb.Subscription) bool {
			return s.GetPushConfig().GetPushEndpoint() == hook.URL+"/hook" && s.AckDeadlineSeconds == 30 &&
				s.GetDeadLetterPolicy().GetDeadLetterTopic() == TopicName(testProject, "events-dead") &&
				s.GetDeadLetterPolicy().GetMaxDeliveryAttempts() == 7 &&
				s.GetRetryPolicy().GetMinimumBackoff().AsDuration() == 10*time.Second &&
				s.GetRetryPolicy().GetMaximumBackoff().AsDuration() == time.Minute
		}},
		{"events-ext", func(s *pb.Subscription) bool { return s.GetPushConfig().GetPushEndpoint() == ext.URL+"/ext" }},
		{"events-bq", func(s *pb.Subscription) bool {
			return s.GetPushConfig().GetPushEndpoint() == "" && s.Topic == TopicName(testProject, "events")
		}},
	}
	for _, tc := range tests {
		if sub := get(tc.id); !tc.check(sub) {
			t.Errorf("%s = %v", tc.id, sub)
		}
	}

	publish(t, c, "events", false, &gpubsub.Message{Data: []byte("x"), Attributes: map[string]string{"type": "a"}})
	waitFor(t, "both push endpoints", func() bool { return len(hook.requests()) == 1 && len(ext.requests()) == 1 })
	if b := hook.requests()[0].wrapped(t); b["subscription"] != SubscriptionName(testProject, "events-hook") || b["deliveryAttempt"] != float64(1) {
		t.Errorf("hook push %v", b)
	}
	ctx, cancel := context.WithTimeout(ctxT(t), 20*time.Second)
	defer cancel()
	var pulled string
	if err := c.Subscriber("events-pull").Receive(ctx, func(_ context.Context, m *gpubsub.Message) {
		m.Ack()
		pulled = string(m.Data)
		cancel()
	}); err != nil || pulled != "x" {
		t.Fatalf("pull subscription got %q, %v", pulled, err)
	}
}

func TestApplyErrors(t *testing.T) {
	t.Parallel()
	s, _ := startServer(t, Options{})
	topo, err := topology.Parse(fmt.Appendf(nil, applyYAML, "http://127.0.0.1:9/ext"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		project string
		pushURL func(string) string
		want    string
	}{
		{"no project", "", nil, "empty project"},
		{"no resolver", "q", nil, "events-hook"},
		{"empty URL", "r", func(string) string { return "" }, `no push URL for function "hook"`},
	}
	for _, tc := range tests {
		err := s.Apply(ctxT(t), topo, tc.project, tc.pushURL)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}
