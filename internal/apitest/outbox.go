package apitest

import (
	"context"
	"log/slog"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
)

// Outbox is the real transactional outbox (shared/outbox) on fs, stamping
// events with this publisher's registry, pseudonyms and consent gate, and
// writing mail to fs's mail outbox, as shared/platform builds it. What a
// handler records through it is published by the real relay (Relay) to
// this emulator; Published, Types and Of relay what is pending first.
// Only the events recorded through this Events' outboxes are relayed, so
// tests sharing one Firestore emulator do not see each other's.
func (e *Events) Outbox(fs *firestore.Client) *outbox.Outbox {
	e.t.Helper()
	st, err := events.NewStamper(events.StamperOptions{Registry: events.Standard(), Pseudonyms: e.ps, Gate: e.gate,
		Now: e.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatal(err)
	}
	snd, err := events.NewSender(e.client, events.Topic, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = snd.Close() })
	r, err := outbox.NewRelay(fs, outbox.RelayOptions{Sender: snd, Gate: e.gate})
	if err != nil {
		e.t.Fatal(err)
	}
	return outbox.New(fs, outbox.Options{Stamper: st, Mail: mail.NewOutbox(fs, e.now), Now: e.now,
		Committed: func(ids []string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			for _, id := range ids {
				e.pending = append(e.pending, pendingEvent{id: id, relay: r})
			}
		}})
}

type pendingEvent struct {
	id    string
	relay *outbox.Relay
}

// Relay runs the real relay over the events recorded so far, in the order
// they were committed, and counts the outcomes ("sent", "failed", …). An
// event that fails (while SetDown) stays pending for the next call.
func (e *Events) Relay(ctx context.Context) (map[string]int, error) {
	e.relayMu.Lock()
	defer e.relayMu.Unlock()
	e.mu.Lock()
	todo := e.pending
	e.pending = nil
	e.mu.Unlock()
	counts := map[string]int{}
	var first error
	var keep []pendingEvent
	for _, p := range todo {
		outcome, err := p.relay.Deliver(ctx, p.id)
		if err != nil {
			counts["failed"]++
			keep = append(keep, p)
			if first == nil {
				first = err
			}
			continue
		}
		counts[outcome]++
	}
	e.mu.Lock()
	e.pending = append(keep, e.pending...)
	e.mu.Unlock()
	return counts, first
}

// relayPending publishes what is pending before the published events are
// read; a failure (Pub/Sub down) leaves the events pending.
func (e *Events) relayPending() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = e.Relay(ctx)
}
