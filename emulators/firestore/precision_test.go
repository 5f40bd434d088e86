package firestore

import (
	"math"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
)

func TestTimestampsStoredAtMicroseconds(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	at := time.Date(2017, 3, 20, 1, 2, 3, 456789, time.UTC)
	want := at.Truncate(time.Microsecond)
	doc := c.Collection("ts").Doc("d")
	if _, err := doc.Set(ctx, map[string]any{"t": at, "m": map[string]any{"t": at}, "a": []any{at}}); err != nil {
		t.Fatal(err)
	}
	snap, err := doc.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := snap.Data()
	if !got["t"].(time.Time).Equal(want) || !got["m"].(map[string]any)["t"].(time.Time).Equal(want) || !got["a"].([]any)[0].(time.Time).Equal(want) {
		t.Errorf("stored %v, want every timestamp at %v", got, want)
	}
	// Transform operands are truncated too, so they match stored elements.
	if _, err := doc.Update(ctx, []firestore.Update{{Path: "a", Value: firestore.ArrayUnion(at.Add(time.Nanosecond))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Update(ctx, []firestore.Update{{Path: "a", Value: firestore.ArrayRemove(at)}}); err != nil {
		t.Fatal(err)
	}
	if snap, err = doc.Get(ctx); err != nil {
		t.Fatal(err)
	}
	if a := snap.Data()["a"].([]any); len(a) != 0 {
		t.Errorf("array after union and remove of the same microsecond: %v, want empty", a)
	}
}

func TestSumAndAvgRoundOnce(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	ctx := testCtx(t)
	coll := c.Collection("w")
	for _, w := range []float64{1.5, 2.6, 3.7, 4.8, 5.9, 6.0, 7.1, 8.2} {
		if _, _, err := coll.Add(ctx, map[string]any{"w": w}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		q        firestore.Query
		sum, avg float64
	}{
		{"start after", coll.OrderBy("w", firestore.Asc).StartAfter(3.7), 32, 6.4},
		{"limit to last", coll.Where("w", ">=", 2.6).OrderBy("w", firestore.Asc).LimitToLast(4), 27.2, 6.8},
		{"descending", coll.OrderBy("w", firestore.Desc).Limit(6), 35.7, 5.95},
	}
	for _, tc := range tests {
		res, err := tc.q.NewAggregationQuery().WithSum("w", "s").WithAvg("w", "a").Get(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if s := res["s"].(*pb.Value).GetDoubleValue(); s != tc.sum {
			t.Errorf("%s: sum %v, want %v", tc.name, s, tc.sum)
		}
		if a := res["a"].(*pb.Value).GetDoubleValue(); a != tc.avg {
			t.Errorf("%s: avg %v, want %v", tc.name, a, tc.avg)
		}
	}
}

func TestExactSum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"decimal fractions", []float64{4.8, 5.9, 6.0, 7.1, 8.2}, 32},
		{"cancellation", []float64{1e100, 1, -1e100}, 1},
		{"tiny terms", []float64{1, 1e-16, 1e-16}, 1.0000000000000002},
		{"infinity", []float64{1, math.Inf(1)}, math.Inf(1)},
		{"overflow", []float64{math.MaxFloat64, math.MaxFloat64}, math.Inf(1)},
	}
	for _, tc := range tests {
		var s exactSum
		for _, x := range tc.xs {
			s.add(x)
		}
		if got := s.value(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	var s exactSum
	s.add(math.Inf(1))
	s.add(math.Inf(-1))
	if !math.IsNaN(s.value()) {
		t.Errorf("inf - inf: %v, want NaN", s.value())
	}
}
