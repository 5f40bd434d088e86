package sessions

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/sessions.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	a := &api{d: d}
	return httpapi.Router(EntryHTTP, a.routes()), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
}

// routes gathers the route groups, one per concern (each in its own file).
func (a *api) routes() []httpapi.Route {
	return slices.Concat(
		[]httpapi.Route{httpapi.HealthRoute()},
		a.scheduleRoutes(),
		a.inviteRoutes(),
		a.liveRoutes(),
		a.drawRoutes(),
		a.breakoutRoutes(),
		a.homeworkRoutes(),
	)
}

// route is a shorthand for a route table entry.
func route(method, path string, h http.Handler) httpapi.Route {
	return httpapi.Route{RouteSpec: httpapi.RouteSpec{Method: method, Path: path}, Handler: h}
}

// authed authenticates the caller (any role, any organisation).
func (a *api) authed(h func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error) http.Handler {
	return auth.Middleware(a.d.Verifier)(httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("sign in first")
		}
		return h(w, r, p)
	}))
}

// emit publishes a domain event of session s; uid is the acting person
// ("" for the system). The state change is already stored, so a failure
// is logged, never answered as an error: delivery is at least once
// downstream and the change itself is the truth.
func (a *api) emit(ctx context.Context, typ, org, sessionID, uid string, payload any) {
	emit(ctx, a.d.Events, typ, org, sessionID, uid, payload)
}

func emit(ctx context.Context, pub EventPublisher, typ, org, sessionID, uid string, payload any) {
	if _, err := pub.Publish(ctx, events.Event{Type: typ, Payload: payload, OrgID: org, SessionID: sessionID, UID: uid}); err != nil {
		slog.WarnContext(ctx, "sessions: event not published", "type", typ, "org_id", org, "session_id", sessionID, "err", err)
	}
}
