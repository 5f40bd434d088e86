package authz

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Guard enforces what each route of a table declares about its callers
// (httpapi.RouteSpec: Public, Scope, Roles) before the handler runs, so a
// handler never checks a role by hand:
//
//   - every signed-in route verifies the ID token (auth.Middleware: 401,
//     429, 503);
//   - ScopeSelf admits any verified caller; so does ScopeResource, whose
//     handler checks Roles against the resource's own organisation;
//   - ScopeOrg needs an organisation in the token (403 otherwise) whose id
//     passes ValidOrgID (403), and a role in it among Roles (403);
//   - ScopePathOrg reads {orgId}: an id that fails ValidOrgID, or an
//     organisation the caller does not belong to, is 404 (what is not
//     yours does not exist); a member whose role is not among Roles gets
//     403;
//   - ScopePlatform admits platform operators with a verified address
//     (403 otherwise), and validates an {orgId} in the path like
//     ScopePathOrg without matching it to the caller.
//
// Roles empty means any member: one of the organisation roles auth knows.
type Guard struct {
	Verifier auth.Verifier
	// Members reads membership documents: the caller's role in an
	// organisation of the path other than the one the token names. Nil:
	// only the token's organisation is ever admitted.
	Members MembershipStore
	// CurrentRole reads the caller's role in the token's organisation from
	// its membership document too (a missing one is 403), so a removed or
	// demoted member loses access at once rather than at the next token
	// refresh. Needs Members.
	CurrentRole bool
}

// Grant is what the guard established for a request: the organisation it
// acts in ("" for ScopeSelf, or ScopePlatform without {orgId}) and the
// caller's role there.
type Grant struct {
	Org  string
	Role string
}

type grantKey struct{}

// GrantOf returns the Grant the guard put into ctx.
func GrantOf(ctx context.Context) (Grant, bool) {
	g, ok := ctx.Value(grantKey{}).(Grant)
	return g, ok
}

// RouteOrg is the organisation the guard admitted r to: the {orgId} of the
// path or the caller's own. Handlers read the organisation only from here
// (or the principal), never from the request again.
func RouteOrg(r *http.Request) string {
	g, _ := GrantOf(r.Context())
	return g.Org
}

// orgID is the one rule for an organisation id, in a path or a token: it
// is embedded in Firestore document paths and Storage object names, so it
// is a plain token that cannot change either.
var orgID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ValidOrgID reports an organisation id usable in a document path or an
// object name: 1-128 of A-Z, a-z, 0-9, '-' and '_', not starting with
// "__" (reserved by Firestore).
func ValidOrgID(id string) bool {
	return orgID.MatchString(id) && !strings.HasPrefix(id, "__")
}

// Routes wraps every signed-in route of routes in the guard. An access
// declaration that is incomplete or contradicts its path
// (RouteSpec.CheckAccess) panics, as ServeMux does on a bad pattern: it is
// a programming error, caught by any test that builds the table.
func (g Guard) Routes(routes []httpapi.Route) []httpapi.Route {
	out := make([]httpapi.Route, len(routes))
	for i, r := range routes {
		if err := r.CheckAccess(); err != nil {
			panic("authz: " + err.Error())
		}
		if !r.Public {
			r.Handler = g.Wrap(r.RouteSpec, r.Handler)
		}
		out[i] = r
	}
	return out
}

// Wrap guards one route's handler as its spec declares.
func (g Guard) Wrap(spec httpapi.RouteSpec, next http.Handler) http.Handler {
	return auth.Middleware(g.Verifier)(httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("authentication required")
		}
		grant, err := g.admit(r, spec, p)
		if err != nil {
			return err
		}
		ctx := context.WithValue(r.Context(), grantKey{}, grant)
		if grant.Org == p.Org && grant.Role != "" && grant.Role != p.Role {
			// The current role (CurrentRole) replaces the token's, so a
			// handler reading the principal sees what the guard decided on.
			current := *p
			current.Role = grant.Role
			ctx = auth.WithPrincipal(ctx, &current)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
		return nil
	}))
}

// memberRoles are the roles an organisation's member may hold; a route
// without Roles admits these.
var memberRoles = everyone

func (g Guard) admit(r *http.Request, spec httpapi.RouteSpec, p *auth.Principal) (Grant, error) {
	switch spec.Scope {
	case httpapi.ScopeSelf, httpapi.ScopeResource:
		// ScopeResource: the handler knows the resource's organisation
		// and checks spec.Roles there (see httpapi.ScopeResource).
		return Grant{}, nil
	case httpapi.ScopePlatform:
		if !p.PlatformOperator || !p.EmailVerified {
			return Grant{}, httpapi.Forbidden("only platform operators may do this")
		}
		var grant Grant
		if slices.Contains(httpapi.PathParams(spec.Path), httpapi.OrgParam) {
			if grant.Org = r.PathValue(httpapi.OrgParam); !ValidOrgID(grant.Org) {
				return Grant{}, httpapi.NotFound("no organisation %q", grant.Org)
			}
		}
		return grant, nil
	case httpapi.ScopeOrg:
		if p.Org == "" {
			return Grant{}, httpapi.Forbidden("join or create an organisation first")
		}
		if !ValidOrgID(p.Org) {
			return Grant{}, httpapi.Forbidden("the caller's organisation id is not usable")
		}
		role, err := g.role(r.Context(), p, p.Org)
		if err != nil {
			return Grant{}, err
		}
		if role == "" {
			return Grant{}, httpapi.Forbidden("you are no longer a member of this organisation")
		}
		return g.allow(spec, p.Org, role)
	case httpapi.ScopePathOrg:
		org := r.PathValue(httpapi.OrgParam)
		if !ValidOrgID(org) {
			return Grant{}, httpapi.NotFound("no organisation %q", org)
		}
		role, err := g.role(r.Context(), p, org)
		if err != nil {
			return Grant{}, err
		}
		if role == "" {
			return Grant{}, Problem(ErrNotMember, "organisation "+org)
		}
		return g.allow(spec, org, role)
	default:
		return Grant{}, httpapi.Internal(fmt.Errorf("route %s declares no scope", spec.Pattern()))
	}
}

func (g Guard) allow(spec httpapi.RouteSpec, org, role string) (Grant, error) {
	roles := spec.Roles
	if len(roles) == 0 {
		roles = memberRoles
	}
	if !slices.Contains(roles, role) {
		return Grant{}, Problem(ErrForbidden, "")
	}
	return Grant{Org: org, Role: role}, nil
}

// role is p's role in org ("" for none): the token's for its own
// organisation (unless CurrentRole), the membership document's otherwise.
func (g Guard) role(ctx context.Context, p *auth.Principal, org string) (string, error) {
	if p.Org == org && p.Role != "" && !g.CurrentRole {
		return p.Role, nil
	}
	if g.Members == nil || !ValidDocID(p.UID) {
		return "", nil
	}
	m, found, err := g.Members.OrgMember(ctx, org, p.UID)
	if err != nil {
		return "", httpapi.Unavailable(fmt.Errorf("authz: org membership: %w", err))
	}
	if !found {
		return "", nil
	}
	return m.Role, nil
}
