package ratelimit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/httpapi"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestBucket(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(Per(3, time.Minute), Options{Now: c.now})
	steps := []struct {
		advance time.Duration
		key     string
		ok      bool
		wait    time.Duration
	}{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 20 * time.Second},
		{0, "b", true, 0}, // keys are independent
		{10 * time.Second, "a", false, 10 * time.Second},
		{10 * time.Second, "a", true, 0},
		{0, "a", false, 20 * time.Second},
		{time.Hour, "a", true, 0}, // refill is capped at Burst
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 20 * time.Second},
	}
	for i, s := range steps {
		c.add(s.advance)
		ok, wait := l.Allow(s.key)
		if ok != s.ok || (wait-s.wait).Abs() > time.Millisecond {
			t.Fatalf("step %d: Allow(%q) = %v, %v; want %v, %v", i, s.key, ok, wait, s.ok, s.wait)
		}
	}
}

func TestEvictionBoundsMemory(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(Per(1, time.Second), Options{Now: c.now, MaxKeys: 10})
	for i := range 100 {
		l.Allow(string(rune('a' + i)))
	}
	if n := l.Len(); n > 10 {
		t.Fatalf("%d buckets kept, max 10", n)
	}
	c.add(time.Minute) // every bucket refilled: all evictable
	l.Allow("fresh")
	if n := l.Len(); n > 10 {
		t.Fatalf("%d buckets kept after refill", n)
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	perIP := New(Per(2, time.Minute), Options{Now: c.now})
	mw := Middleware(Rule{Name: "ip", Limiter: perIP, Key: func(r *http.Request) string { return ClientIP(r, true) }})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	do := func(xff string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/v1/x", nil)
		r.Header.Set("X-Forwarded-For", xff)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for range 2 {
		if w := do("203.0.113.7, 10.0.0.1"); w.Code != http.StatusNoContent {
			t.Fatalf("status %d", w.Code)
		}
	}
	w := do("203.0.113.7, 10.9.9.9")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "30" || w.Header().Get("Content-Type") != httpapi.ContentTypeProblem {
		t.Fatalf("limited: %d %v %s", w.Code, w.Header(), w.Body)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Type != httpapi.ProblemBase+"rate-limited" {
		t.Fatalf("problem %+v %v", p, err)
	}
	if w := do("198.51.100.1"); w.Code != http.StatusNoContent {
		t.Fatalf("another client limited: %d", w.Code)
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		xff     string
		trusted bool
		want    string
	}{
		{"203.0.113.7, 10.0.0.1", true, "203.0.113.7"},
		{"203.0.113.7", false, "192.0.2.1"},
		{"not-an-ip, 10.0.0.1", true, "192.0.2.1"},
		{"", true, "192.0.2.1"},
		{" 2001:db8::1 ", true, "2001:db8::1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.1:4242"
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := ClientIP(r, tt.trusted); got != tt.want {
			t.Errorf("ClientIP(%q, %v) = %q, want %q", tt.xff, tt.trusted, got, tt.want)
		}
	}
}

// TestForwardedClientIP: the client is found from the right of
// X-Forwarded-For, so nothing a client writes there changes its key.
func TestForwardedClientIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xff  []string
		hops int
		want string
	}{
		{name: "through Hosting", xff: []string{"203.0.113.7, 10.0.0.1"}, hops: 1, want: "203.0.113.7"},
		{name: "spoofed entries are ignored", xff: []string{"1.1.1.1, 2.2.2.2, 203.0.113.7, 10.0.0.1"}, hops: 1, want: "203.0.113.7"},
		{name: "a spoofed entry rotated", xff: []string{"9.9.9.9, 203.0.113.7, 10.0.0.1"}, hops: 1, want: "203.0.113.7"},
		{name: "several header lines are one list", xff: []string{"1.1.1.1", "203.0.113.7, 10.0.0.1"}, hops: 1, want: "203.0.113.7"},
		{name: "no trusted proxy: the right-most", xff: []string{"1.1.1.1, 203.0.113.7"}, hops: 0, want: "203.0.113.7"},
		{name: "two trusted proxies", xff: []string{"1.1.1.1, 203.0.113.7, 10.0.0.1, 10.0.0.2"}, hops: 2, want: "203.0.113.7"},
		{name: "fewer entries than hops: the left-most", xff: []string{"203.0.113.7"}, hops: 1, want: "203.0.113.7"},
		{name: "with a port", xff: []string{"203.0.113.7:5555, 10.0.0.1"}, hops: 1, want: "203.0.113.7"},
		{name: "IPv6 with a port", xff: []string{"[2001:db8::1]:443, 10.0.0.1"}, hops: 1, want: "2001:db8::1"},
		{name: "not an address: the peer", xff: []string{"1.1.1.1, junk, 10.0.0.1"}, hops: 1, want: "192.0.2.1"},
		{name: "empty entries are skipped", xff: []string{"203.0.113.7, , 10.0.0.1,"}, hops: 1, want: "203.0.113.7"},
		{name: "no header: the peer", hops: 1, want: "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "192.0.2.1:4242"
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ForwardedClientIP(r, tt.hops); got != tt.want {
				t.Errorf("ForwardedClientIP(%q, %d) = %q, want %q", tt.xff, tt.hops, got, tt.want)
			}
		})
	}
}

// TestClientIPIgnoresSpoofedEntries is the trusted form with the default
// hop count (Firebase Hosting in front).
func TestClientIPIgnoresSpoofedEntries(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range 5 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 203.0.113.7, 10.0.0.1", i))
		seen[ClientIP(r, true)] = true
	}
	if len(seen) != 1 || !seen["203.0.113.7"] {
		t.Errorf("keys %v, want only 203.0.113.7", seen)
	}
}
