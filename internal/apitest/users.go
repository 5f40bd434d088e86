package apitest

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/auth"
)

// The two organisations of the user table.
const (
	OrgA = "org-a"
	OrgB = "org-b"
)

// Keys of the user table; under the fake verifier each key is also the
// user's token.
const (
	AdminA       = "admin-a"  // org_admin of org A, enterprise
	FacilitatorA = "fac-a"    // facilitator of org A, professional
	ParticipantA = "part-a"   // participant of org A, free
	AdminB       = "admin-b"  // org_admin of org B, enterprise
	FacilitatorB = "fac-b"    // facilitator of org B, professional
	ParticipantB = "part-b"   // participant of org B, free
	Stranger     = "stranger" // signed in with a facilitator's role, in no organisation
)

// Users are callers by key, with the claims their tokens carry.
type Users map[string]auth.Principal

// TwoOrgs is the user table: an admin, a facilitator and a participant
// in each of org A and org B, and a stranger who belongs to neither. A
// package adds the callers it needs with With.
func TwoOrgs() Users {
	person := func(key, org, role, tier string) auth.Principal {
		domain := "none.test"
		if org != "" {
			domain = strings.TrimPrefix(org, "org-") + ".test"
		}
		return auth.Principal{UID: "u-" + key, Email: key + "@" + domain, EmailVerified: true,
			Org: org, Role: role, Tier: tier, SignInProvider: "password"}
	}
	return Users{
		AdminA:       person(AdminA, OrgA, auth.RoleOrgAdmin, auth.TierEnterprise),
		FacilitatorA: person(FacilitatorA, OrgA, auth.RoleFacilitator, auth.TierProfessional),
		ParticipantA: person(ParticipantA, OrgA, auth.RoleParticipant, auth.TierFree),
		AdminB:       person(AdminB, OrgB, auth.RoleOrgAdmin, auth.TierEnterprise),
		FacilitatorB: person(FacilitatorB, OrgB, auth.RoleFacilitator, auth.TierProfessional),
		ParticipantB: person(ParticipantB, OrgB, auth.RoleParticipant, auth.TierFree),
		Stranger:     person(Stranger, "", auth.RoleFacilitator, ""),
	}
}

// With returns a copy of u with more (or replaced) callers.
func (u Users) With(more Users) Users {
	out := maps.Clone(u)
	maps.Copy(out, more)
	return out
}

// Verifier is the fake verifier: each key is a token for its principal.
func (u Users) Verifier() auth.StaticVerifier {
	v := auth.StaticVerifier{}
	for k, p := range u {
		v[k] = &p
	}
	return v
}

// SeedMembers writes the membership document orgs/{org}/members/{uid} of
// every user who belongs to an organisation: authority comes from these
// documents, not from the claims.
func (u Users) SeedMembers(t testing.TB, fs *firestore.Client) {
	t.Helper()
	ctx := context.Background()
	for _, p := range u {
		if p.Org == "" {
			continue
		}
		if _, err := fs.Doc("orgs/"+p.Org+"/members/"+p.UID).Set(ctx, map[string]any{"role": p.Role}); err != nil {
			t.Fatal(err)
		}
	}
}

// Password is every registered user's password.
const Password = "apitest-password"

// Register creates u's users in the Auth emulator behind admin with their
// claims (org, role, tier) and Password, and their membership documents
// in fs when fs is set. Organisation ids, uids and addresses get suffix,
// so tests sharing one suite do not meet. It returns the table as
// registered.
func (u Users) Register(t testing.TB, admin *fbauth.Client, fs *firestore.Client, suffix string) Users {
	t.Helper()
	ctx := context.Background()
	out := Users{}
	for k, p := range u {
		p.UID += "-" + suffix
		if p.Org != "" {
			p.Org += "-" + suffix
		}
		local, domain, _ := strings.Cut(p.Email, "@")
		p.Email = local + "." + suffix + "@" + domain
		if _, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).UID(p.UID).Email(p.Email).
			Password(Password).EmailVerified(p.EmailVerified)); err != nil {
			t.Fatalf("create %s: %v", k, err)
		}
		claims := map[string]any{"role": p.Role}
		if p.Org != "" {
			claims["org"] = p.Org
		}
		if p.Tier != "" {
			claims["tier"] = p.Tier
		}
		if err := admin.SetCustomUserClaims(ctx, p.UID, claims); err != nil {
			t.Fatalf("claims of %s: %v", k, err)
		}
		out[k] = p
	}
	if fs != nil {
		out.SeedMembers(t, fs)
	}
	return out
}

// SignIn signs email in with password at the Auth emulator at authAddr
// (host:port) and returns the ID token.
func SignIn(t testing.TB, authAddr, email, password string) string {
	t.Helper()
	r := Client{Base: "http://" + authAddr}.Do(t, http.MethodPost,
		"/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo", "",
		map[string]any{"email": email, "password": password, "returnSecureToken": true})
	var out struct {
		IDToken string `json:"idToken"`
	}
	if err := json.Unmarshal(r.Body, &out); r.Code != http.StatusOK || err != nil || out.IDToken == "" {
		t.Fatalf("sign in %s: %s", email, r)
	}
	return out.IDToken
}

// Tokens signs every registered user in and returns their ID tokens by
// key.
func (u Users) Tokens(t testing.TB, authAddr string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, p := range u {
		out[k] = SignIn(t, authAddr, p.Email, Password)
	}
	return out
}
