package coach

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
)

type sseEvent struct {
	name string
	data string
	at   time.Time
}

// readEvents reads a whole event stream.
func readEvents(t testing.TB, resp *http.Response) []sseEvent {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "" && cur.name != "":
			cur.at = time.Now()
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	return out
}

func streamAsk(t testing.TB, srv *httptest.Server, tok, conv, text string, opts ...apitest.Option) *http.Response {
	t.Helper()
	opts = append(opts, apitest.Header("Accept", "text/event-stream"))
	req := apitest.NewRequest(t, "POST", srv.URL+"/v1/conversations/"+conv+"/ask", tok, map[string]any{"text": text, "lang": "en"}, opts...)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestStreamedAsk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testUsers)
	srv := httptest.NewServer(e.stream)
	t.Cleanup(srv.Close)
	c := e.conversation(partA, nil)

	resp := streamAsk(t, srv, partA, c.ID, morning, apitest.Header("Origin", "http://site.test"))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") ||
		resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Accel-Buffering") != "no" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "http://site.test" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	evs := readEvents(t, resp)
	if len(evs) < 3 || evs[0].name != eventStart || evs[len(evs)-1].name != eventDone {
		t.Fatalf("events %+v", evs)
	}
	var start struct {
		Question Message `json:"question"`
		AnswerID string  `json:"answer_id"`
	}
	_ = json.Unmarshal([]byte(evs[0].data), &start)
	var text strings.Builder
	tokens := 0
	for _, ev := range evs[1 : len(evs)-1] {
		if ev.name != eventToken {
			t.Fatalf("unexpected event %s %s", ev.name, ev.data)
		}
		var tok struct{ Text string }
		_ = json.Unmarshal([]byte(ev.data), &tok)
		text.WriteString(tok.Text)
		tokens++
	}
	var done struct {
		Answer  Message `json:"answer"`
		Credits Credits `json:"credits"`
	}
	_ = json.Unmarshal([]byte(evs[len(evs)-1].data), &done)
	t.Logf("streamed answer: %d token events before done", tokens)
	if tokens == 0 || done.Answer.ID != start.AnswerID || start.Question.Text != morning || done.Credits.Used != 1 {
		t.Errorf("start %+v done %+v", start, done)
	}
	if strings.TrimSpace(text.String()) != done.Answer.Text {
		t.Errorf("tokens %q != answer %q", text.String(), done.Answer.Text)
	}

	// Preflight from an allowed origin; a foreign origin is refused.
	pre := apitest.NewRequest(t, "OPTIONS", srv.URL+"/v1/conversations/"+c.ID+"/ask", "", nil,
		apitest.Header("Origin", "http://site.test"), apitest.Header("Access-Control-Request-Method", "POST"),
		apitest.Header("Access-Control-Request-Headers", "authorization, content-type"))
	r, err := srv.Client().Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != "http://site.test" ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight %d %v", r.StatusCode, r.Header)
	}
	foreign := apitest.Read(t, streamAsk(t, srv, partA, c.ID, morning, apitest.Header("Origin", "http://evil.test")))
	foreign.Problem(t, 403)

	// Problems before the stream are problem+json.
	bad := apitest.NewRequest(t, "POST", srv.URL+"/v1/conversations/"+c.ID+"/ask", partA, map[string]any{"text": ""})
	r, err = srv.Client().Do(bad)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Read(t, r).Problem(t, 400)
	apitest.Read(t, streamAsk(t, srv, "", c.ID, morning)).Problem(t, 401)
	apitest.Read(t, streamAsk(t, srv, partB, c.ID, morning)).Problem(t, 404)
	a := e.api()
	if _, err := a.creditsRef(uid(partA), a.d.Now()).Set(t.Context(), creditDoc{Used: 50, Limit: 50}); err != nil {
		t.Fatal(err)
	}
	var p creditsProblem
	apitest.Read(t, streamAsk(t, srv, partA, c.ID, morning)).Want(t, 402).JSON(t, &p)
	if p.Limit != 50 || p.ResetsAt.IsZero() {
		t.Errorf("402 %+v", p)
	}
	if _, err := a.creditsRef(uid(partA), a.d.Now()).Set(t.Context(), creditDoc{Used: 1, Limit: 50}); err != nil {
		t.Fatal(err)
	}

	// The model failing mid-way: an error event, nothing stored, no credit.
	e.vs.InjectError("StreamGenerateContent", statusUnavailable())
	evs = readEvents(t, streamAsk(t, srv, partA, c.ID, morning))
	e.vs.InjectError("StreamGenerateContent", nil)
	if len(evs) != 2 || evs[0].name != eventStart || evs[1].name != eventError || !strings.Contains(evs[1].data, `"status":503`) {
		t.Errorf("events on failure %+v", evs)
	}
	var view ConversationView
	e.do("GET", "/v1/conversations/"+c.ID, partA, nil).Want(t, 200).JSON(t, &view)
	if len(view.Messages) != 2 {
		t.Errorf("%d messages after a failed stream, want 2", len(view.Messages))
	}
}
