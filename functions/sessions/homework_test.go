package sessions

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
)

func homeworkURL(sid string, rest ...string) string {
	u := "/v1/sessions/" + sid + "/homework"
	for _, r := range rest {
		u += "/" + r
	}
	return u
}

// homeworkAssign assigns one item and returns it.
func homeworkAssign(t *testing.T, e *env, sid string, body map[string]any) []homework {
	t.Helper()
	r := e.do(t, "POST", homeworkURL(sid), tokFac, body)
	if r.Code != 201 {
		t.Fatalf("assign: %d %s", r.Code, r.Body)
	}
	var out struct{ Homework []homework }
	r.JSON(t, &out)
	return out.Homework
}

func homeworkList(t *testing.T, e *env, path, tok string) homeworkPage {
	t.Helper()
	r := e.do(t, "GET", path, tok, nil)
	if r.Code != 200 {
		t.Fatalf("GET %s as %s: %d %s", path, tok, r.Code, r.Body)
	}
	var p homeworkPage
	r.JSON(t, &p)
	return p
}

func homeworkSession(t *testing.T, e *env, status string) string {
	t.Helper()
	return e.seedSession(t, seedOpts{Status: status, Participants: map[string]string{
		"u-part-1": "", "u-part-2": PartLeft, "u-part-b": PartInvited, "u-gone": PartRemoved}})
}

func TestHomeworkAssignAndVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := homeworkSession(t, e, StatusEnded)
	h1 := homeworkAssign(t, e, sid, map[string]any{"uid": "u-part-1", "title": "  Notice one moment of calm  ",
		"due": "2031-05-04", "notes": "Write it down.\nTwo lines."})
	if len(h1) != 1 || h1[0].Title != "Notice one moment of calm" || h1[0].Status != "open" || h1[0].Due != "2031-05-04" ||
		h1[0].SessionID != sid || h1[0].Org != "org-a" || h1[0].UID != "u-part-1" {
		t.Fatalf("assigned %+v", h1)
	}
	all := homeworkAssign(t, e, sid, map[string]any{"all": true, "title": "Pick a card for tomorrow", "due": "2031-05-04T18:00:00+02:00"})
	var uids []string
	for _, h := range all {
		uids = append(uids, h.UID)
		if h.Due != "2031-05-04T16:00:00Z" {
			t.Errorf("due %q, want UTC", h.Due)
		}
	}
	slices.Sort(uids)
	if !slices.Equal(uids, []string{"u-part-1", "u-part-2", "u-part-b"}) {
		t.Fatalf("all: %v (removed people get none)", uids)
	}
	several := homeworkAssign(t, e, sid, map[string]any{"uids": []string{"u-part-2", "u-part-b"}, "title": "Share one insight"})
	if len(several) != 2 {
		t.Fatalf("uids: %+v", several)
	}
	if ev := e.events.Of(events.TypeSessionHomeworkChanged); len(ev) != 6 ||
		apitest.Payload[events.SessionHomeworkChanged](t, ev[0]).Change != "assigned" {
		t.Errorf("events %+v", ev)
	}

	// Facilitators see everything, and filter.
	for _, tok := range []string{tokFac, tokCoFac} {
		if p := homeworkList(t, e, homeworkURL(sid), tok); len(p.Homework) != 6 {
			t.Errorf("%s sees %d items", tok, len(p.Homework))
		}
	}
	if p := homeworkList(t, e, homeworkURL(sid)+"?uid=u-part-b", tokFac); len(p.Homework) != 2 {
		t.Errorf("uid filter: %d", len(p.Homework))
	}
	if p := homeworkList(t, e, homeworkURL(sid)+"?uid=u-part-1&status=open", tokFac); len(p.Homework) != 2 {
		t.Errorf("uid+status filter: %d", len(p.Homework))
	}
	// Participants see only their own, never anyone else's.
	for tok, uid := range map[string]string{tokPart1: "u-part-1", tokPartB: "u-part-b", tokPart2: "u-part-2"} {
		r := e.do(t, "GET", homeworkURL(sid), tok, nil)
		var p homeworkPage
		r.JSON(t, &p)
		if len(p.Homework) != 2 {
			t.Errorf("%s sees %d items", tok, len(p.Homework))
		}
		for _, other := range []string{"u-part-1", "u-part-2", "u-part-b"} {
			if other != uid && bytes.Contains(r.Body, []byte(other)) {
				t.Errorf("%s sees %s's homework: %s", tok, other, r.Body)
			}
		}
		e.do(t, "GET", homeworkURL(sid)+"?uid=u-gone", tok, nil).Problem(t, 403)
	}
	// Org staff are not part of it; other organisations do not see it exist.
	e.do(t, "GET", homeworkURL(sid), tokAdminA, nil).Problem(t, 403)
	e.do(t, "PATCH", homeworkURL(sid, h1[0].ID), tokAdminA, map[string]any{"status": "done"}).Problem(t, 404)
	for _, tok := range []string{tokAdminB, tokFacB, tokPart3} {
		e.do(t, "GET", homeworkURL(sid), tok, nil).Problem(t, 404)
		e.do(t, "POST", homeworkURL(sid), tok, map[string]any{"uid": "u-part-1", "title": "x"}).Problem(t, 404)
		e.do(t, "PATCH", homeworkURL(sid, h1[0].ID), tok, map[string]any{"status": "done"}).Problem(t, 404)
		e.do(t, "DELETE", homeworkURL(sid, h1[0].ID), tok, nil).Problem(t, 404)
	}
	// Participants do not assign.
	e.do(t, "POST", homeworkURL(sid), tokPart1, map[string]any{"uid": "u-part-1", "title": "x"}).Problem(t, 403)
	e.do(t, "DELETE", homeworkURL(sid, h1[0].ID), tokPart1, nil).Problem(t, 403)
}

func TestHomeworkBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := homeworkSession(t, e, StatusLive)
	cancelled := homeworkSession(t, e, StatusCancelled)
	lonely := e.seedSession(t, seedOpts{Status: StatusEnded})
	cases := []struct {
		name   string
		sid    string
		body   any
		code   int
		fields []string
	}{
		{"nobody", sid, map[string]any{"title": "x"}, 400, []string{"uid"}},
		{"uid and all", sid, map[string]any{"uid": "u-part-1", "all": true, "title": "x"}, 400, []string{"uid"}},
		{"empty uids", sid, map[string]any{"uids": []string{}, "title": "x"}, 400, []string{"uids"}},
		{"repeated uid", sid, map[string]any{"uids": []string{"u-part-1", "u-part-1"}, "title": "x"}, 400, []string{"uids[1]"}},
		{"bad uid", sid, map[string]any{"uids": []string{"u-part-1", "a/b"}, "title": "x"}, 400, []string{"uids[1]"}},
		{"no title", sid, map[string]any{"uid": "u-part-1", "title": "   "}, 400, []string{"title"}},
		{"long title", sid, map[string]any{"uid": "u-part-1", "title": strings.Repeat("é", 201)}, 400, []string{"title"}},
		{"control title", sid, map[string]any{"uid": "u-part-1", "title": "a\nb"}, 400, []string{"title"}},
		{"long notes", sid, map[string]any{"uid": "u-part-1", "title": "x", "notes": strings.Repeat("n", 2001)}, 400, []string{"notes"}},
		{"bad due", sid, map[string]any{"uid": "u-part-1", "title": "x", "due": "next week"}, 400, []string{"due"}},
		{"bad date", sid, map[string]any{"uid": "u-part-1", "title": "x", "due": "2031-02-30"}, 400, []string{"due"}},
		{"unknown field", sid, map[string]any{"uid": "u-part-1", "title": "x", "owner": "me"}, 400, []string{"owner"}},
		{"wrong type", sid, `{"uid":"u-part-1","title":7}`, 400, []string{"title"}},
		{"not a participant", sid, map[string]any{"uid": "u-part-3", "title": "x"}, 422, []string{"uid"}},
		{"removed", sid, map[string]any{"uid": "u-gone", "title": "x"}, 422, []string{"uid"}},
		{"some strangers", sid, map[string]any{"uids": []string{"u-part-1", "u-x", "u-gone"}, "title": "x"}, 422, []string{"uids[1]", "uids[2]"}},
		{"all of nobody", lonely, map[string]any{"all": true, "title": "x"}, 422, []string{"all"}},
		{"cancelled", cancelled, map[string]any{"uid": "u-part-1", "title": "x"}, 409, nil},
	}
	for _, c := range cases {
		r := e.do(t, "POST", homeworkURL(c.sid), tokFac, c.body)
		r.Problem(t, c.code)
		if got := breakoutFields(t, r); c.fields != nil && !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
	snaps, err := e.fs.CollectionGroup("homework").Documents(context.Background()).GetAll()
	if err != nil || len(snaps) != 0 {
		t.Fatalf("bad requests wrote %d items (%v)", len(snaps), err)
	}
	h := homeworkAssign(t, e, sid, map[string]any{"uid": "u-part-1", "title": "x"})[0]
	for _, c := range []struct {
		body   any
		code   int
		fields []string
	}{
		{map[string]any{}, 400, []string{"(body)"}},
		{map[string]any{"status": "finished"}, 400, []string{"status"}},
		{map[string]any{"title": ""}, 400, []string{"title"}},
		{map[string]any{"due": "tomorrow"}, 400, []string{"due"}},
		{map[string]any{"notes": strings.Repeat("n", 2001)}, 400, []string{"notes"}},
		{map[string]any{"uid": "u-part-3"}, 422, []string{"uid"}},
		{`{"status":`, 400, nil},
	} {
		r := e.do(t, "PATCH", homeworkURL(sid, h.ID), tokFac, c.body)
		r.Problem(t, c.code)
		if got := breakoutFields(t, r); c.fields != nil && !slices.Equal(got, c.fields) {
			t.Errorf("%v: fields %v, want %v", c.body, got, c.fields)
		}
	}
	e.do(t, "PATCH", homeworkURL(sid, "nope"), tokFac, map[string]any{"status": "done"}).Problem(t, 404)
	e.do(t, "DELETE", homeworkURL(sid, "nope"), tokFac, nil).Problem(t, 404)
	e.do(t, "GET", homeworkURL(sid)+"?status=later", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", homeworkURL(sid)+"?uid=a%2Fb", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", homeworkURL(sid)+"?page_token=!!", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", "/v1/me/homework?page_token=b3Jncy94", tokPart1, nil).Problem(t, 400)
	e.do(t, "GET", "/v1/me/homework?status=x", tokPart1, nil).Problem(t, 400)
	e.do(t, "GET", "/v1/me/homework", "", nil).Problem(t, 401)
}

func TestHomeworkPatchAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sid := homeworkSession(t, e, StatusEnded)
	h := homeworkAssign(t, e, sid, map[string]any{"uid": "u-part-1", "title": "Walk", "notes": "slowly"})[0]
	other := homeworkAssign(t, e, sid, map[string]any{"uid": "u-part-2", "title": "Read"})[0]
	patch := func(tok, id string, body any, code int) homework {
		t.Helper()
		r := e.do(t, "PATCH", homeworkURL(sid, id), tok, body)
		if code != 200 {
			r.Problem(t, code)
			return homework{}
		}
		var got homework
		if r.Code != 200 {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		r.JSON(t, &got)
		return got
	}
	// The owner changes status and notes, nothing else.
	got := patch(tokPart1, h.ID, map[string]any{"status": "in_progress", "notes": "walked twice"}, 200)
	if got.Status != "in_progress" || got.Notes != "walked twice" || got.Title != "Walk" {
		t.Fatalf("patched %+v", got)
	}
	patch(tokPart1, h.ID, map[string]any{"title": "Run"}, 403)
	patch(tokPart1, h.ID, map[string]any{"due": "2031-01-01"}, 403)
	patch(tokPart1, other.ID, map[string]any{"status": "done"}, 404) // someone else's: it does not exist
	// Dropped stays dropped unless a facilitator reopens it.
	patch(tokPart1, h.ID, map[string]any{"status": "dropped"}, 200)
	patch(tokPart1, h.ID, map[string]any{"status": "open"}, 403)
	patch(tokPart1, h.ID, map[string]any{"notes": "still dropped"}, 200)
	got = patch(tokCoFac, h.ID, map[string]any{"status": "open", "title": "Walk far", "due": "2031-06-01", "uid": "u-part-b"}, 200)
	if got.Status != "open" || got.Title != "Walk far" || got.Due != "2031-06-01" || got.UID != "u-part-b" {
		t.Fatalf("facilitator patch %+v", got)
	}
	// Reassigned: the former owner no longer sees it, the new one does.
	patch(tokPart1, h.ID, map[string]any{"status": "done"}, 404)
	patch(tokPartB, h.ID, map[string]any{"status": "done"}, 200)
	got = patch(tokFac, h.ID, map[string]any{"due": ""}, 200)
	if got.Due != "" {
		t.Errorf("due not cleared: %+v", got)
	}
	var updated int
	for _, ev := range e.events.Of(events.TypeSessionHomeworkChanged) {
		if apitest.Payload[events.SessionHomeworkChanged](t, ev).Change == "updated" {
			updated++
		}
	}
	if updated != 6 {
		t.Errorf("%d updated events, want 6", updated)
	}
	// Delete.
	if r := e.do(t, "DELETE", homeworkURL(sid, h.ID), tokFac, nil); r.Code != 204 {
		t.Fatalf("delete %d %s", r.Code, r.Body)
	}
	patch(tokFac, h.ID, map[string]any{"status": "done"}, 404)
	e.do(t, "DELETE", homeworkURL(sid, h.ID), tokFac, nil).Problem(t, 404)
	if ev := e.events.Of(events.TypeSessionHomeworkChanged); apitest.Payload[events.SessionHomeworkChanged](t, ev[len(ev)-1]).Change != "deleted" {
		t.Errorf("last event %+v", ev[len(ev)-1])
	}
	// A cancelled session's homework is frozen.
	if _, err := e.fs.Doc("orgs/org-a/sessions/"+sid).Update(context.Background(),
		[]firestore.Update{{Path: "status", Value: StatusCancelled}}); err != nil {
		t.Fatal(err)
	}
	patch(tokFac, other.ID, map[string]any{"status": "done"}, 409)
	e.do(t, "DELETE", homeworkURL(sid, other.ID), tokFac, nil).Problem(t, 409)
	if p := homeworkList(t, e, homeworkURL(sid), tokPart2); len(p.Homework) != 1 {
		t.Errorf("cancelled session's homework still listed: %+v", p)
	}
}

func TestHomeworkMineAcrossSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a1 := homeworkSession(t, e, StatusEnded)
	b1 := e.seedSession(t, seedOpts{Org: "org-b", Status: StatusLive, Participants: map[string]string{"u-part-b": ""}})
	// The seeded owner facilitates for org-b too.
	if _, err := e.fs.Doc("orgs/org-b/members/u-fac").Set(ctx, map[string]any{"role": "facilitator"}); err != nil {
		t.Fatal(err)
	}
	homeworkAssign(t, e, a1, map[string]any{"uid": "u-part-b", "title": "From org a"})
	homeworkAssign(t, e, b1, map[string]any{"uid": "u-part-b", "title": "From org b"})
	homeworkAssign(t, e, a1, map[string]any{"uid": "u-part-1", "title": "Not yours"})
	p := homeworkList(t, e, "/v1/me/homework", tokPartB)
	if len(p.Homework) != 2 || p.NextPageToken != "" {
		t.Fatalf("mine: %+v", p)
	}
	where := map[string]string{}
	for _, h := range p.Homework {
		where[h.Title] = h.Org + "/" + h.SessionID
		if h.UID != "u-part-b" {
			t.Errorf("someone else's item %+v", h)
		}
	}
	if where["From org a"] != "org-a/"+a1 || where["From org b"] != "org-b/"+b1 {
		t.Errorf("where %v", where)
	}
	if p := homeworkList(t, e, "/v1/me/homework?status=done", tokPartB); len(p.Homework) != 0 {
		t.Errorf("status filter: %+v", p)
	}
	if p := homeworkList(t, e, "/v1/me/homework", tokAdminB); len(p.Homework) != 0 {
		t.Errorf("admin-b sees %+v", p)
	}

	// Pages of 20, newest first, across sessions.
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for i := range 41 {
		sid := a1
		if i%2 == 1 {
			sid = b1
		}
		org := map[bool]string{true: "org-a", false: "org-b"}[sid == a1]
		h := homework{SessionID: sid, Org: org, UID: "u-part-3", Title: fmt.Sprintf("item %02d", i), Status: HomeworkOpen,
			CreatedAt: base.Add(time.Duration(i) * time.Minute), UpdatedAt: base}
		if _, err := e.fs.Doc(fmt.Sprintf("orgs/%s/sessions/%s/homework/h%02d", org, sid, i)).Set(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	var titles []string
	tok := ""
	for range 5 {
		p := homeworkList(t, e, "/v1/me/homework?page_token="+tok, tokPart3)
		for _, h := range p.Homework {
			titles = append(titles, h.Title)
		}
		if tok = p.NextPageToken; tok == "" {
			break
		}
	}
	if len(titles) != 41 || titles[0] != "item 40" || titles[40] != "item 00" {
		t.Errorf("pages: %v", titles)
	}
	// Another person's cursor is refused.
	first := homeworkList(t, e, "/v1/me/homework", tokPart3)
	e.do(t, "GET", "/v1/me/homework?page_token="+first.NextPageToken, tokPart1, nil).Problem(t, 400)
	// The session list pages the same way.
	sp := homeworkList(t, e, homeworkURL(a1)+"?uid=u-part-3", tokFac)
	next := homeworkList(t, e, homeworkURL(a1)+"?uid=u-part-3&page_token="+sp.NextPageToken, tokFac)
	if len(sp.Homework) != 20 || len(next.Homework) != 1 || next.NextPageToken != "" || next.Homework[0].Title != "item 00" {
		t.Errorf("session pages %d + %d", len(sp.Homework), len(next.Homework))
	}
}
