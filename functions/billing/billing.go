// Package billing is the billing function: plans, Stripe Checkout and the
// customer portal, invoices, seats, and Stripe's webhooks, which turn
// subscriptions into entitlements (shared/entitlements). Entry points:
// "billing" (HTTP API, Hosting /api/billing/**) and "billing-grace"
// (hourly: people and organisations whose grace period after a failed
// payment ended get their tier recomputed).
//
// Layout:
//
//	users/{uid}/billing/customer     {id}: the person's Stripe customer
//	orgs/{org}/billing/customer      {id}: the organisation's
//	billing_customers/{customer}     {subject}: back from Stripe's customer to ours
//	entitlements/{subject}           entitlements.Doc (source billing): written only here
//	stripe_events/{event}            one record per webhook event: what it did
//	stripe_events_dead/{event}       poison events (unparseable, unknown price, no subject)
//
// Decisions where the specs leave a gap:
//   - A webhook event is applied in one transaction with its
//     stripe_events record, so a replay finds the record and changes
//     nothing; the tier recomputation (claims, token revocation) runs after
//     the commit and is marked done on the record, so a replay of an event
//     whose recomputation failed runs it again.
//   - Order: an entitlement keeps Version = event created (seconds) × 10 +
//     the status's rank. An event of the same subscription older than that,
//     or one that brings a canceled subscription back, is recorded as
//     stale and ignored; so is the cancellation of an older subscription
//     once a newer one holds the entitlement.
//   - Poison events (a body that does not decode, a price no plan knows,
//     no subject) are recorded in stripe_events_dead and answered 200, so
//     Stripe stops retrying; a log line names the event, never the person.
//   - The subject of a subscription is its metadata "subject" (set at
//     checkout), else the customer's billing_customers record.
//   - Checkout refuses a second live subscription of the same subject (409,
//     use the portal); the organisation's seats are the subscription's
//     quantity, at least the plan's minimum and never below the seats in
//     use (409 "seats in use"); proration is Stripe's.
//   - Official plans are sold only to people an operator marked eligible
//     (users/{uid}/billing/eligibility {official: true}); GET /v1/plans
//     shows them available only to them.
//   - billing.* events carry Stripe ids, tiers and amounts, never a person:
//     a person's subscription is reported under the "platform" organisation.
package billing

import (
	"context"
	"net/http"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/stripe/stripe-go/v84"

	plans "pointsofyou.ai/studio/infra/billing"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP  = "billing"
	EntryGrace = "billing-grace"
)

// Configuration, as declared in infra/topology.yaml.
const (
	// EnvStripeAPI is Stripe's API base URL (the local Stripe in the suite).
	EnvStripeAPI = "STRIPE_API_BASE"
	// EnvPublicURL is where people open the app: checkout and portal come back there.
	EnvPublicURL = "PUBLIC_URL"
	// SecretStripeKey is the Stripe secret API key; SecretWebhook the
	// webhook endpoint's signing secret (whsec_…).
	SecretStripeKey = "STRIPE_SECRET_KEY"
	SecretWebhook   = "STRIPE_WEBHOOK_SECRET"
)

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b := &platform.Build{}
		fs := platform.Use(b, p.Firestore)
		admin := platform.Use(b, p.AuthAdmin)
		d := Deps{
			Verifier:      platform.Use(b, p.Verifier),
			Firestore:     fs,
			Outbox:        platform.Use(b, p.Outbox),
			PublicURL:     platform.Use(b, p.EnvOf(EnvPublicURL)),
			WebhookSecret: p.Secret(SecretWebhook),
		}
		api := platform.Use(b, p.EnvOf(EnvStripeAPI))
		key := p.Secret(SecretStripeKey)
		if b.Err() != nil {
			return nil, b.Err()
		}
		if p.Config().IsDemo() {
			// The local suite: its Stripe's own credentials, unless set.
			d.WebhookSecret = orDefault(d.WebhookSecret, plans.DevWebhookSecret)
			key = orDefault(key, plans.DevSecretKey)
		}
		d.Members = authz.NewFirestoreStore(fs)
		d.Entitlements = entitlements.New(fs, admin, nil)
		d.Stripe = NewStripe(api, key)
		return New(d)
	}))
	functions.HTTP(EntryGrace, platform.Job(EntryGrace, func(p *platform.Platform) (func(context.Context) (map[string]int, error), error) {
		b := &platform.Build{}
		fs := platform.Use(b, p.Firestore)
		admin := platform.Use(b, p.AuthAdmin)
		if b.Err() != nil {
			return nil, b.Err()
		}
		store := entitlements.New(fs, admin, nil)
		return func(ctx context.Context) (map[string]int, error) {
			return EndGrace(ctx, fs, store, time.Now())
		}, nil
	}))
}

// NewStripe is a Stripe client of base (https://api.stripe.com, or the
// local Stripe) with key. Retries are Stripe's own (idempotency keys make
// them safe).
func NewStripe(base, key string) *stripe.Client {
	return stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL: stripe.String(base), HTTPClient: &http.Client{Timeout: 30 * time.Second},
		// Failures come back as errors, which the handlers answer and log;
		// the library's own log would repeat them (and a sync's expected
		// "no such product").
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})))
}

// catalog is the declared plans, parsed once (the embedded file is
// checked by infra/billing's tests).
var catalog = plans.MustLoad()
