package billing

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v84"

	emu "pointsofyou.ai/studio/emulators/stripe"
	"pointsofyou.ai/studio/emulators/stripe/stripetest"
)

func client(url string) *stripe.Client {
	return stripe.NewClient("sk_test_local", stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL: stripe.String(url), HTTPClient: http.DefaultClient, MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	})))
}

func TestPlansParse(t *testing.T) {
	t.Parallel()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		tier     string
		amount   int64
		perSeat  bool
		min      int
		eligible bool
	}{
		"professional_monthly": {"professional", 2900, false, 1, false},
		"professional_yearly":  {"professional", 29000, false, 1, false},
		"enterprise_monthly":   {"enterprise", 9900, true, 3, false},
		"enterprise_yearly":    {"enterprise", 99000, true, 3, false},
		"official_monthly":     {"official", 19900, false, 1, true},
		"official_yearly":      {"official", 199000, false, 1, true},
	}
	if len(c.Plans) != len(want) {
		t.Fatalf("%d plans, want %d", len(c.Plans), len(want))
	}
	for _, p := range c.Plans {
		w, ok := want[p.LookupKey]
		if !ok || p.Tier != w.tier || p.Amount != w.amount || p.PerSeat != w.perSeat || p.MinSeats != w.min || p.EligibleOnly != w.eligible || p.Currency != "usd" {
			t.Errorf("plan %+v, want %+v", p, w)
		}
	}
}

func TestPlansParseRefuses(t *testing.T) {
	t.Parallel()
	base := "currency: usd\nproducts:\n  - {id: poy_pro, tier: professional, name: Pro}\nplans:\n"
	for name, yaml := range map[string]string{
		"unknown tier":    "currency: usd\nproducts:\n  - {id: poy_x, tier: gold, name: X}\nplans:\n  - {lookup_key: x_monthly, product: poy_x, interval: month, amount: 1}\n",
		"unknown product": base + "  - {lookup_key: pro_monthly, product: poy_nope, interval: month, amount: 1}\n",
		"bad interval":    base + "  - {lookup_key: pro_weekly, product: poy_pro, interval: week, amount: 1}\n",
		"zero amount":     base + "  - {lookup_key: pro_monthly, product: poy_pro, interval: month, amount: 0}\n",
		"duplicate key":   base + "  - {lookup_key: pro_monthly, product: poy_pro, interval: month, amount: 1}\n  - {lookup_key: pro_monthly, product: poy_pro, interval: year, amount: 2}\n",
		"seats unseated":  base + "  - {lookup_key: pro_monthly, product: poy_pro, interval: month, amount: 1, min_seats: 3}\n",
		"no plans":        base,
		"bad currency":    strings.Replace(base, "usd", "xyz", 1) + "  - {lookup_key: pro_monthly, product: poy_pro, interval: month, amount: 1}\n",
		"not yaml":        "{",
	} {
		if _, err := Parse([]byte(yaml)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// A first sync creates everything; a second changes nothing and only
// reads; a changed amount makes a new price that takes the lookup key
// over and retires the old one. The local Stripe keeps products and
// prices (stripe-mock keeps nothing) and records the requests.
func TestSyncIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := emu.NewServer(emu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sc := client(srv.URL())
	c := MustLoad()

	r, err := Sync(ctx, sc, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.ProductsCreated != 3 || r.PricesCreated != 6 || r.ProductsUpdated+r.PricesUpdated+r.PricesRetired != 0 {
		t.Fatalf("first sync %+v", r)
	}
	before := len(requests(t, srv))
	r, err = Sync(ctx, sc, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changed() {
		t.Fatalf("second sync changed %+v", r)
	}
	for _, req := range requests(t, srv)[before:] {
		if !strings.HasPrefix(req, "GET ") {
			t.Errorf("second sync wrote: %s", req)
		}
	}

	old, err := FindPrice(ctx, sc, "professional_monthly")
	if err != nil || old == nil {
		t.Fatal(old, err)
	}
	changed := *c
	changed.Plans = slices.Clone(c.Plans)
	for i := range changed.Plans {
		if changed.Plans[i].LookupKey == "professional_monthly" {
			changed.Plans[i].Amount = 3100
		}
	}
	r, err = Sync(ctx, sc, &changed)
	if err != nil {
		t.Fatal(err)
	}
	if r.PricesCreated != 1 || r.PricesRetired != 1 || r.ProductsCreated+r.ProductsUpdated+r.PricesUpdated != 0 {
		t.Fatalf("amount change %+v", r)
	}
	cur, err := FindPrice(ctx, sc, "professional_monthly")
	if err != nil || cur == nil || cur.ID == old.ID || cur.UnitAmount != 3100 || !cur.Active {
		t.Fatalf("lookup key holds %+v (old %s)", cur, old.ID)
	}
	was, err := sc.V1Prices.Retrieve(ctx, old.ID, nil)
	if err != nil || was.Active || was.LookupKey != "" {
		t.Fatalf("old price %+v, %v", was, err)
	}
	if r, _ := Sync(ctx, sc, &changed); r.Changed() {
		t.Fatalf("third sync changed %+v", r)
	}
}

func requests(t *testing.T, srv *emu.Server) []string {
	t.Helper()
	var out []string
	resp, err := http.Get(srv.URL() + "/_admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := jsonDecode(resp, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Against stripe-mock itself (fixtures, no state): every request the sync
// makes has a shape Stripe's OpenAPI accepts.
func TestSyncAgainstStripeMock(t *testing.T) {
	t.Parallel()
	srv := stripetest.Start(t, "")
	sc := client("http://" + srv.MockAddr)
	if _, err := Sync(context.Background(), sc, MustLoad()); err != nil {
		t.Fatal(err)
	}
}
