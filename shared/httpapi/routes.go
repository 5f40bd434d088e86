package httpapi

import (
	"net/http"
	"strings"
)

// RouteSpec describes one route of a function's HTTP API without its
// handler, so tooling (the OpenAPI check, the cross-tenant guard) can list a
// function's routes without building its clients.
type RouteSpec struct {
	Method string // GET, POST, …
	// Path is the ServeMux path relative to the function, e.g.
	// "/v1/media/{id}"; Hosting serves it under "/api/{function}".
	Path string
	// Public marks a route open to anonymous callers (no ID token).
	Public bool
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
