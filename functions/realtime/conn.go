package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
)

// conn is one socket. Its reader is the only long-lived goroutine; a
// writer runs only while frames wait, and pings come from a timer, so an
// idle socket costs one small stack. Nothing that fans out ever waits
// for it.
type conn struct {
	g  *Gateway
	ws *websocket.Conn
	cc *corkConn // nil when the connection could not be corked
	// The send queue grows only as frames wait (an idle socket holds
	// none); writing says a writer goroutine is draining it.
	qmu     sync.Mutex
	q       [][]byte
	writing bool
	quit    chan struct{} // closed by kill: the writer says bye and closes
	wdone   chan struct{} // closed when the writer has said bye
	done    chan struct{} // closed when the socket is gone
	once    sync.Once

	byeReason string
	byeCode   websocket.StatusCode

	lastRead atomic.Int64 // unix nanos of the last frame or pong
	pingT    *time.Timer

	// the write timeout (the writer only)
	wt       *time.Timer
	timedOut atomic.Bool

	mu      sync.Mutex
	p       *auth.Principal
	expires time.Time
	expT    *time.Timer
	subs    map[string]*sub
	bucket  *userBucket
	cursors *rate.Limiter
	name    string
}

func newConn(g *Gateway, ws *websocket.Conn, cc *corkConn) *conn {
	c := &conn{g: g, ws: ws, cc: cc, quit: make(chan struct{}), wdone: make(chan struct{}),
		done: make(chan struct{}), subs: map[string]*sub{},
		cursors: rate.NewLimiter(rate.Limit(g.d.Limits.CursorPerSecond), int(max(1, g.d.Limits.CursorPerSecond)))}
	c.lastRead.Store(g.d.Now().UnixNano())
	return c
}

// kill ends the socket with a bye; the first reason wins.
func (c *conn) kill(reason string, code websocket.StatusCode) {
	c.once.Do(func() {
		c.byeReason, c.byeCode = reason, code
		c.qmu.Lock()
		close(c.quit)
		start := !c.writing && c.ws != nil
		c.writing = true
		c.qmu.Unlock()
		if start {
			go c.writer()
		}
	})
}

// enqueue queues a frame without ever waiting: a full queue drops the
// socket (bye slow).
func (c *conn) enqueue(f []byte) {
	if f == nil {
		return
	}
	c.qmu.Lock()
	if isClosed(c.quit) {
		c.qmu.Unlock()
		return
	}
	if len(c.q) >= c.g.d.Limits.SendQueue {
		c.qmu.Unlock()
		c.g.stats.SlowDropped.Add(1)
		c.kill(ByeSlow, CloseSlow)
		return
	}
	c.q = append(c.q, f)
	// (A conn without a socket only queues: tests of the handlers.)
	start := !c.writing && c.ws != nil
	c.writing = true
	c.qmu.Unlock()
	if start {
		go c.writer()
	}
}

// queued is how many frames wait for the socket.
func (c *conn) queued() int {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return len(c.q)
}

// next takes the oldest waiting frame.
func (c *conn) next() []byte {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if len(c.q) == 0 {
		return nil
	}
	f := c.q[0]
	c.q[0] = nil
	c.q = c.q[1:]
	if len(c.q) == 0 {
		c.q = nil // an idle socket keeps no buffer
	}
	return f
}

func (c *conn) uid() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return ""
	}
	return c.p.UID
}

func (c *conn) run() {
	l := c.g.d.Limits
	c.mu.Lock()
	c.pingT = time.AfterFunc(min(l.PingEvery, l.IdleAfter/2), c.tick)
	c.mu.Unlock()
	authT := time.AfterFunc(l.AuthTimeout, func() {
		if c.uid() == "" {
			c.kill(ByeAuth, CloseAuth)
		}
	})
	c.reader()
	authT.Stop()
	c.kill(ByeIdle, websocket.StatusNormalClosure) // no-op when a reason is set
	c.mu.Lock()
	subs := make([]*sub, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	c.subs = map[string]*sub{}
	if c.expT != nil {
		c.expT.Stop()
	}
	c.pingT.Stop()
	uid := ""
	if c.p != nil {
		uid = c.p.UID
	}
	c.mu.Unlock()
	for _, s := range subs {
		s.ch.leave(s)
	}
	if uid != "" {
		c.g.releaseBucket(uid)
	}
	<-c.wdone
	close(c.done)
}

func (c *conn) reader() {
	max := c.g.d.Limits.MaxFrame
	for {
		typ, r, err := c.ws.Reader(context.Background())
		if err != nil {
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, max+1))
		if err != nil {
			return
		}
		if int64(len(data)) > max {
			c.kill(ByeTooLarge, CloseTooLarge)
			return
		}
		c.lastRead.Store(c.g.d.Now().UnixNano())
		if typ != websocket.MessageText {
			c.enqueue(errFrame("", "", CodeBadRequest, "frames are JSON text"))
			continue
		}
		if bytes.Contains(data, []byte("auth")) || bytes.Contains(data, []byte("subscribe")) {
			// Token checks and channel loads need deep stacks; on the
			// reader's own stack they would stay for the socket's life.
			done := make(chan struct{})
			go func() { defer close(done); c.handle(data) }()
			<-done
			continue
		}
		c.handle(data)
	}
}

// tick pings the client and ends a socket idle too long.
func (c *conn) tick() {
	if isClosed(c.quit) {
		return
	}
	l := c.g.d.Limits
	if c.g.d.Now().Sub(time.Unix(0, c.lastRead.Load())) > l.IdleAfter {
		c.kill(ByeIdle, ClosePolicy)
		return
	}
	c.mu.Lock()
	c.pingT.Reset(min(l.PingEvery, l.IdleAfter/2))
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), l.PingEvery)
	defer cancel()
	if c.ws.Ping(ctx) == nil {
		c.lastRead.Store(c.g.d.Now().UnixNano())
	}
}

// writer drains the queue into the corked connection and writes it out
// when the queue is empty; it ends then, and runs again when a frame
// comes. Only one runs at a time: it is the socket's only writer of
// frames. Whatever queued while it wrote leaves in one write.
func (c *conn) writer() {
	c.cork()
	for {
		if isClosed(c.quit) {
			c.bye()
			return
		}
		if f := c.next(); f != nil {
			if err := c.writeOne(f); err != nil {
				c.writeFailed(err)
				return
			}
			continue
		}
		if err := c.flush(c.g.d.Limits.WriteTimeout); err != nil {
			c.writeFailed(err)
			return
		}
		c.qmu.Lock()
		if len(c.q) == 0 && !isClosed(c.quit) {
			c.writing = false
			c.qmu.Unlock()
			return
		}
		c.qmu.Unlock()
		c.cork()
	}
}

// writeFailed ends a socket whose frames were not taken: a slow consumer
// (the reader may notice the closed socket first).
func (c *conn) writeFailed(err error) {
	if errors.Is(err, context.DeadlineExceeded) || !isClosed(c.quit) {
		c.g.stats.SlowDropped.Add(1)
	}
	c.kill(ByeSlow, CloseSlow)
	c.ws.CloseNow()
	close(c.wdone)
}

// bye says why the socket ends and closes it.
func (c *conn) bye() {
	if c.byeCode != websocket.StatusNormalClosure {
		if c.writeOne(frame(ByeMsg{Type: TypeBye, Reason: c.byeReason})) == nil {
			_ = c.flush(time.Second)
		}
	} else {
		_ = c.flush(time.Second)
	}
	// The close handshake needs the reader; do not wait for it here.
	go func() {
		t := time.AfterFunc(3*time.Second, func() { c.ws.CloseNow() })
		_ = c.ws.Close(c.byeCode, c.byeReason)
		t.Stop()
	}()
	close(c.wdone)
}

func (c *conn) cork() {
	if c.cc != nil {
		c.cc.cork()
	}
}

// flush writes what the cork holds within d.
func (c *conn) flush(d time.Duration) error {
	if c.cc == nil {
		return nil
	}
	c.armWrite(d)
	err := c.cc.uncork()
	c.wt.Stop()
	if err != nil && c.timedOut.Load() {
		return fmt.Errorf("frames not taken in %v: %w", d, context.DeadlineExceeded)
	}
	return err
}

func (c *conn) armWrite(d time.Duration) {
	if c.wt == nil {
		c.wt = time.AfterFunc(time.Hour, func() {
			c.timedOut.Store(true)
			c.ws.CloseNow()
		})
	}
	c.wt.Reset(d)
}

// writeOne writes one frame within the write timeout. The timeout is one
// timer per socket, re-armed per frame: a context with a deadline per
// frame cost the fan-out more than the write itself.
func (c *conn) writeOne(f []byte) error {
	c.armWrite(c.g.d.Limits.WriteTimeout)
	err := c.ws.Write(context.Background(), websocket.MessageText, f)
	c.wt.Stop()
	if err != nil && c.timedOut.Load() {
		return fmt.Errorf("frame not taken in %v: %w", c.g.d.Limits.WriteTimeout, context.DeadlineExceeded)
	}
	return err
}

// handle decodes one frame and acts on it.
func (c *conn) handle(data []byte) {
	var head struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		OpID    string `json:"op_id"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Type == "" {
		c.enqueue(errFrame("", "", CodeBadRequest, "a frame is a JSON object with a type"))
		return
	}
	if head.Type == TypeAuth {
		var m AuthMsg
		if json.Unmarshal(data, &m) != nil {
			c.enqueue(errFrame("", "", CodeBadRequest, "auth needs a token"))
			return
		}
		c.auth(m.Token)
		return
	}
	if c.uid() == "" {
		c.enqueue(errFrame(head.Channel, head.OpID, CodeUnauthenticated, "send auth first"))
		return
	}
	bad := func(detail string) { c.enqueue(errFrame(head.Channel, head.OpID, CodeBadRequest, detail)) }
	switch head.Type {
	case TypePing:
		c.enqueue(frame(PongMsg{Type: TypePong}))
	case TypeSubscribe:
		var m SubscribeMsg
		if json.Unmarshal(data, &m) != nil || m.Since < 0 {
			bad("subscribe needs a channel and an optional since stamp")
			return
		}
		c.subscribe(m)
	case TypeUnsubscribe:
		c.mu.Lock()
		s := c.subs[head.Channel]
		delete(c.subs, head.Channel)
		c.mu.Unlock()
		if s == nil {
			c.enqueue(errFrame(head.Channel, "", CodeNotFound, "not subscribed"))
			return
		}
		s.ch.leave(s)
	case TypeOp, TypeUndo, TypeRedo, TypeCursor, TypeFollow:
		c.mu.Lock()
		s := c.subs[head.Channel]
		c.mu.Unlock()
		if s == nil {
			c.enqueue(errFrame(head.Channel, head.OpID, CodeNotFound, "subscribe to the channel first"))
			return
		}
		switch head.Type {
		case TypeOp:
			var m OpMsg
			if err := json.Unmarshal(data, &m); err != nil {
				bad("op: " + jsonDetail(err))
				return
			}
			c.op(s, &m)
		case TypeUndo, TypeRedo:
			c.undo(s, head.Type == TypeRedo)
		case TypeCursor:
			var m CursorMsg
			if json.Unmarshal(data, &m) != nil || !finite(m.X) || !finite(m.Y) {
				bad("cursor needs numbers x and y")
				return
			}
			if c.cursors.Allow() {
				s.ch.cursor(s, m.X, m.Y)
			}
		case TypeFollow:
			var m FollowMsg
			if json.Unmarshal(data, &m) != nil || !validMode(m.Mode) || !finite(m.Viewport.X) || !finite(m.Viewport.Y) ||
				!(m.Viewport.Zoom >= 0.1 && m.Viewport.Zoom <= 4) {
				bad("follow needs mode follow_me|bring_all|stop and a viewport {x, y, zoom 0.1–4}")
				return
			}
			s.ch.follow(s, m)
		}
	default:
		bad("unknown type " + quote(head.Type))
	}
}

func (c *conn) op(s *sub, m *OpMsg) {
	c.mu.Lock()
	b := c.bucket
	c.mu.Unlock()
	ok, abuse := c.g.allowOp(b)
	if !ok {
		c.g.stats.Refused.Add(1)
		c.enqueue(errFrame(m.Channel, m.OpID, CodeRateLimited, "too many operations; slow down"))
		if abuse {
			c.kill(ByeRate, ClosePolicy)
		}
		return
	}
	s.ch.op(s, m)
}

func (c *conn) undo(s *sub, redo bool) {
	c.mu.Lock()
	b := c.bucket
	c.mu.Unlock()
	if ok, _ := c.g.allowOp(b); !ok {
		c.enqueue(errFrame(s.ch.key, "", CodeRateLimited, "too many operations; slow down"))
		return
	}
	s.ch.undo(s, redo)
}

// auth verifies a token: the first one names the socket's person, later
// ones must name the same person and move the expiry.
func (c *conn) auth(token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := c.g.d.Verifier.Verify(ctx, token)
	if err != nil {
		if isAuthErr(err) {
			c.kill(ByeAuth, CloseAuth)
			return
		}
		slog.Warn("realtime: token not verified", "err", err.Error())
		c.enqueue(errFrame("", "", CodeUnavailable, "could not verify the token now; retry"))
		return
	}
	now := c.g.d.Now()
	exp := c.g.d.TokenExpiry(token)
	if !exp.After(now) || !authz.ValidDocID(p.UID) {
		c.kill(ByeAuth, CloseAuth)
		return
	}
	c.mu.Lock()
	if c.p != nil && c.p.UID != p.UID {
		c.mu.Unlock()
		c.kill(ByeAuth, CloseAuth)
		return
	}
	first := c.p == nil
	c.p, c.expires = p, exp
	if c.expT != nil {
		c.expT.Stop()
	}
	c.expT = time.AfterFunc(exp.Sub(now), func() {
		c.mu.Lock()
		expired := !c.expires.After(c.g.d.Now())
		c.mu.Unlock()
		if expired {
			c.kill(ByeAuth, CloseAuth)
		}
	})
	c.mu.Unlock()
	if first {
		b := c.g.bucket(p.UID)
		name := c.g.displayName(ctx, p.UID)
		c.mu.Lock()
		c.bucket, c.name = b, name
		c.mu.Unlock()
	}
	c.enqueue(frame(ReadyMsg{Type: TypeReady, UID: p.UID, Instance: c.g.d.Instance, ExpiresAt: exp.UTC()}))
}

func isAuthErr(err error) bool {
	for _, e := range []error{auth.ErrNoToken, auth.ErrMalformed, auth.ErrExpired, auth.ErrInvalid, auth.ErrRevoked, auth.ErrDisabled} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// displayName is the person's name for presence lists ("" when unknown).
func (g *Gateway) displayName(ctx context.Context, uid string) string {
	snap, err := g.d.Firestore.Collection("users").Doc(uid).Get(ctx)
	if err != nil {
		return ""
	}
	var u struct {
		DisplayName string `firestore:"display_name"`
	}
	if snap.DataTo(&u) != nil {
		return ""
	}
	return u.DisplayName
}
