package journal

import (
	"net/http"

	"time"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// New builds the HTTP API, also reachable under Hosting's /api/journal.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	a := &api{d: d, suggest: ratelimit.New(ratelimit.Per(d.SuggestPerHour, time.Hour), ratelimit.Options{})}
	guard := authz.Guard{Verifier: a.d.Verifier}
	return httpapi.Router(EntryHTTP, guard.Routes(a.routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d       Deps
	suggest *ratelimit.Limiter
}

// Who may call a route: everything is the caller's own journal, except
// the facilitator view, whose handler checks the caller's part in the
// session against the session's own organisation.
var (
	self      = httpapi.Self()
	sessStaff = httpapi.InResourceOrg(auth.RoleFacilitator, auth.RoleEducator, auth.RoleOrgAdmin)
)

func (a *api) routes() []httpapi.Route {
	h := func(method, path string, who httpapi.Access, f func(http.ResponseWriter, *http.Request, *auth.Principal) error) httpapi.Route {
		return httpapi.Handle(method, path, who, withPrincipal(f))
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		h(http.MethodPost, "/v1/push", self, a.push),
		h(http.MethodPost, "/v1/pull", self, a.pull),
		h(http.MethodGet, "/v1/entries/{entryId}", self, a.getEntry),
		h(http.MethodGet, "/v1/usage", self, a.usage),
		h(http.MethodGet, "/v1/search", self, a.search),
		h(http.MethodGet, "/v1/export", self, a.export),
		h(http.MethodGet, "/v1/prompts", self, a.prompts),
		h(http.MethodPost, "/v1/prompts/suggest", self, a.suggestPrompts),
		h(http.MethodGet, "/v1/sessions/{sessionId}/entries", sessStaff, a.sessionEntries),
	}
}

func withPrincipal(f func(http.ResponseWriter, *http.Request, *auth.Principal) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("sign in first")
		}
		return f(w, r, p)
	}
}
