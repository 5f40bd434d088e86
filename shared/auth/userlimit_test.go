package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/ratelimit"
)

// TestMiddlewareLimitsEachAccount: an account past its limit gets 429,
// whatever address it calls from, and other accounts do not notice.
func TestMiddlewareLimitsEachAccount(t *testing.T) {
	t.Parallel()
	_, tokA, _ := signUp(t, emu)
	_, tokB, _ := signUp(t, emu)
	tests := []struct {
		name string
		v    auth.Verifier
	}{
		{"FirebaseVerifier", auth.NewFirebaseVerifierFromClient(project, admin).WithUserLimit(ratelimit.Per(3, time.Hour))},
		{"LimitUsers", auth.LimitUsers(verifier, ratelimit.Per(3, time.Hour))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := auth.Middleware(tt.v)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
			do := func(tok string, i int) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, "/v1/x", nil)
				r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", i)
				r.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
				r.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			for i := range 3 {
				if w := do(tokA, i); w.Code != http.StatusNoContent {
					t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
				}
			}
			w := do(tokA, 99)
			if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
				t.Fatalf("past the limit: %d %v", w.Code, w.Header())
			}
			if p := problemOf(t, w); p.Type != httpapi.ProblemBase+"rate-limited" {
				t.Errorf("problem %+v", p)
			}
			if w := do(tokB, 1); w.Code != http.StatusNoContent {
				t.Errorf("another account: %d", w.Code)
			}
		})
	}
}

// TestStaticVerifierIsNotLimited keeps unit tests and benchmarks of the
// functions free of the per-account limit.
func TestStaticVerifierIsNotLimited(t *testing.T) {
	t.Parallel()
	v := auth.StaticVerifier{"tok": {UID: "u"}}
	h := auth.Middleware(v)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for i := range auth.DefaultUserLimit.Burst + 10 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer tok")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
}

// TestVerifierRefusesEmulatorOnRealProject: the Auth emulator's tokens are
// unsigned, so a real project must never verify against it.
func TestVerifierRefusesEmulatorOnRealProject(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GOOGLE_CLOUD_PROJECT": "poy-prod", config.EnvAuthHost: emu.Addr}
	cfg := config.FromEnv(func(k string) string { return env[k] })
	if _, err := auth.NewFirebaseVerifier(context.Background(), cfg); err == nil {
		t.Fatal("a real project verified tokens against the Auth emulator")
	}
}
