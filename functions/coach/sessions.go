package coach

import (
	"context"
	"fmt"
	"slices"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// A session as the coach reads it (functions/sessions writes it):
// orgs/{org}/sessions/{id}, its members/{uid} (role participant for
// participants), session_index/{id} (its organisation), and the session's
// organisation's members/{uid} (staff roles).
type session struct {
	ID             string   `firestore:"-"`
	Org            string   `firestore:"org"`
	Status         string   `firestore:"status"`
	Facilitator    string   `firestore:"facilitator"`
	CoFacilitators []string `firestore:"co_facilitators"`
	Plan           []struct {
		Phase string `firestore:"phase"`
	} `firestore:"plan"`
	Current *struct {
		Step int `firestore:"step"`
	} `firestore:"current"`
	ref *firestore.DocumentRef
}

// Phase is the phase of the session's current step ("" before the start).
func (s *session) Phase() string {
	if s.Current == nil || s.Current.Step < 0 || s.Current.Step >= len(s.Plan) {
		return ""
	}
	return s.Plan[s.Current.Step].Phase
}

// relation is what a caller is to a session (shared/sessionaccess).
type relation = sessionaccess.Relation

const (
	relNone        = sessionaccess.None
	relParticipant = sessionaccess.Participant
	relFacilitator = sessionaccess.Facilitator
)

// findSession locates session id (the caller's organisation first, then
// the index) and the caller's current relation to it, from membership
// documents, never the token's claims. A caller with no part in it, or
// no such session, is 404.
func (a *api) findSession(ctx context.Context, p *auth.Principal, id string) (*session, relation, error) {
	notFound := httpapi.NotFound("no session %q", id)
	if !authz.ValidDocID(id) {
		return nil, relNone, notFound
	}
	snap, err := sessionaccess.Find(ctx, a.d.Firestore, p.Org, id)
	if err != nil {
		return nil, relNone, httpapi.Unavailable(err)
	}
	if snap == nil {
		return nil, relNone, notFound
	}
	s := &session{}
	if err := snap.DataTo(s); err != nil {
		return nil, relNone, httpapi.Unavailable(fmt.Errorf("decode session: %w", err))
	}
	s.ID, s.Org, s.ref = id, snap.Ref.Parent.Parent.ID, snap.Ref
	rel, err := a.relationTo(ctx, p.UID, s)
	if err != nil {
		return nil, relNone, httpapi.Unavailable(err)
	}
	if rel == relNone {
		return nil, relNone, notFound
	}
	return s, rel, nil
}

// relationTo is uid's relation to s; the coach knows no org staff (they
// neither take part in nor run the session).
func (a *api) relationTo(ctx context.Context, uid string, s *session) (relation, error) {
	rel, _, err := sessionaccess.Of(ctx, a.d.Firestore, nil, sessionaccess.Session{
		Ref: s.ref, Org: s.Org, Facilitator: s.Facilitator, CoFacilitators: s.CoFacilitators,
	}, uid)
	if rel == sessionaccess.OrgStaff {
		rel = relNone
	}
	return rel, err
}

// docString reads a string field of a document ("" when it is missing).
func docString(ctx context.Context, ref *firestore.DocumentRef, field string) (string, error) {
	snap, err := ref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", ref.Path, err)
	}
	v, _ := snap.Data()[field].(string)
	return v, nil
}

// facilitatorsOf lists the session's owner and co-facilitators.
func (s *session) facilitators() []string {
	out := []string{}
	if s.Facilitator != "" {
		out = append(out, s.Facilitator)
	}
	for _, u := range s.CoFacilitators {
		if u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}
