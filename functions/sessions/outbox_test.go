package sessions

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
)

// A change commits with its events and mail, whatever Pub/Sub does: while
// it is down the events wait in the outbox and the mail is already
// written; the relay publishes the events later. The reminders job does
// the same with its claim.
func TestChangesCommitWithTheirEventsAndMail(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	e.events.SetDown(true)
	ctx := context.Background()
	soon := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	s := schedCreate(t, e, map[string]any{"start_at": soon.Format(time.RFC3339)})
	e.do(t, "POST", "/v1/sessions/"+s.ID+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test", "p2@a.test"}}).
		Want(t, http.StatusOK)
	if n, err := SendReminders(ctx, e.deps); n != 1 || err != nil {
		t.Fatalf("reminders: %d %v", n, err)
	}
	for _, addr := range []string{"p1@a.test", "p2@a.test"} {
		if inv, rem := inviteMails(t, e, addr, "session_invitation"), inviteMails(t, e, addr, "session_reminder"); len(inv) != 1 || len(rem) != 1 {
			t.Fatalf("%s: %d invitations, %d reminders", addr, len(inv), len(rem))
		}
	}
	if counts, err := e.events.Relay(ctx); err == nil || counts["failed"] != 3 {
		t.Fatalf("relay while Pub/Sub is down: %v, %v", counts, err)
	}
	if pending, err := outbox.Pending(ctx, e.fs); err != nil || len(pending) != 3 {
		t.Fatalf("pending %v, %v", pending, err)
	}
	e.events.SetDown(false)
	want := []string{events.TypeSessionScheduled, events.TypeSessionInvited, events.TypeSessionReminded}
	if got := e.events.Types(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if pending, err := outbox.Pending(ctx, e.fs); err != nil || len(pending) != 0 {
		t.Fatalf("pending after the relay %v, %v", pending, err)
	}
}

// A refused change records neither its event nor its mail: a cancellation
// of a cancelled session, an invitation to it.
func TestRefusedChangeRecordsNoEventOrMail(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	s := schedCreate(t, e, map[string]any{"start_at": "2030-07-01T18:30"})
	path := "/v1/sessions/" + s.ID
	e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test"}}).Want(t, http.StatusOK)
	e.do(t, "POST", path+"/cancel", tokFac, nil).Want(t, http.StatusOK)
	before, err := mail.List(context.Background(), e.fs, "")
	if err != nil {
		t.Fatal(err)
	}
	e.do(t, "POST", path+"/cancel", tokFac, nil).Problem(t, http.StatusConflict)
	e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p2@a.test"}}).Problem(t, http.StatusConflict)
	if after := e.sent(t); len(after) != len(before) {
		t.Errorf("%d mails after refused changes, want %d", len(after), len(before))
	}
	want := []string{events.TypeSessionScheduled, events.TypeSessionInvited, events.TypeSessionCancelled}
	if got := e.events.Types(); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}
