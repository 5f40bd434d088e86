package billing

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	stripeemu "pointsofyou.ai/studio/emulators/stripe"
	"pointsofyou.ai/studio/emulators/stripe/stripetest"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/entitlements"
)

// outcome posts body signed with the endpoint secret and returns the
// outcome the webhook answered.
func (e *env) outcome(body []byte) string {
	e.t.Helper()
	var out struct {
		Outcome string `json:"outcome"`
	}
	e.send(body, stripetest.Secret).Want(e.t, http.StatusOK).JSON(e.t, &out)
	return out.Outcome
}

// rewrite is an event delivered before with a new id and created time.
func rewrite(t *testing.T, payload []byte, id string, created int64, edit func(obj map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	ev["id"], ev["created"] = id, created
	if edit != nil {
		edit(ev["data"].(map[string]any)["object"].(map[string]any))
	}
	return jsonOf(t, ev)
}

// Replayed, reordered and forged webhooks change nothing; the forged one
// is 400.
func TestWebhookReplayReorderForge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.checkout(freeFac, "professional_monthly", 0)
	subject := entitlements.UserSubject(e.uid(freeFac))
	before := e.doc(subject)

	// Replays: every event again, as Stripe retries.
	for _, d := range e.stripe.Deliveries() {
		if got := e.outcome(d.Payload); got != "duplicate" {
			t.Errorf("replay of %s: %s", d.Type, got)
		}
	}
	if after := e.doc(subject); !reflect.DeepEqual(after, before) {
		t.Errorf("replay changed %+v to %+v", before, after)
	}

	// Forged: signed with another secret, or not signed, or signed long ago.
	created := e.delivery(evSubCreated)
	forged := rewrite(t, created.Payload, "evt_forged1", time.Now().Unix()+60, func(o map[string]any) { o["status"] = "canceled" })
	for name, sig := range map[string]string{
		"other secret":    signAt(forged, "whsec_attacker", time.Now()),
		"no signature":    "",
		"stale signature": signAt(forged, stripetest.Secret, time.Now().Add(-time.Hour)),
		"garbage":         "t=1,v1=00",
	} {
		r := serveSigned(t, e, forged, sig)
		if r.Code != http.StatusBadRequest || !r.IsProblem() {
			t.Errorf("%s: %s", name, r)
		}
	}
	if after := e.doc(subject); !reflect.DeepEqual(after, before) {
		t.Errorf("forgery changed %+v to %+v", before, after)
	}

	// Reordered: the cancellation arrives, then an update older than it.
	sub := before.Subscription
	cancel := rewrite(t, created.Payload, "evt_cancel1", createdOf(t, created.Payload)+5, func(o map[string]any) { o["status"] = "canceled" })
	if got := e.outcome(cancel); got != outcomeApplied {
		t.Fatalf("cancel: %s", got)
	}
	late := rewrite(t, created.Payload, "evt_late1", createdOf(t, created.Payload)+2, func(o map[string]any) { o["status"] = "active" })
	if got := e.outcome(late); got != outcomeStale {
		t.Errorf("older update after the cancellation: %s", got)
	}
	// Even a newer event does not bring a canceled subscription back.
	back := rewrite(t, created.Payload, "evt_back1", createdOf(t, created.Payload)+60, func(o map[string]any) { o["status"] = "active" })
	if got := e.outcome(back); got != outcomeStale {
		t.Errorf("canceled subscription active again: %s", got)
	}
	d := e.doc(subject)
	if d.Status != entitlements.StatusCanceled || d.Subscription != sub {
		t.Errorf("after reordering %+v", d)
	}
	if got := e.claimTier(freeFac); got != auth.TierFree {
		t.Errorf("claim %q", got)
	}
	rec, err := (&api{d: e.deps}).readRecord(context.Background(), nil, "evt_late1")
	if err != nil || rec == nil || rec.Outcome != outcomeStale || rec.Reason == "" {
		t.Errorf("stale record %+v %v", rec, err)
	}
}

// Within one subscription, an update older than the last one applied is
// ignored; a newer one applies.
func TestWebhookOlderUpdateIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.checkout(orgAdmin, "enterprise_monthly", 4)
	subject := entitlements.OrgSubject(e.org)
	created := e.delivery(evSubCreated)
	at := createdOf(t, created.Payload)
	seats := func(n int) func(map[string]any) {
		return func(o map[string]any) {
			o["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["quantity"] = n
		}
	}
	if got := e.outcome(rewrite(t, created.Payload, "evt_seats7", at+20, seats(7))); got != outcomeApplied {
		t.Fatalf("7 seats: %s", got)
	}
	if got := e.outcome(rewrite(t, created.Payload, "evt_seats5", at+10, seats(5))); got != outcomeStale {
		t.Errorf("older 5 seats: %s", got)
	}
	if d := e.doc(subject); d.Seats != 7 || d.Tier != auth.TierEnterprise {
		t.Errorf("entitlement %+v", d)
	}
}

// Poison is dead-lettered and answered 200, once; a replay of it is a
// duplicate.
func TestWebhookPoison(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.checkout(freeFac, "professional_monthly", 0)
	created := e.delivery(evSubCreated)
	at := createdOf(t, created.Payload)
	unknownPrice := rewrite(t, created.Payload, "evt_poison_price", at+1, func(o map[string]any) {
		o["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"].(map[string]any)["lookup_key"] = "gold_monthly"
	})
	noSubject := rewrite(t, created.Payload, "evt_poison_subject", at+1, func(o map[string]any) {
		o["metadata"] = map[string]any{}
		o["customer"] = "cus_unknown"
	})
	for name, body := range map[string][]byte{
		"not json":      []byte("{"),
		"no id":         []byte(`{"object":"event","type":"invoice.paid","created":1}`),
		"bad object":    []byte(`{"id":"evt_poison_obj","object":"event","type":"customer.subscription.updated","created":1,"data":{"object":{"id":42}}}`),
		"no items":      []byte(`{"id":"evt_poison_items","object":"event","type":"customer.subscription.updated","created":1,"data":{"object":{"id":"sub_1","status":"active"}}}`),
		"unknown price": unknownPrice,
		"no subject":    noSubject,
	} {
		if got := e.outcome(body); got != outcomeDead {
			t.Errorf("%s: %s", name, got)
		}
	}
	for _, id := range []string{"evt_poison_price", "evt_poison_subject", "evt_poison_obj", "evt_poison_items"} {
		snap, err := fsClient.Doc("stripe_events_dead/" + id).Get(context.Background())
		if err != nil {
			t.Errorf("%s not dead-lettered: %v", id, err)
			continue
		}
		if r, _ := snap.DataAt("reason"); r == "" {
			t.Errorf("%s: no reason", id)
		}
	}
	if got := e.outcome(unknownPrice); got != "duplicate" {
		t.Errorf("replayed poison: %s", got)
	}
	if d := e.doc(entitlements.UserSubject(e.uid(freeFac))); d.Tier != auth.TierProfessional || d.Status != entitlements.StatusActive {
		t.Errorf("poison changed %+v", d)
	}
	// Types billing does not act on are recorded and ignored.
	other := []byte(`{"id":"evt_other1","object":"event","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}`)
	if got := e.outcome(other); got != outcomeIgnored {
		t.Errorf("customer.created: %s", got)
	}
	// Too large a body.
	big := []byte(`{"id":"evt_big","pad":"` + strings.Repeat("x", maxWebhookBody) + `"}`)
	if r := e.send(big, stripetest.Secret); r.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("large body: %s", r)
	}
}

// A failed payment starts 7 days of grace with the paid tier; after them
// the hourly job brings the person down (claims, revoked tokens), once;
// a late payment brings the tier back.
func TestPaymentFailedGraceDowngrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.checkout(freeFac, "professional_monthly", 0)
	subject := entitlements.UserSubject(e.uid(freeFac))
	sub := e.doc(subject).Subscription
	fail := func() {
		resp, err := http.Post(e.stripe.URL()+"/_admin/subscriptions/"+sub+"/fail", "application/json", nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("fail: %v %v", resp, err)
		}
		resp.Body.Close()
		e.wantDelivered()
	}
	fail()
	d := e.doc(subject)
	wantGrace := e.clock.Now().Add(entitlements.GracePeriod)
	if d.Status != entitlements.StatusPastDue || d.GraceUntil == nil || !d.GraceUntil.Equal(wantGrace) {
		t.Fatalf("after the failure %+v (grace want %s)", d, wantGrace)
	}
	if got := e.claimTier(freeFac); got != auth.TierProfessional {
		t.Errorf("claim during grace %q", got)
	}
	var me MeView
	e.do("GET", "/v1/me", freeFac, nil).Want(t, http.StatusOK).JSON(t, &me)
	if me.Personal == nil || me.Personal.Status != entitlements.StatusPastDue || me.Personal.GraceUntil == nil {
		t.Errorf("me during grace %+v", me.Personal)
	}
	// A second failed attempt keeps the first deadline.
	e.clock.Add(2 * 24 * time.Hour)
	fail()
	if d := e.doc(subject); !d.GraceUntil.Equal(wantGrace) {
		t.Errorf("grace moved to %s", d.GraceUntil)
	}
	e.clock.Add(4 * 24 * time.Hour) // day 6
	if got, err := EndGrace(ctx, fsClient, e.store, e.clock.Now()); err != nil || got["subjects"] != 0 {
		t.Fatalf("day 6: %v %v", got, err)
	}
	e.clock.Add(2 * 24 * time.Hour) // day 8
	if got, err := EndGrace(ctx, fsClient, e.store, e.clock.Now()); err != nil || got["subjects"] < 1 {
		t.Fatalf("day 8: %v %v", got, err)
	}
	if got := e.claimTier(freeFac); got != auth.TierFree {
		t.Errorf("claim after grace %q", got)
	}
	if got := e.profileTier(freeFac); got != auth.TierFree {
		t.Errorf("profile after grace %q", got)
	}
	if u, err := admin.GetUser(ctx, e.uid(freeFac)); err != nil || u.TokensValidAfterMillis == 0 {
		t.Errorf("tokens not revoked: %v", err)
	}
	if d := e.doc(subject); d == nil || d.Tier != auth.TierProfessional || d.Status != entitlements.StatusPastDue {
		t.Errorf("the entitlement is kept: %+v", d)
	}
	if got, _ := EndGrace(ctx, fsClient, e.store, e.clock.Now()); got["subjects"] != 0 {
		t.Errorf("again: %v", got)
	}
	// The payment comes through late: professional again.
	paid := rewrite(t, e.delivery(evInvoicePaid).Payload, "evt_latepay", time.Now().Unix()+30, nil)
	if got := e.outcome(paid); got != outcomeApplied {
		t.Fatalf("late payment: %s", got)
	}
	if d := e.doc(subject); d.Status != entitlements.StatusActive || d.GraceUntil != nil {
		t.Errorf("after payment %+v", d)
	}
	if got := e.claimTier(freeFac); got != auth.TierProfessional {
		t.Errorf("claim after payment %q", got)
	}
}

// Seats: the checkout's quantity; PUT below the seats in use is 409, below
// the plan's minimum 400, by a non-admin 403; a valid change reaches the
// subscription and comes back by webhook.
func TestSeats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	path := "/v1/orgs/" + e.org + "/seats"
	e.do("PUT", path, orgAdmin, map[string]any{"seats": 5}).Problem(t, http.StatusConflict) // no plan yet
	e.checkout(orgAdmin, "enterprise_monthly", 5)
	d := e.doc(entitlements.OrgSubject(e.org))
	if d == nil || d.Tier != auth.TierEnterprise || d.Seats != 5 {
		t.Fatalf("org entitlement %+v", d)
	}
	if got := e.claimTier(orgFac); got != auth.TierEnterprise {
		t.Errorf("member's claim %q", got)
	}
	// Four staff members hold seats: the admin, the facilitator and two more.
	for _, uid := range []string{"s1", "s2", "s3", "s4"} {
		if s, err := e.store.OrgSeats(ctx, nil, e.org); err != nil || s.Used >= 4 {
			break
		}
		if err := fsClient.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			return e.store.TakeSeat(tx, e.org, uid)
		}); err != nil {
			t.Fatal(err)
		}
	}
	p := e.do("PUT", path, orgAdmin, map[string]any{"seats": 3}).Problem(t, http.StatusConflict)
	if p.Type != "https://studio.pointsofyou.ai/problems/seats-in-use" || !strings.Contains(p.Detail, "seats in use") {
		t.Errorf("below used: %+v", p)
	}
	e.do("PUT", path, orgAdmin, map[string]any{"seats": 2}).Problem(t, http.StatusBadRequest)
	e.do("PUT", path, orgAdmin, map[string]any{"seats": 0}).Problem(t, http.StatusBadRequest)
	e.do("PUT", path, orgFac, map[string]any{"seats": 9}).Problem(t, http.StatusForbidden)
	e.do("PUT", "/v1/orgs/"+e.org+"/seats", stranger, map[string]any{"seats": 9}).Problem(t, http.StatusNotFound)
	if d := e.doc(entitlements.OrgSubject(e.org)); d.Seats != 5 {
		t.Fatalf("refusals changed seats to %d", d.Seats)
	}
	var v SeatsView
	e.do("PUT", path, orgAdmin, map[string]any{"seats": 8}).Want(t, http.StatusOK).JSON(t, &v)
	if v.Seats.Allowed != 8 || v.Seats.Used != 4 {
		t.Errorf("seats %+v", v)
	}
	e.wantDelivered()
	if d := e.doc(entitlements.OrgSubject(e.org)); d.Seats != 8 {
		t.Errorf("entitlement seats %d", d.Seats)
	}
	last := e.stripe.Deliveries()[len(e.stripe.Deliveries())-1]
	if last.Type != evSubUpdated || !strings.Contains(string(last.Payload), `"quantity":8`) {
		t.Errorf("last webhook %s %s", last.Type, last.Payload)
	}
	var me MeView
	e.do("GET", "/v1/me", orgAdmin, nil).Want(t, http.StatusOK).JSON(t, &me)
	if me.Org == nil || !me.Org.CanManage || me.Org.Seats.Allowed != 8 || me.Org.Seats.Used != 4 || me.Org.Tier != auth.TierEnterprise {
		t.Errorf("me.org %+v", me.Org)
	}
	var inv InvoicesView
	e.do("GET", "/v1/invoices?scope=org&org_id="+e.org, orgAdmin, nil).Want(t, http.StatusOK).JSON(t, &inv)
	if len(inv.Invoices) != 1 || inv.Invoices[0].AmountPaid != 5*9900 {
		t.Errorf("org invoices %+v", inv)
	}
	e.do("GET", "/v1/invoices?scope=org&org_id="+e.org, orgFac, nil).Problem(t, http.StatusForbidden)
}

func signAt(body []byte, secret string, at time.Time) string { return stripeemu.Sign(body, secret, at) }

// serveSigned posts body with the Stripe-Signature header sig ("" none).
func serveSigned(t *testing.T, e *env, body []byte, sig string) apitest.Response {
	t.Helper()
	var opts []apitest.Option
	if sig != "" {
		opts = append(opts, apitest.Header("Stripe-Signature", sig))
	}
	return apitest.Serve(t, e.h, "POST", "/v1/webhooks/stripe", "", body, opts...)
}
