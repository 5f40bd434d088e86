package hosting

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Each test here pins one documented rule of Firebase Hosting
// (https://firebase.google.com/docs/hosting/full-config and
// …/manage-cache), or where the documentation is silent, the behaviour of
// the Firebase CLI that deploys (node-glob ignore lists) and of Google's
// own emulator (superstatic).

// site writes files (path → body) into a fresh public directory.
func site(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
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

func serverFor(t *testing.T, config, root string, opts Options) *Server {
	t.Helper()
	opts.Config, opts.Root = []byte(config), root
	if opts.Project == "" {
		opts.Project = "demo-test"
	}
	opts.Region = "europe-west1"
	if opts.FunctionURL == nil {
		opts.FunctionURL = func(string) string { return "" }
	}
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type want struct {
	status   int
	location string
	body     string // exact body, when set
}

func check(t *testing.T, s *Server, path string, w want) {
	t.Helper()
	resp, body := get(t, s, http.MethodGet, path, nil)
	if resp.StatusCode != w.status || resp.Header.Get("Location") != w.location || (w.body != "" && body != w.body) {
		t.Errorf("GET %s = %d Location %q body %.40q; want %d Location %q body %q",
			path, resp.StatusCode, resp.Header.Get("Location"), body, w.status, w.location, w.body)
	}
}

// TestPriorityOrder: "Reserved namespaces that begin with a /__/* path
// segment, configured redirects, exact-match static content, configured
// rewrites, custom 404 page, default 404 page" — in that order.
func TestPriorityOrder(t *testing.T) {
	t.Parallel()
	root := site(t, map[string]string{
		"index.html": "index", "moved.html": "moved", "static.js": "static", "404.html": "custom 404",
		"first.html": "first", "second.html": "second",
	})
	config := `{"hosting": {"public": "p",
	  "redirects": [
	    {"source": "/__/firebase/init.json", "destination": "/nowhere", "type": 302},
	    {"source": "/moved.html", "destination": "/elsewhere", "type": 301}
	  ],
	  "rewrites": [
	    {"source": "/static.js", "destination": "/first.html"},
	    {"source": "/spa/**", "destination": "/first.html"},
	    {"source": "/spa/**", "destination": "/second.html"},
	    {"source": "/gone/**", "destination": "/not-deployed.html"}
	  ]}}`
	s := serverFor(t, config, root, Options{})
	for _, tt := range []struct {
		rule, path string
		want
	}{
		{"the reserved namespace beats redirects", "/__/firebase/init.json", want{status: 200}},
		{"redirects beat exact static content", "/moved.html", want{status: 301, location: "/elsewhere"}},
		{"exact static content beats rewrites", "/static.js", want{status: 200, body: "static"}},
		{"the first matching rewrite wins", "/spa/x", want{status: 200, body: "first"}},
		{"a rewrite to a file that was not deployed is a 404", "/gone/x", want{status: 404, body: "custom 404"}},
		{"the custom 404 page when nothing matches", "/nothing", want{status: 404, body: "custom 404"}},
	} {
		t.Run(tt.rule, func(t *testing.T) { check(t, s, tt.path, tt.want) })
	}
	// "default 404 page" when the site has no 404.html.
	if err := os.Remove(filepath.Join(root, "404.html")); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, s, http.MethodGet, "/nothing", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "Page not found") {
		t.Errorf("default 404: %d %q", resp.StatusCode, body)
	}
}

// TestCleanURLsAndTrailingSlash: "cleanUrls: when true, Hosting drops the
// .html extension from uploaded file URLs; if .html is added in the
// request, Hosting redirects (301) to the same path without it".
// "trailingSlash: true redirects URLs to add a trailing slash, false
// redirects to remove it; when unspecified, Hosting only uses trailing
// slashes for directory index files (about/index.html)". Redirects keep
// the query string.
func TestCleanURLsAndTrailingSlash(t *testing.T) {
	t.Parallel()
	root := site(t, map[string]string{
		"index.html": "home", "about.html": "about", "docs/index.html": "docs", "app.js": "js",
	})
	type req struct {
		path string
		want
	}
	ok := func(body string) want { return want{status: 200, body: body} }
	moved := func(to string) want { return want{status: 301, location: to} }
	missing := want{status: 404}
	for _, tt := range []struct {
		cleanURLs     bool
		trailingSlash string // "", "true" or "false"
		reqs          []req
	}{
		{true, "false", []req{ // infra/firebase.json
			{"/", ok("home")}, {"/index.html", moved("/")},
			{"/about", ok("about")}, {"/about.html", moved("/about")}, {"/about/", moved("/about")},
			{"/about.html?lang=he", moved("/about?lang=he")},
			{"/docs", ok("docs")}, {"/docs/", moved("/docs")}, {"/docs/index.html", moved("/docs")},
			{"/app.js", ok("js")}, {"/app.js/", moved("/app.js")},
		}},
		{true, "true", []req{
			{"/", ok("home")}, {"/index.html", moved("/")},
			{"/about", moved("/about/")}, {"/about/", ok("about")}, {"/about.html", moved("/about/")},
			{"/docs", moved("/docs/")}, {"/docs/", ok("docs")}, {"/docs/index.html", moved("/docs/")},
			{"/app.js", ok("js")},
		}},
		{true, "", []req{
			{"/index.html", moved("/")},
			{"/about", ok("about")}, {"/about.html", moved("/about")}, {"/about/", moved("/about")},
			{"/docs", moved("/docs/")}, {"/docs/", ok("docs")}, {"/docs/index.html", moved("/docs/")},
		}},
		{false, "", []req{
			{"/index.html", ok("home")}, {"/about.html", ok("about")}, {"/about", missing},
			{"/docs", moved("/docs/")}, {"/docs/", ok("docs")}, {"/docs/index.html", ok("docs")},
			{"/docs?x=1", moved("/docs/?x=1")},
		}},
		{false, "false", []req{
			{"/about.html", ok("about")}, {"/about", missing},
			{"/docs", ok("docs")}, {"/docs/", moved("/docs")},
		}},
		{false, "true", []req{
			{"/about.html", ok("about")}, {"/docs", moved("/docs/")}, {"/docs/", ok("docs")},
		}},
	} {
		ts := ""
		if tt.trailingSlash != "" {
			ts = `, "trailingSlash": ` + tt.trailingSlash
		}
		config := fmt.Sprintf(`{"hosting": {"public": "p", "cleanUrls": %v%s}}`, tt.cleanURLs, ts)
		t.Run(fmt.Sprintf("cleanUrls=%v trailingSlash=%q", tt.cleanURLs, tt.trailingSlash), func(t *testing.T) {
			t.Parallel()
			s := serverFor(t, config, root, Options{})
			for _, r := range tt.reqs {
				check(t, s, r.path, r.want)
			}
		})
	}
}

// TestIgnore: the CLI uploads what node-glob lists under "public" with the
// "ignore" patterns (and its own firebase-debug logs and .firebase/*)
// excluded, each pattern matched against the whole relative path.
func TestIgnore(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig([]byte(`{"hosting": {"public": "p",
	  "ignore": ["firebase.json", "**/.*", "**/node_modules/**", "**/*.map", "drafts/**"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	globs := c.ignoreGlobs()
	for _, tt := range []struct {
		rel     string
		ignored bool
	}{
		{"firebase.json", true},
		{"sub/firebase.json", false}, // a pattern without "/" is not matched at every depth
		{".env", true},
		{"assets/.env", true},
		{".well-known/assetlinks.json", false}, // "**/.*" hides dot files, not a dot directory's files
		{"node_modules/x/y.js", true},
		{"a/node_modules/y.js", true},
		{"node_modules_x/y.js", false},
		{"app.1234.js.map", true},
		{"assets/app.js.map", true},
		{"assets/app.js", false},
		{"drafts/a/b.html", true},
		{"drafts.html", false},
		{"firebase-debug.log", true},
		{"logs/firebase-debug.2.log", true},
		{".firebase/hosting.cache", true},
		{"index.html", false},
	} {
		if got := ignored(tt.rel, globs); got != tt.ignored {
			t.Errorf("ignored(%q) = %v, want %v", tt.rel, got, tt.ignored)
		}
	}
	for _, bad := range []string{"/firebase.json", "!index.html"} {
		if _, err := ParseConfig([]byte(`{"hosting": {"public": "p", "ignore": ["` + bad + `"]}}`)); err == nil {
			t.Errorf("ignore %q accepted; node-glob would not read it as a .gitignore user expects", bad)
		}
	}
	// An ignored file is not deployed: the path falls through to the 404 page.
	s := serverFor(t, `{"hosting": {"public": "p", "ignore": ["**/*.map"]}}`,
		site(t, map[string]string{"app.js.map": "{}", ".well-known/assetlinks.json": "[]"}), Options{})
	check(t, s, "/app.js.map", want{status: 404})
	check(t, s, "/.well-known/assetlinks.json", want{status: 200, body: "[]"})
}

const headersConfig = `{"hosting": {"public": "p", "cleanUrls": true, "trailingSlash": false,
  "redirects": [{"source": "/old", "destination": "/new", "type": 301}],
  "rewrites": [
    {"source": "/api/**", "function": {"functionId": "api", "region": "europe-west1"}},
    {"source": "/down/**", "function": {"functionId": "down", "region": "europe-west1"}},
    {"source": "/off/**", "function": {"functionId": "off", "region": "europe-west1"}},
    {"source": "/app/**", "destination": "/index.html"}
  ],
  "headers": [
    {"source": "**", "headers": [{"key": "X-Everywhere", "value": "yes"}, {"key": "Cache-Control", "value": "from **"}]},
    {"source": "/sw.js", "headers": [{"key": "Cache-Control", "value": "no-cache"}]},
    {"source": "**/*.js", "headers": [{"key": "Cache-Control", "value": "immutable"}]},
    {"source": "/index.html", "headers": [{"key": "X-Index", "value": "by file name"}]},
    {"source": "/404.html", "headers": [{"key": "X-Not-Found-Page", "value": "yes"}, {"key": "Cache-Control", "value": "404 page"}]},
    {"source": "/app/**", "headers": [{"key": "Cache-Control", "value": "app route"}]},
    {"regex": "^/api/.*$", "headers": [{"key": "Cache-Control", "value": "no-store"}]}
  ]}}`

// TestHeadersOnEveryResponse: a header rule applies to every response to a
// request whose path it matches ("if matched to the request URL path,
// triggers Hosting to apply the specified custom response headers"),
// whatever answers it: a file, a redirect, a rewrite to a file or a
// function, or a 404 page. When several rules set one header, the last
// matching rule wins (firebase/firebase-tools#8917, #9467).
func TestHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600") // the config's rule wins
		w.Header().Set("X-From-Function", "kept")
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(backend.Close)
	root := site(t, map[string]string{
		"index.html": "index", "sw.js": "sw", "app.js": "app", "404.html": "custom 404", "logo.png": "png",
	})
	s := serverFor(t, headersConfig, root, Options{FunctionURL: func(name string) string {
		switch name {
		case "api":
			return backend.URL
		case "down":
			return "http://127.0.0.1:1"
		}
		return ""
	}})
	for _, tt := range []struct {
		name, method, path string
		status             int
		headers            map[string]string // "" means absent
	}{
		{"any file", "", "/logo.png", 200,
			map[string]string{"X-Everywhere": "yes", "Cache-Control": "from **"}},
		{"last matching rule wins", "", "/app.js", 200, map[string]string{"Cache-Control": "immutable"}},
		{"an earlier specific rule loses to a later general one", "", "/sw.js", 200, map[string]string{"Cache-Control": "immutable"}},
		{"HEAD", http.MethodHead, "/app.js", 200, map[string]string{"Cache-Control": "immutable", "X-Everywhere": "yes"}},
		{"rules match the request path, not the file served", "", "/", 200,
			map[string]string{"X-Index": "", "X-Everywhere": "yes"}},
		{"configured redirect", "", "/old", 301, map[string]string{"X-Everywhere": "yes", "Location": "/new"}},
		{"cleanUrls redirect", "", "/index.html", 301, map[string]string{"X-Everywhere": "yes", "X-Index": "by file name"}},
		{"trailingSlash redirect", "", "/app.js/", 301, map[string]string{"X-Everywhere": "yes", "Cache-Control": "from **"}},
		{"rewrite to a file", "", "/app/sessions/1", 200,
			map[string]string{"Cache-Control": "app route", "X-Index": ""}},
		{"function response: the rule wins over the function's header", "", "/api/x", 418,
			map[string]string{"Cache-Control": "no-store", "X-Everywhere": "yes", "X-From-Function": "kept"}},
		{"function that does not answer", "", "/down/x", 502, map[string]string{"Cache-Control": "from **", "X-Everywhere": "yes"}},
		{"function that is not running", "", "/off/x", 404, map[string]string{"X-Everywhere": "yes"}},
		{"custom 404 page: its own rules, then the request path's", "", "/missing.js", 404,
			map[string]string{"X-Not-Found-Page": "yes", "Cache-Control": "immutable", "X-Everywhere": "yes"}},
		{"method not allowed on a file", http.MethodPost, "/app.js", 405, map[string]string{"X-Everywhere": "yes"}},
		{"reserved namespace", "", "/__/firebase/init.json", 200, map[string]string{"X-Everywhere": "yes"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			resp, body := get(t, s, method, tt.path, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d %q, want %d", method, tt.path, resp.StatusCode, body, tt.status)
			}
			for k, v := range tt.headers {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestDefaultCacheControl: static content Hosting serves without a
// Cache-Control rule carries max-age=3600; a rule replaces it, and
// function responses keep their own.
func TestDefaultCacheControl(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age=5")
	}))
	t.Cleanup(backend.Close)
	s := serverFor(t, `{"hosting": {"public": "p",
	  "rewrites": [{"source": "/fn", "function": {"functionId": "fn", "region": "europe-west1"}}],
	  "headers": [{"source": "/ruled.txt", "headers": [{"key": "Cache-Control", "value": "no-cache"}]}]}}`,
		site(t, map[string]string{"plain.txt": "p", "ruled.txt": "r"}),
		Options{FunctionURL: func(string) string { return backend.URL }})
	for path, cc := range map[string]string{"/plain.txt": "max-age=3600", "/ruled.txt": "no-cache", "/fn": "private, max-age=5"} {
		if resp, _ := get(t, s, http.MethodGet, path, nil); resp.Header.Get("Cache-Control") != cc {
			t.Errorf("%s: Cache-Control %q, want %q", path, resp.Header.Get("Cache-Control"), cc)
		}
	}
}

// TestStreamingAndUpgradeThroughRewrites: setting headers on the way out
// keeps streamed responses flowing and upgraded connections working.
func TestStreamingAndUpgradeThroughRewrites(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "echo" {
			w.Header().Set("Upgrade", "echo")
			w.Header().Set("Connection", "Upgrade")
			w.WriteHeader(http.StatusSwitchingProtocols)
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			line, _ := brw.ReadString('\n')
			_, _ = brw.WriteString("echo: " + line)
			_ = brw.Flush()
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: first\n\n")
		_ = http.NewResponseController(w).Flush()
		<-release
	}))
	t.Cleanup(backend.Close)
	t.Cleanup(func() { close(release) })
	s := serverFor(t, `{"hosting": {"public": "p",
	  "rewrites": [{"source": "/live/**", "run": {"serviceId": "live", "region": "europe-west1"}}],
	  "headers": [{"source": "**", "headers": [{"key": "X-Everywhere", "value": "yes"}]}]}}`,
		t.TempDir(), Options{FunctionURL: func(string) string { return backend.URL }})

	resp, err := http.Get(s.URL() + "/live/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Everywhere") != "yes" {
		t.Errorf("stream misses the configured header")
	}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(resp.Body).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "data: first\n" {
			t.Errorf("first event %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive while the stream stayed open")
	}

	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET /live/socket HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n", s.Addr)
	br := bufio.NewReader(conn)
	up, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if up.StatusCode != http.StatusSwitchingProtocols || up.Header.Get("X-Everywhere") != "yes" {
		t.Fatalf("upgrade: %d %v", up.StatusCode, up.Header)
	}
	fmt.Fprint(conn, "hello\n")
	if got, _ := br.ReadString('\n'); got != "echo: hello\n" {
		t.Errorf("upgraded connection answered %q", got)
	}
}

// TestBufferRewritesHoldsStreamsBack: with BufferRewrites, as in
// production, a streamed response arrives only once complete, whole and
// with its length; upgrades are untouched (above).
func TestBufferRewritesHoldsStreamsBack(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: first\n\n")
		_ = http.NewResponseController(w).Flush()
		<-release
		_, _ = io.WriteString(w, "data: last\n\n")
	}))
	t.Cleanup(backend.Close)
	s := serverFor(t, `{"hosting": {"public": "p",
	  "rewrites": [{"source": "/fn/**", "function": {"functionId": "fn", "region": "europe-west1"}}]}}`,
		t.TempDir(), Options{FunctionURL: func(string) string { return backend.URL }, BufferRewrites: true})

	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(s.URL() + "/fn/events")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		got <- resp
	}()
	select {
	case <-got:
		t.Fatal("the response arrived while the function was still streaming")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	resp, ok := <-got
	if !ok {
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "data: first\n\ndata: last\n\n" || resp.ContentLength != int64(len(body)) {
		t.Errorf("buffered response %q (length %d)", body, resp.ContentLength)
	}
}

// TestInitJSON: /__/firebase/init.json, Hosting's reserved URL with the
// web app's Firebase configuration.
func TestInitJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		init *InitConfig
		want map[string]any
	}{
		{"default", nil, map[string]any{"projectId": "demo-test", "authDomain": "demo-test.firebaseapp.com"}},
		{"with the emulators", &InitConfig{
			APIKey: "fake-api-key", AuthDomain: "demo-test.firebaseapp.com", ProjectID: "demo-test",
			Emulators: map[string]string{"auth": "http://127.0.0.1:9099"},
		}, map[string]any{
			"apiKey": "fake-api-key", "projectId": "demo-test", "authDomain": "demo-test.firebaseapp.com",
			"emulators": map[string]any{"auth": "http://127.0.0.1:9099"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := serverFor(t, `{"hosting": {"public": "p"}}`, t.TempDir(), Options{Init: tt.init})
			resp, body := get(t, s, http.MethodGet, "/__/firebase/init.json", nil)
			var got map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%d %q: %v", resp.StatusCode, body, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("init.json = %v, want %v", got, tt.want)
			}
		})
	}
}
