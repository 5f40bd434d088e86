package sessions

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/journey"
)

// schedVerifier is testUsers with verified email addresses (joining by
// invitation needs one), except the token "unverified".
type schedVerifier struct{}

const tokUnverified = "unverified"

func (schedVerifier) Verify(ctx context.Context, tok string) (*auth.Principal, error) {
	if tok == tokUnverified {
		return &auth.Principal{UID: "u-unverified", Email: "p3@a.test", Org: "org-a", Role: auth.RoleParticipant, Tier: auth.TierFree}, nil
	}
	p, err := testVerifier.Verify(ctx, tok)
	if err != nil {
		return nil, err
	}
	cp := *p
	cp.EmailVerified = true
	return &cp, nil
}

// schedEnv is the test world with verified emails, org members and a
// published journey "j-1" in org-a.
func schedEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.deps.Verifier = schedVerifier{}
	h, err := New(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	schedJourney(t, e, "org-a", "j-1", "Morning pause", 1)
	return e
}

// schedJourney writes a draft and its published version n (0: a draft
// never published).
func schedJourney(t *testing.T, e *env, org, id, name string, n int) {
	t.Helper()
	ctx := context.Background()
	j := journey.Journey{Name: name, Timeframe: "single", SessionMinutes: 60, Goals: []string{}, Phases: []journey.Phase{
		{Phase: "pause", DurationMinutes: 10, Elements: []journey.Element{{ID: "e1", Kind: "inline", Type: "welcome", Title: "Arrive " + name, DurationMinutes: 10}}},
		{Phase: "expand", DurationMinutes: 30, Elements: []journey.Element{
			{ID: "e2", Kind: "inline", Type: "pause", Title: "Pick", DurationMinutes: 15},
			{ID: "e3", Kind: "inline", Type: "points_of_view", Title: "Share", DurationMinutes: 15}}},
		{Phase: "focus", Skipped: true, Elements: []journey.Element{{ID: "e4", Kind: "inline", Type: "focus_action", Title: "Skipped", DurationMinutes: 10}}},
		{Phase: "doing", DurationMinutes: 10, Elements: []journey.Element{{ID: "e5", Kind: "inline", Type: "closure", Title: "Step", DurationMinutes: 10}}},
	}}
	now := time.Now().UTC()
	d := journey.Draft{Journey: j, Revision: n + 1, LatestVersion: n, Status: journey.StatusDraft, CreatedAt: now, UpdatedAt: now}
	if n > 0 {
		d.Status = journey.StatusPublished
		v := journey.Version{JourneyID: id, Version: n, Journey: j, PublishedAt: now, PublishedBy: "u-fac"}
		if _, err := e.fs.Doc(journey.VersionDocPath(org, id, n)).Set(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.fs.Doc(journey.JourneysPath(org)+"/"+id).Set(ctx, d); err != nil {
		t.Fatal(err)
	}
}

// schedStart is a local start time in Europe/Berlin some days ahead.
func schedStart(days int) string {
	loc, _ := time.LoadLocation("Europe/Berlin")
	d := time.Now().In(loc).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 18, 30, 0, 0, loc).Format(localStartForm)
}

// schedCreate schedules a session with extra fields and returns it.
func schedCreate(t *testing.T, e *env, extra map[string]any) Session {
	t.Helper()
	body := map[string]any{"journey_id": "j-1", "start_at": schedStart(10), "time_zone": "Europe/Berlin"}
	for k, v := range extra {
		body[k] = v
	}
	r := e.do(t, "POST", "/v1/sessions", tokFac, body)
	if r.Code != http.StatusCreated {
		t.Fatalf("schedule: %d %s", r.Code, r.Body)
	}
	var s Session
	r.JSON(t, &s)
	return s
}

func TestScheduleCreate(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	s := schedCreate(t, e, map[string]any{"co_facilitators": []string{"u-cofac"}, "capacity": 10,
		"meeting": map[string]any{"provider": "zoom", "url": "https://zoom.us/j/123?pwd=abc", "meeting_id": "123", "passcode": "x1"}})
	loc, _ := time.LoadLocation("Europe/Berlin")
	if s.Status != StatusScheduled || s.Title != "Morning pause" || s.JourneyVersion != 1 || s.DurationMinutes != 60 ||
		s.Capacity != 10 || s.Facilitator != "u-fac" || s.Sequence != 0 || s.StartAt.In(loc).Format("15:04") != "18:30" {
		t.Fatalf("session %+v", s)
	}
	if len(s.Plan) != 4 || s.Plan[3].Phase != "doing" || s.Plan[3].PhaseIndex != 3 || s.Plan[2].ElementIndex != 1 || s.Plan[0].ElementID != "e1" {
		t.Fatalf("plan %+v", s.Plan)
	}
	ctx := context.Background()
	for uid, role := range map[string]string{"u-fac": "owner", "u-cofac": "editor"} {
		snap, err := e.fs.Doc("orgs/org-a/sessions/" + s.ID + "/members/" + uid).Get(ctx)
		if err != nil || snap.Data()["role"] != role || snap.Data()["uid"] != uid {
			t.Errorf("member %s: %v %v", uid, snap.Data(), err)
		}
	}
	if snap, err := e.fs.Doc("session_index/" + s.ID).Get(ctx); err != nil || snap.Data()["org"] != "org-a" {
		t.Errorf("index: %v", err)
	}
	if evs := e.events.Of(events.TypeSessionScheduled); len(evs) != 1 || evs[0].SessionID != s.ID {
		t.Errorf("events %v", e.events.Types())
	}
	for _, c := range []struct {
		tok  string
		code int
	}{{tokFac, 200}, {tokCoFac, 200}, {tokAdminA, 200}, {tokPart1, 404}, {tokAdminB, 404}, {tokPartB, 404}, {tokFacB, 404}, {"", 401}} {
		if r := e.do(t, "GET", "/v1/sessions/"+s.ID, c.tok, nil); r.Code != c.code {
			t.Errorf("GET as %q: %d %s", c.tok, r.Code, r.Body)
		}
	}
	// RFC 3339 with an offset is taken as is.
	at := time.Now().Add(72 * time.Hour).Truncate(time.Minute).In(time.FixedZone("", -5*3600))
	s2 := schedCreate(t, e, map[string]any{"start_at": at.Format(time.RFC3339), "time_zone": "America/New_York", "duration_minutes": 90, "title": "Evening"})
	if !s2.StartAt.Equal(at) || s2.DurationMinutes != 90 || s2.Title != "Evening" || s2.TimeZone != "America/New_York" {
		t.Errorf("s2 %+v", s2)
	}
}

func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	schedJourney(t, e, "org-a", "j-draft", "Unpublished", 0)
	ok := func() map[string]any {
		return map[string]any{"journey_id": "j-1", "start_at": schedStart(10), "time_zone": "Europe/Berlin"}
	}
	with := func(k string, v any) map[string]any {
		b := ok()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name  string
		tok   string
		body  any
		code  int
		field string
	}{
		{"participant", tokPart1, ok(), 403, ""},
		{"no time zone", tokFac, with("time_zone", nil), 400, "time_zone"},
		{"bad time zone", tokFac, with("time_zone", "Mars/Olympus"), 400, "time_zone"},
		{"no start", tokFac, with("start_at", nil), 400, "start_at"},
		{"bad start", tokFac, with("start_at", "next tuesday"), 400, "start_at"},
		{"DST gap", tokFac, with("start_at", "2031-03-30T02:30"), 400, "start_at"},
		{"past", tokFac, with("start_at", "2020-01-01T10:00"), 400, "start_at"},
		{"duration too short", tokFac, with("duration_minutes", 10), 400, "duration_minutes"},
		{"duration under plan", tokFac, with("duration_minutes", 30), 400, "duration_minutes"},
		{"capacity 0", tokFac, with("capacity", 0), 400, "capacity"},
		{"capacity 501", tokFac, with("capacity", 501), 400, "capacity"},
		{"host key field", tokFac, with("meeting", map[string]any{"provider": "zoom", "url": "https://zoom.us/j/1", "host_key": "123456"}), 400, "host_key"},
		{"zoom start link", tokFac, with("meeting", map[string]any{"provider": "zoom", "url": "https://us02web.zoom.us/s/123?zak=abc"}), 400, "meeting.url"},
		{"zak query", tokFac, with("meeting", map[string]any{"provider": "other", "url": "https://meet.example/j?zak=abc"}), 400, "meeting.url"},
		{"http meeting", tokFac, with("meeting", map[string]any{"provider": "meet", "url": "http://meet.google.com/abc"}), 400, "meeting.url"},
		{"bad provider", tokFac, with("meeting", map[string]any{"provider": "skype", "url": "https://x.test/a"}), 400, "meeting.provider"},
		{"co-fac participant", tokFac, with("co_facilitators", []string{"u-part-1"}), 400, "co_facilitators[0]"},
		{"co-fac self", tokFac, with("co_facilitators", []string{"u-fac"}), 400, "co_facilitators[0]"},
		{"co-fac other org", tokFac, with("co_facilitators", []string{"u-fac-b"}), 400, "co_facilitators[0]"},
		{"co-fac twice", tokFac, with("co_facilitators", []string{"u-cofac", "u-cofac"}), 400, "co_facilitators[1]"},
		{"too many co-facs", tokFac, with("co_facilitators", []string{"a", "b", "c", "d", "e", "f"}), 400, "co_facilitators"},
		{"no journey", tokFac, with("journey_id", nil), 400, "journey_id"},
		{"unknown journey", tokFac, with("journey_id", "j-none"), 422, "journey_id"},
		{"unpublished journey", tokFac, with("journey_id", "j-draft"), 422, "journey_id"},
		{"missing version", tokFac, with("journey_version", 7), 422, "journey_version"},
		{"other org's journey", tokFacB, ok(), 422, "journey_id"},
		{"not json", tokFac, "{", 400, ""},
		{"title too long", tokFac, with("title", strings.Repeat("x", 201)), 400, "title"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(t, "POST", "/v1/sessions", c.tok, c.body)
			r.Problem(t, c.code)
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("no error on field %s: %s", c.field, r.Body)
			}
		})
	}
	if n := len(e.events.Of(events.TypeSessionScheduled)); n != 0 {
		t.Errorf("%d scheduled events for refused requests", n)
	}
}

func TestScheduleKeepsPlanAfterJourneyChanges(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	s := schedCreate(t, e, nil)
	schedJourney(t, e, "org-a", "j-1", "Rewritten", 2) // a new version and draft
	var got Session
	r := e.do(t, "GET", "/v1/sessions/"+s.ID, tokFac, nil)
	r.JSON(t, &got)
	if got.JourneyVersion != 1 || got.Plan[0].Title != "Arrive Morning pause" {
		t.Fatalf("plan changed: %+v", got.Plan)
	}
	s2 := schedCreate(t, e, nil)
	if s2.JourneyVersion != 2 || s2.Plan[0].Title != "Arrive Rewritten" {
		t.Fatalf("new session not on the latest version: %d %+v", s2.JourneyVersion, s2.Plan[0])
	}
}

func TestScheduleListAndMine(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	var ids []string
	for i := range 3 {
		s := schedCreate(t, e, map[string]any{"start_at": schedStart(5 + i)})
		ids = append(ids, s.ID)
	}
	e.do(t, "POST", "/v1/sessions/"+ids[2]+"/cancel", tokFac, map[string]any{})
	var page sessionPage
	r := e.do(t, "GET", "/v1/sessions", tokAdminA, nil)
	r.JSON(t, &page)
	if len(page.Sessions) != 3 || page.Sessions[0].ID != ids[0] || page.Sessions[2].ID != ids[2] {
		t.Fatalf("list %s", r.Body)
	}
	r = e.do(t, "GET", "/v1/sessions?status=scheduled", tokFac, nil)
	page = sessionPage{}
	r.JSON(t, &page)
	if len(page.Sessions) != 2 {
		t.Fatalf("scheduled %s", r.Body)
	}
	// Halfway between the first session and the second, whatever the time
	// of day the test runs at.
	loc, _ := time.LoadLocation("Europe/Berlin")
	first, err := time.ParseInLocation(localStartForm, schedStart(5), loc)
	if err != nil {
		t.Fatal(err)
	}
	from := first.Add(12 * time.Hour).UTC().Format(time.RFC3339)
	page = sessionPage{}
	e.do(t, "GET", "/v1/sessions?from="+from, tokFac, nil).JSON(t, &page)
	if len(page.Sessions) != 2 || page.Sessions[0].ID != ids[1] {
		t.Fatalf("from: %+v", page.Sessions)
	}
	e.do(t, "GET", "/v1/sessions", tokPart1, nil).Problem(t, 403)
	e.do(t, "GET", "/v1/sessions?status=nope", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", "/v1/sessions?from=yesterday", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", "/v1/sessions?page_token=notatoken", tokFac, nil).Problem(t, 400)
	page = sessionPage{}
	e.do(t, "GET", "/v1/sessions", tokAdminB, nil).JSON(t, &page)
	if len(page.Sessions) != 0 {
		t.Fatalf("org-b sees org-a sessions: %+v", page.Sessions)
	}

	var mine struct{ Sessions []mySession }
	e.do(t, "GET", "/v1/me/sessions", tokFac, nil).JSON(t, &mine)
	if len(mine.Sessions) != 3 || mine.Sessions[0].Role != "owner" {
		t.Fatalf("mine %+v", mine)
	}
	mine.Sessions = nil
	e.do(t, "GET", "/v1/me/sessions", tokPartB, nil).JSON(t, &mine)
	if len(mine.Sessions) != 0 {
		t.Fatalf("part-b %+v", mine)
	}
}

func TestSchedulePaging(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	for i := range listPageSize + 2 {
		schedCreate(t, e, map[string]any{"start_at": schedStart(3 + i)})
	}
	seen := map[string]bool{}
	for _, path := range []string{"/v1/sessions", "/v1/me/sessions"} {
		clear(seen)
		tok := ""
		for range 3 {
			var page sessionPage
			e.do(t, "GET", path+"?page_token="+tok, tokFac, nil).JSON(t, &page)
			for _, s := range page.Sessions {
				if seen[s.ID] {
					t.Fatalf("%s: %s twice", path, s.ID)
				}
				seen[s.ID] = true
			}
			if tok = page.NextPageToken; tok == "" {
				break
			}
		}
		if len(seen) != listPageSize+2 {
			t.Fatalf("%s: %d sessions over the pages", path, len(seen))
		}
	}
}

func TestSchedulePatch(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	s := schedCreate(t, e, map[string]any{"co_facilitators": []string{"u-cofac"}})
	r := e.do(t, "PATCH", "/v1/sessions/"+s.ID, tokCoFac, map[string]any{"title": "New title", "capacity": 5,
		"co_facilitators": []string{"u-admin-a"}, "meeting": map[string]any{"provider": "meet", "url": "https://meet.google.com/abc-defg-hij"}})
	if r.Code != 200 {
		t.Fatalf("patch %d %s", r.Code, r.Body)
	}
	var got Session
	r.JSON(t, &got)
	if got.Title != "New title" || got.Capacity != 5 || len(got.CoFacilitators) != 1 || got.CoFacilitators[0] != "u-admin-a" || got.Meeting == nil {
		t.Fatalf("patched %+v", got)
	}
	ctx := context.Background()
	if _, err := e.fs.Doc("orgs/org-a/sessions/" + s.ID + "/members/u-cofac").Get(ctx); err == nil {
		t.Error("old co-facilitator's membership kept")
	}
	if snap, err := e.fs.Doc("orgs/org-a/sessions/" + s.ID + "/members/u-admin-a").Get(ctx); err != nil || snap.Data()["role"] != "editor" {
		t.Errorf("new co-facilitator's membership: %v", err)
	}
	e.do(t, "PATCH", "/v1/sessions/"+s.ID, tokCoFac, map[string]any{"title": "x"}).Problem(t, 403) // org staff now, not a facilitator
	var cleared Session
	e.do(t, "PATCH", "/v1/sessions/"+s.ID, tokFac, map[string]any{"meeting": nil}).JSON(t, &cleared)
	if cleared.Meeting != nil {
		t.Errorf("meeting not removed: %+v", cleared.Meeting)
	}
	for _, c := range []struct {
		name string
		tok  string
		body any
		code int
	}{
		{"empty", tokFac, map[string]any{}, 400},
		{"blank title", tokFac, map[string]any{"title": " "}, 400},
		{"unknown field", tokFac, map[string]any{"status": "live"}, 400},
		{"host key", tokFac, map[string]any{"meeting": map[string]any{"provider": "zoom", "url": "https://zoom.us/j/1", "host_key": "1"}}, 400},
		{"admin (org staff)", tokAdminA, map[string]any{"title": "x"}, 200}, // u-admin-a is co-facilitator now
		{"participant of nothing", tokPart1, map[string]any{"title": "x"}, 404},
		{"other org", tokAdminB, map[string]any{"title": "x"}, 404},
	} {
		r := e.do(t, "PATCH", "/v1/sessions/"+s.ID, c.tok, c.body)
		if r.Code != c.code {
			t.Errorf("%s: %d %s", c.name, r.Code, r.Body)
		}
	}
	// Capacity never drops below those who joined.
	id := e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": "", "u-part-2": ""}})
	e.do(t, "PATCH", "/v1/sessions/"+id, tokFac, map[string]any{"capacity": 1}).Problem(t, 400)
	e.do(t, "PATCH", "/v1/sessions/"+id, tokPart1, map[string]any{"title": "x"}).Problem(t, 403)
	ended := e.seedSession(t, seedOpts{Status: StatusEnded})
	e.do(t, "PATCH", "/v1/sessions/"+ended, tokFac, map[string]any{"title": "x"}).Problem(t, 409)
}

func TestScheduleCrossTenant(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	id := e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": ""}})
	routes := []struct{ method, path string }{
		{"GET", "/v1/sessions/" + id}, {"PATCH", "/v1/sessions/" + id}, {"POST", "/v1/sessions/" + id + "/reschedule"},
		{"POST", "/v1/sessions/" + id + "/cancel"}, {"GET", "/v1/sessions/" + id + "/calendar.ics"},
		{"POST", "/v1/sessions/" + id + "/invitations"}, {"GET", "/v1/sessions/" + id + "/invitations"},
		{"DELETE", "/v1/sessions/" + id + "/invitations/x"}, {"POST", "/v1/sessions/" + id + "/join"},
		{"POST", "/v1/sessions/" + id + "/leave"}, {"GET", "/v1/sessions/" + id + "/participants"},
		{"DELETE", "/v1/sessions/" + id + "/participants/u-part-1"},
	}
	bodies := map[string]any{
		"PATCH": map[string]any{"title": "x"}, "POST": map[string]any{},
	}
	for _, tok := range []string{tokAdminB, tokFacB, tokPartB} {
		for _, rt := range routes {
			body := bodies[rt.method]
			if strings.HasSuffix(rt.path, "/reschedule") {
				body = map[string]any{"start_at": schedStart(3)}
			}
			if strings.HasSuffix(rt.path, "/invitations") && rt.method == "POST" {
				body = map[string]any{"emails": []string{"x@b.test"}}
			}
			r := e.do(t, rt.method, rt.path, tok, body)
			if r.Code != 404 {
				t.Errorf("%s %s as %s: %d %s", rt.method, rt.path, tok, r.Code, r.Body)
			}
		}
	}
	if n := len(e.events.Types()); n != 0 {
		t.Errorf("events from refused requests: %v", e.events.Types())
	}
}
