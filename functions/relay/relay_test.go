package relay

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	psemu "pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/emulators/pubsub/pubsubtest"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/outbox"
)

const project = "demo-relay"

type everyone struct{}

func (everyone) Allowed(context.Context, string, string, string) (bool, error) { return true, nil }

// The trigger publishes the outbox document its Firestore event names, once
// however often the event is delivered, and acknowledges events about
// other documents.
func TestTriggerPublishesTheNamedDocumentOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fs := fstest.NewClient(t, project, fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	srv, ps := pubsubtest.NewClient(t, project, psemu.Options{}, events.Topic)
	snd, err := events.NewSender(ps, events.Topic, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = snd.Close() })
	r, err := outbox.NewRelay(fs, outbox.RelayOptions{Sender: snd, Gate: everyone{}})
	if err != nil {
		t.Fatal(err)
	}
	pseudo, _ := events.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	st, _ := events.NewStamper(events.StamperOptions{Registry: events.Standard(), Pseudonyms: pseudo, Gate: everyone{}})
	ob := outbox.New(fs, outbox.Options{Stamper: st})
	var id string
	if err := ob.Run(ctx, func(_ context.Context, _ *firestore.Transaction, out *outbox.Tx) error {
		err := out.Event(events.Event{Type: events.TypeJourneyCreated, OrgID: "org-a", UID: "u1",
			Payload: events.JourneyCreated{JourneyID: "j1", Source: "blank"}})
		id = out.EventIDs()[0]
		return err
	}); err != nil {
		t.Fatal(err)
	}

	trigger := NewTrigger(r)
	for _, doc := range []string{outbox.Collection + "/" + id, outbox.Collection + "/" + id, "orgs/o/things/x"} {
		ev, err := firestoreevent.NewCloudEvent(firestoreevent.Event{Type: firestoreevent.TypeCreated, Project: project,
			Document: doc, Time: time.Now(), Data: &firestoreevent.DocumentEventData{
				Value: &pb.Document{Name: firestoreevent.DocumentName(project, "(default)", doc)}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := trigger(ctx, ev); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
	}
	msgs := srv.Fake().Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	if env, err := events.Decode(msgs[0].Data); err != nil || env.EventID != id {
		t.Fatalf("published %+v, %v; want event %s", env, err, id)
	}
}
