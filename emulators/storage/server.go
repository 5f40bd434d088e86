package storage

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/topology"
)

// DefaultAddr is where the server listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:0"

// Options configure a Server.
type Options struct {
	// Addr is the listen address; empty means DefaultAddr.
	Addr string
	// Root is the directory of the filesystem backend; empty keeps
	// everything in memory.
	Root string
	// Now is the clock for event times and signed URL expiry; nil means
	// time.Now.
	Now func() time.Time
	// PubSubHost is the Pub/Sub emulator's host:port. Required when
	// NotificationTopic is set.
	PubSubHost string
	// NotificationTopic is the full topic name ("projects/{p}/topics/{t}")
	// object notifications go to; empty disables notifications.
	NotificationTopic string
	// Signers maps a service account email (the GoogleAccessID of a signed
	// URL) to the public key whose signatures are verified.
	Signers map[string]*rsa.PublicKey
}

// Server is a running Cloud Storage emulator.
type Server struct {
	// Addr is the host:port actually bound.
	Addr string

	publicHost string
	now        func() time.Time
	signers    map[string]*rsa.PublicKey
	fake       *fakestorage.Server
	handler    http.Handler
	http       *http.Server
	serveDone  chan struct{}
	events     *eventHook
	closeOnce  sync.Once
	metaMu     sync.RWMutex // see routes
	closeErr   error

	corsMu sync.RWMutex
	cors   map[string][]CORS // bucket → its CORS configuration
}

// NewServer starts a server on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	if opts.NotificationTopic != "" {
		if _, _, err := splitTopic(opts.NotificationTopic); err != nil {
			return nil, err
		}
		if opts.PubSubHost == "" {
			return nil, errors.New("storage emulator: NotificationTopic needs PubSubHost")
		}
	}
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	// Listen first: fake-gcs-server must know the public host:port it is
	// reached at to route XML API and signed URL requests and to write
	// selfLink / resumable upload locations.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("storage emulator: listen: %w", err)
	}
	publicHost := reachableHost(ln.Addr())
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		StorageRoot: opts.Root,
		Scheme:      "http",
		NoListener:  true,
		ExternalURL: "http://" + publicHost,
		PublicHost:  publicHost,
	})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("storage emulator: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		Addr:       ln.Addr().String(),
		publicHost: publicHost,
		now:        now,
		signers:    maps.Clone(opts.Signers),
		fake:       fake,
		serveDone:  make(chan struct{}),
		cors:       map[string][]CORS{},
	}
	if opts.NotificationTopic != "" {
		pub, err := newPublisher(opts.PubSubHost, opts.NotificationTopic)
		if err != nil {
			ln.Close()
			fake.Stop()
			return nil, err
		}
		s.events = newEventHook(s, pub)
	}
	s.handler = s.routes()
	s.http = &http.Server{Handler: guard.Wrap(s.handler, addr, s.Addr), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(s.serveDone)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("storage emulator stopped serving", "err", err)
		}
	}()
	return s, nil
}

// reachableHost turns a bound address into one clients can dial: an
// unspecified IP (0.0.0.0, ::) becomes loopback.
func reachableHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// URL is the base URL for STORAGE_EMULATOR_HOST ("http://host:port").
func (s *Server) URL() string { return "http://" + s.publicHost }

// Handler is the server's HTTP handler (signed URL checks, notifications
// and fake-gcs-server behind them).
func (s *Server) Handler() http.Handler { return s.handler }

// Fake is the embedded fake-gcs-server, for tests that seed or inspect
// state directly. Writes made through it publish no notifications.
func (s *Server) Fake() *fakestorage.Server { return s.fake }

// Close stops serving, flushes pending notifications (bounded) and
// releases everything.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.http.Shutdown(ctx)
		if err != nil {
			err = s.http.Close()
		}
		<-s.serveDone
		if s.events != nil {
			err = errors.Join(err, s.events.close(ctx))
		}
		s.fake.Stop()
		s.closeErr = err
	})
	return s.closeErr
}

// routes builds the handler chain: host normalisation, signed URL checks,
// event observation, then the fake.
func (s *Server) routes() http.Handler {
	var next http.Handler = s.fake.HTTPHandler()
	if s.events != nil {
		next = s.events.wrap(next)
	}
	next = s.bucketCORS(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origHost := r.Host
		// The fake routes path-style XML requests only when Host equals its
		// public host; clients may reach us as localhost, 0.0.0.0, etc.
		if r.Host != s.publicHost && !strings.HasSuffix(r.Host, "."+s.publicHost) {
			r.Host = s.publicHost
		}
		// Browsers reach the XML API (signed URLs) from the app's origin:
		// the bucket's CORS configuration answers them, before the
		// signature is checked, since a preflight carries none of the
		// signed headers.
		if !jsonAPI(r.URL.Path) {
			var answered bool
			if w, answered = s.corsXML(w, r, origHost); answered {
				return
			}
		}
		if r.URL.Query().Has(paramSignature) {
			if !s.checkSigned(w, r, origHost) {
				return
			}
		}
		// The fake's memory backend updates an object's metadata in place
		// on PATCH while other requests encode the same object: a metadata
		// update runs alone, reads alongside each other.
		metadataUpdate := r.Method == http.MethodPatch ||
			(r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/storage/v1/b/")) // objects.update
		if metadataUpdate {
			s.metaMu.Lock()
			defer s.metaMu.Unlock()
		} else if r.Method == http.MethodGet || r.Method == http.MethodHead {
			s.metaMu.RLock()
			defer s.metaMu.RUnlock()
		}
		next.ServeHTTP(w, r)
	})
}

// Apply creates every bucket the topology declares, named for project, and
// gives each the CORS configuration deploying gives it (BucketCORS, with the
// topology's cors_origins; see AllowOrigin for the site's own). Buckets that
// exist are kept.
func (s *Server) Apply(ctx context.Context, t *topology.Topology, project string) error {
	if t == nil {
		return nil
	}
	for _, b := range t.Buckets {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := topology.BucketName(project, b.Name)
		if err := s.ensureBucket(name, false); err != nil {
			return err
		}
		s.SetCORS(name, BucketCORS(b.CORSOrigins...))
	}
	return nil
}

// ensureBucket creates bucket name unless it exists.
func (s *Server) ensureBucket(name string, versioning bool) (err error) {
	if _, err := s.fake.Backend().GetBucket(name); err == nil {
		return nil
	}
	// CreateBucketWithOpts panics on backend errors; turn that into an error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("storage emulator: create bucket %q: %v", name, p)
		}
	}()
	s.fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: name, VersioningEnabled: versioning})
	return nil
}
