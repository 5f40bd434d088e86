package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	stripeemu "pointsofyou.ai/studio/emulators/stripe"
	"pointsofyou.ai/studio/emulators/stripe/stripetest"
	"pointsofyou.ai/studio/infra"
	plans "pointsofyou.ai/studio/infra/billing"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
)

const project = "demo-billing"

// One auth and one Firestore emulator serve the package (the Admin SDK
// reads FIREBASE_AUTH_EMULATOR_HOST from the environment only); each test
// registers its own people and organisation under a suffix, and runs its
// own local Stripe (with stripe-mock) whose webhooks reach its own handler.
var (
	fsClient *firestore.Client
	admin    *fbauth.Client
	authAddr string
	suffixes atomic.Int64
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	idx, err := fsemu.ParseIndexConfig(infra.FirestoreIndexes())
	if err != nil {
		return 0, err
	}
	suite, err := apitest.StartSuite(context.Background(), project, fsemu.Options{Indexes: idx, IndexProjects: []string{project}})
	if err != nil {
		return 0, err
	}
	defer suite.Close()
	fsClient, admin, authAddr = suite.Firestore, suite.Admin, suite.Auth.Addr
	return m.Run(), nil
}

// Keys of the people each env registers.
const (
	freeFac  = "free-fac"  // a facilitator on the free tier, in no organisation
	orgAdmin = "org-admin" // org_admin of the env's organisation
	orgFac   = "org-fac"   // a facilitator there
	orgPart  = "org-part"  // a participant there
	stranger = "stranger"  // admin of another organisation
	operator = "operator"  // a platform operator
)

var people = apitest.Users{
	freeFac:  {UID: "u-free", Email: "free@none.test", EmailVerified: true, Role: auth.RoleFacilitator, Tier: auth.TierFree},
	orgAdmin: {UID: "u-admin", Email: "admin@org.test", EmailVerified: true, Org: "org-x", Role: auth.RoleOrgAdmin, Tier: auth.TierFree},
	orgFac:   {UID: "u-fac", Email: "fac@org.test", EmailVerified: true, Org: "org-x", Role: auth.RoleFacilitator, Tier: auth.TierFree},
	orgPart:  {UID: "u-part", Email: "part@org.test", EmailVerified: true, Org: "org-x", Role: auth.RoleParticipant, Tier: auth.TierFree},
	stranger: {UID: "u-other", Email: "other@y.test", EmailVerified: true, Org: "org-y", Role: auth.RoleOrgAdmin, Tier: auth.TierFree},
	operator: {UID: "u-op", Email: "op@platform.test", EmailVerified: true, Role: auth.RoleFacilitator, PlatformOperator: true},
}

// clock is a settable fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one test's world: its people (registered in the Auth emulator,
// with profiles and memberships), its local Stripe with the plans synced,
// and the billing handler as Stripe's webhook endpoint.
type env struct {
	t      *testing.T
	users  apitest.Users
	org    string
	clock  *clock
	stripe *stripeemu.Server
	events *apitest.Events
	store  *entitlements.Store
	deps   Deps
	h      http.Handler
	srv    *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	suffix := fmt.Sprintf("t%d", suffixes.Add(1))
	e := &env{t: t, clock: &clock{now: time.Now().UTC().Truncate(time.Second)}}
	e.users = people.Register(t, admin, fsClient, suffix)
	e.org = e.users[orgAdmin].Org
	for _, p := range e.users {
		if _, err := fsClient.Doc("users/"+p.UID).Set(ctx, map[string]any{"role": p.Role, "tier": p.Tier, "org": p.Org}); err != nil {
			t.Fatal(err)
		}
	}
	e.stripe = stripetest.Start(t, "")
	sc := NewStripe(e.stripe.URL(), "sk_test_billing")
	if _, err := plans.Sync(ctx, sc, plans.MustLoad()); err != nil {
		t.Fatal(err)
	}
	e.events = apitest.NewEvents(t, apitest.EventsOptions{})
	e.store = entitlements.New(fsClient, admin, e.clock.Now)
	e.deps = Deps{
		Verifier: e.users.Verifier(), Firestore: fsClient, Outbox: e.events.Outbox(fsClient),
		Members: authz.NewFirestoreStore(fsClient), Entitlements: e.store, Stripe: sc,
		WebhookSecret: stripetest.Secret, PublicURL: "http://app.test", Now: e.clock.Now,
	}
	h, err := New(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	e.stripe.SetWebhook(e.srv.URL + "/v1/webhooks/stripe")
	return e
}

func (e *env) uid(key string) string { return e.users[key].UID }

// do calls the API as the person of key ("" anonymous).
func (e *env) do(method, path, key string, body any) apitest.Response {
	e.t.Helper()
	return apitest.Serve(e.t, e.h, method, path, key, body)
}

// browser follows nothing: the pages' redirects are what is checked.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// pay opens the checkout page of url and pays; it returns the redirect.
func (e *env) pay(url string) string {
	e.t.Helper()
	resp, err := browser.Get(url)
	if err != nil {
		e.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Pay (test)") {
		e.t.Fatalf("checkout page %d: %s", resp.StatusCode, page)
	}
	return e.submit(url+"/pay", "")
}

// submit posts a page's form and returns where it redirects.
func (e *env) submit(url, form string) string {
	e.t.Helper()
	resp, err := browser.Post(url, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// checkout buys lookupKey for the person of key (scope personal, or the
// env's organisation with seats) and pays; every webhook must be taken.
func (e *env) checkout(key, lookupKey string, seats int) {
	e.t.Helper()
	body := map[string]any{"lookup_key": lookupKey, "scope": "personal"}
	if seats > 0 {
		body = map[string]any{"lookup_key": lookupKey, "scope": "org", "org_id": e.org, "seats": seats}
	}
	var u URLView
	e.do("POST", "/v1/checkout", key, body).Want(e.t, http.StatusOK).JSON(e.t, &u)
	back := e.pay(u.URL)
	if !strings.HasPrefix(back, "http://app.test/account/billing?checkout=success&session_id=cs_test_") {
		e.t.Fatalf("back to %s", back)
	}
	e.wantDelivered()
}

// wantDelivered fails unless every webhook so far was answered 200.
func (e *env) wantDelivered() {
	e.t.Helper()
	for _, d := range e.stripe.Deliveries() {
		if d.Status != http.StatusOK {
			e.t.Fatalf("%s %s answered %d", d.Type, d.ID, d.Status)
		}
	}
}

// doc reads entitlements/{subject}.
func (e *env) doc(subject string) *entitlements.Doc {
	e.t.Helper()
	d, err := e.store.Read(context.Background(), nil, subject)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// claimTier is the person's tier claim in the Auth emulator.
func (e *env) claimTier(key string) string {
	e.t.Helper()
	u, err := admin.GetUser(context.Background(), e.uid(key))
	if err != nil {
		e.t.Fatal(err)
	}
	s, _ := u.CustomClaims["tier"].(string)
	return s
}

// profileTier is users/{uid}.tier.
func (e *env) profileTier(key string) string {
	e.t.Helper()
	snap, err := fsClient.Doc("users/" + e.uid(key)).Get(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	v, _ := snap.DataAt("tier")
	s, _ := v.(string)
	return s
}

// send posts a body to the webhook signed with secret.
func (e *env) send(body []byte, secret string) apitest.Response {
	e.t.Helper()
	return apitest.Serve(e.t, e.h, "POST", "/v1/webhooks/stripe", "", body,
		apitest.Header("Stripe-Signature", stripeemu.Sign(body, secret, time.Now())))
}

// delivery returns the first delivered event of typ.
func (e *env) delivery(typ string) stripeemu.Event {
	e.t.Helper()
	for _, d := range e.stripe.Deliveries() {
		if d.Type == typ {
			return d
		}
	}
	e.t.Fatalf("no %s delivered", typ)
	return stripeemu.Event{}
}

// createdAt is the event's created time.
func createdOf(t *testing.T, payload []byte) int64 {
	t.Helper()
	var ev struct {
		Created int64 `json:"created"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Created
}
