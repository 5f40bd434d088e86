package vertex

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/emulators/guard"
)

// ModelVersion is reported as modelVersion by every generation; a client
// can tell the local model from Gemini by it (prefix "local-").
const ModelVersion = "local-deterministic-1"

// DefaultDimension is the embedding size when Options.Dimension is zero
// and a request names no outputDimensionality (text-embedding-005's and
// text-multilingual-embedding-002's size).
const DefaultDimension = 768

// MaxDimension bounds outputDimensionality (gemini-embedding-001's size).
const MaxDimension = 3072

// Options configures a Server.
type Options struct {
	// Addr is the address to listen on; default "127.0.0.1:0".
	Addr string
	// Dimension is the default embedding size; default 768.
	Dimension int
	// Latency, when set, delays every call as a remote model would (the
	// delay ends early if the caller gives up).
	Latency time.Duration
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
	// OnRequest, when set, sees every request message as it arrives
	// (method is the RPC's short name), before any injected fault: tests
	// check what reached the model. It must not keep or change req
	// beyond the call, and must be safe for concurrent use.
	OnRequest func(method string, req any)
}

// Server is the local Vertex AI emulator: PredictionService and
// LlmUtilityService over gRPC on one port.
type Server struct {
	aiplatformpb.UnimplementedPredictionServiceServer

	// Addr is the host:port the server listens on.
	Addr string

	dim       int
	latency   time.Duration
	onRequest func(method string, req any)
	log       *slog.Logger
	grpc      *grpc.Server
	lis       net.Listener
	wg        sync.WaitGroup

	mu      sync.Mutex
	faults  map[string]*fault
	calls   map[string]int
	closing bool
}

type fault struct {
	err       error
	remaining int // <0: until cleared
}

// llmUtility serves CountTokens and ComputeTokens, which Vertex exposes as
// a separate service on the same endpoint.
type llmUtility struct {
	aiplatformpb.UnimplementedLlmUtilityServiceServer
	s *Server
}

// NewServer starts a server listening on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Dimension == 0 {
		opts.Dimension = DefaultDimension
	}
	if opts.Dimension < 1 || opts.Dimension > MaxDimension {
		return nil, errors.New("vertex: Dimension must be between 1 and 3072")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	lis, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr:      lis.Addr().String(),
		dim:       opts.Dimension,
		latency:   opts.Latency,
		onRequest: opts.OnRequest,
		log:       opts.Logger,
		lis:       lis,
		faults:    map[string]*fault{},
		calls:     map[string]int{},
	}
	s.grpc = grpc.NewServer(
		grpc.MaxRecvMsgSize(32<<20),
		grpc.MaxSendMsgSize(64<<20),
		grpc.UnaryInterceptor(s.unaryInterceptor),
		grpc.StreamInterceptor(s.streamInterceptor),
		guard.New(opts.Addr, s.Addr).GRPC(),
	)
	aiplatformpb.RegisterPredictionServiceServer(s.grpc, s)
	aiplatformpb.RegisterLlmUtilityServiceServer(s.grpc, &llmUtility{s: s})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.log.Warn("vertex emulator stopped", "error", err)
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
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		s.grpc.Stop()
		<-done
	}
	s.wg.Wait()
	return nil
}

// InjectError makes every later call of method fail with err until it is
// called again with a nil err. method is the RPC's short name
// ("GenerateContent") or its full name
// ("/google.cloud.aiplatform.v1.PredictionService/GenerateContent").
func (s *Server) InjectError(method string, err error) { s.InjectErrorN(method, err, -1) }

// InjectErrorN makes the next n calls of method fail with err (n < 0:
// every call until cleared); later calls succeed again.
func (s *Server) InjectErrorN(method string, err error, n int) {
	method = shortMethod(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil || n == 0 {
		delete(s.faults, method)
		return
	}
	s.faults[method] = &fault{err: err, remaining: n}
}

// Calls reports how many times method has been called (including calls
// failed by injected errors).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[shortMethod(method)]
}

func shortMethod(m string) string { return m[strings.LastIndexByte(m, '/')+1:] }

// enter counts a call, applies an injected fault and the artificial
// latency.
func (s *Server) enter(ctx context.Context, fullMethod string) error {
	m := shortMethod(fullMethod)
	s.mu.Lock()
	s.calls[m]++
	var err error
	if f := s.faults[m]; f != nil {
		err = f.err
		if f.remaining > 0 {
			if f.remaining--; f.remaining == 0 {
				delete(s.faults, m)
			}
		}
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if s.latency > 0 {
		t := time.NewTimer(s.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	return nil
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if s.onRequest != nil {
		s.onRequest(shortMethod(info.FullMethod), req)
	}
	if err := s.enter(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := s.enter(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	if s.onRequest != nil {
		ss = &recordingStream{ServerStream: ss, method: shortMethod(info.FullMethod), on: s.onRequest}
	}
	return h(srv, ss)
}

// recordingStream shows each message a streaming call receives to
// Options.OnRequest.
type recordingStream struct {
	grpc.ServerStream
	method string
	on     func(string, any)
}

func (r *recordingStream) RecvMsg(m any) error {
	err := r.ServerStream.RecvMsg(m)
	if err == nil {
		r.on(r.method, m)
	}
	return err
}

// model is a parsed model or endpoint resource name.
type model struct {
	project, location, publisher, id string
	endpoint                         bool
}

// parseModel accepts "projects/{p}/locations/{l}/publishers/{pub}/models/{m}"
// and "projects/{p}/locations/{l}/endpoints/{e}", as production does.
func parseModel(field, name string) (model, error) {
	p := strings.Split(name, "/")
	bad := status.Errorf(codes.InvalidArgument, "%s must look like projects/{project}/locations/{location}/publishers/google/models/{model}, got %q", field, name)
	if len(p) < 6 || p[0] != "projects" || p[2] != "locations" {
		return model{}, bad
	}
	for _, seg := range p {
		if seg == "" {
			return model{}, bad
		}
	}
	switch {
	case len(p) == 8 && p[4] == "publishers" && p[6] == "models":
		return model{project: p[1], location: p[3], publisher: p[5], id: p[7]}, nil
	case len(p) == 6 && p[4] == "endpoints":
		return model{project: p[1], location: p[3], id: p[5], endpoint: true}, nil
	}
	return model{}, bad
}

func (m model) embeddingOnly() bool { return strings.Contains(m.id, "embedding") }
