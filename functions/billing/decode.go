package billing

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/stripe/stripe-go/v84"
)

// The event types the function acts on; others are recorded and ignored.
const (
	evCheckoutCompleted = "checkout.session.completed"
	evSubCreated        = "customer.subscription.created"
	evSubUpdated        = "customer.subscription.updated"
	evSubDeleted        = "customer.subscription.deleted"
	evInvoicePaid       = "invoice.paid"
	evInvoiceFailed     = "invoice.payment_failed"
)

// incoming is a verified, decoded webhook event: exactly one of the
// objects is set for the types acted on, none for the others.
type incoming struct {
	ID      string
	Type    string
	Created int64
	Sub     *stripe.Subscription
	Session *stripe.CheckoutSession
	Invoice *stripe.Invoice
}

// poisonError is an event that can never be applied, however often it is
// delivered: recorded as dead and answered 200.
type poisonError struct {
	id     string // the event id, or a digest of the body when it has none
	typ    string
	reason string
}

func (p *poisonError) Error() string { return "poison event " + p.id + ": " + p.reason }

// Stripe ids are letters, digits and underscores after a prefix; they
// name Firestore documents, so nothing else is accepted.
var (
	eventIDRE  = regexp.MustCompile(`^evt_[A-Za-z0-9_]{1,200}$`)
	objectIDRE = regexp.MustCompile(`^[a-z]{2,8}_[A-Za-z0-9_]{1,200}$`)
	typeRE     = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+){1,3}$`)
)

// decodeEvent decodes a webhook body whose signature was verified. It is
// the fuzzed entry point: whatever the body, it returns an incoming or a
// *poisonError.
func decodeEvent(body []byte) (incoming, error) {
	digest := sha256.Sum256(body)
	bad := func(id, typ, format string, args ...any) (incoming, error) {
		if id == "" {
			id = "body_" + hex.EncodeToString(digest[:12])
		}
		if !typeRE.MatchString(typ) {
			typ = ""
		}
		return incoming{}, &poisonError{id: id, typ: typ, reason: fmt.Sprintf(format, args...)}
	}
	var env struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
		Data    *struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return bad("", "", "body is not an event: %v", err)
	}
	if !eventIDRE.MatchString(env.ID) {
		return bad("", env.Type, "event id is missing or malformed")
	}
	if !typeRE.MatchString(env.Type) {
		return bad(env.ID, "", "event type is missing or malformed")
	}
	if env.Created <= 0 {
		return bad(env.ID, env.Type, "event has no created time")
	}
	in := incoming{ID: env.ID, Type: env.Type, Created: env.Created}
	var (
		target any
		kind   string
	)
	switch env.Type {
	case evSubCreated, evSubUpdated, evSubDeleted:
		in.Sub, target, kind = &stripe.Subscription{}, &in.Sub, "subscription"
	case evCheckoutCompleted:
		in.Session, target, kind = &stripe.CheckoutSession{}, &in.Session, "checkout.session"
	case evInvoicePaid, evInvoiceFailed:
		in.Invoice, target, kind = &stripe.Invoice{}, &in.Invoice, "invoice"
	default:
		return in, nil
	}
	if env.Data == nil || len(env.Data.Object) == 0 {
		return bad(env.ID, env.Type, "event has no object")
	}
	if err := json.Unmarshal(env.Data.Object, target); err != nil {
		return bad(env.ID, env.Type, "%s does not decode: %v", kind, err)
	}
	switch {
	case in.Sub != nil:
		if err := checkSub(in.Sub); err != "" {
			return bad(env.ID, env.Type, "%s", err)
		}
	case in.Session != nil:
		if !objectIDRE.MatchString(in.Session.ID) {
			return bad(env.ID, env.Type, "checkout session id is missing or malformed")
		}
	case in.Invoice != nil:
		if !objectIDRE.MatchString(in.Invoice.ID) {
			return bad(env.ID, env.Type, "invoice id is missing or malformed")
		}
	default:
		return bad(env.ID, env.Type, "%s is null", kind)
	}
	return in, nil
}

// checkSub reports what makes a subscription unusable ("" when fine).
func checkSub(s *stripe.Subscription) string {
	switch {
	case !objectIDRE.MatchString(s.ID):
		return "subscription id is missing or malformed"
	case s.Items == nil || len(s.Items.Data) == 0 || s.Items.Data[0] == nil || s.Items.Data[0].Price == nil:
		return "subscription has no priced item"
	case s.Items.Data[0].Quantity < 0:
		return "subscription item has a negative quantity"
	case s.Status == "":
		return "subscription has no status"
	}
	return ""
}

// subscriptionOf is the subscription an invoice bills ("" when none).
func subscriptionOf(in *stripe.Invoice) (id string, meta map[string]string) {
	if in.Parent == nil || in.Parent.SubscriptionDetails == nil {
		return "", nil
	}
	d := in.Parent.SubscriptionDetails
	if d.Subscription != nil {
		id = d.Subscription.ID
	}
	return id, d.Metadata
}

func customerOf(c *stripe.Customer) string {
	if c == nil {
		return ""
	}
	return c.ID
}
