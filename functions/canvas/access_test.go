package canvas

import (
	"context"
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/consentvault"
)

// TestAccessFollowsTheRule walks canvases of every kind with every kind of
// caller: the role each gets (or 404) comes from canvas.Decide over their
// current membership and part in the session, never from the token.
func TestAccessFollowsTheRule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	private := e.create(facA, map[string]any{"title": "Private plan"})
	shared := e.create(facA, map[string]any{"title": "Shared plan", "visibility": "shared"})
	e.do("PUT", "/v1/canvases/"+shared.ID+"/shares/"+uid(partA2), facA, map[string]any{"role": "viewer"}).Want(t, 200)
	e.do("PUT", "/v1/canvases/"+shared.ID+"/shares/"+uid(adminA), facA, map[string]any{"role": "editor"}).Want(t, 200)
	expired := e.create(facA, map[string]any{"title": "Expiring", "visibility": "shared"})
	e.do("PUT", "/v1/canvases/"+expired.ID+"/shares/"+uid(partA2), facA, map[string]any{"role": "editor", "expires_at": time.Now().Add(time.Hour)}).Want(t, 200)
	if _, err := e.fs.Doc("orgs/"+orgA+"/canvases/"+expired.ID).Update(ctx, []firestore.Update{{FieldPath: firestore.FieldPath{"shares", uid(partA2), "expires_at"}, Value: time.Now().Add(-time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	group := e.create(facA, map[string]any{"title": "Group canvas", "session_id": sessionA, "visibility": "shared", "session_role": "editor"})
	// A participant's own canvas in the session, shared: its facilitator
	// sees it only with the participant's facilitator_visibility consent.
	mine := e.create(partA, map[string]any{"title": "My notes", "session_id": sessionA, "visibility": "shared"})
	theirs := e.create(partB, map[string]any{"title": "Their notes", "session_id": sessionA, "visibility": "shared"})
	e.consent.Grant(uid(partB), string(consentvault.FacilitatorVisibility))
	// A canvas of someone no longer in the organisation.
	if _, err := e.fs.Doc("orgs/"+orgA+"/members/"+uid(removed)).Set(ctx, map[string]any{"role": "facilitator"}); err != nil {
		t.Fatal(err)
	}
	gone := e.create(removed, map[string]any{"title": "Left behind"})
	if _, err := e.fs.Doc("orgs/" + orgA + "/members/" + uid(removed)).Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if theirs.Org != orgA {
		t.Fatalf("a session canvas of a participant of org B lives in %q, want the session's organisation", theirs.Org)
	}

	cases := []struct {
		name   string
		canvas View
		tok    string
		want   int
		role   string
	}{
		{"owner of a private canvas", private, facA, 200, "owner"},
		{"colleague on a private canvas", private, adminA, 404, ""},
		{"other organisation on a private canvas", private, facB, 404, ""},
		{"signed in without organisation", private, stranger, 404, ""},
		{"viewer share", shared, partA2, 200, "viewer"},
		{"editor share", shared, adminA, 200, "editor"},
		{"not shared with", shared, partA, 404, ""},
		{"expired share", expired, partA2, 404, ""},
		{"session participant, session role editor", group, partA, 200, "editor"},
		{"session participant of another organisation", group, partB, 200, "editor"},
		{"member outside the session", group, partA2, 404, ""},
		{"other organisation's facilitator", group, facB, 404, ""},
		{"facilitator, participant did not consent", mine, facA, 404, ""},
		{"facilitator, participant consented", theirs, facA, 200, "viewer"},
		{"participant on another participant's canvas", mine, partB, 404, ""},
		{"owner removed from the organisation", gone, removed, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", "/v1/canvases/"+c.canvas.ID, c.tok, nil)
			if r.Code != c.want {
				t.Fatalf("GET: %s, want %d", r, c.want)
			}
			if c.want != 200 {
				r.Problem(t, c.want)
				return
			}
			var v View
			r.JSON(t, &v)
			if v.Role != c.role {
				t.Errorf("role %q, want %q", v.Role, c.role)
			}
			if v.Role != "owner" && len(v.Shares) > 0 {
				t.Errorf("a %s sees the shares: %v", v.Role, v.Shares)
			}
		})
	}

	// What a role allows.
	rights := []struct {
		name, method, path, tok string
		body                    any
		want                    int
	}{
		{"viewer cannot rename", "PATCH", "/v1/canvases/" + shared.ID, partA2, map[string]any{"title": "x"}, http.StatusForbidden},
		{"editor cannot rename", "PATCH", "/v1/canvases/" + shared.ID, adminA, map[string]any{"title": "x"}, http.StatusForbidden},
		{"editor cannot share", "PUT", "/v1/canvases/" + shared.ID + "/shares/" + uid(partA), adminA, map[string]any{"role": "viewer"}, http.StatusForbidden},
		{"viewer cannot snapshot", "POST", "/v1/canvases/" + shared.ID + "/versions", partA2, map[string]any{}, http.StatusForbidden},
		{"viewer cannot restore an element", "POST", "/v1/canvases/" + shared.ID + "/trash/x/restore", partA2, nil, http.StatusForbidden},
		{"viewer cannot delete", "DELETE", "/v1/canvases/" + shared.ID, partA2, nil, http.StatusForbidden},
		{"viewer lists versions", "GET", "/v1/canvases/" + shared.ID + "/versions", partA2, nil, http.StatusOK},
		{"viewer lists the trash", "GET", "/v1/canvases/" + shared.ID + "/trash", partA2, nil, http.StatusOK},
		{"outsider cannot export", "POST", "/v1/canvases/" + shared.ID + "/exports", facB, map[string]any{"format": "json"}, http.StatusNotFound},
		{"outsider cannot share", "PUT", "/v1/canvases/" + private.ID + "/shares/" + uid(facB), facB, map[string]any{"role": "editor"}, http.StatusNotFound},
	}
	for _, c := range rights {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, c.path, c.tok, c.body)
			if r.Code != c.want {
				t.Fatalf("%s %s: %s, want %d", c.method, c.path, r, c.want)
			}
			if c.want >= 400 {
				r.Problem(t, c.want)
			}
		})
	}

	// Listings show exactly what GET allows.
	lists := []struct {
		name, tok, query string
		want             []string
	}{
		{"own and shared", partA2, "", []string{shared.ID}},
		{"owner's own", facA, "", []string{private.ID, shared.ID, expired.ID, group.ID}},
		{"session as its facilitator", facA, "?session_id=" + sessionA, []string{group.ID, theirs.ID}},
		{"session as a participant of another organisation", partB, "?session_id=" + sessionA, []string{group.ID, theirs.ID}},
		{"session as an outsider", facB, "?session_id=" + sessionA, nil},
		{"no such session", facA, "?session_id=nothing", nil},
		{"colleague outside the session", partA2, "?session_id=" + sessionA, []string{}},
	}
	for _, c := range lists {
		t.Run("list "+c.name, func(t *testing.T) {
			r := e.do("GET", "/v1/canvases"+c.query, c.tok, nil)
			if c.want == nil {
				r.Problem(t, http.StatusNotFound)
				return
			}
			var l ListResponse
			r.Want(t, 200).JSON(t, &l)
			got := map[string]bool{}
			for _, v := range l.Canvases {
				got[v.ID] = true
			}
			if len(got) != len(c.want) {
				t.Errorf("listed %v, want %v", got, c.want)
			}
			for _, id := range c.want {
				if !got[id] {
					t.Errorf("%s missing from %v", id, got)
				}
			}
		})
	}

	// Unsharing takes effect at once; the trash takes the canvas from everyone.
	e.do("DELETE", "/v1/canvases/"+shared.ID+"/shares/"+uid(partA2), facA, nil).Want(t, 200)
	e.do("GET", "/v1/canvases/"+shared.ID, partA2, nil).Want(t, 404)
	e.do("DELETE", "/v1/canvases/"+shared.ID, facA, nil).Want(t, 204)
	e.do("GET", "/v1/canvases/"+shared.ID, facA, nil).Want(t, 404)
	e.do("GET", "/v1/canvases/"+shared.ID, adminA, nil).Want(t, 404)
}
