package billing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// Webhook limits: Stripe's events are a few tens of KiB; the signature
// is accepted for 5 minutes, as Stripe's libraries do.
const (
	maxWebhookBody   = 1 << 20
	webhookTolerance = 5 * time.Minute
)

// Collections of the webhook records.
const (
	colEvents = "stripe_events"
	colDead   = "stripe_events_dead"
)

// Outcomes of an event, as recorded in stripe_events.
const (
	outcomeApplied = "applied" // the entitlement changed
	outcomeIgnored = "ignored" // nothing of ours to change (type, mode, status)
	outcomeStale   = "stale"   // older than the entitlement, or going backwards
	outcomeDead    = "dead"    // poison: see stripe_events_dead
	// outcomeDuplicate is the answer to a replay (never recorded).
	outcomeDuplicate = "duplicate"
)

// eventRecord is stripe_events/{id}.
type eventRecord struct {
	Type        string    `firestore:"type"`
	Created     int64     `firestore:"created"`
	Subject     string    `firestore:"subject,omitempty"`
	Outcome     string    `firestore:"outcome"`
	Reason      string    `firestore:"reason,omitempty"`
	Recomputed  bool      `firestore:"recomputed"`
	ProcessedAt time.Time `firestore:"processed_at"`
}

// webhook verifies the signature (400 when it does not verify: nothing
// is read or written), applies the event once (a replay is 200 and
// changes nothing) and answers 200 for poison too, so Stripe stops
// retrying what can never succeed. Anything transient is 503: Stripe
// retries.
func (a *api) webhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return httpapi.TooLarge("the event is larger than %d bytes", maxWebhookBody)
		}
		return httpapi.BadRequest("unreadable body")
	}
	if err := webhook.ValidatePayloadWithTolerance(body, r.Header.Get("Stripe-Signature"), a.d.WebhookSecret, webhookTolerance); err != nil {
		slog.WarnContext(r.Context(), "stripe webhook refused: signature", "error", err.Error())
		return &httpapi.Error{Status: http.StatusBadRequest, Slug: "bad-signature", Title: "Bad signature",
			Detail: "the Stripe-Signature header does not verify with the endpoint secret"}
	}
	outcome, err := a.receive(r.Context(), body)
	if err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"outcome": outcome})
	return nil
}

// receive decodes and applies one verified event body.
func (a *api) receive(ctx context.Context, body []byte) (string, error) {
	in, err := decodeEvent(body)
	var p *poisonError
	if errors.As(err, &p) {
		return a.bury(ctx, p)
	}
	if err != nil {
		return "", err
	}
	outcome, err := a.apply(ctx, in)
	if errors.As(err, &p) {
		return a.bury(ctx, p)
	}
	return outcome, err
}

// bury records a poison event (once) with a log line naming the event and
// why, never its content.
func (a *api) bury(ctx context.Context, p *poisonError) (string, error) {
	fs, now := a.d.Firestore, a.d.Now()
	ref := fs.Collection(colEvents).Doc(p.id)
	dup := false
	err := fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		dup = false
		if _, err := tx.Get(ref); err == nil {
			dup = true
			return nil
		} else if status.Code(err) != codes.NotFound {
			return err
		}
		if err := tx.Set(fs.Collection(colDead).Doc(p.id), map[string]any{"type": p.typ, "reason": p.reason, "received_at": now}); err != nil {
			return err
		}
		return tx.Set(ref, eventRecord{Type: p.typ, Outcome: outcomeDead, Reason: p.reason, Recomputed: true, ProcessedAt: now})
	})
	if err != nil {
		return "", httpapi.Unavailable(err)
	}
	if dup {
		return outcomeDuplicate, nil
	}
	slog.WarnContext(ctx, "stripe event dead-lettered", "event", p.id, "type", p.typ, "reason", p.reason)
	return outcomeDead, nil
}

// apply turns one event into its change. Only the types the function
// acts on reach Stripe or Firestore beyond the record.
func (a *api) apply(ctx context.Context, in incoming) (string, error) {
	var (
		ch  *change
		err error
	)
	switch {
	case in.Sub != nil:
		ch, err = a.subChange(ctx, in, in.Sub, "")
	case in.Session != nil:
		ch, err = a.sessionChange(ctx, in)
	case in.Invoice != nil:
		ch, err = a.invoiceChange(ctx, in)
	default:
		ch = &change{ignore: "not an event billing acts on"}
	}
	if err != nil {
		return "", err
	}
	return a.commit(ctx, in, ch)
}

// sessionChange applies the subscription a completed checkout made,
// as Stripe has it now.
func (a *api) sessionChange(ctx context.Context, in incoming) (*change, error) {
	s := in.Session
	if s.Mode != stripe.CheckoutSessionModeSubscription || s.Subscription == nil || s.Subscription.ID == "" {
		return &change{ignore: "not a subscription checkout"}, nil
	}
	if !objectIDRE.MatchString(s.Subscription.ID) {
		return nil, &poisonError{id: in.ID, typ: in.Type, reason: "checkout names a malformed subscription id"}
	}
	sub, err := a.d.Stripe.V1Subscriptions.Retrieve(ctx, s.Subscription.ID, nil)
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
		return nil, &poisonError{id: in.ID, typ: in.Type, reason: "the checkout's subscription does not exist"}
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if why := checkSub(sub); why != "" {
		return nil, &poisonError{id: in.ID, typ: in.Type, reason: why}
	}
	hint := s.Metadata[metaSubject]
	if hint == "" {
		hint = s.ClientReferenceID
	}
	return a.subChange(ctx, in, sub, hint)
}

// recompute brings the subject's people in line with its entitlement.
func (a *api) recompute(ctx context.Context, subject string) error {
	return recomputeSubject(ctx, a.d.Entitlements, subject)
}

// recomputeSubject brings the people of subject (an organisation's
// members, or one person) in line with its entitlement.
func recomputeSubject(ctx context.Context, ent Recomputer, subject string) error {
	kind, id, _ := cutSubject(subject)
	var err error
	if kind == "org" {
		_, err = ent.RecomputeOrg(ctx, id)
	} else {
		_, err = ent.Recompute(ctx, id)
	}
	return err
}

// readRecord reads stripe_events/{id} (nil when none).
func (a *api) readRecord(ctx context.Context, tx *firestore.Transaction, id string) (*eventRecord, error) {
	snap, err := txn.Get(ctx, tx, a.d.Firestore.Collection(colEvents).Doc(id))
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec eventRecord
	if err := snap.DataTo(&rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// subjectKinds: "user:{uid}" or "org:{orgId}".
func cutSubject(subject string) (kind, id string, ok bool) {
	for _, k := range []string{"user", "org"} {
		if rest, found := strings.CutPrefix(subject, k+":"); found {
			return k, rest, rest != ""
		}
	}
	return "", "", false
}
