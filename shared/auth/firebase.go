package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// maxTokenLen bounds what is decoded before the SDK sees a token; real ID
// tokens are around 1 KiB, a few KiB with large custom claims.
const maxTokenLen = 16 << 10

// IDTokenChecker is the part of the Admin SDK's *auth.Client the verifier uses.
type IDTokenChecker interface {
	VerifyIDTokenAndCheckRevoked(ctx context.Context, idToken string) (*fbauth.Token, error)
}

// FirebaseVerifier verifies Firebase ID tokens with the Admin SDK, checking
// revocation and disabled accounts on every call (one accounts:lookup), so
// that signing a user out or disabling them takes effect at once.
type FirebaseVerifier struct {
	project string
	client  IDTokenChecker
	perUser *ratelimit.Limiter
}

// NewFirebaseVerifier builds the Admin SDK client for cfg.Project. A demo
// project needs the Auth emulator and no credentials; on Google Cloud the
// application default credentials are used.
//
// The Admin SDK takes the emulator host only from the process environment
// (FIREBASE_AUTH_EMULATOR_HOST), so cfg.AuthHost must agree with it; cfg
// from config.FromEnv always does.
func NewFirebaseVerifier(ctx context.Context, cfg config.Config) (*FirebaseVerifier, error) {
	if cfg.Project == "" {
		return nil, fmt.Errorf("auth: no project configured")
	}
	if err := cfg.Check(config.EnvAuthHost); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if env := os.Getenv(config.EnvAuthHost); env != cfg.AuthHost {
		return nil, fmt.Errorf("auth: %s is %q but the configuration says %q; the Admin SDK reads only the environment",
			config.EnvAuthHost, env, cfg.AuthHost)
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.Project})
	if err != nil {
		return nil, fmt.Errorf("auth: firebase app: %w", err)
	}
	client, err := app.Auth(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: firebase auth client: %w", err)
	}
	return NewFirebaseVerifierFromClient(cfg.Project, client), nil
}

// NewFirebaseVerifierFromClient wraps an existing Admin SDK client (or a
// fake) verifying tokens of project. Middleware limits each account it
// verifies to DefaultUserLimit per instance (see WithUserLimit).
func NewFirebaseVerifierFromClient(project string, client IDTokenChecker) *FirebaseVerifier {
	return &FirebaseVerifier{project: project, client: client,
		perUser: ratelimit.New(DefaultUserLimit, ratelimit.Options{})}
}

// WithUserLimit replaces the per-account limit Middleware applies.
func (v *FirebaseVerifier) WithUserLimit(l ratelimit.Limit) *FirebaseVerifier {
	v.perUser = ratelimit.New(l, ratelimit.Options{})
	return v
}

func (v *FirebaseVerifier) userLimiter() *ratelimit.Limiter { return v.perUser }

// Verify implements Verifier. Errors wrap one of the Err values, except a
// failure to reach the Auth backend, which is returned as is.
func (v *FirebaseVerifier) Verify(ctx context.Context, idToken string) (*Principal, error) {
	if idToken == "" {
		return nil, ErrNoToken
	}
	aud, ok := peekAudience(idToken)
	if !ok {
		return nil, ErrMalformed
	}
	// Checked here for a precise answer and to spare the lookup RPC.
	if aud != v.project {
		return nil, ErrAudience
	}
	tok, err := v.client.VerifyIDTokenAndCheckRevoked(ctx, idToken)
	if err != nil {
		return nil, mapSDKError(err)
	}
	return principalFromToken(tok), nil
}

// mapSDKError turns an Admin SDK error into the sentinel errors, keeping
// the SDK's error for logs.
func mapSDKError(err error) error {
	switch {
	case fbauth.IsIDTokenExpired(err):
		return fmt.Errorf("%w: %w", ErrExpired, err)
	case fbauth.IsIDTokenRevoked(err):
		return fmt.Errorf("%w: %w", ErrRevoked, err)
	case fbauth.IsUserDisabled(err):
		return fmt.Errorf("%w: %w", ErrDisabled, err)
	case fbauth.IsUserNotFound(err), fbauth.IsIDTokenInvalid(err), fbauth.IsTenantIDMismatch(err):
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	default:
		return err // the backend could not be asked; not the caller's fault
	}
}

// peekAudience reads aud from a JWT without trusting it; ok is false for
// anything that is not three base64url segments with JSON objects.
func peekAudience(tok string) (string, bool) {
	if len(tok) > maxTokenLen {
		return "", false
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", false
	}
	var header map[string]any
	if !decodeSegment(parts[0], &header) {
		return "", false
	}
	var payload struct {
		Aud any `json:"aud"`
	}
	if !decodeSegment(parts[1], &payload) {
		return "", false
	}
	aud, _ := payload.Aud.(string)
	return aud, true
}

func decodeSegment(seg string, v any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	return json.Unmarshal(raw, v) == nil && raw[0] == '{'
}

func principalFromToken(tok *fbauth.Token) *Principal {
	str := func(k string) string { s, _ := tok.Claims[k].(string); return s }
	verified, _ := tok.Claims["email_verified"].(bool)
	operator, _ := tok.Claims[ClaimPlatformOperator].(bool)
	return &Principal{
		UID:            tok.UID,
		Email:          str("email"),
		EmailVerified:  verified,
		Org:            str("org"),
		Role:           str("role"),
		Tier:           str("tier"),
		SignInProvider: tok.Firebase.SignInProvider,
		// Only a boolean true counts, so a claim of any other shape is no grant.
		PlatformOperator: operator,
	}
}
