package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	_ "image/jpeg"

	"pointsofyou.ai/studio/emulators/hub"
	"pointsofyou.ai/studio/emulators/suite"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/topology"
)

func signIn(t *testing.T, email, password string) string {
	t.Helper()
	return apitest.SignIn(t, env.Auth.Addr, email, password)
}

// hosting calls the suite through Hosting, as the web app does.
func hosting() apitest.Client { return apitest.Client{Base: "http://" + env.Hosting.Addr} }

// call sends a request through Hosting; out, when set, receives the JSON
// answer. The returned response's body can be read again.
func call(t *testing.T, method, path, token string, body any, out any) *http.Response {
	t.Helper()
	r := hosting().Do(t, method, path, token, body)
	if out != nil {
		r.JSON(t, out)
	}
	return &http.Response{StatusCode: r.Code, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body))}
}

func testPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

type uploadResp struct {
	ID        string            `json:"id"`
	Object    string            `json:"object"`
	UploadURL string            `json:"upload_url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
}

// upload asks the media function for a signed upload as token and PUTs img
// to it, as the web app does.
func upload(t *testing.T, token string, img []byte) uploadResp {
	t.Helper()
	var up uploadResp
	if r := call(t, "POST", "/api/media/v1/uploads", token, map[string]any{"content_type": "image/png", "size": len(img)}, &up); r.StatusCode != 201 {
		t.Fatalf("uploads: %d", r.StatusCode)
	}
	opts := []apitest.Option{}
	for k, v := range up.Headers {
		opts = append(opts, apitest.Header(k, v))
	}
	apitest.Client{}.Do(t, up.Method, up.UploadURL, "", img, opts...).Want(t, http.StatusOK)
	return up
}

type mediaResp struct {
	Status     string `json:"status"`
	Renditions []struct {
		Name   string `json:"name"`
		Object string `json:"object"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"renditions"`
}

// TestUploadToRenditions: signed URL → upload → Storage notification →
// Eventarc → media-renditions → renditions of the right sizes; a second
// delivery of the same event changes nothing.
func TestUploadToRenditions(t *testing.T) {
	ctx := context.Background()
	token := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass")
	img := testPNG(1600, 900)

	up := upload(t, token, img)
	if !strings.HasPrefix(up.Object, "orgs/org-lumen/media/") {
		t.Fatalf("object %q is not under the caller's org", up.Object)
	}

	var media mediaResp
	deadline := time.Now().Add(30 * time.Second)
	for {
		call(t, "GET", "/api/media/v1/media/"+up.ID, token, nil, &media)
		if media.Status == "ready" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if media.Status != "ready" || len(media.Renditions) != 2 {
		t.Fatalf("media = %+v", media)
	}

	client, err := storage.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	bucket := client.Bucket(topology.BucketName(env.Project(), "media"))
	want := map[string]image.Point{"w256": {256, 144}, "w1024": {1024, 576}}
	gens := map[string]int64{}
	for _, r := range media.Renditions {
		rd, err := bucket.Object(r.Object).NewReader(ctx)
		if err != nil {
			t.Fatalf("read %s: %v", r.Object, err)
		}
		cfg, _, err := image.DecodeConfig(rd)
		rd.Close()
		if err != nil {
			t.Fatalf("decode %s: %v", r.Object, err)
		}
		if got := (image.Point{cfg.Width, cfg.Height}); got != want[r.Name] {
			t.Errorf("%s is %v, want %v", r.Name, got, want[r.Name])
		}
		attrs, err := bucket.Object(r.Object).Attrs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		gens[r.Object] = attrs.Generation
	}
	orig, err := bucket.Object(up.Object).Attrs(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Deliver the very same event again, as Eventarc may.
	var first *cloudevents.Event
	for _, d := range env.Eventarc.Deliveries() {
		if d.Function == "media-renditions" && d.Subject == "objects/"+up.Object && d.OK() {
			ev := cloudevents.NewEvent()
			ev.SetID(d.EventID)
			ev.SetType(d.Type)
			ev.SetSource(d.Source)
			ev.SetSubject(d.Subject)
			first = &ev
		}
	}
	if first == nil {
		t.Fatalf("no successful media-renditions delivery for %s in %+v", up.Object, env.Eventarc.Deliveries())
	}
	objJSON := objectResource(t, orig.Bucket, up.Object)
	if err := first.SetData(cloudevents.ApplicationJSON, objJSON); err != nil {
		t.Fatal(err)
	}
	first.SetTime(time.Now())
	if err := env.Eventarc.Deliver(ctx, "media-renditions", *first); err != nil {
		t.Fatalf("redeliver: %v", err)
	}
	for obj, g := range gens {
		attrs, err := bucket.Object(obj).Attrs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if attrs.Generation != g {
			t.Errorf("%s rewritten by a duplicate event (generation %d → %d)", obj, g, attrs.Generation)
		}
	}
	again, _ := bucket.Object(up.Object).Attrs(ctx)
	if again.Metageneration != orig.Metageneration {
		t.Errorf("original's metadata changed by a duplicate event (metageneration %d → %d)", orig.Metageneration, again.Metageneration)
	}
}

// objectResource is the object's JSON resource, the data of a Storage event.
func objectResource(t *testing.T, bucket, name string) json.RawMessage {
	t.Helper()
	resp, err := http.Get("http://" + env.Storage.Addr + "/storage/v1/b/" + bucket + "/o/" + url.PathEscape(name))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("object resource: %d %s", resp.StatusCode, b)
	}
	return b
}

func TestUploadsRefuseBadRequests(t *testing.T) {
	token := signIn(t, "noa.participant@studio.test", "demo-participant-pass")
	cases := []struct {
		name, token string
		body        any
		status      int
		field       string
	}{
		{"no token", "", map[string]any{"content_type": "image/png", "size": 10}, 401, ""},
		{"garbage token", "not-a-jwt", map[string]any{"content_type": "image/png", "size": 10}, 401, ""},
		{"unknown field", token, map[string]any{"content_type": "image/png", "size": 10, "org": "org-other"}, 400, "org"},
		{"wrong type", token, map[string]any{"content_type": "image/png", "size": "big"}, 400, "size"},
		{"bad content type", token, map[string]any{"content_type": "application/pdf", "size": 10}, 400, "content_type"},
		{"too big", token, map[string]any{"content_type": "image/png", "size": 11 << 20}, 400, "size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p struct {
				Type   string `json:"type"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			}
			resp := call(t, "POST", "/api/media/v1/uploads", c.token, c.body, &p)
			if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), c.status)
			}
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Errorf("errors %+v, want field %s", p.Errors, c.field)
			}
		})
	}
}

// TestHubListsEveryEmulator checks GET /emulators in Firebase's shape.
func TestHubListsEveryEmulator(t *testing.T) {
	resp, err := http.Get("http://" + env.Hub.Addr + "/emulators")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]hub.Info
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{suite.Hub, suite.Hosting, suite.Functions, suite.Firestore, suite.PubSub, suite.Auth, suite.Storage, suite.Eventarc, suite.BigQuery, suite.Vertex, suite.DNS} {
		e, ok := got[name]
		if !ok || e.Name != name || e.Host == "" || e.Port == 0 {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

func TestHostingServesTheApp(t *testing.T) {
	resp, err := http.Get("http://" + env.Hosting.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("Points of You")) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("index: %d csp=%q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	var health map[string]string
	if r := call(t, "GET", "/api/media/healthz", "", nil, &health); r.StatusCode != 200 || health["status"] != "ok" {
		t.Fatalf("healthz through hosting: %d %v", r.StatusCode, health)
	}
}
