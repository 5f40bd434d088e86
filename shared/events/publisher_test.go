package events

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"

	emulator "pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/emulators/pubsub/pubsubtest"
)

const project = "demo-test"

// harness is an in-process Pub/Sub emulator with the events topic and a
// pull subscription that sees everything published.
type harness struct {
	srv    *emulator.Server
	client *pubsub.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv, c := pubsubtest.NewClient(t, project, emulator.Options{}, Topic)
	ctx := testCtx(t)
	if _, err := c.SubscriptionAdminClient.CreateSubscription(ctx, &pb.Subscription{
		Name: emulator.SubscriptionName(project, "all"), Topic: emulator.TopicName(project, Topic), EnableMessageOrdering: true,
	}); err != nil {
		t.Fatal(err)
	}
	return &harness{srv: srv, client: c}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (h *harness) publisher(t *testing.T, gate ConsentGate) *Publisher {
	t.Helper()
	ps, err := NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPublisher(h.client, Topic, PublisherOptions{
		Registry: Standard(), Pseudonyms: ps, Gate: gate, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// messages returns what the topic holds, oldest first.
func (h *harness) messages() []*pstest.Message {
	return h.srv.Fake().Messages()
}

func TestPublishEnvelopeAndAttributes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	gate := NewStaticGate(Grant{UID: "uid-1", Org: "org1", Purpose: PurposeAnalytics})
	p := h.publisher(t, gate)
	at := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("x", 3600))
	id, err := p.Publish(testCtx(t), Event{
		Type: TypeCanvasOp, OrgID: "org1", UID: "uid-1", SessionID: "sess1", CanvasID: "canvas1", OccurredAt: at,
		Payload: CanvasOp{Op: "move", ElementID: "el1", ElementKind: "card", Properties: 2},
	})
	if err != nil || id == "" {
		t.Fatalf("publish: %q, %v", id, err)
	}
	msgs := h.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.Attributes[AttrType] != TypeCanvasOp || m.Attributes[AttrOrgID] != "org1" || m.Attributes[AttrSchemaVersion] != "1" || len(m.Attributes) != 3 {
		t.Errorf("attributes %v", m.Attributes)
	}
	if m.OrderingKey != "sess1" {
		t.Errorf("ordering key %q", m.OrderingKey)
	}
	e, err := Decode(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	if e.EventID != id || !e.OccurredAt.Equal(at.Truncate(time.Microsecond)) || e.OccurredAt.Location() != time.UTC {
		t.Errorf("envelope %+v", e)
	}
	ps, _ := NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if e.Actor != ps.Actor("org1", "uid-1") || len(e.Actor) != ActorLen {
		t.Errorf("actor %q", e.Actor)
	}
	op, err := DecodePayload[CanvasOp](Standard(), e)
	if err != nil || op.Op != "move" || op.Properties != 2 {
		t.Errorf("payload %+v, %v", op, err)
	}
	if s := p.Stats(); s.Published != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestPublishConsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	failing := DenyUnknownGate{Lookup: func(context.Context, string, string, string) (bool, bool, error) {
		return false, false, errors.New("consent store down")
	}}
	picked := SessionCardSelected{CardID: "card-1", CardKind: "photo", Phase: "expand"}
	tests := []struct {
		name      string
		gate      ConsentGate
		ev        Event
		published bool
		actor     bool
		stats     Stats
	}{
		{"no consent: dropped", DenyUnknownGate{},
			Event{Type: TypeSessionCardSelected, OrgID: "o", UID: "u", Payload: picked}, false, false, Stats{DroppedNoConsent: 1}},
		{"no consent, aggregate-only: stripped", DenyUnknownGate{},
			Event{Type: TypeJournalSynced, OrgID: "o", UID: "u", Payload: JournalSynced{Mutations: 3, Mode: "standalone"}}, true, false, Stats{Published: 1, Stripped: 1}},
		{"consent elsewhere only: dropped", NewStaticGate(Grant{UID: "u", Org: "other", Purpose: PurposeAnalytics}),
			Event{Type: TypeSessionCardSelected, OrgID: "o", UID: "u", Payload: picked}, false, false, Stats{DroppedNoConsent: 1}},
		{"other purpose only: dropped", NewStaticGate(Grant{UID: "u", Org: "o", Purpose: "research"}),
			Event{Type: TypeSessionCardSelected, OrgID: "o", UID: "u", Payload: picked}, false, false, Stats{DroppedNoConsent: 1}},
		{"no consent, canvas op: stripped (the insights signal)", DenyUnknownGate{},
			Event{Type: TypeCanvasOp, OrgID: "o", UID: "u", Payload: CanvasOp{Op: "add", ElementID: "e1", ElementKind: "note"}}, true, false, Stats{Published: 1, Stripped: 1}},
		{"gate error: dropped", failing,
			Event{Type: TypeJournalSynced, OrgID: "o", UID: "u", Payload: JournalSynced{}}, false, false, Stats{DroppedGateError: 1}},
		{"known and allowed", DenyUnknownGate{Lookup: func(context.Context, string, string, string) (bool, bool, error) { return true, true, nil }},
			Event{Type: TypeSessionCardSelected, OrgID: "o", UID: "u", Payload: picked}, true, true, Stats{Published: 1}},
		{"known and refused", DenyUnknownGate{Lookup: func(context.Context, string, string, string) (bool, bool, error) { return false, true, nil }},
			Event{Type: TypeSessionCardSelected, OrgID: "o", UID: "u", Payload: picked}, false, false, Stats{DroppedNoConsent: 1}},
		{"system event: no gate", failing,
			Event{Type: TypeMediaUploaded, OrgID: "o", Payload: MediaUploaded{MediaID: "m1", ContentType: "image/png", Bytes: 10}}, true, false, Stats{Published: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := h.publisher(t, tc.gate)
			before := len(h.messages())
			id, err := p.Publish(testCtx(t), tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			msgs := h.messages()[before:]
			if tc.published != (id != "") || tc.published != (len(msgs) == 1) {
				t.Fatalf("id %q, %d new messages", id, len(msgs))
			}
			if tc.published {
				e, err := Decode(msgs[0].Data)
				if err != nil {
					t.Fatal(err)
				}
				if (e.Actor != "") != tc.actor {
					t.Errorf("actor %q", e.Actor)
				}
			}
			if got := p.Stats(); got != tc.stats {
				t.Errorf("stats %+v, want %+v", got, tc.stats)
			}
		})
	}
}

// TestNoPersonalDataReachesAMessage tries every path by which a name, an
// email or free text could get into a published message, and checks that
// each is refused and that nothing published contains them.
func TestNoPersonalDataReachesAMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const email, name, text = "alice.smith@example.com", "Alice Smith", "I told the group about my divorce"
	allowAll := DenyUnknownGate{Lookup: func(context.Context, string, string, string) (bool, bool, error) { return true, true, nil }}
	p := h.publisher(t, allowAll)
	ok := func() Event {
		return Event{Type: TypeSessionCardSelected, OrgID: "org1", UID: "uid1", SessionID: "s1", CanvasID: "c1",
			Payload: SessionCardSelected{CardID: "FACES_001", CardKind: "photo", Phase: "focus"}}
	}
	attempts := map[string]func(*Event){
		"email as org":         func(e *Event) { e.OrgID = email },
		"name as org":          func(e *Event) { e.OrgID = name },
		"email as session":     func(e *Event) { e.SessionID = email },
		"name as session":      func(e *Event) { e.SessionID = name },
		"text as canvas":       func(e *Event) { e.CanvasID = text },
		"email as event id":    func(e *Event) { e.EventID = email },
		"email as type":        func(e *Event) { e.Type = email },
		"text as type":         func(e *Event) { e.Type = text },
		"email in payload id":  func(e *Event) { e.Payload = SessionCardSelected{CardID: email, CardKind: "photo", Phase: "focus"} },
		"name in payload id":   func(e *Event) { e.Payload = SessionCardSelected{CardID: name, CardKind: "photo", Phase: "focus"} },
		"text in payload enum": func(e *Event) { e.Payload = SessionCardSelected{CardID: "x", CardKind: "photo", Phase: Enum(text)} },
		"name in payload enum": func(e *Event) { e.Payload = SessionCardSelected{CardID: "x", CardKind: Enum(name), Phase: "focus"} },
		"unregistered struct":  func(e *Event) { e.Payload = struct{ Email string }{email} },
		"map payload":          func(e *Event) { e.Payload = map[string]string{"name": name} },
		"string payload":       func(e *Event) { e.Payload = text },
		"payload of another type": func(e *Event) {
			e.Payload = CanvasOp{Op: "add"}
		},
	}
	for what, mod := range attempts {
		ev := ok()
		mod(&ev)
		id, err := p.Publish(testCtx(t), ev)
		if err == nil || id != "" {
			t.Errorf("%s: published (%q)", what, id)
			continue
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnknownType) {
			t.Errorf("%s: unexpected error %v", what, err)
		}
	}
	// Identity may travel only as the uid, which becomes a pseudonym; an
	// email used as a uid still never appears.
	for _, uid := range []string{email, name, "uid1"} {
		ev := ok()
		ev.UID = uid
		if _, err := p.Publish(testCtx(t), ev); err != nil {
			t.Fatalf("uid %q: %v", uid, err)
		}
	}
	msgs := h.messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages published, want 3", len(msgs))
	}
	for _, m := range msgs {
		all := string(m.Data) + m.OrderingKey
		for k, v := range m.Attributes {
			all += k + v
		}
		for _, bad := range []string{"alice", "Alice", "@", "divorce", "uid1"} {
			if strings.Contains(all, bad) {
				t.Errorf("message carries %q: %s %v", bad, m.Data, m.Attributes)
			}
		}
	}
}

func TestPublishBatchesAndOrders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.publisher(t, NewStaticGate(Grant{UID: "u", Org: "o", Purpose: PurposeAnalytics}))
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, sess := range []string{"sa", "sb"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				_, err := p.Publish(testCtx(t), Event{Type: TypeCanvasOp, OrgID: "o", UID: "u", SessionID: sess,
					Payload: CanvasOp{Op: "move", ElementID: "e", Properties: i}})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Within a session, events keep their order.
	last := map[string]int{"sa": -1, "sb": -1}
	for _, m := range h.messages() {
		e, err := Decode(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		op, _ := DecodePayload[CanvasOp](Standard(), e)
		if m.OrderingKey != e.SessionID || op.Properties != last[e.SessionID]+1 {
			t.Fatalf("session %s: op %d after %d (key %q)", e.SessionID, op.Properties, last[e.SessionID], m.OrderingKey)
		}
		last[e.SessionID] = op.Properties
	}
	if last["sa"] != n-1 || last["sb"] != n-1 {
		t.Errorf("last ops %v", last)
	}
}

func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ps, _ := NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	settings := DefaultPublishSettings
	settings.DelayThreshold = time.Hour // only Close sends the batch
	settings.CountThreshold = 1000
	p, err := NewPublisher(h.client, emulator.TopicName(project, Topic), PublisherOptions{
		Registry: Standard(), Pseudonyms: ps, Settings: &settings, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	env, res, _, err := p.send(testCtx(t), Event{Type: TypeMediaUploaded, OrgID: "o", Payload: MediaUploaded{MediaID: "m"}})
	if err != nil || env == nil {
		t.Fatalf("send: %v", err)
	}
	if n := len(h.messages()); n != 0 {
		t.Fatalf("%d messages sent before Close", n)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := res.Get(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(h.messages()) != 1 {
		t.Fatalf("%d messages after Close", len(h.messages()))
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNewPublisherRefusesMissingDependencies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ps, _ := NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	tests := map[string]func() (*Publisher, error){
		"client": func() (*Publisher, error) {
			return NewPublisher(nil, Topic, PublisherOptions{Registry: Standard(), Pseudonyms: ps})
		},
		"topic": func() (*Publisher, error) {
			return NewPublisher(h.client, "", PublisherOptions{Registry: Standard(), Pseudonyms: ps})
		},
		"registry": func() (*Publisher, error) { return NewPublisher(h.client, Topic, PublisherOptions{Pseudonyms: ps}) },
		"pseudonyms": func() (*Publisher, error) {
			return NewPublisher(h.client, Topic, PublisherOptions{Registry: Standard()})
		},
	}
	for name, f := range tests {
		if _, err := f(); err == nil {
			t.Errorf("no error without %s", name)
		}
	}
}
