package hosting

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pointsofyou.ai/studio/infra"
)

// TestDeployedConfigMatchesTopology keeps infra/firebase.json and
// infra/topology.yaml in step: every HTTP function is reachable under
// /api/{name}/**, and every function rewrite names a declared HTTP function.
func TestDeployedConfigMatchesTopology(t *testing.T) {
	t.Parallel()
	top, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(infra.FirebaseJSON())
	if err != nil {
		t.Fatal(err)
	}
	rewrites := map[string]Rewrite{}
	for i, rw := range cfg.Rewrites {
		if rw.Service() == "" {
			continue
		}
		f, ok := top.Function(rw.Service())
		if rw.Regex != "" {
			// The catch-all for unknown API paths: any HTTP function
			// answers them with a 404 problem, and it sits just before the
			// app's fallback, after every function's own rewrite.
			if rw.Regex != "^/api(?:/.*)?$" || !ok || f.Trigger.HTTP == nil || i != len(cfg.Rewrites)-2 {
				t.Errorf("rewrite %q → %q: the only regex rewrite is the /api catch-all to an HTTP function, just before the app's fallback", rw.Regex, rw.Service())
			}
			continue
		}
		rewrites[rw.Source] = rw
		switch {
		case !ok:
			t.Errorf("rewrite %q targets %q, which infra/topology.yaml does not declare", rw.Source, rw.Service())
		case f.Trigger.HTTP == nil:
			t.Errorf("rewrite %q targets %q, which has a %s trigger, not http", rw.Source, rw.Service(), f.Trigger.Type())
		case rw.Source != "/api/"+f.Name+"/**":
			t.Errorf("rewrite for %q has source %q, want /api/%s/**", f.Name, rw.Source, f.Name)
		}
		if ok && (rw.Run != "") != (f.Kind == "run") {
			t.Errorf("rewrite %q: a %s-kind target needs a %q rewrite", rw.Source, f.Kind, map[bool]string{true: "run", false: "function"}[f.Kind == "run"])
		}
	}
	for _, f := range top.Functions {
		if f.Trigger.HTTP == nil {
			continue
		}
		rw, ok := rewrites["/api/"+f.Name+"/**"]
		if !ok || rw.Service() != f.Name {
			t.Errorf("http function %q has no rewrite {source: /api/%s/**} in infra/firebase.json", f.Name, f.Name)
		}
	}
	// The catch-all SPA fallback must come last, or it would shadow the API.
	if n := len(cfg.Rewrites); n == 0 || cfg.Rewrites[n-1].Source != "**" || cfg.Rewrites[n-1].Destination != "/index.html" {
		t.Errorf("the last rewrite must be the SPA fallback ** → /index.html")
	}
}

// appSite is a stand-in for the built app (web/dist, what firebase.json
// deploys): the Go tests never need the web app built first.
var appSite = filepath.Join("testdata", "site")

// TestServesDeployedSite runs the emulator on the real firebase.json, as
// the suite does, over a site shaped like the built app.
func TestServesDeployedSite(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(infra.FirebaseJSON())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(Options{
		Config: infra.FirebaseJSON(), Root: appSite,
		Project: "demo-test", Region: "europe-west1",
		FunctionURL: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if got, want := len(s.Rewrites()), len(cfg.Rewrites); got != want {
		t.Fatalf("Rewrites() has %d rules, firebase.json %d", got, want)
	}

	resp, body := get(t, s, http.MethodGet, "/", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Points of You AI Studio") {
		t.Fatalf("GET / = %d %q", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Cache-Control":             "no-cache",
		"X-Content-Type-Options":    "nosniff",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("GET /: %s = %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("GET /: weak CSP %q", csp)
	}
	// The page's stylesheet is a hashed asset with a long immutable cache.
	css := regexp.MustCompile(`href="(/[^"]+\.css)"`).FindStringSubmatch(body)
	if css == nil {
		t.Fatal("index.html links no stylesheet")
	}
	if resp, _ := get(t, s, http.MethodGet, css[1], nil); resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: %d, Cache-Control %q", css[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	// So are its scripts; the service worker and the shell are revalidated
	// on every load, or an update would never reach the installed app.
	js := regexp.MustCompile(`src="(/[^"]+\.js)"`).FindStringSubmatch(body)
	if js == nil {
		t.Fatal("index.html loads no script")
	}
	for path, want := range map[string]string{
		js[1]: "public, max-age=31536000, immutable", "/sw.js": "no-cache", "/index.html": "no-cache",
		"/manifest.webmanifest": "max-age=3600", // Hosting's default for other files
		"/icons/icon-192.png":   "public, max-age=604800",
	} {
		resp, _ := get(t, s, http.MethodGet, path, nil)
		if path == "/index.html" {
			// cleanUrls: Hosting redirects /index.html to /.
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/" {
				t.Errorf("GET /index.html = %d → %q, want 301 → /", resp.StatusCode, resp.Header.Get("Location"))
			}
			continue
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != want {
			t.Errorf("GET %s: %d, Cache-Control %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"), want)
		}
	}
	if resp, _ := get(t, s, http.MethodGet, "/facilitator/sessions/1", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("SPA route: status %d", resp.StatusCode)
	}
	// Functions are not running here: the rewrite answers 404 as a problem,
	// never the SPA page.
	resp, _ = get(t, s, http.MethodGet, "/api/media/v1/uploads", nil)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("API route: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}
