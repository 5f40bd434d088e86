package firestore

import (
	"encoding/binary"
	"errors"
	"io"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Resume tokens are a version byte and the read time in Unix nanoseconds:
// they increase monotonically, and a listener that presents one gets only
// what changed after that time.
const resumeTokenVersion = 1

func resumeToken(t time.Time) []byte {
	b := make([]byte, 9)
	b[0] = resumeTokenVersion
	binary.BigEndian.PutUint64(b[1:], uint64(t.UnixNano()))
	return b
}

func parseResumeToken(b []byte) (time.Time, bool) {
	if len(b) != 9 || b[0] != resumeTokenVersion {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b[1:]))).UTC(), true
}

// watchTarget is one target of a Listen stream and what the client was told.
type watchTarget struct {
	id    int32
	names map[string]bool // documents target
	q     *query          // query target
	sent  map[string]*timestamppb.Timestamp
}

// snapshot returns the target's matching documents at t. Call with db.mu held.
func (w *watchTarget) snapshot(db *database, t time.Time, latest bool) map[string]*pb.Document {
	out := map[string]*pb.Document{}
	if w.q == nil {
		for name := range w.names {
			if d := db.get(name, t, latest); d != nil {
				out[name] = d
			}
		}
		return out
	}
	for _, d := range w.q.run(db, t, latest) {
		out[d.Name] = w.q.present(d)
	}
	return out
}

// watcher serves one Listen stream. All sends happen on the stream's own
// goroutine, so a slow client delays only itself, never a commit.
type watcher struct {
	srv     *Server
	stream  pb.Firestore_ListenServer
	db      *database
	seq     uint64 // last commit folded into the targets
	targets map[int32]*watchTarget
	out     []*pb.ListenResponse
}

// Listen implements the bidirectional watch protocol.
func (s *Server) Listen(stream pb.Firestore_ListenServer) error {
	w := &watcher{srv: s, stream: stream, targets: map[int32]*watchTarget{}}
	ctx := stream.Context()
	reqs := make(chan *pb.ListenRequest)
	recvErr := make(chan error, 1)
	go func() {
		for {
			req, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case reqs <- req:
			case <-ctx.Done():
				return
			}
		}
	}()
	var notify <-chan struct{}
	for {
		select {
		case req := <-reqs:
			if err := w.handle(req); err != nil {
				return err
			}
		case <-notify:
			w.catchUp()
		case err := <-recvErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return status.Error(codes.Unavailable, "The emulator is shutting down.")
		}
		if err := w.flush(); err != nil {
			return err
		}
		if w.db != nil {
			w.db.mu.RLock()
			notify = w.db.notify
			if w.db.seq != w.seq {
				// Changes arrived while we were busy: come straight back.
				ch := make(chan struct{})
				close(ch)
				notify = ch
			}
			w.db.mu.RUnlock()
		}
	}
}

func (w *watcher) flush() error {
	for _, r := range w.out {
		if err := w.stream.Send(r); err != nil {
			return err
		}
	}
	w.out = w.out[:0]
	return nil
}

func (w *watcher) handle(req *pb.ListenRequest) error {
	db, err := w.srv.databaseFor(req.GetDatabase())
	if err != nil {
		return err
	}
	if w.db == nil {
		w.db = db
		db.mu.RLock()
		w.seq = db.seq
		db.mu.RUnlock()
	} else if w.db != db {
		return errf(codes.InvalidArgument, "A Listen stream serves one database.")
	}
	switch x := req.GetTargetChange().(type) {
	case *pb.ListenRequest_AddTarget:
		return w.add(x.AddTarget)
	case *pb.ListenRequest_RemoveTarget:
		if _, ok := w.targets[x.RemoveTarget]; !ok {
			return errf(codes.InvalidArgument, "Target %d is not being listened to.", x.RemoveTarget)
		}
		delete(w.targets, x.RemoveTarget)
		w.out = append(w.out, targetChange(pb.TargetChange_REMOVE, nil, time.Time{}, x.RemoveTarget))
		return nil
	}
	return errf(codes.InvalidArgument, "ListenRequest needs add_target or remove_target.")
}

func targetChange(kind pb.TargetChange_TargetChangeType, token []byte, readTime time.Time, ids ...int32) *pb.ListenResponse {
	tc := &pb.TargetChange{TargetChangeType: kind, TargetIds: ids, ResumeToken: token}
	if !readTime.IsZero() {
		tc.ReadTime = timestamppb.New(readTime)
	}
	return &pb.ListenResponse{ResponseType: &pb.ListenResponse_TargetChange{TargetChange: tc}}
}

func (w *watcher) add(t *pb.Target) error {
	id := t.GetTargetId()
	if _, dup := w.targets[id]; dup {
		return errf(codes.InvalidArgument, "Target id %d is already in use.", id)
	}
	wt := &watchTarget{id: id, sent: map[string]*timestamppb.Timestamp{}}
	switch x := t.GetTargetType().(type) {
	case *pb.Target_Documents:
		wt.names = map[string]bool{}
		for _, name := range x.Documents.GetDocuments() {
			r, err := parseDocName(name)
			if err != nil {
				return err
			}
			if r.db != w.db.path {
				return errf(codes.InvalidArgument, "Document %q is not in database %q.", name, w.db.path)
			}
			wt.names[name] = true
		}
	case *pb.Target_Query:
		parent, err := parseParent(x.Query.GetParent())
		if err != nil {
			return err
		}
		if parent.db != w.db.path {
			return errf(codes.InvalidArgument, "Query parent %q is not in database %q.", x.Query.GetParent(), w.db.path)
		}
		if wt.q, err = compileQuery(parent, x.Query.GetStructuredQuery()); err != nil {
			return err
		}
		if err := w.srv.indexesFor(parent.db).check(wt.q, x.Query.GetStructuredQuery()); err != nil {
			return err
		}
	default:
		return errf(codes.InvalidArgument, "Target %d has neither documents nor a query.", id)
	}

	var resumeAt time.Time
	resumed := false
	switch r := t.GetResumeType().(type) {
	case *pb.Target_ResumeToken:
		resumeAt, resumed = parseResumeToken(r.ResumeToken)
	case *pb.Target_ReadTime:
		resumeAt, resumed = r.ReadTime.AsTime(), r.ReadTime.IsValid()
	}

	db := w.db
	db.mu.RLock()
	// Bring the other targets to the same snapshot first, so one consistent
	// read time covers them all.
	w.catchUpLocked()
	readTime := db.readTime(w.srv.clock())
	w.out = append(w.out, targetChange(pb.TargetChange_ADD, nil, time.Time{}, id))
	if resumed {
		for name, d := range wt.snapshot(db, resumeAt, false) {
			wt.sent[name] = d.UpdateTime
		}
	}
	current := wt.snapshot(db, time.Time{}, true)
	w.diff(wt, current, nil, readTime)
	db.mu.RUnlock()

	if resumed {
		w.out = append(w.out, &pb.ListenResponse{ResponseType: &pb.ListenResponse_Filter{
			Filter: &pb.ExistenceFilter{TargetId: id, Count: int32(len(current))}}})
	}
	token := resumeToken(readTime)
	w.out = append(w.out, targetChange(pb.TargetChange_CURRENT, token, readTime, id))
	w.out = append(w.out, targetChange(pb.TargetChange_NO_CHANGE, token, readTime))
	if t.GetOnce() {
		w.out = append(w.out, targetChange(pb.TargetChange_REMOVE, nil, time.Time{}, id))
		return nil
	}
	w.targets[id] = wt
	return nil
}

// diff reports the differences between what the client has for a target
// and current. When only is non-nil, just those names are considered.
func (w *watcher) diff(wt *watchTarget, current map[string]*pb.Document, only []string, readTime time.Time) bool {
	changed := false
	check := func(name string) {
		d := current[name]
		sentTS, wasSent := wt.sent[name]
		switch {
		case d != nil && (!wasSent || !proto.Equal(sentTS, d.UpdateTime)):
			wt.sent[name] = d.UpdateTime
			w.out = append(w.out, &pb.ListenResponse{ResponseType: &pb.ListenResponse_DocumentChange{
				DocumentChange: &pb.DocumentChange{Document: d, TargetIds: []int32{wt.id}}}})
			changed = true
		case d == nil && wasSent:
			delete(wt.sent, name)
			rt := timestamppb.New(readTime)
			if w.db.get(name, time.Time{}, true) == nil {
				w.out = append(w.out, &pb.ListenResponse{ResponseType: &pb.ListenResponse_DocumentDelete{
					DocumentDelete: &pb.DocumentDelete{Document: name, RemovedTargetIds: []int32{wt.id}, ReadTime: rt}}})
			} else {
				w.out = append(w.out, &pb.ListenResponse{ResponseType: &pb.ListenResponse_DocumentRemove{
					DocumentRemove: &pb.DocumentRemove{Document: name, RemovedTargetIds: []int32{wt.id}, ReadTime: rt}}})
			}
			changed = true
		}
	}
	if only != nil {
		for _, name := range only {
			check(name)
		}
		return changed
	}
	for name := range current {
		check(name)
	}
	for name := range wt.sent {
		if current[name] == nil {
			check(name)
		}
	}
	return changed
}

// catchUp folds commits made since the last call into every target.
func (w *watcher) catchUp() {
	w.db.mu.RLock()
	defer w.db.mu.RUnlock()
	w.catchUpLocked()
}

// catchUpLocked is catchUp with db.mu held for reading.
func (w *watcher) catchUpLocked() {
	db := w.db
	if db.seq == w.seq {
		return
	}
	var names []string
	full := len(db.changes) == 0 || db.changes[0].seq > w.seq+1
	if !full {
		seen := map[string]bool{}
		for i := len(db.changes) - 1; i >= 0 && db.changes[i].seq > w.seq; i-- {
			for _, n := range db.changes[i].names {
				if !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	w.seq = db.seq
	readTime := db.readTime(w.srv.clock())
	changed := false
	for _, wt := range w.targets {
		switch {
		case full:
			changed = w.diff(wt, wt.snapshot(db, time.Time{}, true), nil, readTime) || changed
		case wt.q == nil:
			cur := map[string]*pb.Document{}
			only := []string{} // non-nil: compare only these, even when none
			for _, n := range names {
				if wt.names[n] {
					only = append(only, n)
					if d := db.get(n, time.Time{}, true); d != nil {
						cur[n] = d
					}
				}
			}
			changed = w.diff(wt, cur, only, readTime) || changed
		case wt.q.hasWindow():
			relevant := false
			for _, n := range names {
				if wt.q.inScope(n) {
					relevant = true
					break
				}
			}
			if relevant {
				changed = w.diff(wt, wt.snapshot(db, time.Time{}, true), nil, readTime) || changed
			}
		default:
			cur := map[string]*pb.Document{}
			only := []string{} // non-nil: compare only these, even when none
			for _, n := range names {
				if !wt.q.inScope(n) {
					continue
				}
				only = append(only, n)
				if d := db.get(n, time.Time{}, true); d != nil && wt.q.matches(d) {
					cur[n] = wt.q.present(d)
				}
			}
			changed = w.diff(wt, cur, only, readTime) || changed
		}
	}
	if changed {
		w.out = append(w.out, targetChange(pb.TargetChange_NO_CHANGE, resumeToken(readTime), readTime))
	}
}
