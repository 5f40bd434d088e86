package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/events"
)

// Retention of op log entries and of deleted elements.
const (
	opLogTTL    = 7 * 24 * time.Hour
	maxLogEntry = 512 << 10 // bytes of patches per op log entry
	trashTTL    = canvas.TrashDays * 24 * time.Hour
)

// history is one person's undo and redo stacks on one canvas.
type history struct{ undo, redo []*step }

// dragGap ends a drag gesture: a drag update after a longer pause starts
// a new undo step.
const dragGap = time.Second

// step is one undo step: the elements it changed, each with its state
// before the step and what the step changed. A drag gesture (its drag
// updates, on one element or on several selected ones, and their final
// positions) is one step however many ops it took.
type step struct {
	parts []*part
	// open: a drag gesture that later ops of it may still join
	open     bool
	repeated bool // some element got a second drag update: the selection is known
	ended    map[string]bool
	at       time.Time // the gesture's last op
}

type part struct {
	id      string
	before  *canvas.Element // nil: the change created the element
	applied canvas.Patch
}

func (st *step) part(id string) *part {
	for _, p := range st.parts {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (h *history) push(stack *[]*step, s *step, limit int) {
	*stack = append(*stack, s)
	if len(*stack) > limit {
		*stack = (*stack)[len(*stack)-limit:]
	}
}

// record adds an accepted op's effect to the undo history: it joins the
// open drag gesture on top when it belongs to it, else it is a new step.
func (h *history) record(id string, before *canvas.Element, eff canvas.Patch, drag bool, now time.Time, limit int) {
	h.redo = nil
	if n := len(h.undo); n > 0 {
		top := h.undo[n-1]
		p := top.part(id)
		join := false
		if top.open && now.Sub(top.at) <= dragGap {
			if drag {
				// Before any element got its second update, new ones join
				// (a multi-selection's first round); after, another element
				// is another gesture.
				join = len(top.ended) == 0 && (p != nil || !top.repeated)
			} else {
				join = p != nil && !top.ended[id]
			}
		}
		if join {
			if p == nil {
				top.parts = append(top.parts, &part{id: id, before: before, applied: eff})
			} else {
				p.applied = mergePatch(p.applied, eff)
				if drag {
					top.repeated = true
				}
			}
			top.at = now
			if !drag {
				top.ended[id] = true
				if len(top.ended) == len(top.parts) {
					top.open = false // every element has its final position
				}
			}
			return
		}
		top.open = false
	}
	h.push(&h.undo, &step{parts: []*part{{id: id, before: before, applied: eff}}, open: drag, ended: map[string]bool{}, at: now}, limit)
}

// mergePatch is a then b (b's properties win), in new maps.
func mergePatch(a, b canvas.Patch) canvas.Patch {
	out := canvas.Patch{ID: a.ID, Kind: a.Kind, Owner: a.Owner, Props: make(map[string]any, len(a.Props)+len(b.Props)),
		Stamps: make(map[string]canvas.Stamp, len(a.Stamps)+len(b.Stamps))}
	for k, v := range a.Props {
		out.Props[k], out.Stamps[k] = v, a.Stamps[k]
	}
	for k, v := range b.Props {
		out.Props[k], out.Stamps[k] = v, b.Stamps[k]
	}
	if b.Kind != "" {
		out.Kind, out.Owner = b.Kind, b.Owner
	}
	return out
}

func copyElement(e *canvas.Element) *canvas.Element {
	if e == nil || e.Kind == "" {
		return nil
	}
	p := e.Full()
	return &canvas.Element{ID: p.ID, Kind: p.Kind, Owner: p.Owner, Props: p.Props, Stamps: p.Stamps}
}

// op accepts or refuses one operation of s: access, validation, the drag
// lock; an accepted op is delivered to the local subscribers at once,
// acknowledged, queued for the op log and its element written soon.
func (ch *channel) op(s *sub, m *OpMsg) {
	c := s.c
	refuse := func(code, detail string) {
		ch.g.stats.Refused.Add(1)
		c.enqueue(errFrame(ch.key, m.OpID, code, detail))
	}
	if ch.kind != kindCanvas {
		refuse(CodeBadRequest, "ops are for canvas channels")
		return
	}
	if len(m.OpID) > 128 || !authz.ValidDocID(m.ElementID) || strings.Contains(m.ElementID, "/") {
		refuse(CodeBadRequest, "op needs an op_id (≤ 128 bytes) and a valid element_id")
		return
	}
	switch m.Action {
	case canvas.ActionCreate, canvas.ActionUpdate, canvas.ActionDelete, canvas.ActionRestore:
	default:
		refuse(CodeBadRequest, "action is create, update, delete or restore")
		return
	}
	if m.SentAt != nil && !finiteAny(*m.SentAt) {
		m.SentAt = nil
	}
	op := canvas.Op{OpID: m.OpID, Action: m.Action, ElementID: m.ElementID, Kind: m.Kind, Props: m.Props, Drag: m.Drag}
	if b, _ := json.Marshal(op.Props); len(b) > canvas.MaxPropsBytes {
		refuse(CodeTooLarge, "props are too large")
		return
	}
	now := ch.g.d.Now()
	ch.mu.Lock()
	if !s.canEdit() {
		ch.mu.Unlock()
		if s.canView() {
			refuse(CodeForbidden, "viewers cannot change the canvas")
		}
		return
	}
	seen := ch.seenLocked(s.uid)
	if stamp, ok := seen.ids[m.OpID]; ok && m.OpID != "" {
		// Sent again (a reconnect before the ack came): acknowledged
		// again, applied once.
		ch.mu.Unlock()
		c.enqueue(frame(AckMsg{Type: TypeAck, Channel: ch.key, OpID: m.OpID, Stamp: stamp}))
		return
	}
	cur := ch.elems[m.ElementID]
	if cur != nil && cur.Kind == "" {
		cur = nil
	}
	if op.Action == canvas.ActionCreate && cur != nil {
		ch.mu.Unlock()
		refuse(CodeConflict, "the element exists")
		return
	}
	if op.Action != canvas.ActionCreate && cur == nil {
		ch.mu.Unlock()
		refuse(CodeNotFound, "no such element")
		return
	}
	if errs := op.Validate(cur); len(errs) > 0 {
		ch.mu.Unlock()
		detail := ""
		for i, e := range errs {
			if i > 0 {
				detail += "; "
			}
			detail += e.Field + ": " + e.Detail
		}
		refuse(CodeBadRequest, detail)
		return
	}
	if op.Action == canvas.ActionCreate && ch.live >= canvas.MaxElements {
		ch.mu.Unlock()
		refuse(CodeTooLarge, fmt.Sprintf("a canvas holds at most %d elements", canvas.MaxElements))
		return
	}
	if l, ok := ch.locks[m.ElementID]; ok && l.uid != s.uid && now.Before(l.until) {
		ch.mu.Unlock()
		refuse(CodeLocked, "someone is moving this element")
		return
	}
	if op.Drag {
		ch.locks[m.ElementID] = elemLock{uid: s.uid, until: now.Add(ch.g.d.Limits.LockFor)}
	} else if l, ok := ch.locks[m.ElementID]; ok && l.uid == s.uid {
		delete(ch.locks, m.ElementID) // the drag ended
	}
	stamp := ch.g.clock.Next()
	seen.add(m.OpID, stamp)
	patch := op.Patch(s.uid, stamp)
	before := copyElement(cur)
	eff := ch.applyLocked(s, patch, m.OpID, m.SentAt)
	if !eff.Empty() {
		ch.historyLocked(s.uid).record(m.ElementID, before, eff, op.Drag, now, ch.g.d.Limits.UndoSteps)
	}
	kind := ch.elems[m.ElementID].Kind
	ch.mu.Unlock()
	ch.g.stats.Accepted.Add(1)
	c.enqueue(frame(AckMsg{Type: TypeAck, Channel: ch.key, OpID: m.OpID, Stamp: stamp}))
	ch.event(s.uid, &op, kind, len(eff.Props))
}

// recentOps are the op ids one person's accepted ops had on one canvas
// here, the latest recentOpIDs of them, with their stamps.
type recentOps struct {
	ids   map[string]canvas.Stamp
	order []string // ring, oldest at next
	next  int
}

// recentOpIDs bounds the op ids remembered per person and canvas: more
// than a client can have unacknowledged (its ops are rate limited).
const recentOpIDs = 512

func (r *recentOps) add(id string, stamp canvas.Stamp) {
	if id == "" {
		return
	}
	if len(r.order) < recentOpIDs {
		r.order = append(r.order, id)
	} else {
		delete(r.ids, r.order[r.next])
		r.order[r.next] = id
		r.next = (r.next + 1) % recentOpIDs
	}
	r.ids[id] = stamp
}

func (ch *channel) seenLocked(uid string) *recentOps {
	r := ch.recent[uid]
	if r == nil {
		r = &recentOps{ids: map[string]canvas.Stamp{}}
		ch.recent[uid] = r
	}
	return r
}

func finiteAny(f float64) bool { return f == f && f < 1e300 && f > -1e300 }

func (ch *channel) historyLocked(uid string) *history {
	h := ch.history[uid]
	if h == nil {
		h = &history{}
		ch.history[uid] = h
	}
	return h
}

// applyLocked merges an accepted patch, delivers its effective part to
// everyone but its sender, and queues it for the op log and the element
// document.
func (ch *channel) applyLocked(s *sub, patch canvas.Patch, opID string, sentAt *float64) canvas.Patch {
	e := ch.elems[patch.ID]
	if e == nil {
		e = &canvas.Element{ID: patch.ID}
		ch.elems[patch.ID] = e
	}
	wasLive := e.Kind != "" && !e.Deleted()
	eff := e.Merge(patch)
	if eff.Empty() {
		return eff
	}
	ch.countLocked(wasLive, e)
	f := frame(OpOutMsg{Type: TypeOp, Channel: ch.key, OpID: opID, From: s.uid, Patch: eff, SentAt: sentAt})
	ch.deliverLocked(f, s)
	ch.seq++
	ch.logQ = append(ch.logQ, logPatch{patch: eff, opID: opID, from: s.uid, sentAt: sentAt, size: len(f), seq: ch.seq})
	ch.dirtySeq[patch.ID] = ch.seq
	d := ch.dirty[patch.ID]
	if d == nil {
		d = &canvas.Element{ID: patch.ID}
		ch.dirty[patch.ID] = d
	}
	d.Merge(eff)
	if d.Kind == "" {
		d.Kind, d.Owner = e.Kind, e.Owner
	}
	select {
	case ch.logKick <- struct{}{}:
	default:
	}
	if !ch.marking && ch.meta != nil && ch.meta.DirtySince == nil {
		ch.marking = true
		go ch.markDirty()
	}
	return eff
}

// undo applies the inverse of the caller's last op (or redoes the last
// undo). A step whose properties someone else changed since is skipped
// with a conflict.
func (ch *channel) undo(s *sub, redo bool) {
	c := s.c
	if ch.kind != kindCanvas {
		c.enqueue(errFrame(ch.key, "", CodeBadRequest, "undo is for canvas channels"))
		return
	}
	ch.mu.Lock()
	if !s.canEdit() {
		ch.mu.Unlock()
		c.enqueue(errFrame(ch.key, "", CodeForbidden, "viewers cannot change the canvas"))
		return
	}
	h := ch.historyLocked(s.uid)
	from, to := &h.undo, &h.redo
	if redo {
		from, to = &h.redo, &h.undo
	}
	if len(*from) == 0 {
		ch.mu.Unlock()
		c.enqueue(errFrame(ch.key, "", CodeNotFound, "nothing to "+map[bool]string{false: "undo", true: "redo"}[redo]))
		return
	}
	st := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	now := ch.g.d.Now()
	conflict := false
	for _, p := range st.parts {
		e := ch.elems[p.id]
		if e == nil {
			conflict = true
			break
		}
		for k, stamp := range p.applied.Stamps {
			if e.Stamps[k] != stamp {
				conflict = true
			}
		}
		if l, ok := ch.locks[p.id]; ok && l.uid != s.uid && now.Before(l.until) {
			conflict = true
		}
	}
	if conflict {
		ch.mu.Unlock()
		c.enqueue(errFrame(ch.key, "", CodeConflict, "someone changed this element since; step skipped"))
		return
	}
	stamp := ch.g.clock.Next()
	back := &step{ended: map[string]bool{}, at: now}
	var frames [][]byte
	var kinds []string
	var effs []canvas.Patch
	for _, p := range st.parts {
		e := ch.elems[p.id]
		inv := canvas.Inverse(p.before, p.applied, stamp)
		inv.ID = p.id
		before := copyElement(e)
		eff := ch.applyLocked(s, inv, "", nil)
		if eff.Empty() {
			continue
		}
		// The steps left below this one expect the stamps this one found;
		// they now carry the stamp just written (the same values).
		if p.before != nil {
			for _, below := range *from {
				if q := below.part(p.id); q != nil {
					q.applied = restamp(q.applied, p.before.Stamps, eff.Stamps)
				}
			}
		}
		back.parts = append(back.parts, &part{id: p.id, before: before, applied: eff})
		frames = append(frames, frame(OpOutMsg{Type: TypeOp, Channel: ch.key, From: s.uid, Patch: eff}))
		kinds = append(kinds, e.Kind)
		effs = append(effs, eff)
	}
	if len(back.parts) > 0 {
		h.push(to, back, ch.g.d.Limits.UndoSteps)
	}
	ch.mu.Unlock()
	if len(back.parts) == 0 {
		c.enqueue(errFrame(ch.key, "", CodeConflict, "the step changes nothing now; skipped"))
		return
	}
	for i, f := range frames {
		c.enqueue(f)
		ch.g.stats.Accepted.Add(1)
		ch.event(s.uid, &canvas.Op{Action: canvas.ActionUpdate, ElementID: effs[i].ID}, kinds[i], len(effs[i].Props))
	}
}

// restamp replaces, in p, the stamps equal to was (per property) by now's.
func restamp(p canvas.Patch, was, now map[string]canvas.Stamp) canvas.Patch {
	var out *canvas.Patch
	for k, ns := range now {
		if os, ok := p.Stamps[k]; ok && os == was[k] && os != ns {
			if out == nil {
				out = &canvas.Patch{ID: p.ID, Kind: p.Kind, Owner: p.Owner, Props: p.Props, Stamps: make(map[string]canvas.Stamp, len(p.Stamps))}
				for k2, v := range p.Stamps {
					out.Stamps[k2] = v
				}
			}
			out.Stamps[k] = ns
		}
	}
	if out == nil {
		return p
	}
	return *out
}

// event records a canvas.op event: ids, kind and counts only.
func (ch *channel) event(uid string, op *canvas.Op, kind string, props int) {
	name := op.Action
	if op.Action == canvas.ActionUpdate {
		name = "update"
		onlyPos, onlyZ := true, true
		for k := range op.Props {
			if k != canvas.PropX && k != canvas.PropY {
				onlyPos = false
			}
			if k != canvas.PropZ {
				onlyZ = false
			}
		}
		switch {
		case op.Drag || (onlyPos && len(op.Props) > 0):
			name = "move"
		case onlyZ && len(op.Props) > 0:
			name = "reorder"
		}
	}
	sessionID := ""
	ch.mu.Lock()
	if ch.meta != nil {
		sessionID = ch.meta.SessionID
	}
	ch.mu.Unlock()
	ch.g.emit(events.Event{Type: events.TypeCanvasOp, OrgID: ch.org, UID: uid, SessionID: sessionID, CanvasID: ch.id,
		OccurredAt: ch.g.d.Now(),
		Payload:    events.CanvasOp{Op: events.Enum(name), ElementID: events.ID(op.ElementID), ElementKind: events.Enum(kind), Properties: props}})
}

// markDirty sets the canvas's dirty_since once per snapshot period.
func (ch *channel) markDirty() {
	ctx, cancel := context.WithTimeout(ch.g.ctx, 10*time.Second)
	defer cancel()
	err := ch.g.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ch.canvasRef)
		if err != nil {
			return err
		}
		if v, _ := snap.DataAt("dirty_since"); v != nil {
			return nil
		}
		return tx.Update(ch.canvasRef, []firestore.Update{{Path: "dirty_since", Value: ch.g.d.Now().UTC()}})
	})
	if err != nil && ch.ctx.Err() == nil {
		slog.Warn("realtime: dirty_since not set", "channel", ch.key, "err", err.Error())
		ch.mu.Lock()
		ch.marking = false
		ch.mu.Unlock()
	}
}

// logLoop writes the op log: one write in flight per canvas, the ops that
// arrive meanwhile ride the next.
func (ch *channel) logLoop() {
	for {
		select {
		case <-ch.ctx.Done():
			return
		case <-ch.logKick:
			ch.writeLog(ch.ctx)
		}
	}
}

// writeLog writes the queued patches as one log entry (retrying once the
// next op or flush comes, if it fails).
func (ch *channel) writeLog(ctx context.Context) {
	ch.mu.Lock()
	if ch.logBusy || len(ch.logQ) == 0 {
		ch.mu.Unlock()
		return
	}
	ch.logBusy = true
	// An entry stays well under Firestore's 1 MiB document limit; the
	// rest rides the next write.
	n, size := 0, 0
	for n < len(ch.logQ) && (n == 0 || size+ch.logQ[n].size < maxLogEntry) {
		size += ch.logQ[n].size
		n++
	}
	q := ch.logQ[:n:n]
	ch.logQ = ch.logQ[n:]
	ch.mu.Unlock()
	now := ch.g.d.Now()
	patches := make([]map[string]any, 0, len(q))
	uids := []string{}
	seen := map[string]bool{}
	for _, lp := range q {
		m := map[string]any{"id": lp.patch.ID, "props": lp.patch.Props, "stamps": stampsMap(lp.patch.Stamps),
			"op_id": lp.opID, "from": lp.from}
		if lp.patch.Kind != "" {
			m["kind"] = lp.patch.Kind
		}
		if lp.patch.Owner != "" {
			m["owner"] = lp.patch.Owner
		}
		if lp.sentAt != nil {
			m["sent_at"] = *lp.sentAt
		}
		patches = append(patches, m)
		if !seen[lp.from] {
			seen[lp.from] = true
			uids = append(uids, lp.from)
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	_, err := ch.opsColl.NewDoc().Create(wctx, map[string]any{"instance": ch.g.d.Instance, "t": now.UnixMilli(),
		"expire_at": now.Add(opLogTTL), "patches": patches, "ops": len(q), "uids": uids})
	cancel()
	ch.mu.Lock()
	ch.logBusy = false
	if err == nil {
		ch.loggedSeq = max(ch.loggedSeq, q[len(q)-1].seq)
	}
	if err != nil {
		slog.Warn("realtime: op log not written; retrying", "channel", ch.key, "err", err.Error())
		ch.logQ = append(q, ch.logQ...)
	} else {
		ch.g.stats.LogWrites.Add(1)
	}
	more := len(ch.logQ) > 0
	ch.mu.Unlock()
	if more {
		select {
		case ch.logKick <- struct{}{}:
		default:
		}
	}
}

func stampsMap(s map[string]canvas.Stamp) map[string]int64 {
	out := make(map[string]int64, len(s))
	for k, v := range s {
		out[k] = int64(v)
	}
	return out
}

// elementLoop writes dirty elements, each at most once per ElementWrite.
func (ch *channel) elementLoop() {
	t := time.NewTicker(max(ch.g.d.Limits.ElementWrite/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ch.ctx.Done():
			return
		case <-t.C:
			ch.writeElements(ch.ctx, false)
		}
	}
}

// writeElements writes the dirty elements due (all with force).
func (ch *channel) writeElements(ctx context.Context, force bool) {
	ch.flushMu.Lock()
	defer ch.flushMu.Unlock()
	now := ch.g.d.Now()
	ch.mu.Lock()
	var due []*canvas.Element
	for id, d := range ch.dirty {
		if force || (now.Sub(ch.lastWrite[id]) >= ch.g.d.Limits.ElementWrite && ch.dirtySeq[id] <= ch.loggedSeq) {
			due = append(due, d)
			delete(ch.dirty, id)
			delete(ch.dirtySeq, id)
			ch.lastWrite[id] = now
		}
	}
	for id, at := range ch.lastWrite {
		if now.Sub(at) > 10*ch.g.d.Limits.ElementWrite {
			delete(ch.lastWrite, id)
		}
	}
	for id, l := range ch.locks {
		if now.After(l.until) {
			delete(ch.locks, id)
		}
	}
	ch.mu.Unlock()
	if len(due) == 0 {
		return
	}
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, d := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := ch.writeElement(context.WithoutCancel(ctx), d); err != nil {
				slog.Warn("realtime: element not written; retrying", "channel", ch.key, "err", err.Error())
				ch.mu.Lock()
				if cur := ch.dirty[d.ID]; cur != nil {
					d.Merge(cur.Full())
				}
				ch.dirty[d.ID] = d
				ch.mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// writeElement merges pending into the element document by stamps, in a
// transaction, so instances never lose each other's writes.
func (ch *channel) writeElement(ctx context.Context, pending *canvas.Element) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ref := ch.elementsColl.Doc(pending.ID)
	err := ch.g.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		e := &canvas.Element{ID: pending.ID}
		switch {
		case notFound(err):
		case err != nil:
			return err
		default:
			e.Merge(decodePatch(pending.ID, snap.Data()))
		}
		changed := e.Merge(pending.Full())
		if changed.Empty() {
			return nil
		}
		data := map[string]any{"kind": e.Kind, "owner": e.Owner, "props": e.Props, "stamps": stampsMap(e.Stamps),
			"updated_at": firestore.ServerTimestamp}
		if e.Deleted() {
			data["expire_at"] = ch.g.d.Now().Add(trashTTL)
		}
		return tx.Set(ref, data)
	}, firestore.MaxAttempts(10))
	if err == nil {
		ch.g.stats.ElementWrites.Add(1)
	}
	return err
}

// flushAll writes the pending op log entries and every dirty element now.
func (ch *channel) flushAll(ctx context.Context) {
	if ch.kind != kindCanvas || ch.opsColl == nil {
		return
	}
	for ctx.Err() == nil {
		ch.mu.Lock()
		busy, n := ch.logBusy, len(ch.logQ)
		ch.mu.Unlock()
		if !busy && n == 0 {
			break
		}
		if busy {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ch.writeLog(ctx)
	}
	ch.writeElements(ctx, true)
	ch.mu.Lock()
	left := len(ch.dirty) + len(ch.logQ)
	ch.mu.Unlock()
	if left > 0 && ctx.Err() == nil {
		ch.writeLog(ctx)
		ch.writeElements(ctx, true)
	}
}
