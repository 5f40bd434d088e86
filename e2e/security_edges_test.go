package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	firestorepb "cloud.google.com/go/firestore/apiv1/firestorepb"

	"pointsofyou.ai/studio/internal/apitest"
)

// edgeClient is an HTTP client whose connections come from the loopback
// address ip (127.0.0.0/8 is all this machine), so a test can be a client of
// its own for Hosting, with a rate-limit budget no other test shares.
func edgeClient(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}}
}

// edgeIP is a loopback address no other test of this file uses.
var edgeIPs atomic.Int32

func edgeIP() string {
	n := int(edgeIPs.Add(1))
	return fmt.Sprintf("127.%d.%d.%d", 10+rand.IntN(200), n/250, 1+n%250)
}

// edgeDo sends one request through Hosting with c and returns the status,
// headers and body.
func edgeDo(t *testing.T, c *http.Client, method, path, token string, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var opts []apitest.Option
	for k, v := range header {
		opts = append(opts, apitest.Header(k, v))
	}
	r := apitest.Client{Base: hosting().Base, HTTP: c}.Do(t, method, path, token, nil, opts...)
	return r.Code, r.Header, r.Body
}

// edgeUser is a new verified password account and its ID token.
func edgeUser(t *testing.T) (uid, token string) {
	t.Helper()
	email := fmt.Sprintf("edge-%d-%d@edges.test", edgeIPs.Add(1), time.Now().UnixNano())
	u, err := adminClient(t).CreateUser(context.Background(), (&fbauth.UserToCreate{}).Email(email).Password("edge-password").EmailVerified(true))
	if err != nil {
		t.Fatal(err)
	}
	return u.UID, signIn(t, email, "edge-password")
}

// TestSecurityRateLimitKeysOnTheFrontEndsEntry: the per-address limit keys
// on the address Google's front end (here: the Hosting emulator) appends,
// so rotating X-Forwarded-For does not escape it, and two clients do not
// share one budget.
func TestSecurityRateLimitKeysOnTheFrontEndsEntry(t *testing.T) {
	t.Parallel()
	attacker, bystander := edgeClient(edgeIP()), edgeClient(edgeIP())
	limited := false
	for i := range 600 {
		spoof := fmt.Sprintf("203.0.113.%d, 198.51.100.%d", i%250, (i*7)%250)
		code, h, b := edgeDo(t, attacker, "GET", "/api/accounts/v1/sso/discover?email=someone@edges.test", "",
			map[string]string{"X-Forwarded-For": spoof})
		if code == http.StatusTooManyRequests {
			if h.Get("Retry-After") == "" || !strings.Contains(h.Get("Content-Type"), "problem+json") {
				t.Errorf("429 without Retry-After or problem: %v %s", h, b)
			}
			limited = true
			break
		}
		if code != http.StatusOK {
			t.Fatalf("discover #%d: %d %s", i, code, b)
		}
	}
	if !limited {
		t.Error("600 requests with rotating X-Forwarded-For from one client were never limited")
	}
	if code, _, b := edgeDo(t, bystander, "GET", "/api/accounts/v1/sso/discover?email=someone@edges.test", "", nil); code != http.StatusOK {
		t.Errorf("another client shares the limited budget: %d %s", code, b)
	}
}

// TestSecurityPerUserLimit: one account calling from ever new addresses is
// still limited, by its verified uid.
func TestSecurityPerUserLimit(t *testing.T) {
	t.Parallel()
	_, tok := edgeUser(t)
	clients := make([]*http.Client, 24)
	for i := range clients {
		clients[i] = edgeClient(edgeIP())
	}
	var (
		next    atomic.Int32
		limited atomic.Bool
		wg      sync.WaitGroup
		mu      sync.Mutex
		bad     []string
	)
	for range 6 {
		wg.Go(func() {
			for !limited.Load() {
				n := next.Add(1)
				if n > 900 {
					return
				}
				code, h, b := edgeDo(t, clients[int(n)%len(clients)], "GET", "/api/accounts/v1/me", tok, nil)
				switch {
				case code == http.StatusTooManyRequests:
					if h.Get("Retry-After") == "" {
						mu.Lock()
						bad = append(bad, "429 without Retry-After")
						mu.Unlock()
					}
					limited.Store(true)
				case code >= 500 || code == http.StatusUnauthorized:
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%d %s", code, b))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("unexpected answers: %v", bad)
	}
	if !limited.Load() {
		t.Error("900 quick requests of one account from 24 addresses were never limited")
	}
}

// TestSecurityUnknownAPIPathIsAProblem: under /api/ every answer is
// problem+json, also for a function that does not exist; the SPA keeps
// every other path.
func TestSecurityUnknownAPIPathIsAProblem(t *testing.T) {
	t.Parallel()
	c := edgeClient("127.0.0.1")
	for _, tt := range []struct{ method, path string }{
		{"GET", "/api/unknown/v1/things"},
		{"POST", "/api/unknown/v1/things"},
		{"GET", "/api/nope"},
		{"GET", "/api/"},
		{"GET", "/api"},
		{"DELETE", "/api/accounts"},
		{"GET", "/api/accounts/v1/no-such-route"},
		{"GET", "/api/unknown/index.html"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			code, h, b := edgeDo(t, c, tt.method, tt.path, "", nil)
			var p struct {
				Status int    `json:"status"`
				Type   string `json:"type"`
			}
			if ct := h.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(b, &p) != nil {
				t.Fatalf("%d %q: %.200s", code, ct, b)
			}
			if code != p.Status || (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) {
				t.Errorf("status %d, problem %+v", code, p)
			}
		})
	}
	if code, h, b := edgeDo(t, c, "GET", "/journeys/some-page", "", nil); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.Contains(b, []byte("Points of You")) {
		t.Errorf("an app path no longer gets the app: %d %q", code, h.Get("Content-Type"))
	}
}

// TestSecurityEmulatorsRefuseForeignHosts: a page on another site, rebound
// to 127.0.0.1 or posting across sites, is refused by every emulator, while
// clients addressing them as 127.0.0.1 or localhost pass.
func TestSecurityEmulatorsRefuseForeignHosts(t *testing.T) {
	t.Parallel()
	addrs := map[string]string{
		"hub": env.Hub.Addr, "hosting": env.Hosting.Addr, "functions": env.Functions.Addr, "auth": env.Auth.Addr,
		"storage": env.Storage.Addr, "eventarc": env.Eventarc.Addr, "bigquery": env.BigQuery.Addr, "firestore": env.Firestore.Addr,
		"dns": env.DNS.Addr,
	}
	for name, addr := range addrs {
		_, port, _ := net.SplitHostPort(addr)
		for _, tt := range []struct {
			label   string
			host    string
			origin  string
			refused bool
		}{
			{"rebound name", "attacker.example:" + port, "", true},
			{"rebound name, same origin", "attacker.example:" + port, "http://attacker.example:" + port, true},
			{"cross-site page", addr, "https://attacker.example", true},
			{"loopback address", addr, "", false},
			{"localhost", "localhost:" + port, "", false},
			{"page on this machine", addr, "http://localhost:5000", false},
		} {
			t.Run(name+"/"+tt.label, func(t *testing.T) {
				t.Parallel()
				req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
				req.Host = tt.host
				if tt.origin != "" {
					req.Header.Set("Origin", tt.origin)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ours := resp.StatusCode == http.StatusForbidden && resp.Header.Get("Content-Type") == "application/problem+json" &&
					(bytes.Contains(b, []byte("does not name this machine")) || bytes.Contains(b, []byte("other sites")))
				if ours != tt.refused {
					t.Errorf("Host %s Origin %q: %d %.200s", tt.host, tt.origin, resp.StatusCode, b)
				}
			})
		}
	}
	t.Run("firestore/grpc authority", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			authority string
			refused   bool
		}{{"attacker.example", true}, {"localhost", false}, {"", false}} {
			opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
			if tt.authority != "" {
				opts = append(opts, grpc.WithAuthority(tt.authority))
			}
			conn, err := grpc.NewClient(env.Firestore.Addr, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err = firestorepb.NewFirestoreClient(conn).GetDocument(ctx, &firestorepb.GetDocumentRequest{
				Name: "projects/" + env.Project() + "/databases/(default)/documents/edges/none"})
			cancel()
			conn.Close()
			if got := status.Code(err) == codes.PermissionDenied; got != tt.refused {
				t.Errorf("authority %q: %v", tt.authority, err)
			}
		}
	})
}

// TestSecurityFunctionProcessesListenOnLoopback: the function processes
// trust the Auth emulator's unsigned tokens, so no other machine may reach
// them.
func TestSecurityFunctionProcessesListenOnLoopback(t *testing.T) {
	t.Parallel()
	var external net.IP
	ifaces, _ := net.InterfaceAddrs()
	for _, a := range ifaces {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			external = n.IP
			break
		}
	}
	if external == nil {
		t.Skip("this machine has no non-loopback IPv4 address to try")
	}
	backends := env.Functions.Backends()
	if len(backends) == 0 {
		t.Fatal("no function processes")
	}
	for name, addr := range backends {
		host, port, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			t.Errorf("%s is reached at %s", name, addr)
		}
		if conn, err := net.DialTimeout("tcp", net.JoinHostPort(external.String(), port), 2*time.Second); err == nil {
			conn.Close()
			t.Errorf("function %s accepts connections on %s:%s", name, external, port)
		}
	}
}

// TestSecurityHubExportIsConfined: POST /_admin/export needs JSON from this
// machine and writes only a new or earlier export under the allowed root;
// it never replaces or deletes another directory.
func TestSecurityHubExportIsConfined(t *testing.T) {
	t.Parallel()
	victim := t.TempDir() // outside the hub's allowed root (the working directory)
	keep := filepath.Join(victim, "precious.txt")
	if err := os.WriteFile(keep, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	inRoot, err := os.MkdirTemp(wd, "edge-not-an-export-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inRoot) })
	if err := os.WriteFile(filepath.Join(inRoot, "source.go"), []byte("package x"), 0o644); err != nil {
		t.Fatal(err)
	}
	post := func(ct, origin, path string) (int, string) {
		b, _ := json.Marshal(map[string]string{"path": path})
		req, _ := http.NewRequest("POST", "http://"+env.Hub.Addr+"/_admin/export", bytes.NewReader(b))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	for _, tt := range []struct {
		label, ct, origin, path string
		want                    int
	}{
		{"no content type (a form can send it)", "", "", victim, http.StatusUnsupportedMediaType},
		{"text/plain", "text/plain", "", victim, http.StatusUnsupportedMediaType},
		{"cross-site page", "application/json", "https://attacker.example", victim, http.StatusForbidden},
		{"outside the allowed root", "application/json", "", victim, http.StatusForbidden},
		{"escaping the root with ..", "application/json", "", wd + "/../../" + filepath.Base(victim), http.StatusBadRequest},
		{"the root itself", "application/json", "", wd, http.StatusConflict},
		{"a directory that is not an export", "application/json", "", inRoot, http.StatusConflict},
	} {
		code, b := post(tt.ct, tt.origin, tt.path)
		if code != tt.want {
			t.Errorf("%s: %d, want %d: %s", tt.label, code, tt.want, b)
		}
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "keep me" {
		t.Errorf("the directory outside the root was touched: %v", err)
	}
	if _, err := os.Stat(filepath.Join(inRoot, "source.go")); err != nil {
		t.Errorf("the non-export directory was replaced: %v", err)
	}
}
