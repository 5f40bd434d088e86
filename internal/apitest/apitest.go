// Package apitest is the test kit of every function's tests and of the
// end-to-end tests: call a handler in process or a server by URL, with a
// bearer token and a JSON body; read the answer as JSON or as an
// application/problem+json problem, failing the test with the status and
// body when it is neither; a two-organisation user table for the fake
// verifier and for the Auth emulator (users.go); and the real events
// publisher on an in-process Pub/Sub emulator (events.go), so the event
// registry judges every payload a test makes a function publish.
//
// Only tests import it. It lives under internal/ because nothing deployed
// may depend on it, and it may start emulators.
package apitest

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Response is an answer read whole.
type Response struct {
	Code   int
	Header http.Header
	Body   []byte
}

// String is the status and body, for failure messages.
func (r Response) String() string { return http.StatusText(r.Code) + " " + string(r.Body) }

// Want fails the test unless the status is code; it returns r so a call
// reads as one line: apitest.Serve(…).Want(t, 200).JSON(t, &v).
func (r Response) Want(t testing.TB, code int) Response {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status %d, want %d: %s", r.Code, code, r.Body)
	}
	return r
}

// JSON decodes the body into v, failing the test with the body when it is
// not JSON of v's shape.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode status %d body %s: %v", r.Code, r.Body, err)
	}
}

// IsProblem reports an application/problem+json answer.
func (r Response) IsProblem() bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), httpapi.ContentTypeProblem)
}

// Problem decodes a problem answer with status code (0: any status of
// 400 or more), failing the test when the answer is anything else.
func (r Response) Problem(t testing.TB, code int) httpapi.Problem {
	t.Helper()
	if (code != 0 && r.Code != code) || (code == 0 && r.Code < 400) || !r.IsProblem() {
		want := "an error"
		if code != 0 {
			want = http.StatusText(code)
		}
		t.Fatalf("status %d (%s), want %s as %s: %s", r.Code, r.Header.Get("Content-Type"), want, httpapi.ContentTypeProblem, r.Body)
	}
	var p httpapi.Problem
	r.JSON(t, &p)
	if p.Status != r.Code {
		t.Errorf("problem status %d on a %d answer", p.Status, r.Code)
	}
	return p
}

// Fields maps each field a problem names to its details, joined.
func Fields(p httpapi.Problem) map[string]string {
	out := map[string]string{}
	for _, f := range p.Errors {
		out[f.Field] += f.Detail
	}
	return out
}

// Option shapes a request.
type Option func(*http.Request)

// Header sets a request header.
func Header(key, value string) Option { return func(r *http.Request) { r.Header.Set(key, value) } }

// ContentType replaces the body's content type (application/json).
func ContentType(ct string) Option { return Header("Content-Type", ct) }

// NewRequest builds a request: token, when set, is the bearer token; body
// nil sends none, a string, []byte or io.Reader is sent as it is, anything
// else as JSON; a body is application/json unless an option says otherwise.
func NewRequest(t testing.TB, method, url, token string, body any, opts ...Option) *http.Request {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, o := range opts {
		o(req)
	}
	return req
}

// Serve sends one request to h in process (see NewRequest for token and
// body).
func Serve(t testing.TB, h http.Handler, method, path, token string, body any, opts ...Option) Response {
	t.Helper()
	// The host and peer address are httptest.NewRequest's.
	req := NewRequest(t, method, "http://example.com"+path, token, body, opts...)
	req.RemoteAddr, req.RequestURI = "192.0.2.1:1234", path
	if req.Body == nil {
		req.Body = http.NoBody // a server's request always has a body
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return Response{Code: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// Client calls a server over HTTP: Base is its origin, such as
// "http://127.0.0.1:5000"; HTTP defaults to http.DefaultClient.
type Client struct {
	Base string
	HTTP *http.Client
}

// Do sends one request to Base+path (see NewRequest for token and body).
func (c Client) Do(t testing.TB, method, path, token string, body any, opts ...Option) Response {
	t.Helper()
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(NewRequest(t, method, c.Base+path, token, body, opts...))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return Read(t, resp)
}

// Read reads and closes resp's body.
func Read(t testing.TB, resp *http.Response) Response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer (status %d): %v", resp.StatusCode, err)
	}
	return Response{Code: resp.StatusCode, Header: resp.Header, Body: b}
}

// Decode decodes r's body as a T (see Response.JSON).
func Decode[T any](t testing.TB, r Response) T {
	t.Helper()
	var v T
	r.JSON(t, &v)
	return v
}

// Main runs a package's tests with the default logger silenced unless -v,
// and returns the exit code: func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }.
func Main(m *testing.M) int {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	return m.Run()
}
