package accounts

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/platform"
)

// fakeDNS is the package's DNS: TXT records by absolute name.
type fakeDNS struct {
	mu  sync.Mutex
	txt map[string][]string
	err error // answered for every lookup when set
}

func (f *fakeDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	v, ok := f.txt[name]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return v, nil
}

func (f *fakeDNS) publish(domain string, values ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.txt[domain+"."] = values
}

var dnsRecords = &fakeDNS{txt: map[string][]string{}}

// testDomain is a domain no other test uses.
func testDomain(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("d%d-%d.example", time.Now().UnixNano()%1e9, seq.Add(1))
}

// txtRecord reads the TXT value org must publish for domain.
func txtRecord(t *testing.T, h http.Handler, org, adminTok, domain string) string {
	t.Helper()
	r := apitest.Serve(t, h, "GET", "/v1/orgs/"+org, adminTok, nil)
	r.Want(t, 200)
	var v OrgView
	r.JSON(t, &v)
	for _, c := range v.DomainClaims {
		if c.Domain == domain {
			return c.TXTRecord
		}
	}
	t.Fatalf("no claim of %s in %+v", domain, v)
	return ""
}

// prove publishes org's TXT record for domain (alone) and verifies it.
func prove(t *testing.T, h http.Handler, org, adminTok, domain string) {
	t.Helper()
	dnsRecords.publish(domain, "v=spf1 -all", txtRecord(t, h, org, adminTok, domain))
	r := apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/domains/"+domain+"/verify", adminTok, nil)
	r.Want(t, 200)
	var v DomainView
	r.JSON(t, &v)
	if v.Status != domainVerified || v.VerifiedAt == nil {
		t.Fatalf("verify = %+v", v)
	}
}

func discoverOf(t *testing.T, h http.Handler, domain string) SSODiscovery {
	t.Helper()
	var d SSODiscovery
	r := apitest.Serve(t, h, "GET", "/v1/sso/discover?email=someone@"+domain, "", nil)
	r.Want(t, 200)
	r.JSON(t, &d)
	return d
}

// passwordSignUp is the status of a password user of domain completing sign-up.
func passwordSignUp(t *testing.T, h http.Handler, domain string) int {
	t.Helper()
	uid, _ := newUser(t, domain, true)
	return apitest.Serve(t, h, "PUT", "/v1/me/profile", token(t, uid, "password"),
		map[string]any{"display_name": "P", "language": "en", "timezone": "UTC", "role": "participant"}).Code
}

func TestUnprovenDomainsDriveNothing(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	domain := testDomain(t)
	sso := map[string]any{"provider_id": "oidc.squat", "type": "oidc", "issuer": "https://idp.squat.example", "client_id": "s"}

	// A squatter lists the domain and configures SSO: nothing follows.
	squat, _, squatTok := withOrg(t, h, domain)
	apitest.Serve(t, h, "PUT", "/v1/orgs/"+squat+"/sso", squatTok, sso).Want(t, 200)
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+squat, squatTok, map[string]any{"sso_required": true}).Problem(t, 400)
	if p := apitest.Serve(t, h, "POST", "/v1/orgs/"+squat+"/domains/"+domain+"/verify", squatTok, nil).Problem(t, 409); !strings.Contains(p.Type, "domain-not-proven") {
		t.Fatalf("verify without a record: %+v", p)
	}
	if exists(t, "domains/"+domain) {
		t.Fatal("an unproven domain reached the index")
	}
	if d := discoverOf(t, h, domain); d.SSORequired {
		t.Fatalf("discover = %+v", d)
	}
	if c := passwordSignUp(t, h, domain); c != 200 {
		t.Fatalf("password sign-up on an unproven domain: %d", c)
	}

	// The real owner lists it too (no 409), proves it and requires SSO.
	owner, ownerUID, ownerTok := withOrg(t, h, domain)
	apitest.Serve(t, h, "PUT", "/v1/orgs/"+owner+"/sso", ownerTok, map[string]any{"provider_id": "oidc.owner", "type": "oidc",
		"issuer": "https://idp.owner.example", "client_id": "o"}).Want(t, 200)
	prove(t, h, owner, ownerTok, domain)
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+owner, ownerTok, map[string]any{"sso_required": true}).Want(t, 200)
	if d := discoverOf(t, h, domain); !d.SSORequired || d.ProviderID != "oidc.owner" {
		t.Fatalf("discover after proof = %+v", d)
	}
	if c := passwordSignUp(t, h, domain); c != 403 {
		t.Fatalf("password sign-up on a proven SSO domain: %d", c)
	}
	// The squatter's token is not in DNS: no takeover.
	apitest.Serve(t, h, "POST", "/v1/orgs/"+squat+"/domains/"+domain+"/verify", squatTok, nil).Problem(t, 409)
	// The squatter cannot reach the owner's verification either.
	apitest.Serve(t, h, "POST", "/v1/orgs/"+owner+"/domains/"+domain+"/verify", squatTok, nil).Problem(t, 404)
	apitest.Serve(t, h, "POST", "/v1/orgs/"+owner+"/domains/unlisted.example/verify", ownerTok, nil).Problem(t, 404)

	// An organisation without an org_admin releases its domains.
	if _, err := fsClient.Doc("orgs/" + owner + "/members/" + ownerUID).Delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := discoverOf(t, h, domain); d.SSORequired {
		t.Fatalf("discover of an abandoned domain = %+v", d)
	}
	if c := passwordSignUp(t, h, domain); c != 200 {
		t.Fatalf("password sign-up on an abandoned domain: %d", c)
	}

	// Whoever proves the domain last holds it; the former holder goes back
	// to pending.
	nextOrg, _, nextTok := withOrg(t, h, domain)
	prove(t, h, nextOrg, nextTok, domain)
	if snap, err := fsClient.Doc("domains/" + domain).Get(context.Background()); err != nil || snap.Data()["org"] != nextOrg {
		t.Fatalf("index after takeover: %v %v", snap.Data(), err)
	}
	var o OrgDoc
	snap, err := fsClient.Doc("orgs/" + owner).Get(context.Background())
	if err != nil || snap.DataTo(&o) != nil || o.claim(domain).Status != domainPending {
		t.Fatalf("former holder's claim: %+v %v", o.DomainClaims, err)
	}
	// Removing the domain from the list releases the index entry.
	apitest.Serve(t, h, "PATCH", "/v1/orgs/"+nextOrg, nextTok, map[string]any{"domains": []string{}}).Want(t, 200)
	if exists(t, "domains/"+domain) {
		t.Fatal("index entry left after the domain was removed")
	}
}

func TestDomainVerificationDNSFailureIsUnavailable(t *testing.T) {
	t.Parallel()
	h, err := New(Deps{Verifier: verifier, Firestore: fsClient, Admin: admin, Mail: mail.NewOutbox(fsClient, nil), LinkBase: testLinkBase,
		Resolver: &fakeDNS{err: &net.DNSError{Err: "server misbehaving", IsTemporary: true}}})
	if err != nil {
		t.Fatal(err)
	}
	domain := testDomain(t)
	org, _, tok := withOrg(t, h, domain)
	if p := apitest.Serve(t, h, "POST", "/v1/orgs/"+org+"/domains/"+domain+"/verify", tok, nil).Problem(t, 503); strings.Contains(p.Detail, "misbehaving") {
		t.Fatalf("the resolver's error leaks: %+v", p)
	}
	noDNS, err := New(Deps{Verifier: verifier, Firestore: fsClient, Admin: admin, Mail: mail.NewOutbox(fsClient, nil), LinkBase: testLinkBase})
	if err != nil {
		t.Fatal(err)
	}
	apitest.Serve(t, noDNS, "POST", "/v1/orgs/"+org+"/domains/"+domain+"/verify", tok, nil).Problem(t, 503)
}

func TestOrgViewByRole(t *testing.T) {
	t.Parallel()
	h := newHandler(t, nil)
	domain := testDomain(t)
	org, _, adminTok := withOrg(t, h, domain)
	apitest.Serve(t, h, "PUT", "/v1/orgs/"+org+"/sso", adminTok, map[string]any{"provider_id": "oidc.view", "type": "oidc",
		"issuer": "https://idp.view.example", "client_id": "view-client"}).Want(t, 200)
	for _, role := range []string{auth.RoleParticipant, auth.RoleFacilitator, auth.RoleEducator} {
		uid, email, tok := registered(t, h, domain, auth.RoleParticipant)
		apitest.Serve(t, h, "POST", "/v1/invitations/accept", tok, map[string]any{"token": inviteToken(t, h, org, adminTok, email, role)}).Want(t, 200)
		r := apitest.Serve(t, h, "GET", "/v1/orgs/"+org, token(t, uid, "password"), nil)
		r.Want(t, 200)
		for _, secret := range []string{"view-client", "idp.view.example", "poy-site-verification", `"sso"`, "domain_claims"} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("%s sees %s: %s", role, secret, r.Body)
			}
		}
	}
	r := apitest.Serve(t, h, "GET", "/v1/orgs/"+org, adminTok, nil)
	r.Want(t, 200)
	var v OrgView
	r.JSON(t, &v)
	if v.SSO == nil || v.SSO.ClientID != "view-client" || len(v.DomainClaims) != 1 || !strings.HasPrefix(v.DomainClaims[0].TXTRecord, txtPrefix) || v.Tier != auth.TierFree {
		t.Fatalf("admin view = %+v", v)
	}
}

func TestResolverFromEnv(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, project, host  string
		wantErr, wantDefault bool
	}{
		{"demo project with the suite's DNS", "demo-x", "127.0.0.1:8053", false, false},
		{"demo project without it never asks the Internet", "demo-x", "", true, false},
		{"real project with an emulator refuses to start", "studio-prod", "127.0.0.1:8053", true, false},
		{"real project reads public DNS", "studio-prod", "", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"GOOGLE_CLOUD_PROJECT": c.project, platform.EnvDNSHost: c.host,
				"K_SERVICE": EntryHTTP, EnvPublicURL: testLinkBase}
			r, err := platform.New(platform.Options{Lookup: func(k string) string { return env[k] }}).Resolver()
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (r == net.DefaultResolver) != c.wantDefault {
				t.Fatalf("resolver = %v", r)
			}
		})
	}
}
