package e2e

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
)

// TestCoachThroughHosting asks the coach as the app does: the
// configuration and a whole answer through Hosting, then a streamed
// answer straight from the coach-stream service (Hosting buffers
// streamed responses), with the site's origin.
func TestCoachThroughHosting(t *testing.T) {
	tok := signIn(t, noaEmail, participantPW)
	var cfg struct {
		StreamURL string `json:"stream_url"`
		Credits   struct {
			Limit int `json:"limit"`
		} `json:"credits"`
		Languages []string `json:"languages"`
	}
	if r := call(t, "GET", "/api/coach/v1/config", tok, nil, &cfg); r.StatusCode != 200 {
		t.Fatalf("config: %d %s", r.StatusCode, body(r))
	}
	if !strings.HasPrefix(cfg.StreamURL, "http") || cfg.Credits.Limit == 0 || len(cfg.Languages) != 5 {
		t.Fatalf("config %+v", cfg)
	}
	var conv struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/coach/v1/conversations", tok, map[string]any{"lang": "en"}, &conv); r.StatusCode != 201 {
		t.Fatalf("conversation: %d %s", r.StatusCode, body(r))
	}
	var ans struct {
		Answer struct {
			Text string `json:"text"`
			Type string `json:"type"`
		} `json:"answer"`
	}
	if r := call(t, "POST", "/api/coach/v1/conversations/"+conv.ID+"/ask", tok, map[string]any{"text": "How can I start my mornings more calmly?"}, &ans); r.StatusCode != 200 {
		t.Fatalf("ask: %d %s", r.StatusCode, body(r))
	}
	if ans.Answer.Text == "" || ans.Answer.Type == "" {
		t.Fatalf("answer %+v", ans)
	}

	origin := env.Hosting.URL()
	url := strings.TrimSuffix(cfg.StreamURL, "/") + "/v1/conversations/" + conv.ID + "/ask"
	pre := apitest.NewRequest(t, "OPTIONS", url, "", nil, apitest.Header("Origin", origin),
		apitest.Header("Access-Control-Request-Method", "POST"), apitest.Header("Access-Control-Request-Headers", "authorization,content-type"))
	r, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Fatalf("preflight: %d %v", r.StatusCode, r.Header)
	}
	start := time.Now()
	req := apitest.NewRequest(t, "POST", url, tok, map[string]any{"text": "What helps me pause during a busy day?"},
		apitest.Header("Origin", origin), apitest.Header("Accept", "text/event-stream"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, apitest.Read(t, resp).Body)
	}
	var names []string
	var first time.Duration
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			names = append(names, ev)
			if ev == "token" && first == 0 {
				first = time.Since(start)
			}
		}
	}
	t.Logf("streamed through the functions emulator: events %v, first token after %v, whole answer after %v", names, first, time.Since(start))
	if len(names) < 3 || names[0] != "start" || names[1] != "token" || names[len(names)-1] != "done" {
		t.Fatalf("events %v", names)
	}
}
