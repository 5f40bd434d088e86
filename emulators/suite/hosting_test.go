package suite

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"pointsofyou.ai/studio/infra"
)

// TestHostingLetsThePageReachTheEmulators: the suite's Hosting adds the
// Auth and Storage emulators to the served policy (only there) and tells
// the page where the Auth emulator is through /__/firebase/init.json.
func TestHostingLetsThePageReachTheEmulators(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topo, err := infra.Topology()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Options{
		RandomPorts: true, Fast: true, LocatorDir: "-", Topology: topo,
		FirebaseJSON: infra.FirebaseJSON(), WebRoot: "../hosting/testdata/site",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	auth, storage := "http://"+s.Auth.Addr, "http://"+s.Storage.Addr

	resp, err := http.Get(s.Hosting.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := map[string]string{}
	for _, part := range strings.Split(resp.Header.Get("Content-Security-Policy"), ";") {
		if f := strings.Fields(part); len(f) > 0 {
			csp[f[0]] = " " + strings.Join(f[1:], " ") + " "
		}
	}
	for dir, origins := range map[string][]string{
		"connect-src": {"'self'", auth, storage}, "img-src": {"'self'", storage}, "frame-src": {"'self'", auth},
	} {
		for _, o := range origins {
			if !strings.Contains(csp[dir], " "+o+" ") {
				t.Errorf("%s %q lacks %s", dir, csp[dir], o)
			}
		}
	}
	if strings.Contains(csp["script-src"], "127.0.0.1") || strings.Contains(csp["default-src"], "127.0.0.1") {
		t.Errorf("local origins leaked beyond the named directives: %v", csp)
	}

	// A page of the site may upload to a bucket through a signed URL: the
	// bucket's CORS configuration names the site.
	bucket := s.Project() + "-media"
	req, _ := http.NewRequest(http.MethodOptions, storage+"/"+bucket+"/uploads/x.png", nil)
	req.Header.Set("Origin", s.Hosting.URL())
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-goog-content-length-range")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != s.Hosting.URL() {
		t.Errorf("upload preflight from the site to %s: %d %v", bucket, resp.StatusCode, resp.Header)
	}

	resp, err = http.Get(s.Hosting.URL() + "/__/firebase/init.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var init struct {
		APIKey, ProjectID string
		Emulators         map[string]string
	}
	if err := json.NewDecoder(resp.Body).Decode(&init); err != nil {
		t.Fatal(err)
	}
	if init.APIKey == "" || init.ProjectID != s.Project() || init.Emulators["auth"] != auth {
		t.Errorf("init.json = %+v, want apiKey, projectId %s and emulators.auth %s", init, s.Project(), auth)
	}
}
