package firestore

import (
	"context"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"github.com/google/go-cmp/cmp"
)

func TestWatchDocument(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	doc := c.Doc("w/d")
	it := doc.Snapshots(ctx)
	t.Cleanup(it.Stop)

	snap, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	if snap.Exists() {
		t.Fatal("first snapshot of a missing document exists")
	}
	steps := []struct {
		write  func() error
		exists bool
		v      any
	}{
		{func() error { _, err := doc.Set(ctx, map[string]any{"v": 1}); return err }, true, int64(1)},
		{func() error { _, err := doc.Update(ctx, []firestore.Update{{Path: "v", Value: 2}}); return err }, true, int64(2)},
		{func() error { _, err := doc.Delete(ctx); return err }, false, nil},
		{func() error { _, err := doc.Set(ctx, map[string]any{"v": 3}); return err }, true, int64(3)},
	}
	for i, st := range steps {
		if err := st.write(); err != nil {
			t.Fatal(err)
		}
		snap, err := it.Next()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if snap.Exists() != st.exists {
			t.Fatalf("step %d: exists = %v", i, snap.Exists())
		}
		if st.exists && snap.Data()["v"] != st.v {
			t.Fatalf("step %d: v = %v, want %v", i, snap.Data()["v"], st.v)
		}
	}
}

func TestWatchQuery(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	coll := c.Collection("wq")
	if _, err := coll.Doc("a").Set(ctx, map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	it := coll.Where("n", ">", 0).OrderBy("n", firestore.Asc).Limit(2).Snapshots(ctx)
	t.Cleanup(it.Stop)

	type change struct {
		Kind firestore.DocumentChangeKind
		ID   string
	}
	next := func() ([]string, []change) {
		t.Helper()
		qs, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		docs, err := qs.Documents.GetAll()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range docs {
			got = append(got, d.Ref.ID)
		}
		var chs []change
		for _, ch := range qs.Changes {
			chs = append(chs, change{ch.Kind, ch.Doc.Ref.ID})
		}
		return got, chs
	}
	steps := []struct {
		name    string
		write   func() error
		want    []string
		changes []change
	}{
		{"initial", func() error { return nil }, []string{"a"}, []change{{firestore.DocumentAdded, "a"}}},
		{"add", func() error { _, err := coll.Doc("b").Set(ctx, map[string]any{"n": 2}); return err },
			[]string{"a", "b"}, []change{{firestore.DocumentAdded, "b"}}},
		{"add outside limit", func() error {
			_, err := coll.Doc("c").Set(ctx, map[string]any{"n": 3})
			if err != nil {
				return err
			}
			_, err = coll.Doc("z").Set(ctx, map[string]any{"n": 0.5})
			return err
		}, []string{"z", "a"}, []change{{firestore.DocumentRemoved, "b"}, {firestore.DocumentAdded, "z"}}},
		{"modify", func() error { _, err := coll.Doc("a").Set(ctx, map[string]any{"n": 0.7}); return err },
			[]string{"z", "a"}, []change{{firestore.DocumentModified, "a"}}},
		{"delete slides next in", func() error { _, err := coll.Doc("z").Delete(ctx); return err },
			[]string{"a", "b"}, []change{{firestore.DocumentRemoved, "z"}, {firestore.DocumentAdded, "b"}}},
		{"leave filter", func() error { _, err := coll.Doc("a").Set(ctx, map[string]any{"n": -1}); return err },
			[]string{"b", "c"}, []change{{firestore.DocumentRemoved, "a"}, {firestore.DocumentAdded, "c"}}},
	}
	for _, st := range steps {
		if err := st.write(); err != nil {
			t.Fatal(err)
		}
		// Writes of one step may arrive as one or two snapshots; wait for
		// the expected result set.
		var got []string
		var chs []change
		deadline := time.Now().Add(20 * time.Second)
		for {
			var c []change
			got, c = next()
			chs = append(chs, c...)
			if cmp.Equal(got, st.want) || time.Now().After(deadline) {
				break
			}
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Fatalf("%s: results (-want +got):\n%s", st.name, diff)
		}
		if st.name != "add outside limit" {
			if diff := cmp.Diff(st.changes, chs); diff != "" {
				t.Fatalf("%s: changes (-want +got):\n%s", st.name, diff)
			}
		}
	}
}

func TestWatchResumeToken(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	raw := rawClient(t, srv)
	db := "projects/" + testProject + "/databases/(default)"
	for _, id := range []string{"a", "b"} {
		if _, err := c.Doc("r/"+id).Set(ctx, map[string]any{"v": 1}); err != nil {
			t.Fatal(err)
		}
	}
	target := func(token []byte) *pb.ListenRequest {
		tg := &pb.Target{TargetId: 7, TargetType: &pb.Target_Query{Query: &pb.Target_QueryTarget{
			Parent: db + "/documents",
			QueryType: &pb.Target_QueryTarget_StructuredQuery{StructuredQuery: &pb.StructuredQuery{
				From: []*pb.StructuredQuery_CollectionSelector{{CollectionId: "r"}}}},
		}}}
		if token != nil {
			tg.ResumeType = &pb.Target_ResumeToken{ResumeToken: token}
		}
		return &pb.ListenRequest{Database: db, TargetChange: &pb.ListenRequest_AddTarget{AddTarget: tg}}
	}
	// listenUntilSnapshot collects responses up to the first global NO_CHANGE.
	listenUntilSnapshot := func(token []byte) ([]*pb.ListenResponse, []byte) {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stream, err := raw.Listen(sctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(target(token)); err != nil {
			t.Fatal(err)
		}
		var got []*pb.ListenResponse
		for {
			r, err := stream.Recv()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
			if tc := r.GetTargetChange(); tc != nil && tc.TargetChangeType == pb.TargetChange_NO_CHANGE && len(tc.TargetIds) == 0 {
				return got, tc.ResumeToken
			}
		}
	}
	first, token := listenUntilSnapshot(nil)
	if n := countChanges(first); n != 2 {
		t.Fatalf("initial listen sent %d document changes, want 2", n)
	}
	if _, err := c.Doc("r/b").Set(ctx, map[string]any{"v": 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("r/a").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	resumed, token2 := listenUntilSnapshot(token)
	var changed, deleted []string
	var filter int32 = -1
	for _, r := range resumed {
		if dc := r.GetDocumentChange(); dc != nil {
			changed = append(changed, dc.Document.Name)
		}
		if dd := r.GetDocumentDelete(); dd != nil {
			deleted = append(deleted, dd.Document)
		}
		if f := r.GetFilter(); f != nil {
			filter = f.Count
		}
	}
	if diff := cmp.Diff([]string{db + "/documents/r/b"}, changed); diff != "" {
		t.Fatalf("resumed changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{db + "/documents/r/a"}, deleted); diff != "" {
		t.Fatalf("resumed deletes (-want +got):\n%s", diff)
	}
	if filter != 1 {
		t.Fatalf("existence filter = %d, want 1", filter)
	}
	if string(token2) <= string(token) {
		t.Fatalf("resume tokens do not increase: %x then %x", token, token2)
	}
}

func countChanges(rs []*pb.ListenResponse) int {
	n := 0
	for _, r := range rs {
		if r.GetDocumentChange() != nil {
			n++
		}
	}
	return n
}

func TestWatchManyListeners(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	doc := c.Doc("many/d")
	const listeners = 40
	its := make([]*firestore.DocumentSnapshotIterator, listeners)
	for i := range its {
		its[i] = doc.Snapshots(ctx)
		t.Cleanup(its[i].Stop)
		if _, err := its[i].Next(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := doc.Set(ctx, map[string]any{"v": 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, listeners)
	for _, it := range its {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap, err := it.Next()
			if err == nil && (!snap.Exists() || snap.Data()["v"] != int64(1)) {
				t.Errorf("listener saw %v", snap.Data())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchIgnoresOtherDocuments: a write elsewhere (a sibling collection,
// another document) reports nothing to a listener, and a later real
// removal still does.
func TestWatchIgnoresOtherDocuments(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	if _, err := c.Doc("p/s/members/u1").Set(ctx, map[string]any{"role": "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("p/d").Set(ctx, map[string]any{"v": 1}); err != nil {
		t.Fatal(err)
	}
	q := c.Collection("p/s/members").Snapshots(ctx)
	t.Cleanup(q.Stop)
	d := c.Doc("p/d").Snapshots(ctx)
	t.Cleanup(d.Stop)
	if _, err := q.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("p/s/presence/u2").Set(ctx, map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("p/s/members/u1").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := q.Next()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Changes) != 1 || snap.Changes[0].Kind != firestore.DocumentRemoved || snap.Size != 0 {
		t.Fatalf("query: %d changes, size %d; want the one real removal", len(snap.Changes), snap.Size)
	}
	if _, err := c.Doc("p/d").Update(ctx, []firestore.Update{{Path: "v", Value: 2}}); err != nil {
		t.Fatal(err)
	}
	ds, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !ds.Exists() || ds.Data()["v"] != int64(2) {
		t.Fatalf("document: exists %v, data %v; want v 2 (never missing)", ds.Exists(), ds.Data())
	}
}
