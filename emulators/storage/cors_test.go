package storage

import (
	"bytes"
	"context"
	"crypto/rsa"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gcs "cloud.google.com/go/storage"

	"pointsofyou.ai/studio/shared/topology"
)

// appOrigin is the app's; otherOrigin another local page's (the emulators'
// guard refuses pages of other machines before CORS is considered).
const (
	appOrigin   = "http://127.0.0.1:5000"
	otherOrigin = "http://127.0.0.1:6001"
)

// TestBucketCORSThroughTheClient: the official client sets, reads and
// clears a bucket's CORS configuration as on GCS; the fake alone forgets it.
func TestBucketCORSThroughTheClient(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Options{})
	ctx := context.Background()
	c := newClient(t, srv)
	want := []gcs.CORS{{Origins: []string{appOrigin}, Methods: []string{"PUT", "GET"},
		ResponseHeaders: []string{"Content-Type"}, MaxAge: time.Hour}}

	created := c.Bucket("with-cors")
	if err := created.Create(ctx, "demo-poy", &gcs.BucketAttrs{CORS: want}); err != nil {
		t.Fatal(err)
	}
	plain := c.Bucket("plain")
	if err := plain.Create(ctx, "demo-poy", nil); err != nil {
		t.Fatal(err)
	}
	if a, err := created.Attrs(ctx); err != nil || !equalCORS(a.CORS, want) {
		t.Fatalf("created with CORS: Attrs = %+v, %v; want %+v", a.CORS, err, want)
	}
	if a, err := plain.Attrs(ctx); err != nil || len(a.CORS) != 0 {
		t.Fatalf("bucket without CORS: %+v, %v", a.CORS, err)
	}

	updated, err := plain.Update(ctx, gcs.BucketAttrsToUpdate{CORS: want})
	if err != nil || !equalCORS(updated.CORS, want) {
		t.Fatalf("Update(CORS) = %+v, %v", updated.CORS, err)
	}
	// Updating something else keeps the configuration.
	if a, err := plain.Update(ctx, gcs.BucketAttrsToUpdate{VersioningEnabled: true}); err != nil || !equalCORS(a.CORS, want) {
		t.Fatalf("unrelated Update lost CORS: %+v, %v", a.CORS, err)
	}
	it := c.Buckets(ctx, "demo-poy")
	listed := 0
	for {
		a, err := it.Next()
		if err != nil {
			break
		}
		if !equalCORS(a.CORS, want) {
			t.Errorf("list: bucket %s has CORS %+v", a.Name, a.CORS)
		}
		listed++
	}
	if listed != 2 {
		t.Errorf("listed %d buckets, want 2", listed)
	}
	if a, err := plain.Update(ctx, gcs.BucketAttrsToUpdate{CORS: []gcs.CORS{}}); err != nil || len(a.CORS) != 0 {
		t.Fatalf("clearing CORS: %+v, %v", a.CORS, err)
	}
	if got := srv.BucketCORSConfig("plain"); got != nil {
		t.Errorf("cleared configuration still applied: %+v", got)
	}
	if err := created.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.BucketCORSConfig("with-cors"); got != nil {
		t.Errorf("deleted bucket kept its CORS: %+v", got)
	}
}

func equalCORS(got, want []gcs.CORS) bool {
	return slices.EqualFunc(got, want, func(a, b gcs.CORS) bool {
		return slices.Equal(a.Origins, b.Origins) && slices.Equal(a.Methods, b.Methods) &&
			slices.Equal(a.ResponseHeaders, b.ResponseHeaders) && a.MaxAge == b.MaxAge
	})
}

// TestSignedUploadFromTheApp follows a browser: a preflight, then the
// signed PUT with the headers the URL was signed with, from the app's
// origin; another origin, or a header the configuration does not list, is
// refused as GCS refuses it.
func TestSignedUploadFromTheApp(t *testing.T) {
	t.Parallel()
	key, keyPEM := newKey(t)
	srv := startServer(t, Options{Signers: map[string]*rsa.PublicKey{signerEmail: &key.PublicKey}})
	topo := &topology.Topology{Buckets: []topology.Bucket{{Name: "media", CORSOrigins: []string{"http://localhost:5000"}}}}
	if err := srv.Apply(context.Background(), topo, "demo-poy"); err != nil {
		t.Fatal(err)
	}
	srv.AllowOrigin(appOrigin)
	u, err := gcs.SignedURL("demo-poy-media", "uploads/u1/photo.png", &gcs.SignedURLOptions{
		Scheme: gcs.SigningSchemeV4, Method: http.MethodPut, ContentType: "image/png",
		Headers: []string{rangeHeader, "x-goog-meta-uploader:uid-1"}, Expires: time.Now().Add(time.Minute),
		GoogleAccessID: signerEmail, PrivateKey: keyPEM, Hostname: srv.URL(), Insecure: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	u = strings.Replace(u, "https://", "http://", 1) // Hostname carries the scheme already
	u = strings.Replace(u, "http://http://", "http://", 1)

	preflight := func(origin, method, headers string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, u, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	signedHeaders := "content-type,x-goog-content-length-range,x-goog-meta-uploader"
	for _, origin := range []string{appOrigin, "http://localhost:5000"} {
		resp := preflight(origin, "PUT", signedHeaders)
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("Access-Control-Allow-Origin") != origin ||
			h.Get("Access-Control-Allow-Methods") != "PUT" || h.Get("Access-Control-Allow-Headers") != signedHeaders ||
			h.Get("Access-Control-Max-Age") != "3600" || !slices.Contains(h.Values("Vary"), "Origin") {
			t.Errorf("preflight from %s: %d %v", origin, resp.StatusCode, h)
		}
	}
	for name, r := range map[string][3]string{
		"another origin":  {otherOrigin, "PUT", signedHeaders},
		"unlisted method": {appOrigin, "DELETE", ""},
		"unlisted header": {appOrigin, "PUT", signedHeaders + ",x-goog-acl"},
	} {
		resp := preflight(r[0], r[1], r[2])
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
			t.Errorf("%s: preflight %d, Allow-Origin %q; want 403 without CORS headers",
				name, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}

	put := func(origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader([]byte("png")))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "image/png")
		req.Header.Set("X-Goog-Content-Length-Range", "0,10485760")
		req.Header.Set("X-Goog-Meta-Uploader", "uid-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := put(appOrigin)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != appOrigin ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("PUT from the app: %d %v", resp.StatusCode, resp.Header)
	}
	// The server does not refuse a simple request from elsewhere; the
	// browser does, since the answer names no origin.
	if resp := put(otherOrigin); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("PUT from another origin: Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	// A signed download, read by a script of the app.
	g, err := gcs.SignedURL("demo-poy-media", "uploads/u1/photo.png", &gcs.SignedURLOptions{
		Scheme: gcs.SigningSchemeV4, Method: http.MethodGet, Expires: time.Now().Add(time.Minute),
		GoogleAccessID: signerEmail, PrivateKey: keyPEM, Hostname: srv.URL(), Insecure: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	g = strings.Replace(g, "http://http://", "http://", 1)
	req, _ := http.NewRequest(http.MethodGet, g, nil)
	req.Header.Set("Origin", appOrigin)
	gr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	gr.Body.Close()
	if gr.StatusCode != http.StatusOK || gr.Header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("signed GET from the app: %d %v", gr.StatusCode, gr.Header)
	}
}

// TestJSONAPIAnswersAnyOrigin: GCS's JSON API answers CORS for any origin
// whatever the bucket's configuration says; only the XML API applies it.
func TestJSONAPIAnswersAnyOrigin(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Options{})
	if err := newClient(t, srv).Bucket("bkt").Create(context.Background(), "demo-poy", nil); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodOptions, srv.URL()+"/storage/v1/b/bkt/o", nil)
	req.Header.Set("Origin", otherOrigin)
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("JSON API preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestBucketCORSMatchesTerraform: the emulator configures its buckets as
// terraform/storage.tf configures the deployed ones.
func TestBucketCORSMatchesTerraform(t *testing.T) {
	t.Parallel()
	tf, err := os.ReadFile("../../terraform/storage.tf")
	if err != nil {
		t.Fatal(err)
	}
	list := func(attr string) []string {
		m := regexp.MustCompile(`(?m)^\s*` + attr + `\s*=\s*\[([^\]]*)\]`).FindSubmatch(tf)
		if m == nil {
			t.Fatalf("storage.tf: no %s in the cors block", attr)
		}
		var out []string
		for _, f := range strings.Split(string(m[1]), ",") {
			if f = strings.Trim(strings.TrimSpace(f), `"`); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	want := BucketCORS()[0]
	if got := list("method"); !slices.Equal(got, want.Method) {
		t.Errorf("terraform methods %v, emulator %v", got, want.Method)
	}
	if got := list("response_header"); !slices.Equal(got, want.ResponseHeader) {
		t.Errorf("terraform response headers %v, emulator %v", got, want.ResponseHeader)
	}
	m := regexp.MustCompile(`max_age_seconds\s*=\s*(\d+)`).FindSubmatch(tf)
	if m == nil || string(m[1]) != strconv.Itoa(want.MaxAgeSeconds) {
		t.Errorf("terraform max_age_seconds %q, emulator %d", m, want.MaxAgeSeconds)
	}
}
