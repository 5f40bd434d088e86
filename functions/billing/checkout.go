package billing

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"cloud.google.com/go/firestore"
	"github.com/stripe/stripe-go/v84"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	plans "pointsofyou.ai/studio/infra/billing"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Scopes of checkout, portal and invoices.
const (
	ScopePersonal = "personal"
	ScopeOrg      = "org"
)

// Metadata keys of checkout sessions and subscriptions.
const (
	metaSubject = "subject"
	metaKey     = "lookup_key"
)

// maxSeats bounds a seat count (a typo of a few zeros, not a real order).
const maxSeats = 10000

// CheckoutRequest is POST /v1/checkout.
type CheckoutRequest struct {
	LookupKey  string `json:"lookup_key"`
	Scope      string `json:"scope"`
	OrgID      string `json:"org_id,omitempty"`
	Seats      int    `json:"seats,omitempty"`
	ReturnPath string `json:"return_path,omitempty"`
}

// Validate implements validate.Validator.
func (c *CheckoutRequest) Validate() []httpapi.FieldError {
	var fe []httpapi.FieldError
	httpapi.Required(&fe, "lookup_key", c.LookupKey)
	httpapi.MaxLen(&fe, "lookup_key", c.LookupKey, 64)
	httpapi.OneOf(&fe, "scope", c.Scope, ScopePersonal, ScopeOrg)
	fe = append(fe, scopeFields(c.Scope, c.OrgID)...)
	if c.Seats < 0 || c.Seats > maxSeats {
		fe = append(fe, httpapi.Field("seats", "must be between 0 and %d", maxSeats))
	}
	if c.Seats != 0 && c.Scope != ScopeOrg {
		fe = append(fe, httpapi.Field("seats", "only an organisation buys seats"))
	}
	fe = append(fe, returnPathFields(c.ReturnPath)...)
	return fe
}

func scopeFields(scope, org string) []httpapi.FieldError {
	switch {
	case scope == ScopeOrg && !authz.ValidOrgID(org):
		return []httpapi.FieldError{httpapi.Field("org_id", "names no organisation")}
	case scope != ScopeOrg && org != "":
		return []httpapi.FieldError{httpapi.Field("org_id", "is for the org scope only")}
	}
	return nil
}

// returnPathFields accepts a path of the app ("/account/billing"), never
// another site ("//evil.example", "https://…").
func returnPathFields(p string) []httpapi.FieldError {
	if p == "" {
		return nil
	}
	u, err := url.Parse(p)
	if err != nil || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) ||
		u.Scheme != "" || u.Host != "" || len(p) > 512 || u.RawQuery != "" || u.Fragment != "" {
		return []httpapi.FieldError{httpapi.Field("return_path", "must be a path of the app without query, e.g. /account/billing")}
	}
	return nil
}

// PortalRequest is POST /v1/portal.
type PortalRequest struct {
	Scope      string `json:"scope"`
	OrgID      string `json:"org_id,omitempty"`
	ReturnPath string `json:"return_path,omitempty"`
}

// Validate implements validate.Validator.
func (c *PortalRequest) Validate() []httpapi.FieldError {
	var fe []httpapi.FieldError
	httpapi.OneOf(&fe, "scope", c.Scope, ScopePersonal, ScopeOrg)
	fe = append(fe, scopeFields(c.Scope, c.OrgID)...)
	return append(fe, returnPathFields(c.ReturnPath)...)
}

// URLView is the answer of checkout and portal.
type URLView struct {
	URL string `json:"url"`
}

// subjectOf is the subject a request acts for: the caller, or an
// organisation the caller is org_admin of now (membership, not token).
func (a *api) subjectOf(ctx context.Context, p *auth.Principal, scope, org string) (string, error) {
	if scope != ScopeOrg {
		return entitlements.UserSubject(p.UID), nil
	}
	m, ok, err := a.d.Members.OrgMember(ctx, org, p.UID)
	if err != nil {
		return "", httpapi.Unavailable(err)
	}
	if !ok {
		return "", httpapi.NotFound("no such organisation")
	}
	if m.Role != auth.RoleOrgAdmin {
		return "", httpapi.Forbidden("only the organisation's admins manage its plan")
	}
	return entitlements.OrgSubject(org), nil
}

// customerRef is where subject's Stripe customer id is kept.
func (a *api) customerRef(subject string) *firestore.DocumentRef {
	kind, id, _ := strings.Cut(subject, ":")
	if kind == "org" {
		return a.d.Firestore.Doc("orgs/" + id + "/billing/customer")
	}
	return a.d.Firestore.Doc("users/" + id + "/billing/customer")
}

// customer returns subject's Stripe customer id; create makes one when
// there is none yet. The customer carries the subject only (no name, no
// address): Checkout collects what payment needs.
func (a *api) customer(ctx context.Context, subject string, create bool) (string, error) {
	ref := a.customerRef(subject)
	snap, err := ref.Get(ctx)
	if err == nil {
		if id, _ := snap.DataAt("id"); id != nil {
			if s, ok := id.(string); ok && s != "" {
				return s, nil
			}
		}
	} else if status.Code(err) != codes.NotFound {
		return "", httpapi.Unavailable(err)
	}
	if !create {
		return "", nil
	}
	params := &stripe.CustomerCreateParams{Metadata: map[string]string{metaSubject: subject}}
	// Two checkouts at once make one customer: Stripe answers a repeated
	// idempotency key with the first answer.
	params.SetIdempotencyKey("customer-" + subject)
	c, err := a.d.Stripe.V1Customers.Create(ctx, params)
	if err != nil {
		return "", stripeProblem(err)
	}
	id := c.ID
	err = a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err == nil {
			if v, _ := snap.DataAt("id"); v != nil {
				if s, ok := v.(string); ok && s != "" {
					id = s // another request stored one first
					return nil
				}
			}
		} else if status.Code(err) != codes.NotFound {
			return err
		}
		now := a.d.Now()
		if err := tx.Set(ref, map[string]any{"id": id, "created_at": now}); err != nil {
			return err
		}
		return tx.Set(a.d.Firestore.Doc("billing_customers/"+id), map[string]any{"subject": subject, "created_at": now})
	})
	if err != nil {
		return "", httpapi.Unavailable(err)
	}
	return id, nil
}

func (a *api) checkout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req CheckoutRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	ctx := r.Context()
	plan, ok := a.d.Plans.Plan(req.LookupKey)
	if !ok {
		return httpapi.Invalid(httpapi.Field("lookup_key", "is not a plan"))
	}
	if plan.PerSeat != (req.Scope == ScopeOrg) {
		if plan.PerSeat {
			return httpapi.Invalid(httpapi.Field("scope", "%s is sold to organisations (scope org)", plan.LookupKey))
		}
		return httpapi.Invalid(httpapi.Field("scope", "%s is sold to people (scope personal)", plan.LookupKey))
	}
	if plan.EligibleOnly && !a.eligible(ctx, p.UID) {
		return httpapi.Forbidden("this plan is by invitation (certified trainers)")
	}
	subject, err := a.subjectOf(ctx, p, req.Scope, req.OrgID)
	if err != nil {
		return err
	}
	qty := int64(1)
	if plan.PerSeat {
		qty = int64(max(req.Seats, plan.MinSeats))
		if req.Seats != 0 && req.Seats < plan.MinSeats {
			return httpapi.Invalid(httpapi.Field("seats", "the plan starts at %d seats", plan.MinSeats))
		}
		used, err := a.d.Entitlements.SeatsUsed(ctx, nil, req.OrgID)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if int(qty) < used {
			return seatsInUse(used)
		}
	}
	doc, err := a.readDoc(ctx, nil, subject)
	if err != nil {
		return err
	}
	if live(doc) {
		return &httpapi.Error{Status: http.StatusConflict, Slug: "subscription-exists", Title: "Already subscribed",
			Detail: "there is a subscription already; change or cancel it in the billing portal (POST /v1/portal)"}
	}
	price, err := plans.FindPrice(ctx, a.d.Stripe, plan.LookupKey)
	if err != nil {
		return stripeProblem(err)
	}
	if price == nil || !price.Active {
		return httpapi.Unavailable(errors.New("billing: plan " + plan.LookupKey + " has no active price; sync the plans"))
	}
	cus, err := a.customer(ctx, subject, true)
	if err != nil {
		return err
	}
	back := a.d.PublicURL + orDefault(req.ReturnPath, "/account/billing")
	meta := map[string]string{metaSubject: subject, metaKey: plan.LookupKey}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:                stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:            stripe.String(cus),
		ClientReferenceID:   stripe.String(subject),
		LineItems:           []*stripe.CheckoutSessionCreateLineItemParams{{Price: stripe.String(price.ID), Quantity: stripe.Int64(qty)}},
		AllowPromotionCodes: stripe.Bool(true),
		SuccessURL:          stripe.String(back + "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:           stripe.String(back + "?checkout=cancel"),
		Metadata:            meta,
		SubscriptionData:    &stripe.CheckoutSessionCreateSubscriptionDataParams{Metadata: meta},
	}
	s, err := a.d.Stripe.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return stripeProblem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, URLView{URL: s.URL})
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// live reports a subscription that still grants its tier or may again
// (active or past_due), which a second checkout would duplicate.
func live(d *entitlements.Doc) bool {
	return d != nil && d.Source == entitlements.SourceBilling && d.Subscription != "" &&
		(d.Status == entitlements.StatusActive || d.Status == entitlements.StatusPastDue)
}

func seatsInUse(used int) error {
	return &httpapi.Error{Status: http.StatusConflict, Slug: "seats-in-use", Title: "Seats in use",
		Detail: "seats in use: " + itoa(used) + " staff members hold a seat; remove some first"}
}

func (a *api) portal(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req PortalRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	ctx := r.Context()
	subject, err := a.subjectOf(ctx, p, req.Scope, req.OrgID)
	if err != nil {
		return err
	}
	cus, err := a.customer(ctx, subject, false)
	if err != nil {
		return err
	}
	if cus == "" {
		return httpapi.NotFound("no billing account yet: choose a plan first")
	}
	params := &stripe.BillingPortalSessionCreateParams{Customer: stripe.String(cus),
		ReturnURL: stripe.String(a.d.PublicURL + orDefault(req.ReturnPath, "/account/billing"))}
	s, err := a.d.Stripe.V1BillingPortalSessions.Create(ctx, params)
	if err != nil {
		return stripeProblem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, URLView{URL: s.URL})
	return nil
}

// stripeProblem turns a Stripe failure into a problem: Stripe refusing
// our request is our bug or a config gap (502, logged), Stripe down is 503.
func stripeProblem(err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests {
		return (&httpapi.Error{Status: http.StatusBadGateway, Slug: "payment-provider", Title: "Payment provider refused",
			Detail: "the payment provider refused the request"}).WithCause(err)
	}
	return httpapi.Unavailable(err)
}
