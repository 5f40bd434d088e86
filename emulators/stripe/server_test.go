package stripe_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	sg "github.com/stripe/stripe-go/v84"
	"github.com/stripe/stripe-go/v84/webhook"

	"pointsofyou.ai/studio/emulators/stripe"
	"pointsofyou.ai/studio/emulators/stripe/stripetest"
)

func client(base string) *sg.Client {
	return sg.NewClient("sk_test_emulator", sg.WithBackends(sg.NewBackendsWithConfig(&sg.BackendConfig{
		URL: sg.String(base), HTTPClient: http.DefaultClient, MaxNetworkRetries: sg.Int64(0),
		LeveledLogger: &sg.LeveledLogger{Level: sg.LevelNull},
	})))
}

// hook receives webhooks and verifies them as the billing function does.
type hook struct {
	mu     sync.Mutex
	events []sg.Event
	bad    int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	ev, err := webhook.ConstructEvent(b, r.Header.Get("Stripe-Signature"), stripetest.Secret)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.events = append(h.events, ev)
}

func (h *hook) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		out = append(out, string(e.Type))
	}
	return out
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func post(t *testing.T, url, form string) *http.Response {
	t.Helper()
	resp, err := noFollow.Post(url, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// A whole purchase: a plan, a customer, a checkout session with its
// page; paying makes the subscription and its invoice and sends the
// signed events Stripe sends, in Stripe's order; the portal switches,
// changes seats and cancels; a failed renewal is past_due. What the
// front does not keep goes to stripe-mock.
func TestPurchaseFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := &hook{}
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv := stripetest.Start(t, hs.URL)
	sc := client(srv.URL())

	if _, err := sc.V1Products.Create(ctx, &sg.ProductCreateParams{ID: sg.String("poy_ent"), Name: sg.String("Enterprise")}); err != nil {
		t.Fatal(err)
	}
	mk := func(key string, amount int64, perSeat string) *sg.Price {
		p, err := sc.V1Prices.Create(ctx, &sg.PriceCreateParams{Product: sg.String("poy_ent"), Currency: sg.String("usd"),
			UnitAmount: sg.Int64(amount), LookupKey: sg.String(key), Recurring: &sg.PriceCreateRecurringParams{Interval: sg.String("month")},
			Metadata: map[string]string{"per_seat": perSeat, "min_seats": "3"}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	price, yearly := mk("ent_monthly", 9900, "true"), mk("ent_other", 19900, "true")
	cus, err := sc.V1Customers.Create(ctx, &sg.CustomerCreateParams{Metadata: map[string]string{"subject": "org:o1"}})
	if err != nil {
		t.Fatal(err)
	}
	ses, err := sc.V1CheckoutSessions.Create(ctx, &sg.CheckoutSessionCreateParams{
		Mode: sg.String("subscription"), Customer: sg.String(cus.ID),
		LineItems:        []*sg.CheckoutSessionCreateLineItemParams{{Price: sg.String(price.ID), Quantity: sg.Int64(4)}},
		SuccessURL:       sg.String("http://app.test/back?s={CHECKOUT_SESSION_ID}"),
		CancelURL:        sg.String("http://app.test/back?cancel"),
		SubscriptionData: &sg.CheckoutSessionCreateSubscriptionDataParams{Metadata: map[string]string{"subject": "org:o1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ses.URL, srv.URL()+"/checkout/cs_test_") || ses.AmountTotal != 4*9900 {
		t.Fatalf("session %+v", ses)
	}
	resp, err := http.Get(ses.URL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Enterprise", "$99.00 / month", "× 4 seats", "$396.00", "Pay (test)", "Cancel"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("checkout page lacks %q", want)
		}
	}
	if r := post(t, ses.URL+"/pay", ""); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "http://app.test/back?s="+ses.ID {
		t.Fatalf("pay: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := post(t, ses.URL+"/pay", ""); r.StatusCode != http.StatusNotFound {
		t.Errorf("paid twice: %d", r.StatusCode)
	}
	want := []string{"customer.subscription.created", "checkout.session.completed", "invoice.paid"}
	if got := h.types(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v", got)
	}
	got, err := sc.V1CheckoutSessions.Retrieve(ctx, ses.ID, nil)
	if err != nil || got.Status != sg.CheckoutSessionStatusComplete || got.Subscription == nil {
		t.Fatalf("session after pay %+v %v", got, err)
	}
	sub, err := sc.V1Subscriptions.Retrieve(ctx, got.Subscription.ID, nil)
	if err != nil || sub.Status != sg.SubscriptionStatusActive || sub.Items.Data[0].Quantity != 4 || sub.Metadata["subject"] != "org:o1" ||
		sub.Items.Data[0].Price.LookupKey != "ent_monthly" {
		t.Fatalf("subscription %+v %v", sub, err)
	}
	var inv sg.Invoice
	if err := json.Unmarshal(h.events[2].Data.Raw, &inv); err != nil || inv.AmountPaid != 4*9900 ||
		inv.Parent.SubscriptionDetails.Subscription.ID != sub.ID {
		t.Fatalf("invoice %+v %v", inv, err)
	}

	portal, err := sc.V1BillingPortalSessions.Create(ctx, &sg.BillingPortalSessionCreateParams{Customer: sg.String(cus.ID), ReturnURL: sg.String("http://app.test/account")})
	if err != nil || !strings.HasPrefix(portal.URL, srv.URL()+"/portal/") {
		t.Fatalf("portal %+v %v", portal, err)
	}
	for _, step := range []struct{ action, form, event string }{
		{"seats", "quantity=6", "customer.subscription.updated"},
		{"switch", "price=" + yearly.ID, "invoice.paid"},
		{"cancel", "", "customer.subscription.deleted"},
	} {
		r := post(t, portal.URL+"/"+step.action, "subscription="+sub.ID+"&"+step.form)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "http://app.test/account" {
			t.Fatalf("%s: %d", step.action, r.StatusCode)
		}
		if ts := h.types(); ts[len(ts)-1] != step.event {
			t.Errorf("%s sent %v", step.action, ts)
		}
	}
	sub, _ = sc.V1Subscriptions.Retrieve(ctx, sub.ID, nil)
	if sub.Status != sg.SubscriptionStatusCanceled || sub.Items.Data[0].Quantity != 6 || sub.Items.Data[0].Price.ID != yearly.ID {
		t.Errorf("after the portal %+v", sub)
	}
	invs := 0
	for _, err := range sc.V1Invoices.List(ctx, &sg.InvoiceListParams{Customer: sg.String(cus.ID)}) {
		if err != nil {
			t.Fatal(err)
		}
		invs++
	}
	if invs != 2 {
		t.Errorf("%d invoices", invs)
	}

	// Proxied to stripe-mock: Stripe's fixtures.
	bal, err := sc.V1Balance.Retrieve(ctx, nil)
	if err != nil || bal.Object != "balance" {
		t.Errorf("balance from stripe-mock: %+v %v", bal, err)
	}
	if h.bad != 0 {
		t.Errorf("%d webhooks did not verify", h.bad)
	}
	if n := len(srv.Deliveries()); n != len(h.types()) {
		t.Errorf("deliveries %d, received %d", n, len(h.types()))
	}
}

func TestFailedRenewal(t *testing.T) {
	t.Parallel()
	h := &hook{}
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv, err := stripe.NewServer(stripe.Options{WebhookURL: hs.URL, WebhookSecret: stripetest.Secret})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sc := client(srv.URL())
	ctx := context.Background()
	if _, err := sc.V1Products.Create(ctx, &sg.ProductCreateParams{ID: sg.String("poy_pro"), Name: sg.String("Pro")}); err != nil {
		t.Fatal(err)
	}
	p, _ := sc.V1Prices.Create(ctx, &sg.PriceCreateParams{Product: sg.String("poy_pro"), Currency: sg.String("usd"), UnitAmount: sg.Int64(2900),
		LookupKey: sg.String("pro"), Recurring: &sg.PriceCreateRecurringParams{Interval: sg.String("year")}})
	cus, _ := sc.V1Customers.Create(ctx, &sg.CustomerCreateParams{})
	ses, err := sc.V1CheckoutSessions.Create(ctx, &sg.CheckoutSessionCreateParams{Mode: sg.String("subscription"), Customer: sg.String(cus.ID),
		LineItems: []*sg.CheckoutSessionCreateLineItemParams{{Price: sg.String(p.ID)}}, SuccessURL: sg.String("http://app.test/")})
	if err != nil {
		t.Fatal(err)
	}
	post(t, ses.URL+"/pay", "")
	got, _ := sc.V1CheckoutSessions.Retrieve(ctx, ses.ID, nil)
	resp, err := http.Post(srv.URL()+"/_admin/subscriptions/"+got.Subscription.ID+"/fail", "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fail: %v %v", resp, err)
	}
	resp.Body.Close()
	ts := h.types()
	if strings.Join(ts[len(ts)-2:], ",") != "invoice.payment_failed,customer.subscription.updated" {
		t.Errorf("events %v", ts)
	}
	sub, _ := sc.V1Subscriptions.Retrieve(ctx, got.Subscription.ID, nil)
	if sub.Status != sg.SubscriptionStatusPastDue || sub.Items.Data[0].CurrentPeriodEnd-sub.Items.Data[0].CurrentPeriodStart < 364*86400 {
		t.Errorf("subscription %+v", sub)
	}
	// Without stripe-mock, the rest of the API is 501.
	if _, err := sc.V1Balance.Retrieve(ctx, nil); err == nil {
		t.Error("balance without stripe-mock")
	}
}

// The API refuses what Stripe refuses, as Stripe does.
func TestRefusals(t *testing.T) {
	t.Parallel()
	srv, err := stripe.NewServer(stripe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sc := client(srv.URL())
	ctx := context.Background()
	var se *sg.Error
	if _, err := sc.V1Products.Retrieve(ctx, "nope", nil); !asStripe(err, &se) || se.Code != sg.ErrorCodeResourceMissing {
		t.Errorf("missing product: %v", err)
	}
	if _, err := sc.V1Prices.Create(ctx, &sg.PriceCreateParams{Product: sg.String("nope"), Currency: sg.String("usd"), UnitAmount: sg.Int64(1)}); err == nil {
		t.Error("price of a missing product")
	}
	sc.V1Products.Create(ctx, &sg.ProductCreateParams{ID: sg.String("p1"), Name: sg.String("P")})
	mk := func(transfer bool) error {
		_, err := sc.V1Prices.Create(ctx, &sg.PriceCreateParams{Product: sg.String("p1"), Currency: sg.String("usd"), UnitAmount: sg.Int64(1),
			LookupKey: sg.String("k"), TransferLookupKey: sg.Bool(transfer)})
		return err
	}
	if err := mk(false); err != nil {
		t.Fatal(err)
	}
	if err := mk(false); err == nil {
		t.Error("a lookup key taken without transfer_lookup_key")
	}
	if err := mk(true); err != nil {
		t.Errorf("transfer: %v", err)
	}
	if _, err := sc.V1CheckoutSessions.Create(ctx, &sg.CheckoutSessionCreateParams{Mode: sg.String("payment")}); err == nil {
		t.Error("a payment-mode checkout")
	}
	for _, path := range []string{"/checkout/cs_none", "/portal/bps_none"} {
		resp, err := http.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

func asStripe(err error, se **sg.Error) bool {
	e, ok := err.(*sg.Error)
	*se = e
	return ok
}

// Sign is Stripe's scheme: the official library verifies it, and only
// with the same secret and a fresh time.
func TestSign(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"evt_1","object":"event","api_version":"` + sg.APIVersion + `","type":"invoice.paid","data":{"object":{}}}`)
	if _, err := webhook.ConstructEvent(body, stripe.Sign(body, "whsec_a", time.Now()), "whsec_a"); err != nil {
		t.Errorf("own signature: %v", err)
	}
	if err := webhook.ValidatePayload(body, stripe.Sign(body, "whsec_a", time.Now()), "whsec_b"); err == nil {
		t.Error("verified with another secret")
	}
	if err := webhook.ValidatePayload(body, stripe.Sign(body, "whsec_a", time.Now().Add(-time.Hour)), "whsec_a"); err == nil {
		t.Error("verified an hour-old signature")
	}
}

// The binary tests build is the one go.mod pins.
func TestMockVersionIsGoMods(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "github.com/stripe/stripe-mock "+stripetest.MockVersion) {
		t.Errorf("go.mod does not require stripe-mock %s", stripetest.MockVersion)
	}
}
