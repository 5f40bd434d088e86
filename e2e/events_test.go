package e2e

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/pubsub/v2"
	"github.com/google/uuid"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/shared/events"
)

func bigQueryClient(t *testing.T) *bq.Client {
	t.Helper()
	c, err := bq.NewClient(context.Background(), env.Project(),
		option.WithEndpoint(env.BigQuery.Endpoint()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pubsubClient reaches the suite through PUBSUB_EMULATOR_HOST, as a
// function does.
func pubsubClient(t *testing.T) *pubsub.Client {
	t.Helper()
	c, err := pubsub.NewClient(context.Background(), env.Project())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type eventRow struct {
	EventID          string    `bigquery:"event_id"`
	Type             string    `bigquery:"type"`
	OccurredAt       time.Time `bigquery:"occurred_at"`
	OrgID            string    `bigquery:"org_id"`
	Actor            string    `bigquery:"actor"`
	SessionID        string    `bigquery:"session_id"`
	SchemaVersion    int64     `bigquery:"schema_version"`
	CardID           string    `bigquery:"card_id"`
	Phase            string    `bigquery:"phase"`
	SubscriptionName string    `bigquery:"subscription_name"`
	MessageID        string    `bigquery:"message_id"`
	AttrType         string    `bigquery:"attr_type"`
}

func queryEvents(ctx context.Context, c *bq.Client, eventID string) ([]eventRow, error) {
	q := c.Query(`SELECT event_id, type, occurred_at, org_id, actor, session_id, schema_version,
		JSON_VALUE(payload, '$.card_id') AS card_id, JSON_VALUE(payload, '$.phase') AS phase,
		subscription_name, message_id, JSON_VALUE(attributes, '$.type') AS attr_type
		FROM analytics.events WHERE event_id = @id`)
	q.Parameters = []bq.QueryParameter{{Name: "id", Value: eventID}}
	it, err := q.Read(ctx)
	if err != nil {
		return nil, err
	}
	var rows []eventRow
	for {
		var r eventRow
		err := it.Next(&r)
		if errors.Is(err, iterator.Done) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
}

// An event published through shared/events lands as exactly one row of
// analytics.events, written by the BigQuery subscription.
func TestEventLandsInBigQuery(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pseudo, err := events.PseudonymizerFromEnv(env.Project(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	org, uid := "org-e2e-events", "uid-e2e-events"
	pub, err := events.NewPublisher(pubsubClient(t), events.Topic, events.PublisherOptions{
		Registry: events.Standard(), Pseudonyms: pseudo,
		Gate: events.NewStaticGate(events.Grant{UID: uid, Org: org, Purpose: events.PurposeAnalytics}),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	at := time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC)
	id, err := pub.Publish(ctx, events.Event{
		Type: events.TypeSessionCardSelected, OrgID: org, UID: uid, SessionID: "sess-e2e", OccurredAt: at,
		Payload: events.SessionCardSelected{CardID: "FACES_007", CardKind: "photo", Phase: "expand"},
	})
	if err != nil || id == "" {
		t.Fatalf("publish: %q, %v", id, err)
	}

	c := bigQueryClient(t)
	var rows []eventRow
	for {
		rows, err = queryEvents(ctx, c, id)
		if err == nil && len(rows) > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no row for event %s: %v", id, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The message is acked once written; after that no second row can come.
	var msgID string
	for msgID == "" {
		for _, m := range env.PubSub.Fake().Messages() {
			if e, err := events.Decode(m.Data); err == nil && e.EventID == id && m.Acks > 0 {
				msgID = m.ID
			}
		}
		if ctx.Err() != nil {
			t.Fatal("the event's message was never acked")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rows, err = queryEvents(ctx, c, id); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows for event %s, want 1", len(rows), id)
	}
	r := rows[0]
	want := eventRow{
		EventID: id, Type: events.TypeSessionCardSelected, OrgID: org, Actor: pseudo.Actor(org, uid),
		SessionID: "sess-e2e", SchemaVersion: 1, CardID: "FACES_007", Phase: "expand",
		SubscriptionName: "projects/" + env.Project() + "/subscriptions/events-bigquery", MessageID: msgID,
		AttrType: events.TypeSessionCardSelected,
	}
	if !r.OccurredAt.Equal(at) {
		t.Errorf("occurred_at %v, want %v", r.OccurredAt, at)
	}
	r.OccurredAt = time.Time{}
	if r != want {
		t.Errorf("row\n got %+v\nwant %+v", r, want)
	}
}

// A message that is not an event cannot be written; after the
// subscription's five attempts it ends in events-dead.
func TestMalformedEventIsDeadLettered(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pubsubClient(t)
	marker := uuid.NewString()
	p := c.Publisher(events.Topic)
	defer p.Stop()
	if _, err := p.Publish(ctx, &pubsub.Message{
		Data:       []byte("this is not an event"),
		Attributes: map[string]string{"e2e_marker": marker},
	}).Get(ctx); err != nil {
		t.Fatal(err)
	}

	var got *pubsub.Message
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	err := c.Subscriber("events-dead-hold").Receive(rctx, func(_ context.Context, m *pubsub.Message) {
		if m.Attributes["e2e_marker"] != marker {
			m.Nack() // another test's dead letter
			return
		}
		m.Ack()
		got = m
		stop()
	})
	if err != nil || got == nil {
		t.Fatalf("no dead letter: %v", err)
	}
	a := got.Attributes
	if string(got.Data) != "this is not an event" ||
		a["CloudPubSubDeadLetterSourceSubscription"] != "events-bigquery" ||
		a["CloudPubSubDeadLetterSourceDeliveryCount"] != "5" ||
		a["CloudPubSubDeadLetterSourceSubscriptionProject"] != env.Project() {
		t.Fatalf("dead letter %q with attributes %v", got.Data, a)
	}
}
