package media

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/platform"
)

func TestNewRefusesMissingDeps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := map[string]func(d *Deps){
		"verifier":   func(d *Deps) { d.Verifier = nil },
		"storage":    func(d *Deps) { d.Storage = nil },
		"bucket":     func(d *Deps) { d.Bucket = "" },
		"signer key": func(d *Deps) { d.Signer.PrivateKeyPEM = nil },
	}
	for name, mutate := range cases {
		d := e.deps
		mutate(&d)
		if _, err := New(d); err == nil {
			t.Errorf("New without %s: no error", name)
		}
	}
	d := e.deps
	d.Verifier = nil // the event handler does not need one
	if _, err := NewRenditions(d); err != nil {
		t.Errorf("NewRenditions without verifier: %v", err)
	}
	d.Storage = nil
	if _, err := NewRenditions(d); err == nil {
		t.Error("NewRenditions without storage: no error")
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	h := newEnv(t).api()
	for _, p := range []string{"/healthz", "/api/media/healthz"} {
		w := do(t, h, http.MethodGet, p, "", "")
		if w.Code != http.StatusOK || !strings.Contains(string(w.Body), `"status":"ok"`) {
			t.Errorf("GET %s = %d %s", p, w.Code, w.Body)
		}
	}
}

func TestUploadIssuesSignedURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	e.deps.Now = func() time.Time { return now }
	h := e.api()
	for _, path := range []string{"/v1/uploads", "/api/media/v1/uploads"} {
		w := do(t, h, http.MethodPost, path, alice, `{"content_type":"image/png","size":2048,"filename":"Beach day.png"}`)
		if w.Code != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", path, w.Code, w.Body)
		}
		res := apitest.Decode[UploadResponse](t, w)
		if !validID(res.ID) {
			t.Errorf("id %q is not a uuid", res.ID)
		}
		if want := "orgs/" + orgA + "/media/" + res.ID + "/original"; res.Object != want {
			t.Errorf("object = %q, want %q", res.Object, want)
		}
		if res.Method != http.MethodPut {
			t.Errorf("method = %q", res.Method)
		}
		wantHeaders := map[string]string{
			"Content-Type":                "image/png",
			"x-goog-content-length-range": "0,10485760",
			"x-goog-meta-uploader":        testUsers[alice].UID,
		}
		for k, v := range wantHeaders {
			if res.Headers[k] != v {
				t.Errorf("headers[%s] = %q, want %q", k, res.Headers[k], v)
			}
		}
		if want := now.Add(15 * time.Minute).UTC().Truncate(time.Second); !res.ExpiresAt.Equal(want) {
			t.Errorf("expires_at = %v, want %v", res.ExpiresAt, want)
		}

		u, err := url.Parse(res.UploadURL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		checks := map[string]string{
			"X-Goog-Algorithm":     "GOOG4-RSA-SHA256",
			"X-Goog-SignedHeaders": "content-type;host;x-goog-content-length-range;x-goog-meta-uploader",
		}
		for k, v := range checks {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
		// The storage client signs with the wall clock, so on a loaded
		// machine some seconds may have passed since the handler's clock.
		if e, err := strconv.Atoi(q.Get("X-Goog-Expires")); err != nil || e > 900 || e < 840 {
			t.Errorf("X-Goog-Expires = %q, want about 900 s", q.Get("X-Goog-Expires"))
		}
		if !strings.HasPrefix(q.Get("X-Goog-Credential"), testEmail+"/") {
			t.Errorf("X-Goog-Credential = %q", q.Get("X-Goog-Credential"))
		}
		if len(q.Get("X-Goog-Signature")) != 512 { // hex of a 2048-bit RSA signature
			t.Errorf("X-Goog-Signature has %d hex digits", len(q.Get("X-Goog-Signature")))
		}
		if want := "/" + testBucket + "/" + res.Object; u.Path != want {
			t.Errorf("url path = %q, want %q", u.Path, want)
		}
	}
}

func TestUploadRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := newEnv(t).api()
	long := strings.Repeat("é", 201)
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"missing content type", `{"size":10}`, 400, "content_type"},
		{"svg", `{"content_type":"image/svg+xml","size":10}`, 400, "content_type"},
		{"content type not a string", `{"content_type":5,"size":10}`, 400, "content_type"},
		{"missing size", `{"content_type":"image/png"}`, 400, "size"},
		{"zero size", `{"content_type":"image/png","size":0}`, 400, "size"},
		{"negative size", `{"content_type":"image/png","size":-1}`, 400, "size"},
		{"oversize", `{"content_type":"image/png","size":10485761}`, 400, "size"},
		{"fractional size", `{"content_type":"image/png","size":1.5}`, 400, "size"},
		{"size as string", `{"content_type":"image/png","size":"10"}`, 400, "size"},
		{"long filename", `{"content_type":"image/png","size":10,"filename":"` + long + `"}`, 400, "filename"},
		{"control char in filename", `{"content_type":"image/png","size":10,"filename":"a\u0007b"}`, 400, "filename"},
		{"org in body", `{"content_type":"image/png","size":10,"org":"org-b"}`, 400, "org"},
		{"empty body", ``, 400, ""},
		{"malformed", `{"content_type":`, 400, ""},
		{"two values", `{"content_type":"image/png","size":10}{}`, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, h, http.MethodPost, "/v1/uploads", alice, c.body)
			if c.body == "" {
				r = do(t, h, http.MethodPost, "/v1/uploads", alice, " ")
			}
			if r.Code != c.status {
				t.Fatalf("status = %d, want %d: %s", r.Code, c.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			if c.field == "" {
				return
			}
			p := r.Problem(t, c.status)
			if len(p.Errors) == 0 || p.Errors[0].Field != c.field {
				t.Errorf("errors = %+v, want field %q", p.Errors, c.field)
			}
		})
	}
}

func TestUploadWrongContentType(t *testing.T) {
	t.Parallel()
	h := newEnv(t).api()
	w := apitest.Serve(t, h, http.MethodPost, "/v1/uploads", alice, `content_type=image/png`,
		apitest.ContentType("application/x-www-form-urlencoded"))
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("status = %d: %s", w.Code, w.Body)
	}
}

func TestAuthAndTenancy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.api()
	id := uuid.NewString()
	e.put(originalName(orgA, id), "image/jpeg", jpegBytes(t, 40, 30))
	body := `{"content_type":"image/jpeg","size":10}`
	cases := []struct {
		name, method, path, token, body string
		status                          int
	}{
		{"upload without token", "POST", "/v1/uploads", "", body, 401},
		{"upload with bad token", "POST", "/v1/uploads", "mallory", body, 401},
		{"upload while verifier down", "POST", "/v1/uploads", "down", body, 503},
		{"upload without org", "POST", "/v1/uploads", loner, body, 403},
		{"upload with unusable org", "POST", "/v1/uploads", weird, body, 403},
		{"get without token", "GET", "/v1/media/" + id, "", "", 401},
		{"get without org", "GET", "/v1/media/" + id, loner, "", 403},
		{"get other org's media", "GET", "/v1/media/" + id, bob, "", 404},
		{"get other org's media via hosting", "GET", "/api/media/v1/media/" + id, bob, "", 404},
		{"get own media", "GET", "/v1/media/" + id, alice, "", 200},
		{"get unknown id", "GET", "/v1/media/" + uuid.NewString(), alice, "", 404},
		{"get non-uuid id", "GET", "/v1/media/..%2f..%2fx", alice, "", 404},
		{"unknown route", "GET", "/v1/nothing", alice, "", 404},
		{"wrong method", "DELETE", "/v1/uploads", alice, "", 405},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := do(t, h, c.method, c.path, c.token, c.body)
			if w.Code != c.status {
				t.Fatalf("status = %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.status >= 400 && w.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("error content type %q", w.Header.Get("Content-Type"))
			}
			if c.status == 401 && w.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestGetMediaLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.api()
	process := e.renditions()

	id := uuid.NewString()
	name := originalName(orgA, id)
	gen := e.put(name, "image/jpeg", jpegBytes(t, 1200, 900))

	v := apitest.Decode[MediaView](t, do(t, h, "GET", "/v1/media/"+id, alice, ""))
	if v.Status != StatusPending || len(v.Renditions) != 0 || v.ContentType != "image/jpeg" {
		t.Fatalf("before processing: %+v", v)
	}

	if err := process(context.Background(), finalized("ev-1", testBucket, name, gen)); err != nil {
		t.Fatal(err)
	}
	w := do(t, h, "GET", "/v1/media/"+id, alice, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET = %d %s", w.Code, w.Body)
	}
	v = apitest.Decode[MediaView](t, w)
	if v.Status != StatusReady || v.Width != 1200 || v.Height != 900 || v.ContentType != "image/jpeg" {
		t.Fatalf("after processing: %+v", v)
	}
	want := []struct {
		name   string
		w, h   int
		object string
	}{
		{"w256", 256, 192, renditionName(orgA, id, 256, "jpg")},
		{"w1024", 1024, 768, renditionName(orgA, id, 1024, "jpg")},
	}
	if len(v.Renditions) != len(want) {
		t.Fatalf("renditions = %+v", v.Renditions)
	}
	for i, r := range v.Renditions {
		if r.Name != want[i].name || r.Width != want[i].w || r.Height != want[i].h || r.Object != want[i].object ||
			r.ContentType != "image/jpeg" || r.Size <= 0 {
			t.Errorf("rendition %d = %+v, want %+v", i, r, want[i])
		}
		u, err := url.Parse(r.URL)
		if err != nil || u.Query().Get("X-Goog-Algorithm") != "GOOG4-RSA-SHA256" {
			t.Errorf("rendition url %q is not a V4 signed url", r.URL)
		}
	}

	// Another org never sees it, even once ready.
	if w := do(t, h, "GET", "/v1/media/"+id, bob, ""); w.Code != http.StatusNotFound {
		t.Errorf("bob GET = %d", w.Code)
	}

	// A rejected upload reports why.
	bad := uuid.NewString()
	badName := originalName(orgA, bad)
	badGen := e.put(badName, "image/png", []byte("not an image at all"))
	if err := process(context.Background(), finalized("ev-2", testBucket, badName, badGen)); err != nil {
		t.Fatal(err)
	}
	v = apitest.Decode[MediaView](t, do(t, h, "GET", "/v1/media/"+bad, alice, ""))
	if v.Status != StatusRejected || v.Reason == "" || len(v.Renditions) != 0 {
		t.Errorf("rejected view: %+v", v)
	}
}

func TestEnvMisconfiguration(t *testing.T) {
	t.Parallel()
	// A demo project without emulator hosts must never reach Google: both
	// roots refuse to build, which the platform answers with 503 (HTTP) or
	// a retry (event).
	p := platform.New(platform.Options{Function: EntryHTTP, Lookup: func(k string) string {
		if k == "GOOGLE_CLOUD_PROJECT" {
			return "demo-misconfigured"
		}
		return ""
	}})
	defer p.Close()
	for _, name := range []string{EntryHTTP, EntryRenditions} {
		if _, err := platform.Roots()[name].Build(p); err == nil {
			t.Errorf("%s built without configuration", name)
		}
	}
}
