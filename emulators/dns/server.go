// Package dns is the suite's local DNS server: an authoritative answer for
// the TXT records set through its admin API, so that proving an email
// domain (a "poy-site-verification=…" TXT record, as production checks in
// public DNS) works on one machine without any network.
//
// One port serves DNS over UDP and over TCP, and on TCP also a small HTTP
// admin API (told apart by the first byte: a DNS-over-TCP message starts
// with its 2-byte length, whose first byte is below 'A' for any query under 16 KiB,
// an HTTP request with an upper-case method name):
//
//	GET    /_admin/txt               every record, as {"name": ["value", …]}
//	GET    /_admin/txt/{name}        one name's values
//	PUT    /_admin/txt/{name}        body {"values": ["…"]} replaces them
//	DELETE /_admin/txt/{name}        removes them
//
// Only TXT is answered; every other query for a known name is an empty
// answer (NOERROR), and an unknown name is NXDOMAIN. Functions use it
// when DNS_EMULATOR_HOST is set, on demo projects only.
package dns

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"pointsofyou.ai/studio/emulators/guard"
	"pointsofyou.ai/studio/shared/httpapi"
)

// EnvHost is the variable that points functions at the emulator (host:port).
const EnvHost = "DNS_EMULATOR_HOST"

// DefaultPort is the suite's conventional port (UDP and TCP).
const DefaultPort = 8053

// Limits that keep one record set answerable in a single UDP datagram
// (EDNS0 buffers of 1232 bytes) and bound what the admin API stores.
const (
	maxValues   = 10
	maxValueLen = 255 // one TXT character-string
	maxNames    = 10000
	maxBody     = 8 << 10
)

// Options configures the server.
type Options struct {
	Addr string // default 127.0.0.1:0 (the same port for UDP and TCP)
}

// Server is the running DNS emulator.
type Server struct {
	Addr string

	udp  net.PacketConn
	tcp  net.Listener
	http *http.Server
	// httpConns hands sniffed HTTP connections to http.
	httpConns *connListener
	wg        sync.WaitGroup

	mu  sync.RWMutex
	txt map[string][]string // canonical name (lower case, no final dot) → values
}

// NewServer listens on opts.Addr (TCP first, then UDP on the same port).
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	tcp, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("dns: listen tcp %s: %w", opts.Addr, err)
	}
	udp, err := net.ListenPacket("udp", tcp.Addr().String())
	if err != nil {
		tcp.Close()
		return nil, fmt.Errorf("dns: listen udp %s: %w", tcp.Addr(), err)
	}
	s := &Server{Addr: tcp.Addr().String(), udp: udp, tcp: tcp, txt: map[string][]string{},
		httpConns: newConnListener(tcp.Addr())}
	s.http = &http.Server{Handler: s.adminHandler(opts.Addr), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.serveUDP() }()
	go func() { defer s.wg.Done(); s.serveTCP() }()
	go func() { defer s.wg.Done(); _ = s.http.Serve(s.httpConns) }()
	slog.Info("dns emulator started", "addr", s.Addr)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	err := errors.Join(s.udp.Close(), s.tcp.Close())
	s.httpConns.Close()
	_ = s.http.Close()
	s.wg.Wait()
	return err
}

// canonical lower-cases name and drops a final dot.
func canonical(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// validName accepts host names as DNS carries them (labels of letters,
// digits, '-' and '_').
func validName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func checkValues(values []string) error {
	if len(values) > maxValues {
		return fmt.Errorf("at most %d values", maxValues)
	}
	for _, v := range values {
		if v == "" || len(v) > maxValueLen {
			return fmt.Errorf("every value has 1 to %d bytes", maxValueLen)
		}
		for _, r := range v {
			if r < 0x20 || r > 0x7e {
				return errors.New("values are printable ASCII")
			}
		}
	}
	return nil
}

// SetTXT replaces name's TXT values; no values removes the name.
func (s *Server) SetTXT(name string, values ...string) error {
	n := canonical(name)
	if !validName(n) {
		return fmt.Errorf("dns: %q is not a host name", name)
	}
	if err := checkValues(values); err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(values) == 0 {
		delete(s.txt, n)
		return nil
	}
	if _, ok := s.txt[n]; !ok && len(s.txt) >= maxNames {
		return fmt.Errorf("dns: at most %d names", maxNames)
	}
	s.txt[n] = slices.Clone(values)
	return nil
}

// TXT returns name's values (nil when none).
func (s *Server) TXT(name string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.txt[canonical(name)])
}

// answer builds the response to one query message.
func (s *Server) answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil, false
	}
	qs, err := p.AllQuestions()
	if err != nil {
		return nil, false
	}
	resp := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, OpCode: h.OpCode, RecursionDesired: h.RecursionDesired}
	if h.OpCode != 0 || len(qs) != 1 {
		resp.RCode = dnsmessage.RCodeNotImplemented
		if len(qs) != 1 {
			resp.RCode = dnsmessage.RCodeFormatError
		}
		b := dnsmessage.NewBuilder(nil, resp)
		msg, err := b.Finish()
		return msg, err == nil
	}
	q := qs[0]
	name := canonical(q.Name.String())
	s.mu.RLock()
	values, known := s.txt[name]
	values = slices.Clone(values)
	s.mu.RUnlock()
	if !known {
		resp.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, resp)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, false
	}
	if err := b.Question(q); err != nil {
		return nil, false
	}
	if err := b.StartAnswers(); err != nil {
		return nil, false
	}
	if known && (q.Type == dnsmessage.TypeTXT || q.Type == dnsmessage.TypeALL) && q.Class == dnsmessage.ClassINET {
		for _, v := range values {
			rh := dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET, TTL: 60}
			if err := b.TXTResource(rh, dnsmessage.TXTResource{TXT: []string{v}}); err != nil {
				return nil, false
			}
		}
	}
	msg, err := b.Finish()
	return msg, err == nil
}

func (s *Server) serveUDP() {
	buf := make([]byte, 4096)
	for {
		n, from, err := s.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if msg, ok := s.answer(buf[:n]); ok {
			_, _ = s.udp.WriteTo(msg, from)
		}
	}
}

func (s *Server) serveTCP() {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go s.sniff(c)
	}
}

// sniff tells DNS-over-TCP from HTTP by the first byte.
func (s *Server) sniff(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		c.Close()
		return
	}
	if first[0] >= 'A' && first[0] <= 'Z' {
		_ = c.SetReadDeadline(time.Time{})
		s.httpConns.push(&peekedConn{Conn: c, r: br})
		return
	}
	defer c.Close()
	for {
		var n uint16
		if err := binary.Read(br, binary.BigEndian, &n); err != nil {
			return
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(br, msg); err != nil {
			return
		}
		out, ok := s.answer(msg)
		if !ok {
			return
		}
		frame := binary.BigEndian.AppendUint16(nil, uint16(len(out)))
		if _, err := c.Write(append(frame, out...)); err != nil {
			return
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	}
}

type txtBody struct {
	Values []string `json:"values"`
}

// adminHandler serves the record API. It answers only requests addressed
// to this machine and not sent by other sites' pages (emulators/guard), and
// takes writes only as JSON.
func (s *Server) adminHandler(listenAddr string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_admin/txt", func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		all := maps.Clone(s.txt)
		s.mu.RUnlock()
		httpapi.WriteJSON(w, http.StatusOK, all)
	})
	mux.HandleFunc("GET /_admin/txt/{name}", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, txtBody{Values: append([]string{}, s.TXT(r.PathValue("name"))...)})
	})
	mux.HandleFunc("PUT /_admin/txt/{name}", func(w http.ResponseWriter, r *http.Request) {
		var b txtBody
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			httpapi.WriteError(w, r, httpapi.UnsupportedMediaType("the body must be application/json"))
			return
		}
		if err := httpapi.DecodeJSON(w, r, &b, maxBody); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if err := s.SetTXT(r.PathValue("name"), b.Values...); err != nil {
			httpapi.WriteError(w, r, httpapi.Invalid(httpapi.Field("values", "%s", err.Error())))
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, txtBody{Values: append([]string{}, s.TXT(r.PathValue("name"))...)})
	})
	mux.HandleFunc("DELETE /_admin/txt/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.SetTXT(r.PathValue("name")); err != nil {
			httpapi.WriteError(w, r, httpapi.NotFound("%s", err.Error()))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return guard.Wrap(mux, listenAddr, s.Addr)
}

// peekedConn is a connection whose first bytes were read into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// connListener is a net.Listener fed with connections accepted elsewhere.
type connListener struct {
	addr   net.Addr
	ch     chan net.Conn
	once   sync.Once
	closed chan struct{}
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, ch: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.closed:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

// Resolver returns a resolver that asks only the server at addr: what
// functions use on demo projects and tests use to read the emulator.
func Resolver(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}
