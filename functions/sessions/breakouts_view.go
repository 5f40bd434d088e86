package sessions

// Breakout rounds as each caller sees them: facilitators and org staff
// every room, a participant their own room.

import (
	"context"
	"math"
	"net/http"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// memberView is a person in a room as answered.
type memberView struct {
	UID         string `json:"uid"`
	DisplayName string `json:"display_name,omitempty"`
}

// roomView is a room as answered.
type roomView struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Members []memberView `json:"members"`
}

// breakoutView is a round as the caller may see it.
type breakoutView struct {
	ID          string     `json:"id"`
	Strategy    string     `json:"strategy"`
	RoomSize    int        `json:"room_size"`
	Status      string     `json:"status"`
	Minutes     int        `json:"minutes"`
	OpenedAt    time.Time  `json:"opened_at"`
	EndsAt      time.Time  `json:"ends_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	CloseReason string     `json:"close_reason,omitempty"`
	DrawID      string     `json:"draw_id,omitempty"`
	RoomCount   int        `json:"room_count"`
	// Rooms are every room for facilitators and staff; a participant's
	// own room only (none while they stay in the main room).
	Rooms []roomView `json:"rooms"`
	// MainRoom is who stays in the main room (facilitators and staff).
	MainRoom []memberView `json:"main_room,omitempty"`
	// MyRoom is the caller's room id ("main" in the main room), for a
	// participant of the round.
	MyRoom           string `json:"my_room,omitempty"`
	RemainingSeconds int    `json:"remaining_seconds"`
	TimerExpired     bool   `json:"timer_expired"`
}

// viewBreakout shapes round b for the caller of l; names maps uids to
// display names.
func (a *api) viewBreakout(l *loaded, id string, b *breakout, names map[string]string) breakoutView {
	now := a.d.Now()
	v := breakoutView{ID: id, Strategy: b.Strategy, RoomSize: b.RoomSize, Status: b.Status, Minutes: b.Minutes,
		OpenedAt: b.OpenedAt, EndsAt: b.EndsAt, ClosedAt: b.ClosedAt, CloseReason: b.CloseReason, DrawID: b.DrawID,
		RoomCount: len(b.Rooms), Rooms: []roomView{}, TimerExpired: !now.Before(b.EndsAt)}
	if b.Status == breakoutOpen && !v.TimerExpired {
		v.RemainingSeconds = int(math.Ceil(b.EndsAt.Sub(now).Seconds()))
	}
	members := func(uids []string) []memberView {
		out := make([]memberView, len(uids))
		for i, u := range uids {
			out[i] = memberView{UID: u, DisplayName: names[u]}
		}
		return out
	}
	if l.Rel == RelParticipant {
		for _, room := range b.Rooms {
			if slices.Contains(room.Members, l.P.UID) {
				v.Rooms = append(v.Rooms, roomView{ID: room.ID, Name: room.Name, Members: members(room.Members)})
				v.MyRoom = room.ID
			}
		}
		if v.MyRoom == "" && slices.Contains(b.Main, l.P.UID) {
			v.MyRoom = mainRoomID
		}
		return v
	}
	for _, room := range b.Rooms {
		v.Rooms = append(v.Rooms, roomView{ID: room.ID, Name: room.Name, Members: members(room.Members)})
	}
	if len(b.Main) > 0 {
		v.MainRoom = members(b.Main)
	}
	return v
}

// breakoutNames reads the display names of the people the caller may see
// in rounds bs.
func (a *api) breakoutNames(ctx context.Context, l *loaded, bs ...*breakout) (map[string]string, error) {
	var refs []*firestore.DocumentRef
	seen := map[string]bool{}
	add := func(uids []string) {
		for _, u := range uids {
			if !seen[u] && authz.ValidDocID(u) {
				seen[u] = true
				refs = append(refs, l.sub(collParticipants).Doc(u))
			}
		}
	}
	for _, b := range bs {
		for _, room := range b.Rooms {
			if l.Rel != RelParticipant || slices.Contains(room.Members, l.P.UID) {
				add(room.Members)
			}
		}
		if l.Rel != RelParticipant {
			add(b.Main)
		}
	}
	names := map[string]string{}
	if len(refs) == 0 {
		return names, nil
	}
	snaps, err := a.d.Firestore.GetAll(ctx, refs)
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	for _, s := range snaps {
		if s.Exists() {
			if n, _ := s.Data()["display_name"].(string); n != "" {
				names[s.Ref.ID] = n
			}
		}
	}
	return names, nil
}

func (a *api) listBreakouts(w http.ResponseWriter, r *http.Request, l *loaded) error {
	ctx := r.Context()
	coll := l.sub(collBreakouts)
	q := coll.OrderBy("opened_at", firestore.Desc).Limit(breakoutPageSize + 1)
	q, err := pageAfter(r, q, coll, breakoutPages)
	if err != nil {
		return err
	}
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	next := ""
	if len(snaps) > breakoutPageSize {
		snaps = snaps[:breakoutPageSize]
		next = breakoutPages.Encode(snaps[len(snaps)-1].Ref.ID)
	}
	rounds := make([]*breakout, len(snaps))
	for i, s := range snaps {
		rounds[i] = &breakout{}
		if err := s.DataTo(rounds[i]); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	names, err := a.breakoutNames(ctx, l, rounds...)
	if err != nil {
		return err
	}
	out := struct {
		Breakouts     []breakoutView `json:"breakouts"`
		NextPageToken string         `json:"next_page_token,omitempty"`
	}{Breakouts: make([]breakoutView, len(snaps)), NextPageToken: next}
	for i, s := range snaps {
		out.Breakouts[i] = a.viewBreakout(l, s.Ref.ID, rounds[i], names)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// readBreakout reads round id of session l (in tx when given).
func readBreakout(ctx context.Context, tx *firestore.Transaction, l *loaded, id string) (*breakout, error) {
	if !authz.ValidDocID(id) {
		return nil, httpapi.NotFound("no breakout round %q", id)
	}
	ref := l.sub(collBreakouts).Doc(id)
	snap, err := txn.Get(ctx, tx, ref)
	if status.Code(err) == codes.NotFound {
		return nil, httpapi.NotFound("no breakout round %q", id)
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	var b breakout
	if err := snap.DataTo(&b); err != nil {
		return nil, httpapi.Unavailable(err)
	}
	return &b, nil
}

func (a *api) getBreakout(w http.ResponseWriter, r *http.Request, l *loaded) error {
	id := r.PathValue("breakoutId")
	b, err := readBreakout(r.Context(), nil, l, id)
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
