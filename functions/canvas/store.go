package canvas

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// Collections.
const (
	collOrgs         = "orgs"
	collCanvases     = "canvases"
	collIndex        = "canvas_index"
	collElements     = "elements"
	collOps          = "ops"
	collVersions     = "versions"
	collMembers      = "members"
	collSessions     = "sessions"
	collSessionIndex = "session_index"
)

// Fields written outside canvas.Meta.
const fieldLastSnapshot = "last_snapshot_at"

// index is canvas_index/{canvas}.
type index struct {
	Org string `firestore:"org"`
}

// sessionDoc is what the access rule reads of a session.
type sessionDoc struct {
	ID             string   `firestore:"-"`
	Org            string   `firestore:"org"`
	Facilitator    string   `firestore:"facilitator"`
	CoFacilitators []string `firestore:"co_facilitators"`
	Status         string   `firestore:"status"`
}

func (s *sessionDoc) access() sessionaccess.Session {
	return sessionaccess.Session{Org: s.Org, Facilitator: s.Facilitator, CoFacilitators: s.CoFacilitators}
}

func (s *sessionDoc) facilitates(uid string) bool { return s.access().Facilitates(uid) }

// loaded is a canvas with the caller's role on it.
type loaded struct {
	Ref   *firestore.DocumentRef
	M     *model.Meta
	Role  string
	Until time.Time
	P     *auth.Principal
	// LastSnapshot is the time of the newest version (nil: none yet).
	LastSnapshot *time.Time
}

// need is the least role a route needs.
type need int

const (
	needView need = iota
	needEdit
	needOwner
)

func (n need) allows(role string) error {
	switch {
	case n == needEdit && !model.CanEdit(role):
		return httpapi.Forbidden("viewers cannot change this canvas")
	case n == needOwner && role != model.RoleOwner:
		return httpapi.Forbidden("only the canvas's owner may do this")
	}
	return nil
}

func (a *api) orgRef(org string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(collOrgs).Doc(org)
}

func (a *api) canvasRef(org, id string) *firestore.DocumentRef {
	return a.orgRef(org).Collection(collCanvases).Doc(id)
}

// getDoc reads ref; a missing document is (nil, nil).
func getDoc(ctx context.Context, ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	return snap, err
}

// orgOf is the organisation of canvas id ("" when there is none).
func (a *api) orgOf(ctx context.Context, id string) (string, error) {
	if !authz.ValidDocID(id) {
		return "", nil
	}
	snap, err := getDoc(ctx, a.d.Firestore.Collection(collIndex).Doc(id))
	if err != nil || snap == nil {
		return "", err
	}
	var ix index
	if err := snap.DataTo(&ix); err != nil {
		return "", fmt.Errorf("decode canvas index: %w", err)
	}
	if !authz.ValidOrgID(ix.Org) {
		return "", nil
	}
	return ix.Org, nil
}

// readMeta decodes a canvas document.
func readMeta(snap *firestore.DocumentSnapshot, org string) (*model.Meta, *time.Time, error) {
	var m model.Meta
	if err := snap.DataTo(&m); err != nil {
		return nil, nil, fmt.Errorf("decode canvas: %w", err)
	}
	m.ID, m.Org = snap.Ref.ID, org
	var last *time.Time
	if t, ok := snap.Data()[fieldLastSnapshot].(time.Time); ok {
		last = &t
	}
	return &m, last, nil
}

// load reads canvas id for p and decides p's role on it (canvas.Decide):
// no role is 404 (what is not yours does not exist), a role below n 403.
func (a *api) load(ctx context.Context, p *auth.Principal, id string, n need) (*loaded, error) {
	notFound := httpapi.NotFound("no canvas %q", id)
	org, err := a.orgOf(ctx, id)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if org == "" {
		return nil, notFound
	}
	ref := a.canvasRef(org, id)
	snap, err := getDoc(ctx, ref)
	if err != nil {
		return nil, httpapi.Unavailable(fmt.Errorf("read canvas: %w", err))
	}
	if snap == nil {
		return nil, notFound
	}
	m, last, err := readMeta(snap, org)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	role, until, err := a.roleOf(ctx, p, m)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if !model.CanView(role) {
		return nil, notFound
	}
	if err := n.allows(role); err != nil {
		return nil, err
	}
	return &loaded{Ref: ref, M: m, Role: role, Until: until, P: p, LastSnapshot: last}, nil
}

// orgRole is uid's current role in org ("" when not a member).
func (a *api) orgRole(ctx context.Context, org, uid string) (string, error) {
	return sessionaccess.OrgRole(ctx, a.d.Firestore, nil, org, uid)
}

// session reads session sid of org (nil when there is none).
func (a *api) session(ctx context.Context, org, sid string) (*sessionDoc, error) {
	if !authz.ValidDocID(sid) {
		return nil, nil
	}
	snap, err := getDoc(ctx, a.orgRef(org).Collection(collSessions).Doc(sid))
	if err != nil || snap == nil {
		return nil, err
	}
	var s sessionDoc
	if err := snap.DataTo(&s); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	s.ID, s.Org = sid, org
	return &s, nil
}

// relation is what uid (whose role in the session's organisation is
// orgRole) is to session s, by shared/sessionaccess's rule; the canvas
// rule knows no org staff (they have no role on a session's canvases).
func (a *api) relation(ctx context.Context, s *sessionDoc, uid, orgRole string) (model.SessionRel, error) {
	if s == nil || !authz.ValidDocID(uid) {
		return model.SessionNone, nil
	}
	acc := s.access()
	memberRole := ""
	if !sessionaccess.IsStaff(orgRole) || !acc.Facilitates(uid) {
		var err error
		if memberRole, err = sessionaccess.MemberRole(ctx, nil, a.orgRef(s.Org).Collection(collSessions).Doc(s.ID), uid); err != nil {
			return model.SessionNone, err
		}
	}
	switch sessionaccess.Decide(acc, uid, orgRole, memberRole) {
	case sessionaccess.Facilitator:
		return model.SessionFacilitator, nil
	case sessionaccess.Participant:
		return model.SessionParticipant, nil
	}
	return model.SessionNone, nil
}

// roleOf is p's role on m (see reads.roleOf).
func (a *api) roleOf(ctx context.Context, p *auth.Principal, m *model.Meta) (string, time.Time, error) {
	return a.reads().roleOf(ctx, p, m)
}

// reads remembers, for one request, the documents the access rule read:
// a listing decides many canvases of one organisation and session with
// one read of each membership and session.
type reads struct {
	a        *api
	orgRoles map[string]string
	sessions map[string]*sessionDoc
	rels     map[string]model.SessionRel
}

func (a *api) reads() *reads {
	return &reads{a: a, orgRoles: map[string]string{}, sessions: map[string]*sessionDoc{}, rels: map[string]model.SessionRel{}}
}

func (r *reads) orgRole(ctx context.Context, org, uid string) (string, error) {
	k := org + "/" + uid
	if v, ok := r.orgRoles[k]; ok {
		return v, nil
	}
	v, err := r.a.orgRole(ctx, org, uid)
	if err == nil {
		r.orgRoles[k] = v
	}
	return v, err
}

func (r *reads) session(ctx context.Context, org, sid string) (*sessionDoc, error) {
	k := org + "/" + sid
	if v, ok := r.sessions[k]; ok {
		return v, nil
	}
	v, err := r.a.session(ctx, org, sid)
	if err == nil {
		r.sessions[k] = v
	}
	return v, err
}

func (r *reads) relation(ctx context.Context, s *sessionDoc, uid, orgRole string) (model.SessionRel, error) {
	k := s.Org + "/" + s.ID + "/" + uid
	if v, ok := r.rels[k]; ok {
		return v, nil
	}
	v, err := r.a.relation(ctx, s, uid, orgRole)
	if err == nil {
		r.rels[k] = v
	}
	return v, err
}

// roleOf is p's role on m: canvas.Decide over p's current relation to the
// canvas's session and, for its facilitators, the owner's part and
// consent. A caller with no current tie to the canvas — neither a member
// of its organisation nor in its session — has none.
func (r *reads) roleOf(ctx context.Context, p *auth.Principal, m *model.Meta) (string, time.Time, error) {
	if m.DeletedAt != nil || !authz.ValidDocID(p.UID) {
		return model.RoleNone, time.Time{}, nil
	}
	orgRole, err := r.orgRole(ctx, m.Org, p.UID)
	if err != nil {
		return "", time.Time{}, err
	}
	sub := model.Subject{UID: p.UID}
	if m.SessionID != "" {
		s, err := r.session(ctx, m.Org, m.SessionID)
		if err != nil {
			return "", time.Time{}, err
		}
		if s != nil {
			if sub.Session, err = r.relation(ctx, s, p.UID, orgRole); err != nil {
				return "", time.Time{}, err
			}
			if sub.Session == model.SessionFacilitator && p.UID != m.Owner && m.Visibility == model.Shared {
				if s.facilitates(m.Owner) {
					ownerRole, err := r.orgRole(ctx, m.Org, m.Owner)
					if err != nil {
						return "", time.Time{}, err
					}
					sub.OwnerIsFacilitator = sessionaccess.IsStaff(ownerRole)
				}
				if !sub.OwnerIsFacilitator {
					ok, err := r.a.d.Consent.Allowed(ctx, m.Owner, m.Org, string(consentvault.FacilitatorVisibility))
					if err != nil {
						return "", time.Time{}, fmt.Errorf("consent: %w", err)
					}
					sub.OwnerConsents = ok
				}
			}
		}
	}
	if orgRole == "" && sub.Session == model.SessionNone {
		return model.RoleNone, time.Time{}, nil
	}
	role, until := model.Decide(m, sub, r.a.d.Now())
	return role, until, nil
}

// canvasRoute wraps a route on /v1/canvases/{canvasId}/…: it loads the
// canvas for the caller the guard verified and checks the role n.
func (a *api) canvasRoute(n need, h func(w http.ResponseWriter, r *http.Request, l *loaded) error) httpapi.HandlerFunc {
	return withPrincipal(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		l, err := a.load(r.Context(), p, r.PathValue("canvasId"), n)
		if err != nil {
			return err
		}
		return h(w, r, l)
	})
}

// withPrincipal adapts a handler of the signed-in caller; the guard has
// verified the token before it runs.
func withPrincipal(h func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			return httpapi.Unauthenticated("sign in first")
		}
		return h(w, r, p)
	}
}
