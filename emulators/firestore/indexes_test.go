package firestore

import (
	"strings"
	"testing"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestIndexEnforcement(t *testing.T) {
	t.Parallel()
	cfg, err := ParseIndexConfig([]byte(`{
	  "indexes": [
	    {"collectionGroup": "items", "queryScope": "COLLECTION",
	     "fields": [{"fieldPath": "x", "order": "ASCENDING"}, {"fieldPath": "q", "order": "ASCENDING"}]},
	    {"collectionGroup": "items", "queryScope": "COLLECTION",
	     "fields": [{"fieldPath": "a", "order": "ASCENDING"}, {"fieldPath": "b", "order": "DESCENDING"}]},
	    {"collectionGroup": "items",
	     "fields": [{"fieldPath": "tags", "arrayConfig": "CONTAINS"}, {"fieldPath": "q", "order": "ASCENDING"}]},
	    {"collectionGroup": "items", "queryScope": "COLLECTION",
	     "fields": [{"fieldPath": "embedding", "vectorConfig": {"dimension": 3, "flat": {}}}]}
	  ],
	  "fieldOverrides": []
	}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, Options{Indexes: cfg})
	c := newClient(t, srv, firestore.DefaultDatabaseID)
	ctx := testCtx(t)
	coll := c.Collection("items")
	if _, err := coll.Doc("d").Set(ctx, map[string]any{"x": 1, "q": 2, "a": 1, "b": 2, "y": 3, "tags": []any{"t"}}); err != nil {
		t.Fatal(err)
	}
	or := func(fs ...firestore.EntityFilter) firestore.Query {
		return coll.WhereEntity(firestore.OrFilter{Filters: fs})
	}
	eq := func(path string, v any) firestore.EntityFilter {
		return firestore.PropertyFilter{Path: path, Operator: "==", Value: v}
	}
	tests := []struct {
		name string
		q    firestore.Query
		ok   bool
	}{
		{"no filter", coll.Query, true},
		{"equalities merge single-field indexes", coll.Where("x", "==", 1).Where("y", "==", 3), true},
		{"one inequality", coll.Where("q", ">", 0), true},
		{"one order desc", coll.OrderBy("q", firestore.Desc), true},
		{"equality with order on the same field", coll.Where("q", "==", 2).OrderBy("q", firestore.Asc), true},
		{"equality and order by name", coll.Where("x", "==", 1).OrderBy(firestore.DocumentID, firestore.Desc), true},
		{"declared composite", coll.Where("x", "==", 1).OrderBy("q", firestore.Asc), true},
		{"declared composite scanned backwards", coll.Where("x", "==", 1).OrderBy("q", firestore.Desc), true},
		{"declared composite, inequality", coll.Where("x", "==", 1).Where("q", ">", 0), true},
		{"declared mixed directions", coll.OrderBy("a", firestore.Asc).OrderBy("b", firestore.Desc), true},
		{"array-contains composite", coll.Where("tags", "array-contains", "t").OrderBy("q", firestore.Asc), true},
		{"or of declared composites", or(eq("x", 1), eq("tags", "t")).OrderBy("q", firestore.Asc), true},
		{"undeclared equality and order", coll.Where("y", "==", 3).OrderBy("q", firestore.Asc), false},
		{"undeclared two orders", coll.OrderBy("q", firestore.Asc).OrderBy("x", firestore.Asc), false},
		{"mixed directions not declared", coll.OrderBy("a", firestore.Asc).OrderBy("b", firestore.Asc), false},
		{"two inequality fields", coll.Where("q", ">", 0).Where("x", ">", 0), false},
		{"or with one undeclared disjunct", or(eq("x", 1), eq("y", 3)).OrderBy("q", firestore.Asc), false},
		{"collection group scope differs", c.CollectionGroup("items").Where("x", "==", 1).OrderBy("q", firestore.Asc), false},
	}
	for _, tc := range tests {
		_, err := tc.q.Documents(ctx).GetAll()
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && (status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "The query requires an index.")) {
			t.Errorf("%s: got %v, want FAILED_PRECONDITION requiring an index", tc.name, err)
		}
	}

	// Vector search needs no index here, even with a filter.
	vq := coll.Where("y", "==", 3).FindNearest("embedding", []float64{1, 0, 0}, 1, firestore.DistanceMeasureEuclidean, nil)
	if _, err := vq.Documents(ctx).GetAll(); err != nil {
		t.Errorf("vector search: %v", err)
	}

	// Aggregations and listens obey the same rule.
	aq := coll.Where("y", "==", 3).OrderBy("q", firestore.Asc)
	agg := aq.NewAggregationQuery().WithCount("n")
	if _, err := agg.Get(ctx); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("aggregation: got %v, want FAILED_PRECONDITION", err)
	}
	it := coll.Where("y", "==", 3).OrderBy("q", firestore.Asc).Snapshots(ctx)
	defer it.Stop()
	if _, err := it.Next(); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("listen: got %v, want FAILED_PRECONDITION", err)
	}

	// Indexes limited to one project leave every other project's queries
	// alone, as Google's emulator does.
	scoped := newTestServer(t, Options{Indexes: cfg, IndexProjects: []string{"demo-platform"}})
	for _, tc := range []struct {
		project string
		ok      bool
	}{{"demo-platform", false}, {"demo-someone-else", true}} {
		c := newClientFor(t, scoped, tc.project)
		_, err := c.Collection("items").Where("y", "==", 3).OrderBy("q", firestore.Asc).Documents(ctx).GetAll()
		if tc.ok && err != nil {
			t.Errorf("project %s: %v", tc.project, err)
		}
		if !tc.ok && status.Code(err) != codes.FailedPrecondition {
			t.Errorf("project %s: got %v, want FAILED_PRECONDITION", tc.project, err)
		}
	}

	// Without a configuration every query runs.
	_, plain := setup(t)
	if _, err := plain.Collection("items").Where("y", "==", 3).OrderBy("q", firestore.Asc).Documents(ctx).GetAll(); err != nil {
		t.Errorf("unenforced: %v", err)
	}
}

func TestParseIndexConfigRejectsBadIndexes(t *testing.T) {
	t.Parallel()
	for _, tc := range []string{
		`{"indexes": [{"fields": [{"fieldPath": "a", "order": "ASCENDING"}]}]}`,
		`{"indexes": [{"collectionGroup": "c", "queryScope": "DATABASE", "fields": []}]}`,
		`{"indexes": [{"collectionGroup": "c", "fields": [{"fieldPath": "a", "order": "UP"}]}]}`,
		`{"indexes": [{"collectionGroup": "c", "fields": [{"fieldPath": "a..b", "order": "ASCENDING"}]}]}`,
		`{"indexes": 1}`,
	} {
		if _, err := ParseIndexConfig([]byte(tc)); err == nil {
			t.Errorf("ParseIndexConfig(%s): no error", tc)
		}
	}
}
