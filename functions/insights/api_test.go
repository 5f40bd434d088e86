package insights

import (
	"net/http"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/insights"
)

// TestAccess: the session's facilitator only; its participants and the
// organisation's other staff, who know the session, get 403; everyone
// else 404, as does an unknown session.
func TestAccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	const sid = "s-access"
	w.session(sid, time.Now().Add(-time.Minute), []string{uid(partA)}, "pause")
	paths := []string{"/live", "/retrospective", "/retrospective.pdf"}
	for _, p := range paths {
		w.do("GET", "/v1/sessions/"+sid+p, facA, nil).Want(t, http.StatusOK)
	}
	for _, tc := range []struct {
		name, tok, sid string
		want           int
	}{
		{"participant", partA, sid, http.StatusForbidden},
		{"other staff of the organisation", adminA, sid, http.StatusForbidden},
		{"facilitator of another organisation", facB, sid, http.StatusNotFound},
		{"stranger", stranger, sid, http.StatusNotFound},
		{"unknown session", facA, "s-none", http.StatusNotFound},
		{"invalid session id", facA, "a.b", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range paths {
				w.do("GET", "/v1/sessions/"+tc.sid+p, tc.tok, nil).Problem(t, tc.want)
			}
			w.do("POST", "/v1/sessions/"+tc.sid+"/recommendations/r1", tc.tok, map[string]any{"status": "accepted"}).Problem(t, tc.want)
		})
	}
	apitest.Serve(t, w.api, "GET", "/v1/sessions/"+sid+"/live", "", nil).Problem(t, http.StatusUnauthorized)
}

// TestBadInput: every malformed request is a 4xx problem and writes
// nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	const sid = "s-bad"
	w.session(sid, time.Now().Add(-time.Minute), []string{uid(partA)}, "pause")
	base := "/v1/sessions/" + sid
	for _, tc := range []struct {
		name, method, path string
		body               any
		opts               []apitest.Option
		code               int
	}{
		{"unknown lang", "GET", base + "/live?lang=xx", nil, nil, 400},
		{"negative after", "GET", base + "/live?after=-1", nil, nil, 400},
		{"after not a number", "GET", base + "/live?after=x", nil, nil, 400},
		{"retrospective lang", "GET", base + "/retrospective?lang=klingon", nil, nil, 400},
		{"pdf lang", "GET", base + "/retrospective.pdf?lang=%00", nil, nil, 400},
		{"unknown status", "POST", base + "/recommendations/r1", map[string]any{"status": "maybe"}, nil, 400},
		{"no status", "POST", base + "/recommendations/r1", map[string]any{}, nil, 400},
		{"unknown field", "POST", base + "/recommendations/r1", map[string]any{"status": "accepted", "x": 1}, nil, 400},
		{"not JSON", "POST", base + "/recommendations/r1", "status=accepted", []apitest.Option{apitest.ContentType("text/plain")}, 415},
		{"unknown recommendation", "POST", base + "/recommendations/r1", map[string]any{"status": "accepted"}, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.do(tc.method, tc.path, facA, tc.body, tc.opts...).Problem(t, tc.code)
		})
	}
	if l := w.live(sid); l != nil {
		t.Errorf("bad requests stored a live view: %+v", l)
	}
}

// TestFeedback: accept and dismiss a stored recommendation; the status
// sticks through later flushes.
func TestFeedback(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	now := time.Now().UTC()
	start := now.Add(-12 * time.Minute)
	const sid = "s-feedback"
	w.session(sid, start, []string{"u-f-a", "u-f-b"}, "pause")
	w.consent("u-f-a", true)
	w.consent("u-f-b", true)
	// Nothing created for ten minutes: the phase is stuck.
	w.logEntry(sid, "e1", start.Add(time.Minute), op{id: "x", kind: "note", owner: "u-f-a", from: "u-f-a"})
	w.canvasOp(sid, "u-f-a", "x", "note", start.Add(time.Minute))
	l := w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool { return len(l.Recommendations) > 0 })
	rec := l.Recommendations[0]
	var out FeedbackResponse
	w.do("POST", "/v1/sessions/"+sid+"/recommendations/"+rec.ID, facA, map[string]any{"status": "dismissed"}).Want(t, http.StatusOK).JSON(t, &out)
	if out.ID != rec.ID || out.Status != insights.StatusDismissed {
		t.Errorf("feedback = %+v", out)
	}
	w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool {
		for _, r := range l.Recommendations {
			if r.ID == rec.ID {
				return r.Status == insights.StatusDismissed
			}
		}
		return false
	})
}
