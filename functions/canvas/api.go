package canvas

import (
	"net/http"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/canvas.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	// Every canvas route is open to any signed-in caller here: the handler
	// finds the canvas's organisation (canvas_index) and decides the
	// caller's role from the canvas, their current membership and their
	// part in its session (canvas.Decide), answering 404 to a caller with
	// none. Members is read by no route (no route is scoped to the token's
	// organisation), so the guard only verifies the token.
	guard := authz.Guard{Verifier: d.Verifier}
	return httpapi.Router(EntryHTTP, guard.Routes((&api{d: d}).routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
}

// Who may call a route: the configuration any signed-in caller; the
// canvases whoever the handler finds a role for (see New).
var (
	signedIn = httpapi.Self()
	onCanvas = httpapi.InResourceOrg()
)

func (a *api) routes() []httpapi.Route {
	route := func(method, path string, who httpapi.Access, h httpapi.HandlerFunc) httpapi.Route {
		return httpapi.Handle(method, path, who, h)
	}
	const c = "/v1/canvases/{canvasId}"
	return []httpapi.Route{
		httpapi.HealthRoute(),
		route(http.MethodGet, "/v1/config", signedIn, a.config),
		route(http.MethodPost, "/v1/canvases", onCanvas, withPrincipal(a.create)),
		route(http.MethodGet, "/v1/canvases", onCanvas, withPrincipal(a.list)),
		route(http.MethodPost, "/v1/canvases/import", onCanvas, withPrincipal(a.importDoc)),
		route(http.MethodGet, c, onCanvas, a.canvasRoute(needView, a.get)),
		route(http.MethodPatch, c, onCanvas, a.canvasRoute(needOwner, a.patch)),
		route(http.MethodDelete, c, onCanvas, a.canvasRoute(needOwner, a.trashCanvas)),
		route(http.MethodPut, c+"/shares/{uid}", onCanvas, a.canvasRoute(needOwner, a.share)),
		route(http.MethodDelete, c+"/shares/{uid}", onCanvas, a.canvasRoute(needOwner, a.unshare)),
		route(http.MethodGet, c+"/versions", onCanvas, a.canvasRoute(needView, a.listVersions)),
		route(http.MethodPost, c+"/versions", onCanvas, a.canvasRoute(needEdit, a.snapshotNow)),
		route(http.MethodPost, c+"/versions/{versionId}/restore", onCanvas, a.canvasRoute(needEdit, a.restoreVersion)),
		route(http.MethodGet, c+"/trash", onCanvas, a.canvasRoute(needView, a.listTrash)),
		route(http.MethodPost, c+"/trash/{elementId}/restore", onCanvas, a.canvasRoute(needEdit, a.restoreElement)),
		route(http.MethodPost, c+"/exports", onCanvas, a.canvasRoute(needView, a.export)),
	}
}

// Config is what the web app needs to open the canvas's socket.
type Config struct {
	RealtimeURL string `json:"realtime_url"`
}

func (a *api) config(w http.ResponseWriter, _ *http.Request) error {
	httpapi.WriteJSON(w, http.StatusOK, Config{RealtimeURL: a.d.RealtimeURL})
	return nil
}
