package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/mail"
)

var acctSeq atomic.Int64

// acctPerson creates a verified password account at domain, completes its
// profile with role and returns its uid, email and a fresh token.
func acctPerson(t *testing.T, domain, role string) (uid, email, tok string) {
	t.Helper()
	email = fmt.Sprintf("sec-%d-%d@%s", acctSeq.Add(1), time.Now().UnixNano(), domain)
	u, err := adminClient(t).CreateUser(context.Background(), (&fbauth.UserToCreate{}).Email(email).Password("security-pass").EmailVerified(true))
	if err != nil {
		t.Fatal(err)
	}
	tok = signIn(t, email, "security-pass")
	if r := call(t, "PUT", "/api/accounts/v1/me/profile", tok, map[string]any{"display_name": "Sec Person", "language": "en",
		"timezone": "Europe/Paris", "role": role}, nil); r.StatusCode != 200 {
		t.Fatalf("profile of %s: %d %s", email, r.StatusCode, body(r))
	}
	return u.UID, email, signIn(t, email, "security-pass")
}

// acctOrg makes an organisation claiming domains, founded by a new org_admin
// at founderDomain; it returns the org id, the founder's uid and a token
// carrying the new claims.
func acctOrg(t *testing.T, founderDomain string, domains ...string) (org, uid, tok string) {
	t.Helper()
	uid, email, tok := acctPerson(t, founderDomain, "org_admin")
	if domains == nil {
		domains = []string{}
	}
	var o struct{ ID string }
	if r := call(t, "POST", "/api/accounts/v1/orgs", tok, map[string]any{"name": "Sec Org", "type": "corporate", "domains": domains}, &o); r.StatusCode != 201 {
		t.Fatalf("create org: %d %s", r.StatusCode, body(r))
	}
	return o.ID, uid, signIn(t, email, "security-pass")
}

func acctDomain(name string) string {
	return fmt.Sprintf("%s-%d-%d.test", name, acctSeq.Add(1), time.Now().UnixNano()%1e9)
}

type acctDiscovery struct {
	SSORequired bool   `json:"sso_required"`
	ProviderID  string `json:"provider_id"`
}

func acctDiscover(t *testing.T, email string) acctDiscovery {
	t.Helper()
	var d acctDiscovery
	if r := call(t, "GET", "/api/accounts/v1/sso/discover?email="+email, "", nil, &d); r.StatusCode != 200 {
		t.Fatalf("discover: %d %s", r.StatusCode, body(r))
	}
	return d
}

// TestSecurityDomainSquatting: an organisation that only claims a domain
// (without proving it in DNS) cannot impose SSO on the domain's people nor
// keep the domain from its real owner.
func TestSecurityDomainSquatting(t *testing.T) {
	t.Parallel()
	victimDomain := acctDomain("studio")
	squatOrg, _, squatTok := acctOrg(t, "squatter.example", victimDomain)
	// The squatter configures SSO and tries to make it compulsory; whatever
	// the answer, the domain's people must be unaffected.
	call(t, "PUT", "/api/accounts/v1/orgs/"+squatOrg+"/sso", squatTok, map[string]any{"provider_id": "oidc.squat", "type": "oidc",
		"issuer": "https://idp.squatter.example", "client_id": "squat"}, nil)
	if r := call(t, "PATCH", "/api/accounts/v1/orgs/"+squatOrg, squatTok, map[string]any{"sso_required": true}, nil); r.StatusCode == 200 {
		t.Errorf("sso_required accepted on an unproven domain: %s", body(r))
	}
	if d := acctDiscover(t, "someone@"+victimDomain); d.SSORequired {
		t.Errorf("acctDiscovery of an unproven domain = %+v", d)
	}
	// A password user of the domain completes sign-up.
	acctPerson(t, victimDomain, "participant")

	// The real owner claims the same domain: a pending claim never blocks.
	ownerOrg, ownerUID, ownerTok := acctOrg(t, "owner.example", victimDomain)
	// The squatter cannot prove it: their record is not in the domain's DNS.
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+squatOrg+"/domains/"+victimDomain+"/verify", squatTok, map[string]any{}, nil); r.StatusCode != 409 {
		t.Errorf("squatter verification: %d %s", r.StatusCode, body(r))
	}
	// The owner publishes its TXT record (the suite's DNS server) and proves it.
	acctProve(t, ownerOrg, ownerTok, victimDomain)
	if r := call(t, "PUT", "/api/accounts/v1/orgs/"+ownerOrg+"/sso", ownerTok, map[string]any{"provider_id": "oidc.owner", "type": "oidc",
		"issuer": "https://idp.owner.example", "client_id": "owner"}, nil); r.StatusCode != 200 {
		t.Fatalf("owner sso: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "PATCH", "/api/accounts/v1/orgs/"+ownerOrg, ownerTok, map[string]any{"sso_required": true}, nil); r.StatusCode != 200 {
		t.Fatalf("owner sso_required: %d %s", r.StatusCode, body(r))
	}
	if d := acctDiscover(t, "someone@"+victimDomain); !d.SSORequired || d.ProviderID != "oidc.owner" {
		t.Errorf("discovery of the proven domain = %+v", d)
	}

	// The holder's only member goes (erasure dissolves such an
	// organisation): the domain drives nothing any more and another
	// organisation can prove it.
	fs := firestoreClient(t)
	if _, err := fs.Doc("orgs/" + ownerOrg + "/members/" + ownerUID).Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := acctDiscover(t, "someone@"+victimDomain); d.SSORequired {
		t.Errorf("discovery of an abandoned domain = %+v", d)
	}
	acctPerson(t, victimDomain, "participant")
	nextOrg, _, nextTok := acctOrg(t, "next.example", victimDomain)
	acctProve(t, nextOrg, nextTok, victimDomain)
}

// acctProve publishes org's TXT record for domain in the suite's DNS
// server and verifies the domain.
func acctProve(t *testing.T, org, tok, domain string) {
	t.Helper()
	var v struct {
		DomainClaims []struct {
			Domain    string `json:"domain"`
			TXTRecord string `json:"txt_record"`
		} `json:"domain_claims"`
	}
	if r := call(t, "GET", "/api/accounts/v1/orgs/"+org, tok, nil, &v); r.StatusCode != 200 {
		t.Fatalf("org: %d %s", r.StatusCode, body(r))
	}
	record := ""
	for _, c := range v.DomainClaims {
		if c.Domain == domain {
			record = c.TXTRecord
		}
	}
	if !strings.HasPrefix(record, "poy-site-verification=") {
		t.Fatalf("no TXT record to publish for %s: %+v", domain, v)
	}
	if err := env.DNS.SetTXT(domain, "v=spf1 -all", record); err != nil {
		t.Fatal(err)
	}
	var dv struct{ Status string }
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+org+"/domains/"+domain+"/verify", tok, map[string]any{}, &dv); r.StatusCode != 200 || dv.Status != "verified" {
		t.Fatalf("verify %s: %d %s", domain, r.StatusCode, body(r))
	}
}

// TestSecurityTierComesFromEntitlements: creating an organisation or
// choosing a role never grants a paid tier.
func TestSecurityTierComesFromEntitlements(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	ctx := context.Background()
	uid, _, _ := acctPerson(t, "tier.example", "facilitator")
	if u, _ := admin.GetUser(ctx, uid); u.CustomClaims["tier"] == "professional" || u.CustomClaims["tier"] == "enterprise" {
		t.Errorf("sign-up as facilitator grants tier %v", u.CustomClaims["tier"])
	}
	org, adminUID, adminTok := acctOrg(t, "tier.example")
	if u, _ := admin.GetUser(ctx, adminUID); u.CustomClaims["tier"] != "free" {
		t.Errorf("creating organisation %s grants tier %v", org, u.CustomClaims["tier"])
	}
	// Only a platform operator grants an entitlement; the claim comes from
	// outside the API.
	grant := map[string]any{"tier": "enterprise"}
	if r := call(t, "PUT", "/api/accounts/v1/entitlements/orgs/"+org, adminTok, grant, nil); r.StatusCode != 403 {
		t.Fatalf("org admin grants itself: %d %s", r.StatusCode, body(r))
	}
	opUID, opEmail, _ := acctPerson(t, "ops.example", "participant")
	if err := admin.SetCustomUserClaims(ctx, opUID, map[string]any{"platform_operator": true}); err != nil {
		t.Fatal(err)
	}
	if r := call(t, "PUT", "/api/accounts/v1/entitlements/orgs/"+org, signIn(t, opEmail, "security-pass"), grant, nil); r.StatusCode != 200 {
		t.Fatalf("operator grant: %d %s", r.StatusCode, body(r))
	}
	if u, _ := admin.GetUser(ctx, adminUID); u.CustomClaims["tier"] != "enterprise" {
		t.Errorf("after the entitlement: tier %v", u.CustomClaims["tier"])
	}
}

// TestSecurityOrgSSOHiddenFromMembers: only org admins see the SSO
// configuration of their organisation.
func TestSecurityOrgSSOHiddenFromMembers(t *testing.T) {
	t.Parallel()
	org, _, adminTok := acctOrg(t, "ssoview.example")
	if r := call(t, "PUT", "/api/accounts/v1/orgs/"+org+"/sso", adminTok, map[string]any{"provider_id": "oidc.viewtest", "type": "oidc",
		"issuer": "https://idp.ssoview.example", "client_id": "view-client"}, nil); r.StatusCode != 200 {
		t.Fatalf("put sso: %d %s", r.StatusCode, body(r))
	}
	pUID, pEmail, pTok := acctPerson(t, "ssoview.example", "participant")
	_ = pUID
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+org+"/invitations", adminTok, map[string]any{"email": pEmail, "role": "participant"}, nil); r.StatusCode != 202 {
		t.Fatalf("invite: %d %s", r.StatusCode, body(r))
	}
	fs := firestoreClient(t)
	code := acctInviteCode(t, fs, pEmail)
	if r := call(t, "POST", "/api/accounts/v1/invitations/accept", pTok, map[string]any{"token": code}, nil); r.StatusCode != 200 {
		t.Fatalf("accept: %d %s", r.StatusCode, body(r))
	}
	pTok = signIn(t, pEmail, "security-pass")
	r := call(t, "GET", "/api/accounts/v1/orgs/"+org, pTok, nil, nil)
	if b := body(r); r.StatusCode != 200 || strings.Contains(b, "idp.ssoview.example") || strings.Contains(b, "view-client") || strings.Contains(b, `"sso"`) {
		t.Errorf("participant view: %d %s", r.StatusCode, b)
	}
	r = call(t, "GET", "/api/accounts/v1/orgs/"+org, adminTok, nil, nil)
	if b := body(r); r.StatusCode != 200 || !strings.Contains(b, "view-client") {
		t.Errorf("admin view: %d %s", r.StatusCode, b)
	}
}

// acctInviteCode reads the latest organisation invitation code mailed to email.
func acctInviteCode(t *testing.T, fs *firestore.Client, email string) string {
	t.Helper()
	msgs, err := mail.List(context.Background(), fs, strings.ToLower(email))
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox of %s: %v %v", email, msgs, err)
	}
	code := inviteCode.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if code == nil {
		t.Fatal("no invitation code in the mail")
	}
	return code[1]
}
