package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/events"
)

// Sender publishes a stamped envelope; *events.Sender is one.
type Sender interface {
	Send(ctx context.Context, env *events.Envelope) error
}

// RelayOptions configure a Relay.
type RelayOptions struct {
	// Sender publishes to the events topic (required).
	Sender Sender
	// Gate is the consent of the moment of publication (required; the
	// instance's shared/consentvault.Checker).
	Gate events.ConsentGate
	// Registry says which types survive without their actor (default
	// events.Standard()).
	Registry *events.Registry
	// Lease is how long a claim keeps other relays off a document (default
	// one minute, well above one publish).
	Lease time.Duration
	// Keep is how long a finished document stays before its TTL (default a
	// week).
	Keep time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Relay publishes outbox documents and marks them sent.
type Relay struct {
	fs   *firestore.Client
	opts RelayOptions
}

// NewRelay builds a Relay on fs.
func NewRelay(fs *firestore.Client, opts RelayOptions) (*Relay, error) {
	switch {
	case fs == nil:
		return nil, errors.New("outbox: nil Firestore client")
	case opts.Sender == nil:
		return nil, errors.New("outbox: RelayOptions.Sender is required")
	case opts.Gate == nil:
		return nil, errors.New("outbox: RelayOptions.Gate is required")
	}
	if opts.Registry == nil {
		opts.Registry = events.Standard()
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Keep <= 0 {
		opts.Keep = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Relay{fs: fs, opts: opts}, nil
}

// Outcomes of Deliver.
const (
	Sent    = "sent"    // published now
	Dropped = "dropped" // consent withdrawn since the event was recorded
	Done    = "done"    // already sent or dropped
	Busy    = "busy"    // another relay holds the lease
	Missing = "missing" // no such document
)

// Deliver publishes the outbox document id unless it is finished or
// claimed, and says what it did. An error means the event is still pending
// (retry later); nothing is lost.
func (r *Relay) Deliver(ctx context.Context, id string) (string, error) {
	ref := r.fs.Collection(Collection).Doc(id)
	var d Doc
	outcome := ""
	err := r.fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		outcome = ""
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			outcome = Missing
			return nil
		}
		if err != nil {
			return err
		}
		if err := snap.DataTo(&d); err != nil {
			return err
		}
		now := r.opts.Now()
		switch {
		case d.Status != StatusPending:
			outcome = Done
			return nil
		case d.LeaseUntil.After(now):
			outcome = Busy
			return nil
		}
		return tx.Update(ref, []firestore.Update{
			{Path: "lease_until", Value: now.Add(r.opts.Lease)},
			{Path: "attempts", Value: firestore.Increment(1)},
		})
	})
	if err != nil {
		return "", fmt.Errorf("outbox: claim %s: %w", id, err)
	}
	if outcome != "" {
		return outcome, nil
	}
	env, err := events.Decode([]byte(d.Envelope))
	if err != nil {
		// Recorded through events.Encode, so this is corruption: retrying
		// cannot help, and the document must not block the sweeper.
		slog.ErrorContext(ctx, "outbox: undecodable event dropped", "event_id", id, "type", d.Type, "error", err.Error())
		return Dropped, r.finish(ctx, ref, StatusDropped)
	}
	if d.UID != "" {
		allowed, err := r.opts.Gate.Allowed(ctx, d.UID, d.OrgID, events.PurposeAnalytics)
		if err != nil {
			r.release(ctx, ref)
			return "", fmt.Errorf("outbox: consent of %s: %w", id, err)
		}
		if !allowed {
			info, _ := r.opts.Registry.Lookup(env.Type)
			if !info.AggregateOnly {
				return Dropped, r.finish(ctx, ref, StatusDropped)
			}
			env.Actor = ""
		}
	}
	if err := r.opts.Sender.Send(ctx, env); err != nil {
		r.release(ctx, ref)
		return "", err
	}
	return Sent, r.finish(ctx, ref, StatusSent)
}

// finish marks the document sent or dropped and removes what it held about
// the person. Failing here leaves the document pending under its lease:
// once the lease ends it is published again, with the same event_id.
func (r *Relay) finish(ctx context.Context, ref *firestore.DocumentRef, st string) error {
	now := r.opts.Now().UTC()
	_, err := ref.Update(ctx, []firestore.Update{
		{Path: "status", Value: st},
		{Path: "sent_at", Value: now},
		{Path: "expire_at", Value: now.Add(r.opts.Keep)},
		{Path: "envelope", Value: firestore.Delete},
		{Path: "uid", Value: firestore.Delete},
	})
	if err != nil {
		return fmt.Errorf("outbox: mark %s %s: %w", ref.ID, st, err)
	}
	return nil
}

// release gives the lease back after a failure, so a retry need not wait
// for it to run out. Best effort: the lease expires anyway.
func (r *Relay) release(ctx context.Context, ref *firestore.DocumentRef) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = ref.Update(ctx, []firestore.Update{{Path: "lease_until", Value: time.Time{}}})
}

// SweepPage is how many pending documents one query of Sweep reads.
const SweepPage = 200

// Sweep delivers every pending document, oldest first, and counts the
// outcomes ("sent", "dropped", "busy", "failed", …). Its error, when some
// deliveries failed, names the first; the others were still tried.
func (r *Relay) Sweep(ctx context.Context) (map[string]int, error) {
	counts := map[string]int{Sent: 0, Dropped: 0, Busy: 0, "failed": 0}
	var first error
	q := r.fs.Collection(Collection).Where("status", "==", StatusPending).OrderBy("created_at", firestore.Asc).Limit(SweepPage)
	var last *firestore.DocumentSnapshot
	for {
		page := q
		if last != nil {
			page = q.StartAfter(last)
		}
		it := page.Documents(ctx)
		n := 0
		for {
			snap, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				it.Stop()
				return counts, fmt.Errorf("outbox: sweep: %w", err)
			}
			n, last = n+1, snap
			outcome, err := r.Deliver(ctx, snap.Ref.ID)
			if err != nil {
				counts["failed"]++
				if first == nil {
					first = err
				}
				continue
			}
			counts[outcome]++
		}
		it.Stop()
		if n < SweepPage || ctx.Err() != nil {
			break
		}
	}
	if first != nil {
		return counts, fmt.Errorf("%d of the pending events failed; first: %w", counts["failed"], first)
	}
	return counts, nil
}

// Pending lists the ids of the pending documents, oldest first (tests,
// operations).
func Pending(ctx context.Context, fs *firestore.Client) ([]string, error) {
	snaps, err := fs.Collection(Collection).Where("status", "==", StatusPending).OrderBy("created_at", firestore.Asc).
		Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(snaps))
	for i, s := range snaps {
		out[i] = s.Ref.ID
	}
	return out, nil
}
