// Package stripe is the suite's local Stripe: Stripe's own stripe-mock
// (started from Options.Binary on a free port) behind a front that keeps
// the few objects a believable local purchase needs, serves stand-ins for
// Stripe's hosted pages, and delivers signed webhooks.
//
//	/v1/products, /v1/prices          kept here, so the declared plans sync
//	                                  idempotently and a price keeps its lookup key
//	/v1/customers, /v1/checkout/sessions, /v1/billing_portal/sessions,
//	/v1/subscriptions, /v1/invoices   kept here, with the parameters they were made with
//	/v1/*  (anything else)            proxied to stripe-mock (fixtures; stateless)
//	/checkout/{session}               the checkout page: plan, amount, "Pay (test)" / "Cancel"
//	/portal/{session}                 the customer portal: cancel, switch plan, change seats
//	POST /_admin/subscriptions/{id}/fail   a failed renewal (invoice.payment_failed, past_due)
//	GET  /_admin/requests             the API requests served, in order (tests)
//
// A submit on a page changes the kept objects, sends the events Stripe
// would send (customer.subscription.*, checkout.session.completed,
// invoice.paid / invoice.payment_failed) to the webhook URL, each signed
// with the endpoint secret as Stripe signs them (Stripe-Signature: t=…,
// v1=HMAC-SHA256), and then redirects to the success or return URL.
// Deliveries are made one at a time, in order, once each: a test that
// needs a retry or a reordering replays Deliveries itself.
package stripe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/httpapi"
)

// DefaultPort is the suite's conventional port (stripe-mock's own default
// HTTP port: the front stands where clients expect Stripe's mock).
const DefaultPort = 12111

// Options configures the server.
type Options struct {
	// Addr is the listen address (default 127.0.0.1:0).
	Addr string
	// Binary is the built stripe-mock (make builds bin/stripe-mock). Empty:
	// only the kept objects are served and every other /v1 path is 501.
	Binary string
	// WebhookURL receives the events (SetWebhook changes it later, as the
	// function's URL is known only once the functions run).
	WebhookURL string
	// WebhookSecret signs them (whsec_…).
	WebhookSecret string
	// Now is the clock of created times and periods (default time.Now).
	Now func() time.Time
	// Output receives stripe-mock's output (default io.Discard).
	Output io.Writer
}

// Server is a running local Stripe.
type Server struct {
	// Addr is the host:port the front listens on; MockAddr stripe-mock's.
	Addr, MockAddr string

	opts  Options
	srv   *http.Server
	proxy *httputil.ReverseProxy
	cmd   *exec.Cmd
	done  chan struct{}

	hookMu sync.Mutex
	hook   string

	st *store

	sentMu sync.Mutex
	sent   []Event
}

// NewServer starts stripe-mock (when Options.Binary is set) and the front.
func NewServer(opts Options) (s *Server, err error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	s = &Server{opts: opts, hook: opts.WebhookURL, done: make(chan struct{})}
	s.st = newStore(opts.Now)
	if opts.Binary != "" {
		if err := s.startMock(); err != nil {
			return nil, err
		}
		target := &url.URL{Scheme: "http", Host: s.MockAddr}
		s.proxy = &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.Out.Host = target.Host
			},
		}
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		s.stopMock()
		return nil, fmt.Errorf("stripe: listen: %w", err)
	}
	s.Addr = ln.Addr().String()
	s.srv = &http.Server{Handler: guard.Wrap(httpapi.Recover(s.routes()), opts.Addr, s.Addr), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("stripe emulator stopped", "error", err.Error())
		}
	}()
	return s, nil
}

// URL is the front's base URL: the API base of a Stripe client.
func (s *Server) URL() string { return "http://" + s.Addr }

// SetWebhook points the deliveries at url.
func (s *Server) SetWebhook(url string) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.hook = url
}

func (s *Server) webhookURL() string {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return s.hook
}

// Close stops the front and stripe-mock.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.stopMock()
	return err
}

// startMock runs stripe-mock on a free port of the loopback interface and
// waits for the line that names its address.
func (s *Server) startMock() error {
	// -https-addr too: with -http-addr alone stripe-mock still opens HTTPS
	// on its fixed default port (12112), so a second one would fail.
	cmd := exec.Command(s.opts.Binary, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = s.opts.Output
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("stripe: start %s: %w (make builds it: bin/stripe-mock)", s.opts.Binary, err)
	}
	s.cmd = cmd
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "Listening for HTTP at address: "); i >= 0 && !sent {
				addr <- strings.TrimSpace(line[i+len("Listening for HTTP at address: "):])
				sent = true
			}
			fmt.Fprintln(s.opts.Output, "stripe-mock:", line)
		}
		if !sent {
			close(addr)
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	select {
	case a, ok := <-addr:
		if !ok {
			return errors.New("stripe: stripe-mock exited before listening")
		}
		s.MockAddr = a
	case <-time.After(30 * time.Second):
		s.stopMock()
		return errors.New("stripe: stripe-mock did not start in 30s")
	}
	// It prints the address before it serves: wait until it accepts.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.MockAddr)
		if err == nil {
			c.Close()
			return nil
		}
		if ctx.Err() != nil {
			s.stopMock()
			return fmt.Errorf("stripe: stripe-mock at %s: %w", s.MockAddr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) stopMock() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.apiRoutes(mux)
	mux.HandleFunc("GET /checkout/{session}", s.checkoutPage)
	mux.HandleFunc("POST /checkout/{session}/pay", s.checkoutPay)
	mux.HandleFunc("POST /checkout/{session}/cancel", s.checkoutCancel)
	mux.HandleFunc("GET /portal/{session}", s.portalPage)
	mux.HandleFunc("POST /portal/{session}/{action}", s.portalAction)
	mux.HandleFunc("POST /_admin/subscriptions/{id}/fail", s.adminFail)
	mux.HandleFunc("GET /_admin/requests", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, s.st.requests())
	})
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.st.note(r)
		if s.proxy == nil {
			apiError(w, http.StatusNotImplemented, "api_error", "", "this local Stripe runs without stripe-mock")
			return
		}
		s.proxy.ServeHTTP(w, r)
	})
	return mux
}
