package consent

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/httpapi"
)

// New builds the HTTP API (see Routes), served under Hosting's
// /api/consent prefix.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	guard := authz.Guard{Verifier: d.Verifier, Members: authz.NewFirestoreStore(d.Firestore)}
	return httpapi.Router(EntryHTTP, guard.Routes(newAPI(d).routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents them.
func Routes() []httpapi.RouteSpec { return httpapi.Specs(newAPI(Deps{}).routes()) }

type api struct {
	d     Deps
	jobs  *Jobs
	store *consentvault.Store
	az    *authz.Authorizer
}

func newAPI(d Deps) *api {
	a := &api{d: d}
	if d.Firestore != nil {
		a.jobs = newJobs(d)
		a.store = a.jobs.store
		a.az = authz.New(authz.NewFirestoreStore(d.Firestore))
	}
	return a
}

// routes is the one route table: New mounts it, Routes describes it.
// Everything but the organisation's privacy requests is the caller's own
// data; publishing a policy text is further limited to the platform's
// policy administrators (a list of accounts, not a role).
func (a *api) routes() []httpapi.Route {
	const get, post, put = http.MethodGet, http.MethodPost, http.MethodPut
	self := httpapi.Self()
	route := func(method, path string, who httpapi.Access, h httpapi.HandlerFunc) httpapi.Route {
		return httpapi.Handle(method, path, who, h)
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		route(get, "/v1/policies/{purpose}", self, a.getPolicy),
		route(post, "/v1/policies/{purpose}", self, a.publishPolicy),
		route(get, "/v1/me/consent", self, a.getState),
		route(put, "/v1/me/consent/{purpose}", self, a.decide),
		route(get, "/v1/me/receipts", self, a.listReceipts),
		route(get, "/v1/me/receipts/verify", self, a.verify),
		route(post, "/v1/me/exports", self, a.export),
		route(post, "/v1/me/erasure", self, a.requestErasure),
		route(post, "/v1/me/erasure/{requestId}/confirm", self, a.confirmErasure),
		route(get, "/v1/me/requests/{requestId}", self, a.getRequest),
		route(get, "/v1/orgs/{orgId}/privacy-requests", httpapi.InPathOrg(authz.Admins...), a.orgRequests),
	}
}

func principal(r *http.Request) *auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

func purposeParam(r *http.Request) (consentvault.Purpose, error) {
	p := consentvault.Purpose(r.PathValue("purpose"))
	if !p.Valid() {
		return "", httpapi.NotFound("no purpose %q", r.PathValue("purpose"))
	}
	return p, nil
}

func (a *api) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := purposeParam(r)
	if err != nil {
		return err
	}
	pol, ok, err := a.store.CurrentPolicy(r.Context(), p)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !ok {
		return httpapi.NotFound("no policy published for %s yet", p)
	}
	httpapi.WriteJSON(w, http.StatusOK, pol)
	return nil
}

// PolicyRequest publishes a policy version.
type PolicyRequest struct {
	Texts map[string]string `json:"texts"`
}

func (a *api) publishPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := purposeParam(r)
	if err != nil {
		return err
	}
	if !slices.Contains(a.d.PolicyAdmins, principal(r).UID) {
		return httpapi.Forbidden("only platform policy administrators publish policy texts")
	}
	var req PolicyRequest
	if err := httpapi.DecodeJSON(w, r, &req, 256<<10); err != nil {
		return err
	}
	var fields []httpapi.FieldError
	if req.Texts[consentvault.DefaultLocale] == "" {
		fields = append(fields, httpapi.Field("texts.en", "an English text is required"))
	}
	for loc, t := range req.Texts {
		if len(loc) < 2 || len(loc) > 8 {
			fields = append(fields, httpapi.Field("texts", "locale %q is not a language tag", loc))
		}
		httpapi.MaxLen(&fields, "texts."+loc, t, 50_000)
		httpapi.Text(&fields, "texts."+loc, t, httpapi.MultiLine)
	}
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	pol, err := a.store.PublishPolicy(r.Context(), p, req.Texts)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusCreated, pol)
	return nil
}

// StateView is GET /v1/me/consent.
type StateView struct {
	Purposes []consentvault.Entry `json:"purposes"`
}

func (a *api) getState(w http.ResponseWriter, r *http.Request) error {
	st, err := a.store.State(r.Context(), principal(r).UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, StateView{Purposes: st.List()})
	return nil
}

// DecisionRequest grants or withdraws one purpose.
type DecisionRequest struct {
	Decision  string `json:"decision"`
	Org       string `json:"org,omitempty"`
	Locale    string `json:"locale,omitempty"`
	Mechanism string `json:"mechanism"`
}

// DecisionResponse is the receipt written (none when nothing changed).
type DecisionResponse struct {
	Changed  bool                  `json:"changed"`
	Receipt  *consentvault.Receipt `json:"receipt,omitempty"`
	Purposes []consentvault.Entry  `json:"purposes"`
}

func (a *api) decide(w http.ResponseWriter, r *http.Request) error {
	p, err := purposeParam(r)
	if err != nil {
		return err
	}
	var req DecisionRequest
	if err := httpapi.DecodeJSON(w, r, &req, 16<<10); err != nil {
		return err
	}
	var fields []httpapi.FieldError
	httpapi.OneOf(&fields, "decision", req.Decision, string(consentvault.Grant), string(consentvault.Withdraw))
	httpapi.OneOf(&fields, "mechanism", req.Mechanism, consentvault.Mechanisms()...)
	httpapi.MaxLen(&fields, "locale", req.Locale, 16)
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	pr := principal(r)
	if req.Org != "" {
		if err := a.mayScope(r, pr, p, req.Org, consentvault.Decision(req.Decision)); err != nil {
			return err
		}
	}
	rc, st, changed, err := a.store.Record(r.Context(), consentvault.Change{UID: pr.UID, Purpose: p, Org: req.Org,
		Decision: consentvault.Decision(req.Decision), Locale: req.Locale, Mechanism: req.Mechanism})
	switch {
	case errors.Is(err, consentvault.ErrNoPolicy):
		return httpapi.Conflict("no policy for %s is published yet, so it cannot be granted", p)
	case err != nil:
		return httpapi.Unavailable(err)
	}
	if a.d.Checker != nil {
		a.d.Checker.Invalidate(pr.UID)
	}
	if changed && consentvault.Decision(req.Decision) == consentvault.Withdraw {
		if _, err := a.jobs.Cascade(r.Context(), pr.UID, p); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	resp := DecisionResponse{Changed: changed, Purposes: st.List()}
	if changed {
		resp.Receipt = &rc
	}
	httpapi.WriteJSON(w, http.StatusOK, resp)
	return nil
}

// mayScope lets a decision be scoped to org when the caller has a relation
// to it: they are its member, they take part in one of its sessions (a
// participant from another organisation decides what that organisation's
// facilitators see), or — for a withdrawal — they decided for it before,
// so that withdrawing stays possible after the relation ended. Anyone else
// gets the same 404 whether or not the organisation exists.
func (a *api) mayScope(r *http.Request, pr *auth.Principal, p consentvault.Purpose, org string, d consentvault.Decision) error {
	ctx := r.Context()
	if !authz.ValidOrgID(org) {
		return authz.Problem(authz.ErrNotMember, "organisation "+org)
	}
	err := a.az.Check(ctx, pr, authz.OrgRead, authz.Org(org))
	if err == nil || !errors.Is(err, authz.ErrNotMember) {
		return authz.Problem(err, "organisation "+org)
	}
	ok, rerr := a.jobs.orgRelated(ctx, pr.UID, org)
	if rerr != nil {
		return httpapi.Unavailable(rerr)
	}
	if !ok && d == consentvault.Withdraw {
		st, serr := a.store.State(ctx, pr.UID)
		if serr != nil {
			return httpapi.Unavailable(serr)
		}
		_, ok = st.Entries[consentvault.Key(p, org)]
	}
	if !ok {
		return authz.Problem(err, "organisation "+org)
	}
	return nil
}

func (a *api) listReceipts(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.store.Receipts(r.Context(), principal(r).UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"receipts": rs})
	return nil
}

func (a *api) verify(w http.ResponseWriter, r *http.Request) error {
	v, err := a.store.Verify(r.Context(), principal(r).UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *api) export(w http.ResponseWriter, r *http.Request) error {
	pr := principal(r)
	v, err := a.jobs.Export(r.Context(), pr.UID, pr.Org)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (a *api) requestErasure(w http.ResponseWriter, r *http.Request) error {
	pr := principal(r)
	v, err := a.jobs.RequestErasure(r.Context(), pr.UID, pr.Org)
	if p := authz.SoleAdminProblem(err); p != nil {
		return p
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusCreated, v)
	return nil
}

// ConfirmRequest carries the code RequestErasure returned.
type ConfirmRequest struct {
	Code string `json:"code"`
}

func (a *api) confirmErasure(w http.ResponseWriter, r *http.Request) error {
	var req ConfirmRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	var fields []httpapi.FieldError
	httpapi.Required(&fields, "code", req.Code)
	httpapi.MaxLen(&fields, "code", req.Code, 64)
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	id := r.PathValue("requestId")
	if !validID(id) {
		return httpapi.NotFound("no request %q", id)
	}
	v, err := a.jobs.ConfirmErasure(r.Context(), principal(r).UID, id, req.Code)
	switch {
	case errors.Is(err, errNotFound):
		return httpapi.NotFound("no request %q", id)
	case errors.Is(err, errBadCode):
		return httpapi.Forbidden("the confirmation code is wrong")
	case errors.Is(err, errNotAwaits):
		return httpapi.Conflict("the request is not awaiting confirmation")
	case authz.SoleAdminProblem(err) != nil:
		return authz.SoleAdminProblem(err)
	case err != nil:
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (a *api) getRequest(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("requestId")
	if !validID(id) {
		return httpapi.NotFound("no request %q", id)
	}
	req, err := a.jobs.request(r.Context(), id)
	if errors.Is(err, errNotFound) || (err == nil && req.UID != principal(r).UID) {
		return httpapi.NotFound("no request %q", id)
	}
	if err != nil {
		return httpapi.Unavailable(err)
	}
	v := view(id, req, a.d.Now())
	if req.Kind == KindExport && req.Status == StatusCompleted && req.Object != "" {
		if err := a.jobs.sign(&v, req.Object); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// orgRequests lists the organisation's open requests with their deadlines
// (org admins only), oldest deadline first.
func (a *api) orgRequests(w http.ResponseWriter, r *http.Request) error {
	org := authz.RouteOrg(r)
	snaps, err := a.d.Firestore.Collection(colRequests).Where("org", "==", org).Documents(r.Context()).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	now := a.d.Now()
	out := []RequestView{}
	for _, s := range snaps {
		var d RequestDoc
		if err := s.DataTo(&d); err != nil || d.Status == StatusCompleted {
			continue
		}
		out = append(out, view(s.Ref.ID, d, now))
	}
	slices.SortFunc(out, func(x, y RequestView) int { return x.DueAt.Compare(y.DueAt) })
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"requests": out, "deadline_days": int(Deadline / (24 * time.Hour))})
	return nil
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 128 || s[0] == '_' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
