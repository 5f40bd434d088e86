package firestore

import (
	"context"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/firestore"
)

// Options.OnRead reports every looked-up document with the transaction it
// was read in, so tests can count reads per transaction attempt.
func TestOnReadReportsLookups(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	reads := map[string][]string{} // document id -> transactions ("" outside one)
	srv := newTestServer(t, Options{OnRead: func(name, tx string) {
		mu.Lock()
		defer mu.Unlock()
		id := name[strings.LastIndex(name, "/")+1:]
		reads[id] = append(reads[id], tx)
	}})
	c := newClient(t, srv, firestore.DefaultDatabaseID)
	ctx := context.Background()
	a, b := c.Doc("c/a"), c.Doc("c/b")
	if _, err := a.Set(ctx, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAll(ctx, []*firestore.DocumentRef{a, b}); err != nil { // b is missing: still a read
		t.Fatal(err)
	}
	// A query's results are not reported.
	if _, err := c.Collection("c").Documents(ctx).GetAll(); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	err := c.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		attempts++
		if _, err := tx.Get(a); err != nil {
			return err
		}
		if attempts == 1 { // a write the transaction did not see: it retries
			if _, err := b.Set(context.Background(), map[string]any{"n": 2}); err != nil {
				return err
			}
			if _, err := a.Update(context.Background(), []firestore.Update{{Path: "n", Value: 3}}); err != nil {
				return err
			}
		}
		return tx.Set(b, map[string]any{"n": 4})
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	ra, rb := reads["a"], reads["b"]
	if len(ra) != 2+attempts || ra[0] != "" || ra[1] != "" {
		t.Fatalf("reads of a: %q (%d attempts)", ra, attempts)
	}
	if attempts != 2 || ra[2] == "" || ra[3] == "" || ra[2] == ra[3] {
		t.Errorf("transactional reads of a: %q in %d attempts; want one per attempt, each in its own transaction", ra[2:], attempts)
	}
	if len(rb) != 1 || rb[0] != "" {
		t.Errorf("reads of b: %q", rb)
	}
}
