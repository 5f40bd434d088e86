package accounts

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// roomyHandler is newHandler with rate limits that a test inviting many
// people at once does not reach.
func roomyHandler(t *testing.T) http.Handler {
	t.Helper()
	lim := ratelimit.Limit{Rate: 1000, Burst: 10000}
	h, err := New(Deps{Verifier: verifier, Firestore: fsClient, Admin: admin, Mail: mail.NewOutbox(fsClient, nil),
		Resolver: dnsRecords, LinkBase: testLinkBase, Limits: Limits{PerUser: lim, PerIP: lim}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// plan gives org an enterprise plan of seats.
func plan(t *testing.T, org string, seats int) {
	t.Helper()
	if _, err := fsClient.Collection("entitlements").Doc(entitlements.OrgSubject(org)).Set(context.Background(), entitlements.Doc{
		Tier: entitlements.TierEnterprise, Source: entitlements.SourceBilling, Status: entitlements.StatusActive, Seats: seats, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// checkSeats asserts the counter names exactly the staff members.
func checkSeats(t *testing.T, org string, want int) {
	t.Helper()
	ctx := context.Background()
	snap, err := fsClient.Doc("orgs/" + org + "/billing/seats").Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sd struct {
		Holders []string `firestore:"holders"`
		Used    int      `firestore:"used"`
	}
	if err := snap.DataTo(&sd); err != nil {
		t.Fatal(err)
	}
	staff, err := fsClient.Collection("orgs/"+org+"/members").Where("role", "in", authz.Staff).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, s := range staff {
		uids = append(uids, s.Ref.ID)
	}
	slices.Sort(uids)
	if sd.Used != want || len(sd.Holders) != want || !slices.Equal(sd.Holders, uids) {
		t.Fatalf("seats: used %d, holders %v; staff members %v; want %d", sd.Used, sd.Holders, uids, want)
	}
}

func wantNoSeat(t *testing.T, r apitest.Response, seats int) {
	t.Helper()
	p := r.Problem(t, 409)
	if p.Type != httpapi.ProblemBase+"no-seat" || p.Detail != fmt.Sprintf("all %d seats of the plan are taken", seats) {
		t.Fatalf("problem %+v", p)
	}
}

// 20 people accept their invitations at once into an organisation with 5
// seats of which 4 are taken: exactly one gets in, the others are told
// the plan is full, and the counter equals the staff members.
func TestSeatsUnderConcurrentInvitations(t *testing.T) {
	t.Parallel()
	h := roomyHandler(t)
	org, _, adminTok := withOrg(t, h)
	for range 3 {
		_, email, tok := registered(t, h, "example.org", auth.RoleFacilitator)
		apitest.Serve(t, h, "POST", "/v1/invitations/accept", tok, map[string]any{"token": inviteToken(t, h, org, adminTok, email, auth.RoleFacilitator)}).Want(t, 200)
	}
	plan(t, org, 5)
	checkSeats(t, org, 4)

	type invitee struct{ tok, inv string }
	var people []invitee
	for range 20 {
		_, email, tok := registered(t, h, "example.org", auth.RoleFacilitator)
		people = append(people, invitee{tok, inviteToken(t, h, org, adminTok, email, auth.RoleEducator)})
	}
	codes := make([]apitest.Response, len(people))
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Go(func() {
			codes[i] = apitest.Serve(t, h, "POST", "/v1/invitations/accept", p.tok, map[string]any{"token": p.inv})
		})
	}
	wg.Wait()
	ok := 0
	for _, r := range codes {
		if r.Code == 200 {
			ok++
			continue
		}
		wantNoSeat(t, r, 5)
	}
	if ok != 1 {
		t.Fatalf("%d acceptances succeeded, want 1", ok)
	}
	checkSeats(t, org, 5)
}

// Role changes across the staff line take and free seats; participants
// (and the join code, which makes participants) need none.
func TestSeatsFollowRoleChanges(t *testing.T) {
	t.Parallel()
	h := roomyHandler(t)
	org, _, adminTok := withOrg(t, h)
	facUID, facEmail, facTok := registered(t, h, "example.org", auth.RoleFacilitator)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", facTok, map[string]any{"token": inviteToken(t, h, org, adminTok, facEmail, auth.RoleFacilitator)}).Want(t, 200)
	partUID, partEmail, partTok := registered(t, h, "example.org", auth.RoleParticipant)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", partTok, map[string]any{"token": inviteToken(t, h, org, adminTok, partEmail, auth.RoleParticipant)}).Want(t, 200)
	plan(t, org, 2)
	checkSeats(t, org, 2)

	// Full: a participant cannot become staff, and nothing is written.
	wantNoSeat(t, apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+partUID, adminTok, map[string]any{"role": auth.RoleFacilitator}), 2)
	if c := claimsOf(t, partUID); c["role"] != auth.RoleParticipant {
		t.Fatalf("claims after the refused change = %v", c)
	}
	// Staff to staff keeps the seat; staff to participant frees it.
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+facUID, adminTok, map[string]any{"role": auth.RoleEducator}).Want(t, 200)
	checkSeats(t, org, 2)
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+facUID, adminTok, map[string]any{"role": auth.RoleParticipant}).Want(t, 200)
	checkSeats(t, org, 1)
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+partUID, adminTok, map[string]any{"role": auth.RoleFacilitator}).Want(t, 200)
	checkSeats(t, org, 2)
	// Removal frees the seat.
	apitest.Serve(t, h, "DELETE", "/v1/orgs/"+org+"/members/"+partUID, adminTok, nil).Want(t, 204)
	checkSeats(t, org, 1)

	// The seats read as the billing part sees them.
	st, err := entitlements.New(fsClient, nil, nil).OrgSeats(context.Background(), nil, org)
	if err != nil || st != (entitlements.Seats{Allowed: 2, Used: 1}) {
		t.Fatalf("OrgSeats = %+v, %v", st, err)
	}
}
