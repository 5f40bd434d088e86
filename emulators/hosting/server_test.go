package hosting

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testConfig = `{
  "hosting": {
    "public": "public",
    "ignore": ["firebase.json", "**/.*", "**/node_modules/**"],
    "cleanUrls": true,
    "trailingSlash": false,
    "redirects": [
      {"source": "/old/:id", "destination": "/new/:id", "type": 301},
      {"regex": "^/legacy/(?P<rest>.*)$", "destination": "/:rest", "type": 302}
    ],
    "rewrites": [
      {"source": "/api/media/**", "function": {"functionId": "media", "region": "europe-west1"}},
      {"source": "/api/live/**", "run": {"serviceId": "realtime", "region": "europe-west1"}},
      {"source": "/api/gone/**", "function": {"functionId": "gone", "region": "europe-west1"}},
      {"source": "**", "destination": "/index.html"}
    ],
    "headers": [
      {"source": "**", "headers": [{"key": "X-Content-Type-Options", "value": "nosniff"}]},
      {"source": "**/*.@(js|css)", "headers": [{"key": "Cache-Control", "value": "public, max-age=31536000, immutable"}]},
      {"source": "/api/**", "headers": [{"key": "Cache-Control", "value": "no-store"}]}
    ]
  },
  "firestore": {"rules": "firestore.rules"}
}`

func writeSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":            "<h1>index</h1>",
		"404.html":              "<h1>custom 404</h1>",
		"about.html":            "<h1>about</h1>",
		"app.js":                "console.log(1)",
		"docs/index.html":       "<h1>docs</h1>",
		".env":                  "SECRET=1",
		"node_modules/x/y.js":   "bad",
		"assets/.hidden/app.js": "bad",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type echo struct {
	Path, Query, Cookie, ForwardedHost string
}

// newTestServer starts the emulator with a backend that echoes what the
// function would see.
func newTestServer(t *testing.T, config string) *Server {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=60")
		_ = json.NewEncoder(w).Encode(echo{
			Path: r.URL.Path, Query: r.URL.RawQuery, Cookie: r.Header.Get("Cookie"),
			ForwardedHost: r.Header.Get("X-Forwarded-Host"),
		})
	}))
	t.Cleanup(backend.Close)
	s, err := NewServer(Options{
		Config: []byte(config), Root: writeSite(t), Project: "demo-test", Region: "europe-west1",
		FunctionURL: func(name string) string {
			switch name {
			case "media", "realtime":
				return backend.URL + "/demo-test/europe-west1/" + name
			case "gone":
				return "http://127.0.0.1:1" // nothing listens there
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, s *Server, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestServe(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, testConfig)
	tests := []struct {
		name     string
		method   string
		path     string
		status   int
		body     string // substring
		location string
		headers  map[string]string
	}{
		{name: "root index", path: "/", status: 200, body: "<h1>index</h1>",
			headers: map[string]string{"X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8"}},
		{name: "static asset with cache header", path: "/app.js", status: 200, body: "console.log(1)",
			headers: map[string]string{"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}},
		{name: "head", method: http.MethodHead, path: "/app.js", status: 200},
		{name: "clean url", path: "/about", status: 200, body: "<h1>about</h1>"},
		{name: "html extension redirects", path: "/about.html", status: 301, location: "/about"},
		{name: "index.html redirects to root", path: "/index.html", status: 301, location: "/"},
		{name: "trailing slash removed", path: "/about/", status: 301, location: "/about"},
		{name: "directory index", path: "/docs", status: 200, body: "<h1>docs</h1>"},
		{name: "directory slash removed", path: "/docs/", status: 301, location: "/docs"},
		{name: "spa fallback", path: "/sessions/abc", status: 200, body: "<h1>index</h1>"},
		{name: "ignored dotfile falls back", path: "/.env", status: 200, body: "<h1>index</h1>"},
		{name: "ignored node_modules", path: "/node_modules/x/y.js", status: 200, body: "<h1>index</h1>"},
		// node-glob's "**/.*" hides dot files, not the files in a dot
		// directory: the CLI deploys them (.well-known/… relies on it).
		{name: "file in a dot directory is deployed", path: "/assets/.hidden/app.js", status: 200, body: "bad"},
		{name: "redirect with capture and query", path: "/old/42?x=1", status: 301, location: "/new/42?x=1"},
		{name: "regex redirect", path: "/legacy/a/b", status: 302, location: "/a/b"},
		{name: "post to static", method: http.MethodPost, path: "/app.js", status: 405},
		{name: "reserved init", path: "/__/firebase/init.json", status: 200, body: `"projectId":"demo-test"`},
		{name: "reserved other", path: "/__/auth/handler", status: 404},
		{name: "function not running", path: "/api/gone/x", status: 502, body: "bad-gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			resp, body := get(t, s, method, tt.path, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body %q does not contain %q", body, tt.body)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			for k, v := range tt.headers {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestRewriteToFunctionKeepsPath(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, testConfig)
	for _, p := range []string{"/api/media/v1/uploads", "/api/live/ws"} {
		h := http.Header{"Cookie": {"__session=abc; other=secret"}}
		resp, body := get(t, s, http.MethodGet, p+"?a=1&b=%2F", h)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", p, resp.StatusCode, body)
		}
		var e echo
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		svc := strings.Split(p, "/")[2]
		name := map[string]string{"media": "media", "live": "realtime"}[svc]
		want := echo{Path: "/demo-test/europe-west1/" + name + p, Query: "a=1&b=%2F", Cookie: "__session=abc", ForwardedHost: s.Addr}
		if e != want {
			t.Errorf("%s: function saw %+v, want %+v", p, e, want)
		}
		// The config's headers apply to rewritten responses too.
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", p, got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", p, got)
		}
	}
}

func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	// Without the catch-all rewrite, unknown paths get 404.html.
	cfg := strings.Replace(testConfig, `,
      {"source": "**", "destination": "/index.html"}`, "", 1)
	s := newTestServer(t, cfg)
	resp, body := get(t, s, http.MethodGet, "/nope", nil)
	if resp.StatusCode != http.StatusNotFound || body != "<h1>custom 404</h1>" {
		t.Fatalf("got %d %q, want 404 with 404.html", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("404 page misses configured headers: %q", got)
	}
	if resp, _ := get(t, s, http.MethodGet, "/.env", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("ignored file: status %d, want 404", resp.StatusCode)
	}

	// Without 404.html, the default page.
	if err := os.Remove(filepath.Join(s.opts.Root, "404.html")); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, s, http.MethodGet, "/nope", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Page not found") {
		t.Fatalf("got %d %q, want the default 404 page", resp.StatusCode, body)
	}
}

func TestUnknownFunctionIsProblem(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(testConfig, `"functionId": "gone"`, `"functionId": "absent"`, 1)
	s := newTestServer(t, cfg)
	resp, body := get(t, s, http.MethodGet, "/api/gone/x", nil)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestBadPath(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, testConfig)
	for _, p := range []string{"/../etc/passwd", "/a/./b", "relative"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = p
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", p, rec.Code)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config, want string
	}{
		{"not json", `{`, "invalid JSON"},
		{"no hosting", `{"firestore":{}}`, `"hosting" is missing`},
		{"multi-site", `{"hosting":[{"public":"p"}]}`, "array"},
		{"unknown key", `{"hosting":{"public":"p","rewrite":[]}}`, `unknown field "rewrite"`},
		{"no public", `{"hosting":{}}`, "hosting.public: is required"},
		{"source and regex", `{"hosting":{"public":"p","rewrites":[{"source":"a","regex":"b","destination":"/x"}]}}`, "not both"},
		{"no match", `{"hosting":{"public":"p","rewrites":[{"destination":"/x"}]}}`, "is required"},
		{"two targets", `{"hosting":{"public":"p","rewrites":[{"source":"**","destination":"/x","function":"f"}]}}`, "exactly one"},
		{"no target", `{"hosting":{"public":"p","rewrites":[{"source":"**"}]}}`, "exactly one"},
		{"relative destination", `{"hosting":{"public":"p","rewrites":[{"source":"**","destination":"x"}]}}`, "must start with /"},
		{"bad function", `{"hosting":{"public":"p","rewrites":[{"source":"**","function":"Bad_Name"}]}}`, "not a valid function name"},
		{"function key typo", `{"hosting":{"public":"p","rewrites":[{"source":"**","function":{"serviceId":"f"}}]}}`, "functionId"},
		{"bad regex", `{"hosting":{"public":"p","rewrites":[{"regex":"(","destination":"/x"}]}}`, "regex"},
		{"negated glob", `{"hosting":{"public":"p","rewrites":[{"source":"!(a)","destination":"/x"}]}}`, "not supported"},
		{"redirect type", `{"hosting":{"public":"p","redirects":[{"source":"/a","destination":"/b","type":307}]}}`, "301 or 302"},
		{"header key", `{"hosting":{"public":"p","headers":[{"source":"**","headers":[{"key":"a b","value":"c"}]}]}}`, "not a valid header name"},
		{"header value", `{"hosting":{"public":"p","headers":[{"source":"**","headers":[{"key":"a","value":"c\r\nx: y"}]}]}}`, "line break"},
		{"dynamic links", `{"hosting":{"public":"p","rewrites":[{"source":"/l/**","dynamicLinks":true}]}}`, "dynamicLinks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tt.config))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseConfig error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewServerRefusesRegionMismatch(t *testing.T) {
	t.Parallel()
	fn := func(string) string { return "http://127.0.0.1:1" }
	for _, cfg := range []string{
		`{"hosting":{"public":"p","rewrites":[{"source":"**","function":"media"}]}}`,
		`{"hosting":{"public":"p","rewrites":[{"source":"**","function":{"functionId":"media","region":"us-east1"}}]}}`,
		`{"hosting":{"public":"p","rewrites":[{"source":"**","run":{"serviceId":"media"}}]}}`,
	} {
		_, err := NewServer(Options{Config: []byte(cfg), Root: t.TempDir(), Region: "europe-west1", FunctionURL: fn})
		if err == nil || !strings.Contains(err.Error(), "europe-west1") {
			t.Errorf("%s: error %v, want a region mismatch", cfg, err)
		}
	}
	if _, err := NewServer(Options{Config: []byte(testConfig), Root: t.TempDir(), Region: "europe-west1"}); err == nil {
		t.Error("NewServer without FunctionURL succeeded")
	}
}
