package firestore

import (
	"math"
	"slices"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
)

// nearest is a compiled FindNearest stage: an exact (brute-force) k-nearest
// neighbour search, where production uses an approximate vector index.
type nearest struct {
	field       []string
	query       []float64
	measure     pb.StructuredQuery_FindNearest_DistanceMeasure
	limit       int
	resultField []string
	threshold   *float64
}

func compileNearest(fn *pb.StructuredQuery_FindNearest) (*nearest, error) {
	n := &nearest{measure: fn.GetDistanceMeasure()}
	var err error
	if n.field, err = parseFieldPath(fn.GetVectorField().GetFieldPath()); err != nil {
		return nil, err
	}
	var ok bool
	if n.query, ok = vectorOf(fn.GetQueryVector()); !ok || len(n.query) == 0 {
		return nil, errf(codes.InvalidArgument, "FindNearest query_vector must be a non-empty vector value.")
	}
	switch n.measure {
	case pb.StructuredQuery_FindNearest_EUCLIDEAN, pb.StructuredQuery_FindNearest_COSINE, pb.StructuredQuery_FindNearest_DOT_PRODUCT:
	default:
		return nil, errf(codes.InvalidArgument, "FindNearest requires a distance_measure.")
	}
	if fn.GetLimit() == nil || fn.GetLimit().GetValue() <= 0 || fn.GetLimit().GetValue() > maxFindNearestLim {
		return nil, errf(codes.InvalidArgument, "FindNearest limit must be between 1 and %d.", maxFindNearestLim)
	}
	n.limit = int(fn.GetLimit().GetValue())
	if f := fn.GetDistanceResultField(); f != "" {
		if n.resultField, err = parseFieldPath(f); err != nil {
			return nil, err
		}
	}
	if t := fn.GetDistanceThreshold(); t != nil {
		v := t.GetValue()
		n.threshold = &v
	}
	return n, nil
}

// distance returns the measure between the query and v, and whether v is
// comparable at all.
func (n *nearest) distance(v []float64) (float64, bool) {
	if len(v) != len(n.query) {
		return 0, false
	}
	var dot, na, nb, sq float64
	for i, a := range n.query {
		b := v[i]
		dot += a * b
		na += a * a
		nb += b * b
		sq += (a - b) * (a - b)
	}
	switch n.measure {
	case pb.StructuredQuery_FindNearest_EUCLIDEAN:
		return math.Sqrt(sq), true
	case pb.StructuredQuery_FindNearest_COSINE:
		if na == 0 || nb == 0 {
			return 0, false
		}
		return 1 - dot/(math.Sqrt(na)*math.Sqrt(nb)), true
	}
	return dot, true
}

// closerFirst orders distances: larger dot products are closer.
func (n *nearest) closerFirst(a, b float64) int {
	if n.measure == pb.StructuredQuery_FindNearest_DOT_PRODUCT {
		return cmp3(b, a)
	}
	return cmp3(a, b)
}

func (n *nearest) rank(rows []ranked) []*pb.Document {
	type hit struct {
		doc  *pb.Document
		dist float64
	}
	var hits []hit
	for _, r := range rows {
		v, ok := getField(r.doc.Fields, n.field)
		if !ok {
			continue
		}
		vec, ok := vectorOf(v)
		if !ok {
			continue
		}
		d, ok := n.distance(vec)
		if !ok {
			continue
		}
		if n.threshold != nil && n.closerFirst(d, *n.threshold) > 0 {
			continue
		}
		hits = append(hits, hit{r.doc, d})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := n.closerFirst(a.dist, b.dist); c != 0 {
			return c
		}
		return compareNames(a.doc.Name, b.doc.Name)
	})
	if len(hits) > n.limit {
		hits = hits[:n.limit]
	}
	out := make([]*pb.Document, len(hits))
	for i, h := range hits {
		d := h.doc
		if n.resultField != nil {
			fields := make(map[string]*pb.Value, len(d.Fields)+1)
			for k, v := range d.Fields {
				fields[k] = v
			}
			d = &pb.Document{Name: d.Name, CreateTime: d.CreateTime, UpdateTime: d.UpdateTime, Fields: fields}
			if len(n.resultField) > 1 {
				// Copy the maps along the path so the stored document stays intact.
				fields[n.resultField[0]] = cloneValue(fields[n.resultField[0]])
			}
			setField(fields, n.resultField, &pb.Value{ValueType: &pb.Value_DoubleValue{DoubleValue: h.dist}})
		}
		out[i] = d
	}
	return out
}
