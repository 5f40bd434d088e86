package firestore

import (
	"context"
	"strconv"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
)

// minPartitionSize is the fewest documents a partition holds, unless it is
// the last one: production does not split finer than this.
const minPartitionSize = 128

// PartitionQuery returns split points that divide a collection group query
// into ranges of roughly equal size. Production samples its indexes; here
// the split points are exact, every minPartitionSize or more documents.
func (s *Server) PartitionQuery(_ context.Context, req *pb.PartitionQueryRequest) (*pb.PartitionQueryResponse, error) {
	sq := req.GetStructuredQuery()
	if err := checkPartitionQuery(sq); err != nil {
		return nil, err
	}
	if req.GetPartitionCount() <= 0 {
		return nil, errf(codes.InvalidArgument, "partition_count must be positive.")
	}
	if req.GetPageSize() < 0 {
		return nil, errf(codes.InvalidArgument, "page_size must not be negative.")
	}
	first := 0
	if tok := req.GetPageToken(); tok != "" {
		raw, err := decodePageToken(tok)
		if err != nil {
			return nil, err
		}
		if first, err = strconv.Atoi(raw); err != nil || first < 0 {
			return nil, errf(codes.InvalidArgument, "Invalid page token.")
		}
	}
	db, q, err := s.prepareQuery(req.GetParent(), sq)
	if err != nil {
		return nil, err
	}
	mode, err := s.readMode(db, nil, nil, req.GetReadTime())
	if err != nil {
		return nil, err
	}
	docs, _ := s.execQuery(db, q, mode)

	n, parts := int64(len(docs)), req.GetPartitionCount()
	size := max(minPartitionSize, (n+parts-1)/parts)
	var points []*pb.Cursor
	for i := int64(1); i < parts && i*size < n; i++ {
		ref := &pb.Value{ValueType: &pb.Value_ReferenceValue{ReferenceValue: docs[i*size].Name}}
		points = append(points, &pb.Cursor{Values: []*pb.Value{ref}})
	}
	resp := &pb.PartitionQueryResponse{}
	if first >= len(points) {
		return resp, nil
	}
	points = points[first:]
	if ps := int(req.GetPageSize()); ps > 0 && ps < len(points) {
		points = points[:ps]
		resp.NextPageToken = encodePageToken(strconv.Itoa(first + ps))
	}
	resp.Partitions = points
	return resp, nil
}

// checkPartitionQuery enforces production's shape for partitioned queries:
// a collection group query ordered by __name__ ascending, nothing else.
func checkPartitionQuery(sq *pb.StructuredQuery) error {
	if sq == nil {
		return errf(codes.InvalidArgument, "A structured query is required.")
	}
	if from := sq.GetFrom(); len(from) != 1 || !from[0].GetAllDescendants() {
		return errf(codes.InvalidArgument, "PartitionQuery requires a collection group query (all_descendants).")
	}
	for _, o := range sq.GetOrderBy() {
		if o.GetField().GetFieldPath() != nameField || o.GetDirection() == pb.StructuredQuery_DESCENDING {
			return errf(codes.InvalidArgument, "PartitionQuery supports only ordering by __name__ ascending.")
		}
	}
	if sq.GetWhere() != nil || sq.GetStartAt() != nil || sq.GetEndAt() != nil || sq.GetLimit() != nil || sq.GetOffset() != 0 ||
		sq.GetSelect() != nil || sq.GetFindNearest() != nil {
		return errf(codes.InvalidArgument, "PartitionQuery supports no filters, cursors, limit, offset, projection or vector search.")
	}
	return nil
}
