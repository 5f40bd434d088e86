package sessions

// Changing a session before it runs: its details, its time, its
// cancellation and its owner. Each change loads the session in its own
// transaction (store.Update).

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// patchReq is PATCH /v1/sessions/{id}; absent fields are kept, a null
// meeting removes it.
type patchReq struct {
	Title          *string         `json:"title"`
	Description    *string         `json:"description"`
	Capacity       *int            `json:"capacity"`
	Meeting        json.RawMessage `json:"meeting"`
	CoFacilitators *[]string       `json:"co_facilitators"`

	meeting *Meeting
}

func (r *patchReq) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if r.Title == nil && r.Description == nil && r.Capacity == nil && r.Meeting == nil && r.CoFacilitators == nil {
		return []httpapi.FieldError{httpapi.Field("(body)", "name at least one of title, description, capacity, meeting, co_facilitators")}
	}
	if r.Title != nil {
		checkTitle(&f, *r.Title)
	}
	if r.Description != nil {
		checkDescription(&f, *r.Description)
	}
	if r.Capacity != nil && (*r.Capacity < 1 || *r.Capacity > MaxCapacity) {
		f = append(f, httpapi.Field("capacity", "must be between 1 and %d", MaxCapacity))
	}
	if r.Meeting != nil && string(r.Meeting) != "null" {
		var m Meeting
		if err := httpapi.DecodeBytes(r.Meeting, &m); err != nil {
			var he *httpapi.Error
			if errors.As(err, &he) && len(he.Fields) > 0 {
				for _, fe := range he.Fields {
					f = append(f, httpapi.Field("meeting."+fe.Field, "%s", fe.Detail))
				}
			} else {
				f = append(f, httpapi.Field("meeting", "must be an object or null"))
			}
		} else {
			r.meeting = &m
			checkMeeting(&f, &m)
		}
	}
	if r.CoFacilitators != nil {
		checkCoFacilitators(&f, *r.CoFacilitators)
	}
	return f
}

// sessionClosed refuses changes to a session that is over.
func sessionClosed(s *Session) error {
	if s.Status == StatusEnded || s.Status == StatusCancelled {
		return httpapi.Conflict("the session is %s", s.Status)
	}
	return nil
}

func (a *api) patchSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req patchReq
	// A bad body is answered once the caller's authority is known, as
	// every session route does: a stranger learns nothing from it.
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	ctx := r.Context()
	var res *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, _ *outbox.Tx, l *loaded) error {
		if bad != nil {
			return bad
		}
		if req.CoFacilitators != nil {
			if err := a.staffCoFacilitators(ctx, l.Org(), l.S.Facilitator, *req.CoFacilitators); err != nil {
				return err
			}
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		s := *l.S
		now := a.d.Now().UTC()
		ups := []firestore.Update{{Path: "updated_at", Value: now}}
		if req.Title != nil {
			s.Title = strings.TrimSpace(*req.Title)
			ups = append(ups, firestore.Update{Path: "title", Value: s.Title})
		}
		if req.Description != nil {
			s.Description = *req.Description
			ups = append(ups, firestore.Update{Path: "description", Value: s.Description})
		}
		if req.Capacity != nil {
			if *req.Capacity < s.Joined {
				return httpapi.Invalid(httpapi.Field("capacity", "is below the %d participants who joined", s.Joined))
			}
			s.Capacity = *req.Capacity
			ups = append(ups, firestore.Update{Path: "capacity", Value: s.Capacity})
		}
		if req.Meeting != nil {
			s.Meeting = req.meeting
			ups = append(ups, firestore.Update{Path: "meeting", Value: s.Meeting})
		}
		var writes []func() error
		if req.CoFacilitators != nil {
			next := *req.CoFacilitators
			for _, u := range s.CoFacilitators {
				if !slices.Contains(next, u) {
					writes = append(writes, func() error { return tx.Delete(l.sub(collMembers).Doc(u)) })
				}
			}
			for _, u := range next {
				writes = append(writes, func() error {
					return tx.Set(l.sub(collMembers).Doc(u), newMember(u, authz.ResourceEditor))
				})
			}
			s.CoFacilitators = append([]string{}, next...)
			ups = append(ups, firestore.Update{Path: "co_facilitators", Value: s.CoFacilitators})
		}
		for _, wr := range writes {
			if err := wr(); err != nil {
				return err
			}
		}
		s.UpdatedAt = now
		res = &s
		return tx.Update(l.Ref, ups)
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionView(res, RelFacilitator))
	return nil
}

// rescheduleReq is POST /v1/sessions/{id}/reschedule.
type rescheduleReq struct {
	StartAt         string `json:"start_at"`
	TimeZone        string `json:"time_zone"`
	DurationMinutes *int   `json:"duration_minutes"`
}

// checkStart reads a new start (and zone, default the session's own).
func (req *rescheduleReq) checkStart(s *Session, now time.Time) (start time.Time, zone string, err error) {
	var f []httpapi.FieldError
	zone = req.TimeZone
	if zone == "" {
		zone = s.TimeZone
	}
	loc := loadZone(&f, "time_zone", zone)
	if strings.TrimSpace(req.StartAt) == "" {
		f = append(f, httpapi.Field("start_at", "is required"))
	} else if t, fe := parseStart("start_at", req.StartAt, loc); fe != nil {
		f = append(f, *fe)
	} else {
		start = t
	}
	if req.DurationMinutes != nil && (*req.DurationMinutes < minSessionMinutes || *req.DurationMinutes > maxSessionMinutes) {
		f = append(f, httpapi.Field("duration_minutes", "must be between %d and %d", minSessionMinutes, maxSessionMinutes))
	}
	if len(f) > 0 {
		return start, zone, httpapi.Invalid(f...)
	}
	if !start.After(now) {
		return start, zone, httpapi.Invalid(httpapi.Field("start_at", "must be in the future"))
	}
	return start, zone, nil
}

func (a *api) reschedule(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req rescheduleReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	now := a.d.Now()
	ctx := r.Context()
	var res *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if bad != nil {
			return bad
		}
		start, zone, err := req.checkStart(l.S, now)
		if err != nil {
			return err
		}
		if l.S.Status != StatusScheduled {
			return httpapi.Conflict("only a scheduled session can be rescheduled; this one is %s", l.S.Status)
		}
		// Every reschedule mails every invitee: it counts against the mail
		// quota like invitations, or a loop of reschedules would flood them.
		iv, err := readInvitees(ctx, tx, l.Ref)
		if err != nil {
			return err
		}
		if err := a.d.MailQuota.Reserve(tx, l.Org(), p.UID, len(iv.people), now); err != nil {
			return quotaProblem(err)
		}
		s := *l.S
		if req.DurationMinutes != nil {
			if need := s.Plan.Minutes(); *req.DurationMinutes < need {
				return httpapi.Invalid(httpapi.Field("duration_minutes", "is shorter than the journey's %d minutes", need))
			}
			s.DurationMinutes = *req.DurationMinutes
		}
		s.StartAt, s.TimeZone, s.Sequence, s.UpdatedAt, s.RemindedAt = start.UTC(), zone, s.Sequence+1, now.UTC(), nil
		res = &s
		// The reminder is due again for the new time.
		if err := tx.Update(l.Ref, []firestore.Update{
			{Path: "start_at", Value: s.StartAt}, {Path: "time_zone", Value: s.TimeZone},
			{Path: "duration_minutes", Value: s.DurationMinutes}, {Path: "sequence", Value: s.Sequence},
			{Path: "reminded_at", Value: nil}, {Path: "updated_at", Value: s.UpdatedAt},
		}); err != nil {
			return err
		}
		if err := out.Event(events.Event{Type: events.TypeSessionRescheduled, OrgID: s.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionRescheduled{Sequence: s.Sequence, DurationMinutes: s.DurationMinutes}}); err != nil {
			return err
		}
		_, err = iv.mail(ctx, a.d, out, &s, mailUpdate)
		return err
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionView(res, RelFacilitator))
	return nil
}

// cancelReq is POST /v1/sessions/{id}/cancel: no fields.
type cancelReq struct{}

func (a *api) cancel(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req cancelReq
	bad := httpapi.DecodeOptionalJSON(w, r, &req, 0)
	ctx := r.Context()
	var res *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), managers, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if bad != nil {
			return bad
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		// Every read comes before the first write (breakouts write).
		iv, err := readInvitees(ctx, tx, l.Ref)
		if err != nil {
			return err
		}
		wasLive := l.S.Status == StatusLive
		if wasLive {
			if err := a.endBreakouts(tx, out, l, "session_ended"); err != nil {
				return err
			}
		}
		s := *l.S
		now := a.d.Now().UTC()
		// Cancellation mail is not charged to the mail quota: a session is
		// cancelled once, its invitees were charged when invited, and a
		// cancellation must never be held back.
		//
		// A cancelled session is over: the organisation's retention of
		// session data counts from ended_at (functions/consent).
		s.Status, s.Sequence, s.UpdatedAt, s.EndedAt = StatusCancelled, s.Sequence+1, now, &now
		res = &s
		if err := tx.Update(l.Ref, []firestore.Update{{Path: "status", Value: s.Status}, {Path: "sequence", Value: s.Sequence},
			{Path: "updated_at", Value: now}, {Path: "ended_at", Value: now}}); err != nil {
			return err
		}
		if err := out.Event(events.Event{Type: events.TypeSessionCancelled, OrgID: s.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionCancelled{Sequence: s.Sequence, WasLive: wasLive}}); err != nil {
			return err
		}
		_, err = iv.mail(ctx, a.d, out, &s, mailCancel)
		return err
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionView(res, RelFacilitator))
	return nil
}

// ownerReq is PUT /v1/sessions/{id}/owner.
type ownerReq struct {
	UID string `json:"uid"`
}

func (r *ownerReq) Validate() []httpapi.FieldError {
	if !authz.ValidDocID(r.UID) {
		return []httpapi.FieldError{httpapi.Field("uid", "is not a user id")}
	}
	return nil
}

// setOwner hands the session to another current staff member of its
// organisation: the organisation's admins use it to take over the
// sessions of someone who left, and an owner to pass one on. The previous
// owner loses control; calendar entries name the new owner as organizer when that is the
// caller, and no organizer otherwise (the address is not known here).
func (a *api) setOwner(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req ownerReq
	bad := httpapi.DecodeJSON(w, r, &req, 1<<10)
	ctx := r.Context()
	var res *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), managers, func(tx *firestore.Transaction, _ *outbox.Tx, l *loaded) error {
		if bad != nil {
			return bad
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		role, err := a.store().OrgRole(ctx, tx, l.Org(), req.UID)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if !sessionaccess.IsStaff(role) {
			return httpapi.Invalid(httpapi.Field("uid", "is not a current facilitator, educator or admin of the session's organisation"))
		}
		s := *l.S
		res = &s
		if s.Facilitator == req.UID {
			return nil
		}
		prev := s.Facilitator
		s.Facilitator = req.UID
		s.CoFacilitators = slices.DeleteFunc(slices.Clone(s.CoFacilitators), func(u string) bool { return u == req.UID })
		if s.CoFacilitators == nil {
			s.CoFacilitators = []string{}
		}
		s.UpdatedAt = a.d.Now().UTC()
		if authz.ValidDocID(prev) {
			if err := tx.Delete(l.sub(collMembers).Doc(prev)); err != nil {
				return err
			}
		}
		if err := tx.Set(l.sub(collMembers).Doc(req.UID), newMember(req.UID, authz.ResourceOwner)); err != nil {
			return err
		}
		cal := calendarDoc{OrganizerUID: req.UID}
		if req.UID == p.UID {
			cal.OrganizerEmail = p.Email
		}
		if err := tx.Set(l.sub(collSettings).Doc(docCalendar), cal); err != nil {
			return err
		}
		return tx.Update(l.Ref, []firestore.Update{{Path: "facilitator", Value: s.Facilitator},
			{Path: "co_facilitators", Value: s.CoFacilitators}, {Path: "updated_at", Value: s.UpdatedAt}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionView(res, RelFacilitator))
	return nil
}
