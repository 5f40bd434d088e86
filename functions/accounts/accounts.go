// Package accounts is the accounts function (entry point "accounts", HTTP):
// the lifecycle of people and organisations. State lives in Firestore:
//
//	users/{uid}                          profile, role, tier, onboarding, deletion
//	orgs/{orgId}                         settings, SSO provider
//	orgs/{orgId}/members/{uid}           membership and role
//	orgs/{orgId}/invitations/{id}        invitations (only a hash of the token)
//	domains/{domain}                     the organisation claiming an email domain
//	outbox/{id}                          mail (shared/mail)
//
// Custom claims (org, role, tier) follow every membership change through
// the Admin SDK. The caller's own changes answer "refresh_token": true so
// the client fetches a new ID token; changes made to someone else also
// revoke that person's refresh tokens, so their old tokens stop working at
// once (every request is verified with revocation checks).
//
// Decisions where the specs leave a gap:
//   - Sign-up grants the role's base tier (participant free, facilitator and
//     educator professional, org admin enterprise); higher tiers come only
//     from billing.
//   - The claims name one active organisation. Accepting an invitation makes
//     that organisation the active one; memberships elsewhere stay and are
//     honoured through their membership documents (shared/authz).
//   - An email domain belongs to at most one organisation; claiming a taken
//     domain is a 409. Production should add domain verification.
//   - Deleting an account disables it at once and keeps the data for a
//     30-day grace period; Purge erases it afterwards. Purge is meant to run
//     daily from Cloud Scheduler; the full erasure cascade (journal, events)
//     comes with the consent work.
package accounts

import (
	"context"
	"fmt"
	"net/http"

	"cloud.google.com/go/firestore"
	firebase "firebase.google.com/go/v4"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
	"pointsofyou.ai/studio/shared/mail"
)

// EntryHTTP is the entry point name, as declared in infra/topology.yaml.
const EntryHTTP = "accounts"

func init() {
	// Clients are built from the environment on first use, so a
	// configuration error is a 503 rather than a crash loop.
	functions.HTTP(EntryHTTP, instance.HTTP(instance.New(func() (http.Handler, error) { return newFromEnv(nil) })))
}

// newFromEnv builds the handler and its clients from the environment
// (lookup nil: os.Getenv).
func newFromEnv(lookup func(string) string) (http.Handler, error) {
	cfg := config.FromEnv(lookup)
	if err := cfg.Check(config.EnvFirestoreHost, config.EnvAuthHost); err != nil {
		return nil, err
	}
	logging.Setup(cfg.Project)
	ctx := context.Background()
	// Both clients read their emulator hosts from the environment.
	fs, err := firestore.NewClient(ctx, cfg.Project)
	if err != nil {
		return nil, fmt.Errorf("firestore client: %w", err)
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.Project})
	if err != nil {
		fs.Close()
		return nil, fmt.Errorf("firebase app: %w", err)
	}
	admin, err := app.Auth(ctx)
	if err != nil {
		fs.Close()
		return nil, fmt.Errorf("firebase auth client: %w", err)
	}
	v, err := auth.NewFirebaseVerifier(ctx, cfg)
	if err != nil {
		fs.Close()
		return nil, err
	}
	h, err := New(Deps{
		Verifier: v, Firestore: fs, Admin: admin, Mail: mail.NewOutbox(fs, nil),
		// The function is deployed behind Hosting's /api/accounts rewrite.
		TrustForwardedFor: true,
	})
	if err != nil {
		fs.Close()
		return nil, err
	}
	return h, nil
}
