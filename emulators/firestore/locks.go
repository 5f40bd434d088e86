package firestore

import (
	"context"
	"slices"
	"sync"
	"time"
)

// maxLockWait bounds how long a transactional read waits for another
// transaction, so a client that never finishes its transaction cannot stall
// others for long.
const maxLockWait = 10 * time.Second

// lockTable lets a read-write transaction that reads a document another
// live read-write transaction has read wait for that one to finish, the way
// production's locks serialize them; this avoids most ABORTED retries under
// contention. It only ever delays a read, never decides an outcome:
// commits are still validated optimistically. A wait that would close a
// cycle of waiting transactions is skipped, so transactions never deadlock.
type lockTable struct {
	mu     sync.Mutex
	owners map[string]*txn
}

// acquire waits until no other live transaction holds name, then holds it
// for t. It gives up waiting (and reads optimistically) on a cycle, after
// maxLockWait, or when ctx ends.
func (lt *lockTable) acquire(ctx context.Context, t *txn, names []string) {
	names = slices.Clone(names)
	slices.Sort(names) // a fixed order avoids most cycles to begin with
	deadline := time.NewTimer(maxLockWait)
	defer deadline.Stop()
	for _, name := range names {
	wait:
		for {
			lt.mu.Lock()
			owner := lt.owners[name]
			if owner == nil || owner == t || owner.finished() {
				if lt.owners == nil {
					lt.owners = map[string]*txn{}
				}
				lt.owners[name] = t
				t.held = append(t.held, name)
				lt.mu.Unlock()
				break
			}
			if lt.wouldCycle(t, owner) {
				lt.mu.Unlock()
				break
			}
			t.waitingFor = owner
			done := owner.doneCh
			lt.mu.Unlock()
			select {
			case <-done:
			case <-deadline.C:
				lt.clearWait(t)
				return
			case <-ctx.Done():
				lt.clearWait(t)
				return
			}
			lt.clearWait(t)
			continue wait
		}
	}
}

// wouldCycle reports whether t waiting for owner closes a cycle. Call with
// mu held.
func (lt *lockTable) wouldCycle(t, owner *txn) bool {
	for o := owner; o != nil; o = o.waitingFor {
		if o == t {
			return true
		}
	}
	return false
}

func (lt *lockTable) clearWait(t *txn) {
	lt.mu.Lock()
	t.waitingFor = nil
	lt.mu.Unlock()
}

// release drops every lock t holds and wakes its waiters.
func (lt *lockTable) release(t *txn) {
	lt.mu.Lock()
	for _, name := range t.held {
		if lt.owners[name] == t {
			delete(lt.owners, name)
		}
	}
	t.held = nil
	t.waitingFor = nil
	lt.mu.Unlock()
	t.finishOnce.Do(func() { close(t.doneCh) })
}
