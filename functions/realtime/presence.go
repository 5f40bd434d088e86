package realtime

import (
	"context"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/canvas"
)

// presence keeps a channel's presence documents (one per person here,
// written on join and leave, every PresenceEvery, and with the cursor at
// most every CursorWrite) and turns the presence collection, which every
// instance writes, into presence frames.
type presence struct {
	ch *channel

	mu    sync.Mutex
	local map[string]*localPerson
	docs  map[string]presenceDoc // the collection as last listened
	sent  string                 // the list last delivered
	// The list goes out at most once per PresenceCoalesce: a rewrite seen
	// as a removal then an add, or a quick reconnect, changes nothing, and
	// a crowd joining costs one list per window rather than one per person.
	timer *time.Timer
}

type localPerson struct {
	n          int // subscriptions of this person here
	name, role string
	joined     time.Time
	cursor     *[2]float64
	cursorDue  bool
	lastCursor time.Time
	follow     *FollowOutMsg
}

type presenceDoc struct {
	UID      string
	Name     string
	Color    string
	Role     string
	Instance string
	Joined   time.Time
	Expire   time.Time
	Cursor   *[2]float64
	Follow   *FollowOutMsg
	FollowAt int64
}

func newPresence(ch *channel) *presence {
	return &presence{ch: ch, local: map[string]*localPerson{}, docs: map[string]presenceDoc{}}
}

// colorOf is a stable colour per person.
func colorOf(uid string) string {
	h := fnv.New32a()
	h.Write([]byte(uid))
	palette := []string{"#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#469990", "#9a6324", "#800000"}
	return palette[h.Sum32()%uint32(len(palette))]
}

func (p *presence) join(s *sub, name string) {
	if p == nil {
		return
	}
	role := roleName(s.role.Load())
	if p.ch.kind == kindSession {
		role = s.rel.String()
	}
	p.mu.Lock()
	lp := p.local[s.uid]
	if lp == nil {
		lp = &localPerson{name: name, role: role, joined: p.ch.g.d.Now()}
		p.local[s.uid] = lp
	}
	lp.n++
	first := lp.n == 1
	p.mu.Unlock()
	// A new subscriber gets the list as it is now.
	p.mu.Lock()
	list, count := p.listLocked()
	p.mu.Unlock()
	s.c.enqueue(frame(PresenceMsg{Type: TypePresence, Channel: p.ch.key, People: list, Count: count}))
	if first {
		p.write(s.uid, nil)
	}
}

func (p *presence) leave(s *sub) {
	if p == nil {
		return
	}
	p.mu.Lock()
	lp := p.local[s.uid]
	gone := false
	if lp != nil {
		lp.n--
		if lp.n <= 0 {
			delete(p.local, s.uid)
			gone = true
		}
	}
	p.mu.Unlock()
	if gone {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := p.ch.presenceColl.Doc(s.uid).Delete(ctx); err != nil {
			slog.Warn("realtime: presence not removed", "channel", p.ch.key, "err", err.Error())
		}
	}
}

// write stores uid's presence document (with the cursor when due).
func (p *presence) write(uid string, ctx context.Context) {
	if ctx == nil {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctx = c
	}
	now := p.ch.g.d.Now()
	p.mu.Lock()
	lp := p.local[uid]
	if lp == nil {
		p.mu.Unlock()
		return
	}
	data := map[string]any{"uid": uid, "name": lp.name, "color": colorOf(uid), "role": lp.role,
		"instance": p.ch.g.d.Instance, "joinedAt": lp.joined, "lastSeen": now, "expireAt": now.Add(p.ch.g.d.Limits.PresenceTTL)}
	if lp.cursor != nil {
		data["cursor"] = map[string]any{"x": lp.cursor[0], "y": lp.cursor[1]}
		lp.cursorDue, lp.lastCursor = false, now
	}
	if lp.follow != nil {
		data["follow"] = map[string]any{"mode": lp.follow.Mode, "x": lp.follow.Viewport.X, "y": lp.follow.Viewport.Y,
			"zoom": lp.follow.Viewport.Zoom, "at": now.UnixMilli()}
		lp.follow = nil
	}
	p.mu.Unlock()
	if _, err := p.ch.presenceColl.Doc(uid).Set(ctx, data); err != nil && p.ch.ctx.Err() == nil {
		slog.Warn("realtime: presence not written", "channel", p.ch.key, "err", err.Error())
	}
}

// loop writes heartbeats and due cursors, and drops expired people.
func (p *presence) loop() {
	l := p.ch.g.d.Limits
	tick := time.NewTicker(max(l.CursorWrite/4, 10*time.Millisecond))
	defer tick.Stop()
	lastBeat := p.ch.g.d.Now()
	for {
		select {
		case <-p.ch.ctx.Done():
			return
		case <-tick.C:
		}
		now := p.ch.g.d.Now()
		beat := now.Sub(lastBeat) >= l.PresenceEvery
		if beat {
			lastBeat = now
		}
		var due []string
		p.mu.Lock()
		for uid, lp := range p.local {
			if beat || (lp.cursorDue && now.Sub(lp.lastCursor) >= l.CursorWrite) {
				due = append(due, uid)
			}
		}
		p.mu.Unlock()
		for _, uid := range due {
			p.write(uid, p.ch.ctx)
		}
		if beat {
			p.publish()
		}
	}
}

// listen follows the presence collection: people of every instance.
func (p *presence) listen() {
	p.ch.listen(p.ch.presenceColl.Query, func(snap *firestore.QuerySnapshot) {
		var remote []presenceDoc
		p.mu.Lock()
		for _, c := range snap.Changes {
			id := c.Doc.Ref.ID
			if c.Kind == firestore.DocumentRemoved {
				delete(p.docs, id)
				continue
			}
			d := decodePresence(c.Doc.Data())
			d.UID = id
			old := p.docs[id]
			p.docs[id] = d
			if d.Instance != p.ch.g.d.Instance {
				if d.Cursor != nil && (old.Cursor == nil || *old.Cursor != *d.Cursor) {
					remote = append(remote, presenceDoc{UID: id, Cursor: d.Cursor})
				}
				if d.Follow != nil && d.FollowAt != old.FollowAt {
					remote = append(remote, presenceDoc{UID: id, Follow: d.Follow})
				}
			}
		}
		p.mu.Unlock()
		p.publish()
		if len(remote) == 0 {
			return
		}
		p.ch.mu.Lock()
		defer p.ch.mu.Unlock()
		for _, r := range remote {
			if r.Cursor != nil {
				p.ch.deliverLocked(frame(CursorOutMsg{Type: TypeCursor, Channel: p.ch.key, UID: r.UID, X: r.Cursor[0], Y: r.Cursor[1]}), nil)
			}
			if r.Follow != nil {
				f := *r.Follow
				f.From, f.Channel = r.UID, p.ch.key
				p.ch.deliverLocked(frame(f), nil)
			}
		}
	}, nil)
}

func decodePresence(d map[string]any) presenceDoc {
	var out presenceDoc
	out.Name, _ = d["name"].(string)
	out.Color, _ = d["color"].(string)
	out.Role, _ = d["role"].(string)
	out.Instance, _ = d["instance"].(string)
	out.Expire, _ = d["expireAt"].(time.Time)
	out.Joined, _ = d["joinedAt"].(time.Time)
	if c, ok := d["cursor"].(map[string]any); ok {
		x, ok1 := toFloat(c["x"])
		y, ok2 := toFloat(c["y"])
		if ok1 && ok2 {
			out.Cursor = &[2]float64{x, y}
		}
	}
	if f, ok := d["follow"].(map[string]any); ok {
		m := FollowOutMsg{Type: TypeFollow}
		m.Mode, _ = f["mode"].(string)
		m.Viewport.X, _ = toFloat(f["x"])
		m.Viewport.Y, _ = toFloat(f["y"])
		m.Viewport.Zoom, _ = toFloat(f["zoom"])
		at, _ := toInt(f["at"])
		if validMode(m.Mode) {
			out.Follow, out.FollowAt = &m, at
		}
	}
	return out
}

// listLocked is the presence list: the first PresenceList unexpired
// people by join time (then uid), and how many there are in all. The
// list is capped so that a crowd on one channel costs each socket a
// bounded frame, not one growing with the crowd; one pass keeps it
// linear in the people.
func (p *presence) listLocked() ([]Person, int) {
	now := p.ch.g.d.Now()
	limit := p.ch.g.d.Limits.PresenceList
	type entry struct {
		d   presenceDoc
		uid string
	}
	before := func(a, b entry) int {
		if c := a.d.Joined.Compare(b.d.Joined); c != 0 {
			return c
		}
		return strings.Compare(a.uid, b.uid)
	}
	first := make([]entry, 0, min(limit, len(p.docs)))
	count := 0
	for uid, d := range p.docs {
		if !d.Expire.After(now) {
			continue
		}
		count++
		e := entry{d, uid}
		if len(first) == limit && before(e, first[limit-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(first, e, before)
		if len(first) == limit {
			first = first[:limit-1]
		}
		first = slices.Insert(first, i, e)
	}
	out := make([]Person, len(first))
	for i, e := range first {
		out[i] = Person{UID: e.uid, Name: e.d.Name, Color: e.d.Color, Role: e.d.Role}
	}
	return out, count
}

// publish delivers the list, if it changed, once the coalescing window
// ends.
func (p *presence) publish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer == nil && p.ch.ctx.Err() == nil {
		p.timer = time.AfterFunc(p.ch.g.d.Limits.PresenceCoalesce, p.flush)
	}
}

func (p *presence) flush() {
	p.mu.Lock()
	p.timer = nil
	if p.ch.ctx.Err() != nil {
		p.mu.Unlock()
		return
	}
	list, count := p.listLocked()
	f := frame(PresenceMsg{Type: TypePresence, Channel: p.ch.key, People: list, Count: count})
	changed := string(f) != p.sent
	p.sent = string(f)
	p.mu.Unlock()
	if !changed {
		return
	}
	p.ch.mu.Lock()
	p.ch.deliverLocked(f, nil)
	p.ch.mu.Unlock()
}

// cursor broadcasts s's pointer here at once and marks it for the
// presence document (other instances).
func (ch *channel) cursor(s *sub, x, y float64) {
	ch.mu.Lock()
	if !s.canView() {
		ch.mu.Unlock()
		return
	}
	ch.deliverLocked(frame(CursorOutMsg{Type: TypeCursor, Channel: ch.key, UID: s.uid, X: x, Y: y}), s)
	ch.mu.Unlock()
	p := ch.pres
	p.mu.Lock()
	if lp := p.local[s.uid]; lp != nil {
		lp.cursor = &[2]float64{x, y}
		lp.cursorDue = true
	}
	p.mu.Unlock()
}

// follow relays a facilitator's follow request to everyone on the channel.
func (ch *channel) follow(s *sub, m FollowMsg) {
	ch.mu.Lock()
	allowed := false
	switch ch.kind {
	case kindCanvas:
		allowed = s.subj.Session == canvas.SessionFacilitator || (ch.sess != nil && ch.meta != nil && s.uid == ch.meta.Owner &&
			(s.uid == ch.sess.facilitator || slices.Contains(ch.sess.coFacilitators, s.uid)))
	case kindSession:
		allowed = s.rel == relFacilitator
	}
	if !allowed || !s.canView() {
		ch.mu.Unlock()
		s.c.enqueue(errFrame(ch.key, "", CodeForbidden, "only the session's facilitators lead the view"))
		return
	}
	out := FollowOutMsg{Type: TypeFollow, Channel: ch.key, From: s.uid, Mode: m.Mode, Viewport: m.Viewport}
	ch.deliverLocked(frame(out), s)
	ch.mu.Unlock()
	p := ch.pres
	p.mu.Lock()
	if lp := p.local[s.uid]; lp != nil {
		lp.follow = &out
	}
	p.mu.Unlock()
	go p.write(s.uid, nil)
}
