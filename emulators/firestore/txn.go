package firestore

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// txnIdleTimeout drops transactions abandoned by their clients, like
// production's expiry of idle transactions.
const txnIdleTimeout = 5 * time.Minute

// txn is an optimistic transaction: read-write transactions record what they
// read and commit only if none of it changed meanwhile. Nothing ever waits
// for a lock, so transactions cannot deadlock; contention shows up as
// ABORTED, which the client libraries retry.
type txn struct {
	id       string
	db       *database
	readOnly bool
	readTime time.Time // snapshot of read-only transactions
	created  time.Time

	mu      sync.Mutex
	reads   map[string]uint64 // document name -> version sequence seen
	queries []func() bool     // re-run at commit; false if results changed
	done    bool

	// Guarded by db.locks.mu.
	held       []string
	waitingFor *txn
	doneCh     chan struct{}
	finishOnce sync.Once
}

func (t *txn) finished() bool {
	select {
	case <-t.doneCh:
		return true
	default:
		return false
	}
}

func newTxnID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return string(b)
}

func (s *Server) beginTxn(db *database, opts *pb.TransactionOptions) (*txn, error) {
	t := &txn{id: newTxnID(), db: db, reads: map[string]uint64{}, created: time.Now(), doneCh: make(chan struct{})}
	if ro := opts.GetReadOnly(); ro != nil {
		t.readOnly = true
		if rt := ro.GetReadTime(); rt != nil {
			if err := rt.CheckValid(); err != nil {
				return nil, errf(codes.InvalidArgument, "Invalid read_time: %v.", err)
			}
			t.readTime = rt.AsTime()
		} else {
			db.mu.RLock()
			t.readTime = db.readTime(s.clock())
			db.mu.RUnlock()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sweep abandoned transactions here rather than in a goroutine.
	for id, old := range s.txns {
		if time.Since(old.created) > txnIdleTimeout {
			delete(s.txns, id)
			go old.db.locks.release(old)
		}
	}
	s.txns[t.id] = t
	return t, nil
}

// lookupTxn finds a live transaction of db.
func (s *Server) lookupTxn(db *database, id []byte) (*txn, error) {
	s.mu.Lock()
	t := s.txns[string(id)]
	s.mu.Unlock()
	if t == nil || t.db != db {
		return nil, errf(codes.InvalidArgument, "Transaction is invalid or has expired.")
	}
	return t, nil
}

func (s *Server) endTxn(t *txn) {
	s.mu.Lock()
	delete(s.txns, t.id)
	s.mu.Unlock()
	t.mu.Lock()
	t.done = true
	t.mu.Unlock()
	t.db.locks.release(t)
}

// lockForRead makes a read-write transaction wait for others that read the
// same documents; see lockTable.
func (m readMode) lockForRead(ctx context.Context, names ...string) {
	if m.tx != nil && !m.tx.readOnly {
		m.tx.db.locks.acquire(ctx, m.tx, names)
	}
}

// recordRead notes the version of a document a read-write transaction saw.
// Call with db.mu held.
func (t *txn) recordRead(name string) {
	if t == nil || t.readOnly {
		return
	}
	seq := t.db.seqOf(name)
	t.mu.Lock()
	if _, seen := t.reads[name]; !seen {
		t.reads[name] = seq
	}
	t.mu.Unlock()
}

func (t *txn) recordQuery(recheck func() bool) {
	if t == nil || t.readOnly {
		return
	}
	t.mu.Lock()
	t.queries = append(t.queries, recheck)
	t.mu.Unlock()
}

// validate reports whether everything t read is unchanged. Call with db.mu
// held for writing.
func (t *txn) validate() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, seq := range t.reads {
		if t.db.seqOf(name) != seq {
			return false
		}
	}
	for _, q := range t.queries {
		if !q() {
			return false
		}
	}
	return true
}

// readConsistency resolves a read's consistency selector. It returns the
// transaction (if any), the snapshot time (zero for "latest"), and a newly
// begun transaction id to report back to the client.
type readMode struct {
	tx       *txn
	readTime time.Time
	latest   bool
	newTxID  []byte
}

func (s *Server) readMode(db *database, txID []byte, newTx *pb.TransactionOptions, readTime *timestamppb.Timestamp) (readMode, error) {
	switch {
	case len(txID) > 0:
		t, err := s.lookupTxn(db, txID)
		if err != nil {
			return readMode{}, err
		}
		if t.readOnly {
			return readMode{tx: t, readTime: t.readTime}, nil
		}
		return readMode{tx: t, latest: true}, nil
	case newTx != nil:
		t, err := s.beginTxn(db, newTx)
		if err != nil {
			return readMode{}, err
		}
		m := readMode{tx: t, newTxID: []byte(t.id), latest: !t.readOnly, readTime: t.readTime}
		return m, nil
	case readTime != nil:
		if err := readTime.CheckValid(); err != nil {
			return readMode{}, errf(codes.InvalidArgument, "Invalid read_time: %v.", err)
		}
		return readMode{readTime: readTime.AsTime()}, nil
	}
	return readMode{latest: true}, nil
}

// snapshotTime is the read_time reported for a read. Call with db.mu held.
func (m readMode) snapshotTime(db *database, now time.Time) time.Time {
	if m.latest {
		return db.readTime(now)
	}
	return m.readTime
}

// BeginTransaction starts a transaction.
func (s *Server) BeginTransaction(_ context.Context, req *pb.BeginTransactionRequest) (*pb.BeginTransactionResponse, error) {
	db, err := s.databaseFor(req.GetDatabase())
	if err != nil {
		return nil, err
	}
	if rt := req.GetOptions().GetReadWrite().GetRetryTransaction(); len(rt) > 0 {
		// The earlier attempt is over; forget it if the client did not.
		s.mu.Lock()
		old := s.txns[string(rt)]
		s.mu.Unlock()
		if old != nil {
			s.endTxn(old)
		}
	}
	t, err := s.beginTxn(db, req.GetOptions())
	if err != nil {
		return nil, err
	}
	return &pb.BeginTransactionResponse{Transaction: []byte(t.id)}, nil
}

// Rollback abandons a transaction.
func (s *Server) Rollback(_ context.Context, req *pb.RollbackRequest) (*emptypb.Empty, error) {
	db, err := s.databaseFor(req.GetDatabase())
	if err != nil {
		return nil, err
	}
	if len(req.GetTransaction()) == 0 {
		return nil, errf(codes.InvalidArgument, "Missing transaction.")
	}
	t, err := s.lookupTxn(db, req.GetTransaction())
	if err != nil {
		return nil, err
	}
	s.endTxn(t)
	return &emptypb.Empty{}, nil
}
