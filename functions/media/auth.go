package media

import (
	"net/http"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

// orgPolicy answers for the caller's own organisation from its claims, so
// it needs no membership store.
var orgPolicy = authz.New(nil)

// protect authenticates the caller (401/503 from auth.Middleware), requires
// an organisation (403 from auth.RequireOrg) whose id is safe to embed in an
// object name and whose role allows act (shared/authz), then runs h.
func protect(v auth.Verifier, act authz.Action, h httpapi.HandlerFunc) http.Handler {
	return auth.Middleware(v)(auth.RequireOrg(usableOrg(allowed(act, h))))
}

func allowed(act authz.Action, next httpapi.HandlerFunc) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := auth.FromContext(r.Context())
		if err := orgPolicy.Check(r.Context(), p, act, authz.Org(p.Org)); err != nil {
			return authz.Problem(err, "organisation")
		}
		return next(w, r)
	}
}

// usableOrg refuses org ids that could escape orgs/{org}/ in an object name.
// The org always comes from the verified principal, never from the request.
func usableOrg(next httpapi.HandlerFunc) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if p, ok := auth.FromContext(r.Context()); !ok || !orgPattern.MatchString(p.Org) {
			return httpapi.Forbidden("the caller's organisation id is not usable")
		}
		return next(w, r)
	}
}
