// Package relay publishes the transactional outbox (shared/outbox) to the
// events topic. Two entry points share one Relay:
//
//   - "outbox-relay", an Eventarc Firestore trigger on event_outbox/{eventId}
//     (created): each event is published moments after the transaction
//     that recorded it commits; a failure is retried by Eventarc with
//     backoff;
//   - "outbox-sweep", a scheduled job: every pending event, oldest first,
//     whatever happened to its trigger deliveries.
//
// Both claim a document before publishing it, so they never publish one
// event at once; an event published but not marked sent (a crash in
// between) is published again with the same event_id, which analytics
// dedupes on. Consent is checked again when publishing (see shared/outbox).
package relay

import (
	"context"
	"log/slog"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/platform"
)

// Entry points, as declared in infra/topology.yaml.
const (
	EntryTrigger = "outbox-relay"
	EntrySweep   = "outbox-sweep"
)

// Pattern is the trigger's document pattern.
const Pattern = outbox.Collection + "/{eventId}"

func init() {
	functions.CloudEvent(EntryTrigger, platform.CloudEvent(EntryTrigger, func(p *platform.Platform) (func(context.Context, cloudevents.Event) error, error) {
		r, err := p.Relay()
		if err != nil {
			return nil, err
		}
		return NewTrigger(r), nil
	}))
	functions.HTTP(EntrySweep, platform.Job(EntrySweep, func(p *platform.Platform) (func(context.Context) (map[string]int, error), error) {
		r, err := p.Relay()
		if err != nil {
			return nil, err
		}
		return r.Sweep, nil
	}))
}

// NewTrigger is the handler of outbox-relay: it publishes the document the
// event names. An error asks Eventarc to retry; a poison event (one that
// names no outbox document) is acknowledged and logged.
func NewTrigger(r *outbox.Relay) func(context.Context, cloudevents.Event) error {
	return func(ctx context.Context, ev cloudevents.Event) error {
		e, err := firestoreevent.Decode(ev)
		if err != nil {
			slog.WarnContext(ctx, "outbox-relay: undecodable event dropped", "event_id", ev.ID(), "error", err.Error())
			return nil
		}
		params, ok := e.Params(Pattern)
		if !ok {
			slog.WarnContext(ctx, "outbox-relay: event for another document dropped", "event_id", e.ID)
			return nil
		}
		outcome, err := r.Deliver(ctx, params["eventId"])
		if err != nil {
			return err
		}
		slog.DebugContext(ctx, "outbox-relay: delivered", "event_id", params["eventId"], "outcome", outcome)
		return nil
	}
}
