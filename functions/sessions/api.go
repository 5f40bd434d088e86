package sessions

import (
	"net/http"
	"slices"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/sessions.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	// The organisation's routes (scheduling, listing) admit the caller's
	// current role from orgs/{org}/members/{uid}, not the token's claim,
	// which may be up to an hour old. A session's own routes are open to
	// any signed-in caller here: the store decides by the caller's part in
	// the session and their current role in the session's organisation,
	// which may not be the token's (participants join sessions of other
	// organisations), and answers 404 to a caller with no part in it.
	guard := authz.Guard{Verifier: d.Verifier, Members: authz.NewFirestoreStore(d.Firestore), CurrentRole: true}
	return httpapi.Router(EntryHTTP, guard.Routes((&api{d: d}).routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
}

// routes gathers the route groups, one per concern (each in its own file).
func (a *api) routes() []httpapi.Route {
	return slices.Concat(
		[]httpapi.Route{httpapi.HealthRoute()},
		a.scheduleRoutes(),
		a.inviteRoutes(),
		a.liveRoutes(),
		a.drawRoutes(),
		a.breakoutRoutes(),
		a.homeworkRoutes(),
	)
}

// Who may call a route. A session's routes (/v1/sessions/{sessionId}/…)
// act in the session's organisation, which need not be the caller's own:
// the guard verifies the token and the store's allow policies check the
// caller's part in the session and current role in its organisation
// (sessionStaff: documented for staff there; sessionAny: for anyone with
// a part). The caller's own lists (/v1/me/…) are signedIn; the
// organisation's lists and scheduling are orgStaff.
var (
	signedIn     = httpapi.Self()
	sessionStaff = httpapi.InResourceOrg(authz.Staff...)
	sessionAny   = httpapi.InResourceOrg()
	orgStaff     = httpapi.InOrg(authz.Staff...)
)

// withPrincipal adapts a handler of the signed-in caller; the guard has
// verified the token before it runs.
func withPrincipal(h func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("sign in first")
		}
		return h(w, r, p)
	}
}
