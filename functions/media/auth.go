package media

import (
	"net/http"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// protect authenticates the caller (401/503 from auth.Middleware), requires
// an organisation (403 from auth.RequireOrg) whose id is safe to embed in an
// object name, then runs h.
func protect(v auth.Verifier, h httpapi.HandlerFunc) http.Handler {
	return auth.Middleware(v)(auth.RequireOrg(usableOrg(h)))
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
