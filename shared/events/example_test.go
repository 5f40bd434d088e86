package events_test

import (
	"context"
	"log"
	"os"

	"cloud.google.com/go/pubsub/v2"

	"pointsofyou.ai/studio/shared/events"
)

// A function publishes domain events through one Publisher built at start.
func ExamplePublisher() {
	ctx := context.Background()
	project := os.Getenv("GOOGLE_CLOUD_PROJECT")
	client, err := pubsub.NewClient(ctx, project) // PUBSUB_EMULATOR_HOST locally
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	pseudonyms, err := events.PseudonymizerFromEnv(project, os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	pub, err := events.NewPublisher(client, events.Topic, events.PublisherOptions{
		Registry:   events.Standard(),
		Pseudonyms: pseudonyms,
		// The consent service's checker (shared/consentvault) is the gate:
		// consent.NewChecker(consent.NewStore(fs, nil), fs, consent.CheckerOptions{}).
		// Without one, nothing but system events would be published.
		Gate: events.DenyUnknownGate{},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close() // flushes

	id, err := pub.Publish(ctx, events.Event{
		Type:      events.TypeSessionCardSelected,
		OrgID:     "org1",
		UID:       "uid-of-the-caller", // never published; becomes the actor
		SessionID: "session1",
		Payload:   events.SessionCardSelected{CardID: "FACES_007", CardKind: "photo", Phase: "expand"},
	})
	switch {
	case err != nil:
		log.Print(err) // invalid event, or Pub/Sub failed: a retry with the same EventID is safe
	case id == "":
		// dropped: no analytics consent
	}
}
