package firestore

import (
	"context"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestParallelTransactionsNeverDeadlock(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	counter := c.Doc("counters/one")
	if _, err := counter.Set(ctx, map[string]any{"n": 0}); err != nil {
		t.Fatal(err)
	}
	const workers = 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
				snap, err := tx.Get(counter)
				if err != nil {
					return err
				}
				return tx.Set(counter, map[string]any{"n": snap.Data()["n"].(int64) + 1})
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("transaction: %v", err)
		}
	}
	snap, err := counter.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := snap.Data()["n"]; n != int64(workers) {
		t.Fatalf("counter = %v, want %d", n, workers)
	}
}

func TestTransactionConflictAborts(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	db := "projects/" + testProject + "/databases/(default)"
	doc := db + "/documents/c/d"
	if _, err := c.Doc("c/d").Set(ctx, map[string]any{"v": 1}); err != nil {
		t.Fatal(err)
	}
	update := func(v int64) *pb.Write {
		return &pb.Write{Operation: &pb.Write_Update{Update: &pb.Document{Name: doc, Fields: map[string]*pb.Value{
			"v": {ValueType: &pb.Value_IntegerValue{IntegerValue: v}}}}}}
	}
	tests := []struct {
		name     string
		interfer func() error
		want     codes.Code
	}{
		{"no interference", func() error { return nil }, codes.OK},
		{"concurrent write", func() error {
			_, err := srv.Commit(ctx, &pb.CommitRequest{Database: db, Writes: []*pb.Write{update(99)}})
			return err
		}, codes.Aborted},
		{"concurrent delete", func() error {
			_, err := c.Doc("c/d").Delete(ctx)
			return err
		}, codes.Aborted},
	}
	for _, tt := range tests {
		begin, err := srv.BeginTransaction(ctx, &pb.BeginTransactionRequest{Database: db})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.GetDocument(ctx, &pb.GetDocumentRequest{Name: doc, ConsistencySelector: &pb.GetDocumentRequest_Transaction{Transaction: begin.Transaction}}); err != nil && status.Code(err) != codes.NotFound {
			t.Fatal(err)
		}
		if err := tt.interfer(); err != nil {
			t.Fatal(err)
		}
		_, err = srv.Commit(ctx, &pb.CommitRequest{Database: db, Transaction: begin.Transaction, Writes: []*pb.Write{update(2)}})
		if status.Code(err) != tt.want {
			t.Fatalf("%s: commit = %v, want %v", tt.name, err, tt.want)
		}
	}
	// A finished transaction cannot be reused.
	begin, _ := srv.BeginTransaction(ctx, &pb.BeginTransactionRequest{Database: db})
	if _, err := srv.Rollback(ctx, &pb.RollbackRequest{Database: db, Transaction: begin.Transaction}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Commit(ctx, &pb.CommitRequest{Database: db, Transaction: begin.Transaction}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("commit after rollback: %v", err)
	}
}

func TestTransactionQueryPhantom(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	db := "projects/" + testProject + "/databases/(default)"
	begin, err := srv.BeginTransaction(ctx, &pb.BeginTransactionRequest{Database: db})
	if err != nil {
		t.Fatal(err)
	}
	it := c.Collection("q").Where("k", "==", 1).Documents(ctx)
	if _, err := it.GetAll(); err != nil {
		t.Fatal(err)
	}
	// Run the same query inside the transaction through gRPC.
	q, _ := c.Collection("q").Where("k", "==", 1).Serialize()
	var rq pb.RunQueryRequest
	if err := protoUnmarshal(q, &rq); err != nil {
		t.Fatal(err)
	}
	rq.ConsistencySelector = &pb.RunQueryRequest_Transaction{Transaction: begin.Transaction}
	if _, err := runQueryDirect(ctx, srv, &rq); err != nil {
		t.Fatal(err)
	}
	// A new matching document appears: the transaction must abort.
	if _, err := c.Doc("q/new").Set(ctx, map[string]any{"k": 1}); err != nil {
		t.Fatal(err)
	}
	_, err = srv.Commit(ctx, &pb.CommitRequest{Database: db, Transaction: begin.Transaction})
	if status.Code(err) != codes.Aborted {
		t.Fatalf("commit = %v, want Aborted", err)
	}
}

func TestReadOnlyTransactionReadTime(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	doc := c.Doc("ro/d")
	wr, err := doc.Set(ctx, map[string]any{"v": 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Set(ctx, map[string]any{"v": 2}); err != nil {
		t.Fatal(err)
	}
	err = c.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(doc)
		if err != nil {
			return err
		}
		if snap.Data()["v"] != int64(1) {
			t.Errorf("read-only transaction at %v saw %v", wr.UpdateTime, snap.Data())
		}
		docs, err := tx.Documents(c.Collection("ro")).GetAll()
		if err != nil {
			return err
		}
		if len(docs) != 1 || docs[0].Data()["v"] != int64(1) {
			t.Errorf("query in read-only transaction: %v", docs)
		}
		return nil
	}, firestore.ReadOnly, firestore.TransactionReadTime(wr.UpdateTime))
	if err != nil {
		t.Fatal(err)
	}
	err = c.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		return tx.Set(doc, map[string]any{"v": 3})
	}, firestore.ReadOnly)
	if err == nil {
		t.Fatal("write in read-only transaction succeeded")
	}
}

// TestCrossedTransactionsDoNotDeadlock reads two documents in opposite
// orders from two transactions; the crossed waits must not hang.
func TestCrossedTransactionsDoNotDeadlock(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	raw := rawClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // under maxLockWait
	defer cancel()
	db := "projects/" + testProject + "/databases/(default)"
	name := func(id string) string { return db + "/documents/x/" + id }
	begin := func() []byte {
		r, err := raw.BeginTransaction(ctx, &pb.BeginTransactionRequest{Database: db})
		if err != nil {
			t.Fatal(err)
		}
		return r.Transaction
	}
	get := func(tx []byte, id string) error {
		_, err := raw.GetDocument(ctx, &pb.GetDocumentRequest{Name: name(id), ConsistencySelector: &pb.GetDocumentRequest_Transaction{Transaction: tx}})
		if status.Code(err) == codes.NotFound {
			return nil
		}
		return err
	}
	t1, t2 := begin(), begin()
	if err := get(t1, "a"); err != nil {
		t.Fatal(err)
	}
	if err := get(t2, "b"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, step := range []struct {
		tx []byte
		id string
	}{{t1, "b"}, {t2, "a"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := get(step.tx, step.id); err != nil {
				errs <- err
				return
			}
			write := &pb.Write{Operation: &pb.Write_Update{Update: &pb.Document{Name: name(step.id)}}}
			_, err := raw.Commit(ctx, &pb.CommitRequest{Database: db, Transaction: step.tx, Writes: []*pb.Write{write}})
			if status.Code(err) != codes.Aborted {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("crossed transactions: %v", err)
		}
	}
}
