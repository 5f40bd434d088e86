package sessions

import (
	"context"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
)

// participantRecord is the stored participants/{uid} document: Participant
// plus the address the person was invited at (shown to facilitators
// only). Readers decoding into Participant ignore the extra field.
type participantRecord struct {
	// UID lets data-subject requests find the record (shared/privacy).
	UID          string     `json:"uid" firestore:"uid"`
	State        string     `json:"state" firestore:"state"`
	InvitationID string     `json:"invitation_id,omitempty" firestore:"invitation_id"`
	DisplayName  string     `json:"display_name,omitempty" firestore:"display_name"`
	Email        string     `json:"email,omitempty" firestore:"email"`
	JoinedAt     *time.Time `json:"joined_at,omitempty" firestore:"joined_at"`
	LeftAt       *time.Time `json:"left_at,omitempty" firestore:"left_at"`
	UpdatedAt    time.Time  `json:"updated_at" firestore:"updated_at"`
}

// participantOut is one entry of the participants list.
type participantOut struct {
	UID string `json:"uid"`
	participantRecord
}

// joinReq is POST /v1/sessions/{id}/join.
type joinReq struct {
	Token string `json:"token"`
}

func (r *joinReq) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.MaxLen(&f, "token", r.Token, 200)
	return f
}

// joinResult answers a join.
type joinResult struct {
	Session     *Session          `json:"session"`
	Participant participantRecord `json:"participant"`
}

// join makes the caller a joined participant: with an invitation token
// (any organisation; the invited address must be the caller's verified
// email), or without one when the caller is a participant who left.
// Nothing tells an outsider whether the session or the token was wrong.
func (a *api) join(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("sessionId")
	var req joinReq
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 0); err != nil {
		return err
	}
	req.Token = strings.TrimSpace(req.Token)
	notFound := httpapi.NotFound("no session %q, or no valid invitation to it", id)
	if !authz.ValidDocID(p.UID) {
		return notFound
	}
	ctx := r.Context()
	var res joinResult
	err := a.store().Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		ref, s, err := a.store().find(ctx, tx, p, id)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if ref == nil {
			return notFound
		}
		rel, _, err := a.store().relation(ctx, tx, p, ref, s)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		var inv *Invitation
		if req.Token != "" {
			snaps, err := tx.Documents(ref.Collection(collInvitations).Where("token_hash", "==", hashToken(req.Token)).Limit(1)).GetAll()
			if err != nil {
				return err
			}
			if len(snaps) == 0 {
				return notFound
			}
			inv = &Invitation{}
			if err := snaps[0].DataTo(inv); err != nil {
				return err
			}
			inv.ID = snaps[0].Ref.ID
			switch {
			case inv.Status == InviteAccepted && inv.UID == p.UID:
				inv = nil // already accepted: a rejoin
			case inv.Status != InvitePending:
				return notFound
			case !p.EmailVerified:
				return httpapi.Forbidden("verify your email address first, then open the invitation again")
			case !strings.EqualFold(inv.Email, p.Email):
				return httpapi.Forbidden("this invitation was sent to another address")
			}
		}
		switch {
		case rel == RelFacilitator:
			return httpapi.Conflict("you facilitate this session")
		case inv == nil && rel == RelNone:
			return notFound
		case inv == nil && rel != RelParticipant:
			return httpapi.Forbidden("only invited participants join a session; open your invitation link")
		}
		if err := sessionClosed(s); err != nil {
			return err
		}
		pref := ref.Collection(collParticipants).Doc(p.UID)
		var rec participantRecord
		psnap, err := tx.Get(pref)
		switch {
		case status.Code(err) == codes.NotFound:
		case err != nil:
			return err
		default:
			if err := psnap.DataTo(&rec); err != nil {
				return err
			}
		}
		if inv == nil && rec.State == PartRemoved {
			return notFound
		}
		if rec.State == PartJoined {
			res = joinResult{Session: sessionView(s, RelParticipant), Participant: rec}
			return nil // already in: nothing to change
		}
		if s.Joined >= s.Capacity {
			return httpapi.Conflict("the session is full")
		}
		now := a.d.Now().UTC()
		rec.UID, rec.State, rec.JoinedAt, rec.LeftAt, rec.UpdatedAt = p.UID, PartJoined, &now, nil, now
		// The name from the person's profile, current at each (re)join:
		// breakout rooms and the facilitators' lists show it.
		if name, err := profileName(ctx, tx, a.d.Firestore, p.UID); err != nil {
			return err
		} else if name != "" {
			rec.DisplayName = name
		}
		if inv != nil {
			rec.InvitationID, rec.Email = inv.ID, inv.Email
			if err := tx.Update(ref.Collection(collInvitations).Doc(inv.ID), []firestore.Update{
				{Path: "status", Value: InviteAccepted}, {Path: "uid", Value: p.UID}, {Path: "accepted_at", Value: now},
			}); err != nil {
				return err
			}
			if err := tx.Set(ref.Collection(collMembers).Doc(p.UID), newMember(p.UID, authz.ResourceParticipant)); err != nil {
				return err
			}
		}
		if err := tx.Set(pref, rec); err != nil {
			return err
		}
		s2 := *s
		s2.Joined++
		s2.UpdatedAt = now
		res = joinResult{Session: sessionView(&s2, RelParticipant), Participant: rec}
		if err := tx.Update(ref, []firestore.Update{{Path: "joined", Value: firestore.Increment(1)}, {Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionParticipantChanged, OrgID: s.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionParticipantChanged{State: PartJoined}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}

// profileName is the display name of users/{uid}, "" without a profile.
func profileName(ctx context.Context, tx *firestore.Transaction, fs *firestore.Client, uid string) (string, error) {
	snap, err := tx.Get(fs.Collection(collUsers).Doc(uid))
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	name, _ := snap.Data()["display_name"].(string)
	return name, nil
}

// leaveReq is POST /v1/sessions/{id}/leave: no fields.
type leaveReq struct{}

func (a *api) leave(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req leaveReq
	bad := httpapi.DecodeOptionalJSON(w, r, &req, 0)
	ctx := r.Context()
	var rec participantRecord
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), participants, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if bad != nil {
			return bad
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		pref := l.sub(collParticipants).Doc(p.UID)
		snap, err := tx.Get(pref)
		if status.Code(err) == codes.NotFound {
			return httpapi.Conflict("you have not joined this session")
		}
		if err != nil {
			return err
		}
		rec = participantRecord{}
		if err := snap.DataTo(&rec); err != nil {
			return err
		}
		if rec.State != PartJoined {
			return nil // already out
		}
		now := a.d.Now().UTC()
		rec.State, rec.LeftAt, rec.UpdatedAt = PartLeft, &now, now
		if err := tx.Update(pref, []firestore.Update{{Path: "state", Value: PartLeft}, {Path: "left_at", Value: now}, {Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		if err := tx.Update(l.Ref, []firestore.Update{{Path: "joined", Value: firestore.Increment(-1)}, {Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionParticipantChanged, OrgID: l.Org(), SessionID: l.ID(), UID: p.UID,
			Payload: events.SessionParticipantChanged{State: PartLeft}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, rec)
	return nil
}

// listParticipants lists participants by user id, 20 a page. Facilitators
// see the invited address; organisation staff do not.
func (a *api) listParticipants(w http.ResponseWriter, r *http.Request, l *loaded) error {
	snaps, next, err := idPage(r, l.sub(collParticipants).Query, participantPages, "state", PartJoined, PartLeft, PartRemoved)
	if err != nil {
		return err
	}
	out := struct {
		Participants  []participantOut `json:"participants"`
		NextPageToken string           `json:"next_page_token,omitempty"`
	}{Participants: []participantOut{}, NextPageToken: next}
	for _, s := range snaps {
		var rec participantRecord
		if err := s.DataTo(&rec); err != nil {
			return httpapi.Unavailable(err)
		}
		if l.Rel != RelFacilitator {
			rec.Email = ""
		}
		out.Participants = append(out.Participants, participantOut{UID: s.Ref.ID, participantRecord: rec})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// removeParticipant takes a participant out of the session for good: the
// membership goes, the invitation is revoked, the seat is freed.
func (a *api) removeParticipant(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	uid := r.PathValue("uid")
	ctx := r.Context()
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if !authz.ValidDocID(uid) {
			return httpapi.NotFound("no participant %q", uid)
		}
		pref := l.sub(collParticipants).Doc(uid)
		snap, err := tx.Get(pref)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no participant %q", uid)
		}
		if err != nil {
			return err
		}
		var rec participantRecord
		if err := snap.DataTo(&rec); err != nil {
			return err
		}
		if rec.State == PartRemoved {
			return nil
		}
		var iref *firestore.DocumentRef
		if authz.ValidDocID(rec.InvitationID) {
			iref = l.sub(collInvitations).Doc(rec.InvitationID)
			if _, err := tx.Get(iref); status.Code(err) == codes.NotFound {
				iref = nil
			} else if err != nil {
				return err
			}
		}
		now := a.d.Now().UTC()
		if iref != nil {
			if err := tx.Update(iref, []firestore.Update{{Path: "status", Value: InviteRevoked}, {Path: "token_hash", Value: ""}}); err != nil {
				return err
			}
		}
		if err := tx.Update(pref, []firestore.Update{{Path: "state", Value: PartRemoved}, {Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		if err := tx.Delete(l.sub(collMembers).Doc(uid)); err != nil {
			return err
		}
		if rec.State == PartJoined {
			if err := tx.Update(l.Ref, []firestore.Update{{Path: "joined", Value: firestore.Increment(-1)}, {Path: "updated_at", Value: now}}); err != nil {
				return err
			}
		}
		// The event is about the person removed: their consent decides.
		return out.Event(events.Event{Type: events.TypeSessionParticipantChanged, OrgID: l.Org(), SessionID: l.ID(), UID: uid,
			Payload: events.SessionParticipantChanged{State: PartRemoved}})
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
