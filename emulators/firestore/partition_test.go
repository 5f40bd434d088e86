package firestore

import (
	"fmt"
	"testing"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestPartitionQuery(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := testCtx(t)

	const n = 2*minPartitionSize + 127
	for start := 0; start < n; start += 200 {
		b := c.Batch()
		for i := start; i < min(start+200, n); i++ {
			// Spread the group over two parents.
			b.Set(c.Collection(fmt.Sprintf("p%d", i%2)).Doc("x").Collection("parts").Doc(fmt.Sprintf("d%03d", i)), map[string]any{"i": i})
		}
		if _, err := b.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		group     string
		count     int
		wantParts int
	}{
		{"parts", 10, 3}, // never fewer than minPartitionSize documents per partition
		{"parts", 2, 2},
		{"parts", 1, 1},
		{"missing", 10, 1},
	}
	for _, tc := range tests {
		qs, err := c.CollectionGroup(tc.group).GetPartitionedQueries(ctx, tc.count)
		if err != nil {
			t.Fatalf("%s/%d: %v", tc.group, tc.count, err)
		}
		if len(qs) != tc.wantParts {
			t.Errorf("%s/%d: %d partitions, want %d", tc.group, tc.count, len(qs), tc.wantParts)
		}
		seen := map[string]bool{}
		for _, q := range qs {
			docs, err := q.Documents(ctx).GetAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				if seen[d.Ref.Path] {
					t.Errorf("%s/%d: %s in two partitions", tc.group, tc.count, d.Ref.Path)
				}
				seen[d.Ref.Path] = true
			}
		}
		if want := map[string]int{"parts": n, "missing": 0}[tc.group]; len(seen) != want {
			t.Errorf("%s/%d: partitions hold %d documents, want %d", tc.group, tc.count, len(seen), want)
		}
	}

	// Paging and production's constraints on the query.
	raw := rawClient(t, srv)
	parent := "projects/" + testProject + "/databases/(default)/documents"
	group := func(sq *pb.StructuredQuery) *pb.StructuredQuery {
		sq.From = []*pb.StructuredQuery_CollectionSelector{{CollectionId: "parts", AllDescendants: true}}
		return sq
	}
	resp, err := raw.PartitionQuery(ctx, &pb.PartitionQueryRequest{Parent: parent, PartitionCount: 10, PageSize: 1,
		QueryType: &pb.PartitionQueryRequest_StructuredQuery{StructuredQuery: group(&pb.StructuredQuery{})}})
	if err != nil || len(resp.Partitions) != 1 || resp.NextPageToken == "" {
		t.Fatalf("first page: %v, %v", resp, err)
	}
	resp, err = raw.PartitionQuery(ctx, &pb.PartitionQueryRequest{Parent: parent, PartitionCount: 10, PageSize: 1, PageToken: resp.NextPageToken,
		QueryType: &pb.PartitionQueryRequest_StructuredQuery{StructuredQuery: group(&pb.StructuredQuery{})}})
	if err != nil || len(resp.Partitions) != 1 || resp.NextPageToken != "" {
		t.Fatalf("second page: %v, %v", resp, err)
	}
	for name, req := range map[string]*pb.PartitionQueryRequest{
		"not a group": {Parent: parent, PartitionCount: 2, QueryType: &pb.PartitionQueryRequest_StructuredQuery{StructuredQuery: &pb.StructuredQuery{
			From: []*pb.StructuredQuery_CollectionSelector{{CollectionId: "parts"}}}}},
		"zero count": {Parent: parent, QueryType: &pb.PartitionQueryRequest_StructuredQuery{StructuredQuery: group(&pb.StructuredQuery{})}},
		"filtered": {Parent: parent, PartitionCount: 2, QueryType: &pb.PartitionQueryRequest_StructuredQuery{StructuredQuery: group(&pb.StructuredQuery{
			Where: &pb.StructuredQuery_Filter{FilterType: &pb.StructuredQuery_Filter_UnaryFilter{UnaryFilter: &pb.StructuredQuery_UnaryFilter{
				Op: pb.StructuredQuery_UnaryFilter_IS_NULL, OperandType: &pb.StructuredQuery_UnaryFilter_Field{Field: &pb.StructuredQuery_FieldReference{FieldPath: "i"}}}}}})}},
		"bad token": {Parent: parent, PartitionCount: 2, PageToken: "!!", QueryType: &pb.PartitionQueryRequest_StructuredQuery{StructuredQuery: group(&pb.StructuredQuery{})}},
	} {
		if _, err := raw.PartitionQuery(ctx, req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: got %v, want INVALID_ARGUMENT", name, err)
		}
	}
}
