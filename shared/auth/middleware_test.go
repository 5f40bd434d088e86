package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"

	authemu "pointsofyou.ai/studio/emulators/auth"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/httpapi"
)

const project = "demo-mw"

// The Admin SDK reads FIREBASE_AUTH_EMULATOR_HOST from the environment, so
// one emulator serves the whole package and the variable is set once.
var (
	emu      *authemu.Server
	verifier *auth.FirebaseVerifier
	admin    *fbauth.Client
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	srv, err := authemu.NewServer(authemu.Options{ProjectID: project})
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	emu = srv
	os.Setenv(config.EnvAuthHost, srv.Addr)
	ctx := context.Background()
	if verifier, err = auth.NewFirebaseVerifier(ctx, config.Config{Project: project, AuthHost: srv.Addr}); err != nil {
		return 0, err
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project})
	if err != nil {
		return 0, err
	}
	if admin, err = app.Auth(ctx); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

var seq atomic.Int64

// signUp creates a password user on srv (the web SDK's key-based call) and
// returns its uid and ID token.
func signUp(t *testing.T, srv *authemu.Server) (uid, idToken, email string) {
	t.Helper()
	email = fmt.Sprintf("user%d@example.com", seq.Add(1))
	body := post(t, srv, "accounts:signUp", map[string]any{"email": email, "password": "pw-123456", "returnSecureToken": true})
	return body["localId"].(string), body["idToken"].(string), email
}

func signIn(t *testing.T, email string) string {
	t.Helper()
	return post(t, emu, "accounts:signInWithPassword", map[string]any{"email": email, "password": "pw-123456", "returnSecureToken": true})["idToken"].(string)
}

func post(t *testing.T, srv *authemu.Server, op string, req map[string]any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(req)
	resp, err := http.Post("http://"+srv.Addr+"/identitytoolkit.googleapis.com/v1/"+op+"?key=fake", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v %v", op, resp.StatusCode, body, err)
	}
	return body
}

// serve runs h with the given Authorization header (none when empty).
func serve(h http.Handler, authz string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/v1/things", nil)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// echo answers 200 with the principal it sees.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		http.Error(w, "no principal", http.StatusInternalServerError)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, p)
})

func problemOf(t *testing.T, w *httptest.ResponseRecorder) httpapi.Problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != httpapi.ContentTypeProblem {
		t.Fatalf("Content-Type = %q, body %s", ct, w.Body)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMiddlewareRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := auth.Middleware(verifier)(echo)

	past, err := authemu.NewServer(authemu.Options{ProjectID: project, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { past.Close() })
	other, err := authemu.NewServer(authemu.Options{ProjectID: "demo-other"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })

	tests := []struct {
		name   string
		authz  func(t *testing.T) string
		detail string
	}{
		{"missing", func(*testing.T) string { return "" }, `no bearer token: send "Authorization: Bearer <Firebase ID token>"`},
		{"wrong scheme", func(*testing.T) string { return "Basic dXNlcjpwdw==" }, `the Authorization header must be "Bearer <Firebase ID token>"`},
		{"empty bearer", func(*testing.T) string { return "Bearer " }, `the Authorization header must be "Bearer <Firebase ID token>"`},
		{"garbage", func(*testing.T) string { return "Bearer garbage-token" }, "the ID token is malformed"},
		{"three garbage segments", func(*testing.T) string { return "Bearer a.b.c" }, "the ID token is malformed"},
		{"expired", func(t *testing.T) string {
			_, tok, _ := signUp(t, past)
			return "Bearer " + tok
		}, "the ID token has expired; refresh it and retry"},
		{"wrong audience", func(t *testing.T) string {
			_, tok, _ := signUp(t, other)
			return "Bearer " + tok
		}, "the ID token was issued for another project"},
		{"disabled user", func(t *testing.T) string {
			uid, tok, _ := signUp(t, emu)
			if _, err := admin.UpdateUser(ctx, uid, (&fbauth.UserToUpdate{}).Disabled(true)); err != nil {
				t.Fatal(err)
			}
			return "Bearer " + tok
		}, "the user account is disabled"},
		{"revoked", func(t *testing.T) string {
			uid, tok, _ := signUp(t, emu)
			waitNextSecond(t, tok)
			if err := admin.RevokeRefreshTokens(ctx, uid); err != nil {
				t.Fatal(err)
			}
			return "Bearer " + tok
		}, "the ID token has been revoked; sign in again"},
		{"deleted user", func(t *testing.T) string {
			uid, tok, _ := signUp(t, emu)
			if err := admin.DeleteUser(ctx, uid); err != nil {
				t.Fatal(err)
			}
			return "Bearer " + tok
		}, "the ID token is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			authz := tt.authz(t)
			w := serve(h, authz)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			p := problemOf(t, w)
			if p.Detail != tt.detail || p.Type != httpapi.ProblemBase+"unauthenticated" || p.Status != 401 {
				t.Fatalf("problem = %+v, want detail %q", p, tt.detail)
			}
			if w.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate header")
			}
			if tok := strings.TrimPrefix(authz, "Bearer "); len(tok) > 8 && strings.Contains(w.Body.String(), tok) {
				t.Fatal("the problem echoes the token")
			}
		})
	}
}

// waitNextSecond returns once the clock has left the second the token was
// issued in, so a revocation is strictly after it (1 s resolution, as in production).
func waitNextSecond(t *testing.T, tok string) {
	t.Helper()
	decoded, err := admin.VerifyIDToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	for time.Now().Unix() <= decoded.IssuedAt {
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMiddlewareValidTokenCarriesClaims(t *testing.T) {
	t.Parallel()
	uid, _, email := signUp(t, emu)
	claims := map[string]any{"org": "org-7", "role": auth.RoleFacilitator, "tier": auth.TierProfessional}
	if err := admin.SetCustomUserClaims(context.Background(), uid, claims); err != nil {
		t.Fatal(err)
	}
	tok := signIn(t, email) // claims appear in tokens minted after they are set

	w := serve(auth.Middleware(verifier)(echo), "Bearer "+tok)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, body %s", w.Code, w.Body)
	}
	var p auth.Principal
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	want := auth.Principal{UID: uid, Email: email, Org: "org-7", Role: auth.RoleFacilitator, Tier: auth.TierProfessional, SignInProvider: "password"}
	if p != want {
		t.Fatalf("principal = %+v, want %+v", p, want)
	}
}

func TestRoleAndOrgChecks(t *testing.T) {
	t.Parallel()
	v := auth.StaticVerifier{
		"facilitator": {UID: "f", Org: "o1", Role: auth.RoleFacilitator},
		"participant": {UID: "p", Org: "o1", Role: auth.RoleParticipant},
		"orgless":     {UID: "n", Role: auth.RoleFacilitator},
	}
	staff := auth.Middleware(v)(auth.RequireRole(auth.RoleFacilitator, auth.RoleOrgAdmin)(auth.RequireOrg(echo)))
	tests := []struct {
		token  string
		status int
		detail string
	}{
		{"facilitator", http.StatusOK, ""},
		{"participant", http.StatusForbidden, "this needs the role facilitator or org_admin"},
		{"orgless", http.StatusForbidden, "join or create an organisation first"},
		{"unknown", http.StatusUnauthorized, "the ID token is invalid"},
	}
	for _, tt := range tests {
		w := serve(staff, "Bearer "+tt.token)
		if w.Code != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", tt.token, w.Code, tt.status, w.Body)
			continue
		}
		if tt.status != http.StatusOK {
			if p := problemOf(t, w); p.Detail != tt.detail {
				t.Errorf("%s: detail %q, want %q", tt.token, p.Detail, tt.detail)
			}
		}
	}
	// Without Middleware in front there is no principal: 401, not 403.
	for _, h := range []http.Handler{auth.RequireRole(auth.RoleFacilitator)(echo), auth.RequireOrg(echo)} {
		if w := serve(h, ""); w.Code != http.StatusUnauthorized {
			t.Errorf("no principal: status %d", w.Code)
		}
	}
}

func TestMiddlewareErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err    error
		status int
		detail string
	}{
		{auth.ErrMalformed, 401, "the ID token is malformed"},
		{fmt.Errorf("%w: sdk says", auth.ErrExpired), 401, "the ID token has expired; refresh it and retry"},
		{auth.ErrAudience, 401, "the ID token was issued for another project"},
		{auth.ErrInvalid, 401, "the ID token is invalid"},
		{auth.ErrRevoked, 401, "the ID token has been revoked; sign in again"},
		{auth.ErrDisabled, 401, "the user account is disabled"},
		{errors.New("connection refused"), 503, "a backing service is unavailable; retry later"},
	}
	for _, tt := range tests {
		v := auth.VerifierFunc(func(context.Context, string) (*auth.Principal, error) { return nil, tt.err })
		w := serve(auth.Middleware(v)(echo), "Bearer x.y.z")
		if p := problemOf(t, w); w.Code != tt.status || p.Detail != tt.detail {
			t.Errorf("%v: %d %q, want %d %q", tt.err, w.Code, p.Detail, tt.status, tt.detail)
		}
	}
}

// failingChecker stands in for an Auth backend that cannot be reached.
type failingChecker struct{ err error }

func (f failingChecker) VerifyIDTokenAndCheckRevoked(context.Context, string) (*fbauth.Token, error) {
	return nil, f.err
}

func TestFirebaseVerifier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A well-formed token for the right project, so the SDK is reached.
	_, tok, _ := signUp(t, emu)
	down := auth.NewFirebaseVerifierFromClient(project, failingChecker{errors.New("dial tcp: connection refused")})
	if _, err := down.Verify(ctx, tok); err == nil || errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("backend down: %v", err)
	}
	if _, err := verifier.Verify(ctx, ""); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("empty token: %v", err)
	}
	if _, err := verifier.Verify(ctx, strings.Repeat("a", 20<<10)); !errors.Is(err, auth.ErrMalformed) {
		t.Fatalf("huge token: %v", err)
	}
	if !errors.Is(auth.ErrAudience, auth.ErrInvalid) {
		t.Fatal("ErrAudience must be an ErrInvalid")
	}

	// Configuration mistakes are refused up front.
	for _, cfg := range []config.Config{
		{Project: project},                                     // demo project without the emulator
		{Project: project, AuthHost: "127.0.0.1:1"},            // differs from the environment
		{Project: "", AuthHost: os.Getenv(config.EnvAuthHost)}, // no project
	} {
		if _, err := auth.NewFirebaseVerifier(ctx, cfg); err == nil {
			t.Errorf("NewFirebaseVerifier(%+v) accepted", cfg)
		}
	}
}

func TestStaticVerifierCopies(t *testing.T) {
	t.Parallel()
	v := auth.StaticVerifier{"t": {UID: "u", Role: auth.RoleParticipant}}
	p, err := v.Verify(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	p.Role = auth.RoleOrgAdmin
	if v["t"].Role != auth.RoleParticipant {
		t.Fatal("Verify returned the stored principal itself")
	}
	if _, err := v.Verify(context.Background(), ""); !errors.Is(err, auth.ErrNoToken) {
		t.Fatalf("empty: %v", err)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	v := auth.StaticVerifier{"tok": {UID: "u", Org: "o", Role: auth.RoleFacilitator}}
	h := auth.Middleware(v)(auth.RequireRole(auth.RoleFacilitator)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	r := httptest.NewRequest(http.MethodGet, "/v1/things", nil)
	r.Header.Set("Authorization", "Bearer tok")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			b.Fatalf("status %d", w.Code)
		}
	}
}
