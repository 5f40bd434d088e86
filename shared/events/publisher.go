package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"github.com/google/uuid"
)

// Topic is the Pub/Sub topic id of domain events (infra/topology.yaml).
const Topic = "events"

// Attribute keys set on every message, for subscription filters.
const (
	AttrType          = "type"
	AttrOrgID         = "org_id"
	AttrSchemaVersion = "schema_version"
)

// Event is what a producer publishes. The publisher fills in the rest of
// the envelope.
type Event struct {
	Type string
	// Payload is the registered payload struct of Type (value or pointer).
	Payload any
	OrgID   string
	// UID is the acting user, or empty for a system event. It is never
	// published: it decides consent and becomes the pseudonymous actor.
	UID       string
	SessionID string
	CanvasID  string
	// OccurredAt defaults to now.
	OccurredAt time.Time
	// EventID defaults to a new UUID; set it to make a retried publish of
	// the same event carry the same idempotency key.
	EventID string
}

// Stats counts what a publisher did.
type Stats struct {
	Published int64
	// DroppedNoConsent: the user has not consented to analytics.
	DroppedNoConsent int64
	// DroppedGateError: the consent gate failed; the event was dropped.
	DroppedGateError int64
	// Stripped: aggregate-only events published without the actor.
	Stripped int64
	// Failed: Pub/Sub refused or timed out.
	Failed int64
}

// PublisherOptions configure a Publisher.
type PublisherOptions struct {
	// Registry of accepted types (required).
	Registry *Registry
	// Pseudonyms makes actors (required).
	Pseudonyms *Pseudonymizer
	// Gate decides analytics consent: shared/consent.Checker in every
	// function; nil means DenyUnknownGate{} (everyone denied).
	Gate ConsentGate
	// Settings batch messages (count, bytes, delay); nil means
	// DefaultPublishSettings.
	Settings *pubsub.PublishSettings
	// Now and NewID default to time.Now and uuid.NewString.
	Now   func() time.Time
	NewID func() string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// DefaultPublishSettings batch up to 100 messages or 1 MB, or 10 ms.
var DefaultPublishSettings = func() pubsub.PublishSettings {
	s := pubsub.DefaultPublishSettings
	s.CountThreshold = 100
	s.ByteThreshold = 1e6
	s.DelayThreshold = 10 * time.Millisecond
	s.Timeout = 30 * time.Second
	return s
}()

// Publisher publishes events in batches, ordered per session (or, without
// a session, per org). It is safe for concurrent use; Close flushes.
type Publisher struct {
	topic  *pubsub.Publisher
	reg    *Registry
	pseudo *Pseudonymizer
	gate   ConsentGate
	now    func() time.Time
	newID  func() string
	log    *slog.Logger

	closeOnce                                       sync.Once
	published, noConsent, gateErr, stripped, failed atomic.Int64
}

// NewPublisher publishes to topic (an id, or a full topic name) through
// client.
func NewPublisher(client *pubsub.Client, topic string, opts PublisherOptions) (*Publisher, error) {
	switch {
	case client == nil:
		return nil, errors.New("events: nil pubsub client")
	case topic == "":
		return nil, errors.New("events: empty topic")
	case opts.Registry == nil:
		return nil, errors.New("events: PublisherOptions.Registry is required")
	case opts.Pseudonyms == nil:
		return nil, errors.New("events: PublisherOptions.Pseudonyms is required")
	}
	p := &Publisher{reg: opts.Registry, pseudo: opts.Pseudonyms, gate: opts.Gate, now: opts.Now, newID: opts.NewID, log: opts.Logger}
	if p.gate == nil {
		p.gate = DenyUnknownGate{}
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.newID == nil {
		p.newID = uuid.NewString
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.topic = client.Publisher(topic)
	p.topic.PublishSettings = DefaultPublishSettings
	if opts.Settings != nil {
		p.topic.PublishSettings = *opts.Settings
	}
	p.topic.EnableMessageOrdering = true
	return p, nil
}

// Publish validates ev, asks the consent gate and publishes it, waiting
// until Pub/Sub has accepted its batch (at most the batch delay, 10 ms by
// default, plus the round trip; concurrent callers share batches). It returns the event id, or ""
// with a nil error when the event was dropped for lack of consent (or
// because the gate failed). Validation failures wrap ErrInvalid or
// ErrUnknownType.
func (p *Publisher) Publish(ctx context.Context, ev Event) (string, error) {
	env, res, key, err := p.send(ctx, ev)
	if err != nil || env == nil {
		return "", err
	}
	if _, err := res.Get(ctx); err != nil {
		// An ordering key pauses after a failure; the caller may retry.
		p.topic.ResumePublish(key)
		p.failed.Add(1)
		return "", fmt.Errorf("events: publish %s: %w", env.Type, err)
	}
	p.published.Add(1)
	return env.EventID, nil
}

// send validates ev and queues it in the current batch; env is nil when
// consent dropped it.
func (p *Publisher) send(ctx context.Context, ev Event) (env *Envelope, res *pubsub.PublishResult, key string, err error) {
	env, err = p.envelope(ctx, ev)
	if err != nil || env == nil {
		return nil, nil, "", err
	}
	data, err := Encode(env)
	if err != nil {
		return nil, nil, "", err
	}
	key = env.SessionID
	if key == "" {
		key = env.OrgID
	}
	res = p.topic.Publish(ctx, &pubsub.Message{
		Data: data,
		Attributes: map[string]string{
			AttrType:          env.Type,
			AttrOrgID:         env.OrgID,
			AttrSchemaVersion: strconv.Itoa(env.SchemaVersion),
		},
		OrderingKey: key,
	})
	return env, res, key, nil
}

// envelope builds the envelope of ev, or nil when consent drops it.
func (p *Publisher) envelope(ctx context.Context, ev Event) (*Envelope, error) {
	info, ok := p.reg.Lookup(ev.Type)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, ev.Type)
	}
	payload, err := encodePayload(info, ev.Payload)
	if err != nil {
		return nil, err
	}
	env := &Envelope{
		EventID: ev.EventID, Type: ev.Type, OccurredAt: ev.OccurredAt,
		OrgID: ev.OrgID, SessionID: ev.SessionID, CanvasID: ev.CanvasID,
		Payload: payload, SchemaVersion: info.Version,
	}
	if env.EventID == "" {
		env.EventID = p.newID()
	}
	if env.OccurredAt.IsZero() {
		env.OccurredAt = p.now()
	}
	env.OccurredAt = env.OccurredAt.UTC().Truncate(time.Microsecond)
	// Validate before asking for consent, so bad input fails loudly
	// whoever the user is.
	if err := env.Validate(); err != nil {
		return nil, err
	}
	if ev.UID == "" {
		return env, nil // a system event has no actor to consent
	}
	allowed, err := p.gate.Allowed(ctx, ev.UID, ev.OrgID, PurposeAnalytics)
	switch {
	case err != nil:
		p.gateErr.Add(1)
		p.log.WarnContext(ctx, "events: consent gate failed; event dropped", "type", ev.Type, "org_id", ev.OrgID, "err", err)
		return nil, nil
	case allowed:
		env.Actor = p.pseudo.Actor(ev.OrgID, ev.UID)
	case info.AggregateOnly:
		p.stripped.Add(1)
	default:
		p.noConsent.Add(1)
		return nil, nil
	}
	return env, nil
}

// Stats returns the counters so far.
func (p *Publisher) Stats() Stats {
	return Stats{
		Published:        p.published.Load(),
		DroppedNoConsent: p.noConsent.Load(),
		DroppedGateError: p.gateErr.Load(),
		Stripped:         p.stripped.Load(),
		Failed:           p.failed.Load(),
	}
}

// Close flushes pending batches and stops the publisher. It is safe to
// call more than once.
func (p *Publisher) Close() error {
	p.closeOnce.Do(p.topic.Stop)
	return nil
}
