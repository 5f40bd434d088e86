package billing

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stripe/stripe-go/v84"

	plans "pointsofyou.ai/studio/infra/billing"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/outbox"
)

// Entitlements is what the function asks of shared/entitlements
// (*entitlements.Store).
type Entitlements interface {
	Read(ctx context.Context, tx *firestore.Transaction, subject string) (*entitlements.Doc, error)
	Recompute(ctx context.Context, uid string) (bool, error)
	RecomputeOrg(ctx context.Context, org string) (int, error)
	SeatsUsed(ctx context.Context, tx *firestore.Transaction, org string) (int, error)
	Usage(ctx context.Context, uid, tier string, now time.Time) (entitlements.MonthUsage, error)
}

// Deps is what the function needs; all but Now and Plans are required.
type Deps struct {
	Verifier     auth.Verifier
	Firestore    *firestore.Client
	Outbox       *outbox.Outbox
	Members      authz.MembershipStore
	Entitlements Entitlements
	Stripe       *stripe.Client
	// WebhookSecret verifies Stripe-Signature (whsec_…).
	WebhookSecret string
	// PublicURL is the app's origin: checkout and portal return there.
	PublicURL string
	// Plans default to infra/billing/plans.yaml.
	Plans *plans.Catalog
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (d Deps) check() (Deps, error) {
	var errs []error
	need := func(ok bool, what string) {
		if !ok {
			errs = append(errs, errors.New("billing: Deps."+what+" is missing"))
		}
	}
	need(d.Verifier != nil, "Verifier")
	need(d.Firestore != nil, "Firestore")
	need(d.Outbox != nil, "Outbox")
	need(d.Members != nil, "Members")
	need(d.Entitlements != nil, "Entitlements")
	need(d.Stripe != nil, "Stripe")
	need(d.WebhookSecret != "", "WebhookSecret ("+SecretWebhook+")")
	u, err := url.Parse(strings.TrimRight(d.PublicURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("billing: "+EnvPublicURL+" is not an absolute http(s) URL"))
	} else {
		d.PublicURL = u.String()
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Plans == nil {
		d.Plans = catalog
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d, nil
}
