package firestore

import (
	"math"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestSetGetDelete(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	doc := c.Doc("users/alice")
	data := map[string]any{
		"s": "text", "i": int64(42), "f": 1.5, "b": true, "n": nil,
		"t":   time.Date(2024, 5, 1, 12, 0, 0, 123000, time.UTC),
		"by":  []byte{1, 2, 3},
		"arr": []any{int64(1), "two"},
		"m":   map[string]any{"x": int64(1), "y": map[string]any{"z": "deep"}},
		"ref": c.Doc("other/doc"),
		"geo": map[string]any{"lat": 1.0},
	}
	wr, err := doc.Set(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := doc.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Exists() || !snap.UpdateTime.Equal(wr.UpdateTime) || !snap.CreateTime.Equal(wr.UpdateTime) {
		t.Fatalf("snapshot times: create %v update %v, want %v", snap.CreateTime, snap.UpdateTime, wr.UpdateTime)
	}
	got := snap.Data()
	if got["s"] != "text" || got["i"] != int64(42) || got["m"].(map[string]any)["y"].(map[string]any)["z"] != "deep" {
		t.Fatalf("data = %v", got)
	}
	if ref, ok := got["ref"].(*firestore.DocumentRef); !ok || ref.Path != c.Doc("other/doc").Path {
		t.Fatalf("ref = %v", got["ref"])
	}

	// Overwrite keeps the create time and advances the update time.
	wr2, err := doc.Set(ctx, map[string]any{"s": "new"})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ = doc.Get(ctx)
	if !snap.CreateTime.Equal(wr.UpdateTime) || !snap.UpdateTime.Equal(wr2.UpdateTime) || !wr2.UpdateTime.After(wr.UpdateTime) {
		t.Fatalf("times after overwrite: %v %v", snap.CreateTime, snap.UpdateTime)
	}
	if diff := cmp.Diff(map[string]any{"s": "new"}, snap.Data()); diff != "" {
		t.Fatalf("data (-want +got):\n%s", diff)
	}

	// A write that changes nothing keeps the update time, like production.
	wr3, err := doc.Set(ctx, map[string]any{"s": "new"})
	if err != nil {
		t.Fatal(err)
	}
	if !wr3.UpdateTime.Equal(wr2.UpdateTime) {
		t.Fatalf("no-op write update time %v, want %v", wr3.UpdateTime, wr2.UpdateTime)
	}

	if _, err := doc.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Get(ctx); status.Code(err) != codes.NotFound {
		t.Fatalf("Get after delete: %v, want NotFound", err)
	}
}

func TestUpdateMergeAndPreconditions(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	doc := c.Doc("c/d")

	if _, err := doc.Update(ctx, []firestore.Update{{Path: "a", Value: 1}}); status.Code(err) != codes.NotFound {
		t.Fatalf("Update of missing doc: %v, want NotFound", err)
	}
	wr, err := doc.Create(ctx, map[string]any{"a": 1, "m": map[string]any{"x": 1, "y": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Create(ctx, map[string]any{"a": 2}); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("second Create: %v, want AlreadyExists", err)
	}
	if _, err := doc.Update(ctx, []firestore.Update{{Path: "m.x", Value: firestore.Delete}, {Path: "b", Value: "B"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Set(ctx, map[string]any{"m": map[string]any{"z": 3}}, firestore.MergeAll); err != nil {
		t.Fatal(err)
	}
	snap, _ := doc.Get(ctx)
	want := map[string]any{"a": int64(1), "b": "B", "m": map[string]any{"y": int64(2), "z": int64(3)}}
	if diff := cmp.Diff(want, snap.Data()); diff != "" {
		t.Fatalf("data (-want +got):\n%s", diff)
	}
	// Stale update-time precondition.
	_, err = doc.Update(ctx, []firestore.Update{{Path: "a", Value: 5}}, firestore.LastUpdateTime(wr.UpdateTime))
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("stale precondition: %v, want FailedPrecondition", err)
	}
	if _, err := doc.Update(ctx, []firestore.Update{{Path: "a", Value: 5}}, firestore.LastUpdateTime(snap.UpdateTime)); err != nil {
		t.Fatalf("fresh precondition: %v", err)
	}
}

func TestTransforms(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	doc := c.Doc("c/t")
	if _, err := doc.Set(ctx, map[string]any{"n": 1, "d": 1.5, "arr": []any{1, 2, 3}, "big": int64(math.MaxInt64), "s": "x"}); err != nil {
		t.Fatal(err)
	}
	wr, err := doc.Update(ctx, []firestore.Update{
		{Path: "n", Value: firestore.Increment(2)},
		{Path: "d", Value: firestore.Increment(1)},
		{Path: "big", Value: firestore.Increment(10)},
		{Path: "s", Value: firestore.Increment(7)},
		{Path: "new", Value: firestore.Increment(3)},
		{Path: "max", Value: firestore.FieldTransformMaximum(10)},
		{Path: "min", Value: firestore.FieldTransformMinimum(-1)},
		{Path: "arr", Value: firestore.ArrayUnion(3, 4)},
		{Path: "rm", Value: firestore.ArrayRemove(1)},
		{Path: "ts", Value: firestore.ServerTimestamp},
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := doc.Get(ctx)
	got := snap.Data()
	want := map[string]any{
		"n": int64(3), "d": 2.5, "big": int64(math.MaxInt64), "s": int64(7), "new": int64(3),
		"max": int64(10), "min": int64(-1), "arr": []any{int64(1), int64(2), int64(3), int64(4)}, "rm": []any{},
		"ts": wr.UpdateTime,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("data (-want +got):\n%s", diff)
	}
	if _, err := doc.Update(ctx, []firestore.Update{
		{Path: "arr", Value: firestore.ArrayRemove(1, 3)},
		{Path: "max", Value: firestore.FieldTransformMaximum(2.5)},
		{Path: "min", Value: firestore.FieldTransformMinimum(-1.5)},
	}); err != nil {
		t.Fatal(err)
	}
	snap, _ = doc.Get(ctx)
	if diff := cmp.Diff([]any{int64(2), int64(4)}, snap.Data()["arr"]); diff != "" {
		t.Fatalf("arr (-want +got):\n%s", diff)
	}
	if snap.Data()["max"] != int64(10) || snap.Data()["min"] != -1.5 {
		t.Fatalf("max/min = %v/%v", snap.Data()["max"], snap.Data()["min"])
	}
}

func TestWriteBatchAtomic(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	if _, err := c.Doc("c/exists").Set(ctx, map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	b := c.Batch()
	b.Set(c.Doc("c/new"), map[string]any{"a": 1})
	b.Create(c.Doc("c/exists"), map[string]any{"a": 2}) // fails: the batch must not apply
	if _, err := b.Commit(ctx); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("batch commit: %v, want AlreadyExists", err)
	}
	if _, err := c.Doc("c/new").Get(ctx); status.Code(err) != codes.NotFound {
		t.Fatalf("partial batch applied: %v", err)
	}
}

func TestLimitsAndValidation(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)
	nested := map[string]any{"leaf": 1}
	for range 20 {
		nested = map[string]any{"m": nested}
	}
	okNested := map[string]any{"leaf": 1}
	for range 18 {
		okNested = map[string]any{"m": okNested}
	}
	tests := []struct {
		name    string
		path    string
		data    map[string]any
		code    codes.Code
		message string
	}{
		{"one byte too large", "c/fits", map[string]any{"s": strings.Repeat("x", 1<<20-57)}, codes.InvalidArgument, "exceeds the maximum allowed size of 1,048,576 bytes"},
		// name 2+5+16, field 2, value len+1, document 32.
		{"just fits", "c/fits", map[string]any{"s": strings.Repeat("x", 1<<20-58)}, codes.OK, ""},
		{"too deep", "c/deep", nested, codes.InvalidArgument, "nested more than 20"},
		{"deep ok", "c/deepok", okNested, codes.OK, ""},
		{"reserved id", "c/__x__", map[string]any{"a": 1}, codes.InvalidArgument, "reserved"},
		{"reserved field", "c/rf", map[string]any{"__f__": 1}, codes.InvalidArgument, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Doc(tt.path).Set(ctx, tt.data)
			if status.Code(err) != tt.code || !strings.Contains(status.Convert(err).Message(), tt.message) {
				t.Fatalf("Set: %v, want %v containing %q", err, tt.code, tt.message)
			}
		})
	}

	// Requests over 10 MiB are rejected as a whole.
	b := c.Batch()
	for i := range 11 {
		b.Set(c.Doc("c/r"+string(rune('a'+i))), map[string]any{"s": strings.Repeat("y", 1000_000)})
	}
	_, err := b.Commit(ctx)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "Request payload size exceeds the limit") {
		t.Fatalf("large request: %v", err)
	}

	// Direct gRPC: names with empty segments.
	_, err = srv.GetDocument(ctx, &pb.GetDocumentRequest{Name: "projects/p/databases/(default)/documents/c//d"})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("empty segment: %v", err)
	}
}

func TestBatchWriteIndependent(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	if _, err := c.Doc("bw/exists").Set(ctx, map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	bw := c.BulkWriter(ctx)
	j1, _ := bw.Create(c.Doc("bw/exists"), map[string]any{"a": 2})
	j2, _ := bw.Set(c.Doc("bw/new"), map[string]any{"a": 3})
	bw.End()
	if _, err := j1.Results(); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("job1: %v, want AlreadyExists", err)
	}
	if _, err := j2.Results(); err != nil {
		t.Fatalf("job2: %v", err)
	}
	if snap, err := c.Doc("bw/new").Get(ctx); err != nil || snap.Data()["a"] != int64(3) {
		t.Fatalf("bw/new: %v %v", snap, err)
	}
}

func TestMultipleDatabasesAndErrorInjection(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, Options{})
	def := newClient(t, srv, firestore.DefaultDatabaseID)
	other := newClient(t, srv, "other")
	ctx := testCtx(t)
	if _, err := def.Doc("c/d").Set(ctx, map[string]any{"db": "default"}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Doc("c/d").Get(ctx); status.Code(err) != codes.NotFound {
		t.Fatalf("other database sees default's document: %v", err)
	}
	injected := status.Error(codes.Unavailable, "injected")
	srv.InjectError("GetDocument", injected)
	srv.InjectError("BatchGetDocuments", injected)
	if _, err := def.Doc("c/d").Get(ctx); status.Code(err) != codes.Unavailable {
		t.Fatalf("injected error: %v", err)
	}
	srv.InjectError("BatchGetDocuments", nil)
	srv.InjectError("GetDocument", nil)
	if _, err := def.Doc("c/d").Get(ctx); err != nil {
		t.Fatalf("after clearing injection: %v", err)
	}
}

func TestListDocumentsAndCollections(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	for _, p := range []string{"l/a", "l/b", "l/missing/sub/x", "l/a/kids/k", "other/o"} {
		if _, err := c.Doc(p).Set(ctx, map[string]any{"v": 1}); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := c.Collection("l").DocumentRefs(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"a", "b", "missing"}, ids); diff != "" {
		t.Fatalf("DocumentRefs (-want +got):\n%s", diff)
	}
	colls, err := c.Collections(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cr := range colls {
		names = append(names, cr.ID)
	}
	if diff := cmp.Diff([]string{"l", "other"}, names); diff != "" {
		t.Fatalf("Collections (-want +got):\n%s", diff)
	}
	sub, err := c.Doc("l/missing").Collections(ctx).GetAll()
	if err != nil || len(sub) != 1 || sub[0].ID != "sub" {
		t.Fatalf("subcollections: %v %v", sub, err)
	}
}

func TestGetAllMissingAndReadTime(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	wr, err := c.Doc("r/a").Set(ctx, map[string]any{"v": 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Doc("r/a").Set(ctx, map[string]any{"v": 2}); err != nil {
		t.Fatal(err)
	}
	snaps, err := c.GetAll(ctx, []*firestore.DocumentRef{c.Doc("r/a"), c.Doc("r/none")})
	if err != nil {
		t.Fatal(err)
	}
	if !snaps[0].Exists() || snaps[1].Exists() || snaps[0].Data()["v"] != int64(2) {
		t.Fatalf("GetAll: %v %v", snaps[0].Data(), snaps[1].Exists())
	}
	old, err := c.WithReadOptions(firestore.ReadTime(wr.UpdateTime)).GetAll(ctx, []*firestore.DocumentRef{c.Doc("r/a")})
	if err != nil {
		t.Fatal(err)
	}
	if old[0].Data()["v"] != int64(1) {
		t.Fatalf("read at %v: %v", wr.UpdateTime, old[0].Data())
	}
}
