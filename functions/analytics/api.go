package analytics

import (
	"net/http"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/analytics.
func New(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	// The role is the membership document's, read on every request: a
	// demoted admin loses the organisation's reports at once.
	guard := authz.Guard{Verifier: d.Verifier, Members: authz.NewFirestoreStore(d.Firestore), CurrentRole: true}
	return httpapi.Router(EntryHTTP, guard.Routes((&api{d: d}).routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
}

// routes: one route for every report, open to any member of the caller's
// organisation; each report's own roles are checked by the handler, since
// the report is a path value.
func (a *api) routes() []httpapi.Route {
	return []httpapi.Route{
		httpapi.HealthRoute(),
		httpapi.Handle(http.MethodGet, "/v1/reports/{report}", httpapi.InOrg(), httpapi.HandlerFunc(a.report)),
	}
}

func (a *api) report(w http.ResponseWriter, r *http.Request) error {
	now := a.d.Now().UTC()
	p, err := parseParams(r.PathValue("report"), r.URL.Query(), now)
	if err != nil {
		return err
	}
	caller, _ := auth.FromContext(r.Context())
	grant, _ := authz.GrantOf(r.Context())
	if p.Org != "" && p.Org != grant.Org {
		return httpapi.NotFound("no organisation %q", p.Org)
	}
	p.Org = grant.Org
	rep, _ := reportByName(p.Report)
	if !rep.allows(grant.Role) {
		return httpapi.Forbidden("the %s report is for %s", rep.Name, rolesText(rep.Roles))
	}
	res, sc, err := a.result(r.Context(), rep, p, caller.UID, grant.Role, now)
	if err != nil {
		return err
	}
	if err := a.titles(r.Context(), rep, p, sc, res); err != nil {
		return err
	}
	res.Columns = labelled(rep.Columns, p.Lang)
	return write(w, p, res)
}

func rolesText(roles []string) string {
	s := ""
	for i, r := range roles {
		switch {
		case i == 0:
		case i == len(roles)-1:
			s += " or "
		default:
			s += ", "
		}
		s += r
	}
	return s
}
