package content

import (
	"context"
	"net/http"
	"strconv"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/content"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API, also reachable under Hosting's /api/content.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true, true)
	if err != nil {
		return nil, err
	}
	a := &api{d: d, policy: authz.New(nil)}
	return httpapi.Router(EntryHTTP, a.routes()), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d      Deps
	policy *authz.Authorizer
}

func (a *api) routes() []httpapi.Route {
	return []httpapi.Route{
		httpapi.HealthRoute(),
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodGet, Path: "/v1/items"}, Handler: a.protect(authz.ContentRead, a.listItems)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodPost, Path: "/v1/items"}, Handler: a.protect(authz.ContentWrite, a.createItem)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodGet, Path: "/v1/items/{itemId}"}, Handler: a.protect(authz.ContentRead, a.getItem)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodPut, Path: "/v1/items/{itemId}"}, Handler: a.protect(authz.ContentWrite, a.updateItem)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodDelete, Path: "/v1/items/{itemId}"}, Handler: a.protect(authz.ContentWrite, a.archiveItem)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodPost, Path: "/v1/imports"}, Handler: a.protect(authz.ContentWrite, a.importItems)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodGet, Path: "/v1/search"}, Handler: a.protect(authz.ContentRead, a.search)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodPost, Path: "/v1/usage"}, Handler: a.protect(authz.ContentUse, a.recordUse)},
		{RouteSpec: httpapi.RouteSpec{Method: http.MethodGet, Path: "/v1/usage"}, Handler: a.protect(authz.ContentUsageRead, a.usageSummary)},
	}
}

// protect authenticates, requires an organisation and checks act on it.
func (a *api) protect(act authz.Action, h httpapi.HandlerFunc) http.Handler {
	return auth.Middleware(a.d.Verifier)(auth.RequireOrg(httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, _ := auth.FromContext(r.Context())
		if !content.ValidID(p.Org) && !authz.ValidDocID(p.Org) {
			return httpapi.Forbidden("the caller's organisation id is not usable")
		}
		if err := a.policy.Check(r.Context(), p, act, authz.Org(p.Org)); err != nil {
			return authz.Problem(err, "organisation")
		}
		return h(w, r)
	})))
}

// library resolves ?library= for writes: "org" (default) is the caller's
// organisation, "official" the platform library (its admins only).
func (a *api) library(r *http.Request, p *auth.Principal) (string, error) {
	switch r.URL.Query().Get("library") {
	case "", "org":
		return p.Org, nil
	case "official":
		if p.Org != a.d.OfficialOrg || p.Role != auth.RoleOrgAdmin {
			return "", httpapi.Forbidden("only the official library's administrators change it")
		}
		return "", nil
	default:
		return "", httpapi.Invalid(httpapi.Field("library", "must be org or official"))
	}
}

// readItem loads item id of org ("" official); found false when missing.
func (a *api) readItem(ctx context.Context, org, id string) (*content.Item, bool, error) {
	snap, err := a.d.Firestore.Collection(content.ItemsPath(org)).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, httpapi.Unavailable(err)
	}
	it, err := decodeItem(snap, org)
	if err != nil {
		return nil, false, httpapi.Unavailable(err)
	}
	return it, true, nil
}

func decodeItem(snap *firestore.DocumentSnapshot, org string) (*content.Item, error) {
	var it content.Item
	if err := snap.DataTo(&it); err != nil {
		return nil, err
	}
	it.ID, it.Org = snap.Ref.ID, org
	return &it, nil
}

// visibleItem finds id for p: the caller's organisation first, then the
// official library. Drafts and archived items are visible to the staff of
// their organisation (and official ones to the library's admins) only.
func (a *api) visibleItem(ctx context.Context, p *auth.Principal, id string) (*content.Item, error) {
	if !content.ValidID(id) {
		return nil, httpapi.NotFound("no item %q", id)
	}
	for _, org := range []string{p.Org, ""} {
		it, found, err := a.readItem(ctx, org, id)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		if it.Status != content.StatusPublished && !a.manages(p, org) {
			continue
		}
		return it, nil
	}
	return nil, httpapi.NotFound("no item %q", id)
}

// manages reports whether p may manage (and see drafts of) org's library.
func (a *api) manages(p *auth.Principal, org string) bool {
	if org == "" {
		return p.Org == a.d.OfficialOrg && p.Role == auth.RoleOrgAdmin
	}
	return p.Org == org && p.IsStaff()
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
