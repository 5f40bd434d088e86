package billing

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v84"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// change is what an event would do to one subject's entitlement, decided
// inside the transaction against the entitlement as it is then.
type change struct {
	// ignore, when set, is why the event changes nothing of ours.
	ignore  string
	subject string
	// decide returns the next entitlement (nil: unchanged), the outcome
	// and why.
	decide func(cur *entitlements.Doc) (next *entitlements.Doc, outcome, reason string)
	// events are the billing.* events of an event that is not stale.
	events func(doc *entitlements.Doc) []events.Event
}

// statusOf maps Stripe's subscription status onto an entitlement's:
// "" for a subscription that grants nothing yet (incomplete).
func statusOf(s stripe.SubscriptionStatus) string {
	switch s {
	case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusTrialing:
		return entitlements.StatusActive
	case stripe.SubscriptionStatusPastDue, stripe.SubscriptionStatusUnpaid:
		return entitlements.StatusPastDue
	case stripe.SubscriptionStatusCanceled, stripe.SubscriptionStatusIncompleteExpired, stripe.SubscriptionStatusPaused:
		return entitlements.StatusCanceled
	}
	return ""
}

// version orders updates: the event's created second, then the status's
// rank, so within one second a failure outranks the success before it
// and a cancellation everything.
func version(created int64, st string) int64 {
	rank := map[string]int64{entitlements.StatusActive: 1, entitlements.StatusPastDue: 2, entitlements.StatusCanceled: 3}[st]
	return created*10 + rank
}

// subjectFor is the subject named by metadata (or the checkout), else the
// one recorded for the customer; "" when neither is a valid subject.
func (a *api) subjectFor(ctx context.Context, named, customer string) (string, error) {
	if validSubject(named) {
		return named, nil
	}
	if customer == "" || !objectIDRE.MatchString(customer) {
		return "", nil
	}
	snap, err := a.d.Firestore.Collection("billing_customers").Doc(customer).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", httpapi.Unavailable(err)
	}
	v, _ := snap.DataAt("subject")
	s, _ := v.(string)
	if !validSubject(s) {
		return "", nil
	}
	return s, nil
}

func validSubject(s string) bool {
	kind, id, ok := cutSubject(s)
	switch {
	case !ok:
		return false
	case kind == "org":
		return authz.ValidOrgID(id)
	default:
		return authz.ValidDocID(id) && !strings.Contains(id, ":")
	}
}

// grace keeps the running grace period of the same subscription, or
// starts one.
func (a *api) grace(cur *entitlements.Doc, sub string) *time.Time {
	if cur != nil && cur.Subscription == sub && cur.Status == entitlements.StatusPastDue && cur.GraceUntil != nil {
		g := *cur.GraceUntil
		return &g
	}
	g := a.d.Now().Add(entitlements.GracePeriod).UTC()
	return &g
}

// subChange is the entitlement a subscription grants.
func (a *api) subChange(ctx context.Context, in incoming, sub *stripe.Subscription, hint string) (*change, error) {
	item := sub.Items.Data[0]
	plan, ok := a.d.Plans.Plan(item.Price.LookupKey)
	if !ok {
		return nil, &poisonError{id: in.ID, typ: in.Type, reason: "price " + safeID(item.Price.ID) + " is no declared plan"}
	}
	st := statusOf(sub.Status)
	if st == "" {
		return &change{ignore: "the subscription grants nothing yet (" + string(sub.Status) + ")"}, nil
	}
	named := sub.Metadata[metaSubject]
	if named == "" {
		named = hint
	}
	subject, err := a.subjectFor(ctx, named, customerOf(sub.Customer))
	if err != nil {
		return nil, err
	}
	if subject == "" {
		return nil, &poisonError{id: in.ID, typ: in.Type, reason: "the subscription names no person or organisation"}
	}
	qty := max(item.Quantity, 1)
	ver := version(in.Created, st)
	ch := &change{subject: subject}
	ch.decide = func(cur *entitlements.Doc) (*entitlements.Doc, string, string) {
		next := &entitlements.Doc{Tier: plan.Tier, Source: entitlements.SourceBilling, UpdatedBy: "billing", UpdatedAt: a.d.Now().UTC(),
			Status: st, Customer: customerOf(sub.Customer), Subscription: sub.ID, Price: plan.LookupKey,
			CancelAtEnd: sub.CancelAtPeriodEnd, Version: ver}
		if plan.PerSeat {
			next.Seats = int(qty)
		}
		if item.CurrentPeriodEnd > 0 {
			t := time.Unix(item.CurrentPeriodEnd, 0).UTC()
			next.CurrentPeriodEnd = &t
		}
		if st == entitlements.StatusPastDue {
			next.GraceUntil = a.grace(cur, sub.ID)
		}
		if why := outOfOrder(cur, next); why != "" {
			return nil, outcomeStale, why
		}
		return next, outcomeApplied, ""
	}
	ch.events = func(doc *entitlements.Doc) []events.Event {
		return []events.Event{{Type: events.TypeBillingSubscriptionChanged, OrgID: eventOrg(subject), EventID: eventUUID(in.ID),
			Payload: events.BillingSubscriptionChanged{SubscriptionID: events.ID(sub.ID), Scope: events.Enum(scopeOf(subject)),
				Tier: events.Enum(plan.Tier), Status: events.Enum(st), Interval: events.Enum(plan.Interval), Seats: int(qty),
				Amount: plan.Amount * qty, Currency: events.Enum(plan.Currency)}}}
	}
	return ch, nil
}

// outOfOrder says why next must not replace cur ("" when it may).
func outOfOrder(cur, next *entitlements.Doc) string {
	switch {
	case cur == nil:
		return ""
	case cur.Source == entitlements.SourceOperator && entitlements.Rank(cur.Tier) > entitlements.Rank(next.Tier):
		return "an operator's grant outranks the subscription"
	case cur.Subscription == next.Subscription && cur.Status == entitlements.StatusCanceled && next.Status != entitlements.StatusCanceled:
		return "a canceled subscription does not come back"
	case cur.Subscription != next.Subscription && cur.Subscription != "" && cur.Status != entitlements.StatusCanceled &&
		next.Status == entitlements.StatusCanceled:
		return "another subscription holds the entitlement"
	case next.Version < cur.Version:
		return "older than the entitlement"
	}
	return ""
}

// invoiceChange is what a paid or failed invoice does to the entitlement
// its subscription holds: paid ends a grace period, failed starts one.
func (a *api) invoiceChange(ctx context.Context, in incoming) (*change, error) {
	inv := in.Invoice
	subID, meta := subscriptionOf(inv)
	if subID == "" {
		return &change{ignore: "not a subscription's invoice"}, nil
	}
	subject, err := a.subjectFor(ctx, meta[metaSubject], customerOf(inv.Customer))
	if err != nil {
		return nil, err
	}
	if subject == "" {
		return nil, &poisonError{id: in.ID, typ: in.Type, reason: "the invoice names no person or organisation"}
	}
	paid := in.Type == evInvoicePaid
	st := entitlements.StatusPastDue
	if paid {
		st = entitlements.StatusActive
	}
	ver := version(in.Created, st)
	ch := &change{subject: subject}
	ch.decide = func(cur *entitlements.Doc) (*entitlements.Doc, string, string) {
		switch {
		case cur == nil || cur.Subscription != subID:
			return nil, outcomeIgnored, "not the subscription that holds the entitlement"
		case cur.Status == entitlements.StatusCanceled:
			return nil, outcomeStale, "the subscription is canceled"
		case ver < cur.Version:
			return nil, outcomeStale, "older than the entitlement"
		case paid && cur.Status == entitlements.StatusActive:
			return nil, outcomeIgnored, "already active"
		}
		next := *cur
		next.Status, next.Version, next.UpdatedAt, next.UpdatedBy = st, ver, a.d.Now().UTC(), "billing"
		next.GraceUntil = nil
		if !paid {
			next.GraceUntil = a.grace(cur, subID)
		}
		return &next, outcomeApplied, ""
	}
	ch.events = func(doc *entitlements.Doc) []events.Event {
		cur := events.Enum(inv.Currency)
		if cur != "usd" && cur != "eur" {
			return nil
		}
		ev := events.Event{OrgID: eventOrg(subject), EventID: eventUUID(in.ID)}
		if paid {
			ev.Type = events.TypeBillingInvoicePaid
			ev.Payload = events.BillingInvoicePaid{InvoiceID: events.ID(inv.ID), SubscriptionID: events.ID(subID),
				AmountPaid: inv.AmountPaid, Currency: cur}
		} else {
			ev.Type = events.TypeBillingPaymentFailed
			ev.Payload = events.BillingPaymentFailed{InvoiceID: events.ID(inv.ID), SubscriptionID: events.ID(subID),
				AmountDue: inv.AmountDue, Currency: cur, GraceDays: int(entitlements.GracePeriod / (24 * time.Hour))}
		}
		return []events.Event{ev}
	}
	return ch, nil
}

// commit applies ch with the event's record in one transaction, then
// recomputes the subject's people when the entitlement changed.
func (a *api) commit(ctx context.Context, in incoming, ch *change) (string, error) {
	fs := a.d.Firestore
	recRef := fs.Collection(colEvents).Doc(in.ID)
	var (
		outcome, reason string
		dup             *eventRecord
	)
	err := a.d.Outbox.Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		dup, outcome, reason = nil, "", ""
		rec, err := a.readRecord(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		if rec != nil {
			dup = rec
			return nil
		}
		if ch.ignore != "" {
			outcome, reason = outcomeIgnored, ch.ignore
		} else {
			cur, err := a.readDoc(ctx, tx, ch.subject)
			if err != nil {
				return err
			}
			var next *entitlements.Doc
			next, outcome, reason = ch.decide(cur)
			if next != nil {
				if err := tx.Set(fs.Collection("entitlements").Doc(ch.subject), *next); err != nil {
					return err
				}
			}
			if outcome != outcomeStale && ch.events != nil {
				for _, ev := range ch.events(next) {
					if err := out.Event(ev); err != nil {
						return err
					}
				}
			}
		}
		return tx.Set(recRef, eventRecord{Type: in.Type, Created: in.Created, Subject: ch.subject, Outcome: outcome,
			Reason: reason, Recomputed: outcome != outcomeApplied, ProcessedAt: a.d.Now().UTC()})
	})
	if err != nil {
		return "", txn.Problem(err)
	}
	if dup != nil {
		if dup.Outcome == outcomeApplied && !dup.Recomputed {
			return outcomeDuplicate, a.finish(ctx, recRef, dup.Subject)
		}
		return outcomeDuplicate, nil
	}
	slog.InfoContext(ctx, "stripe event", "event", in.ID, "type", in.Type, "outcome", outcome, "reason", reason)
	if outcome == outcomeApplied {
		return outcome, a.finish(ctx, recRef, ch.subject)
	}
	return outcome, nil
}

// finish recomputes subject's people and marks the event's record done;
// a failure is 503, and Stripe's retry finds the record not done.
func (a *api) finish(ctx context.Context, recRef *firestore.DocumentRef, subject string) error {
	if err := a.recompute(ctx, subject); err != nil {
		return httpapi.Unavailable(err)
	}
	if _, err := recRef.Update(ctx, []firestore.Update{{Path: "recomputed", Value: true}}); err != nil {
		return httpapi.Unavailable(err)
	}
	return nil
}

func scopeOf(subject string) string {
	if kind, _, _ := cutSubject(subject); kind == "org" {
		return ScopeOrg
	}
	return ScopePersonal
}

// eventOrg is the organisation a billing event is reported under: the
// subject's, or "platform" for a person's own plan (events name no one).
func eventOrg(subject string) string {
	if kind, id, _ := cutSubject(subject); kind == "org" {
		return id
	}
	return "platform"
}

// safeID keeps a Stripe id fit for a log line and a record.
func safeID(id string) string {
	if objectIDRE.MatchString(id) {
		return id
	}
	return "(malformed)"
}

// eventUUID is the billing event's id, derived from Stripe's event id, so
// the one event Stripe sends is one event of ours however it is retried.
func eventUUID(stripeEvent string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://api.stripe.com/v1/events/"+stripeEvent)).String()
}
