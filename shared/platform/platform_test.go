package platform

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/topology"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPreflight(t *testing.T) {
	t.Parallel()
	top, err := topology.Parse([]byte(`
functions:
  - name: sessions
    source: functions/sessions
    kind: function
    trigger: {http: {public: true}}
    env:
      PUBLIC_URL: {terraform: public_url, local: "{hosting_url}"}
      ADMINS: {value: "", optional: true}
    secrets: [PSEUDONYM_HMAC_KEY]
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"a demo project needs nothing declared", map[string]string{"GOOGLE_CLOUD_PROJECT": "demo-x", "K_SERVICE": "sessions"}, ""},
		{"a real project needs every declared value", map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod", "K_SERVICE": "sessions"},
			"PUBLIC_URL, secret PSEUDONYM_HMAC_KEY"},
		{"optional values may be empty", map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod", "FUNCTION_TARGET": "sessions",
			"PUBLIC_URL": "https://studio.example", "PSEUDONYM_HMAC_KEY": "k"}, ""},
		{"an undeclared function", map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod", "K_SERVICE": "other"}, "not declared"},
		{"an emulator on a real project", map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod", "K_SERVICE": "sessions",
			"PUBLIC_URL": "x", "PSEUDONYM_HMAC_KEY": "k", "FIRESTORE_EMULATOR_HOST": "127.0.0.1:1"}, "FIRESTORE_EMULATOR_HOST"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := Preflight(env(c.env), top)
			if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("Preflight = %v, want %q", err, c.wantErr)
			}
		})
	}
}

// TestEnvHasNoDefaultOnARealProject: a declared variable left empty is an
// error outside demo- projects, never a silent default.
func TestEnvHasNoDefaultOnARealProject(t *testing.T) {
	t.Parallel()
	real := New(Options{Lookup: env(map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod", "K_SERVICE": "sessions"})})
	if v, err := real.Env("PUBLIC_URL"); err == nil || !strings.Contains(err.Error(), "PUBLIC_URL") {
		t.Errorf("Env = %q, %v", v, err)
	}
	if v, err := real.OptionalEnv("ADMINS"); err != nil || v != "" {
		t.Errorf("OptionalEnv = %q, %v", v, err)
	}
	if _, err := real.Pseudonyms(); err == nil {
		t.Error("a real project got a pseudonymizer without PSEUDONYM_HMAC_KEY")
	}
	demo := New(Options{Lookup: env(map[string]string{"GOOGLE_CLOUD_PROJECT": "demo-x"})})
	if _, err := demo.Firestore(); err == nil {
		t.Error("a demo project built a Firestore client without the emulator")
	}
}

func TestRecordAndBucket(t *testing.T) {
	t.Parallel()
	rec := &Record{}
	p := New(Options{Record: rec, Lookup: env(map[string]string{"GOOGLE_CLOUD_PROJECT": "demo-x", "EXPORTS_BUCKET": "custom",
		"PUBLIC_URL": "http://127.0.0.1:5000"})})
	if b := p.Bucket("exports"); b != "custom" {
		t.Errorf("exports bucket = %q", b)
	}
	if b := p.Bucket("media"); b != "demo-x-media" {
		t.Errorf("media bucket = %q", b)
	}
	if _, err := p.Env("PUBLIC_URL"); err != nil {
		t.Fatal(err)
	}
	p.Secret("PSEUDONYM_HMAC_KEY")
	if got := strings.Join(rec.Uses(), ","); got != "storage:exports,storage:media" {
		t.Errorf("uses = %s", got)
	}
	if got := strings.Join(rec.Env(), ",") + "|" + strings.Join(rec.Secrets(), ","); got != "PUBLIC_URL|PSEUDONYM_HMAC_KEY" {
		t.Errorf("env|secrets = %s", got)
	}
}

func TestSigner(t *testing.T) {
	t.Parallel()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	for _, c := range []struct {
		name    string
		env     map[string]string
		wantErr bool
		wantKey bool
	}{
		{"a key on one line", map[string]string{"SIGNER_EMAIL": "s@x", "SIGNER_PRIVATE_KEY": strings.ReplaceAll(key, "\n", `\n`)}, false, true},
		{"not a key", map[string]string{"SIGNER_EMAIL": "s@x", "SIGNER_PRIVATE_KEY": "nonsense"}, true, false},
		{"an email without a key", map[string]string{"SIGNER_EMAIL": "s@x"}, true, false},
		{"the emulator gets an ephemeral key", map[string]string{"STORAGE_EMULATOR_HOST": "http://127.0.0.1:1"}, false, true},
		{"Google Cloud signs through IAM", map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod"}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.env["K_SERVICE"] = "media"
			s, err := New(Options{Lookup: env(c.env)}).Signer()
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (len(s.PrivateKeyPEM) > 0) != c.wantKey {
				t.Fatalf("signer = %+v", s)
			}
		})
	}
}

func TestResolver(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, project, host  string
		wantErr, wantDefault bool
	}{
		{"demo project with the suite's DNS", "demo-x", "127.0.0.1:8053", false, false},
		{"demo project without it never asks the Internet", "demo-x", "", true, false},
		{"real project with an emulator refuses", "studio-prod", "127.0.0.1:8053", true, false},
		{"real project reads public DNS", "studio-prod", "", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := New(Options{Lookup: env(map[string]string{"GOOGLE_CLOUD_PROJECT": c.project, EnvDNSHost: c.host})}).Resolver()
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (r == net.DefaultResolver) != c.wantDefault {
				t.Fatalf("resolver = %v", r)
			}
		})
	}
}

// TestJobRunsOnPOSTOnly: a scheduled job answers its counts to a POST and
// refuses other methods.
func TestJobRunsOnPOSTOnly(t *testing.T) {
	t.Parallel()
	h := Job("platform-test-job", func(*Platform) (func(context.Context) (map[string]int, error), error) {
		return func(context.Context) (map[string]int, error) { return map[string]int{"done": 2}, nil }, nil
	})
	w := httptest.NewRecorder()
	h(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d", w.Code)
	}
	w = httptest.NewRecorder()
	h(w, httptest.NewRequest(http.MethodPost, "/", nil))
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"done":2}` {
		t.Errorf("POST = %d %s", w.Code, w.Body)
	}
	if _, ok := Roots()["platform-test-job"]; !ok {
		t.Error("job not registered")
	}
}

// TestJobRunsInTheMiddleware: a job gets the request id every route gets,
// and a panic in it is a 500 problem, not a dropped connection.
func TestJobRunsInTheMiddleware(t *testing.T) {
	t.Parallel()
	h := Job("platform-test-panicking-job", func(*Platform) (func(context.Context) (map[string]int, error), error) {
		return func(context.Context) (map[string]int, error) { panic("job bug") }, nil
	})
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("X-Request-Id", "job-run-1")
	h(w, r)
	if w.Code != http.StatusInternalServerError || w.Header().Get("X-Request-Id") != "job-run-1" ||
		w.Header().Get("Content-Type") != httpapi.ContentTypeProblem {
		t.Errorf("panicking job = %d %v %s", w.Code, w.Header(), w.Body)
	}
}
