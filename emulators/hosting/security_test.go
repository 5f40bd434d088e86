package hosting

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pointsofyou.ai/studio/infra"
)

// TestForwardedForIsAppended: like Hosting, the emulator appends the
// address the client connected from to the client's own X-Forwarded-For,
// so only the right-most entry is the platform's.
func TestForwardedForIsAppended(t *testing.T) {
	t.Parallel()
	seen := make(chan []string, 4)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Values("X-Forwarded-For")
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(backend.Close)
	s, err := NewServer(Options{
		Config: []byte(testConfig), Root: writeSite(t), Project: "demo-test", Region: "europe-west1",
		FunctionURL: func(string) string { return backend.URL },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, tt := range []struct {
		sent []string
		want string
	}{
		{nil, "127.0.0.1"},
		{[]string{"203.0.113.9"}, "203.0.113.9, 127.0.0.1"},
		{[]string{"198.51.100.1, 203.0.113.9"}, "198.51.100.1, 203.0.113.9, 127.0.0.1"},
	} {
		h := http.Header{}
		for _, v := range tt.sent {
			h.Add("X-Forwarded-For", v)
		}
		if resp, _ := get(t, s, http.MethodGet, "/api/media/v1/x", h); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := strings.Join(<-seen, ", "); got != tt.want {
			t.Errorf("sent %q: the function saw %q, want %q", tt.sent, got, tt.want)
		}
	}
}

// TestAPIPrefixReachesOnlyFunctions: with APIPrefix set, a configuration
// that would answer an API path with the app's index.html is refused, and
// one with a catch-all function rewrite sends unknown API paths there.
func TestAPIPrefixReachesOnlyFunctions(t *testing.T) {
	t.Parallel()
	fallsThrough := testConfig
	catchAll := strings.Replace(testConfig, `{"source": "**", "destination": "/index.html"}`,
		`{"regex": "^/api(?:/.*)?$", "function": {"functionId": "media", "region": "europe-west1"}},
      {"source": "**", "destination": "/index.html"}`, 1)
	staticFirst := strings.Replace(catchAll, `{"source": "/api/media/**"`, `{"source": "/api/help", "destination": "/index.html"},
      {"source": "/api/media/**"`, 1)
	for _, tt := range []struct {
		name, config string
		ok           bool
	}{
		{"the app's fallback catches /api/unknown", fallsThrough, false},
		{"a file rewrite under /api/", strings.Replace(catchAll, `{"source": "/api/media/**"`, `{"source": "/api/unknown/**", "destination": "/index.html"},
      {"source": "/api/media/**"`, 1), false},
		{"catch-all function before the fallback", catchAll, true},
		{"a file rewrite for a path the sample does not probe", staticFirst, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewServer(Options{
				Config: []byte(tt.config), Root: writeSite(t), Project: "demo-test", Region: "europe-west1",
				FunctionURL: func(string) string { return "http://127.0.0.1:1" }, APIPrefix: "/api/",
			})
			if (err == nil) != tt.ok {
				t.Fatalf("NewServer: %v", err)
			}
		})
	}
}

// TestDeployedConfigAnswersAPIPathsWithProblems runs the real
// firebase.json: no path under /api/ reaches the app's index.html.
func TestDeployedConfigAnswersAPIPathsWithProblems(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": 404, "detail": r.URL.Path})
	}))
	t.Cleanup(backend.Close)
	s, err := NewServer(Options{
		Config: infra.FirebaseJSON(), Root: appSite,
		Project: "demo-test", Region: "europe-west1", APIPrefix: "/api/",
		FunctionURL: func(name string) string { return backend.URL + "/" + name },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, p := range []string{"/api", "/api/", "/api/unknown", "/api/unknown/v1/x", "/api/nope/index.html"} {
		resp, body := get(t, s, http.MethodGet, p, nil)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %q %.80s", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
