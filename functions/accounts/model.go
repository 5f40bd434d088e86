package accounts

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones even where the system has none (containers)

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Roles a person may hold (REQUIREMENTS §1).
var roles = []string{auth.RoleFacilitator, auth.RoleParticipant, auth.RoleEducator, auth.RoleOrgAdmin}

var (
	languages = []string{"en", "es", "fr", "de", "he"}
	orgTypes  = []string{"corporate", "educational", "nonprofit", "healthcare"}
	ssoTypes  = []string{"saml", "oidc"}
)

// Limits of free text and lists.
const (
	maxNameLen      = 100
	maxDomains      = 20
	maxRetention    = 3650
	defaultRetain   = 365
	gracePeriod     = 30 * 24 * time.Hour
	invitationTTL   = 7 * 24 * time.Hour
	defaultPageSize = 20
	maxPageSize     = 100
)

// Document layout (Firestore).
const (
	colUsers       = "users"
	colOrgs        = "orgs"
	colMembers     = "members"
	colInvitations = "invitations"
	// colDomains maps a proven email domain to the organisation that proved
	// it last: domains/{domain} → {org, SSO state}. Only a domain proven in
	// DNS gets an entry; the entry serves SSO discovery and the SSO
	// requirement.
	colDomains = "domains"
)

// UserDoc is users/{uid}.
type UserDoc struct {
	DisplayName string        `firestore:"display_name"`
	Language    string        `firestore:"language"`
	Timezone    string        `firestore:"timezone"`
	Role        string        `firestore:"role"`
	Tier        string        `firestore:"tier"`
	Org         string        `firestore:"org"` // the active organisation, "" for none
	Onboarding  OnboardingDoc `firestore:"onboarding"`
	Status      string        `firestore:"status"` // active | deleting
	Deletion    *DeletionDoc  `firestore:"deletion,omitempty"`
	CreatedAt   time.Time     `firestore:"created_at"`
	UpdatedAt   time.Time     `firestore:"updated_at"`
}

// OnboardingDoc is the server-side onboarding state.
type OnboardingDoc struct {
	Step      int                       `firestore:"step"` // the next step to fill, 1…4; 5 when done
	Completed bool                      `firestore:"completed"`
	Data      map[string]map[string]any `firestore:"data"` // step name → fields
}

// DeletionDoc records a pending account deletion.
type DeletionDoc struct {
	RequestedAt time.Time `firestore:"requested_at"`
	PurgeAfter  time.Time `firestore:"purge_after"`
}

// OrgDoc is orgs/{orgId}.
type OrgDoc struct {
	Name          string   `firestore:"name"`
	Type          string   `firestore:"type"`
	Domains       []string `firestore:"domains"`
	SSORequired   bool     `firestore:"sso_required"`
	RetentionDays int      `firestore:"retention_days"`
	SSO           *SSODoc  `firestore:"sso,omitempty"`
	// DomainClaims has one entry per domain of Domains: its proof state.
	DomainClaims []DomainClaim `firestore:"domain_claims"`
	// JoinCode lets people join as participants (joincode.go); "" for none.
	JoinCode  string    `firestore:"join_code,omitempty"`
	CreatedBy string    `firestore:"created_by"`
	CreatedAt time.Time `firestore:"created_at"`
	UpdatedAt time.Time `firestore:"updated_at"`
}

// DomainClaim is an organisation's claim on one email domain. It drives
// nothing until verified: the organisation publishes
// "poy-site-verification=<Token>" as a TXT record of the domain and asks
// for verification.
type DomainClaim struct {
	Domain     string    `firestore:"domain"`
	Token      string    `firestore:"token"`
	Status     string    `firestore:"status"` // pending | verified
	VerifiedAt time.Time `firestore:"verified_at,omitempty"`
}

// Domain claim states.
const (
	domainPending  = "pending"
	domainVerified = "verified"
)

// SSODoc is an organisation's identity provider in Identity Platform. No
// secret is ever stored here: client secrets and certificates live in
// Identity Platform's own provider configuration.
type SSODoc struct {
	ProviderID string `firestore:"provider_id" json:"provider_id"`
	Type       string `firestore:"type" json:"type"`
	Issuer     string `firestore:"issuer" json:"issuer"` // OIDC issuer URL or SAML entity id
	ClientID   string `firestore:"client_id,omitempty" json:"client_id,omitempty"`
}

// MemberDoc is orgs/{orgId}/members/{uid}.
type MemberDoc struct {
	UID         string    `firestore:"uid"`
	Role        string    `firestore:"role"`
	Email       string    `firestore:"email"`
	DisplayName string    `firestore:"display_name"`
	JoinedAt    time.Time `firestore:"joined_at"`
}

// InvitationDoc is orgs/{orgId}/invitations/{id}. Only the SHA-256 of the
// token's secret is kept.
type InvitationDoc struct {
	Email      string    `firestore:"email"` // lower-cased
	Role       string    `firestore:"role"`
	SecretHash []byte    `firestore:"secret_hash"`
	Status     string    `firestore:"status"` // pending | accepted | revoked
	CreatedBy  string    `firestore:"created_by"`
	CreatedAt  time.Time `firestore:"created_at"`
	ExpiresAt  time.Time `firestore:"expires_at"`
	AcceptedBy string    `firestore:"accepted_by,omitempty"`
	AcceptedAt time.Time `firestore:"accepted_at,omitempty"`
}

// Invitation states.
const (
	invPending  = "pending"
	invAccepted = "accepted"
	invRevoked  = "revoked"
)

// idPattern is what an id in a path must look like to be looked up at all.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func validID(s string) bool { return idPattern.MatchString(s) && !strings.HasPrefix(s, "__") }

// checkName validates a display or organisation name.
func checkName(fields *[]httpapi.FieldError, name, v string) {
	if strings.TrimSpace(v) == "" {
		*fields = append(*fields, httpapi.Field(name, "is required"))
		return
	}
	httpapi.MaxLen(fields, name, v, maxNameLen)
	httpapi.Text(fields, name, v, httpapi.SingleLine)
}

// normEmail returns the lower-cased bare address, or "" when s is not one.
func normEmail(s string) string {
	if len(s) > 254 {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != strings.TrimSpace(s) || !strings.Contains(a.Address, "@") {
		return ""
	}
	return strings.ToLower(a.Address)
}

// domainOf is the lower-cased domain of an email ("" when none).
func domainOf(email string) string {
	_, d, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return ""
	}
	return d
}

var domainPattern = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

func validTimezone(tz string) bool {
	if tz == "" || len(tz) > 64 || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}
