package canvas

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
)

// Limits of the canvas document.
const (
	MaxTitle  = 200
	MaxShares = 200
	// maxList bounds each query of a listing.
	maxList = 200
)

// View is a canvas as its caller sees it: the canvas document, the
// caller's role (and until when it holds, for a share that expires) and
// the time of its newest version. Only the owner sees the shares.
type View struct {
	*model.Meta
	Role           string     `json:"role"`
	RoleUntil      *time.Time `json:"role_until,omitempty"`
	LastSnapshotAt *time.Time `json:"last_snapshot_at,omitempty"`
}

func view(m *model.Meta, role string, until time.Time, last *time.Time) View {
	c := *m
	if role != model.RoleOwner {
		c.Shares = nil
	}
	if c.Shares == nil && role == model.RoleOwner {
		c.Shares = map[string]model.Share{}
	}
	v := View{Meta: &c, Role: role, LastSnapshotAt: last}
	if !until.IsZero() {
		v.RoleUntil = &until
	}
	return v
}

func (l *loaded) view() View { return view(l.M, l.Role, l.Until, l.LastSnapshot) }

// CreateRequest makes a canvas: empty, or from a canvas template of the
// library; in the caller's organisation, or in a session's (as one of
// its participants or facilitators).
type CreateRequest struct {
	Title       string `json:"title"`
	SessionID   string `json:"session_id,omitempty"`
	TemplateID  string `json:"template_id,omitempty"`
	Visibility  string `json:"visibility,omitempty"`
	SessionRole string `json:"session_role,omitempty"`
	// Locale of the template's text (default en; a missing translation
	// falls back to English).
	Locale string `json:"locale,omitempty"`
}

// Validate implements httpapi.Validator.
func (r *CreateRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	r.Title = strings.TrimSpace(r.Title)
	if r.TemplateID == "" {
		httpapi.Required(&f, "title", r.Title)
	}
	httpapi.MaxLen(&f, "title", r.Title, MaxTitle)
	httpapi.Text(&f, "title", r.Title, httpapi.SingleLine)
	if r.SessionID != "" && !authz.ValidDocID(r.SessionID) {
		f = append(f, httpapi.Field("session_id", "is not a session id"))
	}
	if r.TemplateID != "" && !library.ValidID(r.TemplateID) {
		f = append(f, httpapi.Field("template_id", "is not a library item id"))
	}
	if r.Visibility != "" {
		httpapi.OneOf(&f, "visibility", r.Visibility, model.Private, model.Shared)
	}
	if r.SessionRole != "" {
		httpapi.OneOf(&f, "session_role", r.SessionRole, model.RoleViewer, model.RoleEditor)
		if r.SessionID == "" {
			f = append(f, httpapi.Field("session_role", "needs a session_id"))
		}
	}
	if r.Locale != "" {
		httpapi.OneOf(&f, "locale", r.Locale, library.Locales...)
	}
	return f
}

// homeOf is the organisation a new canvas of p goes to: the session's, for
// one of its participants or facilitators (404 for anyone else), else the
// caller's own, while they are a member of it.
func (a *api) homeOf(ctx context.Context, p *auth.Principal, sessionID string) (string, error) {
	if sessionID == "" {
		if p.Org == "" || !authz.ValidOrgID(p.Org) {
			return "", httpapi.Forbidden("join or create an organisation first")
		}
		role, err := a.orgRole(ctx, p.Org, p.UID)
		if err != nil {
			return "", httpapi.Unavailable(err)
		}
		if role == "" {
			return "", httpapi.Forbidden("you are no longer a member of this organisation")
		}
		return p.Org, nil
	}
	s, orgRole, err := a.findSession(ctx, p, sessionID)
	if err != nil {
		return "", httpapi.Unavailable(err)
	}
	if s != nil {
		rel, err := a.relation(ctx, s, p.UID, orgRole)
		if err != nil {
			return "", httpapi.Unavailable(err)
		}
		if rel != model.SessionNone {
			return s.Org, nil
		}
	}
	return "", httpapi.NotFound("no session %q", sessionID)
}

// findSession finds session id: in the caller's organisation first, then
// through session_index (a session of another organisation). It returns
// the caller's role in the session's organisation too.
func (a *api) findSession(ctx context.Context, p *auth.Principal, id string) (*sessionDoc, string, error) {
	if !authz.ValidDocID(id) {
		return nil, "", nil
	}
	org := ""
	if authz.ValidOrgID(p.Org) {
		s, err := a.session(ctx, p.Org, id)
		if err != nil {
			return nil, "", err
		}
		if s != nil {
			org = p.Org
		}
	}
	if org == "" {
		snap, err := getDoc(ctx, a.d.Firestore.Collection(collSessionIndex).Doc(id))
		if err != nil || snap == nil {
			return nil, "", err
		}
		var ix index
		if err := snap.DataTo(&ix); err != nil {
			return nil, "", fmt.Errorf("decode session index: %w", err)
		}
		if !authz.ValidOrgID(ix.Org) {
			return nil, "", nil
		}
		org = ix.Org
	}
	s, err := a.session(ctx, org, id)
	if err != nil || s == nil {
		return nil, "", err
	}
	role, err := a.orgRole(ctx, org, p.UID)
	return s, role, err
}

func (a *api) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req CreateRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := a.homeOf(ctx, p, req.SessionID)
	if err != nil {
		return err
	}
	var els []*model.Element
	if req.TemplateID != "" {
		tpl, err := a.template(ctx, org, req.TemplateID, p.Tier)
		if err != nil {
			return err
		}
		text, _ := tpl.Localized(req.Locale)
		if req.Title == "" {
			req.Title = truncate(text.Title, MaxTitle)
		}
		if els, err = a.layout(text, p.UID); err != nil {
			return httpapi.Internal(err)
		}
	}
	now := a.d.Now().UTC()
	m := &model.Meta{
		ID: a.d.NewID(), Org: org, Title: req.Title, Owner: p.UID, SessionID: req.SessionID,
		Visibility: cmpOr(req.Visibility, model.Private), Shares: map[string]model.Share{},
		SessionRole: req.SessionRole, TemplateID: req.TemplateID, CreatedAt: now, UpdatedAt: now,
	}
	if err := a.createCanvas(ctx, m, els); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, view(m, model.RoleOwner, time.Time{}, nil))
	return nil
}

// createCanvas writes a new canvas, its index entry and its first
// elements, all or nothing.
func (a *api) createCanvas(ctx context.Context, m *model.Meta, els []*model.Element) error {
	ref := a.canvasRef(m.Org, m.ID)
	// Small canvases commit in one transaction; a large import writes its
	// elements first and the canvas last, so nobody sees it half made.
	write := func(tx *firestore.Transaction) error {
		if err := tx.Create(ref, m); err != nil {
			return err
		}
		return tx.Create(a.d.Firestore.Collection(collIndex).Doc(m.ID), map[string]any{"org": m.Org})
	}
	if len(els) > txElements {
		bw := a.d.Firestore.BulkWriter(ctx)
		var jobs []*firestore.BulkWriterJob
		for _, e := range els {
			j, err := bw.Set(ref.Collection(collElements).Doc(e.ID), elementData(e))
			if err != nil {
				bw.End()
				return httpapi.Unavailable(err)
			}
			jobs = append(jobs, j)
		}
		bw.End()
		for _, j := range jobs {
			if _, err := j.Results(); err != nil {
				return httpapi.Unavailable(fmt.Errorf("write elements: %w", err))
			}
		}
		els = nil
	}
	err := a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := write(tx); err != nil {
			return err
		}
		for _, e := range els {
			if err := tx.Set(ref.Collection(collElements).Doc(e.ID), elementData(e)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("create canvas: %w", err))
	}
	return nil
}

func (a *api) get(w http.ResponseWriter, _ *http.Request, l *loaded) error {
	httpapi.WriteJSON(w, http.StatusOK, l.view())
	return nil
}

// ListResponse is the canvases a caller can see.
type ListResponse struct {
	Canvases []View `json:"canvases"`
}

// list answers the canvases of a session the caller can see
// (?session_id=), or else the caller's own and those shared with them in
// their organisation, newest change first.
func (a *api) list(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	sid := r.URL.Query().Get("session_id")
	var queries []firestore.Query
	org := ""
	if sid != "" {
		s, orgRole, err := a.findSession(ctx, p, sid)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		rel := model.SessionNone
		if s != nil && orgRole == "" {
			if rel, err = a.relation(ctx, s, p.UID, orgRole); err != nil {
				return httpapi.Unavailable(err)
			}
		}
		// Whoever is neither in the session nor in its organisation does
		// not learn that it exists.
		if s == nil || orgRole == "" && rel == model.SessionNone {
			return httpapi.NotFound("no session %q", sid)
		}
		org = s.Org
		queries = append(queries, a.orgRef(org).Collection(collCanvases).Where("session_id", "==", sid).Limit(maxList))
	} else if authz.ValidOrgID(p.Org) && authz.ValidDocID(p.UID) {
		org = p.Org
		col := a.orgRef(org).Collection(collCanvases)
		queries = append(queries, col.Where("owner", "==", p.UID).Limit(maxList),
			col.WherePath(firestore.FieldPath{"shares", p.UID, "role"}, "in", []string{model.RoleViewer, model.RoleEditor}).Limit(maxList))
	}
	out := ListResponse{Canvases: []View{}}
	seen := map[string]bool{}
	rd := a.reads()
	for _, q := range queries {
		it := q.Documents(ctx)
		for {
			snap, err := it.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				it.Stop()
				return httpapi.Unavailable(fmt.Errorf("list canvases: %w", err))
			}
			if seen[snap.Ref.ID] {
				continue
			}
			seen[snap.Ref.ID] = true
			m, last, err := readMeta(snap, org)
			if err != nil {
				it.Stop()
				return httpapi.Unavailable(err)
			}
			role, until, err := rd.roleOf(ctx, p, m)
			if err != nil {
				it.Stop()
				return httpapi.Unavailable(err)
			}
			if model.CanView(role) {
				out.Canvases = append(out.Canvases, view(m, role, until, last))
			}
		}
		it.Stop()
	}
	slices.SortFunc(out.Canvases, func(x, y View) int { return y.UpdatedAt.Compare(x.UpdatedAt) })
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// PatchRequest changes a canvas's title, visibility or session role
// ("" takes the session's participants' role away).
type PatchRequest struct {
	Title       *string `json:"title,omitempty"`
	Visibility  *string `json:"visibility,omitempty"`
	SessionRole *string `json:"session_role,omitempty"`
}

// Validate implements httpapi.Validator.
func (r *PatchRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if r.Title != nil {
		*r.Title = strings.TrimSpace(*r.Title)
		httpapi.Required(&f, "title", *r.Title)
		httpapi.MaxLen(&f, "title", *r.Title, MaxTitle)
		httpapi.Text(&f, "title", *r.Title, httpapi.SingleLine)
	}
	if r.Visibility != nil {
		httpapi.OneOf(&f, "visibility", *r.Visibility, model.Private, model.Shared)
	}
	if r.SessionRole != nil && *r.SessionRole != "" {
		httpapi.OneOf(&f, "session_role", *r.SessionRole, model.RoleViewer, model.RoleEditor)
	}
	return f
}

func (a *api) patch(w http.ResponseWriter, r *http.Request, l *loaded) error {
	var req PatchRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	now := a.d.Now().UTC()
	up := []firestore.Update{{Path: "updated_at", Value: now}}
	if req.Title != nil {
		l.M.Title = *req.Title
		up = append(up, firestore.Update{Path: "title", Value: l.M.Title})
	}
	if req.Visibility != nil {
		l.M.Visibility = *req.Visibility
		up = append(up, firestore.Update{Path: "visibility", Value: l.M.Visibility})
	}
	if req.SessionRole != nil {
		if *req.SessionRole != "" && l.M.SessionID == "" {
			return httpapi.Unprocessable(httpapi.Field("session_role", "this canvas belongs to no session"))
		}
		l.M.SessionRole = *req.SessionRole
		up = append(up, firestore.Update{Path: "session_role", Value: l.M.SessionRole})
	}
	l.M.UpdatedAt = now
	if _, err := l.Ref.Update(r.Context(), up); err != nil {
		return httpapi.Unavailable(fmt.Errorf("update canvas: %w", err))
	}
	httpapi.WriteJSON(w, http.StatusOK, l.view())
	return nil
}

// ShareRequest gives one person a role on a shared canvas.
type ShareRequest struct {
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Validate implements httpapi.Validator.
func (r *ShareRequest) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "role", r.Role)
	if r.Role != "" {
		httpapi.OneOf(&f, "role", r.Role, model.RoleViewer, model.RoleEditor)
	}
	return f
}

func (a *api) share(w http.ResponseWriter, r *http.Request, l *loaded) error {
	var req ShareRequest
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	uid := r.PathValue("uid")
	now := a.d.Now().UTC()
	var f []httpapi.FieldError
	switch {
	case !authz.ValidDocID(uid):
		f = append(f, httpapi.Field("uid", "is not a user id"))
	case uid == l.M.Owner:
		f = append(f, httpapi.Field("uid", "the owner always has the canvas"))
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		f = append(f, httpapi.Field("expires_at", "must be in the future"))
	}
	if _, ok := l.M.Shares[uid]; !ok && len(l.M.Shares) >= MaxShares {
		f = append(f, httpapi.Field("uid", "a canvas is shared with at most %d people", MaxShares))
	}
	if len(f) > 0 {
		return httpapi.Unprocessable(f...)
	}
	sh := model.Share{Role: req.Role}
	if req.ExpiresAt != nil {
		t := req.ExpiresAt.UTC()
		sh.Expires = &t
	}
	if _, err := l.Ref.Update(r.Context(), []firestore.Update{
		{FieldPath: firestore.FieldPath{"shares", uid}, Value: sh},
		{Path: "updated_at", Value: now},
	}); err != nil {
		return httpapi.Unavailable(fmt.Errorf("share canvas: %w", err))
	}
	if l.M.Shares == nil {
		l.M.Shares = map[string]model.Share{}
	}
	l.M.Shares[uid], l.M.UpdatedAt = sh, now
	httpapi.WriteJSON(w, http.StatusOK, l.view())
	return nil
}

func (a *api) unshare(w http.ResponseWriter, r *http.Request, l *loaded) error {
	uid := r.PathValue("uid")
	if !authz.ValidDocID(uid) {
		return httpapi.NotFound("no share for %q", uid)
	}
	now := a.d.Now().UTC()
	if _, err := l.Ref.Update(r.Context(), []firestore.Update{
		{FieldPath: firestore.FieldPath{"shares", uid}, Value: firestore.Delete},
		{Path: "updated_at", Value: now},
	}); err != nil {
		return httpapi.Unavailable(fmt.Errorf("unshare canvas: %w", err))
	}
	delete(l.M.Shares, uid)
	l.M.UpdatedAt = now
	httpapi.WriteJSON(w, http.StatusOK, l.view())
	return nil
}

// trashCanvas puts the canvas in the trash: nobody has it any more.
func (a *api) trashCanvas(w http.ResponseWriter, r *http.Request, l *loaded) error {
	now := a.d.Now().UTC()
	if _, err := l.Ref.Update(r.Context(), []firestore.Update{{Path: "deleted_at", Value: now}, {Path: "updated_at", Value: now}}); err != nil {
		return httpapi.Unavailable(fmt.Errorf("delete canvas: %w", err))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
