package entitlements_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/entitlements"
)

const project = "demo-entitlements"

// One auth and one Firestore emulator serve the package (the Admin SDK
// reads FIREBASE_AUTH_EMULATOR_HOST from the environment only); tests keep
// apart by their own users and organisations.
var (
	fsClient *firestore.Client
	admin    *fbauth.Client
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
	suite, err := apitest.StartSuite(context.Background(), project, fsemu.Options{})
	if err != nil {
		return 0, err
	}
	defer suite.Close()
	fsClient, admin = suite.Firestore, suite.Admin
	return m.Run(), nil
}

// spy is the Admin SDK on the auth emulator, counting revocations.
type spy struct {
	*fbauth.Client
	revoked sync.Map // uid → count
}

func (s *spy) RevokeRefreshTokens(ctx context.Context, uid string) error {
	n, _ := s.revoked.LoadOrStore(uid, new(atomic.Int32))
	n.(*atomic.Int32).Add(1)
	return s.Client.RevokeRefreshTokens(ctx, uid)
}

func (s *spy) revocations(uid string) int32 {
	n, ok := s.revoked.Load(uid)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

var seq atomic.Int64

// person makes an Auth user with a profile of role in org ("" for none),
// their stored tier and claims free.
func person(t *testing.T, role, org string) string {
	t.Helper()
	ctx := context.Background()
	u, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(fmt.Sprintf("p%d.%d@example.org", seq.Add(1), time.Now().UnixNano()%1e6)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fsClient.Doc("users/"+u.UID).Set(ctx, map[string]any{"role": role, "tier": "free", "org": org}); err != nil {
		t.Fatal(err)
	}
	if org != "" {
		if _, err := fsClient.Doc("orgs/"+org+"/members/"+u.UID).Set(ctx, map[string]any{"uid": u.UID, "role": role}); err != nil {
			t.Fatal(err)
		}
	}
	claims := map[string]any{"role": role, "tier": "free", auth.ClaimPlatformOperator: true}
	if org != "" {
		claims["org"] = org
	}
	if err := admin.SetCustomUserClaims(ctx, u.UID, claims); err != nil {
		t.Fatal(err)
	}
	return u.UID
}

func grant(t *testing.T, subject string, d entitlements.Doc) {
	t.Helper()
	if _, err := fsClient.Collection("entitlements").Doc(subject).Set(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

func claimsOf(t *testing.T, uid string) map[string]any {
	t.Helper()
	u, err := admin.GetUser(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	return u.CustomClaims
}

func storedTier(t *testing.T, uid string) string {
	t.Helper()
	snap, err := fsClient.Doc("users/" + uid).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := snap.DataAt("tier")
	s, _ := v.(string)
	return s
}

func TestRecomputeUpThenDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	sp := &spy{Client: admin}
	s := entitlements.New(fsClient, sp, now)
	uid := person(t, "facilitator", "")

	// No entitlement: nothing changes.
	if changed, err := s.Recompute(ctx, uid); err != nil || changed {
		t.Fatalf("Recompute without entitlement = %v, %v", changed, err)
	}
	// Up: profile and claims follow, no revocation; the operator claim stays.
	grace := clock.Add(entitlements.GracePeriod)
	grant(t, entitlements.UserSubject(uid), entitlements.Doc{Tier: "professional", Source: "billing", Status: entitlements.StatusActive, UpdatedAt: clock})
	if changed, err := s.Recompute(ctx, uid); err != nil || !changed {
		t.Fatalf("Recompute up = %v, %v", changed, err)
	}
	if c := claimsOf(t, uid); c["tier"] != "professional" || c["role"] != "facilitator" || c[auth.ClaimPlatformOperator] != true || storedTier(t, uid) != "professional" {
		t.Fatalf("after up: claims %v, stored %s", c, storedTier(t, uid))
	}
	if n := sp.revocations(uid); n != 0 {
		t.Fatalf("up revoked %d times", n)
	}
	// Again: nothing to do.
	if changed, err := s.Recompute(ctx, uid); err != nil || changed {
		t.Fatalf("Recompute again = %v, %v", changed, err)
	}
	// A failed payment keeps the tier through the grace period…
	grant(t, entitlements.UserSubject(uid), entitlements.Doc{Tier: "professional", Source: "billing", Status: entitlements.StatusPastDue, GraceUntil: &grace, UpdatedAt: clock})
	clock = grace.Add(-time.Minute)
	if changed, err := s.Recompute(ctx, uid); err != nil || changed {
		t.Fatalf("Recompute in grace = %v, %v", changed, err)
	}
	// …then down: claims follow and the refresh tokens are revoked.
	clock = grace
	if changed, err := s.Recompute(ctx, uid); err != nil || !changed {
		t.Fatalf("Recompute down = %v, %v", changed, err)
	}
	if c := claimsOf(t, uid); c["tier"] != "free" || storedTier(t, uid) != "free" {
		t.Fatalf("after down: claims %v, stored %s", c, storedTier(t, uid))
	}
	if n := sp.revocations(uid); n != 1 {
		t.Fatalf("down revoked %d times, want 1", n)
	}
	rec, err := admin.GetUser(ctx, uid)
	if err != nil || rec.TokensValidAfterMillis == 0 {
		t.Fatalf("tokens valid after = %v, %v", rec, err)
	}
}

// Claims that a failed run left behind are set by the next one.
func TestRecomputeHealsClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sp := &spy{Client: admin}
	s := entitlements.New(fsClient, sp, nil)
	uid := person(t, "participant", "")
	if err := admin.SetCustomUserClaims(ctx, uid, map[string]any{"role": "participant", "tier": "professional"}); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.Recompute(ctx, uid); err != nil || !changed {
		t.Fatalf("Recompute = %v, %v", changed, err)
	}
	if c := claimsOf(t, uid); c["tier"] != "free" || sp.revocations(uid) != 1 {
		t.Fatalf("claims %v, revocations %d", c, sp.revocations(uid))
	}
	if changed, err := s.Recompute(ctx, "no-such-user"); err != nil || changed {
		t.Fatalf("Recompute of nobody = %v, %v", changed, err)
	}
}

func TestRecomputeOrg(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sp := &spy{Client: admin}
	s := entitlements.New(fsClient, sp, nil)
	org := fmt.Sprintf("org-recompute-%d", seq.Add(1))
	admUID := person(t, "org_admin", org)
	facUID := person(t, "facilitator", org)
	partUID := person(t, "participant", org)
	// A member whose active organisation is another one is left alone.
	away := person(t, "facilitator", "elsewhere")
	if _, err := fsClient.Doc("orgs/"+org+"/members/"+away).Set(ctx, map[string]any{"uid": away, "role": "facilitator"}); err != nil {
		t.Fatal(err)
	}
	grant(t, entitlements.OrgSubject(org), entitlements.Doc{Tier: "enterprise", Source: "operator"})
	n, err := s.RecomputeOrg(ctx, org)
	if err != nil || n != 3 {
		t.Fatalf("RecomputeOrg = %d, %v", n, err)
	}
	for uid, want := range map[string]string{admUID: "enterprise", facUID: "enterprise", partUID: "professional", away: "free"} {
		if c := claimsOf(t, uid); c["tier"] != want {
			t.Errorf("%s: claims %v, want tier %s", uid, c, want)
		}
	}
	if tier, err := s.OrgTier(ctx, nil, org); err != nil || tier != "enterprise" {
		t.Fatalf("OrgTier = %s, %v", tier, err)
	}
	// Canceled: everyone back to free, tokens revoked.
	grant(t, entitlements.OrgSubject(org), entitlements.Doc{Tier: "enterprise", Source: "billing", Status: entitlements.StatusCanceled})
	if n, err := s.RecomputeOrg(ctx, org); err != nil || n != 3 {
		t.Fatalf("RecomputeOrg after cancel = %d, %v", n, err)
	}
	for _, uid := range []string{admUID, facUID, partUID} {
		if c := claimsOf(t, uid); c["tier"] != "free" || sp.revocations(uid) != 1 {
			t.Errorf("%s: claims %v, revocations %d", uid, c, sp.revocations(uid))
		}
	}
}

func TestGrantAndRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := entitlements.New(fsClient, nil, nil)
	subject := entitlements.UserSubject(fmt.Sprintf("grant-%d", seq.Add(1)))
	if d, err := s.Read(ctx, nil, subject); err != nil || d != nil {
		t.Fatalf("Read of none = %v, %v", d, err)
	}
	if err := s.Grant(ctx, subject, "official", "op"); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Read(ctx, nil, subject); err != nil || d.Tier != "official" || d.Source != "operator" || d.Status != "active" {
		t.Fatalf("Read = %+v, %v", d, err)
	}
	if err := s.Grant(ctx, subject, "free", "op"); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Read(ctx, nil, subject); err != nil || d != nil {
		t.Fatalf("Read after free = %+v, %v", d, err)
	}
	// A billing doc keeps its subscription when an operator sets free.
	grant(t, subject, entitlements.Doc{Tier: "professional", Source: "billing", Subscription: "sub_1", Status: "past_due"})
	if err := s.Grant(ctx, subject, "free", "op"); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Read(ctx, nil, subject); err != nil || d.Tier != "free" || d.Subscription != "sub_1" {
		t.Fatalf("Read after free over billing = %+v, %v", d, err)
	}
	if _, err := s.Recompute(ctx, "x"); err == nil {
		t.Fatal("Recompute without an auth client succeeded")
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 12, 15, 10, 0, 0, 0, time.UTC)
	s := entitlements.New(fsClient, nil, nil)
	uid := fmt.Sprintf("usage-%d", seq.Add(1))
	u, err := s.Usage(ctx, uid, "free", now)
	if err != nil || u.Month != "2026-12" || u.AIInteractions != entitlements.NewMeter(0, 50) || u.ContentUses != entitlements.NewMeter(0, 100) {
		t.Fatalf("empty usage = %+v, %v", u, err)
	}
	for path, v := range map[string]map[string]any{
		"users/" + uid + "/ai_credits/2026-12":           {"used": 40},
		"users/" + uid + "/content_usage_months/2026-12": {"count": 12},
		"users/" + uid + "/content_usage_months/2026-11": {"count": 99},
	} {
		if _, err := fsClient.Doc(path).Set(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	u, err = s.Usage(ctx, uid, "free", now)
	if err != nil || u.AIInteractions != (entitlements.Meter{Used: 40, Allowed: 50, Warning: true}) ||
		u.ContentUses != (entitlements.Meter{Used: 12, Allowed: 100}) || !u.ResetsAt.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("usage = %+v, %v", u, err)
	}
	if u, _ = s.Usage(ctx, uid, "professional", now); u.AIInteractions.Allowed != 500 || u.AIInteractions.Warning {
		t.Fatalf("professional usage = %+v", u)
	}
}

// 20 people race for the last seat of a 5-seat plan: exactly one gets it
// and the counter names the holders.
func TestTakeSeatConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := entitlements.New(fsClient, nil, nil)
	org := fmt.Sprintf("org-seats-%d", seq.Add(1))
	grant(t, entitlements.OrgSubject(org), entitlements.Doc{Tier: "enterprise", Source: "billing", Status: "active", Seats: 5})
	// Four staff members before the counter existed, and a participant.
	for i, role := range []string{"org_admin", "facilitator", "educator", "facilitator", "participant"} {
		if _, err := fsClient.Doc(fmt.Sprintf("orgs/%s/members/m%d", org, i)).Set(ctx, map[string]any{"role": role}); err != nil {
			t.Fatal(err)
		}
	}
	if st, err := s.OrgSeats(ctx, nil, org); err != nil || st != (entitlements.Seats{Allowed: 5, Used: 4}) {
		t.Fatalf("OrgSeats = %+v, %v", st, err)
	}
	var ok, full atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			err := fsClient.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
				return s.TakeSeat(tx, org, fmt.Sprintf("new%d", i))
			})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, entitlements.ErrNoSeat):
				full.Add(1)
			default:
				t.Errorf("TakeSeat: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || full.Load() != 19 {
		t.Fatalf("%d seats taken, %d refused; want 1 and 19", ok.Load(), full.Load())
	}
	if st, err := s.OrgSeats(ctx, nil, org); err != nil || st != (entitlements.Seats{Allowed: 5, Used: 5}) {
		t.Fatalf("OrgSeats after = %+v, %v", st, err)
	}
	// Taking a held seat is a no-op; releasing frees one.
	seat := func(f func(*firestore.Transaction) error) error {
		return fsClient.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error { return f(tx) })
	}
	if err := seat(func(tx *firestore.Transaction) error { return s.TakeSeat(tx, org, "m1") }); err != nil {
		t.Fatalf("TakeSeat of a holder: %v", err)
	}
	if err := seat(func(tx *firestore.Transaction) error { return s.ReleaseSeat(tx, org, "m1") }); err != nil {
		t.Fatal(err)
	}
	if err := seat(func(tx *firestore.Transaction) error { return s.ReleaseSeat(tx, org, "nobody") }); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.OrgSeats(ctx, nil, org); st.Used != 4 {
		t.Fatalf("after release: %+v", st)
	}
	// Holders without a membership are mended by a recount: the race's
	// winner has no member document here and m1's is deleted, which leaves
	// m0, m2 and m3.
	if _, err := fsClient.Doc("orgs/" + org + "/members/m1").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := s.RecountSeats(ctx, org); err != nil || st != (entitlements.Seats{Allowed: 5, Used: 3}) {
		t.Fatalf("RecountSeats = %+v, %v", st, err)
	}
	if st, _ := s.OrgSeats(ctx, nil, org); st.Used != 3 {
		t.Fatalf("after recount: %+v", st)
	}
}
