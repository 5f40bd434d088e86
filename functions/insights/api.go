package insights

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/insights"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// New builds the HTTP API, also reachable under Hosting's /api/insights.
func New(d Deps) (http.Handler, error) {
	d, err := d.check(true)
	if err != nil {
		return nil, err
	}
	a := &api{d: d, e: newEngine(d)}
	guard := authz.Guard{Verifier: d.Verifier}
	return httpapi.Router(EntryHTTP, guard.Routes(a.routes())), nil
}

// Routes lists the HTTP API's routes; infra/openapi.yaml documents exactly these.
func Routes() []httpapi.RouteSpec { return httpapi.Specs((&api{}).routes()) }

type api struct {
	d Deps
	e *engine
}

// Facilitators of the session only; the handler checks their part in it
// against the session's own organisation.
var sessStaff = httpapi.InResourceOrg(authz.Staff...)

const sessPath = "/v1/sessions/{sessionId}"

type handler func(w http.ResponseWriter, r *http.Request, p *auth.Principal, s *session) error

func (a *api) routes() []httpapi.Route {
	h := func(method, path string, f handler) httpapi.Route {
		return httpapi.Handle(method, path, sessStaff, httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			p, ok := auth.FromContext(r.Context())
			if !ok {
				return httpapi.Unauthenticated("sign in first")
			}
			s, err := a.facilitated(r.Context(), p, r.PathValue("sessionId"))
			if err != nil {
				return err
			}
			return f(w, r, p, s)
		}))
	}
	return []httpapi.Route{
		httpapi.HealthRoute(),
		h(http.MethodGet, sessPath+"/live", a.live),
		h(http.MethodPost, sessPath+"/recommendations/{recId}", a.feedback),
		h(http.MethodGet, sessPath+"/retrospective", a.retrospective),
		h(http.MethodGet, sessPath+"/retrospective.pdf", a.retrospectivePDF),
	}
}

// facilitated finds session id (the caller's organisation first, then the
// index) when the caller facilitates it; anything else is 404.
func (a *api) facilitated(ctx context.Context, p *auth.Principal, id string) (*session, error) {
	notFound := httpapi.NotFound("no session %q", id)
	if !authz.ValidDocID(id) {
		return nil, notFound
	}
	fs := a.d.Firestore
	snap, err := sessionaccess.Find(ctx, fs, p.Org, id)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if snap == nil {
		return nil, notFound
	}
	s, err := decodeSession(snap)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	rel, _, err := sessionaccess.Of(ctx, fs, nil, sessionaccess.Session{Ref: s.ref, Org: s.Org, Facilitator: s.Facilitator, CoFacilitators: s.CoFacilitators}, p.UID)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	switch rel {
	case sessionaccess.Facilitator:
	case sessionaccess.Participant, sessionaccess.OrgStaff:
		// They know the session: a role without the right is 403.
		return nil, httpapi.Forbidden("only the session's facilitators see its insights")
	default:
		return nil, notFound
	}
	return s, nil
}

// langParam reads ?lang= ("" when absent).
func langParam(r *http.Request) (string, error) {
	l := r.URL.Query().Get("lang")
	if l != "" && !validLang(l) {
		return "", httpapi.Invalid(httpapi.Field("lang", "must be one of en, es, fr, de, he"))
	}
	return l, nil
}

func (a *api) live(w http.ResponseWriter, r *http.Request, _ *auth.Principal, s *session) error {
	ctx := r.Context()
	lang, err := langParam(r)
	if err != nil {
		return err
	}
	after := int64(-1)
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return httpapi.Invalid(httpapi.Field("after", "must be a version (a whole number ≥ 0)"))
		}
		after = n
	}
	refs := sessionRefs(a.d.Firestore, s.Org, s.ID)
	if lang != "" {
		if err := a.setLang(ctx, s, lang); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	var l *insights.Live
	if after < 0 {
		l, err = readLive(ctx, refs.live)
	} else {
		l, err = a.waitLive(ctx, refs.live, after)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil // the caller left
		}
		return httpapi.Unavailable(err)
	}
	if l == nil {
		if l, err = a.empty(ctx, s); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	if l.Recommendations == nil {
		l.Recommendations = []insights.Recommendation{}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusOK, l)
	return nil
}

// setLang stores the facilitator's language and, when it changed, makes a
// flush due so the texts follow.
func (a *api) setLang(ctx context.Context, s *session, lang string) error {
	refs := sessionRefs(a.d.Firestore, s.Org, s.ID)
	changed := false
	err := a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(refs.state)
		if err != nil && status.Code(err) != codes.NotFound {
			return err
		}
		cur := ""
		if snap != nil && snap.Exists() {
			cur, _ = snap.Data()["lang"].(string)
		}
		if cur == lang || (cur == "" && lang == "en") {
			changed = false
			return nil
		}
		changed = true
		return tx.Set(refs.state, map[string]any{"lang": lang}, firestore.MergeAll)
	})
	if err == nil && changed && (s.Status == statusLive || s.Status == statusEnded) {
		a.e.co.poke(s.Org, s.ID)
	}
	return err
}

func readLive(ctx context.Context, ref *firestore.DocumentRef) (*insights.Live, error) {
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeLive(snap)
}

func decodeLive(snap *firestore.DocumentSnapshot) (*insights.Live, error) {
	if !snap.Exists() {
		return nil, nil
	}
	var l insights.Live
	if err := snap.DataTo(&l); err != nil {
		return nil, fmt.Errorf("decode live: %w", err)
	}
	return &l, nil
}

// waitLive answers the live view once its version passes after, or the
// current one at the poll timeout.
func (a *api) waitLive(ctx context.Context, ref *firestore.DocumentRef, after int64) (*insights.Live, error) {
	ctx, cancel := context.WithTimeout(ctx, a.d.PollTimeout)
	defer cancel()
	it := ref.Snapshots(ctx)
	defer it.Stop()
	var last *insights.Live
	for {
		snap, err := it.Next()
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded {
				if last != nil {
					return last, nil
				}
				// Answer what is stored now.
				rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer rcancel()
				return readLive(rctx, ref)
			}
			return nil, err
		}
		l, err := decodeLive(snap)
		if err != nil {
			return nil, err
		}
		last = l
		if l != nil && l.Version > after {
			return l, nil
		}
	}
}

// empty is the view before the first flush: every joined participant,
// shared per consent, no figures.
func (a *api) empty(ctx context.Context, s *session) (*insights.Live, error) {
	uids, _, err := readParticipants(ctx, s.ref)
	if err != nil {
		return nil, err
	}
	shared, err := a.e.consents(ctx, nil, s.Org, uids)
	if err != nil {
		return nil, err
	}
	now := a.d.Now().UTC()
	st := insights.NewState(s.ID, *a.d.Config)
	st.SetPhases(timeline(s, nil))
	l := st.Snapshot(now, uids, func(u string) bool { return shared[u] })
	l.SessionID, l.Version, l.UpdatedAt = s.ID, 0, now
	l.Recommendations = []insights.Recommendation{}
	return &l, nil
}

// FeedbackRequest accepts or dismisses a recommendation.
type FeedbackRequest struct {
	Status string `json:"status"`
}

// Validate implements httpapi.Validator.
func (f *FeedbackRequest) Validate() []httpapi.FieldError {
	var fields []httpapi.FieldError
	httpapi.OneOf(&fields, "status", f.Status, insights.StatusAccepted, insights.StatusDismissed)
	return fields
}

// FeedbackResponse is the recommendation's new status.
type FeedbackResponse struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (a *api) feedback(w http.ResponseWriter, r *http.Request, _ *auth.Principal, s *session) error {
	id := r.PathValue("recId")
	var req FeedbackRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	if id == "" || len(id) > 300 {
		return httpapi.NotFound("no recommendation %q", id)
	}
	refs := sessionRefs(a.d.Firestore, s.Org, s.ID)
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(refs.state)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no recommendation %q", id)
		}
		if err != nil {
			return err
		}
		st := decodeState(snap)
		found := false
		for _, rec := range st.Recs {
			found = found || rec.ID == id
		}
		if !found {
			return httpapi.NotFound("no recommendation %q", id)
		}
		if _, err := tx.Get(refs.feedback); err != nil && status.Code(err) != codes.NotFound {
			return err
		}
		return tx.Set(refs.feedback, map[string]any{"statuses": map[string]any{id: req.Status}, "updated_at": a.d.Now().UTC()}, firestore.MergeAll)
	})
	if err != nil {
		var he *httpapi.Error
		if errors.As(err, &he) {
			return err
		}
		return httpapi.Unavailable(err)
	}
	a.e.co.poke(s.Org, s.ID)
	httpapi.WriteJSON(w, http.StatusOK, FeedbackResponse{ID: id, Status: req.Status})
	return nil
}
