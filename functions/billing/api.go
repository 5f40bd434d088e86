package billing

import (
	"context"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/billing.
func New(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	guard := authz.Guard{Verifier: d.Verifier, Members: d.Members, CurrentRole: true}
	return httpapi.Router(EntryHTTP, guard.Routes((&api{d: d}).routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
}

func (a *api) routes() []httpapi.Route {
	h := httpapi.Handle
	return []httpapi.Route{
		httpapi.HealthRoute(),
		h(http.MethodGet, "/v1/plans", httpapi.Anyone(), httpapi.HandlerFunc(a.plans)),
		h(http.MethodGet, "/v1/me", httpapi.Self(), withPrincipal(a.me)),
		h(http.MethodPost, "/v1/checkout", httpapi.Self(), withPrincipal(a.checkout)),
		h(http.MethodPost, "/v1/portal", httpapi.Self(), withPrincipal(a.portal)),
		h(http.MethodGet, "/v1/invoices", httpapi.Self(), withPrincipal(a.invoices)),
		h(http.MethodPut, "/v1/orgs/{orgId}/seats", httpapi.InPathOrg(auth.RoleOrgAdmin), withPrincipal(a.putSeats)),
		h(http.MethodPost, "/v1/webhooks/stripe", httpapi.Anyone(), httpapi.HandlerFunc(a.webhook)),
		h(http.MethodPost, "/v1/admin/plans/sync", httpapi.Operators(), httpapi.HandlerFunc(a.syncPlans)),
	}
}

func withPrincipal(h func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("sign in first")
		}
		return h(w, r, p)
	}
}

// PlanView is one plan of GET /v1/plans.
type PlanView struct {
	LookupKey  string                  `json:"lookup_key"`
	Tier       string                  `json:"tier"`
	Interval   string                  `json:"interval"`
	Amount     int64                   `json:"amount"`
	Currency   string                  `json:"currency"`
	PerSeat    bool                    `json:"per_seat"`
	MinSeats   int                     `json:"min_seats"`
	Allowances entitlements.Allowances `json:"allowances"`
	// Available is false for plans sold by invitation (official) unless
	// the caller was marked eligible.
	Available bool `json:"available"`
}

// PlansView is GET /v1/plans.
type PlansView struct {
	Currency string     `json:"currency"`
	Plans    []PlanView `json:"plans"`
}

// plans answers anyone; a signed-in caller's token, when sent and valid,
// makes the official plans available to an eligible person.
func (a *api) plans(w http.ResponseWriter, r *http.Request) error {
	eligible := false
	if tok, ok := bearer(r); ok {
		if p, err := a.d.Verifier.Verify(r.Context(), tok); err == nil {
			eligible = a.eligible(r.Context(), p.UID)
		}
	}
	out := PlansView{Currency: a.d.Plans.Currency, Plans: []PlanView{}}
	for _, p := range a.d.Plans.Plans {
		out.Plans = append(out.Plans, PlanView{LookupKey: p.LookupKey, Tier: p.Tier, Interval: p.Interval, Amount: p.Amount,
			Currency: p.Currency, PerSeat: p.PerSeat, MinSeats: p.MinSeats, Allowances: entitlements.Of(p.Tier),
			Available: !p.EligibleOnly || eligible})
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) > len(prefix) && (h[:len(prefix)] == prefix || h[:len(prefix)] == "bearer ") {
		return h[len(prefix):], true
	}
	return "", false
}

// eligible reports an operator's mark for the official plans.
func (a *api) eligible(ctx context.Context, uid string) bool {
	if !authz.ValidDocID(uid) {
		return false
	}
	snap, err := a.d.Firestore.Doc("users/" + uid + "/billing/eligibility").Get(ctx)
	if err != nil {
		return false
	}
	v, err := snap.DataAt("official")
	ok, _ := v.(bool)
	return err == nil && ok
}

// OrgView is the organisation part of GET /v1/me.
type OrgView struct {
	OrgID      string             `json:"org_id"`
	Tier       string             `json:"tier"`
	Status     string             `json:"status"`
	GraceUntil *time.Time         `json:"grace_until"`
	Seats      entitlements.Seats `json:"seats"`
	CanManage  bool               `json:"can_manage"`
}

// MeView is GET /v1/me.
type MeView struct {
	Tier     string                  `json:"tier"`
	Personal *entitlements.Doc       `json:"personal"`
	Org      *OrgView                `json:"org"`
	Usage    entitlements.MonthUsage `json:"usage"`
}

func (a *api) me(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx, now := r.Context(), a.d.Now()
	personal, err := a.readDoc(ctx, nil, entitlements.UserSubject(p.UID))
	if err != nil {
		return err
	}
	tier := a.personTier(ctx, p)
	out := MeView{Tier: tier, Personal: personal}
	if authz.ValidOrgID(p.Org) {
		doc, err := a.readDoc(ctx, nil, entitlements.OrgSubject(p.Org))
		if err != nil {
			return err
		}
		used, err := a.d.Entitlements.SeatsUsed(ctx, nil, p.Org)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		v := &OrgView{OrgID: p.Org, Tier: entitlements.TierFree, Status: entitlements.StatusActive,
			Seats: entitlements.Seats{Allowed: entitlements.AllowedSeats(doc), Used: used}, CanManage: p.Role == auth.RoleOrgAdmin}
		if doc != nil {
			v.Tier, v.GraceUntil = doc.TierAt(now), doc.GraceUntil
			if doc.Status != "" {
				v.Status = doc.Status
			}
		}
		out.Org = v
	}
	if out.Usage, err = a.d.Entitlements.Usage(ctx, p.UID, tier, now); err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// personTier is the tier stored on the person's profile (what
// Recompute last set, and what their claims say after a refresh); the
// token's claim until there is one.
func (a *api) personTier(ctx context.Context, p *auth.Principal) string {
	tier := p.Tier
	if snap, err := a.d.Firestore.Doc("users/" + p.UID).Get(ctx); err == nil {
		if v, err := snap.DataAt("tier"); err == nil {
			if s, ok := v.(string); ok && entitlements.Rank(s) >= 0 {
				tier = s
			}
		}
	}
	return entitlements.Claim(tier)
}

// readDoc reads entitlements/{subject} (nil when none), in tx when set.
func (a *api) readDoc(ctx context.Context, tx *firestore.Transaction, subject string) (*entitlements.Doc, error) {
	d, err := a.d.Entitlements.Read(ctx, tx, subject)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return d, nil
}

func (a *api) syncPlans(w http.ResponseWriter, r *http.Request) error {
	rep, err := syncCatalog(r.Context(), a.d)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]int{
		"products_created": rep.ProductsCreated, "products_updated": rep.ProductsUpdated,
		"prices_created": rep.PricesCreated, "prices_updated": rep.PricesUpdated, "prices_retired": rep.PricesRetired,
	})
	return nil
}
