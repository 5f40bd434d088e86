package auth

import (
	"errors"
	"net/http"
	"strings"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Middleware verifies the bearer ID token of every request and stores the
// principal in the request context. Every verification failure is a 401
// problem whose detail names the reason (never the token); a verifier that
// cannot reach its backend yields a 503.
func Middleware(v Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, err := BearerToken(r)
			if err != nil {
				if errors.Is(err, ErrMalformed) {
					httpapi.WriteError(w, r, httpapi.Unauthenticated(`the Authorization header must be "Bearer <Firebase ID token>"`))
					return
				}
				httpapi.WriteError(w, r, problem(err))
				return
			}
			p, err := v.Verify(r.Context(), tok)
			if err != nil {
				httpapi.WriteError(w, r, problem(err))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// problem maps a verification error to its HTTP problem.
func problem(err error) error {
	switch {
	case errors.Is(err, ErrNoToken):
		return httpapi.Unauthenticated(`no bearer token: send "Authorization: Bearer <Firebase ID token>"`)
	case errors.Is(err, ErrMalformed):
		return httpapi.Unauthenticated("the ID token is malformed")
	case errors.Is(err, ErrExpired):
		return httpapi.Unauthenticated("the ID token has expired; refresh it and retry")
	case errors.Is(err, ErrAudience):
		return httpapi.Unauthenticated("the ID token was issued for another project")
	case errors.Is(err, ErrRevoked):
		return httpapi.Unauthenticated("the ID token has been revoked; sign in again")
	case errors.Is(err, ErrDisabled):
		return httpapi.Unauthenticated("the user account is disabled")
	case errors.Is(err, ErrInvalid):
		return httpapi.Unauthenticated("the ID token is invalid")
	default:
		return httpapi.Unavailable(err)
	}
}

// RequireRole lets through principals holding one of roles: 401 without a
// principal (Middleware missing), 403 with another role.
func RequireRole(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				httpapi.WriteError(w, r, httpapi.Unauthenticated("authentication required"))
				return
			}
			if !p.HasRole(roles...) {
				httpapi.WriteError(w, r, httpapi.Forbidden("this needs the role %s", strings.Join(roles, " or ")))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireOrg lets through principals that belong to an organisation.
func RequireOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok {
			httpapi.WriteError(w, r, httpapi.Unauthenticated("authentication required"))
			return
		}
		if p.Org == "" {
			httpapi.WriteError(w, r, httpapi.Forbidden("join or create an organisation first"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
