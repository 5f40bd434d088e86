package sessions

// The live state machine: scheduled → live → ended (cancel is a scheduling
// route). Only facilitators change state, always in one transaction that
// reads the session first, so two facilitators acting at once serialise.
//
// Decisions:
//   - A session may be started at any time, also long before StartAt
//     (session.started reports negative late_minutes then): facilitators
//     rehearse and start early, and a refusal would only push them to
//     reschedule first.
//   - Advance names the step the client is on (from_step). A request made
//     from a step the session has left is refused with 409, so two
//     facilitators pressing "next" at once move the session once: the
//     second sees where it is now and decides again. Problems carry no
//     extension members, so the current cursor is in the detail.
//   - The step shown is the element the session is at; elapsed minutes
//     count from the last move, remaining minutes from the element's
//     planned length (never below zero).

import (
	"net/http"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
)

// Advance directions.
const (
	dirNext = "next"
	dirBack = "back"
	dirJump = "jump"
)

func (a *api) liveRoutes() []httpapi.Route {
	return []httpapi.Route{
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/start", sessionStaff, withPrincipal(a.startSession)),
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/advance", sessionStaff, withPrincipal(a.advanceSession)),
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/end", sessionStaff, withPrincipal(a.endSession)),
		httpapi.Handle(http.MethodGet, "/v1/sessions/{sessionId}/live", sessionAny, a.session(a.getLive, anyone)),
	}
}

// liveView is the live state of a session as every relation sees it.
type liveView struct {
	SessionID string  `json:"session_id"`
	Status    string  `json:"status"`
	Current   *Cursor `json:"current"`
	// Step is the step the session is at (nil before the start).
	Step *Step `json:"step"`
	// Steps is the length of the plan.
	Steps int `json:"steps"`
	// NextTitle is the title of the step after the current one (of the
	// first step before the start; "" at the last).
	NextTitle        string     `json:"next_title"`
	ElapsedMinutes   int        `json:"elapsed_minutes"`
	RemainingMinutes int        `json:"remaining_minutes"`
	StartedAt        *time.Time `json:"started_at,omitempty"`
	EndedAt          *time.Time `json:"ended_at,omitempty"`
	// OpenDrawID is the draw open for picks, if any (GET /live only).
	OpenDrawID string `json:"open_draw_id,omitempty"`
	// LatestDrawID is the newest draw, open or closed, and OpenBreakoutID
	// the round running now (GET /live only): a live view polls /live
	// alone and reads a draw or a round only when there is one.
	LatestDrawID   string `json:"latest_draw_id,omitempty"`
	OpenBreakoutID string `json:"open_breakout_id,omitempty"`
}

// liveOf computes the live view of s at now.
func liveOf(s *Session, now time.Time) liveView {
	v := liveView{SessionID: s.ID, Status: s.Status, Current: s.Current, Steps: len(s.Plan),
		StartedAt: s.StartedAt, EndedAt: s.EndedAt}
	if s.Current == nil || s.Current.Step < 0 || s.Current.Step >= len(s.Plan) {
		if len(s.Plan) > 0 {
			v.NextTitle = s.Plan[0].Title
		}
		return v
	}
	step := s.Plan[s.Current.Step]
	v.Step = &step
	if s.Current.Step+1 < len(s.Plan) {
		v.NextTitle = s.Plan[s.Current.Step+1].Title
	}
	until := now
	if s.EndedAt != nil {
		until = *s.EndedAt
	}
	if d := until.Sub(s.Current.ChangedAt); d > 0 {
		v.ElapsedMinutes = int(d / time.Minute)
	}
	v.RemainingMinutes = max(0, step.Minutes-v.ElapsedMinutes)
	if s.Status != StatusLive {
		v.RemainingMinutes = 0
	}
	return v
}

// wrongStatus is the 409 of a state change the session's status forbids.
func wrongStatus(s *Session, action string) error {
	switch s.Status {
	case StatusScheduled:
		return httpapi.Conflict("the session has not started yet; start it before you %s", action)
	case StatusLive:
		return httpapi.Conflict("the session is already live; you cannot %s", action)
	case StatusEnded:
		return httpapi.Conflict("the session has ended; you cannot %s", action)
	case StatusCancelled:
		return httpapi.Conflict("the session was cancelled; you cannot %s", action)
	}
	return httpapi.Conflict("the session is %s; you cannot %s", s.Status, action)
}

func (a *api) startSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := httpapi.DecodeOptionalJSON(w, r, &struct{}{}, 0); err != nil {
		return err
	}
	ctx := r.Context()
	var s *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if l.S.Status != StatusScheduled {
			return wrongStatus(l.S, "start it")
		}
		if len(l.S.Plan) == 0 {
			return httpapi.Conflict("the session's journey has no steps; nothing to run")
		}
		now := a.d.Now().UTC()
		cur := &Cursor{Step: 0, Moves: 0, ChangedAt: now, ChangedBy: p.UID}
		if err := tx.Update(l.Ref, []firestore.Update{
			{Path: "status", Value: StatusLive},
			{Path: "started_at", Value: now},
			{Path: "current", Value: cur},
			{Path: "updated_at", Value: now},
		}); err != nil {
			return err
		}
		l.S.Status, l.S.StartedAt, l.S.Current, l.S.UpdatedAt = StatusLive, &now, cur, now
		s = l.S
		late := int(s.StartedAt.Sub(s.StartAt) / time.Minute)
		return out.Event(events.Event{Type: events.TypeSessionStarted, OrgID: s.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionStarted{Participants: s.Joined, LateMinutes: late}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, liveOf(s, a.d.Now()))
	return nil
}

// advanceReq moves a live session's cursor.
type advanceReq struct {
	Direction string `json:"direction"`
	// FromStep is the step the client is on; required so that a stale
	// client never moves the session twice.
	FromStep *int `json:"from_step"`
	ToStep   *int `json:"to_step"`
}

func (q *advanceReq) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	httpapi.OneOf(&fs, "direction", q.Direction, dirNext, dirBack, dirJump)
	switch {
	case q.FromStep == nil:
		fs = append(fs, httpapi.Field("from_step", "is required: the step you are on"))
	case *q.FromStep < 0:
		fs = append(fs, httpapi.Field("from_step", "must be 0 or more"))
	}
	switch {
	case q.Direction == dirJump && q.ToStep == nil:
		fs = append(fs, httpapi.Field("to_step", "is required with direction jump"))
	case q.Direction != dirJump && q.ToStep != nil:
		fs = append(fs, httpapi.Field("to_step", "is allowed only with direction jump"))
	case q.ToStep != nil && *q.ToStep < 0:
		fs = append(fs, httpapi.Field("to_step", "must be 0 or more"))
	}
	return fs
}

func (a *api) advanceSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q advanceReq
	if err := httpapi.DecodeJSON(w, r, &q, 0); err != nil {
		return err
	}
	ctx := r.Context()
	var s *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if l.S.Status != StatusLive {
			return wrongStatus(l.S, "move it")
		}
		cur := Cursor{}
		if l.S.Current != nil {
			cur = *l.S.Current
		}
		last := len(l.S.Plan) - 1
		if *q.FromStep != cur.Step {
			return httpapi.Conflict("the session moved on: it is at step %d (move %d), not step %d", cur.Step, cur.Moves, *q.FromStep)
		}
		to := cur.Step
		switch q.Direction {
		case dirNext:
			if cur.Step >= last {
				return httpapi.Conflict("step %d is the last step; end the session instead", cur.Step)
			}
			to++
		case dirBack:
			if cur.Step == 0 {
				return httpapi.Conflict("step 0 is the first step; there is no step before it")
			}
			to--
		case dirJump:
			if *q.ToStep > last {
				return httpapi.Unprocessable(httpapi.Field("to_step", "must be between 0 and %d, the session's last step", last))
			}
			if *q.ToStep == cur.Step {
				return httpapi.Conflict("the session is already at step %d", cur.Step)
			}
			to = *q.ToStep
		}
		now := a.d.Now().UTC()
		next := &Cursor{Step: to, Moves: cur.Moves + 1, ChangedAt: now, ChangedBy: p.UID}
		if err := tx.Update(l.Ref, []firestore.Update{{Path: "current", Value: next}, {Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		l.S.Current, l.S.UpdatedAt = next, now
		s = l.S
		step := s.Plan[to]
		return out.Event(events.Event{Type: events.TypeSessionStepChanged, OrgID: s.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionStepChanged{Phase: events.Enum(step.Phase), ElementIndex: step.ElementIndex, Step: next.Moves,
				Direction: events.Enum(q.Direction)}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, liveOf(s, a.d.Now()))
	return nil
}

func (a *api) endSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := httpapi.DecodeOptionalJSON(w, r, &struct{}{}, 0); err != nil {
		return err
	}
	ctx := r.Context()
	var s *Session
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if l.S.Status != StatusLive {
			return wrongStatus(l.S, "end it")
		}
		// Every read comes before the first write (breakouts write).
		drawSnaps, err := tx.Documents(l.sub(collDraws).Select("status")).GetAll()
		if err != nil {
			return err
		}
		draws := len(drawSnaps)
		var closed []events.SessionDrawClosed
		var open []*firestore.DocumentRef
		for _, d := range drawSnaps {
			if st, _ := d.Data()["status"].(string); st != drawOpen {
				continue
			}
			picks, err := tx.Documents(d.Ref.Collection(collPicks).Select()).GetAll()
			if err != nil {
				return err
			}
			open = append(open, d.Ref)
			closed = append(closed, events.SessionDrawClosed{DrawID: events.ID(d.Ref.ID), Picks: len(picks)})
		}
		rounds, err := tx.Documents(l.sub(collBreakouts).Select()).GetAll()
		if err != nil {
			return err
		}
		breakouts := len(rounds)
		if err := a.endBreakouts(tx, out, l, "session_ended"); err != nil {
			return err
		}
		now := a.d.Now().UTC()
		for _, ref := range open {
			if err := tx.Update(ref, []firestore.Update{
				{Path: "status", Value: drawClosed}, {Path: "closed_at", Value: now},
				{Path: "closed_by", Value: p.UID}, {Path: "closed_reason", Value: "session_ended"},
			}); err != nil {
				return err
			}
		}
		if err := tx.Update(l.Ref, []firestore.Update{
			{Path: "status", Value: StatusEnded}, {Path: "ended_at", Value: now}, {Path: "updated_at", Value: now},
		}); err != nil {
			return err
		}
		l.S.Status, l.S.EndedAt, l.S.UpdatedAt = StatusEnded, &now, now
		s = l.S
		for _, c := range closed {
			if err := out.Event(events.Event{Type: events.TypeSessionDrawClosed, OrgID: s.Org, SessionID: s.ID, UID: p.UID, Payload: c}); err != nil {
				return err
			}
		}
		minutes := 0
		if s.StartedAt != nil {
			minutes = int(now.Sub(*s.StartedAt) / time.Minute)
		}
		return out.Event(events.Event{Type: events.TypeSessionEnded, OrgID: s.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionEnded{Participants: s.Joined, DurationMinutes: minutes, Draws: draws, Breakouts: breakouts}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, liveOf(s, a.d.Now()))
	return nil
}

func (a *api) getLive(w http.ResponseWriter, r *http.Request, l *loaded) error {
	v := liveOf(l.S, a.d.Now())
	ctx := r.Context()
	if l.S.Status == StatusLive || l.S.Status == StatusEnded {
		// The newest draw stays shown after it closed and after the end:
		// its revealed picks are what the group talked about.
		snaps, err := l.sub(collDraws).OrderBy("opened_at", firestore.Desc).Limit(1).Documents(ctx).GetAll()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if len(snaps) > 0 {
			v.LatestDrawID = snaps[0].Ref.ID
			if st, _ := snaps[0].DataAt("status"); st == drawOpen && l.S.Status == StatusLive {
				v.OpenDrawID = v.LatestDrawID
			}
		}
	}
	if l.S.Status == StatusLive {
		snaps, err := l.sub(collBreakouts).Where("status", "==", breakoutOpen).Select().Limit(1).Documents(ctx).GetAll()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if len(snaps) > 0 {
			v.OpenBreakoutID = snaps[0].Ref.ID
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}
