package sessions

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/outbox"
)

// breakoutClock is a settable clock for timer tests.
type breakoutClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *breakoutClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *breakoutClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// breakoutEnv is a test world whose API runs on clk.
func breakoutEnv(t *testing.T) (*env, *breakoutClock) {
	t.Helper()
	e := newEnv(t)
	clk := &breakoutClock{t: time.Now().UTC().Truncate(time.Second)}
	d := e.deps
	d.Now = clk.Now
	h, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e, clk
}

// breakoutFour is a live session with four joined participants (three of
// org-a, one of org-b), one invited and one who left.
func breakoutFour(t *testing.T, e *env) string {
	t.Helper()
	return e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{
		"u-part-1": "", "u-part-2": "", "u-part-3": "", "u-part-b": "", "u-invited": PartInvited, "u-gone": PartLeft}})
}

func breakoutURL(sid string, rest ...string) string {
	u := "/v1/sessions/" + sid + "/breakouts"
	for _, r := range rest {
		u += "/" + r
	}
	return u
}

func breakoutDecode(t *testing.T, r apitest.Response, code int) breakoutView {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d: %s", r.Code, code, r.Body)
	}
	var v breakoutView
	r.JSON(t, &v)
	return v
}

// breakoutMembers lists the uids of rooms.
func breakoutMembers(rooms []roomView) [][]string {
	var out [][]string
	for _, r := range rooms {
		var m []string
		for _, p := range r.Members {
			m = append(m, p.UID)
		}
		out = append(out, m)
	}
	return out
}

func breakoutFields(t *testing.T, r apitest.Response) []string {
	t.Helper()
	var p httpapi.Problem
	r.JSON(t, &p)
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	return out
}

func TestBreakoutRandomRoundAndVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := breakoutFour(t, e)
	ctx := context.Background()
	if _, err := e.fs.Doc("orgs/org-a/sessions/"+sid+"/participants/u-part-1").Update(ctx,
		[]firestore.Update{{Path: "display_name", Value: "Part One"}}); err != nil {
		t.Fatal(err)
	}

	v := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": "random", "minutes": 15}), 201)
	rooms := breakoutMembers(v.Rooms)
	if v.Status != "open" || v.Minutes != 15 || v.RoomCount != 2 || len(rooms) != 2 || len(rooms[0]) != 2 || len(rooms[1]) != 2 {
		t.Fatalf("round %+v", v)
	}
	all := slices.Concat(rooms...)
	slices.Sort(all)
	if !slices.Equal(all, []string{"u-part-1", "u-part-2", "u-part-3", "u-part-b"}) {
		t.Fatalf("rooms hold %v: only joined participants belong", all)
	}
	if v.RemainingSeconds < 14*60 || v.RemainingSeconds > 15*60 || v.TimerExpired || v.Rooms[0].Name != "Room 1" {
		t.Errorf("timer %d expired %v, name %q", v.RemainingSeconds, v.TimerExpired, v.Rooms[0].Name)
	}
	if ev := e.events.Of(events.TypeSessionBreakoutsOpened); len(ev) != 1 ||
		apitest.Payload[events.SessionBreakoutsOpened](t, ev[0]).Rooms != 2 || ev[0].SessionID != sid {
		t.Errorf("opened events %+v", ev)
	}
	// One open round at a time.
	e.do(t, "POST", breakoutURL(sid), tokCoFac, map[string]any{"strategy": "random"}).Problem(t, 409)

	mine := map[string]int{}
	for i, r := range rooms {
		for _, u := range r {
			mine[u] = i
		}
	}
	// A participant sees the round and only their own room.
	for tok, uid := range map[string]string{tokPart1: "u-part-1", tokPartB: "u-part-b"} {
		for _, path := range []string{breakoutURL(sid, v.ID), breakoutURL(sid)} {
			r := e.do(t, "GET", path, tok, nil)
			var got breakoutView
			if path == breakoutURL(sid) {
				var list struct{ Breakouts []breakoutView }
				r.JSON(t, &list)
				if len(list.Breakouts) != 1 {
					t.Fatalf("%s list: %s", tok, r.Body)
				}
				got = list.Breakouts[0]
			} else {
				got = breakoutDecode(t, r, 200)
			}
			own := rooms[mine[uid]]
			if got.RoomCount != 2 || len(got.Rooms) != 1 || !slices.Equal(breakoutMembers(got.Rooms)[0], own) || got.MyRoom != got.Rooms[0].ID {
				t.Errorf("%s sees %+v, want only room %v", tok, got, own)
			}
			other := rooms[1-mine[uid]]
			for _, u := range other {
				if bytes.Contains(r.Body, []byte(u)) {
					t.Errorf("%s sees %s of another room: %s", tok, u, r.Body)
				}
			}
		}
	}
	// Facilitators and org staff see every room, with display names.
	for _, tok := range []string{tokFac, tokCoFac, tokAdminA} {
		got := breakoutDecode(t, e.do(t, "GET", breakoutURL(sid, v.ID), tok, nil), 200)
		if len(got.Rooms) != 2 || got.MyRoom != "" {
			t.Errorf("%s sees %+v", tok, got)
		}
		named := false
		for _, r := range got.Rooms {
			for _, m := range r.Members {
				named = named || (m.UID == "u-part-1" && m.DisplayName == "Part One")
			}
		}
		if !named {
			t.Errorf("%s: no display name in %+v", tok, got.Rooms)
		}
	}
	// Participants and staff cannot steer rounds.
	for _, tok := range []string{tokPart1, tokAdminA} {
		e.do(t, "POST", breakoutURL(sid), tok, map[string]any{"strategy": "random"}).Problem(t, 403)
		e.do(t, "POST", breakoutURL(sid, v.ID, "close"), tok, nil).Problem(t, 403)
		e.do(t, "POST", breakoutURL(sid, v.ID, "extend"), tok, map[string]any{"minutes": 5}).Problem(t, 403)
	}
	// Another organisation sees nothing, on every route.
	for _, tok := range []string{tokAdminB, tokFacB} {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", breakoutURL(sid), map[string]any{"strategy": "random"}},
			{"GET", breakoutURL(sid), nil},
			{"GET", breakoutURL(sid, v.ID), nil},
			{"POST", breakoutURL(sid, v.ID, "extend"), map[string]any{"minutes": 5}},
			{"POST", breakoutURL(sid, v.ID, "move"), map[string]any{"uid": "u-part-1", "to_room": "main"}},
			{"POST", breakoutURL(sid, v.ID, "close"), nil},
		} {
			e.do(t, c.method, c.path, tok, c.body).Problem(t, 404)
		}
	}
	e.do(t, "GET", breakoutURL(sid, v.ID), "", nil).Problem(t, 401)
	other := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": ""}})
	e.do(t, "GET", breakoutURL(other, v.ID), tokFac, nil).Problem(t, 404)
	e.do(t, "GET", breakoutURL(sid, "nope"), tokFac, nil).Problem(t, 404)

	// Bring everyone back.
	closed := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid, v.ID, "close"), tokCoFac, nil), 200)
	if closed.Status != "closed" || closed.CloseReason != "brought_back" || closed.ClosedAt == nil || closed.RemainingSeconds != 0 {
		t.Errorf("closed %+v", closed)
	}
	ev := e.events.Of(events.TypeSessionBreakoutsClosed)
	if len(ev) != 1 || apitest.Payload[events.SessionBreakoutsClosed](t, ev[0]).Reason != "brought_back" {
		t.Errorf("closed events %+v", ev)
	}
	e.do(t, "POST", breakoutURL(sid, v.ID, "close"), tokFac, nil).Problem(t, 409)
	e.do(t, "POST", breakoutURL(sid, v.ID, "extend"), tokFac, map[string]any{"minutes": 5}).Problem(t, 409)
	// A new round may open now.
	breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": "random", "room_size": 4}), 201)
}

func TestBreakoutBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := breakoutFour(t, e)
	lonely := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": "", "u-part-2": PartInvited}})
	scheduled := e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": "", "u-part-2": ""}})
	cases := []struct {
		name   string
		sid    string
		body   any
		code   int
		fields []string
	}{
		{"no strategy", sid, map[string]any{}, 400, []string{"strategy"}},
		{"unknown strategy", sid, map[string]any{"strategy": "alphabetical"}, 400, []string{"strategy"}},
		{"room too big", sid, map[string]any{"strategy": "random", "room_size": 5}, 400, []string{"room_size"}},
		{"room too small", sid, map[string]any{"strategy": "random", "room_size": 1}, 400, []string{"room_size"}},
		{"minutes zero", sid, map[string]any{"strategy": "random", "minutes": 0}, 400, []string{"minutes"}},
		{"minutes too many", sid, map[string]any{"strategy": "random", "minutes": 121}, 400, []string{"minutes"}},
		{"minutes text", sid, `{"strategy":"random","minutes":"ten"}`, 400, []string{"minutes"}},
		{"unknown field", sid, map[string]any{"strategy": "random", "colour": "red"}, 400, []string{"colour"}},
		{"similar without draw", sid, map[string]any{"strategy": "similar_cards"}, 400, []string{"draw_id"}},
		{"bad draw id", sid, map[string]any{"strategy": "different_cards", "draw_id": "a/b"}, 400, []string{"draw_id"}},
		{"rooms for random", sid, map[string]any{"strategy": "random", "rooms": [][]string{{"u-part-1"}}}, 400, []string{"rooms"}},
		{"manual without rooms", sid, map[string]any{"strategy": "manual"}, 400, []string{"rooms"}},
		{"manual bad uid", sid, map[string]any{"strategy": "manual", "rooms": [][]string{{"u-part-1", ""}}}, 400, []string{"rooms[0][1]"}},
		{"malformed", sid, `{"strategy":`, 400, nil},
		{"unknown draw", sid, map[string]any{"strategy": "similar_cards", "draw_id": "d-none"}, 422, []string{"draw_id"}},
		{"manual unknown", sid, map[string]any{"strategy": "manual", "rooms": [][]string{{"u-part-1", "u-part-2"}, {"u-part-3", "u-part-b", "u-invited"}}}, 422, []string{"rooms[1][2]"}},
		{"manual missing", sid, map[string]any{"strategy": "manual", "rooms": [][]string{{"u-part-1", "u-part-2"}}}, 422, []string{"rooms"}},
		{"manual twice", sid, map[string]any{"strategy": "manual", "rooms": [][]string{{"u-part-1", "u-part-2"}, {"u-part-3", "u-part-1"}}, "main_room": []string{"u-part-b"}}, 422, []string{"rooms[1][1]"}},
		{"manual room of one", sid, map[string]any{"strategy": "manual", "rooms": [][]string{{"u-part-1"}, {"u-part-2", "u-part-3", "u-part-b"}}}, 422, []string{"rooms[0]"}},
		{"one joined", lonely, map[string]any{"strategy": "random"}, 422, nil},
		{"not live", scheduled, map[string]any{"strategy": "random"}, 409, nil},
	}
	for _, c := range cases {
		r := e.do(t, "POST", breakoutURL(c.sid), tokFac, c.body)
		r.Problem(t, c.code)
		if got := breakoutFields(t, r); c.fields != nil && !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
	if n := len(e.events.Of(events.TypeSessionBreakoutsOpened)); n != 0 {
		t.Errorf("%d rounds opened by bad requests", n)
	}
	snaps, err := e.fs.Collection("orgs/org-a/sessions/" + sid + "/breakouts").Documents(context.Background()).GetAll()
	if err != nil || len(snaps) != 0 {
		t.Errorf("bad requests wrote %d rounds (%v)", len(snaps), err)
	}
	v := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": "random"}), 201)
	for _, c := range []struct {
		path string
		body any
		code int
	}{
		{breakoutURL(sid, v.ID, "extend"), map[string]any{"minutes": 0}, 400},
		{breakoutURL(sid, v.ID, "extend"), map[string]any{"minutes": 61}, 400},
		{breakoutURL(sid, v.ID, "extend"), `{}`, 400},
		{breakoutURL(sid, v.ID, "move"), map[string]any{"uid": "u-part-1"}, 400},
		{breakoutURL(sid, v.ID, "move"), map[string]any{"uid": "u-part-1", "to_room": "r9"}, 422},
		{breakoutURL(sid, v.ID, "move"), map[string]any{"uid": "u-invited", "to_room": "r1"}, 422},
		{breakoutURL(sid, v.ID, "move"), map[string]any{"uid": "u-stranger", "to_room": "main"}, 422},
		{breakoutURL(sid, v.ID, "close"), `{"now":true}`, 400},
		{breakoutURL(sid, "no-such", "close"), nil, 404},
	} {
		e.do(t, "POST", c.path, tokFac, c.body).Problem(t, c.code)
	}
	e.do(t, "GET", breakoutURL(sid)+"?page_token=!!", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", breakoutURL(sid)+"?page_token=bm9wZQ", tokFac, nil).Problem(t, 400)
}

// breakoutSeedDraw writes library cards and a draw whose picks give
// u-part-1 and u-part-2 "trust" cards, u-part-3 and u-part-b "growth"
// cards; u-part-x joined without picking.
func breakoutSeedDraw(t *testing.T, e *env, sid string) string {
	t.Helper()
	ctx := context.Background()
	cards := map[string][]string{
		"card-trust-1":  {"trust", "family"},
		"card-trust-2":  {"trust", "family", "home"},
		"card-growth-1": {"growth", "change"},
		"card-growth-2": {"growth", "change", "courage"},
	}
	for id, themes := range cards {
		it := library.Item{Type: library.TypePhotoCard, Text: map[string]library.Text{"en": {Title: id}}, Themes: themes,
			Tier: "free", Status: library.StatusPublished, License: library.License{Type: "open"}}
		it.Normalize()
		if _, err := e.fs.Collection(library.ItemsPath("")).Doc(id).Set(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	// The organisation's own copy of a card wins over the official one.
	own := library.Item{Type: library.TypePhotoCard, Text: map[string]library.Text{"en": {Title: "own"}}, Themes: []string{"growth", "change"},
		Tier: "free", Status: library.StatusPublished, License: library.License{Type: "open"}, Org: "org-a"}
	if _, err := e.fs.Collection(library.ItemsPath("org-a")).Doc("card-own").Set(ctx, own); err != nil {
		t.Fatal(err)
	}
	draw := e.fs.Doc("orgs/org-a/sessions/" + sid + "/draws/d-1")
	if _, err := draw.Set(ctx, map[string]any{"mode": "face_down", "status": "closed"}); err != nil {
		t.Fatal(err)
	}
	for uid, card := range map[string]string{"u-part-1": "card-trust-1", "u-part-2": "card-trust-2",
		"u-part-3": "card-growth-1", "u-part-b": "card-own"} {
		if _, err := draw.Collection("picks").Doc(uid+"_0").Set(ctx, map[string]any{"uid": uid, "card_id": card}); err != nil {
			t.Fatal(err)
		}
	}
	// A second pick of u-part-b, of another growth card.
	if _, err := draw.Collection("picks").Doc("u-part-b_1").Set(ctx, map[string]any{"uid": "u-part-b", "card_id": "card-growth-2"}); err != nil {
		t.Fatal(err)
	}
	return "d-1"
}

func TestBreakoutCardStrategies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := breakoutFour(t, e)
	draw := breakoutSeedDraw(t, e, sid)
	for round := range 4 {
		for _, s := range []string{StrategySimilarCards, StrategyDifferentCards} {
			v := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": s, "draw_id": draw}), 201)
			at := roomsOf(breakoutMembers(v.Rooms))
			trustTogether := at["u-part-1"] == at["u-part-2"]
			growthTogether := at["u-part-3"] == at["u-part-b"]
			if len(v.Rooms) != 2 || v.DrawID != draw || v.Strategy != s {
				t.Fatalf("round %d %s: %+v", round, s, v)
			}
			if s == StrategySimilarCards && (!trustTogether || !growthTogether) {
				t.Errorf("similar: %v", breakoutMembers(v.Rooms))
			}
			if s == StrategyDifferentCards && (trustTogether || growthTogether) {
				t.Errorf("different: %v", breakoutMembers(v.Rooms))
			}
			e.do(t, "POST", breakoutURL(sid, v.ID, "close"), tokFac, nil)
		}
	}
	// People who did not pick are still placed, rooms stay 2…4.
	big := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{
		"u-part-1": "", "u-part-2": "", "u-part-3": "", "u-part-b": "", "u-x1": "", "u-x2": "", "u-x3": ""}})
	breakoutSeedDraw(t, e, big)
	v := breakoutDecode(t, e.do(t, "POST", breakoutURL(big), tokFac, map[string]any{"strategy": "similar_cards", "draw_id": draw, "room_size": 3}), 201)
	people := make([]roomPerson, 0, 7)
	for _, u := range []string{"u-part-1", "u-part-2", "u-part-3", "u-part-b", "u-x1", "u-x2", "u-x3"} {
		people = append(people, roomPerson{UID: u})
	}
	roomsCheck(t, people, breakoutMembers(v.Rooms))
}

func TestBreakoutManualMoveExtend(t *testing.T) {
	t.Parallel()
	e, clk := breakoutEnv(t)
	sid := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{
		"u-part-1": "", "u-part-2": "", "u-part-3": "", "u-part-b": "", "u-late": PartInvited}})
	v := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": "manual", "minutes": 5,
		"rooms": [][]string{{"u-part-1", "u-part-2"}, {"u-part-3", "u-part-b"}}}), 201)
	if got := breakoutMembers(v.Rooms); fmt.Sprint(got) != "[[u-part-1 u-part-2] [u-part-3 u-part-b]]" {
		t.Fatalf("manual rooms %v", got)
	}
	move := func(uid, to string, code int) breakoutView {
		t.Helper()
		r := e.do(t, "POST", breakoutURL(sid, v.ID, "move"), tokFac, map[string]any{"uid": uid, "to_room": to})
		if code != 200 {
			r.Problem(t, code)
			return breakoutView{}
		}
		return breakoutDecode(t, r, 200)
	}
	got := move("u-part-1", "r2", 200)
	if fmt.Sprint(breakoutMembers(got.Rooms)) != "[[u-part-2] [u-part-3 u-part-b u-part-1]]" {
		t.Fatalf("after move %v", breakoutMembers(got.Rooms))
	}
	move("u-part-2", "r2", 409) // would empty Room 1
	move("u-part-1", "r2", 200) // already there: no change
	got = move("u-part-3", "main", 200)
	if len(got.MainRoom) != 1 || got.MainRoom[0].UID != "u-part-3" {
		t.Fatalf("main room %+v", got.MainRoom)
	}
	// The main-room participant learns where they are.
	if mine := breakoutDecode(t, e.do(t, "GET", breakoutURL(sid, v.ID), tokPart3, nil), 200); mine.MyRoom != "main" || len(mine.Rooms) != 0 || len(mine.MainRoom) != 0 {
		t.Errorf("main-room participant sees %+v", mine)
	}
	// A late joiner is moved in; rooms may grow to five, not more.
	if _, err := e.fs.Doc("orgs/org-a/sessions/"+sid+"/participants/u-late").Update(context.Background(),
		[]firestore.Update{{Path: "state", Value: PartJoined}}); err != nil {
		t.Fatal(err)
	}
	move("u-late", "r2", 200)
	move("u-part-3", "r2", 200)
	move("u-part-2", "r2", 409) // Room 2 holds five; Room 1 would be empty anyway
	// Everyone placed is listed for data-subject requests, late joiners too.
	snap, err := e.fs.Doc("orgs/org-a/sessions/" + sid + "/breakouts/" + v.ID).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(snap.Data()["member_uids"]); got != "[u-late u-part-1 u-part-2 u-part-3 u-part-b]" {
		t.Errorf("member_uids %s", got)
	}
	if got := e.events.Of(events.TypeSessionBreakoutsChanged); len(got) != 4 {
		t.Errorf("%d breakouts_changed events, want 4 (moves that changed something)", len(got))
	}

	// The timer: extend, run out, extend again from now.
	v2 := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid, v.ID, "extend"), tokFac, map[string]any{"minutes": 10}), 200)
	if v2.Minutes != 15 || v2.RemainingSeconds != 15*60 || !v2.EndsAt.Equal(v.EndsAt.Add(10*time.Minute)) {
		t.Fatalf("extended %+v", v2)
	}
	clk.add(16 * time.Minute)
	v3 := breakoutDecode(t, e.do(t, "GET", breakoutURL(sid, v.ID), tokPart1, nil), 200)
	if !v3.TimerExpired || v3.RemainingSeconds != 0 || v3.Status != "open" {
		t.Fatalf("expired %+v", v3)
	}
	v4 := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid, v.ID, "extend"), tokFac, map[string]any{"minutes": 2}), 200)
	if v4.TimerExpired || v4.RemainingSeconds != 120 {
		t.Fatalf("re-extended %+v", v4)
	}
	clk.add(3 * time.Minute)
	// An expired round does not block the next one: it closes on the timer.
	v5 := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": "random"}), 201)
	old := breakoutDecode(t, e.do(t, "GET", breakoutURL(sid, v.ID), tokFac, nil), 200)
	if old.Status != "closed" || old.CloseReason != "timer" {
		t.Errorf("expired round %+v", old)
	}
	closed := e.events.Of(events.TypeSessionBreakoutsClosed)
	if len(closed) != 1 || apitest.Payload[events.SessionBreakoutsClosed](t, closed[0]).Reason != "timer" {
		t.Errorf("closed events %+v", closed)
	}
	// Newest first.
	var list struct{ Breakouts []breakoutView }
	e.do(t, "GET", breakoutURL(sid), tokFac, nil).JSON(t, &list)
	if len(list.Breakouts) != 2 || list.Breakouts[0].ID != v5.ID || list.Breakouts[1].ID != v.ID {
		t.Errorf("list %+v", list)
	}
}

func TestBreakoutListPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := breakoutFour(t, e)
	ctx := context.Background()
	base := time.Now().UTC().Add(-time.Hour)
	for i := range 23 {
		b := breakout{Strategy: StrategyRandom, RoomSize: 2, Status: breakoutClosed, Minutes: 1, Main: []string{},
			OpenedAt: base.Add(time.Duration(i) * time.Minute), EndsAt: base.Add(time.Duration(i+1) * time.Minute),
			Rooms: []breakoutRoom{{ID: "r1", Name: "Room 1", Members: []string{"u-part-1", "u-part-2"}}}}
		if _, err := e.fs.Doc(fmt.Sprintf("orgs/org-a/sessions/%s/breakouts/b%02d", sid, i)).Set(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	tok := ""
	for page := 0; page < 3; page++ {
		var p struct {
			Breakouts     []breakoutView
			NextPageToken string `json:"next_page_token"`
		}
		r := e.do(t, "GET", breakoutURL(sid)+"?page_token="+tok, tokPart1, nil)
		if r.Code != 200 {
			t.Fatalf("page %d: %d %s", page, r.Code, r.Body)
		}
		r.JSON(t, &p)
		for _, b := range p.Breakouts {
			ids = append(ids, b.ID)
		}
		if tok = p.NextPageToken; tok == "" {
			break
		}
	}
	if len(ids) != 23 || ids[0] != "b22" || ids[22] != "b00" {
		t.Errorf("pages gave %v", ids)
	}
}

func TestBreakoutConcurrentOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := breakoutFour(t, e)
	codes := make([]int, 6)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := tokFac
			if i%2 == 1 {
				tok = tokCoFac
			}
			codes[i] = e.do(t, "POST", breakoutURL(sid), tok, map[string]any{"strategy": "random"}).Code
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("status %d", c)
		}
	}
	snaps, err := e.fs.Collection("orgs/org-a/sessions/"+sid+"/breakouts").Where("status", "==", "open").Documents(context.Background()).GetAll()
	if created != 1 || err != nil || len(snaps) != 1 {
		t.Fatalf("%d created, %d open rounds (%v): %v", created, len(snaps), err, codes)
	}
}

func TestBreakoutEndedWithSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := breakoutFour(t, e)
	v := breakoutDecode(t, e.do(t, "POST", breakoutURL(sid), tokFac, map[string]any{"strategy": "random"}), 201)
	d, err := e.deps.check(true)
	if err != nil {
		t.Fatal(err)
	}
	a := &api{d: d}
	ctx := context.Background()
	err = a.store().Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		l, err := a.store().load(ctx, tx, principal(tokFac), sid, facilitators)
		if err != nil {
			return err
		}
		if err := a.endBreakouts(tx, out, l, "session_ended"); err != nil {
			return err
		}
		// The caller's own write comes after.
		return tx.Update(l.Ref, []firestore.Update{{Path: "status", Value: StatusEnded}})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := breakoutDecode(t, e.do(t, "GET", breakoutURL(sid, v.ID), tokFac, nil), 200)
	if got.Status != "closed" || got.CloseReason != "session_ended" {
		t.Errorf("round after the end %+v", got)
	}
	ev := e.events.Of(events.TypeSessionBreakoutsClosed)
	if len(ev) != 1 || apitest.Payload[events.SessionBreakoutsClosed](t, ev[0]).Reason != "session_ended" {
		t.Errorf("events %s", apitest.Describe(ev))
	}
	// Nothing open: no writes, no events.
	err = a.store().Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		l, err := a.store().load(ctx, tx, principal(tokFac), sid, facilitators)
		if err != nil {
			return err
		}
		return a.endBreakouts(tx, out, l, "session_ended")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.events.Of(events.TypeSessionBreakoutsClosed)); n != 1 {
		t.Errorf("%d closed events", n)
	}
}
