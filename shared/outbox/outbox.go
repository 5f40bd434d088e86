// Package outbox commits a change together with the domain events and mail
// it causes, and relays the events to Pub/Sub afterwards.
//
// A function records events and mail through the Tx that Run hands its
// transaction callback: each event becomes a document
// event_outbox/{event_id}, each mail the Trigger Email document of
// shared/mail, written with the transaction's other writes. Either the
// change commits with its events and mail, or none of them exists. The
// request never talks to Pub/Sub.
//
// The relay (Relay, run by the outbox-relay and outbox-sweep functions)
// publishes each pending document with its envelope's event_id and marks it
// sent. It runs twice over:
//   - an Eventarc Firestore trigger on event_outbox/{id} (created) publishes
//     each event moments after its commit, with Eventarc's retries;
//   - a sweeper on a schedule publishes whatever is still pending, oldest
//     first: events whose trigger deliveries ran out (a relay that was down
//     longer than Eventarc retries, a trigger disabled during a deploy),
//     so no event depends on a single delivery path.
//
// Delivery is at least once: a relay that dies after publishing and before
// marking the document sent leaves it to be published again, with the same
// event_id, which BigQuery queries dedupe on. Publishing twice is avoided
// where it can be: a relay first claims the document in a transaction (a
// lease), and only the holder of an unexpired lease publishes, so the
// trigger, its retries and the sweeper never publish one event at once.
//
// Consent (purpose analytics) is checked twice, and the stricter answer
// wins:
//   - when the event is recorded, by the events Stamper: an event of a user
//     without consent is not recorded at all (or, for aggregate-only types,
//     recorded without the actor), and the actor is the pseudonym, never
//     the uid;
//   - when it is relayed, against the consent of that moment: a withdrawal
//     between the change and its publication drops the event (or strips the
//     actor), so a withdrawn consent never lets an event through however
//     long the relay was down. A gate failure at relay time retries rather
//     than publishes.
//
// The pending document keeps the uid for that second check (it is personal
// data: privacy.Standard lists it, so an erasure removes it); a sent or
// dropped document keeps only its id, type, org and times, and a TTL
// policy on expire_at deletes it.
//
// Events of one session are no longer published in order by one instance;
// each carries occurred_at, and nothing downstream depends on arrival order.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/mail"
)

// Collection holds the events waiting for the relay (and, until their TTL,
// the ones it sent).
const Collection = "event_outbox"

// Status of an outbox document.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	// StatusDropped: consent was withdrawn before the relay published it.
	StatusDropped = "dropped"
)

// Doc is an outbox document.
type Doc struct {
	Type   string `firestore:"type"`
	OrgID  string `firestore:"org_id"`
	Status string `firestore:"status"`
	// Envelope is the stamped envelope (events.Encode), removed once sent.
	Envelope string `firestore:"envelope,omitempty"`
	// UID is the actor for the relay's consent check, removed once sent.
	UID        string    `firestore:"uid,omitempty"`
	CreatedAt  time.Time `firestore:"created_at"`
	LeaseUntil time.Time `firestore:"lease_until"`
	Attempts   int       `firestore:"attempts"`
	SentAt     time.Time `firestore:"sent_at,omitempty"`
	// ExpireAt is when the TTL policy deletes a finished document.
	ExpireAt time.Time `firestore:"expire_at,omitempty"`
}

// Options configure an Outbox.
type Options struct {
	// Stamper builds events' envelopes (consent, pseudonym, registry); an
	// Outbox without one refuses events.
	Stamper *events.Stamper
	// Mail writes mail documents; an Outbox without it refuses mail.
	Mail *mail.Outbox
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Committed, when set, is told the ids of the events each committed
	// transaction recorded (tests relay exactly their own events).
	Committed func(eventIDs []string)
}

// Outbox runs transactions that commit events and mail with the change.
type Outbox struct {
	fs   *firestore.Client
	opts Options
}

// New builds an Outbox on fs.
func New(fs *firestore.Client, opts Options) *Outbox {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Outbox{fs: fs, opts: opts}
}

// Firestore is the client the outbox writes with.
func (o *Outbox) Firestore() *firestore.Client { return o.fs }

// Errors of a Tx.
var (
	ErrNoEvents = errors.New("outbox: this function records no events (no stamper)")
	ErrNoMail   = errors.New("outbox: this function sends no mail")
)

// Tx collects the events and mail of one transaction attempt.
type Tx struct {
	o      *Outbox
	ctx    context.Context
	events []*events.Envelope
	uids   []string
	mails  []mail.Message
}

// Event records ev, to be committed with the transaction. It is stamped
// now: a type or payload the registry refuses is an error; an event that
// consent drops is not recorded (nil error).
func (t *Tx) Event(ev events.Event) error {
	if t.o.opts.Stamper == nil {
		return ErrNoEvents
	}
	env, err := t.o.opts.Stamper.Stamp(t.ctx, ev)
	if err != nil || env == nil {
		return err
	}
	if _, err := events.Encode(env); err != nil {
		return err
	}
	t.events = append(t.events, env)
	// The uid is kept only for an event that names its actor: the one the
	// relay may have to drop or strip if consent is withdrawn meanwhile.
	uid := ""
	if env.Actor != "" {
		uid = ev.UID
	}
	t.uids = append(t.uids, uid)
	return nil
}

// Mail records m, to be committed with the transaction.
func (t *Tx) Mail(m mail.Message) error {
	if t.o.opts.Mail == nil {
		return ErrNoMail
	}
	if err := mail.Check(m); err != nil {
		return err
	}
	t.mails = append(t.mails, m)
	return nil
}

// EventIDs are the ids of the events recorded so far.
func (t *Tx) EventIDs() []string {
	out := make([]string, len(t.events))
	for i, e := range t.events {
		out[i] = e.EventID
	}
	return out
}

// flush adds the collected documents to tx, after the callback's reads.
func (t *Tx) flush(tx *firestore.Transaction) error {
	now := t.o.opts.Now().UTC()
	for i, env := range t.events {
		data, err := events.Encode(env)
		if err != nil {
			return err
		}
		d := Doc{Type: env.Type, OrgID: env.OrgID, Status: StatusPending, Envelope: string(data), UID: t.uids[i], CreatedAt: now}
		if err := tx.Create(t.o.fs.Collection(Collection).Doc(env.EventID), d); err != nil {
			return fmt.Errorf("outbox: record %s: %w", env.Type, err)
		}
	}
	for _, m := range t.mails {
		if err := t.o.opts.Mail.Write(tx, m); err != nil {
			return err
		}
	}
	return nil
}

// Func is a transaction callback: it reads, then writes through tx, and
// records the change's events and mail in out.
type Func func(ctx context.Context, tx *firestore.Transaction, out *Tx) error

// Run runs f in a Firestore read-write transaction and commits what f
// wrote together with the events and mail it recorded. A retried attempt
// starts with an empty Tx. f's error is returned as it is.
func (o *Outbox) Run(ctx context.Context, f Func) error {
	var last *Tx
	err := o.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		out := &Tx{o: o, ctx: ctx}
		last = out
		if err := f(ctx, tx, out); err != nil {
			return err
		}
		return out.flush(tx)
	})
	if err == nil && o.opts.Committed != nil && len(last.events) > 0 {
		o.opts.Committed(last.EventIDs())
	}
	return err
}
