package realtime

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// sessRel is what a person is to a session (shared/sessionaccess).
type sessRel = sessionaccess.Relation

const (
	relNone        = sessionaccess.None
	relParticipant = sessionaccess.Participant
	relFacilitator = sessionaccess.Facilitator
)

// sessionInfo is the part of a session document access and session
// frames need.
type sessionInfo struct {
	ref            *firestore.DocumentRef
	org, id        string
	facilitator    string
	coFacilitators []string
	status         string
	step           *SessionStep
}

type sessionDoc struct {
	Org            string   `firestore:"org"`
	Status         string   `firestore:"status"`
	Facilitator    string   `firestore:"facilitator"`
	CoFacilitators []string `firestore:"co_facilitators"`
	Current        *struct {
		Step      int       `firestore:"step"`
		Moves     int       `firestore:"moves"`
		ChangedAt time.Time `firestore:"changed_at"`
	} `firestore:"current"`
}

func sessionRef(fs *firestore.Client, org, id string) *firestore.DocumentRef {
	return fs.Collection("orgs").Doc(org).Collection("sessions").Doc(id)
}

// readSession finds session id in org, else where session_index says
// (nil, nil when there is none).
func (g *Gateway) readSession(ctx context.Context, org, id string) (*sessionInfo, error) {
	snap, err := sessionaccess.Find(ctx, g.d.Firestore, org, id)
	if snap == nil || err != nil {
		return nil, err
	}
	return decodeSession(snap)
}

func (g *Gateway) readSessionRef(ctx context.Context, ref *firestore.DocumentRef) (*sessionInfo, error) {
	snap, err := ref.Get(ctx)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return decodeSession(snap)
}

func decodeSession(snap *firestore.DocumentSnapshot) (*sessionInfo, error) {
	if !snap.Exists() {
		return nil, nil
	}
	var d sessionDoc
	if err := snap.DataTo(&d); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	org := snap.Ref.Parent.Parent.ID
	si := &sessionInfo{ref: snap.Ref, org: org, id: snap.Ref.ID, facilitator: d.Facilitator,
		coFacilitators: d.CoFacilitators, status: d.Status}
	if d.Current != nil {
		si.step = &SessionStep{Step: d.Current.Step, Moves: d.Current.Moves, ChangedAt: d.Current.ChangedAt}
	}
	return si, nil
}

// sessionRel is uid's relation to si (relNone for a nil session).
func (g *Gateway) sessionRel(ctx context.Context, si *sessionInfo, uid string) (sessRel, error) {
	if si == nil {
		return relNone, nil
	}
	rel, _, err := sessionaccess.Of(ctx, g.d.Firestore, nil, sessionaccess.Session{
		Ref: si.ref, Org: si.org, Facilitator: si.facilitator, CoFacilitators: si.coFacilitators,
	}, uid)
	return rel, err
}

// subject is what canvas.Decide needs to know about uid on canvas m of
// session si.
func (g *Gateway) subject(ctx context.Context, m *canvas.Meta, si *sessionInfo, uid string) (canvas.Subject, error) {
	s := canvas.Subject{UID: uid}
	if m.SessionID == "" || si == nil || uid == m.Owner {
		return s, nil
	}
	rel, err := g.sessionRel(ctx, si, uid)
	if err != nil {
		return s, err
	}
	switch rel {
	case relParticipant:
		s.Session = canvas.SessionParticipant
	case relFacilitator:
		s.Session = canvas.SessionFacilitator
		owner, err := g.sessionRel(ctx, si, m.Owner)
		if err != nil {
			return s, err
		}
		s.OwnerIsFacilitator = owner == relFacilitator
		if !s.OwnerIsFacilitator {
			ok, err := g.d.Consent.Allowed(ctx, m.Owner, si.org, string(consentvault.FacilitatorVisibility))
			if err != nil {
				return s, fmt.Errorf("read consent: %w", err)
			}
			s.OwnerConsents = ok
		}
	}
	return s, nil
}
