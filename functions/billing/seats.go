package billing

import (
	"context"
	"net/http"

	"cloud.google.com/go/firestore"
	"github.com/stripe/stripe-go/v84"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// SeatsRequest is PUT /v1/orgs/{orgId}/seats.
type SeatsRequest struct {
	Seats int `json:"seats"`
}

// Validate implements validate.Validator.
func (s *SeatsRequest) Validate() []httpapi.FieldError {
	if s.Seats < 1 || s.Seats > maxSeats {
		return []httpapi.FieldError{httpapi.Field("seats", "must be between 1 and %d", maxSeats)}
	}
	return nil
}

// SeatsView is the answer of PUT /v1/orgs/{orgId}/seats.
type SeatsView struct {
	Seats entitlements.Seats `json:"seats"`
}

// putSeats changes the organisation's seats: first the entitlement, in a
// transaction that counts the seats in use (so an invitation accepted
// meanwhile cannot end up beyond the plan), then the subscription's
// quantity at Stripe (proration is Stripe's); a Stripe failure puts the
// old count back.
func (a *api) putSeats(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var req SeatsRequest
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	ctx, org := r.Context(), authz.RouteOrg(r)
	ref := a.d.Firestore.Collection("entitlements").Doc(entitlements.OrgSubject(org))
	var (
		prev  int
		sub   string
		seats entitlements.Seats
	)
	err := a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		doc, err := a.readDoc(ctx, tx, entitlements.OrgSubject(org))
		if err != nil {
			return err
		}
		plan, ok := a.d.Plans.Plan(docPrice(doc))
		if !live(doc) || !ok || !plan.PerSeat {
			return httpapi.Conflict("the organisation has no plan with seats; choose one first")
		}
		if req.Seats < plan.MinSeats {
			return httpapi.Invalid(httpapi.Field("seats", "the plan starts at %d seats", plan.MinSeats))
		}
		used, err := a.d.Entitlements.SeatsUsed(ctx, tx, org)
		if err != nil {
			return err
		}
		if req.Seats < used {
			return seatsInUse(used)
		}
		prev, sub = doc.Seats, doc.Subscription
		seats = entitlements.Seats{Allowed: req.Seats, Used: used}
		return tx.Update(ref, []firestore.Update{{Path: "seats", Value: req.Seats}, {Path: "updated_at", Value: a.d.Now()}})
	})
	if err != nil {
		return txn.Problem(err)
	}
	if err := a.setQuantity(ctx, sub, int64(req.Seats)); err != nil {
		if _, rerr := ref.Update(ctx, []firestore.Update{{Path: "seats", Value: prev}}); rerr != nil {
			return httpapi.Unavailable(rerr)
		}
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, SeatsView{Seats: seats})
	return nil
}

func docPrice(d *entitlements.Doc) string {
	if d == nil {
		return ""
	}
	return d.Price
}

func (a *api) setQuantity(ctx context.Context, id string, qty int64) error {
	s, err := a.d.Stripe.V1Subscriptions.Retrieve(ctx, id, nil)
	if err != nil {
		return stripeProblem(err)
	}
	if s.Items == nil || len(s.Items.Data) == 0 {
		return httpapi.Conflict("the subscription has no item to change")
	}
	params := &stripe.SubscriptionUpdateParams{
		Items:             []*stripe.SubscriptionUpdateItemParams{{ID: stripe.String(s.Items.Data[0].ID), Quantity: stripe.Int64(qty)}},
		ProrationBehavior: stripe.String("create_prorations"),
	}
	if _, err := a.d.Stripe.V1Subscriptions.Update(ctx, id, params); err != nil {
		return stripeProblem(err)
	}
	return nil
}
