package eventarc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"pointsofyou.ai/studio/shared/topology"
)

// defaultTimeout is Cloud Functions' default request timeout.
const defaultTimeout = 60 * time.Second

// deliver runs the attempts for one event. It returns nil on a 2xx answer,
// an error wrapping ErrDropped when the policy gives up, or ctx's error
// when interrupted (the caller then leaves the event for redelivery).
func (s *Server) deliver(ctx context.Context, fn topology.Function, ev cloudevents.Event) error {
	// Age counts from the first attempt, not from the event's time: other
	// emulators may run injected clocks, and a skewed clock must not make a
	// fresh event look expired.
	started := s.opts.Now()
	for attempt := 1; ; attempt++ {
		status, err := s.send(ctx, fn, ev)
		if ctx.Err() != nil {
			// Interrupted by shutdown: not the function's failure, so it
			// is neither recorded nor counted.
			return ctx.Err()
		}
		d := Delivery{
			Function: fn.Name, EventID: ev.ID(), Type: ev.Type(), Source: ev.Source(),
			Subject: ev.Subject(), Attempt: attempt, Status: status, Time: s.opts.Now(),
		}
		if err != nil {
			d.Error = err.Error()
		}
		s.record(d)
		if err == nil {
			return nil
		}

		var reason string
		switch {
		case !fn.Retry:
			reason = "function does not retry"
		case s.opts.MaxAttempts > 0 && attempt >= s.opts.MaxAttempts:
			reason = "maximum attempts reached"
		case s.opts.Now().Sub(started) >= s.opts.MaxEventAge:
			reason = "event older than the maximum event age"
		}
		if reason != "" {
			slog.Warn("eventarc dropped event", "function", fn.Name, "eventId", ev.ID(),
				"type", ev.Type(), "attempts", attempt, "reason", reason, "error", err.Error())
			return fmt.Errorf("%w: %s after %d attempt(s): %v", ErrDropped, reason, attempt, err)
		}

		wait := s.backoff(attempt)
		slog.Info("eventarc delivery failed; retrying", "function", fn.Name, "eventId", ev.ID(),
			"attempt", attempt, "backoff", wait.String(), "error", err.Error())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is the wait after the given failed attempt: MinBackoff doubled
// per attempt, capped at MaxBackoff.
func (s *Server) backoff(attempt int) time.Duration {
	d := s.opts.MinBackoff
	for i := 1; i < attempt && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}

// send POSTs ev in binary content mode, as Eventarc does, and returns the
// HTTP status (0 without a response) and an error unless it was 2xx.
func (s *Server) send(ctx context.Context, fn topology.Function, ev cloudevents.Event) (int, error) {
	timeout := defaultTimeout
	if fn.Timeout > 0 {
		timeout = time.Duration(fn.Timeout) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	url := s.opts.FunctionURL(fn.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, fmt.Errorf("function URL %q: %w", url, err)
	}
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(&ev), req); err != nil {
		return 0, fmt.Errorf("encode event: %w", err)
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post to function: %w", err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body is not used.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("function answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
