// Package accounts is the accounts function (entry point "accounts", HTTP):
// the lifecycle of people and organisations. State lives in Firestore:
//
//	users/{uid}                          profile, role, tier, onboarding, deletion
//	orgs/{orgId}                         settings, SSO provider
//	orgs/{orgId}/members/{uid}           membership and role
//	orgs/{orgId}/invitations/{id}        invitations (only a hash of the token)
//	domains/{domain}                     the organisation that proved an email domain
//	entitlements/{org:id | user:uid}     tiers granted by billing or a platform operator
//	orgs/{orgId}/billing/seats           the plan's seat holders (shared/entitlements)
//	outbox/{id}                          mail (shared/mail)
//
// Custom claims (org, role, tier) follow every membership change through
// the Admin SDK. The caller's own changes answer "refresh_token": true so
// the client fetches a new ID token; changes made to someone else also
// revoke that person's refresh tokens, so their old tokens stop working at
// once (every request is verified with revocation checks).
//
// Decisions where the specs leave a gap:
//   - Tiers come only from entitlements (shared/entitlements, the one
//     truth; entitlements.go has the operator routes): sign-up, a role or
//     creating an organisation grant none, so without one a person is
//     free. Platform operators (a custom claim set out of band) grant them
//     besides billing.
//   - Staff roles (facilitator, educator, org_admin) hold a seat of the
//     organisation's plan; founding, accepting an invitation and a role
//     change to staff take one in the same transaction as the membership,
//     and past the plan's seats they are refused (409 no-seat). A role
//     change from staff and a removal free it. Participants, and so the
//     join code, need none.
//   - The claims name one active organisation. Accepting an invitation makes
//     that organisation the active one; memberships elsewhere stay and are
//     honoured through their membership documents (shared/authz).
//   - An organisation may list any email domain, but a domain drives SSO
//     discovery and the SSO requirement only once proven by a DNS TXT record
//     (domains.go); the last organisation to prove it holds it, and a domain
//     of an organisation without an org_admin drives nothing.
//   - Deleting an account disables it at once and keeps the data for a
//     30-day grace period; then the consent function's erasure job erases
//     it through the same pipeline as any erasure request (Firestore,
//     Storage, BigQuery, the Auth user). The only admin of an organisation
//     with other members appoints another first (409 sole-admin).
package accounts

import (
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// EntryHTTP is the entry point name, as declared in infra/topology.yaml.
const EntryHTTP = "accounts"

// EnvPublicURL is where people open the app; invitation links point there.
const EnvPublicURL = "PUBLIC_URL"

func init() { functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, root)) }

// root is the composition root: the declared configuration and clients of
// infra/topology.yaml's accounts entry.
func root(p *platform.Platform) (http.Handler, error) {
	b := &platform.Build{}
	d := Deps{
		TrustForwardedFor: true, // deployed behind Hosting's /api/accounts rewrite
		Firestore:         platform.Use(b, p.Firestore),
		Verifier:          platform.Use(b, p.Verifier),
		Admin:             platform.Use(b, p.AuthAdmin),
		Mail:              platform.Use(b, p.Mail),
		Resolver:          platform.Use(b, p.Resolver),
		LinkBase:          platform.Use(b, p.EnvOf(EnvPublicURL)),
	}
	if b.Err() != nil {
		return nil, b.Err()
	}
	return New(d)
}
