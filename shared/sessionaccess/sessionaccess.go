// Package sessionaccess is the one rule of what a person is to a live
// session, used by every function that guards session data (sessions,
// canvas, realtime, coach): its owner and co-facilitators while they are
// staff of the session's organisation; a member of the session with role
// participant; other staff of that organisation; or nothing.
//
// Authority follows the organisation's and the session's membership
// documents, never the token's claims: claims may be up to an hour old,
// and a removed or demoted facilitator must lose their sessions at once.
package sessionaccess

import (
	"context"
	"fmt"
	"slices"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/txn"
)

// Relation is what a person is to a session.
type Relation int

// Relations, weakest first.
const (
	None        Relation = iota
	OrgStaff             // staff of the session's organisation (read-only)
	Participant          // a member of the session with role participant
	Facilitator          // the owner or a co-facilitator, while staff
)

func (r Relation) String() string {
	switch r {
	case OrgStaff:
		return "org_staff"
	case Participant:
		return "participant"
	case Facilitator:
		return "facilitator"
	}
	return "none"
}

// IsStaff reports an organisation role that runs sessions.
func IsStaff(orgRole string) bool { return slices.Contains(authz.Staff, orgRole) }

// Session is what the rule needs of a session document.
type Session struct {
	// Ref is orgs/{org}/sessions/{id}; its members are below it.
	Ref            *firestore.DocumentRef
	Org            string
	Facilitator    string
	CoFacilitators []string
}

// Facilitates reports the owner or a co-facilitator (staff or not).
func (s Session) Facilitates(uid string) bool {
	return uid != "" && (uid == s.Facilitator || slices.Contains(s.CoFacilitators, uid))
}

// Decide is the rule itself: uid's relation from its current role in the
// session's organisation and its role among the session's members (""
// when none). It reads nothing.
func Decide(s Session, uid, orgRole, memberRole string) Relation {
	staff := IsStaff(orgRole)
	switch {
	case staff && s.Facilitates(uid):
		return Facilitator
	case memberRole == authz.ResourceParticipant:
		return Participant
	case staff:
		return OrgStaff
	}
	return None
}

// OrgRole reads uid's current role in org ("" when not a member), in tx
// when given.
func OrgRole(ctx context.Context, fs *firestore.Client, tx *firestore.Transaction, org, uid string) (string, error) {
	if !authz.ValidOrgID(org) || !authz.ValidDocID(uid) {
		return "", nil
	}
	return role(ctx, tx, fs.Collection("orgs").Doc(org).Collection("members").Doc(uid), "organisation")
}

// MemberRole reads uid's role among the members of the session at ref
// ("" when none), in tx when given.
func MemberRole(ctx context.Context, tx *firestore.Transaction, ref *firestore.DocumentRef, uid string) (string, error) {
	if ref == nil || !authz.ValidDocID(uid) {
		return "", nil
	}
	return role(ctx, tx, ref.Collection("members").Doc(uid), "session")
}

func role(ctx context.Context, tx *firestore.Transaction, ref *firestore.DocumentRef, what string) (string, error) {
	snap, err := txn.Get(ctx, tx, ref)
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s membership: %w", what, err)
	}
	var m authz.Member
	if err := snap.DataTo(&m); err != nil {
		return "", fmt.Errorf("decode %s membership: %w", what, err)
	}
	return m.Role, nil
}

// Of reads what uid is to session s (in tx when given) and returns it with
// uid's current role in the session's organisation. A facilitator's
// session membership is not read.
func Of(ctx context.Context, fs *firestore.Client, tx *firestore.Transaction, s Session, uid string) (Relation, string, error) {
	if !authz.ValidDocID(uid) {
		return None, "", nil
	}
	orgRole, err := OrgRole(ctx, fs, tx, s.Org, uid)
	if err != nil {
		return None, "", err
	}
	if IsStaff(orgRole) && s.Facilitates(uid) {
		return Facilitator, orgRole, nil
	}
	memberRole, err := MemberRole(ctx, tx, s.Ref, uid)
	if err != nil {
		return None, "", err
	}
	return Decide(s, uid, orgRole, memberRole), orgRole, nil
}

// Find reads session id where a caller whose active organisation is org
// finds it: in org first, else in the organisation session_index names (a
// participant may belong to another organisation than the session's). It
// returns nil, nil when there is no such session or the id is not one.
func Find(ctx context.Context, fs *firestore.Client, org, id string) (*firestore.DocumentSnapshot, error) {
	if !authz.ValidDocID(id) {
		return nil, nil
	}
	read := func(org string) (*firestore.DocumentSnapshot, error) {
		snap, err := fs.Collection("orgs").Doc(org).Collection("sessions").Doc(id).Get(ctx)
		if status.Code(err) == codes.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read session: %w", err)
		}
		return snap, nil
	}
	if authz.ValidOrgID(org) {
		if snap, err := read(org); snap != nil || err != nil {
			return snap, err
		}
	}
	ix, err := fs.Collection("session_index").Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session index: %w", err)
	}
	other, _ := ix.Data()["org"].(string)
	if other == org || !authz.ValidOrgID(other) {
		return nil, nil
	}
	return read(other)
}
