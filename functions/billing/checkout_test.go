package billing

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/events"
)

// The acceptance path: a free facilitator buys professional monthly on
// the checkout page; the webhooks make the entitlement, the profile and
// the claims professional; the meters show the larger allowance; the
// invoice is listed; a second checkout is refused with a hint.
func TestCheckoutWebhookTierAndClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if got := e.claimTier(freeFac); got != auth.TierFree {
		t.Fatalf("claim before %q", got)
	}
	e.checkout(freeFac, "professional_monthly", 0)

	types := []string{}
	for _, d := range e.stripe.Deliveries() {
		types = append(types, d.Type)
	}
	if !slices.Equal(types, []string{evSubCreated, evCheckoutCompleted, evInvoicePaid}) {
		t.Fatalf("delivered %v", types)
	}
	d := e.doc(entitlements.UserSubject(e.uid(freeFac)))
	if d == nil || d.Tier != auth.TierProfessional || d.Status != entitlements.StatusActive || d.Source != entitlements.SourceBilling ||
		d.Price != "professional_monthly" || d.Subscription == "" || d.CurrentPeriodEnd == nil {
		t.Fatalf("entitlement %+v", d)
	}
	if got := e.profileTier(freeFac); got != auth.TierProfessional {
		t.Errorf("profile tier %q", got)
	}
	if got := e.claimTier(freeFac); got != auth.TierProfessional {
		t.Errorf("claim tier %q", got)
	}

	var me MeView
	e.do("GET", "/v1/me", freeFac, nil).Want(t, http.StatusOK).JSON(t, &me)
	if me.Tier != auth.TierProfessional || me.Personal == nil || me.Personal.Tier != auth.TierProfessional || me.Org != nil ||
		me.Usage.AIInteractions.Allowed != 500 || me.Usage.ContentUses.Allowed != 1000 {
		t.Errorf("me %+v", me)
	}

	var inv InvoicesView
	e.do("GET", "/v1/invoices", freeFac, nil).Want(t, http.StatusOK).JSON(t, &inv)
	if len(inv.Invoices) != 1 || inv.Invoices[0].AmountPaid != 2900 || inv.Invoices[0].Status != "paid" || inv.Invoices[0].Currency != "usd" {
		t.Errorf("invoices %+v", inv)
	}

	p := e.do("POST", "/v1/checkout", freeFac, map[string]any{"lookup_key": "professional_yearly", "scope": "personal"}).Problem(t, http.StatusConflict)
	if !strings.Contains(p.Detail, "portal") {
		t.Errorf("second checkout: %+v", p)
	}
	var portal URLView
	e.do("POST", "/v1/portal", freeFac, map[string]any{"scope": "personal"}).Want(t, http.StatusOK).JSON(t, &portal)
	if !strings.HasPrefix(portal.URL, e.stripe.URL()+"/portal/") {
		t.Errorf("portal url %s", portal.URL)
	}

	evs := e.events.Types()
	for _, want := range []string{events.TypeBillingSubscriptionChanged, events.TypeBillingInvoicePaid} {
		if !slices.Contains(evs, want) {
			t.Errorf("events %v lack %s", evs, want)
		}
	}
	for _, env := range e.events.Of(events.TypeBillingSubscriptionChanged) {
		pl := apitest.Payload[events.BillingSubscriptionChanged](t, env)
		if env.Actor != "" || env.OrgID != "platform" || pl.Amount != 2900 || pl.Tier != "professional" {
			t.Errorf("event %+v payload %+v", env, pl)
		}
	}
}

// The portal cancels: the subscription's deletion brings the person back
// to free and revokes their refresh tokens.
func TestPortalCancelDowngrades(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.checkout(freeFac, "professional_monthly", 0)
	var portal URLView
	e.do("POST", "/v1/portal", freeFac, map[string]any{"scope": "personal", "return_path": "/pricing"}).Want(t, http.StatusOK).JSON(t, &portal)
	sub := e.doc(entitlements.UserSubject(e.uid(freeFac))).Subscription
	if back := e.submit(portal.URL+"/cancel", "subscription="+sub); back != "http://app.test/pricing" {
		t.Fatalf("back to %s", back)
	}
	e.wantDelivered()
	d := e.doc(entitlements.UserSubject(e.uid(freeFac)))
	if d.Status != entitlements.StatusCanceled || d.TierAt(e.clock.Now()) != auth.TierFree {
		t.Fatalf("entitlement %+v", d)
	}
	if got := e.claimTier(freeFac); got != auth.TierFree {
		t.Errorf("claim %q", got)
	}
	u, err := admin.GetUser(context.Background(), e.uid(freeFac))
	if err != nil || u.TokensValidAfterMillis == 0 {
		t.Errorf("refresh tokens not revoked: %+v %v", u, err)
	}
	// Free again: a new checkout is allowed.
	e.do("POST", "/v1/checkout", freeFac, map[string]any{"lookup_key": "professional_yearly", "scope": "personal"}).Want(t, http.StatusOK)
}

func TestPlans(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, key string
		official  bool
	}{
		{"anonymous", "", false},
		{"signed in", freeFac, false},
		{"eligible", orgFac, true},
	} {
		if tc.official {
			if _, err := fsClient.Doc("users/"+e.uid(orgFac)+"/billing/eligibility").Set(ctx, map[string]any{"official": true}); err != nil {
				t.Fatal(err)
			}
		}
		var v PlansView
		e.do("GET", "/v1/plans", tc.key, nil).Want(t, http.StatusOK).JSON(t, &v)
		if v.Currency != "usd" || len(v.Plans) != 6 {
			t.Fatalf("%s: %+v", tc.name, v)
		}
		for _, p := range v.Plans {
			if p.Available != (p.Tier != "official" || tc.official) {
				t.Errorf("%s: %s available %v", tc.name, p.LookupKey, p.Available)
			}
			if p.Allowances != entitlements.Of(p.Tier) {
				t.Errorf("%s: %s allowances %+v", tc.name, p.LookupKey, p.Allowances)
			}
		}
	}
}

// Bad requests are problems, never a checkout.
func TestCheckoutRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		key  string
		body any
		code int
	}{
		{"unknown plan", freeFac, map[string]any{"lookup_key": "gold_monthly", "scope": "personal"}, http.StatusBadRequest},
		{"no scope", freeFac, map[string]any{"lookup_key": "professional_monthly"}, http.StatusBadRequest},
		{"unknown field", freeFac, map[string]any{"lookup_key": "professional_monthly", "scope": "personal", "price": "x"}, http.StatusBadRequest},
		{"other site", freeFac, map[string]any{"lookup_key": "professional_monthly", "scope": "personal", "return_path": "//evil.test/x"}, http.StatusBadRequest},
		{"absolute url", freeFac, map[string]any{"lookup_key": "professional_monthly", "scope": "personal", "return_path": "https://evil.test/"}, http.StatusBadRequest},
		{"seats for a person", freeFac, map[string]any{"lookup_key": "professional_monthly", "scope": "personal", "seats": 3}, http.StatusBadRequest},
		{"per seat for a person", freeFac, map[string]any{"lookup_key": "enterprise_monthly", "scope": "personal"}, http.StatusBadRequest},
		{"person's plan for an org", orgAdmin, map[string]any{"lookup_key": "professional_monthly", "scope": "org", "org_id": "org-x"}, http.StatusBadRequest},
		{"org without id", orgAdmin, map[string]any{"lookup_key": "enterprise_monthly", "scope": "org"}, http.StatusBadRequest},
		{"below the minimum", orgAdmin, map[string]any{"lookup_key": "enterprise_monthly", "scope": "org", "org_id": e.org, "seats": 2}, http.StatusBadRequest},
		{"not an admin", orgFac, map[string]any{"lookup_key": "enterprise_monthly", "scope": "org", "org_id": e.org}, http.StatusForbidden},
		{"another org", stranger, map[string]any{"lookup_key": "enterprise_monthly", "scope": "org", "org_id": e.org}, http.StatusNotFound},
		{"official by invitation", freeFac, map[string]any{"lookup_key": "official_monthly", "scope": "personal"}, http.StatusForbidden},
		{"anonymous", "", map[string]any{"lookup_key": "professional_monthly", "scope": "personal"}, http.StatusUnauthorized},
		{"not json", freeFac, "lookup_key=x", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do("POST", "/v1/checkout", tc.key, tc.body).Problem(t, tc.code)
		})
	}
	if n := len(e.stripe.Deliveries()); n != 0 {
		t.Errorf("%d webhooks", n)
	}
	for _, q := range []string{"?scope=team", "?scope=org", "?scope=personal&org_id=x"} {
		e.do("GET", "/v1/invoices"+q, orgAdmin, nil).Problem(t, http.StatusBadRequest)
	}
	e.do("POST", "/v1/portal", freeFac, map[string]any{"scope": "personal"}).Problem(t, http.StatusNotFound)
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Checkouts at once make one Stripe customer for the person (Stripe's
// idempotency key), and every answer is a checkout page.
func TestConcurrentCheckoutsOneCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 6
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r := apitest.Serve(t, e.h, "POST", "/v1/checkout", freeFac, map[string]any{"lookup_key": "professional_monthly", "scope": "personal"})
			codes <- r.Code
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("checkout %d", c)
		}
	}
	snap, err := fsClient.Doc("users/" + e.uid(freeFac) + "/billing/customer").Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := snap.DataAt("id")
	n2 := 0
	for _, r := range requestsOf(t, e) {
		if r == "POST /v1/customers" {
			n2++
		}
	}
	back, err := fsClient.Doc("billing_customers/" + id.(string)).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := back.DataAt("subject"); s != entitlements.UserSubject(e.uid(freeFac)) {
		t.Errorf("billing_customers subject %v", s)
	}
	t.Logf("%d customer requests for %d checkouts, one customer %v", n2, n, id)
}

func requestsOf(t *testing.T, e *env) []string {
	t.Helper()
	var out []string
	resp, err := http.Get(e.stripe.URL() + "/_admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Operators sync the plans; the suite synced them already, so nothing
// changes. Nobody else may.
func TestOperatorSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var got map[string]int
	e.do("POST", "/v1/admin/plans/sync", operator, map[string]any{}).Want(t, http.StatusOK).JSON(t, &got)
	for k, n := range got {
		if n != 0 {
			t.Errorf("%s: %d", k, n)
		}
	}
	e.do("POST", "/v1/admin/plans/sync", orgAdmin, map[string]any{}).Problem(t, http.StatusForbidden)
	e.do("POST", "/v1/admin/plans/sync", "", map[string]any{}).Problem(t, http.StatusUnauthorized)
}
