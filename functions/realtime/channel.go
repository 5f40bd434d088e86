package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/canvas"
)

// Channel kinds.
const (
	kindCanvas  = "canvas"
	kindSession = "session"
)

// sub is one socket's subscription to one channel. Its role is cached and
// read atomically before every delivery and op; everything else is
// guarded by the channel's mutex.
type sub struct {
	c    *conn
	ch   *channel
	uid  string
	role atomic.Int32 // rank of the role; 0: no access (revoked)

	subj    canvas.Subject // canvas channels
	rel     sessRel        // session channels
	timer   *time.Timer    // re-decides at the share's expiry
	revoked bool
	left    atomic.Bool // released its hold on the channel
}

func rank(role string) int32 {
	switch role {
	case canvas.RoleViewer:
		return 1
	case canvas.RoleEditor:
		return 2
	case canvas.RoleOwner:
		return 3
	}
	return 0
}

func roleName(r int32) string {
	return [...]string{canvas.RoleNone, canvas.RoleViewer, canvas.RoleEditor, canvas.RoleOwner}[min(max(r, 0), 3)]
}

// canView is the access check of the delivery path.
func (s *sub) canView() bool { return s.role.Load() > 0 }

// canEdit is the access check of the op path.
func (s *sub) canEdit() bool { return s.role.Load() >= 2 }

// channel is one canvas or session active on this instance: its
// subscribers, its listeners and (canvas) its elements in memory.
type channel struct {
	g              *Gateway
	key, kind, id  string
	org            string
	ctx            context.Context
	cancel         context.CancelFunc
	ready          chan struct{}
	loadCode       string // error code when loading failed
	refs           int    // subscribers and those waiting for the load (g.mu)
	wg             sync.WaitGroup
	refreshing     atomic.Bool
	refreshAgain   atomic.Bool
	logKick        chan struct{}
	started        time.Time
	presenceColl   *firestore.CollectionRef
	sessionRef     *firestore.DocumentRef // the session (of a session channel or a session canvas)
	stopOnce       sync.Once
	flushMu        sync.Mutex // one flush of element writes at a time
	elementsColl   *firestore.CollectionRef
	opsColl        *firestore.CollectionRef
	canvasRef      *firestore.DocumentRef
	consentSubject atomic.Bool // some subscriber's access rests on consent

	mu    sync.Mutex
	subs  map[*sub]struct{}
	meta  *canvas.Meta
	sess  *sessionInfo
	elems map[string]*canvas.Element
	live  int
	locks map[string]elemLock
	// pending op log entries (one write in flight per canvas)
	logQ    []logPatch
	logBusy bool
	// seq numbers the accepted patches; an element document is written
	// only once the log entries of its patches are, so other instances
	// see an op through the log (with its op_id, from and sent_at) before
	// its element document.
	seq, loggedSeq uint64
	dirtySeq       map[string]uint64
	// element documents to write: the merged pending patch and last write
	dirty     map[string]*canvas.Element
	lastWrite map[string]time.Time
	history   map[string]*history
	recent    map[string]*recentOps // accepted op ids by person
	marking   bool                  // dirty_since write under way or done for this dirt

	// session channel
	changed     map[string]bool
	sessTimer   *time.Timer
	lastSession time.Time
	drawsWatch  map[string]context.CancelFunc

	// presence
	pres *presence
}

type elemLock struct {
	uid   string
	until time.Time
}

// logPatch is one accepted change as the op log stores it.
type logPatch struct {
	patch  canvas.Patch
	opID   string
	from   string
	sentAt *float64
	size   int    // encoded size, to bound a log entry
	seq    uint64 // order of acceptance
}

// parseChannel splits "canvas:{id}" / "session:{id}".
func parseChannel(key string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(key, ":")
	if !ok || (kind != kindCanvas && kind != kindSession) || !authz.ValidDocID(id) || strings.Contains(id, "/") {
		return "", "", false
	}
	return kind, id, true
}

// subscribe runs on the socket's reader: it finds or loads the channel,
// decides access and sends the snapshot.
func (c *conn) subscribe(m SubscribeMsg) {
	kind, id, ok := parseChannel(m.Channel)
	if !ok {
		c.enqueue(errFrame(m.Channel, "", CodeBadRequest, "channel is canvas:{id} or session:{id}"))
		return
	}
	c.mu.Lock()
	_, dup := c.subs[m.Channel]
	p := c.p
	c.mu.Unlock()
	if dup {
		c.enqueue(errFrame(m.Channel, "", CodeBadRequest, "already subscribed"))
		return
	}
	g := c.g
	ch := g.acquire(kind, id, m.Channel)
	release := true
	defer func() {
		if release {
			g.release(ch)
		}
	}()
	select {
	case <-ch.ready:
	case <-time.After(g.d.Limits.LoadTimeout):
		c.enqueue(errFrame(m.Channel, "", CodeUnavailable, "the channel did not load in time; retry"))
		return
	}
	if ch.loadCode != "" {
		detail := "no such " + kind
		if ch.loadCode == CodeUnavailable {
			detail = "could not load the channel; retry"
		}
		c.enqueue(errFrame(m.Channel, "", ch.loadCode, detail))
		return
	}
	s := &sub{c: c, ch: ch, uid: p.UID}
	ctx, cancel := context.WithTimeout(context.Background(), g.d.Limits.LoadTimeout)
	defer cancel()
	var err error
	if kind == kindCanvas {
		err = ch.subscribeCanvas(ctx, s, m.Since)
	} else {
		err = ch.subscribeSession(ctx, s)
	}
	if err != nil {
		code := CodeUnavailable
		if errors.Is(err, errNoAccess) {
			code = CodeNotFound
		}
		c.enqueue(errFrame(m.Channel, "", code, errDetail(err)))
		return
	}
	c.mu.Lock()
	if _, dup := c.subs[m.Channel]; dup || isClosed(c.quit) {
		c.mu.Unlock()
		ch.leave(s)
		release = false // leave released it
		return
	}
	c.subs[m.Channel] = s
	c.mu.Unlock()
	release = false
	ch.pres.join(s, c.name)
}

var errNoAccess = errors.New("no such channel, or no access to it")

func errDetail(err error) string {
	if errors.Is(err, errNoAccess) {
		return errNoAccess.Error()
	}
	return "could not decide access now; retry"
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// acquire finds or starts the channel and counts the caller in.
func (g *Gateway) acquire(kind, id, key string) *channel {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch := g.channels[key]
	if ch == nil {
		ch = &channel{g: g, key: key, kind: kind, id: id, ready: make(chan struct{}), subs: map[*sub]struct{}{},
			elems: map[string]*canvas.Element{}, locks: map[string]elemLock{}, dirty: map[string]*canvas.Element{},
			lastWrite: map[string]time.Time{}, dirtySeq: map[string]uint64{}, history: map[string]*history{}, recent: map[string]*recentOps{}, changed: map[string]bool{},
			drawsWatch: map[string]context.CancelFunc{}, logKick: make(chan struct{}, 1), started: g.d.Now()}
		ch.ctx, ch.cancel = context.WithCancel(g.ctx)
		g.channels[key] = ch
		go ch.load()
	}
	ch.refs++
	return ch
}

// release counts one subscriber out; the last one closes the channel.
func (g *Gateway) release(ch *channel) {
	g.mu.Lock()
	ch.refs--
	last := ch.refs <= 0
	if last && g.channels[ch.key] == ch {
		delete(g.channels, ch.key)
	}
	g.mu.Unlock()
	if last {
		go ch.stop()
	}
}

// stop ends the listeners and writes what is pending.
func (ch *channel) stop() {
	ch.stopOnce.Do(func() {
		ch.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ch.flushAll(ctx)
		ch.wg.Wait()
		ch.mu.Lock()
		if ch.sessTimer != nil {
			ch.sessTimer.Stop()
		}
		for s := range ch.subs {
			if s.timer != nil {
				s.timer.Stop()
			}
		}
		ch.mu.Unlock()
	})
}

// leave removes s (unsubscribe, socket closed) and releases the channel.
func (ch *channel) leave(s *sub) {
	if !s.left.CompareAndSwap(false, true) {
		return
	}
	ch.mu.Lock()
	_, had := ch.subs[s]
	delete(ch.subs, s)
	if s.timer != nil {
		s.timer.Stop()
	}
	ch.mu.Unlock()
	if had {
		ch.pres.leave(s)
	}
	ch.g.release(ch)
}

// go runs f as one of the channel's background tasks.
func (ch *channel) spawn(f func()) {
	ch.wg.Add(1)
	go func() { defer ch.wg.Done(); f() }()
}

// load reads the channel's documents and starts its listeners.
func (ch *channel) load() {
	defer close(ch.ready)
	ctx, cancel := context.WithTimeout(ch.ctx, ch.g.d.Limits.LoadTimeout)
	defer cancel()
	var err error
	if ch.kind == kindCanvas {
		err = ch.loadCanvas(ctx)
	} else {
		err = ch.loadSession(ctx)
	}
	switch {
	case errors.Is(err, errNoAccess):
		ch.loadCode = CodeNotFound
	case err != nil:
		slog.Warn("realtime: channel not loaded", "channel", ch.key, "err", err.Error())
		ch.loadCode = CodeUnavailable
	}
	if ch.loadCode != "" {
		// Nobody may use it; the next subscribe loads it afresh.
		ch.g.mu.Lock()
		if ch.g.channels[ch.key] == ch {
			delete(ch.g.channels, ch.key)
		}
		ch.g.mu.Unlock()
		ch.cancel()
	}
}

func notFound(err error) bool { return status.Code(err) == codes.NotFound }

// loadCanvas finds the canvas's org, reads its document and its
// elements, and starts the listeners (elements, op log, document,
// presence, and the session's membership for a session canvas).
func (ch *channel) loadCanvas(ctx context.Context) error {
	fs := ch.g.d.Firestore
	ix, err := fs.Collection("canvas_index").Doc(ch.id).Get(ctx)
	if notFound(err) {
		return errNoAccess
	}
	if err != nil {
		return fmt.Errorf("read canvas index: %w", err)
	}
	org, _ := ix.Data()["org"].(string)
	if !authz.ValidOrgID(org) {
		return errNoAccess
	}
	ch.org = org
	ch.canvasRef = fs.Collection("orgs").Doc(org).Collection("canvases").Doc(ch.id)
	ch.elementsColl = ch.canvasRef.Collection("elements")
	ch.opsColl = ch.canvasRef.Collection("ops")
	ch.presenceColl = ch.canvasRef.Collection("presence")
	snap, err := ch.canvasRef.Get(ctx)
	if notFound(err) {
		return errNoAccess
	}
	if err != nil {
		return fmt.Errorf("read canvas: %w", err)
	}
	meta, err := decodeMeta(snap)
	if err != nil {
		return err
	}
	if meta.SessionID != "" {
		si, err := ch.g.readSession(ctx, org, meta.SessionID)
		if err != nil {
			return err
		}
		ch.sess = si
		if si != nil {
			ch.sessionRef = si.ref
		}
	}
	ch.meta = meta
	ch.pres = newPresence(ch)
	// The first snapshot of the elements listener is the state.
	first := make(chan error, 1)
	ch.spawn(func() { ch.listenElements(first) })
	select {
	case err := <-first:
		if err != nil {
			return fmt.Errorf("read elements: %w", err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	ch.spawn(ch.listenOps)
	ch.spawn(ch.listenMeta)
	ch.spawn(ch.logLoop)
	ch.spawn(ch.elementLoop)
	ch.spawn(ch.pres.loop)
	ch.spawn(ch.pres.listen)
	ch.spawn(ch.consentLoop)
	if ch.sessionRef != nil {
		ch.spawn(func() { ch.listenMembership(nil) })
	}
	return nil
}

func decodeMeta(snap *firestore.DocumentSnapshot) (*canvas.Meta, error) {
	var m canvas.Meta
	if err := snap.DataTo(&m); err != nil {
		return nil, fmt.Errorf("decode canvas: %w", err)
	}
	m.ID = snap.Ref.ID
	return &m, nil
}

// listen runs a query listener until the channel stops, re-listening
// after errors; f sees every snapshot (the first of each listen is whole).
func (ch *channel) listen(q firestore.Query, f func(*firestore.QuerySnapshot), failed func(error)) {
	backoff := 100 * time.Millisecond
	for ch.ctx.Err() == nil {
		it := q.Snapshots(ch.ctx)
		for {
			snap, err := it.Next()
			if err != nil {
				if ch.ctx.Err() == nil {
					slog.Warn("realtime: listener failed; listening again", "channel", ch.key, "err", err.Error())
					if failed != nil {
						failed(err)
						failed = nil
					}
				}
				break
			}
			backoff = 100 * time.Millisecond
			f(snap)
		}
		it.Stop()
		select {
		case <-ch.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// listenDoc is listen for one document.
func (ch *channel) listenDoc(ref *firestore.DocumentRef, f func(*firestore.DocumentSnapshot)) {
	backoff := 100 * time.Millisecond
	for ch.ctx.Err() == nil {
		it := ref.Snapshots(ch.ctx)
		for {
			snap, err := it.Next()
			if err != nil {
				if ch.ctx.Err() == nil {
					slog.Warn("realtime: listener failed; listening again", "channel", ch.key, "err", err.Error())
				}
				break
			}
			f(snap)
		}
		it.Stop()
		select {
		case <-ch.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// listenElements merges every element document change; only the
// effective part (what this instance had not seen) is delivered.
//
// Another instance's change reaches this one twice: through the op log
// (with its op_id, from and sent_at) and through the element document.
// The two listeners race, so a document holding another clock node's
// stamps waits RemoteHold before it is merged: the op log normally
// delivers the change first, with its identity, and the document then
// merges to nothing; changes that never ride the op log (the canvas
// API's restore) still arrive, a moment later.
func (ch *channel) listenElements(first chan<- error) {
	once := sync.Once{}
	loaded := false
	ch.listen(ch.elementsColl.Query, func(snap *firestore.QuerySnapshot) {
		ch.mu.Lock()
		var held []canvas.Patch
		for _, c := range snap.Changes {
			if c.Kind == firestore.DocumentRemoved {
				continue // TTL removal of an element deleted 30 days ago
			}
			p := decodePatch(c.Doc.Ref.ID, c.Doc.Data())
			if loaded && ch.foreign(p) {
				held = append(held, p)
				continue
			}
			ch.deliverLocked(ch.mergeLocked(p, "", "", nil), nil)
		}
		loaded = true
		ch.mu.Unlock()
		if len(held) > 0 {
			time.AfterFunc(ch.g.d.Limits.RemoteHold, func() {
				ch.mu.Lock()
				defer ch.mu.Unlock()
				if ch.ctx.Err() != nil {
					return
				}
				for _, p := range held {
					ch.deliverLocked(ch.mergeLocked(p, "", "", nil), nil)
				}
			})
		}
		once.Do(func() { first <- nil })
	}, func(err error) { once.Do(func() { first <- err }) })
}

// foreign reports a patch carrying a stamp of another clock node that
// this instance does not hold yet.
func (ch *channel) foreign(p canvas.Patch) bool {
	node := canvas.Stamp(ch.g.d.Node)
	e := ch.elems[p.ID]
	for k, s := range p.Stamps {
		if s&(1<<canvas.NodeBits-1) == node {
			continue
		}
		if e == nil || e.Stamps[k] < s {
			return true
		}
	}
	return false
}

// listenOps delivers other instances' accepted ops from the op log.
func (ch *channel) listenOps() {
	since := ch.started.Add(-5 * time.Second).UnixMilli()
	ch.listen(ch.opsColl.Where("t", ">=", since), func(snap *firestore.QuerySnapshot) {
		ch.mu.Lock()
		defer ch.mu.Unlock()
		for _, c := range snap.Changes {
			if c.Kind != firestore.DocumentAdded {
				continue
			}
			d := c.Doc.Data()
			if inst, _ := d["instance"].(string); inst == ch.g.d.Instance {
				continue
			}
			list, _ := d["patches"].([]any)
			for _, item := range list {
				m, _ := item.(map[string]any)
				if m == nil {
					continue
				}
				id, _ := m["id"].(string)
				if !authz.ValidDocID(id) {
					continue
				}
				p := decodePatch(id, m)
				opID, _ := m["op_id"].(string)
				from, _ := m["from"].(string)
				var sentAt *float64
				if v, ok := toFloat(m["sent_at"]); ok {
					sentAt = &v
				}
				if f := ch.mergeLocked(p, opID, from, sentAt); f != nil {
					ch.deliverLocked(f, nil)
				}
			}
		}
	}, nil)
}

// listenMeta re-decides every subscriber's access when the canvas
// document changes (shares, visibility, trash).
func (ch *channel) listenMeta() {
	ch.listenDoc(ch.canvasRef, func(snap *firestore.DocumentSnapshot) {
		var meta *canvas.Meta
		if !snap.Exists() {
			// Confirm before revoking everyone: a listener may report a
			// document missing for a moment while a transaction writes it.
			ctx, cancel := context.WithTimeout(ch.ctx, 10*time.Second)
			again, err := ch.canvasRef.Get(ctx)
			cancel()
			switch {
			case err == nil:
				snap = again
			case !notFound(err):
				return
			}
		}
		if snap.Exists() {
			m, err := decodeMeta(snap)
			if err != nil {
				slog.Warn("realtime: canvas document not decodable", "channel", ch.key, "err", err.Error())
				return
			}
			meta = m
		}
		ch.mu.Lock()
		sessionChanged := meta != nil && ch.meta != nil && meta.SessionID != ch.meta.SessionID
		ch.meta = meta
		if meta != nil && meta.DirtySince == nil {
			ch.marking = false // a snapshot was taken: the next op marks again
		}
		for s := range ch.subs {
			ch.decideLocked(s)
		}
		ch.mu.Unlock()
		if sessionChanged {
			ch.refreshAccess()
		}
	})
}

// mergeLocked merges p into the element map and returns the op frame of
// its effective part (nil when nothing changed).
func (ch *channel) mergeLocked(p canvas.Patch, opID, from string, sentAt *float64) []byte {
	e := ch.elems[p.ID]
	if e == nil {
		e = &canvas.Element{ID: p.ID}
		ch.elems[p.ID] = e
	}
	wasLive := e.Kind != "" && !e.Deleted()
	eff := e.Merge(p)
	if eff.Empty() {
		if e.Kind == "" && len(e.Props) == 0 {
			delete(ch.elems, p.ID)
		}
		return nil
	}
	ch.g.clock.Observe(eff.Max())
	ch.countLocked(wasLive, e)
	return frame(OpOutMsg{Type: TypeOp, Channel: ch.key, OpID: opID, From: from, Patch: eff, SentAt: sentAt})
}

func (ch *channel) countLocked(wasLive bool, e *canvas.Element) {
	isLive := e.Kind != "" && !e.Deleted()
	switch {
	case wasLive && !isLive:
		ch.live--
	case !wasLive && isLive:
		ch.live++
	}
}

// deliverLocked sends f to every subscriber with access but except.
func (ch *channel) deliverLocked(f []byte, except *sub) {
	if f == nil {
		return
	}
	for s := range ch.subs {
		if s == except || !s.canView() {
			continue
		}
		s.c.enqueue(f)
		ch.g.stats.Delivered.Add(1)
	}
}

// subscribeCanvas decides s's access and sends the snapshot; the
// subscriber is added under the same lock, so no change is missed or
// doubled between the snapshot and the ops that follow.
func (ch *channel) subscribeCanvas(ctx context.Context, s *sub, since canvas.Stamp) error {
	ch.mu.Lock()
	meta, si := ch.meta, ch.sess
	ch.mu.Unlock()
	if meta == nil {
		return errNoAccess
	}
	subj, err := ch.g.subject(ctx, meta, si, s.uid)
	if err != nil {
		return err
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.meta == nil {
		return errNoAccess
	}
	s.subj = subj
	role, until := canvas.Decide(ch.meta, subj, ch.g.d.Now())
	if !canvas.CanView(role) {
		return errNoAccess
	}
	s.role.Store(rank(role))
	ch.armLocked(s, until)
	if ch.sess != nil && subj.Session == canvas.SessionFacilitator && !subj.OwnerIsFacilitator && s.uid != ch.meta.Owner {
		ch.consentSubject.Store(true)
	}
	snap := SnapshotMsg{Type: TypeSnapshot, Channel: ch.key, Role: role, Elements: []canvas.Patch{}, Complete: since == 0}
	skew := canvas.Stamp(5*time.Second/time.Microsecond) << canvas.NodeBits
	for _, e := range ch.elems {
		mx := e.Max()
		snap.Cursor = max(snap.Cursor, mx)
		if e.Kind == "" || (since > 0 && mx <= since-skew) {
			continue
		}
		snap.Elements = append(snap.Elements, e.Full())
	}
	slices.SortFunc(snap.Elements, func(a, b canvas.Patch) int { return strings.Compare(a.ID, b.ID) })
	ch.subs[s] = struct{}{}
	s.c.enqueue(frame(snap))
	return nil
}

// armLocked re-decides s at until (a share's expiry).
func (ch *channel) armLocked(s *sub, until time.Time) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if until.IsZero() {
		return
	}
	d := until.Sub(ch.g.d.Now()) + time.Millisecond
	s.timer = time.AfterFunc(max(d, 0), func() {
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if _, ok := ch.subs[s]; ok {
			ch.decideLocked(s)
		}
	})
}

// decideLocked applies the access rule to s with the current document
// and s's subject: a changed role is announced, a lost one revokes.
func (ch *channel) decideLocked(s *sub) {
	if s.revoked {
		return
	}
	var role string
	var until time.Time
	if ch.kind == kindCanvas {
		role, until = canvas.Decide(ch.meta, s.subj, ch.g.d.Now())
	} else if s.rel != relNone {
		role = canvas.RoleViewer
	}
	if !canvas.CanView(role) {
		ch.revokeLocked(s)
		return
	}
	old := s.role.Swap(rank(role))
	if ch.kind == kindCanvas {
		ch.armLocked(s, until)
		if old != rank(role) {
			s.c.enqueue(frame(AccessMsg{Type: TypeAccess, Channel: ch.key, Role: role}))
		}
	}
}

// revokeLocked ends s: the revoked frame is the last of the channel the
// socket gets (s leaves the channel under the same lock deliveries take).
func (ch *channel) revokeLocked(s *sub) {
	s.role.Store(0)
	s.revoked = true
	if s.timer != nil {
		s.timer.Stop()
	}
	delete(ch.subs, s)
	s.c.enqueue(frame(RevokedMsg{Type: TypeRevoked, Channel: ch.key}))
	go func() {
		c := s.c
		c.mu.Lock()
		if c.subs[ch.key] == s {
			delete(c.subs, ch.key)
		}
		c.mu.Unlock()
		if s.left.CompareAndSwap(false, true) {
			ch.pres.leave(s)
			ch.g.release(ch)
		}
	}()
}

// refreshAccess re-reads every subscriber's subject (session relation,
// the owner's consent) and re-decides; concurrent calls coalesce.
func (ch *channel) refreshAccess() {
	ch.refreshAgain.Store(true)
	if !ch.refreshing.CompareAndSwap(false, true) {
		return // the running refresh sees the request
	}
	go func() {
		for {
			for ch.refreshAgain.Swap(false) && ch.ctx.Err() == nil {
				ch.refreshOnce()
			}
			ch.refreshing.Store(false)
			if !ch.refreshAgain.Load() || ch.ctx.Err() != nil || !ch.refreshing.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

func (ch *channel) refreshOnce() {
	ctx, cancel := context.WithTimeout(ch.ctx, 10*time.Second)
	defer cancel()
	ch.mu.Lock()
	subs := make([]*sub, 0, len(ch.subs))
	for s := range ch.subs {
		subs = append(subs, s)
	}
	meta := ch.meta
	ch.mu.Unlock()
	var si *sessionInfo
	var err error
	if ch.sessionRef != nil {
		si, err = ch.g.readSessionRef(ctx, ch.sessionRef)
		if err != nil {
			slog.Warn("realtime: session not re-read", "channel", ch.key, "err", err.Error())
			return
		}
	}
	subjects := map[*sub]canvas.Subject{}
	rels := map[*sub]sessRel{}
	consent := false
	for _, s := range subs {
		if ch.kind == kindCanvas {
			if meta == nil {
				continue
			}
			subj, err := ch.g.subject(ctx, meta, si, s.uid)
			if err != nil {
				slog.Warn("realtime: access not re-read", "channel", ch.key, "err", err.Error())
				return
			}
			subjects[s] = subj
			if si != nil && subj.Session == canvas.SessionFacilitator && !subj.OwnerIsFacilitator && s.uid != meta.Owner {
				consent = true
			}
		} else {
			rel, err := ch.g.sessionRel(ctx, si, s.uid)
			if err != nil {
				slog.Warn("realtime: access not re-read", "channel", ch.key, "err", err.Error())
				return
			}
			rels[s] = rel
		}
	}
	ch.consentSubject.Store(consent)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if si != nil {
		ch.sess = si
	}
	for s := range ch.subs {
		if subj, ok := subjects[s]; ok {
			s.subj = subj
		} else if rel, ok := rels[s]; ok {
			s.rel = rel
		} else {
			continue // joined meanwhile, with a fresh subject
		}
		ch.decideLocked(s)
	}
}

// consentLoop re-reads consent-based access every few seconds, only
// while some subscriber's access rests on it.
func (ch *channel) consentLoop() {
	t := time.NewTicker(ch.g.d.Limits.ConsentEvery)
	defer t.Stop()
	for {
		select {
		case <-ch.ctx.Done():
			return
		case <-t.C:
			if ch.consentSubject.Load() {
				ch.refreshAccess()
			}
		}
	}
}

// listenMembership re-decides access when the session's document
// (facilitators) or its members change: two listeners per channel,
// whatever the number of subscribers. extra sees session document
// snapshots too (session channels).
func (ch *channel) listenMembership(extra func(*firestore.DocumentSnapshot)) {
	ch.spawn(func() {
		first := true
		ch.listen(ch.sessionRef.Collection("members").Query, func(*firestore.QuerySnapshot) {
			if first {
				first = false
				return
			}
			ch.refreshAccess()
		}, nil)
	})
	first := true
	ch.listenDoc(ch.sessionRef, func(snap *firestore.DocumentSnapshot) {
		if extra != nil {
			extra(snap)
		}
		if first {
			first = false
			return
		}
		ch.refreshAccess()
	})
}

// decodePatch reads an element document (or an op log patch) as a patch.
func decodePatch(id string, d map[string]any) canvas.Patch {
	p := canvas.Patch{ID: id, Props: map[string]any{}, Stamps: map[string]canvas.Stamp{}}
	p.Kind, _ = d["kind"].(string)
	p.Owner, _ = d["owner"].(string)
	props, _ := d["props"].(map[string]any)
	stamps, _ := d["stamps"].(map[string]any)
	for k, v := range stamps {
		s, ok := toInt(v)
		if !ok {
			continue
		}
		p.Stamps[k] = canvas.Stamp(s)
		p.Props[k] = props[k]
	}
	return p
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return 0, false
}

func finite(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) <= canvas.MaxCoordinate
}

func validMode(m string) bool { return slices.Contains(FollowModes, m) }

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strconv.Quote(s)
}

func jsonDetail(err error) string {
	var te interface{ Error() string }
	if errors.As(err, &te) {
		msg := te.Error()
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return strings.TrimPrefix(msg, "json: ")
	}
	return "malformed"
}
