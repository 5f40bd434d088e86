package sessions

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/sessionaccess"
	"pointsofyou.ai/studio/shared/txn"
)

// store reads sessions together with the caller's authority over them:
// the session document, the caller's current role in its organisation
// (orgs/{org}/members/{uid}) and their membership of the session. A write
// reads all three in its own transaction attempt (Update), so it never
// acts on a session, or an authority, older than the attempt, and reads
// the session document once per attempt.
type store struct {
	fs *firestore.Client
	ob *outbox.Outbox
}

func (a *api) store() store { return store{fs: a.d.Firestore, ob: a.d.Outbox} }

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

// allow says which callers related to a session may use a route. It is
// asked once the relation is known: a caller without one has had a 404
// already; a refusal is a 403.
type allow func(l *loaded) error

var (
	// anyone related to the session.
	anyone allow = func(*loaded) error { return nil }
	// facilitators: the owner and co-facilitators.
	facilitators = only(RelFacilitator)
	// participants: members who accepted an invitation.
	participants = only(RelParticipant)
	// managers: the session's facilitators and the organisation's admins.
	managers allow = func(l *loaded) error {
		if !l.manages() {
			return httpapi.Forbidden("only the session's facilitators and the organisation's admins may do this")
		}
		return nil
	}
)

// only allows the relations rels.
func only(rels ...Relation) allow {
	return func(l *loaded) error {
		if slices.Contains(rels, l.Rel) {
			return nil
		}
		if l.Rel == RelParticipant || l.Rel == RelOrgStaff {
			return httpapi.Forbidden("only the session's facilitators may do this")
		}
		return httpapi.Forbidden("your part in this session does not allow this")
	}
}

// Get loads session id for p outside a transaction (the read routes).
func (s store) Get(ctx context.Context, p *auth.Principal, id string, allow allow) (*loaded, error) {
	return s.load(ctx, nil, p, id, allow)
}

// Update runs f in a read-write transaction on session id: each attempt
// loads the session for p (see load) and checks allow before f runs, and
// f must not read the session document again. f records the change's
// events and mail in out, committed with its writes. A problem from f (or
// from loading) is answered as is, with nothing written; any other error
// is a 503.
func (s store) Update(ctx context.Context, p *auth.Principal, id string, allow allow, f func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error) error {
	return s.Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		l, err := s.load(ctx, tx, p, id, allow)
		if err != nil {
			return err
		}
		return f(tx, out, l)
	})
}

// Run runs f in a read-write transaction of the outbox (txn.Run): what f
// writes commits with the events and mail it records; a problem from f
// is returned as is (nothing was written), other errors become 503.
func (s store) Run(ctx context.Context, f outbox.Func) error {
	return txn.Run(ctx, s.ob, f)
}

// sessionRef is orgs/{org}/sessions/{id}.
func (s store) sessionRef(org, id string) *firestore.DocumentRef {
	return s.fs.Collection(collOrgs).Doc(org).Collection(collSessions).Doc(id)
}

// find locates session id: in the caller's organisation first, then
// through session_index (a participant of another organisation). It
// returns nil, nil when there is no such session. The session document
// is read once.
func (s store) find(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, id string) (*firestore.DocumentRef, *Session, error) {
	if !authz.ValidDocID(id) {
		return nil, nil, nil
	}
	try := func(org string) (*firestore.DocumentRef, *Session, error) {
		if !authz.ValidOrgID(org) {
			return nil, nil, nil
		}
		ref := s.sessionRef(org, id)
		snap, err := txn.Get(ctx, tx, ref)
		if status.Code(err) == codes.NotFound {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read session: %w", err)
		}
		var sess Session
		if err := snap.DataTo(&sess); err != nil {
			return nil, nil, fmt.Errorf("decode session: %w", err)
		}
		sess.ID = id
		return ref, &sess, nil
	}
	ref, sess, err := try(p.Org)
	if err != nil || ref != nil {
		return ref, sess, err
	}
	// The index is not read in the transaction: it never changes once written.
	snap, err := s.fs.Collection(collIndex).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read session index: %w", err)
	}
	var ix sessionIndex
	if err := snap.DataTo(&ix); err != nil {
		return nil, nil, fmt.Errorf("decode session index: %w", err)
	}
	if ix.Org == p.Org {
		return nil, nil, nil
	}
	return try(ix.Org)
}

// OrgRole reads uid's current role in org ("" when not a member), in tx
// when given (shared/sessionaccess: authority follows this document, never
// the token's claims).
func (s store) OrgRole(ctx context.Context, tx *firestore.Transaction, org, uid string) (string, error) {
	return sessionaccess.OrgRole(ctx, s.fs, tx, org, uid)
}

// relation is what p is to session sess at ref, and p's current role in
// the session's organisation (shared/sessionaccess has the rule).
func (s store) relation(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, ref *firestore.DocumentRef, sess *Session) (Relation, string, error) {
	return sessionaccess.Of(ctx, s.fs, tx, sessionaccess.Session{
		Ref: ref, Org: sess.Org, Facilitator: sess.Facilitator, CoFacilitators: sess.CoFacilitators,
	}, p.UID)
}

// load finds session id and the caller's relation to it. A caller with no
// relation gets 404 (what is not yours does not exist); one allow refuses
// gets 403.
func (s store) load(ctx context.Context, tx *firestore.Transaction, p *auth.Principal, id string, allow allow) (*loaded, error) {
	ref, sess, err := s.find(ctx, tx, p, id)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if ref == nil {
		return nil, httpapi.NotFound("no session %q", id)
	}
	rel, orgRole, err := s.relation(ctx, tx, p, ref, sess)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if rel == RelNone {
		return nil, httpapi.NotFound("no session %q", id)
	}
	l := &loaded{Ref: ref, S: sess, Rel: rel, P: p, OrgRole: orgRole}
	if err := allow(l); err != nil {
		return nil, err
	}
	return l, nil
}

// session wraps a read route of /v1/sessions/{sessionId}/…: it loads the
// session for the caller the guard verified, outside a transaction, for
// the callers allow lets through. Write routes load the session inside
// their transaction instead (store.Update).
func (a *api) session(h func(w http.ResponseWriter, r *http.Request, l *loaded) error, allow allow) http.Handler {
	return withPrincipal(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		l, err := a.store().Get(r.Context(), p, r.PathValue("sessionId"), allow)
		if err != nil {
			return err
		}
		return h(w, r, l)
	})
}
