package realtime

import (
	"context"
	"slices"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/canvas"
)

// loadSession finds the session (the caller's org is unknown here: the
// index names it) and starts its listeners: the session document, its
// members, draws (and each draw's picks), breakouts and homework.
func (ch *channel) loadSession(ctx context.Context) error {
	si, err := ch.g.readSession(ctx, "", ch.id)
	if err != nil {
		return err
	}
	if si == nil {
		return errNoAccess
	}
	ch.org, ch.sess, ch.sessionRef = si.org, si, si.ref
	ch.presenceColl = si.ref.Collection("presence")
	ch.pres = newPresence(ch)
	ch.spawn(func() {
		ch.listenMembership(func(snap *firestore.DocumentSnapshot) {
			si, err := decodeSession(snap)
			if err != nil || si == nil {
				return
			}
			ch.mu.Lock()
			old := ch.sess
			ch.sess = si
			changed := old == nil || old.status != si.status || !sameStep(old.step, si.step)
			ch.mu.Unlock()
			if changed {
				ch.sessionChanged("state")
			}
		})
	})
	for _, coll := range []string{"breakouts", "homework"} {
		ch.spawn(func() {
			first := true
			ch.listen(si.ref.Collection(coll).Query, func(*firestore.QuerySnapshot) {
				if first {
					first = false
					return
				}
				ch.sessionChanged(coll)
			}, nil)
		})
	}
	ch.spawn(ch.listenDraws)
	ch.spawn(ch.pres.loop)
	ch.spawn(ch.pres.listen)
	return nil
}

func sameStep(a, b *SessionStep) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Step == b.Step && a.Moves == b.Moves
}

// listenDraws reports draw changes and watches each draw's picks.
func (ch *channel) listenDraws() {
	first := true
	ch.listen(ch.sessionRef.Collection("draws").Query, func(snap *firestore.QuerySnapshot) {
		for _, c := range snap.Changes {
			id := c.Doc.Ref.ID
			ch.mu.Lock()
			_, watched := ch.drawsWatch[id]
			if c.Kind == firestore.DocumentRemoved {
				if stop := ch.drawsWatch[id]; stop != nil {
					stop()
				}
				delete(ch.drawsWatch, id)
			} else if !watched {
				ctx, stop := context.WithCancel(ch.ctx)
				ch.drawsWatch[id] = stop
				ref, isNew := c.Doc.Ref, !first
				ch.spawn(func() { ch.listenPicks(ctx, ref, isNew) })
			}
			ch.mu.Unlock()
		}
		if first {
			first = false
			return
		}
		ch.sessionChanged("draws")
	}, nil)
}

// listenPicks reports changes of a draw's picks. The first snapshot is
// what was there when the watch began: for a draw opened since the
// channel loaded, picks in it are news (people pick the moment a draw
// opens, before its listener could start).
func (ch *channel) listenPicks(ctx context.Context, draw *firestore.DocumentRef, isNew bool) {
	first := true
	for ctx.Err() == nil {
		it := draw.Collection("picks").Snapshots(ctx)
		for {
			snap, err := it.Next()
			if err != nil {
				break
			}
			if first {
				first = false
				if !isNew || snap.Size == 0 {
					continue
				}
			}
			ch.sessionChanged("picks")
		}
		it.Stop()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// sessionChanged coalesces changes into at most one session frame per
// SessionCoalesce.
func (ch *channel) sessionChanged(what string) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.changed[what] = true
	if ch.sessTimer != nil {
		return
	}
	wait := ch.g.d.Limits.SessionCoalesce - ch.g.d.Now().Sub(ch.lastSession)
	ch.sessTimer = time.AfterFunc(max(wait, 0), ch.sendSession)
}

func (ch *channel) sendSession() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.sessTimer = nil
	if len(ch.changed) == 0 || ch.ctx.Err() != nil {
		return
	}
	var changed []string
	for _, k := range SessionChanges {
		if ch.changed[k] {
			changed = append(changed, k)
		}
	}
	clear(ch.changed)
	ch.lastSession = ch.g.d.Now()
	ch.deliverLocked(ch.sessionFrameLocked(changed), nil)
}

func (ch *channel) sessionFrameLocked(changed []string) []byte {
	m := SessionMsg{Type: TypeSession, Channel: ch.key, Changed: slices.Clip(changed), At: ch.g.d.Now().UTC()}
	if m.Changed == nil {
		m.Changed = []string{}
	}
	if ch.sess != nil {
		m.Status, m.Step = ch.sess.status, ch.sess.step
	}
	return frame(m)
}

// subscribeSession admits anyone related to the session (as the sessions
// API does) and sends an empty snapshot and the session's state.
func (ch *channel) subscribeSession(ctx context.Context, s *sub) error {
	ch.mu.Lock()
	si := ch.sess
	ch.mu.Unlock()
	rel, err := ch.g.sessionRel(ctx, si, s.uid)
	if err != nil {
		return err
	}
	if rel == relNone {
		return errNoAccess
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	s.rel = rel
	s.role.Store(rank(canvas.RoleViewer))
	ch.subs[s] = struct{}{}
	s.c.enqueue(frame(SnapshotMsg{Type: TypeSnapshot, Channel: ch.key, Role: rel.String(), Elements: []canvas.Patch{}, Complete: true}))
	s.c.enqueue(ch.sessionFrameLocked([]string{"state"}))
	return nil
}
