package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/emulators/firestore/fstest"
	psemu "pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/emulators/pubsub/pubsubtest"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
)

const project = "demo-outbox"

// gate is a consent gate whose answers a test changes.
type gate struct {
	mu      sync.Mutex
	allowed map[string]bool
	err     error
}

func (g *gate) set(uid string, ok bool) { g.mu.Lock(); g.allowed[uid] = ok; g.mu.Unlock() }

func (g *gate) fail(err error) { g.mu.Lock(); g.err = err; g.mu.Unlock() }

func (g *gate) Allowed(_ context.Context, uid, _, _ string) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.allowed[uid], g.err
}

// world is a Firestore emulator, a Pub/Sub emulator with the events topic,
// an outbox and a relay on them, with the real stamper and sender.
type world struct {
	fs    *firestore.Client
	ps    *psemu.Server
	gate  *gate
	ob    *outbox.Outbox
	relay *outbox.Relay
	snd   *events.Sender
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{gate: &gate{allowed: map[string]bool{}}}
	w.fs = fstest.NewClient(t, project, fsemu.Options{Indexes: fstest.DeployedIndexes(t)})
	srv, c := pubsubtest.NewClient(t, project, psemu.Options{}, events.Topic)
	w.ps = srv
	pseudo, err := events.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := events.NewStamper(events.StamperOptions{Registry: events.Standard(), Pseudonyms: pseudo, Gate: w.gate,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w.ob = outbox.New(w.fs, outbox.Options{Stamper: st, Mail: mail.NewOutbox(w.fs, nil)})
	if w.snd, err = events.NewSender(c, events.Topic, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.snd.Close() })
	if w.relay, err = outbox.NewRelay(w.fs, outbox.RelayOptions{Sender: w.snd, Gate: w.gate}); err != nil {
		t.Fatal(err)
	}
	return w
}

// published are the envelopes Pub/Sub accepted, oldest first.
func (w *world) published(t *testing.T) []*events.Envelope {
	t.Helper()
	var out []*events.Envelope
	for _, m := range w.ps.Fake().Messages() {
		env, err := events.Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

func (w *world) doc(t *testing.T, id string) outbox.Doc {
	t.Helper()
	snap, err := w.fs.Collection(outbox.Collection).Doc(id).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var d outbox.Doc
	if err := snap.DataTo(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

func created(uid, journey string) events.Event {
	return events.Event{Type: events.TypeJourneyCreated, OrgID: "org-a", UID: uid,
		Payload: events.JourneyCreated{JourneyID: events.ID(journey), Source: "blank"}}
}

// picked is an event about the person: without consent it is dropped.
func picked(uid, card string) events.Event {
	return events.Event{Type: events.TypeSessionCardSelected, OrgID: "org-a", UID: uid, SessionID: "s1",
		Payload: events.SessionCardSelected{CardID: events.ID(card), CardKind: "photo", Phase: "pause"}}
}

// record commits a document write and ev in one transaction and returns the
// ids of the events recorded.
func (w *world) record(t *testing.T, ev events.Event) []string {
	t.Helper()
	var ids []string
	err := w.ob.Run(context.Background(), func(_ context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if err := tx.Set(w.fs.Doc("things/"+uniq()), map[string]any{"n": 1}); err != nil {
			return err
		}
		if err := out.Event(ev); err != nil {
			return err
		}
		ids = out.EventIDs()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

var seq atomic.Int64

func uniq() string { return fmt.Sprintf("t%d", seq.Add(1)) }

func TestChangeEventsAndMailCommitTogether(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.gate.set("u1", true)
	letter := mail.Message{To: "ann@example.com", Subject: "Welcome", Text: "Hello", Kind: "invitation"}

	// A callback that fails writes nothing: no change, no event, no mail.
	boom := errors.New("refused")
	err := w.ob.Run(ctx, func(_ context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if err := tx.Set(w.fs.Doc("things/refused"), map[string]any{"n": 1}); err != nil {
			return err
		}
		if err := out.Event(created("u1", "j1")); err != nil {
			return err
		}
		if err := out.Mail(letter); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v", err)
	}
	if ids, _ := outbox.Pending(ctx, w.fs); len(ids) != 0 {
		t.Fatalf("refused change left events %v", ids)
	}
	if ms, _ := mail.List(ctx, w.fs, ""); len(ms) != 0 {
		t.Fatalf("refused change left mail %+v", ms)
	}

	var ids []string
	err = w.ob.Run(ctx, func(_ context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if _, err := tx.Get(w.fs.Doc("things/kept")); err != nil && !strings.Contains(err.Error(), "NotFound") {
			return err
		}
		if err := tx.Set(w.fs.Doc("things/kept"), map[string]any{"n": 1}); err != nil {
			return err
		}
		if err := out.Event(created("u1", "j1")); err != nil {
			return err
		}
		ids = out.EventIDs()
		return out.Mail(letter)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pending, _ := outbox.Pending(ctx, w.fs); len(pending) != 1 || pending[0] != ids[0] {
		t.Fatalf("pending %v, recorded %v", pending, ids)
	}
	if ms, _ := mail.List(ctx, w.fs, "ann@example.com"); len(ms) != 1 || ms[0].Subject != "Welcome" {
		t.Fatalf("mail %+v", ms)
	}
	if n := len(w.published(t)); n != 0 {
		t.Fatalf("%d events published before the relay ran", n)
	}
	if d := w.doc(t, ids[0]); d.Status != outbox.StatusPending || d.UID != "u1" || d.Type != events.TypeJourneyCreated {
		t.Fatalf("outbox document %+v", d)
	}

	// A payload the registry refuses fails the change.
	err = w.ob.Run(ctx, func(_ context.Context, _ *firestore.Transaction, out *outbox.Tx) error {
		return out.Event(events.Event{Type: events.TypeJourneyCreated, OrgID: "org a", Payload: events.JourneyCreated{}})
	})
	if !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("invalid event: %v", err)
	}
}

func TestRelayPublishesOnceAndMarksSent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.gate.set("u1", true)
	id := w.record(t, created("u1", "j1"))[0]

	// The trigger, its retries and the sweeper race for one event: one
	// claim wins, one publish happens.
	var wg sync.WaitGroup
	outcomes := make([]string, 8)
	for i := range outcomes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := w.relay.Deliver(ctx, id)
			if err != nil {
				t.Error(err)
			}
			outcomes[i] = o
		}()
	}
	wg.Wait()
	sent := 0
	for _, o := range outcomes {
		if o == outbox.Sent {
			sent++
		}
	}
	pub := w.published(t)
	if sent != 1 || len(pub) != 1 || pub[0].EventID != id || pub[0].Actor == "" {
		t.Fatalf("outcomes %v; published %+v", outcomes, pub)
	}
	d := w.doc(t, id)
	if d.Status != outbox.StatusSent || d.UID != "" || d.Envelope != "" || d.ExpireAt.IsZero() {
		t.Fatalf("sent document %+v", d)
	}
	if o, err := w.relay.Deliver(ctx, id); err != nil || o != outbox.Done {
		t.Fatalf("again: %q, %v", o, err)
	}
	if o, err := w.relay.Deliver(ctx, "no-such-event"); err != nil || o != outbox.Missing {
		t.Fatalf("missing: %q, %v", o, err)
	}
}

// crashAfterSend publishes, then fails as a relay killed before marking
// the document sent would.
type crashAfterSend struct {
	snd   *events.Sender
	crash bool
}

func (c *crashAfterSend) Send(ctx context.Context, env *events.Envelope) error {
	if err := c.snd.Send(ctx, env); err != nil {
		return err
	}
	if c.crash {
		c.crash = false
		return errors.New("killed after publishing")
	}
	return nil
}

// A relay that dies between publishing and marking the event sent leaves
// it pending: the next run publishes it again with the same event_id
// (at least once; analytics dedupes on it).
func TestCrashAfterPublishRepublishesTheSameEventID(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.gate.set("u1", true)
	id := w.record(t, created("u1", "j1"))[0]
	r, err := outbox.NewRelay(w.fs, outbox.RelayOptions{Sender: &crashAfterSend{snd: w.snd, crash: true}, Gate: w.gate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Deliver(ctx, id); err == nil {
		t.Fatal("the crash was not reported")
	}
	if d := w.doc(t, id); d.Status != outbox.StatusPending {
		t.Fatalf("after the crash %+v", d)
	}
	counts, err := r.Sweep(ctx)
	if err != nil || counts[outbox.Sent] != 1 {
		t.Fatalf("sweep %v, %v", counts, err)
	}
	pub := w.published(t)
	if len(pub) != 2 || pub[0].EventID != id || pub[1].EventID != id {
		t.Fatalf("published %+v", pub)
	}
}

func TestConsentIsCheckedWhenRecordedAndWhenRelayed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()

	// Without consent a regular event is not recorded at all.
	if ids := w.record(t, picked("nobody", "c0")); len(ids) != 0 {
		t.Fatalf("recorded %v without consent", ids)
	}
	// An aggregate-only event is recorded without its actor, and without
	// the uid: there is nothing left to withdraw.
	agg := w.record(t, created("nobody", "j1"))[0]
	if d := w.doc(t, agg); d.UID != "" || strings.Contains(d.Envelope, `"actor"`) {
		t.Fatalf("aggregate-only document %+v", d)
	}

	// Consent withdrawn between the change and its publication: the event
	// is dropped (an aggregate-only one loses its actor).
	w.gate.set("u2", true)
	withdrawn := w.record(t, picked("u2", "c2"))[0]
	stripped := w.record(t, created("u2", "j2"))[0]
	kept := w.record(t, picked("u3", "c3"))
	if len(kept) != 0 {
		t.Fatal("u3 has not consented")
	}
	w.gate.set("u2", false)

	// A gate failure at relay time retries; nothing is published.
	w.gate.fail(errors.New("consent store down"))
	if _, err := w.relay.Deliver(ctx, withdrawn); err == nil {
		t.Fatal("gate failure not reported")
	}
	if d := w.doc(t, withdrawn); d.Status != outbox.StatusPending || !d.LeaseUntil.Before(time.Now()) {
		t.Fatalf("after a gate failure %+v", d)
	}
	w.gate.fail(nil)

	counts, err := w.relay.Sweep(ctx)
	if err != nil || counts[outbox.Sent] != 2 || counts[outbox.Dropped] != 1 {
		t.Fatalf("sweep %v, %v", counts, err)
	}
	if d := w.doc(t, withdrawn); d.Status != outbox.StatusDropped || d.UID != "" || d.Envelope != "" {
		t.Fatalf("withdrawn %+v", d)
	}
	byID := map[string]*events.Envelope{}
	for _, env := range w.published(t) {
		byID[env.EventID] = env
	}
	if len(byID) != 2 || byID[withdrawn] != nil || byID[agg] == nil || byID[stripped] == nil ||
		byID[agg].Actor != "" || byID[stripped].Actor != "" {
		t.Fatalf("published %+v", byID)
	}
}

// The sweeper publishes what the trigger missed, oldest first, and leaves
// an event another relay has claimed to that relay.
func TestSweepOldestFirstSkipsClaimed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.gate.set("u1", true)
	var ids []string
	for _, j := range []string{"j1", "j2", "j3"} {
		ids = append(ids, w.record(t, created("u1", j))[0])
	}
	// Another relay holds ids[1].
	if _, err := w.fs.Collection(outbox.Collection).Doc(ids[1]).Update(ctx, []firestore.Update{
		{Path: "lease_until", Value: time.Now().Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	counts, err := w.relay.Sweep(ctx)
	if err != nil || counts[outbox.Sent] != 2 || counts[outbox.Busy] != 1 {
		t.Fatalf("sweep %v, %v", counts, err)
	}
	pub := w.published(t)
	if len(pub) != 2 || pub[0].EventID != ids[0] || pub[1].EventID != ids[2] {
		t.Fatalf("published %+v, want %s then %s", pub, ids[0], ids[2])
	}
	if pending, _ := outbox.Pending(ctx, w.fs); len(pending) != 1 || pending[0] != ids[1] {
		t.Fatalf("pending %v", pending)
	}
}
