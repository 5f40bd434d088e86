package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

// loaded is a session as the caller may see it.
type loaded struct {
	Ref *firestore.DocumentRef
	S   *Session
	Rel Relation
	P   *auth.Principal
	// OrgRole is the caller's current role in the session's organisation,
	// read from its membership document ("" for none).
	OrgRole string
}

// manages reports whether the caller may cancel the session or hand it
// to someone else: its facilitators and the organisation's admins.
func (l *loaded) manages() bool {
	return l.Rel == RelFacilitator || l.OrgRole == auth.RoleOrgAdmin
}

// Org is the session's organisation.
func (l *loaded) Org() string { return l.S.Org }

// ID is the session id.
func (l *loaded) ID() string { return l.S.ID }

// sub is a subcollection of the session.
func (l *loaded) sub(name string) *firestore.CollectionRef { return l.Ref.Collection(name) }

// sessionRef is orgs/{org}/sessions/{id}.
func (a *api) sessionRef(org, id string) *firestore.DocumentRef {
	return a.d.Firestore.Collection(collOrgs).Doc(org).Collection(collSessions).Doc(id)
}

// find locates session id: in the caller's organisation first, then
// through session_index (a participant of another organisation). It
// returns nil, nil when there is no such session.
func (a *api) find(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, id string) (*firestore.DocumentRef, *Session, error) {
	if !authz.ValidDocID(id) {
		return nil, nil, nil
	}
	get := func(ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
		if tx != nil {
			return tx.Get(ref)
		}
		return ref.Get(ctx)
	}
	try := func(org string) (*firestore.DocumentRef, *Session, error) {
		if !authz.ValidDocID(org) {
			return nil, nil, nil
		}
		ref := a.sessionRef(org, id)
		snap, err := get(ref)
		if status.Code(err) == codes.NotFound {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read session: %w", err)
		}
		var s Session
		if err := snap.DataTo(&s); err != nil {
			return nil, nil, fmt.Errorf("decode session: %w", err)
		}
		s.ID = id
		return ref, &s, nil
	}
	ref, s, err := try(p.Org)
	if err != nil || ref != nil {
		return ref, s, err
	}
	// The index is not read in the transaction: it never changes once written.
	snap, err := a.d.Firestore.Collection(collIndex).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read session index: %w", err)
	}
	org, _ := snap.Data()["org"].(string)
	if org == p.Org {
		return nil, nil, nil
	}
	return try(org)
}

// staffRoles are the organisation roles that run sessions.
var staffRoles = []string{auth.RoleFacilitator, auth.RoleEducator, auth.RoleOrgAdmin}

// orgRoleOf reads uid's current role in org from orgs/{org}/members/{uid}
// ("" when not a member). Authority over sessions follows this document,
// never the token's claims: claims may be up to an hour old, and a removed
// or demoted facilitator must lose their sessions at once.
func (a *api) orgRoleOf(ctx context.Context, tx *firestore.Transaction, org, uid string) (string, error) {
	if !authz.ValidDocID(org) || !authz.ValidDocID(uid) {
		return "", nil
	}
	ref := a.d.Firestore.Collection(collOrgs).Doc(org).Collection(collMembers).Doc(uid)
	var snap *firestore.DocumentSnapshot
	var err error
	if tx != nil {
		snap, err = tx.Get(ref)
	} else {
		snap, err = ref.Get(ctx)
	}
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read organisation membership: %w", err)
	}
	role, _ := snap.Data()["role"].(string)
	return role, nil
}

// relation is what p is to session s, and p's current role in the
// session's organisation. The owner and co-facilitators control the
// session only while they are staff of its organisation.
func (a *api) relation(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, ref *firestore.DocumentRef, s *Session) (Relation, string, error) {
	orgRole, err := a.orgRoleOf(ctx, tx, s.Org, p.UID)
	if err != nil {
		return RelNone, "", err
	}
	staff := slices.Contains(staffRoles, orgRole)
	if staff && (p.UID == s.Facilitator || slices.Contains(s.CoFacilitators, p.UID)) {
		return RelFacilitator, orgRole, nil
	}
	mref := ref.Collection(collMembers).Doc(p.UID)
	var snap *firestore.DocumentSnapshot
	if authz.ValidDocID(p.UID) {
		if tx != nil {
			snap, err = tx.Get(mref)
		} else {
			snap, err = mref.Get(ctx)
		}
	}
	switch {
	case status.Code(err) == codes.NotFound || snap == nil:
	case err != nil:
		return RelNone, "", fmt.Errorf("read membership: %w", err)
	default:
		if role, _ := snap.Data()["role"].(string); role == authz.ResourceParticipant {
			return RelParticipant, orgRole, nil
		}
	}
	if staff {
		return RelOrgStaff, orgRole, nil
	}
	return RelNone, orgRole, nil
}

// load finds session id and the caller's relation to it. A caller with no
// relation gets 404 (what is not yours does not exist); one whose relation
// is not in allow gets 403.
func (a *api) load(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, id string, allow ...Relation) (*loaded, error) {
	ref, s, err := a.find(ctx, tx, p, id)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if ref == nil {
		return nil, httpapi.NotFound("no session %q", id)
	}
	rel, orgRole, err := a.relation(ctx, tx, p, ref, s)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if rel == RelNone {
		return nil, httpapi.NotFound("no session %q", id)
	}
	if len(allow) > 0 && !slices.Contains(allow, rel) {
		if rel == RelParticipant || rel == RelOrgStaff {
			return nil, httpapi.Forbidden("only the session's facilitators may do this")
		}
		return nil, httpapi.Forbidden("your part in this session does not allow this")
	}
	return &loaded{Ref: ref, S: s, Rel: rel, P: p, OrgRole: orgRole}, nil
}

// loadManaged is load for the routes of the session's managers (its
// facilitators and the organisation's admins).
func (a *api) loadManaged(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, id string) (*loaded, error) {
	l, err := a.load(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if !l.manages() {
		return nil, httpapi.Forbidden("only the session's facilitators and the organisation's admins may do this")
	}
	return l, nil
}

// managed wraps a handler of the session's managers (see loadManaged).
func (a *api) managed(h func(w http.ResponseWriter, r *http.Request, l *loaded) error) http.Handler {
	return a.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		l, err := a.loadManaged(r.Context(), nil, p, r.PathValue("sessionId"))
		if err != nil {
			return err
		}
		return h(w, r, l)
	})
}

// currentStaff refuses a caller who is not, right now, staff of org
// (the claims may still say so for up to an hour).
func (a *api) currentStaff(ctx context.Context, p *auth.Principal, org string) error {
	role, err := a.orgRoleOf(ctx, nil, org, p.UID)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !slices.Contains(staffRoles, role) {
		return httpapi.Forbidden("you are not a facilitator, educator or admin of this organisation")
	}
	return nil
}

// session wraps a handler of /v1/sessions/{sessionId}/…: it authenticates
// the caller, loads the session and checks the caller's relation against
// allow (empty: any relation).
func (a *api) session(h func(w http.ResponseWriter, r *http.Request, l *loaded) error, allow ...Relation) http.Handler {
	return a.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		l, err := a.load(r.Context(), nil, p, r.PathValue("sessionId"), allow...)
		if err != nil {
			return err
		}
		return h(w, r, l)
	})
}

// facilitators is the allow list of facilitator-only routes.
var facilitators = []Relation{RelFacilitator}

// inTx runs f in a read-write transaction; an *httpapi.Error from f is
// returned as is (nothing was written), other errors become 503.
func (a *api) inTx(ctx context.Context, f func(ctx context.Context, tx *firestore.Transaction) error) error {
	err := a.d.Firestore.RunTransaction(ctx, f)
	var he *httpapi.Error
	if err == nil || errors.As(err, &he) {
		return err
	}
	return httpapi.Unavailable(err)
}
