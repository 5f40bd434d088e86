package apitest

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

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	psemu "pointsofyou.ai/studio/emulators/pubsub"
	"pointsofyou.ai/studio/emulators/pubsub/pubsubtest"
	"pointsofyou.ai/studio/shared/events"
)

// EventsOptions configure NewEvents.
type EventsOptions struct {
	// Gate decides analytics consent; nil grants it to everyone, so every
	// event a test causes is published with its actor.
	Gate events.ConsentGate
	// Now is the publisher's clock (time.Now when nil).
	Now func() time.Time
}

// Events is the real events publisher (shared/events) on an in-process
// Pub/Sub emulator of its own, as a function's Deps take it, with what it
// published readable back. Unlike a recording fake it applies the
// registry: a payload the registry rejects fails the test, because a
// function only logs a failed publish and production would drop the
// event.
type Events struct {
	t    testing.TB
	srv  *psemu.Server
	pub  *events.Publisher
	down atomic.Bool
	// What the outbox (outbox.go) stamps and relays with.
	client  *pubsub.Client
	ps      *events.Pseudonymizer
	gate    events.ConsentGate
	now     func() time.Time
	mu      sync.Mutex
	relayMu sync.Mutex
	pending []pendingEvent
}

// pubsubDown refuses every Publish call while the flag is set.
type pubsubDown struct{ on *atomic.Bool }

func (d pubsubDown) React(any) (bool, any, error) {
	if d.on.Load() {
		// Not a code the client retries: the publish fails at once.
		return true, nil, status.Error(codes.PermissionDenied, "apitest: Pub/Sub refuses")
	}
	return false, nil, nil
}

// NewEvents starts a Pub/Sub emulator with the events topic and returns the
// publisher on it; both stop when t ends.
func NewEvents(t testing.TB, opts EventsOptions) *Events {
	t.Helper()
	e := &Events{t: t}
	const project = "demo-apitest"
	srv, c := pubsubtest.NewClient(t, project, psemu.Options{
		Reactors: []pstest.ServerReactorOption{{FuncName: "Publish", Reactor: pubsubDown{&e.down}}}}, events.Topic)
	e.srv = srv
	ps, err := events.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	gate := opts.Gate
	if gate == nil {
		gate = everyoneConsents{}
	}
	e.client, e.ps, e.gate, e.now = c, ps, gate, opts.Now
	e.pub, err = events.NewPublisher(c, events.Topic, events.PublisherOptions{
		Registry: events.Standard(), Pseudonyms: ps, Gate: gate, Now: opts.Now, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.pub.Close() })
	return e
}

type everyoneConsents struct{}

func (everyoneConsents) Allowed(context.Context, string, string, string) (bool, error) {
	return true, nil
}

// Publisher is the real publisher, for code that takes *events.Publisher.
// Its rejections are not reported to the test; Publish's are.
func (e *Events) Publisher() *events.Publisher { return e.pub }

// Publish publishes through the real publisher. An event the registry
// rejects (unknown type, invalid payload or envelope) fails the test and
// is returned as an error, as the function would see it.
func (e *Events) Publish(ctx context.Context, ev events.Event) (string, error) {
	id, err := e.pub.Publish(ctx, ev)
	if errors.Is(err, events.ErrInvalid) || errors.Is(err, events.ErrUnknownType) {
		e.t.Errorf("event %s rejected by the registry: %v", ev.Type, err)
	}
	return id, err
}

// Actor is the pseudonym the events uid causes in org carry as their
// actor (the uid itself never appears in an event).
func (e *Events) Actor(org, uid string) string { return e.ps.Actor(org, uid) }

// SetDown makes Pub/Sub refuse every publish (down true) or accept them
// again.
func (e *Events) SetDown(down bool) { e.down.Store(down) }

// Stats are the publisher's counters.
func (e *Events) Stats() events.Stats { return e.pub.Stats() }

// Published returns the envelopes Pub/Sub accepted, oldest first.
func (e *Events) Published() []*events.Envelope {
	e.t.Helper()
	e.relayPending()
	var out []*events.Envelope
	for _, m := range e.srv.Fake().Messages() {
		env, err := events.Decode(m.Data)
		if err != nil {
			e.t.Fatalf("published message %s: %v", m.ID, err)
		}
		out = append(out, env)
	}
	return out
}

// Types lists the types of the published events, oldest first.
func (e *Events) Types() []string {
	var out []string
	for _, env := range e.Published() {
		out = append(out, env.Type)
	}
	return out
}

// Of returns the published events of type typ, oldest first.
func (e *Events) Of(typ string) []*events.Envelope {
	var out []*events.Envelope
	for _, env := range e.Published() {
		if env.Type == typ {
			out = append(out, env)
		}
	}
	return out
}

// Payload decodes env's payload as T through the registry.
func Payload[T any](t testing.TB, env *events.Envelope) T {
	t.Helper()
	v, err := events.DecodePayload[T](events.Standard(), env)
	if err != nil {
		t.Fatalf("payload of %s: %v", env.Type, err)
	}
	return v
}

// Describe lists envelopes with their payloads, for failure messages.
func Describe(envs []*events.Envelope) string {
	var b strings.Builder
	for _, env := range envs {
		fmt.Fprintf(&b, "\n  %s org=%s session=%s actor=%q %s", env.Type, env.OrgID, env.SessionID, env.Actor, env.Payload)
	}
	return b.String()
}
