package firestore

import (
	"context"
	"crypto/rand"
	"math"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const abortedMessage = "Aborted due to cross-transaction contention. This occurs when multiple transactions attempt to access the same data, requiring Firestore to abort at least one in order to enforce serializability."

// preparedWrite is a validated write, with its field paths parsed.
type preparedWrite struct {
	w          *pb.Write
	name       string
	mask       [][]string
	transforms []preparedTransform
}

type preparedTransform struct {
	path []string
	ft   *pb.DocumentTransform_FieldTransform
}

func prepareWrites(db *database, writes []*pb.Write) ([]preparedWrite, error) {
	out := make([]preparedWrite, 0, len(writes))
	for _, w := range writes {
		pw := preparedWrite{w: w}
		var fts []*pb.DocumentTransform_FieldTransform
		switch op := w.GetOperation().(type) {
		case *pb.Write_Update:
			pw.name = op.Update.GetName()
			fts = w.GetUpdateTransforms()
			for _, v := range op.Update.GetFields() {
				truncateTimestamps(v)
			}
		case *pb.Write_Delete:
			pw.name = op.Delete
			if len(w.GetUpdateTransforms()) > 0 || w.GetUpdateMask() != nil {
				return nil, errf(codes.InvalidArgument, "A delete cannot have an update mask or transforms.")
			}
		case *pb.Write_Transform:
			pw.name = op.Transform.GetDocument()
			fts = op.Transform.GetFieldTransforms()
		default:
			return nil, errf(codes.InvalidArgument, "Write has no operation.")
		}
		r, err := parseDocName(pw.name)
		if err != nil {
			return nil, err
		}
		if r.db != db.path {
			return nil, errf(codes.InvalidArgument, "Document %q is not in database %q.", pw.name, db.path)
		}
		if m := w.GetUpdateMask(); m != nil {
			pw.mask = make([][]string, 0, len(m.FieldPaths))
			for _, fp := range m.FieldPaths {
				segs, err := parseFieldPath(fp)
				if err != nil {
					return nil, err
				}
				pw.mask = append(pw.mask, segs)
			}
		}
		for _, ft := range fts {
			segs, err := parseFieldPath(ft.GetFieldPath())
			if err != nil {
				return nil, err
			}
			if err := checkTransform(ft); err != nil {
				return nil, err
			}
			truncateTransformOperand(ft)
			pw.transforms = append(pw.transforms, preparedTransform{path: segs, ft: ft})
		}
		out = append(out, pw)
	}
	return out, nil
}

func checkTransform(ft *pb.DocumentTransform_FieldTransform) error {
	switch x := ft.GetTransformType().(type) {
	case *pb.DocumentTransform_FieldTransform_SetToServerValue:
		if x.SetToServerValue != pb.DocumentTransform_FieldTransform_REQUEST_TIME {
			return errf(codes.InvalidArgument, "Unsupported server value for field %s.", ft.GetFieldPath())
		}
	case *pb.DocumentTransform_FieldTransform_Increment:
		return checkNumeric(ft.GetFieldPath(), x.Increment)
	case *pb.DocumentTransform_FieldTransform_Maximum:
		return checkNumeric(ft.GetFieldPath(), x.Maximum)
	case *pb.DocumentTransform_FieldTransform_Minimum:
		return checkNumeric(ft.GetFieldPath(), x.Minimum)
	case *pb.DocumentTransform_FieldTransform_AppendMissingElements:
		return validateValue(ft.GetFieldPath(), &pb.Value{ValueType: &pb.Value_ArrayValue{ArrayValue: x.AppendMissingElements}}, 1, false)
	case *pb.DocumentTransform_FieldTransform_RemoveAllFromArray:
		return validateValue(ft.GetFieldPath(), &pb.Value{ValueType: &pb.Value_ArrayValue{ArrayValue: x.RemoveAllFromArray}}, 1, false)
	default:
		return errf(codes.InvalidArgument, "Field transform for %s has no transform type.", ft.GetFieldPath())
	}
	return nil
}

func checkNumeric(path string, v *pb.Value) error {
	if _, ok := numberOf(v); !ok {
		return errf(codes.InvalidArgument, "Field transform operand for %s must be an integer or a double.", path)
	}
	return nil
}

// commitResult is what applying a batch of writes produced.
type commitResult struct {
	time    time.Time
	results []*pb.WriteResult
}

// apply runs prepared writes atomically at a new commit time. Call with
// db.mu held for writing.
func (s *Server) apply(db *database, writes []preparedWrite) (*commitResult, error) {
	commitTime := db.nextCommitTime(s.clock())
	commitTS := timestamppb.New(commitTime)
	working := map[string]*pb.Document{}
	var order []string
	results := make([]*pb.WriteResult, len(writes))
	for i, pw := range writes {
		cur, seen := working[pw.name]
		if !seen {
			cur = db.get(pw.name, time.Time{}, true)
			working[pw.name] = cur
			order = append(order, pw.name)
		}
		if err := checkPrecondition(pw.name, cur, pw.w.GetCurrentDocument()); err != nil {
			return nil, err
		}
		if _, isDelete := pw.w.GetOperation().(*pb.Write_Delete); isDelete {
			working[pw.name] = nil
			results[i] = &pb.WriteResult{UpdateTime: commitTS}
			continue
		}
		fields := map[string]*pb.Value{}
		if cur != nil && (pw.w.GetUpdate() == nil || pw.mask != nil) {
			fields = proto.Clone(cur).(*pb.Document).Fields
			if fields == nil {
				fields = map[string]*pb.Value{}
			}
		}
		if upd := pw.w.GetUpdate(); upd != nil {
			if pw.mask == nil {
				fields = map[string]*pb.Value{}
				for k, v := range upd.GetFields() {
					fields[k] = v
				}
			} else {
				for _, path := range pw.mask {
					if v, ok := getField(upd.GetFields(), path); ok {
						setField(fields, path, v)
					} else {
						deleteField(fields, path)
					}
				}
			}
		}
		var tres []*pb.Value
		for _, t := range pw.transforms {
			tres = append(tres, applyTransform(fields, t, commitTS))
		}
		doc := &pb.Document{Name: pw.name, Fields: fields}
		if err := validateDocument(doc); err != nil {
			return nil, err
		}
		working[pw.name] = doc
		results[i] = &pb.WriteResult{TransformResults: tres}
	}

	final := map[string]*pb.Document{}
	var changed []string
	for _, name := range order {
		prev := db.get(name, time.Time{}, true)
		next := working[name]
		switch {
		case next == nil && prev == nil:
			continue
		case next == nil:
		case prev != nil && proto.Equal(&pb.Document{Fields: prev.Fields}, &pb.Document{Fields: next.Fields}):
			// Production keeps the update time of a write that changes nothing.
			final[name] = prev
			continue
		default:
			next.UpdateTime = commitTS
			next.CreateTime = commitTS
			if prev != nil {
				next.CreateTime = prev.CreateTime
			}
		}
		final[name] = next
		changed = append(changed, name)
	}
	for i, pw := range writes {
		if d := final[pw.name]; d != nil && results[i].UpdateTime == nil {
			results[i].UpdateTime = d.UpdateTime
		} else if results[i].UpdateTime == nil {
			results[i].UpdateTime = commitTS
		}
	}
	if len(changed) > 0 {
		db.install(commitTime, final, changed)
		s.publishChanges(db, commitTime, changed)
	} else {
		db.last = commitTime
	}
	return &commitResult{time: commitTime, results: results}, nil
}

func checkPrecondition(name string, cur *pb.Document, pre *pb.Precondition) error {
	switch c := pre.GetConditionType().(type) {
	case *pb.Precondition_Exists:
		if c.Exists && cur == nil {
			return errf(codes.NotFound, "No document to update: %s", name)
		}
		if !c.Exists && cur != nil {
			return errf(codes.AlreadyExists, "Document already exists: %s", name)
		}
	case *pb.Precondition_UpdateTime:
		if cur == nil {
			return errf(codes.NotFound, "No document to update: %s", name)
		}
		if !proto.Equal(cur.UpdateTime, c.UpdateTime) {
			return errf(codes.FailedPrecondition, "The document %s was last updated at %s, not at the required update time %s.",
				name, cur.UpdateTime.AsTime().Format(time.RFC3339Nano), c.UpdateTime.AsTime().Format(time.RFC3339Nano))
		}
	}
	return nil
}

// applyTransform changes fields in place and returns the transform result.
func applyTransform(fields map[string]*pb.Value, t preparedTransform, commitTS *timestamppb.Timestamp) *pb.Value {
	cur, _ := getField(fields, t.path)
	var next, result *pb.Value
	switch x := t.ft.GetTransformType().(type) {
	case *pb.DocumentTransform_FieldTransform_SetToServerValue:
		next = &pb.Value{ValueType: &pb.Value_TimestampValue{TimestampValue: commitTS}}
		result = next
	case *pb.DocumentTransform_FieldTransform_Increment:
		next = increment(cur, x.Increment)
		result = next
	case *pb.DocumentTransform_FieldTransform_Maximum:
		next = extremum(cur, x.Maximum, 1)
		result = next
	case *pb.DocumentTransform_FieldTransform_Minimum:
		next = extremum(cur, x.Minimum, -1)
		result = next
	case *pb.DocumentTransform_FieldTransform_AppendMissingElements:
		vals := append([]*pb.Value(nil), cur.GetArrayValue().GetValues()...)
		for _, e := range x.AppendMissingElements.GetValues() {
			if !containsValue(vals, e) {
				vals = append(vals, e)
			}
		}
		next = arrayValue(vals)
		result = nullValue
	case *pb.DocumentTransform_FieldTransform_RemoveAllFromArray:
		var vals []*pb.Value
		for _, e := range cur.GetArrayValue().GetValues() {
			if !containsValue(x.RemoveAllFromArray.GetValues(), e) {
				vals = append(vals, e)
			}
		}
		next = arrayValue(vals)
		result = nullValue
	}
	setField(fields, t.path, next)
	return result
}

func arrayValue(vals []*pb.Value) *pb.Value {
	return &pb.Value{ValueType: &pb.Value_ArrayValue{ArrayValue: &pb.ArrayValue{Values: vals}}}
}

func containsValue(vals []*pb.Value, v *pb.Value) bool {
	for _, e := range vals {
		if typeOrder(e) == typeOrder(v) && compareValues(e, v) == 0 {
			return true
		}
	}
	return false
}

// increment adds op to cur; integer overflow saturates, as in production.
func increment(cur, op *pb.Value) *pb.Value {
	if _, ok := numberOf(cur); !ok {
		return op
	}
	ci, cInt := cur.GetValueType().(*pb.Value_IntegerValue)
	oi, oInt := op.GetValueType().(*pb.Value_IntegerValue)
	if cInt && oInt {
		a, b := ci.IntegerValue, oi.IntegerValue
		sum := a + b
		switch {
		case a > 0 && b > 0 && sum < 0:
			sum = math.MaxInt64
		case a < 0 && b < 0 && sum >= 0:
			sum = math.MinInt64
		}
		return &pb.Value{ValueType: &pb.Value_IntegerValue{IntegerValue: sum}}
	}
	a, _ := numberOf(cur)
	b, _ := numberOf(op)
	return &pb.Value{ValueType: &pb.Value_DoubleValue{DoubleValue: a + b}}
}

// extremum implements maximum (sign 1) and minimum (sign -1): NaN wins, and
// an equal operand leaves the stored value (and its type) unchanged.
func extremum(cur, op *pb.Value, sign int) *pb.Value {
	if _, ok := numberOf(cur); !ok {
		return op
	}
	if isNaN(cur) {
		return cur
	}
	if isNaN(op) {
		return op
	}
	if compareNumbers(op, cur)*sign > 0 {
		return op
	}
	return cur
}

// Commit applies writes atomically, validating the transaction if any.
func (s *Server) Commit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	db, err := s.databaseFor(req.GetDatabase())
	if err != nil {
		return nil, err
	}
	res, err := s.commit(db, req.GetWrites(), req.GetTransaction())
	if err != nil {
		return nil, err
	}
	return &pb.CommitResponse{WriteResults: res.results, CommitTime: timestamppb.New(res.time)}, nil
}

func (s *Server) commit(db *database, writes []*pb.Write, txID []byte) (*commitResult, error) {
	var t *txn
	if len(txID) > 0 {
		var err error
		if t, err = s.lookupTxn(db, txID); err != nil {
			return nil, err
		}
		if t.readOnly && len(writes) > 0 {
			s.endTxn(t)
			return nil, errf(codes.InvalidArgument, "Cannot modify entities in a read-only transaction.")
		}
	}
	prepared, err := prepareWrites(db, writes)
	if err != nil {
		if t != nil {
			s.endTxn(t)
		}
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if t != nil {
		s.endTxn(t)
		if !t.validate() {
			return nil, status.Error(codes.Aborted, abortedMessage)
		}
	}
	return s.apply(db, prepared)
}

// BatchWrite applies writes independently, each with its own status.
func (s *Server) BatchWrite(_ context.Context, req *pb.BatchWriteRequest) (*pb.BatchWriteResponse, error) {
	db, err := s.databaseFor(req.GetDatabase())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, w := range req.GetWrites() {
		name := w.GetUpdate().GetName() + w.GetDelete() + w.GetTransform().GetDocument()
		if seen[name] {
			return nil, errf(codes.InvalidArgument, "BatchWrite cannot write to the same document %q more than once.", name)
		}
		seen[name] = true
	}
	resp := &pb.BatchWriteResponse{}
	for _, w := range req.GetWrites() {
		res, err := s.commit(db, []*pb.Write{w}, nil)
		if err != nil {
			st, _ := status.FromError(err)
			resp.Status = append(resp.Status, &rpcstatus.Status{Code: int32(st.Code()), Message: st.Message()})
			resp.WriteResults = append(resp.WriteResults, &pb.WriteResult{})
			continue
		}
		resp.Status = append(resp.Status, &rpcstatus.Status{Code: int32(codes.OK)})
		resp.WriteResults = append(resp.WriteResults, res.results[0])
	}
	return resp, nil
}

const autoIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func autoID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = autoIDChars[int(b[i])%len(autoIDChars)]
	}
	return string(b)
}

// CreateDocument creates a document, failing if it exists.
func (s *Server) CreateDocument(_ context.Context, req *pb.CreateDocumentRequest) (*pb.Document, error) {
	parent, err := parseParent(req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := validateID(req.GetCollectionId()); err != nil {
		return nil, err
	}
	id := req.GetDocumentId()
	if id == "" {
		id = autoID()
	}
	name := parent.String() + "/" + req.GetCollectionId() + "/" + id
	doc := &pb.Document{Name: name, Fields: req.GetDocument().GetFields()}
	w := &pb.Write{
		Operation:       &pb.Write_Update{Update: doc},
		CurrentDocument: &pb.Precondition{ConditionType: &pb.Precondition_Exists{Exists: false}},
	}
	return s.writeAndRead(s.database(parent.db), w, req.GetMask())
}

// UpdateDocument updates or inserts a document.
func (s *Server) UpdateDocument(_ context.Context, req *pb.UpdateDocumentRequest) (*pb.Document, error) {
	r, err := parseDocName(req.GetDocument().GetName())
	if err != nil {
		return nil, err
	}
	w := &pb.Write{
		Operation:       &pb.Write_Update{Update: req.GetDocument()},
		UpdateMask:      req.GetUpdateMask(),
		CurrentDocument: req.GetCurrentDocument(),
	}
	return s.writeAndRead(s.database(r.db), w, req.GetMask())
}

func (s *Server) writeAndRead(db *database, w *pb.Write, mask *pb.DocumentMask) (*pb.Document, error) {
	if _, err := s.commit(db, []*pb.Write{w}, nil); err != nil {
		return nil, err
	}
	db.mu.RLock()
	doc := db.get(w.GetUpdate().GetName(), time.Time{}, true)
	db.mu.RUnlock()
	if doc == nil {
		return nil, errf(codes.NotFound, "Document %q was deleted concurrently.", w.GetUpdate().GetName())
	}
	return applyMask(doc, mask)
}

// DeleteDocument deletes a document.
func (s *Server) DeleteDocument(_ context.Context, req *pb.DeleteDocumentRequest) (*emptypb.Empty, error) {
	r, err := parseDocName(req.GetName())
	if err != nil {
		return nil, err
	}
	w := &pb.Write{Operation: &pb.Write_Delete{Delete: req.GetName()}, CurrentDocument: req.GetCurrentDocument()}
	if _, err := s.commit(s.database(r.db), []*pb.Write{w}, nil); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
