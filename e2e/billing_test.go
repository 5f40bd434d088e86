package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/mail"
)

// TestBillingUpgradeThroughHosting: a free facilitator sees a professional
// card locked and the coach's 50 interactions; buys professional monthly
// through Hosting, pays on the local Stripe's checkout page (its signed
// webhooks reach the billing function), comes back to the app, and after
// the token refresh the app does on return sees the card and 500 coach
// interactions.
func TestBillingUpgradeThroughHosting(t *testing.T) {
	ctx := context.Background()
	admin := adminClient(t)
	fs, err := firestore.NewClient(ctx, env.Project())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	// A facilitator of an organisation without a plan: free.
	person := func(name, role string) string {
		email := fmt.Sprintf("%s-%d@billing.example", name, time.Now().UnixNano())
		if _, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(email).Password("billing-pass").EmailVerified(true)); err != nil {
			t.Fatal(err)
		}
		if r := call(t, "PUT", "/api/accounts/v1/me/profile", signIn(t, email, "billing-pass"), map[string]any{"display_name": name,
			"language": "en", "timezone": "Europe/Madrid", "role": role}, nil); r.StatusCode != 200 {
			t.Fatalf("%s profile: %d %s", name, r.StatusCode, body(r))
		}
		return email
	}
	founder, email := person("founder", "participant"), person("upgrader", "participant")
	var org struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/accounts/v1/orgs", signIn(t, founder, "billing-pass"), map[string]any{"name": "Billing Org", "type": "healthcare"}, &org); r.StatusCode != 201 {
		t.Fatalf("create org: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+org.ID+"/invitations", signIn(t, founder, "billing-pass"),
		map[string]any{"email": email, "role": "facilitator"}, nil); r.StatusCode != 202 {
		t.Fatalf("invite: %d %s", r.StatusCode, body(r))
	}
	msgs, err := mail.List(ctx, fs, email)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("invitation mail: %v %v", msgs, err)
	}
	code := inviteCode.FindStringSubmatch(msgs[0].Text)
	if code == nil {
		t.Fatal("no invitation code in the mail")
	}
	if r := call(t, "POST", "/api/accounts/v1/invitations/accept", signIn(t, email, "billing-pass"), map[string]any{"token": code[1]}, nil); r.StatusCode != 200 {
		t.Fatalf("accept: %d %s", r.StatusCode, body(r))
	}
	tok := signIn(t, email, "billing-pass")
	if u, _ := admin.GetUserByEmail(ctx, email); u == nil || u.CustomClaims["tier"] != "free" || u.CustomClaims["role"] != "facilitator" {
		t.Fatalf("claims before %v", u)
	}

	const card = "/api/content/v1/items/tw-photo-24" // a professional photo card
	var item contentView
	if r := call(t, "GET", card, tok, nil, &item); r.StatusCode != 200 || !item.Locked {
		t.Fatalf("before: %d %+v", r.StatusCode, item)
	}
	coachLimit := func(tok string) int {
		var cfg struct {
			Credits struct {
				Limit int `json:"limit"`
			} `json:"credits"`
		}
		if r := call(t, "GET", "/api/coach/v1/config", tok, nil, &cfg); r.StatusCode != 200 {
			t.Fatalf("coach config: %d %s", r.StatusCode, body(r))
		}
		return cfg.Credits.Limit
	}
	if got := coachLimit(tok); got != 50 {
		t.Fatalf("coach allowance before: %d", got)
	}

	var plans struct {
		Plans []struct {
			LookupKey string `json:"lookup_key"`
			Amount    int64  `json:"amount"`
		} `json:"plans"`
	}
	if r := call(t, "GET", "/api/billing/v1/plans", "", nil, &plans); r.StatusCode != 200 || len(plans.Plans) != 6 {
		t.Fatalf("plans: %d %+v", r.StatusCode, plans)
	}
	var co struct {
		URL string `json:"url"`
	}
	if r := call(t, "POST", "/api/billing/v1/checkout", tok, map[string]any{"lookup_key": "professional_monthly", "scope": "personal",
		"return_path": "/library"}, &co); r.StatusCode != 200 || !strings.HasPrefix(co.URL, env.Stripe.URL()+"/checkout/") {
		t.Fatalf("checkout: %d %+v", r.StatusCode, co)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := noFollow.Get(co.URL)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(html), "$29.00") || !strings.Contains(string(html), "Pay (test)") {
		t.Fatalf("checkout page: %s", html)
	}
	paid, err := noFollow.Post(co.URL+"/pay", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	paid.Body.Close()
	if back := paid.Header.Get("Location"); paid.StatusCode != http.StatusSeeOther || !strings.HasPrefix(back, env.Hosting.URL()+"/library?checkout=success") {
		t.Fatalf("pay: %d back to %q", paid.StatusCode, back)
	}
	for _, d := range env.Stripe.Deliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("webhook %s answered %d", d.Type, d.Status)
		}
	}

	tok = signIn(t, email, "billing-pass") // the token refresh on return
	if r := call(t, "GET", card, tok, nil, &item); r.StatusCode != 200 || item.Locked || item.Title == "" {
		t.Fatalf("after: %d %+v", r.StatusCode, item)
	}
	if got := coachLimit(tok); got != 500 {
		t.Errorf("coach allowance after: %d", got)
	}
	var me struct {
		Tier  string `json:"tier"`
		Usage struct {
			AIInteractions struct {
				Allowed int `json:"allowed"`
			} `json:"ai_interactions"`
		} `json:"usage"`
	}
	if r := call(t, "GET", "/api/billing/v1/me", tok, nil, &me); r.StatusCode != 200 || me.Tier != "professional" || me.Usage.AIInteractions.Allowed != 500 {
		t.Errorf("billing me: %d %+v", r.StatusCode, me)
	}
}
