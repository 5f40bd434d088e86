package firestore

import (
	"bytes"
	"io"
	"net"
	"sync"
	"time"
)

// http2Preface starts every HTTP/2 connection with prior knowledge, which is
// how gRPC clients connect; HTTP/1.x requests start with a method instead.
var http2Preface = []byte("PRI * HTTP/2")

// splitListener serves gRPC and plain HTTP on one port by peeking at the
// first bytes of each connection.
func splitListener(l net.Listener) (grpcLis, httpLis net.Listener) {
	g := &chanListener{addr: l.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	h := &chanListener{addr: l.Addr(), conns: make(chan net.Conn), done: make(chan struct{})}
	go func() {
		defer g.Close()
		defer h.Close()
		for {
			c, err := l.Accept()
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					continue
				}
				return
			}
			go route(c, g, h)
		}
	}()
	return g, h
}

func route(c net.Conn, g, h *chanListener) {
	buf := make([]byte, len(http2Preface))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.ReadFull(c, buf)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil && n == 0 {
		_ = c.Close()
		return
	}
	pc := &peekedConn{Conn: c, peeked: buf[:n]}
	target := h
	if bytes.Equal(buf[:n], http2Preface) {
		target = g
	}
	select {
	case target.conns <- pc:
	case <-target.done:
		_ = c.Close()
	}
}

type peekedConn struct {
	net.Conn
	peeked []byte
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if len(c.peeked) > 0 {
		n := copy(p, c.peeked)
		c.peeked = c.peeked[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
