// Package instance holds what a function builds from its environment once
// per instance. Building happens on first use rather than at start-up, so
// a configuration error answers 503 (HTTP) or asks for a retry
// (CloudEvent) instead of crash-looping the instance, and only a success is
// kept, so a transient failure is retried on the next call.
package instance

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/httpapi"
)

// Lazy is a value built on first use and kept once the build succeeds.
type Lazy[T any] struct {
	build func() (T, error)

	mu   sync.Mutex
	done bool
	v    T
}

// New returns a Lazy that calls build until it succeeds once.
func New[T any](build func() (T, error)) *Lazy[T] {
	return &Lazy[T]{build: build}
}

// Get returns the value, building it if no build has succeeded yet.
// Concurrent callers wait for the one build in progress rather than
// starting their own, so clients are never built twice.
func (l *Lazy[T]) Get() (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.v, nil
	}
	v, err := l.build()
	if err != nil {
		var zero T
		return zero, err
	}
	l.v, l.done = v, true
	return v, nil
}

// HTTP serves with the lazily built handler; a failed build is a 503
// problem.
func HTTP(l *Lazy[http.Handler]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, err := l.Get()
		if err != nil {
			httpapi.WriteError(w, r, httpapi.Unavailable(err))
			return
		}
		h.ServeHTTP(w, r)
	}
}

// CloudEvent handles events with the lazily built handler; a failed build
// is an error, which the platform answers with a retry.
func CloudEvent(name string, l *Lazy[func(context.Context, cloudevents.Event) error]) func(context.Context, cloudevents.Event) error {
	return func(ctx context.Context, e cloudevents.Event) error {
		h, err := l.Get()
		if err != nil {
			return fmt.Errorf("%s: not configured: %w", name, err)
		}
		return h(ctx, e)
	}
}
