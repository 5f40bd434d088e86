package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
)

// An event of a user without analytics consent never reaches BigQuery;
// after a grant through the consent API it does, and after the withdrawal
// it stops again — with the consent checker as the publisher's gate.
func TestAnalyticsConsentGatesEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fs, err := firestore.NewClient(ctx, env.Project())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	checker := consentvault.NewChecker(consentvault.NewStore(fs, nil), fs, consentvault.CheckerOptions{})
	defer checker.Close()
	if _, err := consentvault.NewStore(fs, nil).PublishPolicy(ctx, consentvault.Analytics, map[string]string{"en": "Pseudonymous activity counts."}); err != nil {
		t.Fatal(err)
	}
	pseudo, err := events.PseudonymizerFromEnv(env.Project(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := events.NewPublisher(pubsubClient(t), events.Topic, events.PublisherOptions{
		Registry: events.Standard(), Pseudonyms: pseudo, Gate: checker,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	tok := signIn(t, "sam.participant@studio.test", "demo-participant-pass")
	const uid, org = "demo-participant-2", orgA
	publish := func() string {
		t.Helper()
		id, err := pub.Publish(ctx, events.Event{Type: events.TypeSessionCardSelected, OrgID: org, UID: uid, SessionID: "sess-consent",
			Payload: events.SessionCardSelected{CardID: "FACES_001", CardKind: "photo", Phase: "pause"}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id := publish(); id != "" {
		t.Fatalf("published %s without consent", id)
	}
	if r := call(t, "PUT", "/api/consent/v1/me/consent/analytics", tok, map[string]any{"decision": "grant", "mechanism": "settings"}, nil); r.StatusCode != 200 {
		t.Fatalf("grant: %d", r.StatusCode)
	}
	var id string
	for id == "" {
		if ctx.Err() != nil {
			t.Fatal("the grant never reached the checker")
		}
		id = publish()
		time.Sleep(20 * time.Millisecond)
	}
	bq := bigQueryClient(t)
	for {
		rows, err := queryEvents(ctx, bq, id)
		if err == nil && len(rows) == 1 && rows[0].Actor == pseudo.Actor(org, uid) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the consented event never landed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := call(t, "PUT", "/api/consent/v1/me/consent/analytics", tok, map[string]any{"decision": "withdraw", "mechanism": "settings"}, nil); r.StatusCode != 200 {
		t.Fatalf("withdraw: %d", r.StatusCode)
	}
	for ok, _ := checker.Allowed(ctx, uid, org, "analytics"); ok; ok, _ = checker.Allowed(ctx, uid, org, "analytics") {
		if ctx.Err() != nil {
			t.Fatal("the withdrawal never reached the checker")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if id := publish(); id != "" {
		t.Fatalf("published %s after the withdrawal", id)
	}
	if s := pub.Stats(); s.DroppedNoConsent < 2 {
		t.Errorf("stats %+v", s)
	}
}
