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
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
)

// New builds the HTTP API, also reachable under Hosting's /api/content.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true, true)
	if err != nil {
		return nil, err
	}
	a := &api{d: d, ob: d.Outbox, img: newImageSigner(d)}
	// Roles come from the token's claims: content reads no membership.
	return httpapi.Router(EntryHTTP, authz.Guard{Verifier: d.Verifier}.Routes(a.routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d   Deps
	ob  *outbox.Outbox
	img *imageSigner
}

// routes is the one route table: New mounts it, Routes describes it. The
// library is the caller's organisation's (and the official one): any
// member reads and records uses, staff write, admins read usage.
func (a *api) routes() []httpapi.Route {
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	member, staff, admins := httpapi.InOrg(), httpapi.InOrg(authz.Staff...), httpapi.InOrg(authz.Admins...)
	route := func(method, path string, who httpapi.Access, h httpapi.HandlerFunc) httpapi.Route {
		return httpapi.Handle(method, path, who, h)
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		route(get, "/v1/items", member, a.listItems),
		route(post, "/v1/items", staff, a.createItem),
		route(get, "/v1/items/{itemId}", member, a.getItem),
		route(put, "/v1/items/{itemId}", staff, a.updateItem),
		route(del, "/v1/items/{itemId}", staff, a.archiveItem),
		route(post, "/v1/imports", staff, a.importItems),
		route(get, "/v1/search", member, a.search),
		route(post, "/v1/usage", member, a.recordUse),
		route(get, "/v1/usage", admins, a.usageSummary),
	}
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
func (a *api) readItem(ctx context.Context, org, id string) (*library.Item, bool, error) {
	snap, err := a.d.Firestore.Collection(library.ItemsPath(org)).Doc(id).Get(ctx)
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

func decodeItem(snap *firestore.DocumentSnapshot, org string) (*library.Item, error) {
	var it library.Item
	if err := snap.DataTo(&it); err != nil {
		return nil, err
	}
	it.ID, it.Org = snap.Ref.ID, org
	return &it, nil
}

// visibleItem finds id for p: the caller's organisation first, then the
// official library. Drafts and archived items are visible to the staff of
// their organisation (and official ones to the library's admins) only.
func (a *api) visibleItem(ctx context.Context, p *auth.Principal, id string) (*library.Item, error) {
	if !library.ValidID(id) {
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
		if it.Status != library.StatusPublished && !a.manages(p, org) {
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
