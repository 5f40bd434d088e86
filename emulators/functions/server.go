package functions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/config"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/topology"
)

// Options configure a Server.
type Options struct {
	// Addr is the listen address; default "127.0.0.1:0".
	Addr string
	// Project and Region appear in the URLs and the children's environment;
	// defaults config.DefaultProject and config.DefaultRegion.
	Project, Region string
	// Topology declares the functions to run (infra.Topology()).
	Topology *topology.Topology
	// Binary is the built cmd/functions program.
	Binary string
	// Env is extra environment for every child, e.g. the emulator hosts.
	Env []string
	// Local fills the {placeholders} of the declared variables' local
	// values (topology.EnvVar.LocalValue), e.g. hosting_url; the server
	// adds functions_url and functions_ws_url (its own base URL, as
	// http:// and ws://) unless set.
	Local map[string]string
	// Output receives the children's output, each line prefixed with the
	// function name; default os.Stderr.
	Output io.Writer
	// StartTimeout bounds how long a child may take to accept connections;
	// default 30s.
	StartTimeout time.Duration
}

// Server is a running functions emulator.
type Server struct {
	// Addr is the host:port actually bound.
	Addr string

	opts     Options
	children map[string]*child
	order    []string
	stop     chan struct{}
	proxy    *httputil.ReverseProxy
	srv      *http.Server
	once     sync.Once
}

// NewServer starts one child per declared function, waits until every one
// accepts connections, and starts serving. If any child fails to start, the
// others are stopped and the error carries the failing child's output.
func NewServer(opts Options) (*Server, error) {
	if opts.Topology == nil {
		return nil, errors.New("functions: Options.Topology is nil")
	}
	if opts.Binary == "" {
		return nil, errors.New("functions: Options.Binary (the built cmd/functions) is empty")
	}
	if opts.Project == "" {
		opts.Project = config.DefaultProject
	}
	if opts.Region == "" {
		opts.Region = config.DefaultRegion
	}
	if opts.Output == nil {
		opts.Output = os.Stderr
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("functions: listen: %w", err)
	}
	// The emulator's own address is known only now: functions that hand
	// out a socket URL of another function read it from here.
	base := ln.Addr().String() + "/" + opts.Project + "/" + opts.Region
	local := map[string]string{"functions_url": "http://" + base, "functions_ws_url": "ws://" + base}
	for k, v := range opts.Local {
		local[k] = v
	}
	opts.Local = local
	s := &Server{
		Addr:     ln.Addr().String(),
		opts:     opts,
		children: map[string]*child{},
		stop:     make(chan struct{}),
	}
	s.proxy = &httputil.ReverseProxy{
		Rewrite:       rewrite,
		ErrorHandler:  proxyError,
		FlushInterval: -1, // stream bodies as they come
	}
	s.srv = &http.Server{Handler: guard.Wrap(httpapi.WithRequestID(httpapi.Recover(http.HandlerFunc(s.serve))), addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}

	out := &lockedWriter{w: opts.Output}
	for _, fn := range opts.Topology.Functions {
		s.children[fn.Name] = newChild(fn, &s.opts, out, s.stop)
		s.order = append(s.order, fn.Name)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, name := range s.order {
		c := s.children[name]
		wg.Go(func() {
			p, err := c.launch()
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				close(c.done)
				return
			}
			go c.supervise(p)
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		ln.Close()
		s.stopChildren()
		return nil, errors.Join(errs...)
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("functions emulator stopped", "error", err.Error())
		}
	}()
	return s, nil
}

// URL is the public URL of a declared function, "" for an unknown name.
func (s *Server) URL(name string) string {
	if _, ok := s.children[name]; !ok {
		return ""
	}
	return "http://" + s.Addr + "/" + s.opts.Project + "/" + s.opts.Region + "/" + name
}

// Backends maps each running function to the host:port its process
// listens on (tests; callers use URL).
func (s *Server) Backends() map[string]string {
	out := map[string]string{}
	for name, c := range s.children {
		if u, _ := c.current(); u != nil {
			out[name] = u.Host
		}
	}
	return out
}

// ServeHTTP serves one request, as the listener does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.srv.Handler.ServeHTTP(w, r) }

// Close stops serving and terminates every child process group.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.srv.Close()
		s.stopChildren()
	})
	return err
}

func (s *Server) stopChildren() {
	close(s.stop)
	for _, c := range s.children {
		<-c.done
	}
}

type targetKey struct{}

type target struct {
	base *url.URL
	path string // the escaped path after the function name
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	if escaped == "/" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			httpapi.WriteError(w, r, httpapi.MethodNotAllowed("%s is not allowed on /", r.Method))
			return
		}
		list := make(map[string]string, len(s.children))
		for name := range s.children {
			list[name] = s.URL(name)
		}
		httpapi.WriteJSON(w, http.StatusOK, list)
		return
	}
	parts := strings.SplitN(strings.TrimPrefix(escaped, "/"), "/", 4)
	if len(parts) < 3 {
		httpapi.WriteError(w, r, httpapi.NotFound("want /{project}/{region}/{function}/…, got %s", r.URL.Path))
		return
	}
	project, region, name := unescape(parts[0]), unescape(parts[1]), unescape(parts[2])
	c, ok := s.children[name]
	if project != s.opts.Project || region != s.opts.Region || !ok {
		httpapi.WriteError(w, r, httpapi.NotFound("no function %q in project %q, region %q", name, project, region))
		return
	}
	rest := "/"
	if len(parts) == 4 {
		rest += parts[3]
	}
	if _, err := url.PathUnescape(rest); err != nil {
		httpapi.WriteError(w, r, httpapi.BadRequest("the path is not validly escaped"))
		return
	}
	base, _ := c.current()
	if base == nil {
		httpapi.WriteError(w, r, (&httpapi.Error{
			Status: http.StatusServiceUnavailable, Slug: "unavailable", Title: "Service unavailable",
			Detail: fmt.Sprintf("function %q is restarting; retry shortly", name),
		}).WithHeader("Retry-After", "1"))
		return
	}
	ctx := context.WithValue(r.Context(), targetKey{}, target{base: base, path: rest})
	s.proxy.ServeHTTP(w, r.WithContext(ctx))
}

func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// rewrite sends the request to the child as production's front end would:
// the path after the function name, the query, the trace headers a
// function's logs rely on, and X-Forwarded-For with the caller's address
// appended to whatever the caller sent (behind Hosting: the Hosting
// emulator's address, as Google's front end appends the Hosting edge's).
func rewrite(pr *httputil.ProxyRequest) {
	t := pr.In.Context().Value(targetKey{}).(target)
	path, _ := url.PathUnescape(t.path) // checked in serve
	pr.Out.URL.Path, pr.Out.URL.RawPath = path, t.path
	pr.SetURL(t.base)
	pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
	pr.SetXForwarded()
	if pr.Out.Header.Get("Function-Execution-Id") == "" {
		pr.Out.Header.Set("Function-Execution-Id", randomHex(6))
	}
	if pr.Out.Header.Get("X-Cloud-Trace-Context") == "" {
		span, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
		pr.Out.Header.Set("X-Cloud-Trace-Context", randomHex(16)+"/"+span.String()+";o=1")
	}
}

func proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the caller went away
	}
	slog.WarnContext(r.Context(), "function request failed", "path", r.URL.Path, "error", err.Error())
	httpapi.WriteError(w, r, &httpapi.Error{
		Status: http.StatusBadGateway, Slug: "bad-gateway", Title: "Bad gateway",
		Detail: "the function did not answer; see its log",
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
