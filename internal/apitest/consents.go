package apitest

import (
	"context"
	"sync"
)

// Consents is a consent checker for tests (the Allowed method every
// function's ConsentChecker has): it grants exactly the (uid, purpose)
// pairs set, and is safe for concurrent use.
type Consents struct {
	mu sync.Mutex
	ok map[string]bool
}

// Allowed reports whether uid's consent to purpose is set (any
// organisation).
func (c *Consents) Allowed(_ context.Context, uid, _, purpose string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ok[uid+"/"+purpose], nil
}

// Set grants (on) or withdraws uid's consent to purpose.
func (c *Consents) Set(uid, purpose string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok == nil {
		c.ok = map[string]bool{}
	}
	c.ok[uid+"/"+purpose] = on
}

// Grant is Set(uid, purpose, true).
func (c *Consents) Grant(uid, purpose string) { c.Set(uid, purpose, true) }
