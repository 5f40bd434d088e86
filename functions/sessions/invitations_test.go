package sessions

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/mail"
)

var inviteTokenRE = regexp.MustCompile(`/join/([0-9a-f]+)\?token=([A-Za-z0-9_-]+)`)

// inviteToken is the join token of the latest invitation mailed to addr.
func inviteToken(t *testing.T, e *env, addr string) string {
	t.Helper()
	tok := ""
	for _, m := range e.sent(t) {
		if m.To == addr && m.Kind == "session_invitation" {
			if g := inviteTokenRE.FindStringSubmatch(m.Text); g != nil {
				tok = g[2]
			}
		}
	}
	if tok == "" {
		t.Fatalf("no invitation mailed to %s", addr)
	}
	return tok
}

// inviteMails returns the mails of one kind to addr.
func inviteMails(t *testing.T, e *env, addr, kind string) []mail.Message {
	t.Helper()
	var out []mail.Message
	for _, m := range e.sent(t) {
		if m.To == addr && m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// inviteCalendar parses a mail's calendar attachment.
func inviteCalendar(t *testing.T, m mail.Message) (*ical.Calendar, string) {
	t.Helper()
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "invite.ics" || !strings.HasPrefix(m.Attachments[0].ContentType, "text/calendar; charset=utf-8; method=") {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	cal, err := ical.ParseCalendar(strings.NewReader(m.Attachments[0].Content))
	if err != nil {
		t.Fatalf("calendar: %v", err)
	}
	method := ""
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "METHOD" {
			method = p.Value
		}
	}
	return cal, method
}

func inviteProp(ev *ical.VEvent, name string) *ical.IANAProperty {
	return ev.GetProperty(ical.ComponentProperty(name))
}

func TestInviteJoinLeaveRejoin(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	var skew atomic.Int64 // how far the test moved the clock
	e.deps.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	var err error
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	s := schedCreate(t, e, map[string]any{"meeting": map[string]any{"provider": "zoom", "url": "https://zoom.us/j/99", "passcode": "pw"}})
	path := "/v1/sessions/" + s.ID
	r := e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test", "P1@A.test", "part-b@b.test", "p2@a.test"}})
	if r.Code != 200 {
		t.Fatalf("invite %d %s", r.Code, r.Body)
	}
	var res inviteResult
	r.JSON(t, &res)
	if res.Invited != 3 || res.Resent != 0 || strings.Contains(string(r.Body), "token") {
		t.Fatalf("invite result %s", r.Body)
	}
	if evs := e.events.Of(events.TypeSessionInvited); len(evs) != 1 || apitest.Payload[events.SessionInvited](t, evs[0]).Invited != 3 {
		t.Fatalf("invited events %+v", evs)
	}
	m := inviteMails(t, e, "p1@a.test", "session_invitation")
	if len(m) != 1 || !strings.Contains(m[0].Text, "18:30 CET (UTC+01:00, Europe/Berlin)") || !strings.Contains(m[0].Text, "https://zoom.us/j/99") ||
		!strings.Contains(m[0].Text, "https://studio.test/join/"+s.ID+"?token=") || !strings.Contains(m[0].Subject, "Morning pause") {
		t.Fatalf("invitation mail %+v", m)
	}
	cal, method := inviteCalendar(t, m[0])
	ev := cal.Events()[0]
	if method != "REQUEST" || inviteProp(ev, "UID").Value != s.ID+"@pointsofyou.ai" || inviteProp(ev, "ORGANIZER").Value != "mailto:fac@a.test" {
		t.Fatalf("calendar %s %+v", method, ev.Properties)
	}
	if a := ev.Attendees(); len(a) != 1 || a[0].Email() != "p1@a.test" || a[0].ICalParameters["RSVP"][0] != "TRUE" {
		t.Fatalf("attendees %+v", a)
	}
	tok1 := inviteToken(t, e, "p1@a.test")

	// Re-inviting a pending address at once mails nothing (cool-down) and
	// says when it may be mailed again.
	r = e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test"}})
	res = inviteResult{}
	r.JSON(t, &res)
	if res.NotResent != 1 || res.Resent != 0 || res.ResendAfter == nil || res.Notice == "" || len(inviteMails(t, e, "p1@a.test", "session_invitation")) != 1 {
		t.Fatalf("re-invite within the cool-down %s", r.Body)
	}
	// After it, a re-invitation sends a fresh token; the old one dies.
	skew.Store(int64(resendCooldown))
	r = e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test"}})
	res = inviteResult{}
	r.JSON(t, &res)
	if res.Resent != 1 || res.Invited != 0 {
		t.Fatalf("resend %s", r.Body)
	}
	tok1b := inviteToken(t, e, "p1@a.test")
	if tok1b == tok1 {
		t.Fatal("resent with the same token")
	}
	e.do(t, "POST", path+"/join", tokPart1, map[string]any{"token": tok1}).Problem(t, 404)
	// The invitation belongs to p1's address only.
	r = e.do(t, "POST", path+"/join", tokPart2, map[string]any{"token": tok1b})
	r.Problem(t, 403)
	if !strings.Contains(string(r.Body), "another address") {
		t.Errorf("wrong-address detail: %s", r.Body)
	}
	e.do(t, "POST", path+"/join", tokUnverified, map[string]any{"token": tok1b}).Problem(t, 403)
	e.do(t, "POST", path+"/join", tokPart1, map[string]any{"token": "garbage"}).Problem(t, 404)
	e.do(t, "POST", path+"/join", tokPart1, map[string]any{}).Problem(t, 404)
	e.do(t, "POST", "/v1/sessions/nope/join", tokPart1, map[string]any{"token": tok1b}).Problem(t, 404)
	e.do(t, "POST", path+"/join", tokFac, map[string]any{"token": tok1b}).Problem(t, 403)
	e.do(t, "POST", path+"/join", tokFac, nil).Problem(t, 409)

	r = e.do(t, "POST", path+"/join", tokPart1, map[string]any{"token": tok1b})
	if r.Code != 200 {
		t.Fatalf("join %d %s", r.Code, r.Body)
	}
	var jr joinResult
	r.JSON(t, &jr)
	if jr.Participant.State != PartJoined || jr.Session.Joined != 1 {
		t.Fatalf("join result %s", r.Body)
	}
	// The used token cannot be used by anyone again; the same person
	// using it again is a no-op.
	if r := e.do(t, "POST", path+"/join", tokPart1, map[string]any{"token": tok1b}); r.Code != 200 {
		t.Fatalf("repeat join %d %s", r.Code, r.Body)
	}
	e.do(t, "POST", path+"/join", tokPart2, map[string]any{"token": tok1b}).Problem(t, 404)
	// A participant of another organisation joins with its invitation.
	if r := e.do(t, "POST", path+"/join", tokPartB, map[string]any{"token": inviteToken(t, e, "part-b@b.test")}); r.Code != 200 {
		t.Fatalf("org-b join %d %s", r.Code, r.Body)
	}
	if r := e.do(t, "GET", path, tokPartB, nil); r.Code != 200 {
		t.Fatalf("org-b participant reads the session: %d", r.Code)
	}
	var mine struct{ Sessions []mySession }
	e.do(t, "GET", "/v1/me/sessions", tokPartB, nil).JSON(t, &mine)
	if len(mine.Sessions) != 1 || mine.Sessions[0].Role != "participant" || mine.Sessions[0].ID != s.ID {
		t.Fatalf("org-b me/sessions %+v", mine)
	}

	// Participants list: facilitators see addresses, org staff do not.
	var list struct{ Participants []participantOut }
	e.do(t, "GET", path+"/participants", tokFac, nil).JSON(t, &list)
	if len(list.Participants) != 2 || list.Participants[0].Email == "" || list.Participants[0].State != PartJoined {
		t.Fatalf("participants %+v", list)
	}
	list.Participants = nil
	e.do(t, "GET", path+"/participants", tokAdminA, nil).JSON(t, &list)
	if len(list.Participants) != 2 || list.Participants[0].Email != "" {
		t.Fatalf("participants for staff %+v", list)
	}
	e.do(t, "GET", path+"/participants", tokPart1, nil).Problem(t, 403)
	e.do(t, "GET", path+"/participants?state=bogus", tokFac, nil).Problem(t, 400)

	// Leave, then rejoin without a token.
	if r := e.do(t, "POST", path+"/leave", tokPart1, map[string]any{}); r.Code != 200 {
		t.Fatalf("leave %d %s", r.Code, r.Body)
	}
	var got Session
	e.do(t, "GET", path, tokFac, nil).JSON(t, &got)
	if got.Joined != 1 {
		t.Fatalf("joined after leave: %d", got.Joined)
	}
	e.do(t, "POST", path+"/leave", tokFac, map[string]any{}).Problem(t, 403)
	if r := e.do(t, "POST", path+"/join", tokPart1, nil); r.Code != 200 {
		t.Fatalf("rejoin %d %s", r.Code, r.Body)
	}
	var states []string
	who := map[string]string{e.events.Actor("org-a", "u-part-1"): "u-part-1", e.events.Actor("org-a", "u-part-b"): "u-part-b"}
	for _, ev := range e.events.Of(events.TypeSessionParticipantChanged) {
		states = append(states, string(apitest.Payload[events.SessionParticipantChanged](t, ev).State)+":"+who[ev.Actor])
	}
	if strings.Join(states, ",") != "joined:u-part-1,joined:u-part-b,left:u-part-1,joined:u-part-1" {
		t.Fatalf("participant events %v", states)
	}

	// The calendar file, for members only.
	r = e.do(t, "GET", path+"/calendar.ics", tokPart1, nil)
	if r.Code != 200 || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8; method=REQUEST" ||
		r.Header.Get("Content-Disposition") != `attachment; filename="session.ics"` || !strings.Contains(string(r.Body), "UID:"+s.ID+"@pointsofyou.ai") {
		t.Fatalf("calendar.ics %d %v %s", r.Code, r.Header, r.Body)
	}
	e.do(t, "GET", path+"/calendar.ics", tokPart2, nil).Problem(t, 404)
	e.do(t, "GET", path+"/calendar.ics", tokAdminA, nil).Problem(t, 403)

	// Invitations list and revocation.
	var invs struct{ Invitations []Invitation }
	e.do(t, "GET", path+"/invitations?status=pending", tokFac, nil).JSON(t, &invs)
	if len(invs.Invitations) != 1 || invs.Invitations[0].Email != "p2@a.test" {
		t.Fatalf("pending %+v", invs)
	}
	tok2 := inviteToken(t, e, "p2@a.test")
	inv2 := invs.Invitations[0].ID
	e.do(t, "DELETE", path+"/invitations/"+inv2, tokPart1, nil).Problem(t, 403)
	if r := e.do(t, "DELETE", path+"/invitations/"+inv2, tokFac, nil); r.Code != 204 {
		t.Fatalf("revoke %d %s", r.Code, r.Body)
	}
	e.do(t, "POST", path+"/join", tokPart2, map[string]any{"token": tok2}).Problem(t, 404)
	e.do(t, "DELETE", path+"/invitations/nope", tokFac, nil).Problem(t, 404)
	e.do(t, "GET", path+"/invitations?status=bogus", tokFac, nil).Problem(t, 400)

	// Removal: membership gone, seat freed, token dead, no rejoin.
	if r := e.do(t, "DELETE", path+"/participants/u-part-1", tokFac, nil); r.Code != 204 {
		t.Fatalf("remove %d %s", r.Code, r.Body)
	}
	e.do(t, "GET", path, tokPart1, nil).Problem(t, 404)
	e.do(t, "POST", path+"/join", tokPart1, nil).Problem(t, 404)
	e.do(t, "DELETE", path+"/participants/u-nobody", tokFac, nil).Problem(t, 404)
	got = Session{}
	e.do(t, "GET", path, tokFac, nil).JSON(t, &got)
	if got.Joined != 1 {
		t.Fatalf("joined after removal: %d", got.Joined)
	}
}

func TestInviteBadInput(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	id := e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": ""}})
	path := "/v1/sessions/" + id + "/invitations"
	many := make([]string, 101)
	for i := range many {
		many[i] = "x@a.test"
	}
	for _, c := range []struct {
		name  string
		tok   string
		body  any
		code  int
		field string
	}{
		{"no emails", tokFac, map[string]any{"emails": []string{}}, 400, "emails"},
		{"too many", tokFac, map[string]any{"emails": many}, 400, "emails"},
		{"display name", tokFac, map[string]any{"emails": []string{"Lee <lee@a.test>"}}, 400, "emails[0]"},
		{"not an address", tokFac, map[string]any{"emails": []string{"ok@a.test", "nope"}}, 400, "emails[1]"},
		{"header injection", tokFac, map[string]any{"emails": []string{"a@a.test\r\nBcc: x@y.test"}}, 400, "emails[0]"},
		{"bad locale", tokFac, map[string]any{"emails": []string{"a@a.test"}, "locale": "xx"}, 400, "locale"},
		{"participant", tokPart1, map[string]any{"emails": []string{"a@a.test"}}, 403, ""},
		{"org staff", tokAdminA, map[string]any{"emails": []string{"a@a.test"}}, 403, ""},
	} {
		r := e.do(t, "POST", path, c.tok, c.body)
		r.Problem(t, c.code)
		if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: no error on %s: %s", c.name, c.field, r.Body)
		}
	}
	ended := e.seedSession(t, seedOpts{Status: StatusCancelled})
	e.do(t, "POST", "/v1/sessions/"+ended+"/invitations", tokFac, map[string]any{"emails": []string{"a@a.test"}}).Problem(t, 409)
	if len(e.sent(t)) != 0 {
		t.Fatalf("mail sent for refused requests")
	}
}

func TestRescheduleAndCancelMail(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	s := schedCreate(t, e, map[string]any{"co_facilitators": []string{"u-cofac"}})
	path := "/v1/sessions/" + s.ID
	e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test", "p2@a.test", "p3@a.test"}})
	if r := e.do(t, "POST", path+"/join", tokPart1, map[string]any{"token": inviteToken(t, e, "p1@a.test")}); r.Code != 200 {
		t.Fatal(r.Code)
	}
	inv := struct{ Invitations []Invitation }{}
	e.do(t, "GET", path+"/invitations?status=pending", tokFac, nil).JSON(t, &inv)
	for _, i := range inv.Invitations {
		if i.Email == "p3@a.test" {
			e.do(t, "DELETE", path+"/invitations/"+i.ID, tokFac, nil)
		}
	}
	e.do(t, "POST", path+"/reschedule", tokPart1, map[string]any{"start_at": schedStart(12)}).Problem(t, 403)
	e.do(t, "POST", path+"/reschedule", tokFac, map[string]any{"start_at": "2031-03-30T02:15"}).Problem(t, 400)
	e.do(t, "POST", path+"/reschedule", tokFac, map[string]any{"start_at": schedStart(12), "time_zone": "Nowhere/City"}).Problem(t, 400)
	e.do(t, "POST", path+"/reschedule", tokFac, map[string]any{"start_at": schedStart(12), "duration_minutes": 20}).Problem(t, 400)
	e.do(t, "POST", path+"/reschedule", tokFac, map[string]any{}).Problem(t, 400)

	// A move into summer time in another zone.
	r := e.do(t, "POST", path+"/reschedule", tokCoFac, map[string]any{"start_at": "2031-07-01T09:15", "time_zone": "Asia/Jerusalem", "duration_minutes": 90})
	if r.Code != 200 {
		t.Fatalf("reschedule %d %s", r.Code, r.Body)
	}
	for _, addr := range []string{"p1@a.test", "p2@a.test"} {
		m := inviteMails(t, e, addr, "session_update")
		if len(m) != 1 {
			t.Fatalf("%s: %d updates", addr, len(m))
		}
		cal, method := inviteCalendar(t, m[0])
		ev := cal.Events()[0]
		start := inviteProp(ev, "DTSTART")
		if method != "REQUEST" || inviteProp(ev, "UID").Value != s.ID+"@pointsofyou.ai" || inviteProp(ev, "SEQUENCE").Value != "1" ||
			start.ICalParameters["TZID"][0] != "Asia/Jerusalem" || start.Value != "20310701T091500" || inviteProp(ev, "DTEND").Value != "20310701T104500" {
			t.Fatalf("update calendar: %s %+v", method, ev.Properties)
		}
		tzs := cal.Timezones()
		if len(tzs) != 1 || tzs[0].GetProperty(ical.ComponentProperty("TZID")).Value != "Asia/Jerusalem" || len(tzs[0].Components) < 2 {
			t.Fatalf("VTIMEZONE %+v", tzs)
		}
		if got, err := ev.GetStartAt(); err != nil || got.UTC().Format("15:04") != "06:15" {
			t.Fatalf("start instant %v %v", got, err)
		}
		if !strings.Contains(m[0].Text, "09:15 IDT (UTC+03:00, Asia/Jerusalem)") {
			t.Errorf("update text %q", m[0].Text)
		}
	}
	if n := len(inviteMails(t, e, "p3@a.test", "session_update")); n != 0 {
		t.Errorf("revoked invitee got %d updates", n)
	}
	if evs := e.events.Of(events.TypeSessionRescheduled); len(evs) != 1 || apitest.Payload[events.SessionRescheduled](t, evs[0]).Sequence != 1 {
		t.Errorf("rescheduled events %+v", evs)
	}

	e.do(t, "POST", path+"/cancel", tokPart1, map[string]any{}).Problem(t, 403)
	if r := e.do(t, "POST", path+"/cancel", tokFac, map[string]any{}); r.Code != 200 {
		t.Fatalf("cancel %d %s", r.Code, r.Body)
	}
	m := inviteMails(t, e, "p2@a.test", "session_cancellation")
	if len(m) != 1 {
		t.Fatalf("%d cancellations", len(m))
	}
	cal, method := inviteCalendar(t, m[0])
	ev := cal.Events()[0]
	if method != "CANCEL" || inviteProp(ev, "STATUS").Value != "CANCELLED" || inviteProp(ev, "SEQUENCE").Value != "2" || inviteProp(ev, "UID").Value != s.ID+"@pointsofyou.ai" {
		t.Fatalf("cancel calendar %s %+v", method, ev.Properties)
	}
	r = e.do(t, "GET", path+"/calendar.ics", tokPart1, nil)
	if !strings.Contains(string(r.Body), "METHOD:CANCEL") {
		t.Fatalf("calendar.ics after cancel: %s", r.Body)
	}
	if evs := e.events.Of(events.TypeSessionCancelled); len(evs) != 1 || apitest.Payload[events.SessionCancelled](t, evs[0]).Sequence != 2 {
		t.Errorf("cancel events %+v", evs)
	}
	e.do(t, "POST", path+"/cancel", tokFac, map[string]any{}).Problem(t, 409)
	e.do(t, "POST", path+"/reschedule", tokFac, map[string]any{"start_at": schedStart(12)}).Problem(t, 409)
	e.do(t, "POST", path+"/join", tokPart2, map[string]any{"token": inviteToken(t, e, "p2@a.test")}).Problem(t, 409)
	live := e.seedSession(t, seedOpts{Status: StatusLive})
	e.do(t, "POST", "/v1/sessions/"+live+"/reschedule", tokFac, map[string]any{"start_at": schedStart(12)}).Problem(t, 409)
	if r := e.do(t, "POST", "/v1/sessions/"+live+"/cancel", tokFac, nil); r.Code != 200 {
		t.Fatalf("cancel live %d %s", r.Code, r.Body)
	}
}

func TestJoinCapacityRace(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	s := schedCreate(t, e, map[string]any{"capacity": 2})
	path := "/v1/sessions/" + s.ID
	e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"p1@a.test", "p2@a.test", "p3@a.test"}})
	if r := e.do(t, "POST", path+"/join", tokPart3, map[string]any{"token": inviteToken(t, e, "p3@a.test")}); r.Code != 200 {
		t.Fatalf("first join %d %s", r.Code, r.Body)
	}
	// Two people race for the last seat.
	toks := map[string]string{tokPart1: inviteToken(t, e, "p1@a.test"), tokPart2: inviteToken(t, e, "p2@a.test")}
	codes := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for who, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do(t, "POST", path+"/join", who, map[string]any{"token": tok})
			mu.Lock()
			codes[who] = r.Code
			mu.Unlock()
		}()
	}
	wg.Wait()
	won, full := 0, ""
	for who, c := range codes {
		switch c {
		case 200:
			won++
		case 409:
			full = who
		default:
			t.Fatalf("%s: %d", who, c)
		}
	}
	if won != 1 || full == "" {
		t.Fatalf("codes %v", codes)
	}
	var got Session
	e.do(t, "GET", path, tokFac, nil).JSON(t, &got)
	if got.Joined != 2 {
		t.Fatalf("joined %d", got.Joined)
	}
	// The refused join left nothing behind.
	uid := map[string]string{tokPart1: "u-part-1", tokPart2: "u-part-2"}[full]
	ctx := context.Background()
	for _, p := range []string{"participants/", "members/"} {
		if _, err := e.fs.Doc("orgs/org-a/sessions/" + s.ID + "/" + p + uid).Get(ctx); err == nil {
			t.Errorf("%s%s written by a refused join", p, uid)
		}
	}
	var list struct{ Participants []participantOut }
	e.do(t, "GET", path+"/participants", tokFac, nil).JSON(t, &list)
	if len(list.Participants) != 2 {
		t.Fatalf("participants %+v", list)
	}
	r := e.do(t, "POST", path+"/join", full, map[string]any{"token": toks[full]})
	r.Problem(t, http.StatusConflict)
	if !strings.Contains(string(r.Body), "the session is full") {
		t.Errorf("full detail: %s", r.Body)
	}
}

// TestJoinKeepsDisplayName: the participant record carries the person's
// name from their profile, so breakout rooms and the facilitator's lists
// name people rather than showing ids.
func TestJoinKeepsDisplayName(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	ctx := context.Background()
	if _, err := e.deps.Firestore.Collection("users").Doc("u-part-1").Set(ctx, map[string]any{"display_name": "Noa Levi"}); err != nil {
		t.Fatal(err)
	}
	s := schedCreate(t, e, nil)
	path := "/v1/sessions/" + s.ID
	for _, addr := range []string{"p1@a.test", "p2@a.test"} {
		if r := e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{addr}}); r.Code != 200 {
			t.Fatalf("invite %d %s", r.Code, r.Body)
		}
	}
	r := e.do(t, "POST", path+"/join", tokPart1, map[string]any{"token": inviteToken(t, e, "p1@a.test")})
	var joined joinResult
	r.JSON(t, &joined)
	if r.Code != 200 || joined.Participant.DisplayName != "Noa Levi" {
		t.Fatalf("join %d %s", r.Code, r.Body)
	}
	// Without a profile name the record stays without one.
	if r := e.do(t, "POST", path+"/join", tokPart2, map[string]any{"token": inviteToken(t, e, "p2@a.test")}); r.Code != 200 {
		t.Fatalf("join p2 %d %s", r.Code, r.Body)
	}
	var list struct {
		Participants []participantOut `json:"participants"`
	}
	e.do(t, "GET", path+"/participants", tokFac, nil).JSON(t, &list)
	names := map[string]string{}
	for _, p := range list.Participants {
		names[p.UID] = p.DisplayName
	}
	if names["u-part-1"] != "Noa Levi" || names["u-part-2"] != "" || len(names) != 2 {
		t.Fatalf("participants %+v", list.Participants)
	}
}
