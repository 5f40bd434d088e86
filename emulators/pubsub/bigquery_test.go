package pubsub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	gpubsub "cloud.google.com/go/pubsub/v2"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	"pointsofyou.ai/studio/shared/topology"
)

// fakeWriter is a BigQueryWriter that keeps rows in memory. reject decides
// per message whether it fails; down, while it returns an error, fails
// whole calls.
type fakeWriter struct {
	mu     sync.Mutex
	rows   map[string]int // message id → times written
	seen   map[string]int // message id → times offered
	calls  int
	cfg    *pb.BigQueryConfig
	sub    string
	reject func(*pb.PubsubMessage) error
	down   func(call int) error
}

func newFakeWriter() *fakeWriter {
	return &fakeWriter{rows: map[string]int{}, seen: map[string]int{}}
}

func (f *fakeWriter) WriteMessages(_ context.Context, sub string, cfg *pb.BigQueryConfig, msgs []*pb.PubsubMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.cfg, f.sub = cfg, sub
	if f.down != nil {
		if err := f.down(f.calls); err != nil {
			return err
		}
	}
	failed := map[int]error{}
	for i, m := range msgs {
		f.seen[m.MessageId]++
		if f.reject != nil {
			if err := f.reject(m); err != nil {
				failed[i] = err
				continue
			}
		}
		f.rows[m.MessageId]++
	}
	if len(failed) > 0 {
		return &RowErrors{Failed: failed}
	}
	return nil
}

func (f *fakeWriter) snapshot() (rows, seen map[string]int, cfg *pb.BigQueryConfig, sub string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rows, seen = map[string]int{}, map[string]int{}
	for k, v := range f.rows {
		rows[k] = v
	}
	for k, v := range f.seen {
		seen[k] = v
	}
	return rows, seen, f.cfg, f.sub
}

const bqTable = testProject + ".analytics.events"

// bqSetup starts a server writing into w with a BigQuery subscription "bq"
// on topic "t" dead-lettering into "dead" (read through "dead-hold").
func bqSetup(t *testing.T, w BigQueryWriter) (*Server, *gpubsub.Client, string) {
	t.Helper()
	s, c := startServer(t, Options{BigQuery: w})
	topic := createTopic(t, c, "t")
	dead := createTopic(t, c, "dead")
	createSub(t, c, s, &pb.Subscription{Name: SubscriptionName(testProject, "dead-hold"), Topic: dead})
	createSub(t, c, s, &pb.Subscription{
		Name: SubscriptionName(testProject, "bq"), Topic: topic,
		BigqueryConfig:   &pb.BigQueryConfig{Table: bqTable, UseTableSchema: true, WriteMetadata: true},
		DeadLetterPolicy: &pb.DeadLetterPolicy{DeadLetterTopic: dead, MaxDeliveryAttempts: 5},
	})
	return s, c, topic
}

func TestBigQueryWritesEachMessageOnce(t *testing.T) {
	t.Parallel()
	w := newFakeWriter()
	s, c, topic := bqSetup(t, w)
	var msgs []*gpubsub.Message
	for i := range 20 {
		msgs = append(msgs, &gpubsub.Message{Data: fmt.Appendf(nil, `{"n":%d}`, i)})
	}
	ids := publish(t, c, topic, false, msgs...)
	waitFor(t, "every message acked", func() bool {
		for _, id := range ids {
			if s.Fake().Message(id).Acks != 1 {
				return false
			}
		}
		return true
	})
	rows, _, cfg, sub := w.snapshot()
	if len(rows) != len(ids) {
		t.Fatalf("%d rows, want %d", len(rows), len(ids))
	}
	for _, id := range ids {
		if rows[id] != 1 {
			t.Errorf("message %s written %d times", id, rows[id])
		}
		if n := s.Fake().Message(id).Deliveries; n != 1 {
			t.Errorf("message %s delivered %d times", id, n)
		}
	}
	if sub != SubscriptionName(testProject, "bq") || cfg.GetTable() != bqTable || !cfg.UseTableSchema || !cfg.WriteMetadata {
		t.Errorf("writer got subscription %q config %v", sub, cfg)
	}
	for _, d := range s.Deliveries() {
		if d.Outcome != OutcomeAcked || d.Endpoint != "bigquery:"+bqTable || d.Attempt != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
}

func TestBigQueryDeadLettersRejectedMessage(t *testing.T) {
	t.Parallel()
	w := newFakeWriter()
	w.reject = func(m *pb.PubsubMessage) error {
		if string(m.Data) == "not json" {
			return errors.New("data is not a JSON object")
		}
		return nil
	}
	s, c, topic := bqSetup(t, w)
	ids := publish(t, c, topic, false,
		&gpubsub.Message{Data: []byte(`{"ok":true}`)},
		&gpubsub.Message{Data: []byte("not json"), Attributes: map[string]string{"type": "x"}},
	)

	var got *gpubsub.Message
	ctx, cancel := context.WithTimeout(ctxT(t), 20*time.Second)
	defer cancel()
	err := c.Subscriber("dead-hold").Receive(ctx, func(_ context.Context, m *gpubsub.Message) {
		m.Ack()
		got = m
		cancel()
	})
	if err != nil || got == nil {
		t.Fatalf("no dead-lettered message: %v", err)
	}
	attrs := got.Attributes
	if string(got.Data) != "not json" || attrs["type"] != "x" ||
		attrs["CloudPubSubDeadLetterSourceDeliveryCount"] != "5" ||
		attrs["CloudPubSubDeadLetterSourceSubscription"] != "bq" ||
		attrs["CloudPubSubDeadLetterSourceSubscriptionProject"] != testProject {
		t.Fatalf("dead letter data %q attributes %v", got.Data, attrs)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-07:00", attrs["CloudPubSubDeadLetterSourceTopicPublishTime"]); err != nil {
		t.Errorf("publish time attribute: %v", err)
	}
	waitFor(t, "the source acks", func() bool {
		return s.Fake().Message(ids[0]).Acks == 1 && s.Fake().Message(ids[1]).Acks == 1
	})
	rows, seen, _, _ := w.snapshot()
	if rows[ids[0]] != 1 || rows[ids[1]] != 0 || seen[ids[1]] != 5 {
		t.Errorf("rows %v, offered %v", rows, seen)
	}
	var outcomes []Outcome
	for _, d := range s.Deliveries() {
		if d.MessageID == ids[1] {
			outcomes = append(outcomes, d.Outcome)
			if d.Err == "" {
				t.Errorf("delivery %+v has no error", d)
			}
		}
	}
	want := []Outcome{OutcomeRetry, OutcomeRetry, OutcomeRetry, OutcomeRetry, OutcomeDeadLettered}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
}

func TestBigQueryWriterDownIsRetried(t *testing.T) {
	t.Parallel()
	w := newFakeWriter()
	// More failed calls than the dead-letter policy allows attempts: an
	// outage must not dead-letter good messages.
	w.down = func(call int) error {
		if call <= 8 {
			return errors.New("bigquery unavailable")
		}
		return nil
	}
	s, c, topic := bqSetup(t, w)
	ids := publish(t, c, topic, false, &gpubsub.Message{Data: []byte(`{"a":1}`)})
	waitFor(t, "the message acked", func() bool { return s.Fake().Message(ids[0]).Acks == 1 })
	rows, _, _, _ := w.snapshot()
	if rows[ids[0]] != 1 {
		t.Fatalf("written %d times", rows[ids[0]])
	}
	if n := s.Fake().Message(ids[0]).Deliveries; n != 1 {
		t.Errorf("delivered %d times; an outage should not count deliveries", n)
	}
	var retries int
	var last time.Duration
	for _, d := range s.Deliveries() {
		if d.Outcome == OutcomeRetry {
			retries++
			if d.Backoff < last {
				t.Errorf("backoff shrank: %v after %v", d.Backoff, last)
			}
			last = d.Backoff
		}
	}
	if retries != 8 {
		t.Errorf("%d retries recorded, want 8", retries)
	}
}

func TestBigQueryWithoutWriterIsPull(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Options{})
	topic := createTopic(t, c, "t")
	createSub(t, c, s, &pb.Subscription{
		Name: SubscriptionName(testProject, "bq"), Topic: topic,
		BigqueryConfig: &pb.BigQueryConfig{Table: bqTable},
	})
	publish(t, c, topic, false, &gpubsub.Message{Data: []byte("x")})
	res, err := s.Fake().GServer.Pull(ctxT(t), &pb.PullRequest{Subscription: SubscriptionName(testProject, "bq"), MaxMessages: 10})
	if err != nil || len(res.ReceivedMessages) != 1 {
		t.Fatalf("pull: %v, %v", res, err)
	}
}

func TestApplyBigQuerySubscription(t *testing.T) {
	t.Parallel()
	s, c := startServer(t, Options{})
	topo, err := topology.Parse([]byte(`
topics:
  - name: events
  - name: events-dead
subscriptions:
  - name: events-bigquery
    topic: events
    bigquery: {table: analytics.events, use_table_schema: true, write_metadata: true, drop_unknown_fields: false}
    dead_letter: {topic: events-dead, max_delivery_attempts: 5}
datasets:
  - name: analytics
    tables:
      - name: events
        schema: bigquery/analytics/events.json
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctxT(t), topo, testProject, nil); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscriptionAdminClient.GetSubscription(ctxT(t), &pb.GetSubscriptionRequest{Subscription: SubscriptionName(testProject, "events-bigquery")})
	if err != nil {
		t.Fatal(err)
	}
	bq := sub.GetBigqueryConfig()
	if bq.GetTable() != bqTable || !bq.UseTableSchema || !bq.WriteMetadata || bq.DropUnknownFields || bq.State != pb.BigQueryConfig_ACTIVE {
		t.Errorf("bigquery config %v", bq)
	}
	if sub.GetDeadLetterPolicy().GetDeadLetterTopic() != TopicName(testProject, "events-dead") {
		t.Errorf("dead letter policy %v", sub.GetDeadLetterPolicy())
	}
}

func TestParseBigQueryTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                 string
		project, ds, table string
		bad                bool
	}{
		{in: "p.analytics.events", project: "p", ds: "analytics", table: "events"},
		{in: "p:analytics.events", project: "p", ds: "analytics", table: "events"},
		{in: "demo-poy.analytics.events", project: "demo-poy", ds: "analytics", table: "events"},
		{in: "analytics.events", bad: true},
		{in: "p.a.b.c", bad: true},
		{in: "p:a", bad: true},
		{in: "p:a.b.c", bad: true},
		{in: "", bad: true},
		{in: "..", bad: true},
	}
	for _, tc := range tests {
		p, d, tb, err := ParseBigQueryTable(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: no error", tc.in)
			}
			continue
		}
		if err != nil || p != tc.project || d != tc.ds || tb != tc.table {
			t.Errorf("%q = %q %q %q %v", tc.in, p, d, tb, err)
		}
	}
}

func TestRowErrorsMessage(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	e := &RowErrors{Failed: map[int]error{3: base, 1: errors.New("bad")}}
	if got := e.Error(); got != "2 message(s) not written: message 1: bad; message 3: boom" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(e, base) {
		t.Error("errors.Is does not see a row error")
	}
}
