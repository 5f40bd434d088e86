package billing

import (
	"context"

	plans "pointsofyou.ai/studio/infra/billing"
)

// syncCatalog makes the Stripe account hold the declared plans (the
// operator route; the local suite syncs at start).
func syncCatalog(ctx context.Context, d Deps) (plans.Report, error) {
	return plans.Sync(ctx, d.Stripe, d.Plans)
}
