package eventarc

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/topology"
)

// fakeClock is a manual clock: After channels fire when Set moves the
// time past their deadline.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Set moves the clock to t and fires every waiter due by then.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	c.waiters = kept
}

// nextWaiter polls until someone waits on the clock and returns the
// earliest deadline.
func (c *fakeClock) nextWaiter(t *testing.T) time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if len(c.waiters) > 0 {
			at := slices.MinFunc(c.waiters, func(a, b fakeWaiter) int { return a.at.Compare(b.at) }).at
			c.mu.Unlock()
			return at
		}
		c.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("nobody waits on the clock")
	return time.Time{}
}

// schedEndpoint records Cloud Scheduler requests and answers status(n).
type schedEndpoint struct {
	status func(n int) int

	mu   sync.Mutex
	hdrs []http.Header
	body []string
}

func (e *schedEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	e.hdrs = append(e.hdrs, r.Header.Clone())
	e.body = append(e.body, string(b))
	code := http.StatusOK
	if e.status != nil {
		code = e.status(len(e.hdrs))
	}
	w.WriteHeader(code)
}

func (e *schedEndpoint) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.hdrs)
}

func (e *schedEndpoint) waitFor(t *testing.T, n int) []http.Header {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("function got %d requests, want %d", e.count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.hdrs)
}

func scheduled(name, cron, zone string, retry bool) topology.Function {
	return topology.Function{Name: name, Kind: topology.KindFunction, Retry: retry,
		Trigger: topology.Trigger{Schedule: &topology.ScheduleTrigger{Cron: cron, TimeZone: zone}}}
}

func newScheduleServer(t *testing.T, fns []topology.Function, ep http.Handler, tweak func(*Options)) *Server {
	t.Helper()
	fs := httptest.NewServer(ep)
	t.Cleanup(fs.Close)
	opts := Options{
		Topology:    &topology.Topology{Functions: fns},
		FunctionURL: func(name string) string { return fs.URL + "/" + name },
		MinBackoff:  time.Second,
		MaxBackoff:  4 * time.Second,
	}
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func TestScheduleFiresAtDueTimes(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 5, 10, 7, 30, 0, time.UTC)}
	ep := &schedEndpoint{}
	srv := newScheduleServer(t, []topology.Function{scheduled("tick", "*/15 * * * *", "", false)}, ep,
		func(o *Options) { o.Now, o.After = clock.Now, clock.After })

	for i, want := range []time.Time{
		time.Date(2026, 1, 5, 10, 15, 0, 0, time.UTC),
		time.Date(2026, 1, 5, 10, 30, 0, 0, time.UTC),
	} {
		if at := clock.nextWaiter(t); !at.Equal(want) {
			t.Fatalf("run %d waits until %s, want %s", i+1, at, want)
		}
		if ep.count() != i {
			t.Fatalf("function called %d times before its due time, want %d", ep.count(), i)
		}
		clock.Set(want)
		h := ep.waitFor(t, i+1)[i]
		for k, v := range map[string]string{
			"Content-Type":                  "application/json",
			"User-Agent":                    "Google-Cloud-Scheduler",
			"X-Cloudscheduler":              "true",
			"X-Cloudscheduler-Jobname":      "tick",
			"X-Cloudscheduler-Scheduletime": want.Format(time.RFC3339),
		} {
			if got := h.Get(k); got != v {
				t.Errorf("run %d: header %s = %q, want %q", i+1, k, got, v)
			}
		}
	}
	ep.mu.Lock()
	if ep.body[0] != "{}" {
		t.Errorf("body = %q, want {}", ep.body[0])
	}
	ep.mu.Unlock()

	// The delivery log is written after the answer arrives: poll for it.
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Deliveries()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ds := srv.Deliveries()
	if len(ds) != 2 {
		t.Fatalf("deliveries = %+v, want 2", ds)
	}
	if d := ds[0]; d.Function != "tick" || d.Type != SchedulerEventType || d.Status != http.StatusOK ||
		d.Attempt != 1 || d.EventID != "2026-01-05T10:15:00Z" {
		t.Errorf("delivery = %+v", d)
	}
}

func TestScheduleTimeZone(t *testing.T) {
	t.Parallel()
	// 2026-07-01 is summer time in Paris (UTC+2).
	clock := &fakeClock{now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	srv := newScheduleServer(t, []topology.Function{scheduled("nightly", "30 3 * * *", "Europe/Paris", false)}, &schedEndpoint{},
		func(o *Options) { o.Now, o.After = clock.Now, clock.After })
	if at, want := clock.nextWaiter(t), time.Date(2026, 7, 1, 1, 30, 0, 0, time.UTC); !at.Equal(want) {
		t.Errorf("waits until %s, want %s", at, want)
	}

	resp, err := http.Get("http://" + srv.Addr + "/_internal/triggers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Triggers []wiredTrigger }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	want := []wiredTrigger{{Function: "nightly", Kind: "schedule", Schedule: "30 3 * * *", TimeZone: "Europe/Paris"}}
	if !slices.Equal(out.Triggers, want) {
		t.Errorf("triggers = %+v, want %+v", out.Triggers, want)
	}
}

func TestScheduleRejectsBadTopology(t *testing.T) {
	t.Parallel()
	for _, fn := range []topology.Function{
		scheduled("bad-cron", "61 * * * *", "", false),
		scheduled("bad-zone", "0 * * * *", "Mars/Olympus", false),
	} {
		_, err := NewServer(Options{
			Topology:    &topology.Topology{Functions: []topology.Function{fn}},
			FunctionURL: func(string) string { return "http://127.0.0.1:1/" },
		})
		if err == nil || !strings.Contains(err.Error(), fn.Name) {
			t.Errorf("NewServer with %s: err = %v, want an error naming it", fn.Name, err)
		}
	}
}

// backoffClock never reaches the daily due time but fires backoff waits
// at once, recording them.
type backoffClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *backoffClock) After(d time.Duration) <-chan time.Time {
	if d > time.Hour {
		return nil // the scheduled slot: never due during the test
	}
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func runJob(t *testing.T, srv *Server, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post("http://"+srv.Addr+path, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestScheduleRunNowRetries(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 5, 4, 0, 0, 0, time.UTC)
	clock := &backoffClock{}
	ep := &schedEndpoint{status: func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}}
	fns := []topology.Function{
		scheduled("consent-retention", "30 3 * * *", "Etc/UTC", true),
		scheduled("once", "30 3 * * *", "", false),
		{Name: "api", Trigger: topology.Trigger{HTTP: &topology.HTTPTrigger{}}},
	}
	srv := newScheduleServer(t, fns, ep, func(o *Options) {
		o.Now = func() time.Time { return now }
		o.After = clock.After
	})

	code, out := runJob(t, srv, "/_internal/schedules/consent-retention:run")
	if code != http.StatusOK || out["succeeded"] != true {
		t.Fatalf("run: %d %v, want 200 succeeded", code, out)
	}
	hdrs := ep.waitFor(t, 3)
	for _, h := range hdrs {
		if got, want := h.Get("X-CloudScheduler-ScheduleTime"), now.Format(time.RFC3339); got != want {
			t.Errorf("schedule time = %q, want %q (the same slot on every attempt)", got, want)
		}
	}
	var statuses []int
	for _, d := range srv.Deliveries() {
		statuses = append(statuses, d.Status)
	}
	if want := []int{500, 500, 200}; !slices.Equal(statuses, want) {
		t.Errorf("attempt statuses = %v, want %v", statuses, want)
	}
	clock.mu.Lock()
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(clock.waits, want) {
		t.Errorf("backoff = %v, want %v", clock.waits, want)
	}
	clock.mu.Unlock()

	// Without retry: one failing attempt.
	ep.mu.Lock()
	ep.status = func(int) int { return http.StatusBadGateway }
	ep.mu.Unlock()
	code, out = runJob(t, srv, "/_internal/schedules/once:run")
	if code != http.StatusOK || out["succeeded"] != false {
		t.Fatalf("run once: %d %v, want 200 not succeeded", code, out)
	}
	if n := ep.count(); n != 4 {
		t.Errorf("function called %d times, want 4", n)
	}

	for _, path := range []string{
		"/_internal/schedules/api:run", "/_internal/schedules/nope:run",
		"/_internal/schedules/once", "/_internal/schedules/:run",
	} {
		if code, _ := runJob(t, srv, path); code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", path, code)
		}
	}
}

func TestScheduleMaxAttempts(t *testing.T) {
	t.Parallel()
	ep := &schedEndpoint{status: func(int) int { return http.StatusInternalServerError }}
	srv := newScheduleServer(t, []topology.Function{scheduled("job", "0 0 1 1 *", "", true)}, ep, func(o *Options) {
		o.After = (&backoffClock{}).After
		o.MaxAttempts = 2
	})
	ok, err := srv.RunScheduleNow(t.Context(), "job")
	if err != nil || ok {
		t.Fatalf("RunScheduleNow = %v, %v; want false, nil", ok, err)
	}
	if n := len(srv.Deliveries()); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
}
