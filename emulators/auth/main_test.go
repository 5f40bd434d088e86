package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
)

// testSrv is the emulator every Admin SDK test talks to. The SDK reads
// FIREBASE_AUTH_EMULATOR_HOST from the process environment, so it is set
// once here; tests stay parallel by each using its own project id.
var testSrv *Server

func TestMain(m *testing.M) {
	srv, err := NewServer(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testSrv = srv
	os.Setenv("FIREBASE_AUTH_EMULATOR_HOST", srv.Addr)
	code := m.Run()
	_ = srv.Close()
	os.Exit(code)
}

var projectSeq atomic.Int64

// newProject returns a fresh project id, isolating a test's state.
func newProjectID() string { return fmt.Sprintf("demo-test-%d", projectSeq.Add(1)) }

func adminClient(t testing.TB, project string) *fbauth.Client {
	t.Helper()
	ctx := context.Background()
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project})
	if err != nil {
		t.Fatalf("firebase.NewApp: %v", err)
	}
	c, err := app.Auth(ctx)
	if err != nil {
		t.Fatalf("app.Auth: %v", err)
	}
	return c
}

// restClient calls the emulator's REST API the way the web SDK does.
type restClient struct {
	t       testing.TB
	base    string // http://host:port
	project string
}

func newREST(t testing.TB, srv *Server, project string) *restClient {
	return &restClient{t: t, base: "http://" + srv.Addr, project: project}
}

// op posts to projects/{p}/accounts:name without credentials (a client call).
func (c *restClient) op(name string, body any) (int, map[string]any) {
	c.t.Helper()
	return c.do(http.MethodPost, "/identitytoolkit.googleapis.com/v1/projects/"+c.project+"/accounts:"+name+"?key=fake-api-key", body, false)
}

func (c *restClient) do(method, path string, body any, admin bool) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if admin {
		req.Header.Set("Authorization", "Bearer owner")
	}
	return c.send(req)
}

func (c *restClient) send(req *http.Request) (int, map[string]any) {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: bad JSON %q", req.Method, req.URL.Path, raw)
		}
	}
	return resp.StatusCode, out
}

// refresh exchanges a refresh token with a form body, as the web SDK does.
func (c *restClient) refresh(token string) (int, map[string]any) {
	c.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
	req, err := http.NewRequest(http.MethodPost, c.base+"/securetoken.googleapis.com/v1/token?key=fake-api-key", strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

func (c *restClient) signUp(email, password string) map[string]any {
	c.t.Helper()
	status, body := c.op("signUp", map[string]any{"email": email, "password": password, "returnSecureToken": true})
	if status != http.StatusOK {
		c.t.Fatalf("signUp: %d %v", status, body)
	}
	return body
}

func (c *restClient) signIn(email, password string) map[string]any {
	c.t.Helper()
	status, body := c.op("signInWithPassword", map[string]any{"email": email, "password": password, "returnSecureToken": true})
	if status != http.StatusOK {
		c.t.Fatalf("signInWithPassword: %d %v", status, body)
	}
	return body
}

// errMessage returns error.message of an error body.
func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// waitNextSecond returns once the clock has left the second of unix, so a
// revocation recorded now is strictly after a token issued at unix (token
// times have one-second resolution, as in production).
func waitNextSecond(unix int64) {
	for time.Now().Unix() <= unix {
		time.Sleep(20 * time.Millisecond)
	}
}
