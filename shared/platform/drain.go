package platform

import (
	"context"
	"errors"
	"sync"
)

var (
	drainMu sync.Mutex
	drains  []func(context.Context) error
)

// OnDrain registers f to run when the process is told to stop (SIGTERM):
// an entry point holding long-lived work (open sockets, pending writes)
// finishes it there. The functions framework gives no handle on its
// server, so cmd/functions calls Drain.
func OnDrain(f func(context.Context) error) {
	drainMu.Lock()
	defer drainMu.Unlock()
	drains = append(drains, f)
}

// Drain runs every registered drain hook at once and waits for them (or
// ctx).
func Drain(ctx context.Context) error {
	drainMu.Lock()
	fs := append([]func(context.Context) error(nil), drains...)
	drainMu.Unlock()
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(ctx) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}
