package accounts

import (
	"context"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// New builds the HTTP API (see Routes), also reachable under Hosting's
// /api/accounts prefix.
func New(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	guard := authz.Guard{Verifier: d.Verifier, Members: authz.NewFirestoreStore(d.Firestore)}
	return httpapi.Router(EntryHTTP, guard.Routes(newAPI(d).routes())), nil
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
	// ob commits mail with the change that sends it.
	ob *outbox.Outbox
	// ent is the one truth of tiers and seats.
	ent *entitlements.Store
}

func newAPI(d Deps) *api {
	a := &api{d: d}
	if d.Firestore != nil {
		a.az = authz.New(authz.NewFirestoreStore(d.Firestore))
		a.ob = outbox.New(d.Firestore, outbox.Options{Mail: d.Mail, Now: d.Now})
		a.ent = entitlements.New(d.Firestore, d.Admin, d.Now)
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
// Each route states who may call it; the guard enforces that before the
// handler runs, and the handler reads the organisation it admitted from
// authz.RouteOrg.
func (a *api) routes() []httpapi.Route {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	)
	var (
		anyone, self, operators = httpapi.Anyone(), httpapi.Self(), httpapi.Operators()
		member                  = httpapi.InPathOrg()
		staff                   = httpapi.InPathOrg(authz.Staff...)
		inviters                = httpapi.InPathOrg(authz.Inviters...)
		admins                  = httpapi.InPathOrg(authz.Admins...)
	)
	return []httpapi.Route{
		httpapi.HealthRoute(),
		route(get, "/v1/sso/discover", anyone, a.discoverSSO, a.perIP),

		route(get, "/v1/me", self, a.getMe),
		route(put, "/v1/me/profile", self, a.putProfile, a.perIP, a.perUID),
		route(del, "/v1/me", self, a.deleteMe, a.perUID),
		route(get, "/v1/me/onboarding", self, a.getOnboarding),
		route(put, "/v1/me/onboarding/steps/{step}", self, a.putOnboardingStep),

		route(post, "/v1/orgs", self, a.createOrg, a.perIP, a.perUID),
		route(post, "/v1/orgs/join", self, a.joinByCode, a.perIP, a.perUID),
		route(get, "/v1/orgs/{orgId}", member, a.getOrg),
		route(patch, "/v1/orgs/{orgId}", admins, a.patchOrg),
		route(get, "/v1/orgs/{orgId}/sso", admins, a.getSSO),
		route(put, "/v1/orgs/{orgId}/sso", admins, a.putSSO),
		route(post, "/v1/orgs/{orgId}/domains/{domain}/verify", admins, a.verifyDomain, a.perUID),
		route(post, "/v1/orgs/{orgId}/join-code", admins, a.rotateJoinCode, a.perUID),
		route(del, "/v1/orgs/{orgId}/join-code", admins, a.deleteJoinCode),
		route(get, "/v1/orgs/{orgId}/members", staff, a.listMembers),
		route(patch, "/v1/orgs/{orgId}/members/{uid}", admins, a.patchMember),
		route(del, "/v1/orgs/{orgId}/members/{uid}", admins, a.removeMember),
		route(post, "/v1/orgs/{orgId}/invitations", inviters, a.invite, a.perIP, a.perUID),
		route(get, "/v1/orgs/{orgId}/invitations", inviters, a.listInvitations),
		route(del, "/v1/orgs/{orgId}/invitations/{invitationId}", inviters, a.revokeInvitation),
		route(post, "/v1/invitations/accept", self, a.acceptInvitation, a.perIP, a.perUID),

		route(put, "/v1/entitlements/orgs/{orgId}", operators, a.putOrgEntitlement),
		route(put, "/v1/entitlements/users/{uid}", operators, a.putUserEntitlement),
	}
}

// route declares a route with its rate limits; they run after the guard,
// so the per-user limit knows the user.
func route(method, path string, who httpapi.Access, h httpapi.HandlerFunc, limits ...ratelimit.Rule) httpapi.Route {
	var handler http.Handler = h
	if len(limits) > 0 {
		handler = ratelimit.Middleware(limits...)(handler)
	}
	return httpapi.Handle(method, path, who, handler)
}

func principal(r *http.Request) *auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

// setClaims writes the custom claims of uid; an empty org drops it. The
// platform operator claim, granted out of band, is kept as it is.
func (a *api) setClaims(ctx context.Context, uid, org, role, tier string) error {
	if err := a.ent.SetClaims(ctx, uid, org, role, tier); err != nil {
		return httpapi.Unavailable(fmt.Errorf("claims: %w", err))
	}
	return nil
}

// notFound reports a Firestore NotFound.
func notFound(err error) bool { return status.Code(err) == codes.NotFound }
