package sessions

// Breakout rounds: orgs/{org}/sessions/{sid}/breakouts/{breakoutId}.
//
// Decisions where the requirements leave a gap:
//   - One open round per session. Opening a round while the previous
//     one's timer has run out closes that one first (reason "timer"); an
//     open round whose timer is still running is a 409. The timer never
//     closes a round by itself: the facilitator brings people back, and
//     every read reports remaining_seconds and timer_expired.
//   - Rooms are 2…4 people when a round opens. A manual move may leave
//     rooms of 1…5 (a late joiner, someone who needs to switch), but never
//     empties a room: moving its last member out is a 409.
//   - similar_cards / different_cards need the draw whose picks they
//     follow (draw_id); picks are read even before they are revealed, but
//     only the grouping comes out of it, never anyone's card.
//   - Facilitators and org staff see every room; a participant sees the
//     round and only their own room's members.
//   - Extending and moving change a round without a domain event: the
//     event registry has no type for them (session.breakouts_opened and
//     session.breakouts_closed cover the round's life).

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
)

// Breakout round statuses and close reasons (the event's enum).
const (
	breakoutOpen   = "open"
	breakoutClosed = "closed"

	closeBroughtBack = "brought_back"
	closeTimer       = "timer"
)

// Limits of a round.
const (
	DefaultBreakoutMinutes = 10
	MaxBreakoutMinutes     = 120
	MaxExtendMinutes       = 60
	breakoutPageSize       = 20
	mainRoomID             = "main"
)

// breakoutRoom is one room of a round.
type breakoutRoom struct {
	ID      string   `firestore:"id"`
	Name    string   `firestore:"name"`
	Members []string `firestore:"members"`
}

// breakout is orgs/{org}/sessions/{sid}/breakouts/{id}.
type breakout struct {
	Strategy string         `firestore:"strategy"`
	RoomSize int            `firestore:"room_size"`
	Rooms    []breakoutRoom `firestore:"rooms"`
	// Main lists joined participants who stay in the main room.
	Main        []string   `firestore:"main"`
	Status      string     `firestore:"status"`
	Minutes     int        `firestore:"minutes"`
	OpenedAt    time.Time  `firestore:"opened_at"`
	OpenedBy    string     `firestore:"opened_by"`
	EndsAt      time.Time  `firestore:"ends_at"`
	ClosedAt    *time.Time `firestore:"closed_at"`
	ClosedBy    string     `firestore:"closed_by,omitempty"`
	CloseReason string     `firestore:"close_reason,omitempty"`
	DrawID      string     `firestore:"draw_id,omitempty"`
	UpdatedAt   time.Time  `firestore:"updated_at"`
	// MemberUIDs is everyone the round placed, in a room or the main
	// room: data-subject requests find a person's rounds by it and remove
	// them from it (shared/privacy, holder sessions.breakouts).
	MemberUIDs []string `firestore:"member_uids"`
}

// memberUIDs lists everyone b places.
func (b *breakout) memberUIDs() []string {
	out := slices.Clone(b.Main)
	for _, r := range b.Rooms {
		out = append(out, r.Members...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (a *api) breakoutRoutes() []httpapi.Route {
	const base = "/v1/sessions/{sessionId}/breakouts"
	return []httpapi.Route{
		httpapi.Handle(http.MethodPost, base, sessionStaff, withPrincipal(a.openBreakouts)),
		httpapi.Handle(http.MethodGet, base, sessionAny, a.session(a.listBreakouts, anyone)),
		httpapi.Handle(http.MethodGet, base+"/{breakoutId}", sessionAny, a.session(a.getBreakout, anyone)),
		httpapi.Handle(http.MethodPost, base+"/{breakoutId}/extend", sessionStaff, withPrincipal(a.extendBreakout)),
		httpapi.Handle(http.MethodPost, base+"/{breakoutId}/move", sessionStaff, withPrincipal(a.moveBreakout)),
		httpapi.Handle(http.MethodPost, base+"/{breakoutId}/close", sessionStaff, withPrincipal(a.closeBreakout)),
	}
}

// openBreakoutsReq is the body of POST …/breakouts.
type openBreakoutsReq struct {
	Strategy string     `json:"strategy"`
	RoomSize *int       `json:"room_size"`
	Minutes  *int       `json:"minutes"`
	DrawID   string     `json:"draw_id"`
	Rooms    [][]string `json:"rooms"`
	MainRoom []string   `json:"main_room"`
}

func (q *openBreakoutsReq) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	httpapi.OneOf(&fs, "strategy", q.Strategy, StrategyRandom, StrategySimilarCards, StrategyDifferentCards, StrategyManual)
	if q.RoomSize != nil && (*q.RoomSize < MinRoomSize || *q.RoomSize > MaxRoomSize) {
		fs = append(fs, httpapi.Field("room_size", "must be %d…%d", MinRoomSize, MaxRoomSize))
	}
	if q.Minutes != nil && (*q.Minutes < 1 || *q.Minutes > MaxBreakoutMinutes) {
		fs = append(fs, httpapi.Field("minutes", "must be 1…%d", MaxBreakoutMinutes))
	}
	cards := q.Strategy == StrategySimilarCards || q.Strategy == StrategyDifferentCards
	switch {
	case cards && q.DrawID == "":
		fs = append(fs, httpapi.Field("draw_id", "is required for %s: the rooms follow that draw's picks", q.Strategy))
	case q.DrawID != "" && !authz.ValidDocID(q.DrawID):
		fs = append(fs, httpapi.Field("draw_id", "is not a valid id"))
	}
	if q.Strategy == StrategyManual {
		if len(q.Rooms) == 0 {
			fs = append(fs, httpapi.Field("rooms", "is required for manual rooms"))
		}
		if len(q.Rooms) > MaxCapacity/MinRoomSize {
			fs = append(fs, httpapi.Field("rooms", "lists %d rooms; at most %d are allowed", len(q.Rooms), MaxCapacity/MinRoomSize))
		}
		for i, room := range q.Rooms {
			if len(room) > MaxCapacity {
				fs = append(fs, httpapi.Field(fmt.Sprintf("rooms[%d]", i), "is too long"))
				continue
			}
			for j, uid := range room {
				if !authz.ValidDocID(uid) {
					fs = append(fs, httpapi.Field(fmt.Sprintf("rooms[%d][%d]", i, j), "is not a valid uid"))
				}
			}
		}
		if len(q.MainRoom) > MaxCapacity {
			fs = append(fs, httpapi.Field("main_room", "is too long"))
		}
		for i, uid := range q.MainRoom {
			if !authz.ValidDocID(uid) {
				fs = append(fs, httpapi.Field(fmt.Sprintf("main_room[%d]", i), "is not a valid uid"))
			}
		}
	} else {
		if q.Rooms != nil {
			fs = append(fs, httpapi.Field("rooms", "is only for the manual strategy"))
		}
		if q.MainRoom != nil {
			fs = append(fs, httpapi.Field("main_room", "is only for the manual strategy"))
		}
	}
	return fs
}

func (a *api) openBreakouts(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req openBreakoutsReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	size, minutes := DefaultRoomSize, DefaultBreakoutMinutes
	if req.RoomSize != nil {
		size = *req.RoomSize
	}
	if req.Minutes != nil {
		minutes = *req.Minutes
	}
	ctx := r.Context()
	var (
		id      string
		b       breakout
		names   map[string]string
		expired []string
		l       *loaded
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		if bad != nil {
			return bad
		}
		l, expired, names = lt, nil, map[string]string{}
		if l.S.Status != StatusLive {
			return httpapi.Conflict("breakouts run only while the session is live (it is %s)", l.S.Status)
		}
		now := a.d.Now().UTC()
		open, err := tx.Documents(l.sub(collBreakouts).Where("status", "==", breakoutOpen)).GetAll()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		for _, snap := range open {
			var o breakout
			if err := snap.DataTo(&o); err != nil {
				return httpapi.Unavailable(err)
			}
			if now.Before(o.EndsAt) {
				return httpapi.Conflict("breakout round %s is still open; bring everyone back first", snap.Ref.ID)
			}
			expired = append(expired, snap.Ref.ID)
		}
		joinedSnaps, err := tx.Documents(l.sub(collParticipants).Where("state", "==", PartJoined)).GetAll()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		var joined []string
		for _, snap := range joinedSnaps {
			joined = append(joined, snap.Ref.ID)
			if n, _ := snap.Data()["display_name"].(string); n != "" {
				names[snap.Ref.ID] = n
			}
		}
		slices.Sort(joined) // stable input: the randomness alone decides
		var picks map[string][]string
		if req.DrawID != "" {
			if picks, err = a.breakoutPicks(ctx, tx, l, req.DrawID); err != nil {
				return err
			}
		}
		rooms, main, err := a.breakoutRooms(ctx, l, req, joined, picks, size)
		if err != nil {
			return err
		}
		b = breakout{Strategy: req.Strategy, RoomSize: size, Main: main, Status: breakoutOpen, Minutes: minutes,
			OpenedAt: now, OpenedBy: l.P.UID, EndsAt: now.Add(time.Duration(minutes) * time.Minute),
			DrawID: req.DrawID, UpdatedAt: now}
		if b.Main == nil {
			b.Main = []string{}
		}
		for i, members := range rooms {
			b.Rooms = append(b.Rooms, breakoutRoom{ID: "r" + strconv.Itoa(i+1), Name: "Room " + strconv.Itoa(i+1), Members: members})
		}
		b.MemberUIDs = b.memberUIDs()
		for _, eid := range expired {
			if err := tx.Update(l.sub(collBreakouts).Doc(eid), closeUpdates(now, "", closeTimer)); err != nil {
				return err
			}
		}
		id = a.d.NewID()
		if err := tx.Create(l.sub(collBreakouts).Doc(id), b); err != nil {
			return err
		}
		// Writing the session document makes two facilitators opening
		// rounds at once conflict: one transaction retries and sees the
		// other's open round.
		if err := tx.Update(l.Ref, []firestore.Update{{Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		for _, eid := range expired {
			if err := out.Event(events.Event{Type: events.TypeSessionBreakoutsClosed, OrgID: l.Org(), SessionID: l.ID(),
				Payload: events.SessionBreakoutsClosed{BreakoutID: events.ID(eid), Reason: closeTimer}}); err != nil {
				return err
			}
		}
		return out.Event(events.Event{Type: events.TypeSessionBreakoutsOpened, OrgID: l.Org(), SessionID: l.ID(), UID: l.P.UID,
			Payload: events.SessionBreakoutsOpened{BreakoutID: events.ID(id), Rooms: len(b.Rooms), Strategy: events.Enum(b.Strategy), Minutes: b.Minutes}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, a.viewBreakout(l, id, &b, names))
	return nil
}

// breakoutRooms assigns joined participants by the request's strategy;
// it returns the rooms and, for manual rooms, who stays in the main room.
func (a *api) breakoutRooms(ctx context.Context, l *loaded, req openBreakoutsReq, joined []string, picks map[string][]string, size int) ([][]string, []string, error) {
	if req.Strategy == StrategyManual {
		if probs := checkManualRooms(joined, req.Rooms, req.MainRoom); len(probs) > 0 {
			fs := make([]httpapi.FieldError, len(probs))
			for i, p := range probs {
				fs[i] = httpapi.Field(p.Field, "%s", p.Detail)
			}
			return nil, nil, unprocessable(fs...)
		}
		return req.Rooms, req.MainRoom, nil
	}
	if len(joined) < MinRoomSize {
		e := httpapi.Unprocessable()
		e.Detail = errTooFew.Error()
		return nil, nil, e
	}
	people := make([]roomPerson, len(joined))
	for i, uid := range joined {
		people[i].UID = uid
	}
	if req.Strategy != StrategyRandom {
		themes, err := a.cardThemes(ctx, l.Org(), picks)
		if err != nil {
			return nil, nil, err
		}
		for i := range people {
			cards := picks[people[i].UID]
			people[i].Picked = len(cards) > 0
			for _, c := range cards {
				people[i].Themes = append(people[i].Themes, themes[c]...)
			}
		}
	}
	rooms, err := assignRooms(people, req.Strategy, size, a.d.Rand)
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	return rooms, nil, nil
}

// breakoutPicks reads the picks of draw drawID: card ids by picker uid.
// Pick documents are read generically (card_id, uid) so rooms do not
// depend on the rest of a pick's shape.
func (a *api) breakoutPicks(ctx context.Context, tx *firestore.Transaction, l *loaded, drawID string) (map[string][]string, error) {
	dref := l.sub(collDraws).Doc(drawID)
	if _, err := tx.Get(dref); status.Code(err) == codes.NotFound {
		return nil, unprocessable(httpapi.Field("draw_id", "is not a draw of this session"))
	} else if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	snaps, err := tx.Documents(dref.Collection(collPicks)).GetAll()
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	out := map[string][]string{}
	for _, s := range snaps {
		d := s.Data()
		uid, _ := d["uid"].(string)
		card, _ := d["card_id"].(string)
		if uid != "" && card != "" {
			out[uid] = append(out[uid], card)
		}
	}
	return out, nil
}

// cardThemes reads the themes of the picked cards: the organisation's own
// item when there is one, else the official library's. Library items are
// not part of the transaction: they do not change what a round is.
func (a *api) cardThemes(ctx context.Context, org string, picks map[string][]string) (map[string][]string, error) {
	var ids []string
	for _, cards := range picks {
		for _, c := range cards {
			if authz.ValidDocID(c) && !slices.Contains(ids, c) {
				ids = append(ids, c)
			}
		}
	}
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	items, err := library.LookupItems(ctx, a.d.Firestore, org, ids)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	for id, it := range items {
		out[id] = it.Themes
	}
	return out, nil
}

// closeUpdates closes a round.
func closeUpdates(now time.Time, by, reason string) []firestore.Update {
	u := []firestore.Update{{Path: "status", Value: breakoutClosed}, {Path: "closed_at", Value: now},
		{Path: "close_reason", Value: reason}, {Path: "updated_at", Value: now}}
	if by != "" {
		u = append(u, firestore.Update{Path: "closed_by", Value: by})
	}
	return u
}

// changeBreakout runs change on open round breakoutId in a transaction
// of the session's facilitators and answers the round as it is
// afterwards; change records its event in out. bad is the request body's
// decoding error, answered once the caller's authority is known.
func (a *api) changeBreakout(w http.ResponseWriter, r *http.Request, p *auth.Principal, bad error, change func(tx *firestore.Transaction, out *outbox.Tx, l *loaded, ref *firestore.DocumentRef, b *breakout, now time.Time) error) error {
	id := r.PathValue("breakoutId")
	var (
		b *breakout
		l *loaded
	)
	err := a.store().Update(r.Context(), p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l = lt
		if bad != nil {
			return bad
		}
		var err error
		if b, err = readBreakout(r.Context(), tx, l, id); err != nil {
			return err
		}
		if b.Status != breakoutOpen {
			return httpapi.Conflict("breakout round %s is already closed", id)
		}
		return change(tx, out, l, l.sub(collBreakouts).Doc(id), b, a.d.Now().UTC())
	})
	if err != nil {
		return err
	}
	names, err := a.breakoutNames(r.Context(), l, b)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, a.viewBreakout(l, id, b, names))
	return nil
}

type extendReq struct {
	Minutes int `json:"minutes"`
}

func (q *extendReq) Validate() []httpapi.FieldError {
	if q.Minutes < 1 || q.Minutes > MaxExtendMinutes {
		return []httpapi.FieldError{httpapi.Field("minutes", "must be 1…%d", MaxExtendMinutes)}
	}
	return nil
}

// extendBreakout adds minutes to the timer; a timer that already ran out
// restarts from now.
func (a *api) extendBreakout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req extendReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	return a.changeBreakout(w, r, p, bad, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded, ref *firestore.DocumentRef, b *breakout, now time.Time) error {
		from := b.EndsAt
		if from.Before(now) {
			from = now
		}
		b.EndsAt = from.Add(time.Duration(req.Minutes) * time.Minute)
		b.Minutes += req.Minutes
		b.UpdatedAt = now
		if err := tx.Update(ref, []firestore.Update{{Path: "ends_at", Value: b.EndsAt}, {Path: "minutes", Value: b.Minutes},
			{Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionBreakoutsChanged, OrgID: l.Org(), SessionID: l.ID(), UID: l.P.UID,
			Payload: events.SessionBreakoutsChanged{BreakoutID: events.ID(ref.ID), Change: "extended", Minutes: req.Minutes}})
	})
}

type moveReq struct {
	UID    string `json:"uid"`
	ToRoom string `json:"to_room"`
}

func (q *moveReq) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if !authz.ValidDocID(q.UID) {
		fs = append(fs, httpapi.Field("uid", "is required"))
	}
	if !authz.ValidDocID(q.ToRoom) {
		fs = append(fs, httpapi.Field("to_room", "is required: a room id, or %q for the main room", mainRoomID))
	}
	return fs
}

// moveBreakout moves one person to another room or the main room. A
// joined participant not yet in the round (a late joiner) may be moved in.
func (a *api) moveBreakout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req moveReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	return a.changeBreakout(w, r, p, bad, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded, ref *firestore.DocumentRef, b *breakout, now time.Time) error {
		to := -1
		if req.ToRoom != mainRoomID {
			to = slices.IndexFunc(b.Rooms, func(room breakoutRoom) bool { return room.ID == req.ToRoom })
			if to < 0 {
				return unprocessable(httpapi.Field("to_room", "is not a room of this round"))
			}
		}
		from, inMain := -1, slices.Contains(b.Main, req.UID)
		for i, room := range b.Rooms {
			if slices.Contains(room.Members, req.UID) {
				from = i
			}
		}
		if from < 0 && !inMain {
			snap, err := tx.Get(l.sub(collParticipants).Doc(req.UID))
			if err != nil && status.Code(err) != codes.NotFound {
				return httpapi.Unavailable(err)
			}
			if err != nil || snap.Data()["state"] != PartJoined {
				return unprocessable(httpapi.Field("uid", "is not a joined participant of this session"))
			}
		}
		if (from == to && from >= 0) || (to < 0 && inMain) {
			return nil // already there
		}
		if to >= 0 && len(b.Rooms[to].Members) >= maxMovedRoom {
			return httpapi.Conflict("%s already holds %d people", b.Rooms[to].Name, maxMovedRoom)
		}
		if from >= 0 && len(b.Rooms[from].Members) == 1 {
			return httpapi.Conflict("%s would be empty; move someone in first or bring everyone back", b.Rooms[from].Name)
		}
		if from >= 0 {
			b.Rooms[from].Members = slices.DeleteFunc(b.Rooms[from].Members, func(u string) bool { return u == req.UID })
		}
		b.Main = slices.DeleteFunc(b.Main, func(u string) bool { return u == req.UID })
		if to >= 0 {
			b.Rooms[to].Members = append(b.Rooms[to].Members, req.UID)
		} else {
			b.Main = append(b.Main, req.UID)
		}
		if b.Main == nil {
			b.Main = []string{}
		}
		b.UpdatedAt = now
		b.MemberUIDs = b.memberUIDs()
		if err := tx.Update(ref, []firestore.Update{{Path: "rooms", Value: b.Rooms}, {Path: "main", Value: b.Main},
			{Path: "member_uids", Value: b.MemberUIDs}, {Path: "updated_at", Value: now}}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionBreakoutsChanged, OrgID: l.Org(), SessionID: l.ID(), UID: l.P.UID,
			Payload: events.SessionBreakoutsChanged{BreakoutID: events.ID(ref.ID), Change: "moved"}})
	})
}

// closeBreakout brings everyone back.
func (a *api) closeBreakout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	// No fields: an empty body or {} (as every POST of the API accepts).
	bad := httpapi.DecodeOptionalJSON(w, r, &struct{}{}, 0)
	return a.changeBreakout(w, r, p, bad, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded, ref *firestore.DocumentRef, b *breakout, now time.Time) error {
		b.Status, b.ClosedAt, b.CloseReason, b.ClosedBy, b.UpdatedAt = breakoutClosed, &now, closeBroughtBack, p.UID, now
		if err := tx.Update(ref, closeUpdates(now, p.UID, closeBroughtBack)); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionBreakoutsClosed, OrgID: l.Org(), SessionID: l.ID(), UID: l.P.UID,
			Payload: events.SessionBreakoutsClosed{BreakoutID: events.ID(ref.ID), Reason: closeBroughtBack}})
	})
}

// endBreakouts closes the session's open breakout round, if any, inside
// the caller's transaction (the session ending brings everyone back;
// reason is an events.SessionBreakoutsClosed reason, e.g.
// "session_ended"). It reads the open rounds and then writes their
// closing at once: Firestore forbids reads after writes in a transaction,
// so the caller must call it after its own reads and before its own
// writes. The closing events are recorded in out, committed with it.
func (a *api) endBreakouts(tx *firestore.Transaction, out *outbox.Tx, l *loaded, reason string) error {
	open, err := tx.Documents(l.sub(collBreakouts).Where("status", "==", breakoutOpen)).GetAll()
	if err != nil {
		return err
	}
	now := a.d.Now().UTC()
	var by string
	if l.P != nil {
		by = l.P.UID
	}
	for _, snap := range open {
		if err := tx.Update(snap.Ref, closeUpdates(now, by, reason)); err != nil {
			return err
		}
		if err := out.Event(events.Event{Type: events.TypeSessionBreakoutsClosed, OrgID: l.Org(), SessionID: l.ID(), UID: by,
			Payload: events.SessionBreakoutsClosed{BreakoutID: events.ID(snap.Ref.ID), Reason: events.Enum(reason)}}); err != nil {
			return err
		}
	}
	return nil
}
