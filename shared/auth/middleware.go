package auth

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// DefaultUserLimit bounds how fast one account may call one instance of a
// function, whatever addresses it calls from: far above what a person in
// the app does, far below what a script rotating addresses would like.
// Endpoints that send mail or create things keep tighter limits of their
// own.
var DefaultUserLimit = ratelimit.Limit{Rate: 20, Burst: 200}

// userLimited is a verifier whose verified accounts are rate-limited by
// Middleware (FirebaseVerifier, LimitUsers).
type userLimited interface {
	userLimiter() *ratelimit.Limiter
}

// LimitUsers wraps v so that Middleware limits each verified uid to l.
func LimitUsers(v Verifier, l ratelimit.Limit) Verifier {
	return &limitedVerifier{Verifier: v, lim: ratelimit.New(l, ratelimit.Options{})}
}

type limitedVerifier struct {
	Verifier
	lim *ratelimit.Limiter
}

func (l *limitedVerifier) userLimiter() *ratelimit.Limiter { return l.lim }

// Middleware verifies the bearer ID token of every request and stores the
// principal in the request context. Every verification failure is a 401
// problem whose detail names the reason (never the token); a verifier that
// cannot reach its backend yields a 503. When the verifier limits accounts
// (FirebaseVerifier does), an account past its limit gets 429 with
// Retry-After, keyed on the verified uid so that changing addresses does not
// help.
func Middleware(v Verifier) func(http.Handler) http.Handler {
	var lim *ratelimit.Limiter
	if ul, ok := v.(userLimited); ok {
		lim = ul.userLimiter()
	}
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
			if lim != nil {
				if ok, wait := lim.Allow(p.UID); !ok {
					secs := retrySeconds(wait)
					httpapi.WriteError(w, r, httpapi.TooManyRequests(secs,
						"too many requests from this account; retry in %d s", secs))
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

func retrySeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
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
