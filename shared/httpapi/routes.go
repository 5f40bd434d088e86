package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// RouteSpec describes one route of a function's HTTP API without its
// handler, so tooling (the OpenAPI check, the cross-tenant guard) can list a
// function's routes without building its clients. It also states who may
// call the route (Public, Scope, Roles): shared/authz's Guard enforces
// exactly that, and infra/openapi.yaml documents it (security, x-roles), so
// the served behaviour, the document and the guard test read one
// declaration.
type RouteSpec struct {
	Method string // GET, POST, …
	// Path is the ServeMux path relative to the function, e.g.
	// "/v1/media/{id}"; Hosting serves it under "/api/{function}".
	Path string
	// Public marks a route open to anonymous callers (no ID token).
	Public bool
	// Scope says which organisation a signed-in route acts in, and so
	// where the caller's role is looked up.
	Scope Scope
	// Roles limits the route to callers holding one of these roles in the
	// route's organisation (OpenAPI x-roles). Empty: any member of it, or
	// any signed-in caller for ScopeSelf.
	Roles []string
}

// Scope is where a route's organisation comes from.
type Scope string

const (
	// ScopeSelf: the caller's own data (/v1/me…); any signed-in caller,
	// with or without an organisation. Handlers key everything on the
	// caller's uid.
	ScopeSelf Scope = "self"
	// ScopeOrg: the caller's own organisation, as the verified token names
	// it; the route has no organisation in its path.
	ScopeOrg Scope = "org"
	// ScopePathOrg: the organisation named by the {orgId} path parameter,
	// which the caller must belong to.
	ScopePathOrg Scope = "path-org"
	// ScopePlatform: the platform itself, across organisations; only
	// platform operators (Roles is exactly [OperatorRole]).
	ScopePlatform Scope = "platform"
	// ScopeResource: the organisation of the resource the path names
	// (a session), which need not be the caller's own: a participant
	// reaches another organisation's session. The guard verifies the token
	// only; the handler loads the resource and admits the caller by their
	// current part in it and their current role in its organisation,
	// within Roles, answering 404 to a caller with no part in it.
	ScopeResource Scope = "resource-org"
)

// OrgParam is the path parameter naming an organisation: it is validated
// (and, under ScopePathOrg, matched to the caller) in one place, the guard.
const OrgParam = "orgId"

// OperatorRole is the pseudo-role of platform operators in Roles and
// x-roles: the platform_operator claim (auth.ClaimPlatformOperator), not a
// role in any organisation.
const OperatorRole = "platform_operator"

// Access is who may call a route; Handle copies it into the RouteSpec.
type Access struct {
	Public bool
	Scope  Scope
	Roles  []string
}

// Anyone is a public route: anonymous callers too.
func Anyone() Access { return Access{Public: true} }

// Self is a route on the caller's own data: any signed-in caller.
func Self() Access { return Access{Scope: ScopeSelf} }

// InOrg is a route in the caller's own organisation, limited to roles
// (none: any member).
func InOrg(roles ...string) Access { return Access{Scope: ScopeOrg, Roles: roles} }

// InPathOrg is a route in the organisation named by {orgId}, limited to
// roles (none: any member).
func InPathOrg(roles ...string) Access { return Access{Scope: ScopePathOrg, Roles: roles} }

// InResourceOrg is a route on a resource (a session) that the handler
// authorises against the resource's own organisation, limited to roles
// there (none: anyone with a part in the resource).
func InResourceOrg(roles ...string) Access { return Access{Scope: ScopeResource, Roles: roles} }

// Operators is a route for platform operators, across organisations.
func Operators() Access { return Access{Scope: ScopePlatform, Roles: []string{OperatorRole}} }

// Handle declares one route: method, path, who may call it, and its handler.
func Handle(method, path string, who Access, h http.Handler) Route {
	return Route{RouteSpec: RouteSpec{Method: method, Path: path, Public: who.Public, Scope: who.Scope, Roles: who.Roles}, Handler: h}
}

// CheckAccess reports a route whose access declaration is incomplete or
// contradicts its path: a signed-in route must name its scope; a public
// one names none; {orgId} in the path is ScopePathOrg (or ScopePlatform,
// whose operators act on any organisation), and ScopePathOrg needs it;
// OperatorRole is ScopePlatform's only role and nobody else's.
func (s RouteSpec) CheckAccess() error {
	hasOrg := slices.Contains(PathParams(s.Path), OrgParam)
	bad := func(why string) error { return fmt.Errorf("route %s: %s", s.Pattern(), why) }
	switch {
	case s.Public:
		if s.Scope != "" || len(s.Roles) > 0 {
			return bad("a public route declares no scope or roles")
		}
		return nil
	case s.Scope == ScopePlatform:
		if !slices.Equal(s.Roles, []string{OperatorRole}) {
			return bad("the platform scope is for " + OperatorRole + " only")
		}
		return nil
	case slices.Contains(s.Roles, OperatorRole):
		return bad(OperatorRole + " is the platform scope's role")
	case s.Scope == ScopeSelf:
		if len(s.Roles) > 0 {
			return bad("a route on the caller's own data has no organisation to hold roles in")
		}
	case s.Scope == ScopeOrg, s.Scope == ScopePathOrg, s.Scope == ScopeResource:
	default:
		return bad(fmt.Sprintf("unknown or missing scope %q", s.Scope))
	}
	if hasOrg != (s.Scope == ScopePathOrg) {
		return bad("{" + OrgParam + "} in the path and the path-org scope go together")
	}
	return nil
}

// Pattern is the ServeMux pattern "METHOD /path".
func (s RouteSpec) Pattern() string { return s.Method + " " + s.Path }

// Route is a RouteSpec with its handler.
type Route struct {
	RouteSpec
	Handler http.Handler
}

// Mount registers every route on mux. Like ServeMux.Handle, it panics on a
// duplicate or malformed pattern: that is a programming error.
func Mount(mux *http.ServeMux, routes []Route) {
	for _, r := range routes {
		mux.Handle(r.Pattern(), r.Handler)
	}
}

// Specs lists the specs of routes, in order.
func Specs(routes []Route) []RouteSpec {
	out := make([]RouteSpec, len(routes))
	for i, r := range routes {
		out[i] = r.RouteSpec
	}
	return out
}

// PathParams lists the {name} parameters of a path, in order ("{rest...}"
// yields "rest").
func PathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return out
}

// Router is a function's whole HTTP handler: its route table on a
// ServeMux inside the standard Chain.
func Router(name string, routes []Route) http.Handler {
	mux := http.NewServeMux()
	Mount(mux, routes)
	return Chain(name, mux)
}

// HealthRoute is the public GET /healthz every function serves; it needs
// no backend, so it answers even before clients are built.
func HealthRoute() Route {
	return Route{
		RouteSpec: RouteSpec{Method: http.MethodGet, Path: "/healthz", Public: true},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}),
	}
}
