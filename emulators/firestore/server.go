package firestore

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"pointsofyou.ai/studio/emulators/guard"
)

// Options configures a Server.
type Options struct {
	// Addr is the address to listen on; default "127.0.0.1:0".
	Addr string
	// Now is the clock; default time.Now. Commit times are truncated to
	// microseconds like production's.
	Now func() time.Time
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
	// Indexes, when set, makes queries that production could serve only
	// with a composite index fail with FAILED_PRECONDITION unless one of
	// these indexes serves them, as production does (see ParseIndexConfig).
	// Nil: every query runs.
	Indexes *IndexConfig
	// IndexProjects limits Indexes to these projects' databases: an
	// application's own declared indexes say nothing of another project
	// served by the same emulator, which must behave as Google's emulator
	// does and run every query. Empty: Indexes apply to every project.
	IndexProjects []string
	// OnRead, when set, is told of every document a lookup (GetDocument,
	// BatchGetDocuments) reads, found or missing: its full name and the
	// transaction it was read in ("" outside one; an opaque id, the same
	// for every read of one transaction). Tests count reads with it;
	// documents returned by queries are not reported. It runs on the
	// request's goroutine after the read, holding no lock, so it may call
	// the emulator itself.
	OnRead func(name, transaction string)
}

// reported calls Options.OnRead for the documents a lookup read in mode.
func (s *Server) reported(mode readMode, names ...string) {
	if s.onRead == nil {
		return
	}
	tx := ""
	if mode.tx != nil {
		tx = mode.tx.id
	}
	for _, n := range names {
		s.onRead(n, tx)
	}
}

// Server is an in-memory Firestore emulator serving gRPC and a small HTTP
// API on one port.
type Server struct {
	pb.UnimplementedFirestoreServer

	// Addr is the host:port the server listens on.
	Addr string

	now    func() time.Time
	log    *slog.Logger
	grpc   *grpc.Server
	http   *http.Server
	lis    net.Listener
	closed chan struct{}
	wg     sync.WaitGroup

	changes changeHub // OnChange subscribers (changes.go)

	mu      sync.Mutex
	dbs     map[dbPath]*database
	txns    map[string]*txn
	faults  map[string]error
	closing bool

	indexes       indexSet // nil: not enforced
	indexProjects []string // empty: every project

	onRead func(name, transaction string) // Options.OnRead
}

// NewServer starts a server listening on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var indexes indexSet
	if opts.Indexes != nil {
		var err error
		if indexes, err = compileIndexes(opts.Indexes); err != nil {
			return nil, err
		}
	}
	lis, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr:   lis.Addr().String(),
		now:    opts.Now,
		log:    opts.Logger,
		lis:    lis,
		closed: make(chan struct{}),
		dbs:    map[dbPath]*database{},
		txns:   map[string]*txn{},
		faults: map[string]error{},

		indexes:       indexes,
		indexProjects: slices.Clone(opts.IndexProjects),
		onRead:        opts.OnRead,
	}
	s.grpc = grpc.NewServer(
		// Production rejects requests over 10 MiB with a clear status; let
		// slightly larger messages through so the interceptor can say so.
		grpc.MaxRecvMsgSize(maxRequestBytes+(1<<20)),
		grpc.MaxSendMsgSize(64<<20),
		grpc.UnaryInterceptor(s.unaryInterceptor),
		grpc.StreamInterceptor(s.streamInterceptor),
		guard.New(opts.Addr, s.Addr).GRPC(),
	)
	pb.RegisterFirestoreServer(s.grpc, s)
	s.http = &http.Server{Handler: guard.Wrap(s.httpHandler(), opts.Addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}

	grpcLis, httpLis := splitListener(lis)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		_ = s.grpc.Serve(grpcLis)
	}()
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Warn("firestore emulator http server stopped", "error", err)
		}
	}()
	return s, nil
}

// Close stops the server and releases its port.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	s.mu.Unlock()
	close(s.closed)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.http.Shutdown(ctx)
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
	}
	err := s.lis.Close()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// InjectError makes every later call of method fail with err until it is
// called again with a nil err. method is the RPC's short name ("Commit") or
// its full name ("/google.firestore.v1.Firestore/Commit").
func (s *Server) InjectError(method string, err error) {
	method = method[strings.LastIndexByte(method, '/')+1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.faults, method)
		return
	}
	s.faults[method] = err
}

// Clear removes every document of every database.
func (s *Server) Clear() {
	s.mu.Lock()
	dbs := make([]*database, 0, len(s.dbs))
	for _, db := range s.dbs {
		dbs = append(dbs, db)
	}
	s.mu.Unlock()
	for _, db := range dbs {
		db.mu.Lock()
		db.clear()
		db.mu.Unlock()
	}
}

// ClearDatabase removes every document of one database
// ("projects/{p}/databases/{d}").
func (s *Server) ClearDatabase(name string) error {
	p, err := parseDatabase(name)
	if err != nil {
		return err
	}
	db := s.database(p)
	db.mu.Lock()
	db.clear()
	db.mu.Unlock()
	return nil
}

func (s *Server) fault(fullMethod string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults[fullMethod[strings.LastIndexByte(fullMethod, '/')+1:]]
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := s.fault(info.FullMethod); err != nil {
		return nil, err
	}
	if m, ok := req.(proto.Message); ok {
		if err := checkRequestSize(m); err != nil {
			return nil, err
		}
	}
	return h(ctx, req)
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := s.fault(info.FullMethod); err != nil {
		return err
	}
	return h(srv, &sizeCheckingStream{ServerStream: ss})
}

// sizeCheckingStream applies the request size limit to streamed requests.
type sizeCheckingStream struct{ grpc.ServerStream }

func (s *sizeCheckingStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		return checkRequestSize(pm)
	}
	return nil
}

func checkRequestSize(m proto.Message) error {
	if proto.Size(m) > maxRequestBytes {
		return status.Errorf(codes.InvalidArgument, "Request payload size exceeds the limit: %d bytes.", maxRequestBytes)
	}
	return nil
}

// clock returns the current time at production's microsecond precision.
func (s *Server) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// database returns the state of p, creating it on first use: like
// production's (default) database, every database exists.
func (s *Server) database(p dbPath) *database {
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.dbs[p]
	if db == nil {
		db = newDatabase(p)
		s.dbs[p] = db
	}
	return db
}

// databaseFor resolves a request's database field.
func (s *Server) databaseFor(name string) (*database, error) {
	p, err := parseDatabase(name)
	if err != nil {
		return nil, err
	}
	return s.database(p), nil
}
