package journeys

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
)

// New builds the HTTP API, also reachable under Hosting's /api/journeys.
func New(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	// The role is the one the membership document orgs/{org}/members/{uid}
	// holds now, not the token's claim (which may be up to an hour old): a
	// removed or demoted member loses the organisation's journeys and
	// templates at once.
	guard := authz.Guard{Verifier: d.Verifier, Members: authz.NewFirestoreStore(d.Firestore), CurrentRole: true}
	return httpapi.Router(EntryHTTP, guard.Routes((&api{d: d}).routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
}

// routes is the one route table: New mounts it, Routes describes it.
// Journeys and templates belong to the caller's organisation; only its
// staff (facilitator, educator, org_admin) reach them.
func (a *api) routes() []httpapi.Route {
	staff := httpapi.InOrg(authz.Staff...)
	route := func(method, path string, h httpapi.HandlerFunc) httpapi.Route {
		return httpapi.Handle(method, path, staff, h)
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		route(http.MethodGet, "/v1/journeys", a.listJourneys),
		route(http.MethodPost, "/v1/journeys", a.createJourney),
		route(http.MethodGet, "/v1/journeys/{journeyId}", a.getJourney),
		route(http.MethodPut, "/v1/journeys/{journeyId}", a.saveJourney),
		route(http.MethodDelete, "/v1/journeys/{journeyId}", a.archiveJourney),
		route(http.MethodPost, "/v1/journeys/{journeyId}/publish", a.publish),
		route(http.MethodGet, "/v1/journeys/{journeyId}/versions", a.listVersions),
		route(http.MethodGet, "/v1/journeys/{journeyId}/versions/{version}", a.getVersion),
		route(http.MethodPost, "/v1/journeys/{journeyId}/template", a.saveTemplate),
		route(http.MethodGet, "/v1/journeys/{journeyId}/export", a.export),
		route(http.MethodGet, "/v1/templates", a.listTemplates),
		route(http.MethodGet, "/v1/templates/{templateId}", a.getTemplate),
		route(http.MethodDelete, "/v1/templates/{templateId}", a.deleteTemplate),
		route(http.MethodPost, "/v1/imports", a.importJourney),
	}
}

func principal(r *http.Request) *auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

// journeyID is the {journeyId} path value; an impossible id is simply not found.
func journeyID(r *http.Request) (string, error) {
	id := r.PathValue("journeyId")
	if !journey.ValidID(id) {
		return "", httpapi.NotFound("no journey %q", id)
	}
	return id, nil
}

func notFound(err error) bool { return status.Code(err) == codes.NotFound }

// invalidJourney is a journey that breaks the rules: 422 with every field.
func invalidJourney(detail string, fields []httpapi.FieldError) error {
	e := httpapi.Unprocessable(fields...)
	if detail != "" {
		e.Detail = fmt.Sprintf("%s: %s", detail, e.Detail)
	}
	return e
}

func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, httpapi.Invalid(httpapi.Field(name, "must be a whole number between %d and %d", lo, hi))
	}
	return n, nil
}

func newUUID() string { return uuid.NewString() }
