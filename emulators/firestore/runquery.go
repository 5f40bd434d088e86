package firestore

import (
	"fmt"
	"math"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const maxAggregations = 5

func cloneValue(v *pb.Value) *pb.Value {
	if v == nil {
		return nil
	}
	return proto.Clone(v).(*pb.Value)
}

// execQuery runs a compiled query under the database's read lock, recording
// it in a read-write transaction.
func (s *Server) execQuery(db *database, q *query, mode readMode) ([]*pb.Document, time.Time) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t := mode.snapshotTime(db, s.clock())
	docs := q.run(db, t, mode.latest)
	if mode.tx != nil && !mode.tx.readOnly {
		seqs := make([]uint64, len(docs))
		for i, d := range docs {
			seqs[i] = db.seqOf(d.Name)
		}
		mode.tx.recordQuery(func() bool {
			again := q.run(db, time.Time{}, true)
			if len(again) != len(docs) {
				return false
			}
			for i, d := range again {
				if d.Name != docs[i].Name || db.seqOf(d.Name) != seqs[i] {
					return false
				}
			}
			return true
		})
	}
	return docs, t
}

// prepareQuery resolves a RunQuery-style parent and structured query.
func (s *Server) prepareQuery(parentName string, sq *pb.StructuredQuery) (*database, *query, error) {
	if sq == nil {
		return nil, nil, errf(codes.InvalidArgument, "A structured query is required.")
	}
	parent, err := parseParent(parentName)
	if err != nil {
		return nil, nil, err
	}
	q, err := compileQuery(parent, sq)
	if err != nil {
		return nil, nil, err
	}
	if err := s.indexesFor(parent.db).check(q, sq); err != nil {
		return nil, nil, err
	}
	return s.database(parent.db), q, nil
}

func explainMetrics(opts *pb.ExplainOptions, results int, elapsed time.Duration) *pb.ExplainMetrics {
	m := &pb.ExplainMetrics{PlanSummary: &pb.PlanSummary{IndexesUsed: []*structpb.Struct{}}}
	if opts.GetAnalyze() {
		m.ExecutionStats = &pb.ExecutionStats{
			ResultsReturned:   int64(results),
			ExecutionDuration: durationpb.New(elapsed),
			ReadOperations:    int64(max(results, 1)),
			DebugStats:        &structpb.Struct{Fields: map[string]*structpb.Value{}},
		}
	}
	return m
}

// RunQuery streams the results of a structured query.
func (s *Server) RunQuery(req *pb.RunQueryRequest, stream pb.Firestore_RunQueryServer) error {
	db, q, err := s.prepareQuery(req.GetParent(), req.GetStructuredQuery())
	if err != nil {
		return err
	}
	mode, err := s.readMode(db, req.GetTransaction(), req.GetNewTransaction(), req.GetReadTime())
	if err != nil {
		return err
	}
	start := time.Now()
	docs, t := s.execQuery(db, q, mode)
	readTS := timestamppb.New(t)
	explain := req.GetExplainOptions()
	if explain != nil && !explain.GetAnalyze() {
		return stream.Send(&pb.RunQueryResponse{Transaction: mode.newTxID, ReadTime: readTS, ExplainMetrics: explainMetrics(explain, 0, 0)})
	}
	for i, d := range docs {
		resp := &pb.RunQueryResponse{Document: q.present(d), ReadTime: readTS}
		if i == 0 {
			resp.Transaction = mode.newTxID
		}
		if explain != nil && i == len(docs)-1 {
			resp.ExplainMetrics = explainMetrics(explain, len(docs), time.Since(start))
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	if len(docs) == 0 {
		resp := &pb.RunQueryResponse{Transaction: mode.newTxID, ReadTime: readTS}
		if explain != nil {
			resp.ExplainMetrics = explainMetrics(explain, 0, time.Since(start))
		}
		return stream.Send(resp)
	}
	return nil
}

// RunAggregationQuery computes count, sum and avg over a query's results.
func (s *Server) RunAggregationQuery(req *pb.RunAggregationQueryRequest, stream pb.Firestore_RunAggregationQueryServer) error {
	saq := req.GetStructuredAggregationQuery()
	if saq == nil {
		return errf(codes.InvalidArgument, "A structured aggregation query is required.")
	}
	aggs := saq.GetAggregations()
	if len(aggs) == 0 {
		return errf(codes.InvalidArgument, "An aggregation query needs at least one aggregation.")
	}
	if len(aggs) > maxAggregations {
		return errf(codes.InvalidArgument, "An aggregation query supports at most %d aggregations.", maxAggregations)
	}
	db, q, err := s.prepareQuery(req.GetParent(), saq.GetStructuredQuery())
	if err != nil {
		return err
	}
	type aggFn struct {
		alias string
		calc  func([]*pb.Document) (*pb.Value, error)
	}
	var fns []aggFn
	aliases := map[string]bool{}
	for i, a := range aggs {
		alias := a.GetAlias()
		if alias == "" {
			alias = fmt.Sprintf("field_%d", i+1)
		}
		if aliases[alias] {
			return errf(codes.InvalidArgument, "Aggregation alias %q is used more than once.", alias)
		}
		aliases[alias] = true
		switch x := a.GetOperator().(type) {
		case *pb.StructuredAggregationQuery_Aggregation_Count_:
			upTo := int64(-1)
			if u := x.Count.GetUpTo(); u != nil {
				if u.GetValue() <= 0 {
					return errf(codes.InvalidArgument, "count up_to must be positive.")
				}
				upTo = u.GetValue()
			}
			fns = append(fns, aggFn{alias, func(docs []*pb.Document) (*pb.Value, error) {
				n := int64(len(docs))
				if upTo >= 0 && n > upTo {
					n = upTo
				}
				return &pb.Value{ValueType: &pb.Value_IntegerValue{IntegerValue: n}}, nil
			}})
		case *pb.StructuredAggregationQuery_Aggregation_Sum_:
			p, err := parseFieldPath(x.Sum.GetField().GetFieldPath())
			if err != nil {
				return err
			}
			fns = append(fns, aggFn{alias, func(docs []*pb.Document) (*pb.Value, error) { return sumOf(docs, p), nil }})
		case *pb.StructuredAggregationQuery_Aggregation_Avg_:
			p, err := parseFieldPath(x.Avg.GetField().GetFieldPath())
			if err != nil {
				return err
			}
			fns = append(fns, aggFn{alias, func(docs []*pb.Document) (*pb.Value, error) { return avgOf(docs, p), nil }})
		default:
			return errf(codes.InvalidArgument, "Aggregation %q has no operator.", alias)
		}
	}
	mode, err := s.readMode(db, req.GetTransaction(), req.GetNewTransaction(), req.GetReadTime())
	if err != nil {
		return err
	}
	start := time.Now()
	docs, t := s.execQuery(db, q, mode)
	resp := &pb.RunAggregationQueryResponse{Transaction: mode.newTxID, ReadTime: timestamppb.New(t)}
	if explain := req.GetExplainOptions(); explain != nil {
		resp.ExplainMetrics = explainMetrics(explain, 1, time.Since(start))
		if !explain.GetAnalyze() {
			return stream.Send(resp)
		}
	}
	resp.Result = &pb.AggregationResult{AggregateFields: map[string]*pb.Value{}}
	for _, f := range fns {
		v, err := f.calc(docs)
		if err != nil {
			return err
		}
		resp.Result.AggregateFields[f.alias] = v
	}
	return stream.Send(resp)
}

// sumOf adds the numeric values at path. Integers stay integers unless the
// sum overflows or a double is involved, as in production. Doubles are
// summed exactly and rounded once, so the result does not depend on the
// order of the documents (production returns 32 for 4.8+5.9+6+7.1+8.2,
// where a running float64 sum gives 31.999999999999996).
func sumOf(docs []*pb.Document, path []string) *pb.Value {
	var isum int64
	var fsum exactSum
	allInt := true
	for _, d := range docs {
		v, ok := getField(d.Fields, path)
		if !ok {
			continue
		}
		switch x := v.GetValueType().(type) {
		case *pb.Value_IntegerValue:
			if allInt {
				next := isum + x.IntegerValue
				if (x.IntegerValue > 0 && next < isum) || (x.IntegerValue < 0 && next > isum) {
					allInt = false
					fsum.add(float64(isum))
					fsum.add(float64(x.IntegerValue))
					continue
				}
				isum = next
			} else {
				fsum.add(float64(x.IntegerValue))
			}
		case *pb.Value_DoubleValue:
			if allInt {
				allInt = false
				fsum.add(float64(isum))
			}
			fsum.add(x.DoubleValue)
		}
	}
	if allInt {
		return &pb.Value{ValueType: &pb.Value_IntegerValue{IntegerValue: isum}}
	}
	return &pb.Value{ValueType: &pb.Value_DoubleValue{DoubleValue: fsum.value()}}
}

// avgOf averages the numeric values at path; null when there are none.
func avgOf(docs []*pb.Document, path []string) *pb.Value {
	var sum exactSum
	n := 0
	for _, d := range docs {
		v, ok := getField(d.Fields, path)
		if !ok {
			continue
		}
		if f, isNum := numberOf(v); isNum {
			sum.add(f)
			n++
		}
	}
	if n == 0 {
		return nullValue
	}
	return &pb.Value{ValueType: &pb.Value_DoubleValue{DoubleValue: sum.value() / float64(n)}}
}

// exactSum accumulates float64s without intermediate rounding (Shewchuk's
// non-overlapping partials) and rounds the total once.
type exactSum struct {
	partials []float64
	// special collects infinities, NaNs and overflows, which make the
	// exact total meaningless.
	special    float64
	hasSpecial bool
}

func (s *exactSum) add(x float64) {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		s.special += x
		s.hasSpecial = true
		return
	}
	i := 0
	for _, y := range s.partials {
		if math.Abs(x) < math.Abs(y) {
			x, y = y, x
		}
		hi := x + y
		if math.IsInf(hi, 0) {
			s.special += hi
			s.hasSpecial = true
			return
		}
		if lo := y - (hi - x); lo != 0 {
			s.partials[i] = lo
			i++
		}
		x = hi
	}
	s.partials = append(s.partials[:i], x)
}

func (s *exactSum) value() float64 {
	if s.hasSpecial {
		return s.special
	}
	n := len(s.partials)
	if n == 0 {
		return 0
	}
	n--
	hi := s.partials[n]
	var lo float64
	for n > 0 {
		x, y := hi, s.partials[n-1]
		n--
		hi = x + y
		lo = y - (hi - x)
		if lo != 0 {
			break
		}
	}
	// Round half to even across the remaining partials.
	if n > 0 && ((lo < 0 && s.partials[n-1] < 0) || (lo > 0 && s.partials[n-1] > 0)) {
		y := lo * 2
		x := hi + y
		if x-hi == y {
			hi = x
		}
	}
	return hi
}
