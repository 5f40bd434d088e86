// Package accounts is the accounts function (entry point "accounts", HTTP):
// the lifecycle of people and organisations. State lives in Firestore:
//
//	users/{uid}                          profile, role, tier, onboarding, deletion
//	orgs/{orgId}                         settings, SSO provider
//	orgs/{orgId}/members/{uid}           membership and role
//	orgs/{orgId}/invitations/{id}        invitations (only a hash of the token)
//	domains/{domain}                     the organisation that proved an email domain
//	entitlements/{org:id | user:uid}     tiers granted by billing or a platform operator
//	outbox/{id}                          mail (shared/mail)
//
// Custom claims (org, role, tier) follow every membership change through
// the Admin SDK. The caller's own changes answer "refresh_token": true so
// the client fetches a new ID token; changes made to someone else also
// revoke that person's refresh tokens, so their old tokens stop working at
// once (every request is verified with revocation checks).
//
// Decisions where the specs leave a gap:
//   - Tiers come only from entitlements (entitlements.go): sign-up, a role
//     or creating an organisation grant none, so without one a person is
//     free. Platform operators (a custom claim set out of band) grant them
//     until billing does.
//   - The claims name one active organisation. Accepting an invitation makes
//     that organisation the active one; memberships elsewhere stay and are
//     honoured through their membership documents (shared/authz).
//   - An organisation may list any email domain, but a domain drives SSO
//     discovery and the SSO requirement only once proven by a DNS TXT record
//     (domains.go); the last organisation to prove it holds it, and a domain
//     of an organisation without an org_admin drives nothing.
//   - Deleting an account disables it at once and keeps the data for a
//     30-day grace period; Purge erases it afterwards. Purge is meant to run
//     daily from Cloud Scheduler; the full erasure cascade (journal, events)
//     comes with the consent work.
package accounts

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

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
	resolver, err := resolverFromEnv(cfg, lookup)
	if err != nil {
		fs.Close()
		return nil, err
	}
	h, err := New(Deps{
		Verifier: v, Firestore: fs, Admin: admin, Mail: mail.NewOutbox(fs, nil), Resolver: resolver,
		// The function is deployed behind Hosting's /api/accounts rewrite.
		TrustForwardedFor: true,
	})
	if err != nil {
		fs.Close()
		return nil, err
	}
	return h, nil
}

// EnvDNSHost points domain verification at the emulator suite's DNS server
// (host:port), as the other *_EMULATOR_HOST variables do for their services.
const EnvDNSHost = "DNS_EMULATOR_HOST"

// resolverFromEnv is the resolver for domain verification: public DNS on a
// real project, only the suite's DNS server on a demo one (which must never
// ask the Internet, and must say so rather than start without it).
func resolverFromEnv(cfg config.Config, lookup func(string) string) (TXTResolver, error) {
	if lookup == nil {
		lookup = os.Getenv
	}
	host := strings.TrimSpace(lookup(EnvDNSHost))
	switch {
	case host != "" && !cfg.IsDemo():
		return nil, fmt.Errorf("%s is set but project %q is not a demo project", EnvDNSHost, cfg.Project)
	case host == "" && cfg.IsDemo():
		return nil, fmt.Errorf("project %q is a demo project but %s is not set", cfg.Project, EnvDNSHost)
	case host == "":
		return net.DefaultResolver, nil
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, host)
	}}, nil
}
