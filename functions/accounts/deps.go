package accounts

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// AdminAuth is the part of the Admin SDK's *auth.Client the function uses.
type AdminAuth interface {
	SetCustomUserClaims(ctx context.Context, uid string, claims map[string]any) error
	RevokeRefreshTokens(ctx context.Context, uid string) error
	UpdateUser(ctx context.Context, uid string, user *fbauth.UserToUpdate) (*fbauth.UserRecord, error)
	DeleteUser(ctx context.Context, uid string) error
	GetUser(ctx context.Context, uid string) (*fbauth.UserRecord, error)
}

// Limits are the rate limits of the sensitive endpoints (sign-up
// completion, organisation creation, invitations, SSO discovery). Zero
// fields take the defaults.
type Limits struct {
	PerUser ratelimit.Limit // default 20 at once, then 10 a minute
	PerIP   ratelimit.Limit // default 300 at once, then 5 a second
}

func (l Limits) withDefaults() Limits {
	if l.PerUser.Burst == 0 {
		l.PerUser = ratelimit.Limit{Rate: 10.0 / 60, Burst: 20}
	}
	if l.PerIP.Burst == 0 {
		l.PerIP = ratelimit.Limit{Rate: 5, Burst: 300}
	}
	return l
}

// Deps is what the HTTP API needs. Verifier, Firestore, Admin and Mail are
// required.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	Admin     AdminAuth
	// Mail is written in the transaction of the change that sends it.
	Mail *mail.Outbox
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Limits are per instance (see shared/ratelimit).
	Limits Limits
	// TrustForwardedFor takes the client IP from the X-Forwarded-For entry
	// Google's front end wrote (ratelimit.ClientIP), which is right only
	// when requests come through Hosting.
	TrustForwardedFor bool
	// Resolver reads the TXT records that prove an organisation's email
	// domains (net.DefaultResolver in production, the suite's DNS emulator
	// locally); nil answers domain verification with 503.
	Resolver TXTResolver
	// LinkBase prefixes the invitation link sent by email: the app's
	// public URL (required; the root sets it from PUBLIC_URL).
	LinkBase string
}

func (d Deps) check() (Deps, error) {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("accounts: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("accounts: Deps.Firestore is nil"))
	}
	if d.Admin == nil {
		errs = append(errs, errors.New("accounts: Deps.Admin is nil"))
	}
	if d.Mail == nil {
		errs = append(errs, errors.New("accounts: Deps.Mail is nil"))
	}
	if d.LinkBase == "" {
		errs = append(errs, errors.New("accounts: Deps.LinkBase is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Limits = d.Limits.withDefaults()
	return d, nil
}
