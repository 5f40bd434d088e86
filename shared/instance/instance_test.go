package instance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
)

var errDown = errors.New("backend down")

// builder fails its first `fails` builds, then returns its build count.
type builder struct {
	fails int
	calls atomic.Int32
}

func (b *builder) build() (int, error) {
	n := int(b.calls.Add(1))
	if n <= b.fails {
		return 0, errDown
	}
	return n, nil
}

func TestLazyGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fails     int
		gets      int
		wantErrs  int // leading failed Gets
		wantVal   int
		wantCalls int32
	}{
		{name: "success is kept", fails: 0, gets: 3, wantVal: 1, wantCalls: 1},
		{name: "failure then success", fails: 1, gets: 3, wantErrs: 1, wantVal: 2, wantCalls: 2},
		{name: "failures are not kept", fails: 3, gets: 3, wantErrs: 3, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &builder{fails: tt.fails}
			l := New(b.build)
			for i := range tt.gets {
				v, err := l.Get()
				if i < tt.wantErrs {
					if !errors.Is(err, errDown) || v != 0 {
						t.Errorf("Get #%d = %d, %v; want 0, %v", i, v, err, errDown)
					}
					continue
				}
				if err != nil || v != tt.wantVal {
					t.Errorf("Get #%d = %d, %v; want %d", i, v, err, tt.wantVal)
				}
			}
			if got := b.calls.Load(); got != tt.wantCalls {
				t.Errorf("builds = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestLazyConcurrent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fails     int
		wantCalls int32
	}{
		{name: "one build for all callers", fails: 0, wantCalls: 1},
		// Failed builds are serialized and retried until one succeeds.
		{name: "failures then one success", fails: 5, wantCalls: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &builder{fails: tt.fails}
			l := New(b.build)
			const callers = 32
			var wg sync.WaitGroup
			vals := make([]int, callers)
			errs := make([]error, callers)
			for i := range callers {
				wg.Go(func() { vals[i], errs[i] = l.Get() })
			}
			wg.Wait()
			// Whatever failed, a later Get sees the one kept value.
			v, err := l.Get()
			for v == 0 && err != nil {
				v, err = l.Get()
			}
			for i := range callers {
				if errs[i] == nil && vals[i] != v {
					t.Errorf("caller %d got %d, kept value is %d", i, vals[i], v)
				}
			}
			if got := b.calls.Load(); got > tt.wantCalls {
				t.Errorf("builds = %d, want at most %d", got, tt.wantCalls)
			}
			if v != int(tt.wantCalls) {
				t.Errorf("kept value = %d, want %d", v, tt.wantCalls)
			}
		})
	}
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	tests := []struct {
		name  string
		fails int
		want  []int // status per request
	}{
		{name: "built", want: []int{http.StatusTeapot, http.StatusTeapot}},
		{name: "failure then success", fails: 1, want: []int{http.StatusServiceUnavailable, http.StatusTeapot}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &builder{fails: tt.fails}
			h := HTTP(New(func() (http.Handler, error) {
				if _, err := b.build(); err != nil {
					return nil, err
				}
				return ok, nil
			}))
			for i, want := range tt.want {
				w := httptest.NewRecorder()
				h(w, httptest.NewRequest(http.MethodGet, "/x", nil))
				if w.Code != want {
					t.Errorf("request %d = %d, want %d", i, w.Code, want)
				}
				if want == http.StatusServiceUnavailable && w.Header().Get("Content-Type") != "application/problem+json" {
					t.Errorf("request %d content type = %q", i, w.Header().Get("Content-Type"))
				}
			}
		})
	}
}

func TestCloudEvent(t *testing.T) {
	t.Parallel()
	errHandler := errors.New("handler failed")
	tests := []struct {
		name    string
		fails   int
		handler error
		want    []string // error text per event; "" = nil
	}{
		{name: "built", want: []string{"", ""}},
		{name: "failure then success", fails: 1, want: []string{"fn: not configured: backend down", ""}},
		{name: "handler error passes through", handler: errHandler, want: []string{"handler failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &builder{fails: tt.fails}
			var handled atomic.Int32
			h := CloudEvent("fn", New(func() (func(context.Context, cloudevents.Event) error, error) {
				if _, err := b.build(); err != nil {
					return nil, err
				}
				return func(context.Context, cloudevents.Event) error { handled.Add(1); return tt.handler }, nil
			}))
			wantHandled := int32(0)
			for i, want := range tt.want {
				err := h(context.Background(), cloudevents.NewEvent())
				got := ""
				if err != nil {
					got = err.Error()
				}
				if got != want {
					t.Errorf("event %d error = %q, want %q", i, got, want)
				}
				if i >= tt.fails {
					wantHandled++
				}
				if want != "" && i < tt.fails && !errors.Is(err, errDown) {
					t.Errorf("event %d error does not wrap the build error", i)
				}
			}
			if handled.Load() != wantHandled {
				t.Errorf("handled = %d, want %d", handled.Load(), wantHandled)
			}
		})
	}
}
