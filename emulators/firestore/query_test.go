package firestore

import (
	"fmt"
	"math"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/type/latlng"
)

func ids(t *testing.T, it *firestore.DocumentIterator) []string {
	t.Helper()
	docs, err := it.GetAll()
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	out := []string{}
	for _, d := range docs {
		out = append(out, d.Ref.ID)
	}
	return out
}

func TestQueries(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	coll := c.Collection("q")
	fixtures := map[string]map[string]any{
		"a": {"n": 1, "s": "x", "tags": []any{"red", "blue"}, "g": "one"},
		"b": {"n": 2.5, "s": "y", "tags": []any{"green"}, "g": "one"},
		"c": {"n": 3, "s": "z", "tags": []any{}, "g": "two"},
		"d": {"n": math.NaN(), "s": nil},
		"e": {"n": "str", "s": "x"},
		"f": {"other": true},
		"g": {"n": int64(-5), "s": "w", "nested": map[string]any{"k": 7}},
	}
	for id, data := range fixtures {
		if _, err := coll.Doc(id).Set(ctx, data); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		q    firestore.Query
		want []string
	}{
		{"all by name", coll.Query, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"==", coll.Where("s", "==", "x"), []string{"a", "e"}},
		{"== int matches double", coll.Where("n", "==", 2.5), []string{"b"}},
		{"<", coll.Where("n", "<", 3), []string{"d", "g", "a", "b"}},
		{">= only numbers", coll.Where("n", ">=", 1), []string{"a", "b", "c"}},
		{"!= excludes missing and null", coll.Where("s", "!=", "x"), []string{"g", "b", "c"}},
		{"in", coll.Where("s", "in", []any{"y", "z"}), []string{"b", "c"}},
		{"not-in", coll.Where("s", "not-in", []any{"x", "y"}), []string{"g", "c"}},
		{"array-contains", coll.Where("tags", "array-contains", "red"), []string{"a"}},
		{"array-contains-any", coll.Where("tags", "array-contains-any", []any{"green", "red"}), []string{"a", "b"}},
		{"is nan", coll.Where("n", "==", math.NaN()), []string{"d"}},
		{"is null", coll.Where("s", "==", nil), []string{"d"}},
		{"nested", coll.Where("nested.k", "==", 7), []string{"g"}},
		{"order cross type", coll.OrderBy("n", firestore.Asc), []string{"d", "g", "a", "b", "c", "e"}},
		{"order desc", coll.OrderBy("n", firestore.Desc), []string{"e", "c", "b", "a", "g", "d"}},
		{"limit", coll.OrderBy("n", firestore.Asc).Limit(2), []string{"d", "g"}},
		{"offset", coll.OrderBy("n", firestore.Asc).Offset(4).Limit(1), []string{"c"}},
		{"limit to last", coll.OrderBy("n", firestore.Asc).LimitToLast(2), []string{"c", "e"}},
		{"start at", coll.OrderBy("n", firestore.Asc).StartAt(1), []string{"a", "b", "c", "e"}},
		{"start after", coll.OrderBy("n", firestore.Asc).StartAfter(1), []string{"b", "c", "e"}},
		{"end before", coll.OrderBy("n", firestore.Asc).EndBefore(2.5), []string{"d", "g", "a"}},
		{"end at", coll.OrderBy("n", firestore.Asc).EndAt(2.5), []string{"d", "g", "a", "b"}},
		{"name filter", coll.Where(firestore.DocumentID, ">", coll.Doc("e")), []string{"f", "g"}},
		{"name order desc", coll.OrderBy(firestore.DocumentID, firestore.Desc).Limit(2), []string{"g", "f"}},
		{"or", coll.WhereEntity(firestore.OrFilter{Filters: []firestore.EntityFilter{
			firestore.PropertyFilter{Path: "s", Operator: "==", Value: "w"},
			firestore.PropertyFilter{Path: "tags", Operator: "array-contains", Value: "green"},
		}}), []string{"b", "g"}},
		{"and", coll.WhereEntity(firestore.AndFilter{Filters: []firestore.EntityFilter{
			firestore.PropertyFilter{Path: "g", Operator: "==", Value: "one"},
			firestore.PropertyFilter{Path: "n", Operator: ">", Value: 1},
		}}), []string{"b"}},
		{"two inequalities", coll.Where("n", ">", 0).Where("s", ">", "x"), []string{"b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(t, tt.q.Documents(ctx))); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}

	// Cursor from a snapshot, and projection.
	snapB, _ := coll.Doc("b").Get(ctx)
	if diff := cmp.Diff([]string{"c", "e"}, ids(t, coll.OrderBy("n", firestore.Asc).StartAfter(snapB).Documents(ctx))); diff != "" {
		t.Fatalf("snapshot cursor (-want +got):\n%s", diff)
	}
	docs, err := coll.Select("s").Where("s", "==", "w").Documents(ctx).GetAll()
	if err != nil || len(docs) != 1 || len(docs[0].Data()) != 1 || docs[0].Data()["s"] != "w" {
		t.Fatalf("projection: %v %v", docs, err)
	}
}

func TestValueOrderingAcrossTypes(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	coll := c.Collection("order")
	vals := []any{
		nil, false, true, math.NaN(), math.Inf(-1), -1, 0.5, 1, math.Inf(1),
		time.Unix(0, 0), time.Unix(100, 0), "", "a", "b", []byte{0}, []byte{1},
		c.Doc("a/a"), c.Doc("a/b"), &latlng.LatLng{Latitude: 0, Longitude: 0}, &latlng.LatLng{Latitude: 1, Longitude: 0},
		[]any{}, []any{1}, firestore.Vector64{5}, firestore.Vector64{1, 2}, map[string]any{}, map[string]any{"a": 1},
	}
	var want []string
	for i, v := range vals {
		// Ids run against the value order so a fallback to name order shows.
		id := fmt.Sprintf("v%02d", len(vals)-i)
		want = append(want, id)
		if _, err := coll.Doc(id).Set(ctx, map[string]any{"v": v}); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, ids(t, coll.OrderBy("v", firestore.Asc).Documents(ctx))); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestCollectionGroupAndAggregations(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	for _, p := range []string{"a/1/items/x", "b/2/items/y", "items/z", "a/1/other/w"} {
		if _, err := c.Doc(p).Set(ctx, map[string]any{"price": 2, "qty": 1.5}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Doc("items/n").Set(ctx, map[string]any{"price": "free"}); err != nil {
		t.Fatal(err)
	}
	got := ids(t, c.CollectionGroup("items").Documents(ctx))
	if diff := cmp.Diff([]string{"x", "y", "n", "z"}, got); diff != "" {
		t.Fatalf("collection group (-want +got):\n%s", diff)
	}
	res, err := c.CollectionGroup("items").NewAggregationQuery().
		WithCount("count").WithSum("price", "sum").WithAvg("qty", "avg").WithSum("qty", "fsum").Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := firestore.AggregationResult{"count": int64(4), "sum": int64(6), "avg": 1.5, "fsum": 4.5}
	for k, v := range want {
		if aggValue(res[k]) != v {
			t.Errorf("%s = %v (%T), want %v", k, res[k], res[k], v)
		}
	}
	limited := c.Collection("items").Limit(1)
	cnt, err := limited.NewAggregationQuery().WithCount("c").Get(ctx)
	if err != nil || aggValue(cnt["c"]) != int64(1) {
		t.Fatalf("count with limit: %v %v", cnt, err)
	}
}

func TestFindNearest(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	coll := c.Collection("vec")
	vecs := map[string]firestore.Vector64{"x": {1, 0}, "y": {0, 1}, "xy": {1, 1}, "far": {10, 10}}
	for id, v := range vecs {
		if _, err := coll.Doc(id).Set(ctx, map[string]any{"e": v, "kind": "v"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := coll.Doc("bad").Set(ctx, map[string]any{"e": firestore.Vector64{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		measure firestore.DistanceMeasure
		opts    *firestore.FindNearestOptions
		limit   int
		want    []string
	}{
		{"euclidean", firestore.DistanceMeasureEuclidean, nil, 2, []string{"x", "xy"}},
		{"cosine ties by name", firestore.DistanceMeasureCosine, nil, 2, []string{"x", "far"}},
		{"dot", firestore.DistanceMeasureDotProduct, nil, 2, []string{"far", "x"}},
		{"threshold", firestore.DistanceMeasureEuclidean, &firestore.FindNearestOptions{DistanceThreshold: ptr(1.0)}, 10, []string{"x", "xy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := coll.Where("kind", "==", "v").FindNearest("e", firestore.Vector64{1, 0}, tt.limit, tt.measure, tt.opts)
			docs, err := q.Documents(ctx).GetAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range docs {
				got = append(got, d.Ref.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
	docs, err := coll.FindNearest("e", firestore.Vector64{1, 0}, 1, firestore.DistanceMeasureEuclidean,
		&firestore.FindNearestOptions{DistanceResultField: "dist"}).Documents(ctx).GetAll()
	if err != nil || len(docs) != 1 || docs[0].Data()["dist"] != 0.0 {
		t.Fatalf("distance result field: %v %v", docs, err)
	}
}

func ptr[T any](v T) *T { return &v }

// aggValue unwraps an aggregation result, which the client returns as a
// proto value.
func aggValue(v any) any {
	pv, ok := v.(*pb.Value)
	if !ok {
		return v
	}
	switch x := pv.GetValueType().(type) {
	case *pb.Value_IntegerValue:
		return x.IntegerValue
	case *pb.Value_DoubleValue:
		return x.DoubleValue
	}
	return nil
}
