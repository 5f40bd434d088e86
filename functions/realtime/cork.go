package realtime

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
)

// The websocket library flushes after every message, so a burst of
// frames for one socket would cost one write(2) each. The socket's own
// connection is corked instead while its writer drains the queue: writes
// gather in memory and go out in one write when the queue is empty. The
// protocol on the wire is unchanged.

// corkMax is what a corked socket gathers before it writes anyway.
const corkMax = 64 << 10

// Buffers of hijacked sockets: an idle socket needs little of either
// (frames in are small; frames out gather in the cork).
const (
	sockReadBuf  = 2 << 10
	sockWriteBuf = 1 << 10
)

var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// corkConn is a hijacked connection whose writes can be held back.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    *[]byte // from corkBufs while corked and holding bytes
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.buf != nil && len(*c.buf)+len(p) > corkMax {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	if len(p) > corkMax {
		return c.Conn.Write(p)
	}
	if c.buf == nil {
		c.buf = corkBufs.Get().(*[]byte)
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// cork holds writes back until uncork.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was held back, in one write, and lets later writes
// through.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flushLocked()
}

func (c *corkConn) flushLocked() error {
	if c.buf == nil {
		return nil
	}
	b := c.buf
	c.buf = nil
	_, err := c.Conn.Write(*b)
	if cap(*b) <= corkMax {
		*b = (*b)[:0]
		corkBufs.Put(b)
	}
	return err
}

// corkWriter hands the websocket library a corkConn when it hijacks the
// request's connection.
type corkWriter struct {
	http.ResponseWriter
	conn *corkConn
}

func (w *corkWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *corkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw == nil {
		return nil, nil, errors.New("realtime: hijacked connection without buffers")
	}
	w.conn = &corkConn{Conn: nc}
	// Smaller buffers than net/http's: thousands of idle sockets hold
	// them. A reader already holding early bytes is kept (the library
	// puts them in front of the connection).
	br := brw.Reader
	if br.Buffered() == 0 {
		br = bufio.NewReaderSize(w.conn, sockReadBuf)
	}
	return w.conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.conn, sockWriteBuf)), nil
}
