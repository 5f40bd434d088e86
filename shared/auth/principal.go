// Package auth turns a Firebase ID token into a Principal and guards HTTP
// handlers with it. Custom claims carry only stable facts (org, role, tier);
// rights scoped to a resource (participant of a session, canvas editor) are
// checked against Firestore membership documents elsewhere, never trusted
// from the token or the request body.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Roles (custom claim "role").
const (
	RoleFacilitator = "facilitator"
	RoleParticipant = "participant"
	RoleEducator    = "educator"
	RoleOrgAdmin    = "org_admin"
)

// Tiers (custom claim "tier").
const (
	TierFree         = "free"
	TierProfessional = "professional"
	TierEnterprise   = "enterprise"
	TierOfficial     = "official"
)

// Principal is the verified caller.
type Principal struct {
	UID           string
	Email         string
	EmailVerified bool
	Org           string // "" until the user belongs to an organisation
	Role          string
	Tier          string
	// SignInProvider is firebase.sign_in_provider: password, google.com, saml.*, oidc.*, custom.
	SignInProvider string
	// PlatformOperator is the ClaimPlatformOperator claim: staff of the
	// platform itself (entitlements), granted only out of band.
	PlatformOperator bool
}

// ClaimPlatformOperator is the custom claim marking a platform operator.
// No API sets it: operators are designated with the Admin SDK by the
// platform's owners, and the accounts function keeps it unchanged when it
// rewrites a person's other claims.
const ClaimPlatformOperator = "platform_operator"

// HasRole reports whether the principal holds one of roles.
func (p *Principal) HasRole(roles ...string) bool {
	return p != nil && slices.Contains(roles, p.Role)
}

// IsStaff reports a role that runs sessions or administers an org.
func (p *Principal) IsStaff() bool {
	return p.HasRole(RoleFacilitator, RoleEducator, RoleOrgAdmin)
}

// Verification errors. Every one of them is answered with 401.
var (
	ErrNoToken   = errors.New("no bearer token")
	ErrMalformed = errors.New("malformed token")
	ErrExpired   = errors.New("token expired")
	ErrInvalid   = errors.New("token invalid") // wrong audience/issuer/signature
	ErrRevoked   = errors.New("token revoked")
	ErrDisabled  = errors.New("user disabled")
	// ErrAudience is the ErrInvalid of a token minted for another project;
	// errors.Is(ErrAudience, ErrInvalid) holds.
	ErrAudience = fmt.Errorf("%w: issued for another project", ErrInvalid)
)

// Verifier checks an ID token and returns its principal. Implementations
// wrap verification failures so errors.Is matches one of the Err values.
type Verifier interface {
	Verify(ctx context.Context, idToken string) (*Principal, error)
}

type ctxKey int

const principalKey ctxKey = iota

// WithPrincipal stores p in ctx (tests and middleware).
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// FromContext returns the principal set by Middleware.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey).(*Principal)
	return p, ok && p != nil
}

// BearerToken extracts the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrNoToken
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", ErrMalformed
	}
	return strings.TrimSpace(tok), nil
}
