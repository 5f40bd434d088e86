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
	// Gate decides analytics consent: shared/consentvault.Checker in every
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
// a session, per org). It is a Stamper (registry, consent gate, pseudonym)
// followed by a Sender (Pub/Sub). It is safe for concurrent use; Close
// flushes.
type Publisher struct {
	st  *Stamper
	snd *Sender
}

// NewPublisher publishes to topic (an id, or a full topic name) through
// client.
func NewPublisher(client *pubsub.Client, topic string, opts PublisherOptions) (*Publisher, error) {
	switch {
	case client == nil:
		return nil, errors.New("events: nil pubsub client")
	case topic == "":
		return nil, errors.New("events: empty topic")
	}
	st, err := NewStamper(StamperOptions{Registry: opts.Registry, Pseudonyms: opts.Pseudonyms, Gate: opts.Gate,
		Now: opts.Now, NewID: opts.NewID, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	snd, err := NewSender(client, topic, opts.Settings)
	if err != nil {
		return nil, err
	}
	return &Publisher{st: st, snd: snd}, nil
}

// Publish validates ev, asks the consent gate and publishes it, waiting
// until Pub/Sub has accepted its batch (at most the batch delay, 10 ms by
// default, plus the round trip; concurrent callers share batches). It returns the event id, or ""
// with a nil error when the event was dropped for lack of consent (or
// because the gate failed). Validation failures wrap ErrInvalid or
// ErrUnknownType.
func (p *Publisher) Publish(ctx context.Context, ev Event) (string, error) {
	env, err := p.st.Stamp(ctx, ev)
	if err != nil || env == nil {
		return "", err
	}
	if err := p.snd.Send(ctx, env); err != nil {
		return "", err
	}
	return env.EventID, nil
}

// send validates ev and queues it in the current batch; env is nil when
// consent dropped it.
func (p *Publisher) send(ctx context.Context, ev Event) (env *Envelope, res *pubsub.PublishResult, key string, err error) {
	env, err = p.st.Stamp(ctx, ev)
	if err != nil || env == nil {
		return nil, nil, "", err
	}
	res, key, err = p.snd.queue(ctx, env)
	if err != nil {
		return nil, nil, "", err
	}
	return env, res, key, nil
}

// Stats returns the counters so far.
func (p *Publisher) Stats() Stats {
	s := p.st.Stats()
	sent := p.snd.Stats()
	s.Published, s.Failed = sent.Published, sent.Failed
	return s
}

// Close flushes pending batches and stops the publisher. It is safe to
// call more than once.
func (p *Publisher) Close() error { return p.snd.Close() }

// StamperOptions configure a Stamper.
type StamperOptions struct {
	// Registry of accepted types (required).
	Registry *Registry
	// Pseudonyms makes actors (required).
	Pseudonyms *Pseudonymizer
	// Gate decides analytics consent; nil means DenyUnknownGate{}.
	Gate ConsentGate
	// Now and NewID default to time.Now and uuid.NewString.
	Now   func() time.Time
	NewID func() string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Stamper turns an Event into its envelope: it checks the type and payload
// against the registry, asks the consent gate and replaces the uid with
// the pseudonymous actor. It is the first half of a Publisher, and what a
// transactional outbox runs when the event is recorded (shared/outbox),
// so no Pub/Sub client is needed on the request path.
type Stamper struct {
	reg    *Registry
	pseudo *Pseudonymizer
	gate   ConsentGate
	now    func() time.Time
	newID  func() string
	log    *slog.Logger

	noConsent, gateErr, stripped atomic.Int64
}

// NewStamper builds a Stamper.
func NewStamper(opts StamperOptions) (*Stamper, error) {
	switch {
	case opts.Registry == nil:
		return nil, errors.New("events: PublisherOptions.Registry is required")
	case opts.Pseudonyms == nil:
		return nil, errors.New("events: PublisherOptions.Pseudonyms is required")
	}
	s := &Stamper{reg: opts.Registry, pseudo: opts.Pseudonyms, gate: opts.Gate, now: opts.Now, newID: opts.NewID, log: opts.Logger}
	if s.gate == nil {
		s.gate = DenyUnknownGate{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Registry is the registry the stamper checks against.
func (s *Stamper) Registry() *Registry { return s.reg }

// Stamp builds the envelope of ev, or nil (and no error) when consent
// drops it. Validation failures wrap ErrInvalid or ErrUnknownType.
func (s *Stamper) Stamp(ctx context.Context, ev Event) (*Envelope, error) {
	info, ok := s.reg.Lookup(ev.Type)
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
		env.EventID = s.newID()
	}
	if env.OccurredAt.IsZero() {
		env.OccurredAt = s.now()
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
	allowed, err := s.gate.Allowed(ctx, ev.UID, ev.OrgID, PurposeAnalytics)
	switch {
	case err != nil:
		s.gateErr.Add(1)
		s.log.WarnContext(ctx, "events: consent gate failed; event dropped", "type", ev.Type, "org_id", ev.OrgID, "err", err)
		return nil, nil
	case allowed:
		env.Actor = s.pseudo.Actor(ev.OrgID, ev.UID)
	case info.AggregateOnly:
		s.stripped.Add(1)
	default:
		s.noConsent.Add(1)
		return nil, nil
	}
	return env, nil
}

// Stats returns the stamper's consent counters (Published and Failed are
// the Sender's).
func (s *Stamper) Stats() Stats {
	return Stats{DroppedNoConsent: s.noConsent.Load(), DroppedGateError: s.gateErr.Load(), Stripped: s.stripped.Load()}
}

// Sender publishes envelopes that are already stamped (the Publisher's, or
// those an outbox relay reads back) with the attributes subscriptions
// filter on, ordered per session (or, without a session, per org).
type Sender struct {
	topic             *pubsub.Publisher
	closeOnce         sync.Once
	published, failed atomic.Int64
}

// NewSender publishes to topic (an id, or a full topic name) through
// client; nil settings mean DefaultPublishSettings.
func NewSender(client *pubsub.Client, topic string, settings *pubsub.PublishSettings) (*Sender, error) {
	switch {
	case client == nil:
		return nil, errors.New("events: nil pubsub client")
	case topic == "":
		return nil, errors.New("events: empty topic")
	}
	s := &Sender{topic: client.Publisher(topic)}
	s.topic.PublishSettings = DefaultPublishSettings
	if settings != nil {
		s.topic.PublishSettings = *settings
	}
	s.topic.EnableMessageOrdering = true
	return s, nil
}

// Send validates env and publishes it, waiting until Pub/Sub has accepted
// its batch. The message carries env's event_id, so a repeated Send of one
// envelope is a duplicate that queries dedupe.
func (s *Sender) Send(ctx context.Context, env *Envelope) error {
	res, key, err := s.queue(ctx, env)
	if err != nil {
		return err
	}
	if _, err := res.Get(ctx); err != nil {
		// An ordering key pauses after a failure; the caller may retry.
		s.topic.ResumePublish(key)
		s.failed.Add(1)
		return fmt.Errorf("events: publish %s: %w", env.Type, err)
	}
	s.published.Add(1)
	return nil
}

// queue encodes env and adds it to the current batch.
func (s *Sender) queue(ctx context.Context, env *Envelope) (*pubsub.PublishResult, string, error) {
	data, err := Encode(env)
	if err != nil {
		return nil, "", err
	}
	key := env.SessionID
	if key == "" {
		key = env.OrgID
	}
	res := s.topic.Publish(ctx, &pubsub.Message{
		Data: data,
		Attributes: map[string]string{
			AttrType:          env.Type,
			AttrOrgID:         env.OrgID,
			AttrSchemaVersion: strconv.Itoa(env.SchemaVersion),
		},
		OrderingKey: key,
	})
	return res, key, nil
}

// Stats counts what the sender published and what failed.
func (s *Sender) Stats() Stats { return Stats{Published: s.published.Load(), Failed: s.failed.Load()} }

// Close flushes pending batches and stops the sender. It is safe to call
// more than once.
func (s *Sender) Close() error {
	s.closeOnce.Do(s.topic.Stop)
	return nil
}
