package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/outbox"
)

// A change commits with its event; the processes around it may die at any
// point afterwards and the event still reaches BigQuery exactly once:
//   - the journeys instance is killed right after answering (after the
//     commit, before anything else it might have done);
//   - the relay the Firestore trigger delivers to is frozen, so the trigger
//     never gets an answer, and then killed while the delivery hangs;
//   - the scheduled sweeper publishes the pending event meanwhile, and the
//     trigger's retry, once the relay is back, finds it sent and publishes
//     nothing more.
//
// Not parallel: it freezes and kills shared function instances, which no
// other test may be using meanwhile.
func TestOutboxEventSurvivesKilledProcesses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fs, err := firestore.NewClient(ctx, env.Project())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()

	if _, err := env.Functions.Signal("outbox-relay", syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	thawed := false
	defer func() {
		if !thawed {
			_, _ = env.Functions.Signal("outbox-relay", syscall.SIGKILL)
		}
		waitHealthy(t, ctx, "/api/journeys/healthz")
	}()

	tok := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass")
	var created struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/journeys/v1/journeys", tok, map[string]any{"name": "Outbox under fire"}, &created); r.StatusCode != http.StatusCreated {
		t.Fatalf("create journey: %d", r.StatusCode)
	}
	if _, err := env.Functions.Signal("journeys", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	id, doc := findOutboxEvent(t, ctx, fs, events.TypeJourneyCreated, created.ID)
	if doc.Status != outbox.StatusPending {
		// The minutely sweep may have run in between; the rest still holds.
		t.Logf("event %s already %s before the sweep ran", id, doc.Status)
	}

	// The sweeper, run now as `gcloud scheduler jobs run` would, publishes
	// what the frozen relay could not.
	if ok, err := env.Eventarc.RunScheduleNow(ctx, "outbox-sweep"); err != nil || !ok {
		t.Fatalf("outbox-sweep run: %v, %v", ok, err)
	}
	c := bigQueryClient(t)
	for n := 0; n == 0; {
		if n, _ = countEventRows(ctx, c, id); n == 0 {
			if ctx.Err() != nil {
				t.Fatalf("event %s never reached BigQuery", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The relay dies with the trigger's delivery in flight; Eventarc
	// retries it on the restarted instance, which finds the event sent.
	if _, err := env.Functions.Signal("outbox-relay", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	thawed = true
	for !relayDelivered(id) {
		if ctx.Err() != nil {
			t.Fatalf("the trigger's retry never succeeded: %+v", env.Eventarc.Deliveries())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Published once (the claim kept the retry from publishing again), and
	// exactly one row after dedupe.
	published := 0
	for _, m := range env.PubSub.Fake().Messages() {
		if e, err := events.Decode(m.Data); err == nil && e.EventID == id {
			published++
		}
	}
	if published != 1 {
		t.Errorf("event %s published %d times", id, published)
	}
	if n, err := countEventRows(ctx, c, id); err != nil || n != 1 {
		t.Fatalf("event %s: %d rows after dedupe (%v), want 1", id, n, err)
	}
	snap, err := fs.Collection(outbox.Collection).Doc(id).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d outbox.Doc
	if err := snap.DataTo(&d); err != nil || d.Status != outbox.StatusSent || d.UID != "" || d.Envelope != "" {
		t.Fatalf("outbox document after the relay: %+v (%v)", d, err)
	}
}

// findOutboxEvent finds the outbox event of type typ about journey
// journeyID.
func findOutboxEvent(t *testing.T, ctx context.Context, fs *firestore.Client, typ, journeyID string) (string, outbox.Doc) {
	t.Helper()
	it := fs.Collection(outbox.Collection).Where("type", "==", typ).Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var d outbox.Doc
		if err := snap.DataTo(&d); err != nil {
			t.Fatal(err)
		}
		if d.Envelope == "" {
			continue // already sent: no longer names its journey
		}
		env, err := events.Decode([]byte(d.Envelope))
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			JourneyID string `json:"journey_id"`
		}
		if json.Unmarshal(env.Payload, &p) == nil && p.JourneyID == journeyID {
			return snap.Ref.ID, d
		}
	}
	t.Fatalf("no pending %s event for journey %s in %s", typ, journeyID, outbox.Collection)
	return "", outbox.Doc{}
}

// countEventRows counts the rows of event id in analytics.events after
// dedupe on event_id, as every analytics query does.
func countEventRows(ctx context.Context, c *bq.Client, id string) (int, error) {
	q := c.Query(`SELECT COUNT(DISTINCT event_id) AS n FROM analytics.events WHERE event_id = @id`)
	q.Parameters = []bq.QueryParameter{{Name: "id", Value: id}}
	it, err := q.Read(ctx)
	if err != nil {
		return 0, err
	}
	var row struct {
		N int64 `bigquery:"n"`
	}
	if err := it.Next(&row); err != nil {
		return 0, err
	}
	return int(row.N), nil
}

// relayDelivered reports a successful delivery of the outbox document id
// to outbox-relay.
func relayDelivered(id string) bool {
	for _, d := range env.Eventarc.Deliveries() {
		if d.Function == "outbox-relay" && d.OK() && strings.HasSuffix(d.Subject, "/"+id) {
			return true
		}
	}
	return false
}

// waitHealthy waits until path answers 200 through Hosting (a killed
// function is restarted by the emulator).
func waitHealthy(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	for {
		if r := call(t, "GET", path, "", nil, nil); r.StatusCode == http.StatusOK {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("%s never answered again", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
