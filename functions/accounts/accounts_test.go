package accounts

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
)

func TestOnboardingResumesAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	uid, _ := newUser(t, "example.org", true)
	tok := token(t, uid, "password")

	apitest.Serve(t, h, "GET", "/v1/me/onboarding", tok, nil).Problem(t, 409) // no profile yet
	r := apitest.Serve(t, h, "PUT", "/v1/me/profile", tok, map[string]any{
		"display_name": "Zoë", "language": "he", "timezone": "Asia/Jerusalem", "role": "facilitator"})
	r.Want(t, 200)
	var me MeView
	r.JSON(t, &me)
	// A role grants no tier: without an entitlement the facilitator is free.
	if !me.RefreshToken || me.Role != auth.RoleFacilitator || me.Tier != auth.TierFree || me.Onboarding.Step != 1 {
		t.Fatalf("profile = %+v", me)
	}
	if c := claimsOf(t, uid); c["role"] != auth.RoleFacilitator || c["tier"] != auth.TierFree {
		t.Fatalf("claims = %v", c)
	}
	apitest.Serve(t, h, "PUT", "/v1/me/onboarding/steps/2", tok, map[string]any{"video_provider": "zoom", "group_size": "1-10"}).Problem(t, 409)
	apitest.Serve(t, h, "PUT", "/v1/me/onboarding/steps/1", tok, map[string]any{"use_case": "coaching", "experience": "some"}).Want(t, 200)

	// A new instance (a cold start) reads the state back from Firestore.
	h2 := newHandler(t, nil)
	var ob OnboardingView
	r = apitest.Serve(t, h2, "GET", "/v1/me/onboarding", tok, nil)
	r.Want(t, 200)
	r.JSON(t, &ob)
	if ob.Step != 2 || ob.Completed || ob.Steps[1].Name != "sessions" || ob.Data["practice"]["use_case"] != "coaching" {
		t.Fatalf("resumed onboarding = %+v", ob)
	}
	steps := []map[string]any{
		{"video_provider": "both", "group_size": "11-50"},
		{"coach_style": "balanced"},
		{"channels": []string{"email", "push"}, "marketing_opt_in": false},
	}
	for i, body := range steps {
		r = apitest.Serve(t, h2, "PUT", "/v1/me/onboarding/steps/"+string(rune('2'+i)), tok, body)
		r.Want(t, 200)
	}
	r.JSON(t, &ob)
	if !ob.Completed || ob.Step != 5 {
		t.Fatalf("final onboarding = %+v", ob)
	}
	// Editing an earlier step keeps the completion.
	apitest.Serve(t, h, "PUT", "/v1/me/onboarding/steps/3", tok, map[string]any{"coach_style": "supportive"}).Want(t, 200)
	apitest.Serve(t, h, "PUT", "/v1/me/onboarding/steps/5", tok, map[string]any{}).Problem(t, 404)
}

func TestBadInputIsRejectedWithoutWrites(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	uid, _ := newUser(t, "example.org", true)
	tok := token(t, uid, "password")
	long := strings.Repeat("x", maxNameLen+1)
	for _, body := range []any{
		map[string]any{"display_name": "A", "language": "en", "timezone": "Europe/Paris", "role": "superuser"},
		map[string]any{"display_name": long, "language": "en", "timezone": "Europe/Paris", "role": "participant"},
		map[string]any{"display_name": "A", "language": "it", "timezone": "Europe/Paris", "role": "participant"},
		map[string]any{"display_name": "A", "language": "en", "timezone": "Mars/Olympus", "role": "participant"},
		map[string]any{"display_name": 7, "language": "en", "timezone": "Europe/Paris", "role": "participant"},
		map[string]any{"display_name": "A", "language": "en", "timezone": "Europe/Paris", "role": "participant", "admin": true},
		`{"display_name": "A",`,
		`[]`,
	} {
		p := apitest.Serve(t, h, "PUT", "/v1/me/profile", tok, body).Problem(t, 400)
		if p.Detail == "" {
			t.Errorf("%v: no detail", body)
		}
		if exists(t, "users/"+uid) {
			t.Fatalf("%v: users/%s written", body, uid)
		}
	}
	if c := claimsOf(t, uid); len(c) != 0 {
		t.Fatalf("claims set after bad input: %v", c)
	}

	_, _, regTok := registered(t, h, "example.org", auth.RoleOrgAdmin)
	for _, body := range []any{
		map[string]any{"name": "", "type": "corporate"},
		map[string]any{"name": "Acme", "type": "government"},
		map[string]any{"name": "Acme", "type": "corporate", "domains": []string{"Not A Domain"}},
		map[string]any{"name": "Acme", "type": "corporate", "retention_days": "long"},
		map[string]any{"name": "Acme", "type": "corporate", "retention_days": 0},
	} {
		apitest.Serve(t, h, "POST", "/v1/orgs", regTok, body).Problem(t, 400)
	}
	all, err := fsClient.Collection(colOrgs).Where("created_by", "==", uid).Documents(context.Background()).GetAll()
	if err != nil || len(all) != 0 {
		t.Fatalf("orgs written after bad input: %d %v", len(all), err)
	}

	org, _, adminTok := withOrg(t, h)
	for _, body := range []any{
		map[string]any{"email": "not-an-email", "role": "participant"},
		map[string]any{"email": "Name <x@example.org>", "role": "participant"},
		map[string]any{"email": "x@example.org", "role": "owner"},
		map[string]any{"email": 12, "role": "participant"},
	} {
		apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/invitations", adminTok, body).Problem(t, 400)
	}
	invs, err := fsClient.Collection(colOrgs).Doc(org).Collection(colInvitations).Documents(context.Background()).GetAll()
	if err != nil || len(invs) != 0 {
		t.Fatalf("invitations written after bad input: %d %v", len(invs), err)
	}
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+uid, adminTok, map[string]any{"role": "root"}).Problem(t, 400)
	apitest.Serve(t, h, "PUT", "/v1/orgs/"+org+"/sso", adminTok, map[string]any{"provider_id": "oidc.acme", "type": "oidc",
		"issuer": "https://idp.example.org", "client_id": "c", "client_secret": "s"}).Problem(t, 400)
	apitest.Serve(t, h, "PUT", "/v1/me/onboarding/steps/1", adminTok, map[string]any{"org_type": 3, "group_size": "1-10"}).Problem(t, 400)
}

func TestOrganisationLifecycle(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	ctx := context.Background()
	org, adminUID, adminTok := withOrg(t, h)
	if c := claimsOf(t, adminUID); c["org"] != org || c["role"] != auth.RoleOrgAdmin || c["tier"] != auth.TierFree {
		t.Fatalf("creator claims = %v", c)
	}
	// A second organisation for the same person is refused.
	apitest.Serve(t, h, "POST", "/v1/orgs", adminTok, map[string]any{"name": "Again", "type": "corporate"}).Problem(t, 409)

	// Invite, accept once.
	memberUID, memberEmail, memberTok := registered(t, h, "example.org", auth.RoleParticipant)
	inv := inviteToken(t, h, org, adminTok, strings.ToUpper(memberEmail), auth.RoleFacilitator)
	strangerUID, _, strangerTok := registered(t, h, "example.org", auth.RoleParticipant)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", strangerTok, map[string]any{"token": inv}).Problem(t, 403)
	r := apitest.Serve(t, h, "POST", "/v1/invitations/accept", memberTok, map[string]any{"token": inv})
	r.Want(t, 200)
	var acc AcceptView
	r.JSON(t, &acc)
	if acc.Org != org || acc.Role != auth.RoleFacilitator || !acc.RefreshToken {
		t.Fatalf("accept = %+v", acc)
	}
	if c := claimsOf(t, memberUID); c["org"] != org || c["role"] != auth.RoleFacilitator {
		t.Fatalf("member claims = %v", c)
	}
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", memberTok, map[string]any{"token": inv}).Problem(t, 409)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", memberTok, map[string]any{"token": inv[:len(inv)-2] + "AA"}).Problem(t, 404)
	if exists(t, "orgs/"+org+"/members/"+strangerUID) {
		t.Fatal("the stranger joined")
	}

	// The facilitator may invite participants, not staff; lists members.
	facTok := token(t, memberUID, "password")
	apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/invitations", facTok, map[string]any{"email": "x@example.org", "role": "educator"}).Problem(t, 403)
	apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/invitations", facTok, map[string]any{"email": "y@example.org", "role": "participant"}).Want(t, 202)
	var page MembersPage
	r = apitest.Serve(t, h, "GET", "/v1/orgs/"+org+"/members?page_size=1", facTok, nil)
	r.Want(t, 200)
	r.JSON(t, &page)
	if len(page.Members) != 1 || page.NextPageToken == "" {
		t.Fatalf("page 1 = %+v", page)
	}
	r = apitest.Serve(t, h, "GET", "/v1/orgs/"+org+"/members?page_size=1&page_token="+page.NextPageToken, facTok, nil)
	page = MembersPage{}
	r.JSON(t, &page)
	if len(page.Members) != 1 || page.NextPageToken != "" {
		t.Fatalf("page 2 = %+v", page)
	}

	// Expired and revoked invitations.
	lateUID, lateEmail, lateTok := registered(t, h, "example.org", auth.RoleParticipant)
	late := inviteToken(t, h, org, adminTok, lateEmail, auth.RoleParticipant)
	future := newHandler(t, func() time.Time { return time.Now().Add(invitationTTL + time.Hour) })
	if p := apitest.Serve(t, future, "POST", "/v1/invitations/accept", lateTok, map[string]any{"token": late}).Problem(t, 409); !strings.Contains(p.Detail, "expired") {
		t.Fatalf("expired: %+v", p)
	}
	if exists(t, "orgs/"+org+"/members/"+lateUID) {
		t.Fatal("joined with an expired invitation")
	}

	// Role change: the old token stops working at once.
	oldTok, err := authSrv.MintIDToken(project, memberUID, "password", time.Now().Add(-2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	r = apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+memberUID, adminTok, map[string]any{"role": "educator"})
	r.Want(t, 200)
	if _, err := admin.VerifyIDTokenAndCheckRevoked(ctx, oldTok); !fbauth.IsIDTokenRevoked(err) {
		t.Fatalf("old token after role change: %v", err)
	}
	apitest.Serve(t, h, "GET", "/v1/me", oldTok, nil).Problem(t, 401)
	if c := claimsOf(t, memberUID); c["role"] != auth.RoleEducator {
		t.Fatalf("claims after role change = %v", c)
	}
	// The last admin can be neither demoted nor removed.
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org+"/members/"+adminUID, adminTok, map[string]any{"role": "participant"}).Problem(t, 409)
	apitest.Serve(t, h, "DELETE", "/v1/orgs/"+org+"/members/"+adminUID, adminTok, nil).Problem(t, 409)

	// Removal.
	apitest.Serve(t, h, "DELETE", "/v1/orgs/"+org+"/members/"+memberUID, adminTok, nil).Want(t, 204)
	if exists(t, "orgs/"+org+"/members/"+memberUID) {
		t.Fatal("member document left")
	}
	if c := claimsOf(t, memberUID); c["org"] != nil {
		t.Fatalf("claims after removal = %v", c)
	}
	fresh := token(t, memberUID, "password")
	apitest.Serve(t, h, "GET", "/v1/orgs/"+org, fresh, nil).Problem(t, 404)
	apitest.Serve(t, h, "DELETE", "/v1/orgs/"+org+"/members/"+memberUID, adminTok, nil).Problem(t, 404)
}

func TestConcurrentAcceptanceJoinsOnce(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	org, _, adminTok := withOrg(t, h)
	uid, email, tok := registered(t, h, "example.org", auth.RoleParticipant)
	inv := inviteToken(t, h, org, adminTok, email, auth.RoleParticipant)
	const n = 4
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = apitest.Serve(t, h, "POST", "/v1/invitations/accept", tok, map[string]any{"token": inv}).Code
		}()
	}
	wg.Wait()
	okCount := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			okCount++
		case http.StatusConflict:
		default:
			t.Fatalf("codes = %v", codes)
		}
	}
	if okCount != 1 {
		t.Fatalf("codes = %v, want exactly one 200", codes)
	}
	members, err := fsClient.Collection(colOrgs).Doc(org).Collection(colMembers).Where("uid", "==", uid).Documents(context.Background()).GetAll()
	if err != nil || len(members) != 1 {
		t.Fatalf("membership documents: %d %v", len(members), err)
	}
}

func TestDomainRulesAndSSO(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	domain := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + time.Now().Format("150405.000000") + ".example"
	domain = strings.ReplaceAll(domain, ".", "-")[:30] + ".example"
	org, _, adminTok := withOrg(t, h, domain)

	// Only addresses of the allowed domains are invited.
	apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/invitations", adminTok, map[string]any{"email": "someone@elsewhere.example", "role": "participant"}).Problem(t, 400)
	// A pending claim blocks nobody: another organisation may list it too.
	_, _, otherTok := registered(t, h, "example.org", auth.RoleOrgAdmin)
	apitest.Serve(t, h, "POST", "/v1/orgs", otherTok, map[string]any{"name": "Copycat", "type": "corporate", "domains": []string{domain}}).Want(t, 201)

	// SSO cannot be required before a provider is configured and a domain proven.
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org, adminTok, map[string]any{"sso_required": true}).Problem(t, 400)
	apitest.Serve(t, h, "GET", "/v1/orgs/"+org+"/sso", adminTok, nil).Problem(t, 404)
	apitest.Serve(t, h, "PUT", "/v1/orgs/"+org+"/sso", adminTok, map[string]any{"provider_id": "oidc.acme", "type": "oidc",
		"issuer": "https://idp.example.org", "client_id": "studio"}).Want(t, 200)
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org, adminTok, map[string]any{"sso_required": true}).Problem(t, 400)
	prove(t, h, org, adminTok, domain)
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+org, adminTok, map[string]any{"sso_required": true}).Want(t, 200)

	var d SSODiscovery
	r := apitest.Serve(t, h, "GET", "/v1/sso/discover?email=someone@"+domain, "", nil)
	r.Want(t, 200)
	r.JSON(t, &d)
	if !d.SSORequired || d.ProviderID != "oidc.acme" || d.Type != "oidc" {
		t.Fatalf("discover = %+v", d)
	}
	var unknown SSODiscovery
	r = apitest.Serve(t, h, "GET", "/v1/sso/discover?email=someone@unknown.example", "", nil)
	r.Want(t, 200)
	r.JSON(t, &unknown)
	if unknown != (SSODiscovery{}) {
		t.Fatalf("unknown domain = %+v", unknown)
	}
	apitest.Serve(t, h, "GET", "/v1/sso/discover?email=nope", "", nil).Problem(t, 400)

	// A password sign-in from the domain cannot complete sign-up; SSO can.
	uid, _ := newUser(t, domain, true)
	p := apitest.Serve(t, h, "PUT", "/v1/me/profile", token(t, uid, "password"),
		map[string]any{"display_name": "P", "language": "en", "timezone": "UTC", "role": "participant"}).Problem(t, 403)
	if p.Type != "https://studio.pointsofyou.ai/problems/sso-required" {
		t.Fatalf("problem = %+v", p)
	}
	if exists(t, "users/"+uid) {
		t.Fatal("profile written for a refused sign-in")
	}
	apitest.Serve(t, h, "PUT", "/v1/me/profile", token(t, uid, "oidc.acme"),
		map[string]any{"display_name": "P", "language": "en", "timezone": "UTC", "role": "participant"}).Want(t, 200)
}

func TestTenancyAndRoles(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	orgA, _, adminA := withOrg(t, h)
	_, _, adminB := withOrg(t, h)
	pUID, pEmail, pTok := registered(t, h, "example.org", auth.RoleParticipant)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", pTok, map[string]any{"token": inviteToken(t, h, orgA, adminA, pEmail, "participant")}).Want(t, 200)
	pTok = token(t, pUID, "password")

	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/orgs/" + orgA},
		{"PATCH", "/v1/orgs/" + orgA},
		{"GET", "/v1/orgs/" + orgA + "/members"},
		{"GET", "/v1/orgs/" + orgA + "/invitations"},
		{"DELETE", "/v1/orgs/" + orgA + "/members/" + pUID},
	} {
		body := any(nil)
		if c.method == "PATCH" {
			body = map[string]any{"name": "Taken over"}
		}
		r := apitest.Serve(t, h, c.method, c.path, adminB, body)
		r.Problem(t, 404)
		if strings.Contains(string(r.Body), "Org ") || strings.Contains(string(r.Body), pEmail) {
			t.Fatalf("%s %s leaks: %s", c.method, c.path, r.Body)
		}
	}
	apitest.Serve(t, h, "GET", "/v1/orgs/"+orgA, pTok, nil).Want(t, 200)
	apitest.Serve(t, h, "GET", "/v1/orgs/"+orgA+"/members", pTok, nil).Problem(t, 403)
	apitest.Serve(t, h, "POST", "/v1/orgs/"+orgA+"/invitations", pTok, map[string]any{"email": "z@example.org", "role": "participant"}).Problem(t, 403)
	apitest.Serve(t, h, "GET", "/v1/me", "", nil).Problem(t, 401)
}

// TestDeletion: DELETE /v1/me disables the account at once and leaves the
// erasure to the consent function after the grace period; the only admin
// of an organisation with other members appoints another first.
func TestDeletion(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	ctx := context.Background()
	org, adminUID, adminTok := withOrg(t, h)
	uid, email, tok := registered(t, h, "example.org", auth.RoleParticipant)
	apitest.Serve(t, h, "POST", "/v1/invitations/accept", tok, map[string]any{"token": inviteToken(t, h, org, adminTok, email, "participant")}).Want(t, 200)
	tok = token(t, uid, "password")

	p := apitest.Serve(t, h, "DELETE", "/v1/me", token(t, adminUID, "password"), nil).Problem(t, 409)
	if !strings.HasSuffix(p.Type, "/sole-admin") {
		t.Fatalf("the only admin's deletion: %+v", p)
	}
	if u, err := admin.GetUser(ctx, adminUID); err != nil || u.Disabled {
		t.Fatalf("the refused admin was disabled: %v", err)
	}

	var dv DeletionView
	r := apitest.Serve(t, h, "DELETE", "/v1/me", tok, nil)
	r.Want(t, 202)
	r.JSON(t, &dv)
	if dv.PurgeAfter.Sub(time.Now()) < gracePeriod-time.Minute {
		t.Fatalf("purge after %v", dv.PurgeAfter)
	}
	if u, err := admin.GetUser(ctx, uid); err != nil || !u.Disabled {
		t.Fatalf("auth user not disabled: %v", err)
	}
	apitest.Serve(t, h, "GET", "/v1/me", tok, nil).Problem(t, 401)
	if !exists(t, "users/"+uid) || !exists(t, "orgs/"+org+"/members/"+uid) {
		t.Fatal("the grace period keeps the account's documents")
	}
}

func TestRoutesAreMounted(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	for _, rt := range Routes() {
		path := rt.Path
		for _, p := range []string{"{orgId}", "{uid}", "{invitationId}", "{step}", "{domain}"} {
			path = strings.ReplaceAll(path, p, "x1")
		}
		r := apitest.Serve(t, h, rt.Method, "/api/accounts"+path, "", nil)
		if rt.Public {
			if r.Code == 401 || r.Code == 404 && strings.Contains(string(r.Body), "no route") {
				t.Errorf("%s %s: %d %s", rt.Method, rt.Path, r.Code, r.Body)
			}
			continue
		}
		r.Problem(t, 401)
	}
}

// A member's profile names their organisation, so screens show its name
// rather than its id (a participant may not read the organisation itself).
func TestMeNamesTheOrganisation(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	org, adminUID, adminTok := withOrg(t, h)
	var me MeView
	apitest.Serve(t, h, "GET", "/v1/me", adminTok, nil).Want(t, 200).JSON(t, &me)
	if me.Org != org || me.OrgName != "Org "+adminUID {
		t.Fatalf("me = org %q name %q, want %q %q", me.Org, me.OrgName, org, "Org "+adminUID)
	}
	_, _, loneTok := registered(t, h, "example.org", auth.RoleParticipant)
	var lone MeView
	apitest.Serve(t, h, "GET", "/v1/me", loneTok, nil).Want(t, 200).JSON(t, &lone)
	if lone.Org != "" || lone.OrgName != "" {
		t.Fatalf("no organisation: me = %q %q", lone.Org, lone.OrgName)
	}
}
