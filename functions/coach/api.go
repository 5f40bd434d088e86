package coach

import (
	"net/http"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/coach.
func New(d Deps) (http.Handler, error) {
	a, err := newAPI(d)
	if err != nil {
		return nil, err
	}
	guard := authz.Guard{Verifier: a.d.Verifier}
	return httpapi.Router(EntryHTTP, guard.Routes(a.routes())), nil
}

// NewStream builds the streaming service: the ask as server-sent events,
// with CORS for Deps.AllowedOrigins.
func NewStream(d Deps) (http.Handler, error) {
	a, err := newAPI(d)
	if err != nil {
		return nil, err
	}
	guard := authz.Guard{Verifier: a.d.Verifier}
	return a.cors(httpapi.Router(EntryStream, guard.Routes(a.streamRoutes()))), nil
}

func newAPI(d Deps) (*api, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	return &api{d: d, names: newNameCache(d.NamesTTL, d.Now), ent: entitlements.New(d.Firestore, nil, d.Now)}, nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

// StreamRoutes lists the streaming service's routes.
func StreamRoutes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).streamRoutes()) }

type api struct {
	d     Deps
	names *nameCache
	// ent reads entitlements (the copilot's tier is its session's
	// organisation's).
	ent *entitlements.Store
}

// Who may call a route: conversations are the caller's own; the copilot
// and the alerts belong to a session's facilitators, whose part in the
// session the handler checks against the session's own organisation.
var (
	self      = httpapi.Self()
	sessStaff = httpapi.InResourceOrg(auth.RoleFacilitator, auth.RoleEducator, auth.RoleOrgAdmin)
)

const (
	convPath = "/v1/conversations/{conversationId}"
	sessPath = "/v1/sessions/{sessionId}"
)

func (a *api) routes() []httpapi.Route {
	h := func(method, path string, who httpapi.Access, f func(http.ResponseWriter, *http.Request, *auth.Principal) error) httpapi.Route {
		return httpapi.Handle(method, path, who, withPrincipal(f))
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		h(http.MethodGet, "/v1/config", self, a.config),
		h(http.MethodGet, "/v1/conversations", self, a.listConversations),
		h(http.MethodPost, "/v1/conversations", self, a.createConversation),
		h(http.MethodGet, convPath, self, a.getConversation),
		h(http.MethodDelete, convPath, self, a.deleteConversation),
		h(http.MethodPost, convPath+"/ask", self, a.ask),
		h(http.MethodPost, convPath+"/messages/{messageId}/feedback", self, a.feedback),
		h(http.MethodPost, sessPath+"/copilot", sessStaff, a.copilot),
		h(http.MethodPost, sessPath+"/copilot/{suggestionId}/feedback", sessStaff, a.copilotFeedback),
		h(http.MethodGet, sessPath+"/alerts", sessStaff, a.listAlerts),
		h(http.MethodPost, sessPath+"/alerts/{alertId}/ack", sessStaff, a.ackAlert),
	}
}

func (a *api) streamRoutes() []httpapi.Route {
	return []httpapi.Route{
		httpapi.HealthRoute(),
		httpapi.Handle(http.MethodPost, convPath+"/ask", self, withPrincipal(a.askStream)),
	}
}

func withPrincipal(f func(http.ResponseWriter, *http.Request, *auth.Principal) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("sign in first")
		}
		return f(w, r, p)
	}
}

// Config is what the app needs before its first question.
type Config struct {
	StreamURL string   `json:"stream_url"`
	Memory    bool     `json:"memory"`
	Credits   Credits  `json:"credits"`
	Languages []string `json:"languages"`
}

func (a *api) config(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	mem, err := a.memoryAllowed(ctx, p)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	c, err := a.readCredits(ctx, nil, p.UID, p.Tier, a.d.Now())
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, Config{StreamURL: a.d.StreamURL, Memory: mem, Credits: c, Languages: Languages})
	return nil
}
