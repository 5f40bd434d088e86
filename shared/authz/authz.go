// Package authz answers one question for every function: may principal P do
// action A on resource R? It denies by default: an unknown action, a missing
// principal, a resource without an organisation, or no relation between the
// caller and the resource is a refusal.
//
// A caller's role in an organisation comes from the verified custom claims
// when the resource belongs to the caller's own organisation (claims are
// checked for revocation on every request, and every membership change
// revokes or refreshes them), and otherwise from the membership document
// orgs/{org}/members/{uid} — a participant may take part in several
// organisations while the claims name one. Rights scoped to a resource (a
// session's participants, a canvas's editors) come only from the resource's
// membership documents {resource}/members/{uid}, never from the token or
// the request.
//
// Two layers use that rule. Guard admits a request to a route as the
// route table declares (public, the caller's own data, the caller's
// organisation, the organisation of the path, the platform; the roles),
// before the handler runs. Check decides what the handler decides further:
// a right that depends on the request's content (inviting staff) or on
// the resource reached (a session's members).
package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Action is something a caller does to a resource.
type Action string

// Actions. Each one has exactly one rule in Policy. Who may call a route
// at all is the route table's declaration (httpapi.RouteSpec, enforced by
// Guard); actions are the rights a handler decides on further, from the
// request's content or the resource it reaches.
const (
	OrgRead       Action = "org.read"         // scope a decision to an organisation (consent)
	InviteStaff   Action = "org.invite.staff" // invite a facilitator, educator or org_admin
	ResourceRead  Action = "resource.read"    // e.g. a session: its members or org staff
	ResourceWrite Action = "resource.write"   // e.g. a canvas: its editors or org staff
)

// Resource role names used in {resource}/members/{uid} documents.
const (
	ResourceOwner       = "owner"
	ResourceEditor      = "editor"
	ResourceParticipant = "participant"
	ResourceViewer      = "viewer"
)

// Role sets, for Policy and for route tables (httpapi.InOrg(authz.Staff...)),
// so that a route and the action it performs name the same roles.
var (
	Staff    = []string{auth.RoleFacilitator, auth.RoleEducator, auth.RoleOrgAdmin}
	everyone = []string{auth.RoleFacilitator, auth.RoleEducator, auth.RoleOrgAdmin, auth.RoleParticipant}
	Admins   = []string{auth.RoleOrgAdmin}
	Inviters = []string{auth.RoleFacilitator, auth.RoleOrgAdmin}
)

// Rule lists the organisation roles and the resource roles that grant an action.
type Rule struct {
	OrgRoles      []string
	ResourceRoles []string
}

// Policy is the whole policy, one rule per action.
var Policy = map[Action]Rule{
	OrgRead:       {OrgRoles: everyone},
	InviteStaff:   {OrgRoles: Admins},
	ResourceRead:  {OrgRoles: Staff, ResourceRoles: []string{ResourceOwner, ResourceEditor, ResourceParticipant, ResourceViewer}},
	ResourceWrite: {OrgRoles: Staff, ResourceRoles: []string{ResourceOwner, ResourceEditor}},
}

// Resource names what is acted on. Org is required. Path, when set, is the
// Firestore document path of a resource with members ("orgs/o/sessions/s").
type Resource struct {
	Org  string
	Path string
}

// Org is the resource of an organisation-wide action.
func Org(id string) Resource { return Resource{Org: id} }

// Member is a membership document's content.
type Member struct {
	Role string `firestore:"role" json:"role"`
}

// MembershipStore reads membership documents. A missing document is
// (Member{}, false, nil); an error means the store could not answer.
type MembershipStore interface {
	// OrgMember reads orgs/{org}/members/{uid}.
	OrgMember(ctx context.Context, org, uid string) (Member, bool, error)
	// ResourceMember reads {path}/members/{uid}.
	ResourceMember(ctx context.Context, path, uid string) (Member, bool, error)
}

// Refusals. ErrNotMember and ErrForbidden are both ErrDenied.
var (
	ErrDenied = errors.New("authz: denied")
	// ErrNotMember: the caller has no relation to the resource's
	// organisation or the resource. Answer 404 so existence does not leak.
	ErrNotMember = fmt.Errorf("%w: not a member", ErrDenied)
	// ErrForbidden: a member whose role lacks the right. Answer 403.
	ErrForbidden = fmt.Errorf("%w: role lacks the right", ErrDenied)
)

// Authorizer applies Policy with a MembershipStore.
type Authorizer struct {
	store  MembershipStore
	policy map[Action]Rule
}

// New builds an Authorizer; store may be nil when only the caller's own
// organisation (from its claims) is ever consulted.
func New(store MembershipStore) *Authorizer {
	return &Authorizer{store: store, policy: Policy}
}

// Check returns nil when p may do act on res, an ErrDenied otherwise, or the
// store's error when it could not answer.
func (a *Authorizer) Check(ctx context.Context, p *auth.Principal, act Action, res Resource) error {
	rule, ok := a.policy[act]
	if !ok || p == nil || p.UID == "" || res.Org == "" || strings.Contains(res.Org, "/") {
		return ErrNotMember
	}
	orgRole, err := a.OrgRole(ctx, p, res.Org)
	if err != nil {
		return err
	}
	if orgRole != "" && slices.Contains(rule.OrgRoles, orgRole) {
		return nil
	}
	resRole := ""
	if res.Path != "" && a.store != nil {
		if !strings.HasPrefix(res.Path, "orgs/"+res.Org+"/") {
			return ErrNotMember // a resource is always under its organisation
		}
		m, found, err := a.store.ResourceMember(ctx, res.Path, p.UID)
		if err != nil {
			return fmt.Errorf("authz: resource membership: %w", err)
		}
		if found {
			resRole = m.Role
		}
		if resRole != "" && slices.Contains(rule.ResourceRoles, resRole) {
			return nil
		}
	}
	if orgRole == "" && resRole == "" {
		return ErrNotMember
	}
	return ErrForbidden
}

// OrgRole is p's role in org: from the claims for the caller's own
// organisation, from the membership document otherwise ("" for none).
func (a *Authorizer) OrgRole(ctx context.Context, p *auth.Principal, org string) (string, error) {
	if p.Org == org && p.Role != "" {
		return p.Role, nil
	}
	if a.store == nil {
		return "", nil
	}
	m, found, err := a.store.OrgMember(ctx, org, p.UID)
	if err != nil {
		return "", fmt.Errorf("authz: org membership: %w", err)
	}
	if !found {
		return "", nil
	}
	return m.Role, nil
}

// Problem maps a Check error to its HTTP problem: 404 for a non-member
// (what is not yours does not exist), 403 for a member without the right,
// 503 when membership could not be read. what names the resource in the
// 404 detail.
func Problem(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotMember):
		return httpapi.NotFound("no %s", what)
	case errors.Is(err, ErrForbidden):
		return httpapi.Forbidden("your role does not allow this")
	default:
		return httpapi.Unavailable(err)
	}
}
