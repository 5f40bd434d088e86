package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// New builds the HTTP API (see Routes), also reachable under Hosting's
// /api/accounts prefix.
func New(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	return httpapi.Router(EntryHTTP, newAPI(d).routes()), nil
}

// Routes lists the HTTP API's routes (paths relative to the function;
// Hosting serves them under /api/accounts). infra/openapi.yaml documents
// exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs(newAPI(Deps{}).routes()) }

type api struct {
	d      Deps
	az     *authz.Authorizer
	perIP  ratelimit.Rule
	perUID ratelimit.Rule
}

func newAPI(d Deps) *api {
	a := &api{d: d}
	if d.Firestore != nil {
		a.az = authz.New(authz.NewFirestoreStore(d.Firestore))
	}
	a.perIP = ratelimit.Rule{Name: "ip", Limiter: ratelimit.New(d.Limits.PerIP, ratelimit.Options{Now: d.Now}),
		Key: func(r *http.Request) string { return ratelimit.ClientIP(r, d.TrustForwardedFor) }}
	a.perUID = ratelimit.Rule{Name: "user", Limiter: ratelimit.New(d.Limits.PerUser, ratelimit.Options{Now: d.Now}),
		Key: func(r *http.Request) string {
			if p, ok := auth.FromContext(r.Context()); ok {
				return p.UID
			}
			return ""
		}}
	return a
}

// routes is the one route table: New mounts it and Routes describes it.
func (a *api) routes() []httpapi.Route {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	)
	return []httpapi.Route{
		httpapi.HealthRoute(),
		a.public(get, "/v1/sso/discover", a.discoverSSO, a.perIP),

		a.authed(get, "/v1/me", a.getMe),
		a.authed(put, "/v1/me/profile", a.putProfile, a.perIP, a.perUID),
		a.authed(del, "/v1/me", a.deleteMe, a.perUID),
		a.authed(get, "/v1/me/onboarding", a.getOnboarding),
		a.authed(put, "/v1/me/onboarding/steps/{step}", a.putOnboardingStep),

		a.authed(post, "/v1/orgs", a.createOrg, a.perIP, a.perUID),
		a.authed(get, "/v1/orgs/{orgId}", a.getOrg),
		a.authed(patch, "/v1/orgs/{orgId}", a.patchOrg),
		a.authed(get, "/v1/orgs/{orgId}/sso", a.getSSO),
		a.authed(put, "/v1/orgs/{orgId}/sso", a.putSSO),
		a.authed(post, "/v1/orgs/{orgId}/domains/{domain}/verify", a.verifyDomain, a.perUID),
		a.authed(get, "/v1/orgs/{orgId}/members", a.listMembers),
		a.authed(patch, "/v1/orgs/{orgId}/members/{uid}", a.patchMember),
		a.authed(del, "/v1/orgs/{orgId}/members/{uid}", a.removeMember),
		a.authed(post, "/v1/orgs/{orgId}/invitations", a.invite, a.perIP, a.perUID),
		a.authed(get, "/v1/orgs/{orgId}/invitations", a.listInvitations),
		a.authed(del, "/v1/orgs/{orgId}/invitations/{invitationId}", a.revokeInvitation),
		a.authed(post, "/v1/invitations/accept", a.acceptInvitation, a.perIP, a.perUID),

		a.authed(put, "/v1/entitlements/orgs/{orgId}", a.putOrgEntitlement),
		a.authed(put, "/v1/entitlements/users/{uid}", a.putUserEntitlement),
	}
}

func (a *api) public(method, path string, h httpapi.HandlerFunc, limits ...ratelimit.Rule) httpapi.Route {
	var handler http.Handler = h
	if len(limits) > 0 {
		handler = ratelimit.Middleware(limits...)(handler)
	}
	return httpapi.Route{RouteSpec: httpapi.RouteSpec{Method: method, Path: path, Public: true}, Handler: handler}
}

// authed verifies the ID token first; rate limits run after it, so the
// per-user limit knows the user.
func (a *api) authed(method, path string, h httpapi.HandlerFunc, limits ...ratelimit.Rule) httpapi.Route {
	var handler http.Handler = h
	if len(limits) > 0 {
		handler = ratelimit.Middleware(limits...)(handler)
	}
	return httpapi.Route{RouteSpec: httpapi.RouteSpec{Method: method, Path: path}, Handler: auth.Middleware(a.d.Verifier)(handler)}
}

func principal(r *http.Request) *auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

// orgParam authorises act on the organisation named in the path; a caller
// outside it gets the same 404 as for an organisation that does not exist.
func (a *api) orgParam(r *http.Request, act authz.Action) (string, error) {
	org := r.PathValue("orgId")
	if !validID(org) {
		return "", httpapi.NotFound("no organisation %q", org)
	}
	if err := a.az.Check(r.Context(), principal(r), act, authz.Org(org)); err != nil {
		return "", authz.Problem(err, "organisation "+org)
	}
	return org, nil
}

// setClaims writes the custom claims of uid; an empty org drops it. The
// platform operator claim, granted out of band, is kept as it is.
func (a *api) setClaims(ctx context.Context, uid, org, role, tier string) error {
	claims := map[string]any{"role": role, "tier": tier}
	if org != "" {
		claims["org"] = org
	}
	rec, err := a.d.Admin.GetUser(ctx, uid)
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("read custom claims: %w", err))
	}
	if op, _ := rec.CustomClaims[auth.ClaimPlatformOperator].(bool); op {
		claims[auth.ClaimPlatformOperator] = true
	}
	if err := a.d.Admin.SetCustomUserClaims(ctx, uid, claims); err != nil {
		return httpapi.Unavailable(fmt.Errorf("set custom claims: %w", err))
	}
	return nil
}

// notFound reports a Firestore NotFound.
func notFound(err error) bool { return status.Code(err) == codes.NotFound }

// storeErr turns a Firestore error into a problem, passing problems through.
func storeErr(err error) error {
	var e *httpapi.Error
	if errors.As(err, &e) {
		return e
	}
	return httpapi.Unavailable(err)
}
