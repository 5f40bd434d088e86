package sessions

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"
)

// sessionReads counts the lookups of session documents: outside any
// transaction, and in each transaction (an attempt) by id.
type sessionReads struct {
	mu      sync.Mutex
	outside map[string]int            // session path -> reads
	inTx    map[string]map[string]int // session path -> transaction -> reads
	// onTx, when set, runs on the first read of a session in each
	// transaction.
	onTx func(path string)
}

func (c *sessionReads) read(name, tx string) {
	_, path, ok := strings.Cut(name, "/documents/")
	parts := strings.Split(path, "/")
	if !ok || len(parts) != 4 || parts[0] != collOrgs || parts[2] != collSessions {
		return // not a session document
	}
	c.mu.Lock()
	if c.outside == nil {
		c.outside, c.inTx = map[string]int{}, map[string]map[string]int{}
	}
	first := false
	if tx == "" {
		c.outside[path]++
	} else {
		if c.inTx[path] == nil {
			c.inTx[path] = map[string]int{}
		}
		c.inTx[path][tx]++
		first = c.inTx[path][tx] == 1
	}
	hook := c.onTx
	c.mu.Unlock()
	if first && hook != nil {
		hook(path)
	}
}

// of returns the reads of session path outside transactions and per
// transaction, and forgets them.
func (c *sessionReads) of(path string) (outside int, perTx []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	outside = c.outside[path]
	for _, n := range c.inTx[path] {
		perTx = append(perTx, n)
	}
	delete(c.outside, path)
	delete(c.inTx, path)
	return outside, perTx
}

// Every write route of a session loads it in its transaction, and only
// there: one read of the session document per transaction attempt, none
// outside (an answer of 404 or 403 comes from the same read).
func TestWriteRoutesReadTheSessionOncePerAttempt(t *testing.T) {
	t.Parallel()
	reads := &sessionReads{}
	e := newEnvWith(t, fsemu.Options{OnRead: reads.read})
	drawSeedLibrary(t, e, drawDeck("deck-a", 10))
	ctx := context.Background()
	future := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	scheduled := func(t *testing.T) string {
		return e.seedSession(t, seedOpts{Participants: map[string]string{"u-part-1": ""}})
	}
	live := func(t *testing.T) string {
		return e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{
			"u-part-1": "", "u-part-2": "", "u-part-3": "", "u-part-b": ""}})
	}
	// created calls the API for a fixture and returns the "id" it answers.
	created := func(t *testing.T, method, path, tok string, body any) string {
		t.Helper()
		r := e.do(t, method, path, tok, body)
		if r.Code >= 300 {
			t.Fatalf("fixture %s %s: %d %s", method, path, r.Code, r.Body)
		}
		var v struct {
			ID          string       `json:"id"`
			Invitations []Invitation `json:"invitations"`
			Homework    []homework   `json:"homework"`
		}
		r.JSON(t, &v)
		switch {
		case len(v.Invitations) > 0:
			return v.Invitations[0].ID
		case len(v.Homework) > 0:
			return v.Homework[0].ID
		}
		return v.ID
	}
	draw := func(t *testing.T, sid, mode string) string {
		return created(t, "POST", "/v1/sessions/"+sid+"/draws", tokFac, map[string]any{"mode": mode, "deck_id": "deck-a"})
	}
	round := func(t *testing.T, sid string) string {
		return created(t, "POST", "/v1/sessions/"+sid+"/breakouts", tokFac, map[string]any{"strategy": "random"})
	}
	hw := func(t *testing.T, sid string) string {
		return created(t, "POST", "/v1/sessions/"+sid+"/homework", tokFac, map[string]any{"uid": "u-part-1", "title": "Read"})
	}
	type call struct {
		tok  string
		rest string // after /v1/sessions/{id}
		body any
		code int
	}
	cases := map[string]func(t *testing.T) (string, call){
		"PATCH /v1/sessions/{sessionId}": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokFac, "", map[string]any{"title": "New"}, 200}
		},
		"POST /v1/sessions/{sessionId}/reschedule": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokFac, "/reschedule", map[string]any{"start_at": future}, 200}
		},
		"POST /v1/sessions/{sessionId}/cancel": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokAdminA, "/cancel", nil, 200}
		},
		"PUT /v1/sessions/{sessionId}/owner": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokAdminA, "/owner", map[string]any{"uid": "u-admin-a"}, 200}
		},
		"POST /v1/sessions/{sessionId}/invitations": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokFac, "/invitations", map[string]any{"emails": []string{"new@a.test"}}, 200}
		},
		"DELETE /v1/sessions/{sessionId}/invitations/{inviteId}": func(t *testing.T) (string, call) {
			sid := scheduled(t)
			id := created(t, "POST", "/v1/sessions/"+sid+"/invitations", tokFac, map[string]any{"emails": []string{"new@a.test"}})
			return sid, call{tokFac, "/invitations/" + id, nil, 204}
		},
		"POST /v1/sessions/{sessionId}/join": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokPart1, "/join", nil, 200} // a rejoin
		},
		"POST /v1/sessions/{sessionId}/leave": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokPart1, "/leave", nil, 200}
		},
		"DELETE /v1/sessions/{sessionId}/participants/{uid}": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokFac, "/participants/u-part-1", nil, 204}
		},
		"POST /v1/sessions/{sessionId}/start": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokFac, "/start", nil, 200}
		},
		"POST /v1/sessions/{sessionId}/advance": func(t *testing.T) (string, call) {
			return live(t), call{tokFac, "/advance", map[string]any{"direction": "next", "from_step": 0}, 200}
		},
		"POST /v1/sessions/{sessionId}/end": func(t *testing.T) (string, call) {
			return live(t), call{tokFac, "/end", nil, 200}
		},
		"POST /v1/sessions/{sessionId}/draws": func(t *testing.T) (string, call) {
			return live(t), call{tokFac, "/draws", map[string]any{"mode": "face_down", "deck_id": "deck-a"}, 201}
		},
		"POST /v1/sessions/{sessionId}/draws/{drawId}/picks": func(t *testing.T) (string, call) {
			sid := live(t)
			return sid, call{tokPart1, "/draws/" + draw(t, sid, "face_down") + "/picks", nil, 201}
		},
		"POST /v1/sessions/{sessionId}/draws/{drawId}/reveal": func(t *testing.T) (string, call) {
			sid := live(t)
			return sid, call{tokFac, "/draws/" + draw(t, sid, "face_down") + "/reveal", map[string]any{"all": true}, 200}
		},
		"POST /v1/sessions/{sessionId}/draws/{drawId}/close": func(t *testing.T) (string, call) {
			sid := live(t)
			return sid, call{tokFac, "/draws/" + draw(t, sid, "face_down") + "/close", nil, 200}
		},
		"POST /v1/sessions/{sessionId}/breakouts": func(t *testing.T) (string, call) {
			return live(t), call{tokFac, "/breakouts", map[string]any{"strategy": "random"}, 201}
		},
		"POST /v1/sessions/{sessionId}/breakouts/{breakoutId}/extend": func(t *testing.T) (string, call) {
			sid := live(t)
			return sid, call{tokFac, "/breakouts/" + round(t, sid) + "/extend", map[string]any{"minutes": 5}, 200}
		},
		"POST /v1/sessions/{sessionId}/breakouts/{breakoutId}/move": func(t *testing.T) (string, call) {
			sid := live(t)
			return sid, call{tokFac, "/breakouts/" + round(t, sid) + "/move", map[string]any{"uid": "u-part-1", "to_room": mainRoomID}, 200}
		},
		"POST /v1/sessions/{sessionId}/breakouts/{breakoutId}/close": func(t *testing.T) (string, call) {
			sid := live(t)
			return sid, call{tokFac, "/breakouts/" + round(t, sid) + "/close", nil, 200}
		},
		"POST /v1/sessions/{sessionId}/homework": func(t *testing.T) (string, call) {
			return scheduled(t), call{tokFac, "/homework", map[string]any{"uid": "u-part-1", "title": "Read"}, 201}
		},
		"PATCH /v1/sessions/{sessionId}/homework/{homeworkId}": func(t *testing.T) (string, call) {
			sid := scheduled(t)
			return sid, call{tokPart1, "/homework/" + hw(t, sid), map[string]any{"status": HomeworkDone}, 200}
		},
		"DELETE /v1/sessions/{sessionId}/homework/{homeworkId}": func(t *testing.T) (string, call) {
			sid := scheduled(t)
			return sid, call{tokFac, "/homework/" + hw(t, sid), nil, 204}
		},
	}
	// Every write route of a session is here.
	for _, rt := range Routes() {
		key := rt.Method + " " + rt.Path
		if rt.Method != "GET" && strings.HasPrefix(rt.Path, "/v1/sessions/{sessionId}") && cases[key] == nil {
			t.Errorf("%s: no read count", key)
		}
	}
	check := func(t *testing.T, label, sid string, wantAttempts int) {
		t.Helper()
		outside, perTx := reads.of("orgs/org-a/sessions/" + sid)
		if outside != 0 {
			t.Errorf("%s: %d reads of the session outside a transaction", label, outside)
		}
		if len(perTx) != wantAttempts {
			t.Errorf("%s: the session was read in %d transaction(s), want %d", label, len(perTx), wantAttempts)
		}
		for _, n := range perTx {
			if n != 1 {
				t.Errorf("%s: %d reads of the session in one transaction attempt, want 1", label, n)
			}
		}
	}
	for key, setup := range cases {
		t.Run(key, func(t *testing.T) {
			sid, c := setup(t)
			reads.of("orgs/org-a/sessions/" + sid) // forget the fixture's reads
			method, _, _ := strings.Cut(key, " ")
			if r := e.do(t, method, "/v1/sessions/"+sid+c.rest, c.tok, c.body); r.Code != c.code {
				t.Fatalf("%d %s, want %d", r.Code, r.Body, c.code)
			}
			check(t, key, sid, 1)
			// A caller with no part in the session is told 404 from the
			// same single read.
			e.do(t, method, "/v1/sessions/"+sid+c.rest, tokAdminB, c.body).Problem(t, 404)
			check(t, key+" (stranger)", sid, 1)
		})
	}

	// An attempt that lost to a concurrent write is retried: each attempt
	// reads the session once.
	t.Run("retried", func(t *testing.T) {
		sid := scheduled(t)
		path := "orgs/org-a/sessions/" + sid
		var once sync.Once
		reads.mu.Lock()
		reads.onTx = func(p string) {
			if p == path {
				once.Do(func() {
					if _, err := e.fs.Doc(p).Update(ctx, []firestore.Update{{Path: "description", Value: "changed meanwhile"}}); err != nil {
						t.Error(err)
					}
				})
			}
		}
		reads.mu.Unlock()
		if r := e.do(t, "PATCH", "/v1/sessions/"+sid, tokFac, map[string]any{"title": "Retried"}); r.Code != 200 {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		check(t, "retried PATCH", sid, 2)
	})
}
