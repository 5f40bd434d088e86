package journeys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
)

// New builds the HTTP API, also reachable under Hosting's /api/journeys.
func New(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	a := &api{d: d, policy: authz.New(nil), members: authz.NewFirestoreStore(d.Firestore)}
	return httpapi.Router(EntryHTTP, a.routes()), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d       Deps
	policy  *authz.Authorizer
	members authz.MembershipStore
}

func (a *api) routes() []httpapi.Route {
	read, write := authz.ResourceRead, authz.ResourceWrite
	route := func(method, path string, act authz.Action, h httpapi.HandlerFunc) httpapi.Route {
		return httpapi.Route{RouteSpec: httpapi.RouteSpec{Method: method, Path: path}, Handler: a.protect(act, h)}
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		route(http.MethodGet, "/v1/journeys", read, a.listJourneys),
		route(http.MethodPost, "/v1/journeys", write, a.createJourney),
		route(http.MethodGet, "/v1/journeys/{journeyId}", read, a.getJourney),
		route(http.MethodPut, "/v1/journeys/{journeyId}", write, a.saveJourney),
		route(http.MethodDelete, "/v1/journeys/{journeyId}", write, a.archiveJourney),
		route(http.MethodPost, "/v1/journeys/{journeyId}/publish", write, a.publish),
		route(http.MethodGet, "/v1/journeys/{journeyId}/versions", read, a.listVersions),
		route(http.MethodGet, "/v1/journeys/{journeyId}/versions/{version}", read, a.getVersion),
		route(http.MethodPost, "/v1/journeys/{journeyId}/template", write, a.saveTemplate),
		route(http.MethodGet, "/v1/journeys/{journeyId}/export", read, a.export),
		route(http.MethodGet, "/v1/templates", read, a.listTemplates),
		route(http.MethodGet, "/v1/templates/{templateId}", read, a.getTemplate),
		route(http.MethodDelete, "/v1/templates/{templateId}", write, a.deleteTemplate),
		route(http.MethodPost, "/v1/imports", write, a.importJourney),
	}
}

// protect authenticates, requires an organisation and checks act on it:
// only the organisation's staff pass. The role is the one the membership
// document orgs/{org}/members/{uid} holds now, not the token's claim
// (which may be up to an hour old): a removed or demoted member loses the
// organisation's journeys and templates at once.
func (a *api) protect(act authz.Action, h httpapi.HandlerFunc) http.Handler {
	return auth.Middleware(a.d.Verifier)(auth.RequireOrg(httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, _ := auth.FromContext(r.Context())
		if !authz.ValidDocID(p.Org) {
			return httpapi.Forbidden("the caller's organisation id is not usable")
		}
		m, found, err := a.members.OrgMember(r.Context(), p.Org, p.UID)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if !found {
			return httpapi.Forbidden("you are no longer a member of this organisation")
		}
		current := *p
		current.Role = m.Role
		if err := a.policy.Check(r.Context(), &current, act, authz.Org(p.Org)); err != nil {
			return authz.Problem(err, "organisation")
		}
		return h(w, r)
	})))
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
	e := httpapi.Invalid(fields...)
	e.Status = http.StatusUnprocessableEntity
	if detail != "" {
		e.Detail = fmt.Sprintf("%s: %s", detail, e.Detail)
	}
	return e
}

// problemOf passes problems through and turns anything else (a backend
// failure) into a 503.
func problemOf(err error) error {
	var pe *httpapi.Error
	if errors.As(err, &pe) {
		return pe
	}
	return httpapi.Unavailable(err)
}

// emit publishes ev; the write it reports has happened, so a failure is
// logged rather than answered.
func (a *api) emit(ctx context.Context, p *auth.Principal, typ string, payload any) {
	_, err := a.d.Events.Publish(ctx, events.Event{Type: typ, Payload: payload, OrgID: p.Org, UID: p.UID})
	if err != nil {
		slog.WarnContext(ctx, "event not published", "type", typ, "error", err.Error())
	}
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
