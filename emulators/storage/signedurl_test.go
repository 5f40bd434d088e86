package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gcs "cloud.google.com/go/storage"
)

const (
	signerEmail = "signer@demo-poy.iam.gserviceaccount.com"
	rangeHeader = "x-goog-content-length-range:0,10485760"
)

func newKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// signedPut performs a PUT as a browser or plain client would.
func signedPut(t *testing.T, rawURL, contentType string, body []byte, extra http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Goog-Content-Length-Range", "0,10485760")
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSignedURLPutUnderEmulatorHost follows the path a function takes: the
// official client configured only by STORAGE_EMULATOR_HOST signs a V4 PUT
// URL, and a plain HTTP client uploads with it. Not parallel: it sets the
// process environment.
func TestSignedURLPutUnderEmulatorHost(t *testing.T) {
	key, keyPEM := newKey(t)
	var skew atomic.Int64
	srv := startServer(t, Options{
		Now:     func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
		Signers: map[string]*rsa.PublicKey{signerEmail: &key.PublicKey},
	})
	t.Setenv("STORAGE_EMULATOR_HOST", srv.URL())
	ctx := context.Background()
	client, err := gcs.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	bucket := client.Bucket("demo-poy-media")
	if err := bucket.Create(ctx, "demo-poy", nil); err != nil {
		t.Fatal(err)
	}

	sign := func(object string, insecure bool) string {
		t.Helper()
		u, err := bucket.SignedURL(object, &gcs.SignedURLOptions{
			Scheme:         gcs.SigningSchemeV4,
			Method:         http.MethodPut,
			ContentType:    "image/jpeg",
			Headers:        []string{rangeHeader},
			Expires:        time.Now().Add(15 * time.Minute),
			GoogleAccessID: signerEmail,
			PrivateKey:     keyPEM,
			Insecure:       insecure,
		})
		if err != nil {
			t.Fatalf("SignedURL: %v", err)
		}
		return u
	}

	// Without Insecure the client yields https on the emulator's host.
	secure, err := url.Parse(sign("uploads/x.jpg", false))
	if err != nil {
		t.Fatal(err)
	}
	if secure.Scheme != "https" || secure.Host != strings.TrimPrefix(srv.URL(), "http://") || secure.Path != "/demo-poy-media/uploads/x.jpg" {
		t.Errorf("signed URL = %s://%s%s", secure.Scheme, secure.Host, secure.Path)
	}

	tamper := func(u string) string {
		i := strings.Index(u, "X-Goog-Signature=") + len("X-Goog-Signature=")
		c := byte('0')
		if u[i] == '0' {
			c = '1'
		}
		return u[:i] + string(c) + u[i+1:]
	}

	tests := []struct {
		name        string
		url         string
		contentType string
		body        []byte
		skew        time.Duration
		wantStatus  int
		wantCode    string
	}{
		{"valid", sign("uploads/ok photo.jpg", true), "image/jpeg", []byte("jpeg"), 0, http.StatusOK, ""},
		{"tampered signature", tamper(sign("uploads/t.jpg", true)), "image/jpeg", []byte("jpeg"), 0, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"wrong content type", sign("uploads/ct.jpg", true), "text/html", []byte("<html>"), 0, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"expired", sign("uploads/exp.jpg", true), "image/jpeg", []byte("jpeg"), time.Hour, http.StatusBadRequest, "ExpiredToken"},
		{"too large", sign("uploads/big.jpg", true), "image/jpeg", make([]byte, 10485761), 0, http.StatusBadRequest, "EntityTooLarge"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			skew.Store(int64(tc.skew))
			defer skew.Store(0)
			status, body := signedPut(t, tc.url, tc.contentType, tc.body, nil)
			if status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", status, tc.wantStatus, body)
			}
			if tc.wantCode != "" && !strings.Contains(body, "<Code>"+tc.wantCode+"</Code>") {
				t.Errorf("body = %s, want code %s", body, tc.wantCode)
			}
		})
	}

	attrs, err := bucket.Object("uploads/ok photo.jpg").Attrs(ctx)
	if err != nil {
		t.Fatalf("uploaded object: %v", err)
	}
	if attrs.ContentType != "image/jpeg" || attrs.Size != 4 {
		t.Errorf("uploaded attrs = %q size %d", attrs.ContentType, attrs.Size)
	}
	for _, name := range []string{"uploads/t.jpg", "uploads/ct.jpg", "uploads/exp.jpg", "uploads/big.jpg"} {
		if _, err := bucket.Object(name).Attrs(ctx); !errors.Is(err, gcs.ErrObjectNotExist) {
			t.Errorf("rejected upload %s stored: %v", name, err)
		}
	}
}

func TestSignedURLUnknownSignerChecksExpiryAndRange(t *testing.T) {
	t.Parallel()
	_, keyPEM := newKey(t)
	var skew atomic.Int64
	srv := startServer(t, Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err := newClient(t, srv).Bucket("bkt").Create(context.Background(), "demo", nil); err != nil {
		t.Fatal(err)
	}
	sign := func(object string) string {
		u, err := gcs.SignedURL("bkt", object, &gcs.SignedURLOptions{
			Scheme: gcs.SigningSchemeV4, Method: http.MethodPut, ContentType: "image/png",
			Headers: []string{"x-goog-content-length-range:0,3"}, Expires: time.Now().Add(time.Minute),
			GoogleAccessID: "other@demo.iam.gserviceaccount.com", PrivateKey: keyPEM,
			Hostname: srv.URL(), Insecure: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	put := func(u string, body []byte, chunked bool) (int, string) {
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(r) // unknown length: sent chunked
		}
		req, _ := http.NewRequest(http.MethodPut, u, r)
		req.Header.Set("Content-Type", "image/png")
		req.Header.Set("X-Goog-Content-Length-Range", "0,3")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := put(sign("ok.png"), []byte("png"), false); status != http.StatusOK {
		t.Errorf("unknown signer upload = %d %s", status, body)
	}
	if status, body := put(sign("big.png"), []byte("png!"), true); status != http.StatusBadRequest || !strings.Contains(body, "EntityTooLarge") {
		t.Errorf("chunked too large = %d %s", status, body)
	}
	skew.Store(int64(2 * time.Minute))
	if status, body := put(sign("late.png"), []byte("png"), false); status != http.StatusBadRequest || !strings.Contains(body, "ExpiredToken") {
		t.Errorf("expired = %d %s", status, body)
	}
}

func TestSignedURLMalformedQueryIs400(t *testing.T) {
	t.Parallel()
	srv := startServer(t, Options{})
	tests := []string{
		"X-Goog-Signature=abcd",
		"X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Signature=ab",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=a%2Fb&X-Goog-Signature=ab",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=e%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240102T000000Z&X-Goog-Expires=60&X-Goog-SignedHeaders=host&X-Goog-Signature=ab",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=e%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=999999&X-Goog-SignedHeaders=host&X-Goog-Signature=ab",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=e%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=60&X-Goog-SignedHeaders=content-type&X-Goog-Signature=ab",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=e%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=60&X-Goog-SignedHeaders=host&X-Goog-Signature=zz",
	}
	for _, q := range tests {
		req, _ := http.NewRequest(http.MethodPut, srv.URL()+"/b/o?"+q, strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "<Error>") {
			t.Errorf("query %s: %d %s", q, resp.StatusCode, b)
		}
	}
}

func TestParseLengthRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		lo, hi int64
		ok     bool
	}{
		{"0,10485760", 0, 10485760, true},
		{" 5 , 9 ", 5, 9, true},
		{"9,5", 0, 0, false},
		{"-1,5", 0, 0, false},
		{"5", 0, 0, false},
		{"a,b", 0, 0, false},
	}
	for _, tc := range tests {
		lo, hi, err := parseLengthRange(tc.in)
		if (err == nil) != tc.ok || lo != tc.lo || hi != tc.hi {
			t.Errorf("parseLengthRange(%q) = %d %d %v", tc.in, lo, hi, err)
		}
	}
}

// FuzzSignedRequestParsing feeds arbitrary queries, paths and headers to the
// signed URL parsing and canonicalisation: it must never panic, and a
// parsed request always yields a canonical request naming its headers.
func FuzzSignedRequestParsing(f *testing.F) {
	f.Add("X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=e%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240101T000000Z&X-Goog-Expires=60&X-Goog-SignedHeaders=content-type%3Bhost&X-Goog-Signature=abcd",
		"/bucket/a%2Fb c.jpg", "image/jpeg", "0,10")
	f.Add("X-Goog-Signature=&&=%zz", "/%", "", ",")
	f.Fuzz(func(t *testing.T, rawQuery, path, contentType, lengthRange string) {
		q, _ := url.ParseQuery(rawQuery)
		_ = canonicalQuery(q)
		_, _, _ = parseLengthRange(lengthRange)
		cp, err := canonicalPath(path)
		if err != nil {
			return
		}
		p, xe := parseSignedParams(q)
		if xe != nil {
			if xe.Status != http.StatusBadRequest {
				t.Fatalf("parse error status %d", xe.Status)
			}
			return
		}
		c := canonicalRequest(http.MethodPut, cp, canonicalQuery(q), p.SignedHeaders, func(name string) string {
			if name == "content-type" {
				return contentType
			}
			return "h"
		})
		if !strings.Contains(c, strings.Join(p.SignedHeaders, ";")) {
			t.Fatalf("canonical request lacks signed headers: %q", c)
		}
		_ = stringToSign(p, c)
	})
}

// TestSignedURLRefusesUnsignedGoogHeaders: as on Cloud Storage, every
// x-goog-* header of a V4-signed request must be among its signed headers;
// an upload cannot add custom metadata (x-goog-meta-*), an ACL or anything
// else the signer did not agree to. Nothing is stored.
func TestSignedURLRefusesUnsignedGoogHeaders(t *testing.T) {
	t.Parallel()
	key, keyPEM := newKey(t)
	for _, registered := range []bool{true, false} {
		opts := Options{}
		if registered {
			opts.Signers = map[string]*rsa.PublicKey{signerEmail: &key.PublicKey}
		}
		srv := startServer(t, opts)
		if err := newClient(t, srv).Bucket("bkt").Create(context.Background(), "demo", nil); err != nil {
			t.Fatal(err)
		}
		sign := func(object string) string {
			u, err := gcs.SignedURL("bkt", object, &gcs.SignedURLOptions{
				Scheme: gcs.SigningSchemeV4, Method: http.MethodPut, ContentType: "image/png",
				Headers: []string{rangeHeader, "x-goog-meta-uploader:uid-1"}, Expires: time.Now().Add(time.Minute),
				GoogleAccessID: signerEmail, PrivateKey: keyPEM, Hostname: srv.URL(), Insecure: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		cases := []struct {
			name   string
			extra  http.Header
			status int
			code   string
		}{
			{"only signed headers", http.Header{"X-Goog-Meta-Uploader": {"uid-1"}}, http.StatusOK, ""},
			{"unsigned status metadata", http.Header{"X-Goog-Meta-Uploader": {"uid-1"}, "X-Goog-Meta-Status": {"ready"}}, http.StatusBadRequest, "MalformedSecurityHeader"},
			{"unsigned metadata, other case", http.Header{"X-Goog-Meta-Uploader": {"uid-1"}, "x-GOOG-meta-detected-type": {"image/png"}}, http.StatusBadRequest, "MalformedSecurityHeader"},
			{"unsigned acl", http.Header{"X-Goog-Meta-Uploader": {"uid-1"}, "X-Goog-Acl": {"public-read"}}, http.StatusBadRequest, "MalformedSecurityHeader"},
		}
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%s registered=%v", tc.name, registered), func(t *testing.T) {
				object := fmt.Sprintf("o%d.png", i)
				status, body := signedPut(t, sign(object), "image/png", []byte("png"), tc.extra)
				if status != tc.status || (tc.code != "" && !strings.Contains(body, "<Code>"+tc.code+"</Code>")) {
					t.Fatalf("PUT = %d %s, want %d %s", status, body, tc.status, tc.code)
				}
				if tc.code != "" && !strings.Contains(body, "<ParameterName>x-goog-") {
					t.Errorf("error names no header: %s", body)
				}
				_, err := newClient(t, srv).Bucket("bkt").Object(object).Attrs(context.Background())
				if stored := err == nil; stored != (tc.status == http.StatusOK) {
					t.Errorf("stored = %v (%v)", stored, err)
				}
			})
		}
	}
}
