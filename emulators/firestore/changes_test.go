package firestore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
)

// changeLog collects what a subscriber got.
type changeLog struct {
	mu  sync.Mutex
	got []Change
}

func (l *changeLog) add(c Change) {
	l.mu.Lock()
	l.got = append(l.got, c)
	l.mu.Unlock()
}

func (l *changeLog) waitLen(t *testing.T, n int) []Change {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l.mu.Lock()
		got := append([]Change(nil), l.got...)
		l.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("got %d changes, want %d: %v", len(got), n, got)
			}
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOnChangeReportsEveryWriteKind(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	var log changeLog
	cancel := srv.OnChange(log.add)
	t.Cleanup(cancel)

	a := c.Doc("orgs/o1/sessions/a")
	if _, err := a.Create(ctx, map[string]any{"n": 1}); err != nil { // Commit
		t.Fatal(err)
	}
	if _, err := a.Set(ctx, map[string]any{"n": 1}); err != nil { // no-op: not reported
		t.Fatal(err)
	}
	if _, err := a.Update(ctx, []firestore.Update{{Path: "n", Value: 2}}); err != nil {
		t.Fatal(err)
	}
	bw := c.BulkWriter(ctx) // BatchWrite
	if _, err := bw.Create(c.Doc("orgs/o1/sessions/b"), map[string]any{"x": true}); err != nil {
		t.Fatal(err)
	}
	bw.End()
	if _, err := a.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Delete(ctx); err != nil { // deleting nothing: not reported
		t.Fatal(err)
	}
	raw := rawClient(t, srv)
	parent := "projects/" + testProject + "/databases/(default)/documents"
	if _, err := raw.CreateDocument(ctx, &pb.CreateDocumentRequest{
		Parent: parent, CollectionId: "c", DocumentId: "d",
		Document: &pb.Document{Fields: map[string]*pb.Value{"v": {ValueType: &pb.Value_IntegerValue{IntegerValue: 1}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.UpdateDocument(ctx, &pb.UpdateDocumentRequest{Document: &pb.Document{
		Name: parent + "/c/d", Fields: map[string]*pb.Value{"v": {ValueType: &pb.Value_IntegerValue{IntegerValue: 2}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.DeleteDocument(ctx, &pb.DeleteDocumentRequest{Name: parent + "/c/d"}); err != nil {
		t.Fatal(err)
	}

	got := log.waitLen(t, 7)
	type want struct {
		doc      string
		old, new int64 // -1: absent
	}
	field := func(d *pb.Document) int64 {
		if d == nil {
			return -1
		}
		for _, k := range []string{"n", "v"} {
			if v, ok := d.Fields[k]; ok {
				return v.GetIntegerValue()
			}
		}
		return 0
	}
	wants := []want{
		{"orgs/o1/sessions/a", -1, 1},
		{"orgs/o1/sessions/a", 1, 2},
		{"orgs/o1/sessions/b", -1, 0},
		{"orgs/o1/sessions/a", 2, -1},
		{"c/d", -1, 1},
		{"c/d", 1, 2},
		{"c/d", 2, -1},
	}
	var last time.Time
	for i, w := range wants {
		g := got[i]
		if g.Name != parent+"/"+w.doc || g.Database != "projects/"+testProject+"/databases/(default)" {
			t.Errorf("change %d: %s in %s, want %s", i, g.Name, g.Database, w.doc)
		}
		if field(g.Old) != w.old || field(g.New) != w.new {
			t.Errorf("change %d (%s): old %d new %d, want %d %d", i, w.doc, field(g.Old), field(g.New), w.old, w.new)
		}
		if !g.Time.After(last) {
			t.Errorf("change %d: time %v not after %v", i, g.Time, last)
		}
		last = g.Time
		if g.New != nil && !g.New.UpdateTime.AsTime().Equal(g.Time) {
			t.Errorf("change %d: update time %v, commit %v", i, g.New.UpdateTime.AsTime(), g.Time)
		}
	}
}

func TestOnChangeTransactionAndOrder(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	var log changeLog
	t.Cleanup(srv.OnChange(log.add))

	// One commit writing several documents reports each, in write order.
	batch := c.Batch()
	for i := range 3 {
		batch.Set(c.Doc(fmt.Sprintf("t/%d", i)), map[string]any{"i": i})
	}
	if _, err := batch.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Concurrent single-document commits arrive in commit-time order.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Doc(fmt.Sprintf("p/%d", i)).Set(ctx, map[string]any{"i": i}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := log.waitLen(t, 23)
	for i := range 3 {
		if want := fmt.Sprintf("/documents/t/%d", i); got[i].Name[len(got[i].Name)-len(want):] != want {
			t.Errorf("change %d is %s", i, got[i].Name)
		}
		if !got[i].Time.Equal(got[0].Time) {
			t.Errorf("batch changes have different times")
		}
	}
	for i := 4; i < len(got); i++ {
		if !got[i].Time.After(got[i-1].Time) {
			t.Errorf("change %d at %v is not after %v", i, got[i].Time, got[i-1].Time)
		}
	}
}

func TestOnChangeCancelAndSlowSubscriber(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)

	release := make(chan struct{})
	var slow changeLog
	cancelSlow := srv.OnChange(func(ch Change) {
		<-release // a stuck subscriber must not hold up commits
		slow.add(ch)
	})
	t.Cleanup(cancelSlow)
	var gone changeLog
	cancel := srv.OnChange(gone.add)
	cancel()
	cancel() // idempotent

	for i := range 50 {
		if _, err := c.Doc(fmt.Sprintf("s/%d", i)).Set(ctx, map[string]any{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	slow.waitLen(t, 50)
	gone.mu.Lock()
	n := len(gone.got)
	gone.mu.Unlock()
	if n != 0 {
		t.Errorf("cancelled subscriber got %d changes", n)
	}
}

func TestOnChangeCopiesDocuments(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	var log changeLog
	t.Cleanup(srv.OnChange(func(ch Change) {
		ch.New.Fields["n"] = &pb.Value{ValueType: &pb.Value_StringValue{StringValue: "scribbled"}}
		log.add(ch)
	}))
	doc := c.Doc("x/y")
	if _, err := doc.Set(ctx, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	log.waitLen(t, 1)
	snap, err := doc.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := snap.DataAt("n"); v != int64(1) {
		t.Errorf("stored document changed by a subscriber: n = %v", v)
	}
}
