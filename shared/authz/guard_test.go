package authz

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// The guard answers from the route's declaration alone: the handler runs
// only for callers the declaration admits, and learns the organisation
// and role it was admitted with.
func TestGuard(t *testing.T) {
	t.Parallel()
	verifier := auth.StaticVerifier{
		"admin-a":     {UID: "admin-a", Org: "a", Role: auth.RoleOrgAdmin},
		"fac-a":       {UID: "fac-a", Org: "a", Role: auth.RoleFacilitator},
		"part-a":      {UID: "part-a", Org: "a", Role: auth.RoleParticipant},
		"demoted-a":   {UID: "demoted-a", Org: "a", Role: auth.RoleOrgAdmin}, // token older than the demotion
		"removed-a":   {UID: "removed-a", Org: "a", Role: auth.RoleFacilitator},
		"admin-b":     {UID: "admin-b", Org: "b", Role: auth.RoleOrgAdmin},
		"guest-b":     {UID: "guest-b", Org: "b", Role: auth.RoleOrgAdmin}, // a participant of a too
		"orgless":     {UID: "orgless"},
		"weird-org":   {UID: "weird", Org: "a/../b", Role: auth.RoleOrgAdmin},
		"operator":    {UID: "op", PlatformOperator: true, EmailVerified: true},
		"operator-nv": {UID: "op2", PlatformOperator: true},
	}
	members := memStore{docs: map[string]string{
		"orgs/a/members/admin-a":   auth.RoleOrgAdmin,
		"orgs/a/members/fac-a":     auth.RoleFacilitator,
		"orgs/a/members/part-a":    auth.RoleParticipant,
		"orgs/a/members/demoted-a": auth.RoleParticipant,
		"orgs/a/members/guest-b":   auth.RoleParticipant,
		"orgs/b/members/admin-b":   auth.RoleOrgAdmin,
	}}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, _ := GrantOf(r.Context())
		p, _ := auth.FromContext(r.Context())
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"org": g.Org, "role": g.Role, "principal_role": p.Role})
	})
	routes := func(g Guard) http.Handler {
		return httpapi.Router("t", g.Routes([]httpapi.Route{
			httpapi.HealthRoute(),
			httpapi.Handle("GET", "/me", httpapi.Self(), echo),
			httpapi.Handle("GET", "/items", httpapi.InOrg(), echo),
			httpapi.Handle("POST", "/items", httpapi.InOrg(Staff...), echo),
			httpapi.Handle("GET", "/orgs/{orgId}", httpapi.InPathOrg(), echo),
			httpapi.Handle("PATCH", "/orgs/{orgId}", httpapi.InPathOrg(Admins...), echo),
			httpapi.Handle("PUT", "/entitlements/{orgId}", httpapi.Operators(), echo),
		}))
	}
	claims := routes(Guard{Verifier: verifier, Members: members})
	current := routes(Guard{Verifier: verifier, Members: members, CurrentRole: true})

	for _, c := range []struct {
		name, method, path, token string
		current                   bool
		status                    int
		org, role                 string
	}{
		{"public", "GET", "/healthz", "", false, 200, "", ""},
		{"no token", "GET", "/me", "", false, 401, "", ""},
		{"bad token", "GET", "/me", "nope", false, 401, "", ""},
		{"self, orgless", "GET", "/me", "orgless", false, 200, "", ""},
		{"org, any member", "GET", "/items", "part-a", false, 200, "a", auth.RoleParticipant},
		{"org, orgless", "GET", "/items", "orgless", false, 403, "", ""},
		{"org, unusable id", "GET", "/items", "weird-org", false, 403, "", ""},
		{"org, staff only", "POST", "/items", "part-a", false, 403, "", ""},
		{"org, staff", "POST", "/items", "fac-a", false, 200, "a", auth.RoleFacilitator},
		{"org, token role", "POST", "/items", "demoted-a", false, 200, "a", auth.RoleOrgAdmin},
		{"org, current role", "POST", "/items", "demoted-a", true, 403, "", ""},
		{"org, current role kept", "GET", "/items", "demoted-a", true, 200, "a", auth.RoleParticipant},
		{"org, removed", "GET", "/items", "removed-a", true, 403, "", ""},
		{"org, outsider acts in own org", "POST", "/items", "admin-b", false, 200, "b", auth.RoleOrgAdmin},
		{"path org, member", "GET", "/orgs/a", "part-a", false, 200, "a", auth.RoleParticipant},
		{"path org, outsider", "GET", "/orgs/a", "admin-b", false, 404, "", ""},
		{"path org, member elsewhere", "GET", "/orgs/a", "guest-b", false, 200, "a", auth.RoleParticipant},
		{"path org, role lacks", "PATCH", "/orgs/a", "guest-b", false, 403, "", ""},
		{"path org, admin", "PATCH", "/orgs/a", "admin-a", false, 200, "a", auth.RoleOrgAdmin},
		{"path org, bad id", "GET", "/orgs/__x", "admin-a", false, 404, "", ""},
		{"path org, unknown", "GET", "/orgs/zz", "admin-a", false, 404, "", ""},
		{"operator", "PUT", "/entitlements/b", "operator", false, 200, "b", ""},
		{"operator, bad org id", "PUT", "/entitlements/a%2Fb", "operator", false, 404, "", ""},
		{"operator, unverified", "PUT", "/entitlements/b", "operator-nv", false, 403, "", ""},
		{"not operator", "PUT", "/entitlements/a", "admin-a", false, 403, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := claims
			if c.current {
				h = current
			}
			r := httptest.NewRequest(c.method, c.path, nil)
			if c.token != "" {
				r.Header.Set("Authorization", "Bearer "+c.token)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.status {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, c.status)
			}
			if c.status != 200 {
				if w.Header().Get("Content-Type") != httpapi.ContentTypeProblem {
					t.Fatalf("not a problem: %s", w.Body)
				}
				return
			}
			var got map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got["org"] != c.org || got["role"] != c.role || (c.org == "a" && c.current && got["principal_role"] != c.role) {
				t.Fatalf("grant %v, want %s/%s", got, c.org, c.role)
			}
		})
	}
}

// A membership store that cannot answer is a 503, never an admission.
func TestGuardStoreDown(t *testing.T) {
	t.Parallel()
	g := Guard{Verifier: auth.StaticVerifier{"x": {UID: "x", Org: "a", Role: auth.RoleOrgAdmin}},
		Members: memStore{err: errors.New("down")}, CurrentRole: true}
	h := g.Wrap(httpapi.RouteSpec{Method: "GET", Path: "/items", Scope: httpapi.ScopeOrg}, http.NotFoundHandler())
	r := httptest.NewRequest("GET", "/items", nil)
	r.Header.Set("Authorization", "Bearer x")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// A table whose declaration contradicts its paths does not build.
func TestGuardRefusesUndeclaredRoutes(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("a route without a scope was guarded")
		}
	}()
	Guard{}.Routes([]httpapi.Route{{RouteSpec: httpapi.RouteSpec{Method: "GET", Path: "/x"}, Handler: http.NotFoundHandler()}})
}

func TestValidOrgID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"org-lumen": true, "Ab_9": true, "_x": true, "": false, "__x": false, "a/b": false, "a b": false,
		"..": false, "é": false, string(make([]byte, 129)): false,
	} {
		if ValidOrgID(id) != want {
			t.Errorf("ValidOrgID(%q) = %v", id, !want)
		}
	}
	if httpapi.OperatorRole != auth.ClaimPlatformOperator {
		t.Errorf("the operator pseudo-role %q is not the claim %q", httpapi.OperatorRole, auth.ClaimPlatformOperator)
	}
}
