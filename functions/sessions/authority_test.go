package sessions

import (
	"context"
	"strconv"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/mail"
)

// Session authority follows the organisation's membership documents on
// every request, whatever the token says; the organisation's admins
// cancel and hand over sessions.
func TestAuthorityFollowsMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := schedEnv(t)
	s1 := schedCreate(t, e, map[string]any{"co_facilitators": []string{"u-cofac"}})
	s2 := schedCreate(t, e, nil)
	s3 := schedCreate(t, e, nil)
	path := func(s Session, rest string) string { return "/v1/sessions/" + s.ID + rest }
	setRole := func(uid, role string) {
		t.Helper()
		ref := e.fs.Doc("orgs/org-a/members/" + uid)
		var err error
		if role == "" {
			_, err = ref.Delete(ctx)
		} else {
			_, err = ref.Set(ctx, map[string]any{"role": role})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if r := e.do(t, "PATCH", path(s1, ""), tokFac, map[string]any{"title": "Mine"}); r.Code != 200 {
		t.Fatalf("owner patch: %d %s", r.Code, r.Body)
	}

	// Demoted: the owner's token still says facilitator.
	setRole("u-fac", "participant")
	for _, c := range []struct{ method, rest string }{
		{"PATCH", ""}, {"GET", ""}, {"POST", "/invitations"}, {"GET", "/invitations"}, {"POST", "/start"},
		{"POST", "/cancel"}, {"PUT", "/owner"}, {"POST", "/reschedule"}, {"GET", "/participants"},
	} {
		body := map[string]any{}
		switch c.rest {
		case "":
			body = map[string]any{"title": "Still mine?"}
		case "/invitations":
			body = map[string]any{"emails": []string{"x@a.test"}}
		case "/owner":
			body = map[string]any{"uid": "u-fac"}
		case "/reschedule":
			body = map[string]any{"start_at": schedStart(12)}
		}
		if c.method == "GET" {
			body = nil
		}
		e.do(t, c.method, path(s1, c.rest), tokFac, body).Problem(t, 404)
	}
	e.do(t, "POST", "/v1/sessions", tokFac, map[string]any{"journey_id": "j-1", "start_at": schedStart(10), "time_zone": "Europe/Berlin"}).Problem(t, 403)
	e.do(t, "GET", "/v1/sessions", tokFac, nil).Problem(t, 403)
	var mine struct {
		Sessions []mySession `json:"sessions"`
	}
	e.do(t, "GET", "/v1/me/sessions", tokFac, nil).JSON(t, &mine)
	if len(mine.Sessions) != 0 {
		t.Errorf("a demoted facilitator still lists %d sessions", len(mine.Sessions))
	}
	// The co-facilitator, still staff, keeps control — until removed.
	if r := e.do(t, "PATCH", path(s1, ""), tokCoFac, map[string]any{"title": "Co"}); r.Code != 200 {
		t.Fatalf("co-facilitator patch: %d %s", r.Code, r.Body)
	}
	setRole("u-cofac", "")
	e.do(t, "PATCH", path(s1, ""), tokCoFac, map[string]any{"title": "Gone"}).Problem(t, 404)

	// The admin: cancels, hands over, takes over; but does not run a
	// session that is not theirs.
	e.do(t, "PATCH", path(s2, ""), tokAdminA, map[string]any{"title": "Admin"}).Problem(t, 403)
	if r := e.do(t, "POST", path(s1, "/cancel"), tokAdminA, map[string]any{}); r.Code != 200 {
		t.Fatalf("admin cancels: %d %s", r.Code, r.Body)
	}
	e.do(t, "PUT", path(s1, "/owner"), tokAdminA, map[string]any{"uid": "u-admin-a"}).Problem(t, 409) // over
	for _, uid := range []string{"u-fac", "u-cofac", "u-part-1", "nobody", "../x"} {
		e.do(t, "PUT", path(s2, "/owner"), tokAdminA, map[string]any{"uid": uid}).Problem(t, 400)
	}
	e.do(t, "PUT", path(s2, "/owner"), tokPart1, map[string]any{"uid": "u-admin-a"}).Problem(t, 404)
	e.do(t, "PUT", path(s2, "/owner"), tokAdminB, map[string]any{"uid": "u-admin-b"}).Problem(t, 404)
	setRole("u-cofac", "educator")
	var got Session
	r := e.do(t, "PUT", path(s2, "/owner"), tokAdminA, map[string]any{"uid": "u-cofac"})
	if r.Code != 200 {
		t.Fatalf("hand over: %d %s", r.Code, r.Body)
	}
	r.JSON(t, &got)
	if got.Facilitator != "u-cofac" {
		t.Fatalf("owner %q", got.Facilitator)
	}
	if snap, err := e.fs.Doc("orgs/org-a/sessions/" + s2.ID + "/members/u-cofac").Get(ctx); err != nil || snap.Data()["role"] != "owner" {
		t.Errorf("new owner's membership: %v", err)
	}
	if _, err := e.fs.Doc("orgs/org-a/sessions/" + s2.ID + "/members/u-fac").Get(ctx); err == nil {
		t.Error("previous owner's membership kept")
	}
	if r := e.do(t, "POST", path(s2, "/invitations"), tokCoFac, map[string]any{"emails": []string{"p2@a.test"}}); r.Code != 200 {
		t.Errorf("new owner invites: %d %s", r.Code, r.Body)
	}
	// Staff other than admins and facilitators hand nothing over.
	e.do(t, "PUT", path(s3, "/owner"), tokCoFac, map[string]any{"uid": "u-cofac"}).Problem(t, 403)
	if r := e.do(t, "PUT", path(s3, "/owner"), tokAdminA, map[string]any{"uid": "u-admin-a"}); r.Code != 200 {
		t.Fatalf("admin takes over: %d %s", r.Code, r.Body)
	}
	cal, err := readCalendar(ctx, nil, e.fs.Doc("orgs/org-a/sessions/"+s3.ID))
	if err != nil || cal.OrganizerUID != "u-admin-a" || cal.OrganizerEmail != "admin-a@a.test" {
		t.Errorf("calendar organizer %+v %v", cal, err)
	}
	if r := e.do(t, "POST", path(s3, "/start"), tokAdminA, map[string]any{}); r.Code != 200 {
		t.Errorf("admin starts the session taken over: %d %s", r.Code, r.Body)
	}
	// Promoted back, the former owner has nothing of s2 or s3 (handed on).
	setRole("u-fac", "facilitator")
	e.do(t, "PATCH", path(s2, ""), tokFac, map[string]any{"title": "Back?"}).Problem(t, 403)
}

// User-triggered mail stops at the quota: the whole request is refused
// with 429 and Retry-After, and nothing is written or mailed.
func TestInvitationMailQuota(t *testing.T) {
	t.Parallel()
	e := schedEnv(t)
	now := time.Date(2030, 6, 3, 9, 20, 0, 0, time.UTC)
	e.deps.Now = func() time.Time { return now }
	e.deps.MailQuota = mail.NewQuota(e.fs, mail.Limit{Scope: mail.ScopeUser, Max: 4, Window: time.Hour},
		mail.Limit{Scope: mail.ScopeOrg, Max: 6, Window: 24 * time.Hour})
	var err error
	if e.h, err = New(e.deps); err != nil {
		t.Fatal(err)
	}
	s := schedCreate(t, e, map[string]any{"start_at": "2030-07-01T18:30"})
	path := "/v1/sessions/" + s.ID
	if r := e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"a@x.test", "b@x.test", "c@x.test"}}); r.Code != 200 {
		t.Fatalf("invite: %d %s", r.Code, r.Body)
	}
	sent := len(e.sent(t))
	r := e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"d@x.test", "e@x.test"}})
	r.Problem(t, 429)
	if got := r.Header.Get("Retry-After"); got != strconv.Itoa(40*60) {
		t.Errorf("Retry-After %q", got)
	}
	if len(e.sent(t)) != sent {
		t.Error("a refused request mailed")
	}
	if snaps, _ := e.fs.Collection("orgs/org-a/sessions/" + s.ID + "/invitations").Documents(context.Background()).GetAll(); len(snaps) != 3 {
		t.Errorf("%d invitations stored, want 3", len(snaps))
	}
	// Rescheduling mails the three invitees: over the quota, refused whole.
	e.do(t, "POST", path+"/reschedule", tokFac, map[string]any{"start_at": "2030-07-02T18:30"}).Problem(t, 429)
	var got Session
	e.do(t, "GET", path, tokFac, nil).JSON(t, &got)
	if got.Sequence != 0 {
		t.Errorf("a refused reschedule changed the session: sequence %d", got.Sequence)
	}
	// The next hour, the person may send again, up to the organisation's day.
	now = now.Add(time.Hour)
	if r := e.do(t, "POST", path+"/invitations", tokFac, map[string]any{"emails": []string{"d@x.test", "e@x.test"}}); r.Code != 200 {
		t.Fatalf("next hour: %d %s", r.Code, r.Body)
	}
	r = e.do(t, "POST", path+"/invitations", tokCoFac, map[string]any{"emails": []string{"f@x.test", "g@x.test"}})
	if r.Code != 403 { // not a facilitator of this session: refused before any quota
		r.Problem(t, 429)
	}
	s2 := schedCreate(t, e, map[string]any{"start_at": "2030-07-01T18:30", "co_facilitators": []string{"u-cofac"}})
	e.do(t, "POST", "/v1/sessions/"+s2.ID+"/invitations", tokCoFac, map[string]any{"emails": []string{"f@x.test", "g@x.test"}}).Problem(t, 429)
	// Cancelling is never held back by the quota.
	if r := e.do(t, "POST", path+"/cancel", tokFac, nil); r.Code != 200 {
		t.Fatalf("cancel over quota: %d %s", r.Code, r.Body)
	}
}
