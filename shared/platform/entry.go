package platform

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/instance"
)

// An HTTPRoot builds an HTTP entry point's handler from the root; an
// EventRoot a CloudEvent entry point's; a JobRoot the run of a scheduled
// job, which answers its counts.
type (
	HTTPRoot  func(*Platform) (http.Handler, error)
	EventRoot func(*Platform) (func(context.Context, cloudevents.Event) error, error)
	JobRoot   func(*Platform) (func(context.Context) (map[string]int, error), error)
)

// Root is one registered entry point: exactly one of its fields is set.
type Root struct {
	HTTP  HTTPRoot
	Event EventRoot
	Job   JobRoot
}

// Build runs the root against p and returns the handler it built, for
// tests that look at what a root reads.
func (r Root) Build(p *Platform) (any, error) {
	switch {
	case r.HTTP != nil:
		return r.HTTP(p)
	case r.Event != nil:
		return r.Event(p)
	default:
		return r.Job(p)
	}
}

var (
	regMu sync.Mutex
	roots = map[string]Root{}
)

func register(name string, r Root) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := roots[name]; dup {
		panic("platform: entry point " + name + " registered twice")
	}
	roots[name] = r
}

// Roots are the registered entry points by name.
func Roots() map[string]Root {
	regMu.Lock()
	defer regMu.Unlock()
	out := make(map[string]Root, len(roots))
	for k, v := range roots {
		out[k] = v
	}
	return out
}

// Names lists the registered entry points, sorted.
func Names() []string {
	var out []string
	for n := range Roots() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// HTTP registers an HTTP entry point's root and returns its handler, built
// from Default() on the first request and kept once built; a failed build
// is a 503 problem (and is retried by the next request).
func HTTP(name string, root HTTPRoot) http.HandlerFunc {
	register(name, Root{HTTP: root})
	return instance.HTTP(instance.New(func() (http.Handler, error) { return root(Default()) }))
}

// CloudEvent registers a CloudEvent entry point's root; a failed build is
// an error, which the platform answers with a retry.
func CloudEvent(name string, root EventRoot) func(context.Context, cloudevents.Event) error {
	register(name, Root{Event: root})
	return instance.CloudEvent(name, instance.New(func() (func(context.Context, cloudevents.Event) error, error) {
		return root(Default())
	}))
}

// Job registers a scheduled job: Cloud Scheduler calls it with a POST (and
// an OIDC token; only the function's own identity may invoke it). It runs
// once per call and answers its counts; a failure is a 5xx problem, so the
// scheduler retries. It runs inside the same middleware as every HTTP
// route (httpapi.Standard): request id and trace in its logs, an access
// log line, a panic answered as a 500 problem.
func Job(name string, root JobRoot) http.HandlerFunc {
	register(name, Root{Job: root})
	run := instance.New(func() (func(context.Context) (map[string]int, error), error) { return root(Default()) })
	return httpapi.Standard(httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			return httpapi.MethodNotAllowed("scheduled jobs run on POST")
		}
		f, err := run.Get()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		counts, err := f(r.Context())
		if err != nil {
			return httpapi.Unavailable(fmt.Errorf("%s: %w", name, err))
		}
		httpapi.WriteJSON(w, http.StatusOK, counts)
		return nil
	})).ServeHTTP
}
