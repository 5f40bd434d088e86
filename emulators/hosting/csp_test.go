package hosting

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"pointsofyou.ai/studio/infra"
)

// deployedCSP is the Content-Security-Policy text of infra/firebase.json's
// "**" rule, read with a plain JSON decoder rather than ParseConfig.
func deployedCSP(t *testing.T) string {
	t.Helper()
	var fj struct {
		Hosting struct {
			Headers []struct {
				Source  string   `json:"source"`
				Headers []Header `json:"headers"`
			} `json:"headers"`
		} `json:"hosting"`
	}
	if err := json.Unmarshal(infra.FirebaseJSON(), &fj); err != nil {
		t.Fatal(err)
	}
	for _, rule := range fj.Hosting.Headers {
		for _, h := range rule.Headers {
			if rule.Source == "**" && h.Key == "Content-Security-Policy" {
				return h.Value
			}
		}
	}
	t.Fatal("infra/firebase.json sets no Content-Security-Policy for **")
	return ""
}

func deployedSite(t *testing.T, csp map[string][]string) *Server {
	t.Helper()
	return serverFor(t, string(infra.FirebaseJSON()), appSite, Options{CSPSources: csp})
}

// TestDeployedCSPIsServedUnchanged: without CSPSources, every kind of
// response carries the deployed policy byte for byte.
func TestDeployedCSPIsServedUnchanged(t *testing.T) {
	t.Parallel()
	want := deployedCSP(t)
	for _, frag := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(want, frag) {
			t.Errorf("the deployed policy lost %q: %s", frag, want)
		}
	}
	if strings.Contains(want, "127.0.0.1") || strings.Contains(want, "localhost") || strings.Contains(want, "'unsafe-") {
		t.Errorf("the deployed policy allows local origins or unsafe sources: %s", want)
	}
	s := deployedSite(t, nil)
	for _, p := range []string{"/", "/index.html", "/facilitator/sessions/1", "/nope.png", "/api/unknown"} {
		resp, _ := get(t, s, http.MethodGet, p, nil)
		if got := resp.Header.Get("Content-Security-Policy"); got != want {
			t.Errorf("GET %s: CSP %q, want the deployed %q", p, got, want)
		}
	}
}

// TestCSPSourcesOnlyExtendTheNamedDirectives: the suite's local origins
// reach the named directives and nothing else changes.
func TestCSPSourcesOnlyExtendTheNamedDirectives(t *testing.T) {
	t.Parallel()
	deployed := deployedCSP(t)
	const auth, storage = "http://127.0.0.1:9099", "http://127.0.0.1:9199"
	s := deployedSite(t, map[string][]string{
		"connect-src": {auth, storage}, "img-src": {storage}, "frame-src": {auth},
	})
	resp, _ := get(t, s, http.MethodGet, "/", nil)
	got := directives(resp.Header.Get("Content-Security-Policy"))
	base := directives(deployed)
	for name, srcs := range base {
		switch name {
		case "connect-src":
			if want := srcs + " " + auth + " " + storage; got[name] != want {
				t.Errorf("connect-src %q, want %q", got[name], want)
			}
		case "img-src":
			if want := srcs + " " + storage; got[name] != want {
				t.Errorf("img-src %q, want %q", got[name], want)
			}
		default:
			if got[name] != srcs {
				t.Errorf("%s changed: %q, want %q", name, got[name], srcs)
			}
		}
	}
	// frame-src was absent: it starts from default-src, so frames from the
	// site itself stay allowed and only the Auth emulator is added.
	if want := base["default-src"] + " " + auth; got["frame-src"] != want {
		t.Errorf("frame-src %q, want %q", got["frame-src"], want)
	}
	if len(got) != len(base)+1 {
		t.Errorf("directives %v, want the deployed ones plus frame-src", got)
	}
}

func directives(policy string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(policy, ";") {
		f := strings.Fields(part)
		if len(f) > 0 {
			out[f[0]] = strings.Join(f[1:], " ")
		}
	}
	return out
}

func TestAddCSPSources(t *testing.T) {
	t.Parallel()
	const o = "http://127.0.0.1:9099"
	for _, tt := range []struct {
		name, policy string
		add          map[string][]string
		want         string
	}{
		{"appends", "default-src 'self'; connect-src 'self'", map[string][]string{"connect-src": {o}},
			"default-src 'self'; connect-src 'self' " + o},
		{"no duplicates", "connect-src 'self' " + o, map[string][]string{"connect-src": {o}}, "connect-src 'self' " + o},
		{"replaces 'none'", "default-src 'self'; connect-src 'none'", map[string][]string{"connect-src": {o}},
			"default-src 'self'; connect-src " + o},
		{"absent directive starts from default-src", "default-src 'self' data:", map[string][]string{"img-src": {o}},
			"default-src 'self' data:; img-src 'self' data: " + o},
		{"worker-src falls back to script-src first", "default-src 'none'; script-src 'self'", map[string][]string{"worker-src": {o}},
			"default-src 'none'; script-src 'self'; worker-src 'self' " + o},
		{"absent directive from default-src 'none'", "default-src 'none'", map[string][]string{"connect-src": {o}},
			"default-src 'none'; connect-src " + o},
		{"nothing restricts it: left alone", "frame-ancestors 'none'", map[string][]string{"connect-src": {o}},
			"frame-ancestors 'none'"},
		{"no fallback for navigation directives", "default-src 'self'", map[string][]string{"form-action": {o}},
			"default-src 'self'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := addCSPSources(tt.policy, tt.add); got != tt.want {
				t.Errorf("addCSPSources(%q) = %q, want %q", tt.policy, got, tt.want)
			}
		})
	}
}

func TestCSPSourcesRefusesWhatIsNotAnOrigin(t *testing.T) {
	t.Parallel()
	for _, add := range []map[string][]string{
		{"connect-src": {"*"}},
		{"connect-src": {"'unsafe-inline'"}},
		{"connect-src": {"http://127.0.0.1:9099/path"}},
		{"connect-src": {"http://127.0.0.1:9099; script-src *"}},
		{"connect-src": {"https://*.example.com"}},
		{"connect-src": {"127.0.0.1:9099"}},
		{"Connect Src": {"http://127.0.0.1:9099"}},
	} {
		_, err := NewServer(Options{Config: []byte(`{"hosting": {"public": "p"}}`), Root: t.TempDir(), CSPSources: add})
		if err == nil {
			t.Errorf("CSPSources %v accepted", add)
		}
	}
}
