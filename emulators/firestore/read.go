package firestore

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const maxPageSize = 300

// applyMask projects a document onto the fields named by mask.
func applyMask(doc *pb.Document, mask *pb.DocumentMask) (*pb.Document, error) {
	if mask == nil {
		return doc, nil
	}
	paths := make([][]string, 0, len(mask.FieldPaths))
	for _, fp := range mask.FieldPaths {
		segs, err := parseFieldPath(fp)
		if err != nil {
			return nil, err
		}
		paths = append(paths, segs)
	}
	out := &pb.Document{Name: doc.Name, CreateTime: doc.CreateTime, UpdateTime: doc.UpdateTime, Fields: projectFields(doc.Fields, paths)}
	return out, nil
}

// GetDocument reads one document.
func (s *Server) GetDocument(ctx context.Context, req *pb.GetDocumentRequest) (*pb.Document, error) {
	r, err := parseDocName(req.GetName())
	if err != nil {
		return nil, err
	}
	db := s.database(r.db)
	mode, err := s.readMode(db, req.GetTransaction(), nil, req.GetReadTime())
	if err != nil {
		return nil, err
	}
	mode.lockForRead(ctx, req.GetName())
	db.mu.RLock()
	doc := db.get(req.GetName(), mode.snapshotTime(db, s.clock()), mode.latest)
	mode.tx.recordRead(req.GetName())
	db.mu.RUnlock()
	s.reported(mode, req.GetName())
	if doc == nil {
		return nil, errf(codes.NotFound, "Document %q not found.", req.GetName())
	}
	return applyMask(doc, req.GetMask())
}

// BatchGetDocuments reads many documents at one snapshot.
func (s *Server) BatchGetDocuments(req *pb.BatchGetDocumentsRequest, stream pb.Firestore_BatchGetDocumentsServer) error {
	db, err := s.databaseFor(req.GetDatabase())
	if err != nil {
		return err
	}
	for _, name := range req.GetDocuments() {
		r, err := parseDocName(name)
		if err != nil {
			return err
		}
		if r.db != db.path {
			return errf(codes.InvalidArgument, "Document %q is not in database %q.", name, db.path)
		}
	}
	mode, err := s.readMode(db, req.GetTransaction(), req.GetNewTransaction(), req.GetReadTime())
	if err != nil {
		return err
	}
	mode.lockForRead(stream.Context(), req.GetDocuments()...)
	db.mu.RLock()
	t := mode.snapshotTime(db, s.clock())
	docs := make([]*pb.Document, len(req.GetDocuments()))
	for i, name := range req.GetDocuments() {
		docs[i] = db.get(name, t, mode.latest)
		mode.tx.recordRead(name)
	}
	db.mu.RUnlock()
	s.reported(mode, req.GetDocuments()...)
	readTS := timestamppb.New(t)
	for i, name := range req.GetDocuments() {
		resp := &pb.BatchGetDocumentsResponse{ReadTime: readTS}
		if i == 0 {
			resp.Transaction = mode.newTxID
		}
		if docs[i] == nil {
			resp.Result = &pb.BatchGetDocumentsResponse_Missing{Missing: name}
		} else {
			d, err := applyMask(docs[i], req.GetMask())
			if err != nil {
				return err
			}
			resp.Result = &pb.BatchGetDocumentsResponse_Found{Found: d}
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	if len(req.GetDocuments()) == 0 && mode.newTxID != nil {
		return stream.Send(&pb.BatchGetDocumentsResponse{Transaction: mode.newTxID, ReadTime: readTS})
	}
	return nil
}

func decodePageToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", errf(codes.InvalidArgument, "Invalid page token.")
	}
	return string(b), nil
}

func encodePageToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

func pageSize(n int32) int {
	if n <= 0 || n > maxPageSize {
		return maxPageSize
	}
	return int(n)
}

// ListDocuments lists the documents of one collection in name order.
func (s *Server) ListDocuments(_ context.Context, req *pb.ListDocumentsRequest) (*pb.ListDocumentsResponse, error) {
	parent, err := parseParent(req.GetParent())
	if err != nil {
		return nil, err
	}
	if req.GetCollectionId() == "" {
		return nil, errf(codes.InvalidArgument, "collection_id is required.")
	}
	if err := validateID(req.GetCollectionId()); err != nil {
		return nil, err
	}
	after, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	if ob := req.GetOrderBy(); ob != "" && ob != "__name__" && ob != "__name__ asc" {
		return nil, errf(codes.InvalidArgument, "ListDocuments only supports ordering by __name__.")
	}
	db := s.database(parent.db)
	mode, err := s.readMode(db, req.GetTransaction(), nil, req.GetReadTime())
	if err != nil {
		return nil, err
	}
	coll := parent.String() + "/" + req.GetCollectionId()
	db.mu.RLock()
	t := mode.snapshotTime(db, s.clock())
	var docs []*pb.Document
	db.scan(coll, "", t, mode.latest, func(d *pb.Document) bool {
		docs = append(docs, d)
		return true
	})
	if req.GetShowMissing() {
		have := map[string]bool{}
		for _, d := range docs {
			have[d.Name] = true
		}
		prefix := coll + "/"
		for name, e := range db.docs {
			if !strings.HasPrefix(name, prefix) || (!mode.latest && e.at(t) == nil) || (mode.latest && e.current().doc == nil) {
				continue
			}
			rest := name[len(prefix):]
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				continue
			}
			missing := prefix + rest[:i]
			if !have[missing] {
				have[missing] = true
				docs = append(docs, &pb.Document{Name: missing})
			}
		}
	}
	db.mu.RUnlock()
	slices.SortFunc(docs, func(a, b *pb.Document) int { return compareNames(a.Name, b.Name) })
	if after != "" {
		i, _ := slices.BinarySearchFunc(docs, after, func(d *pb.Document, n string) int { return compareNames(d.Name, n) })
		for i < len(docs) && compareNames(docs[i].Name, after) <= 0 {
			i++
		}
		docs = docs[i:]
	}
	resp := &pb.ListDocumentsResponse{}
	n := pageSize(req.GetPageSize())
	if len(docs) > n {
		docs = docs[:n]
		resp.NextPageToken = encodePageToken(docs[n-1].Name)
	}
	for _, d := range docs {
		if d.UpdateTime != nil {
			if d, err = applyMask(d, req.GetMask()); err != nil {
				return nil, err
			}
		}
		resp.Documents = append(resp.Documents, d)
	}
	return resp, nil
}

// ListCollectionIds lists the collections directly under a parent that
// contain at least one document at any depth.
func (s *Server) ListCollectionIds(_ context.Context, req *pb.ListCollectionIdsRequest) (*pb.ListCollectionIdsResponse, error) {
	parent, err := parseParent(req.GetParent())
	if err != nil {
		return nil, err
	}
	after, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	db := s.database(parent.db)
	prefix := parent.String() + "/"
	ids := map[string]bool{}
	db.mu.RLock()
	t := db.readTime(s.clock())
	latest := true
	if rt := req.GetReadTime(); rt != nil {
		t, latest = rt.AsTime(), false
	}
	for name, e := range db.docs {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if (latest && e.current().doc == nil) || (!latest && e.at(t) == nil) {
			continue
		}
		rest := name[len(prefix):]
		ids[rest[:strings.IndexByte(rest, '/')]] = true
	}
	db.mu.RUnlock()
	var out []string
	for id := range ids {
		if id > after {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	resp := &pb.ListCollectionIdsResponse{}
	if n := pageSize(req.GetPageSize()); len(out) > n {
		out = out[:n]
		resp.NextPageToken = encodePageToken(out[n-1])
	}
	resp.CollectionIds = out
	return resp, nil
}
