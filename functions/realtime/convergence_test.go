package realtime

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/canvas"
)

// peer is a test client that keeps a canvas replica across reconnects.
type peer struct {
	tok     string
	mu      sync.Mutex
	sockets []*client
	sent    map[string]OpMsg // by op_id
}

// replica replays every frame the peer's sockets received, in order:
// snapshots and ops merged by stamps, acks applied as the op's patch at
// the acknowledged stamp (the sender is not echoed).
func (p *peer) replica() (map[string]*canvas.Element, canvas.Stamp) {
	p.mu.Lock()
	sockets := append([]*client(nil), p.sockets...)
	sent := make(map[string]OpMsg, len(p.sent))
	for k, v := range p.sent {
		sent[k] = v
	}
	p.mu.Unlock()
	state := map[string]*canvas.Element{}
	var top canvas.Stamp
	merge := func(pt canvas.Patch) {
		e := state[pt.ID]
		if e == nil {
			e = &canvas.Element{ID: pt.ID}
			state[pt.ID] = e
		}
		e.Merge(pt)
		top = max(top, pt.Max())
	}
	for _, c := range sockets {
		for _, f := range c.all() {
			switch f.str("type") {
			case TypeSnapshot:
				var m SnapshotMsg
				_ = json.Unmarshal(f.raw, &m)
				if m.Complete {
					clear(state)
				}
				for _, pt := range m.Elements {
					merge(pt)
				}
				top = max(top, m.Cursor)
			case TypeOp:
				var m OpOutMsg
				_ = json.Unmarshal(f.raw, &m)
				merge(m.Patch)
			case TypeAck:
				var m AckMsg
				_ = json.Unmarshal(f.raw, &m)
				if op, ok := sent[m.OpID]; ok {
					o := canvas.Op{OpID: op.OpID, Action: op.Action, ElementID: op.ElementID, Kind: op.Kind, Props: op.Props, Drag: op.Drag}
					merge(o.Patch(uidOf(p.tok), m.Stamp))
				}
			}
		}
	}
	return state, top
}

// canon is an element set in a comparable form (JSON numbers, no empty
// placeholders).
func canon(m map[string]*canvas.Element) string {
	out := map[string]canvas.Patch{}
	for id, e := range m {
		if e.Kind == "" {
			continue
		}
		out[id] = e.Full()
	}
	b, _ := json.Marshal(out)
	var v any
	_ = json.Unmarshal(b, &v)
	b, _ = json.Marshal(v)
	return string(b)
}

// TestConvergence runs clients on two gateway instances doing random
// creates, updates, drags, deletes and restores, with random disconnects
// and resumes (since) on either instance; after quiescence every
// client's replica equals the element documents in Firestore.
func TestConvergence(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REALTIME_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (REALTIME_SEED=%d reruns it)", seed, seed)
	fmt.Printf("TestConvergence seed %d\n", seed)
	w := newWorld(t)
	toks := []string{tokOwner, tokEditor, tokViewer, tokOutsider, tokRevoked}
	shares := map[string]canvas.Share{}
	for _, tok := range toks[1:] {
		shares[uidOf(tok)] = canvas.Share{Role: canvas.RoleEditor}
	}
	w.seedCanvas(t, canvas.Meta{ID: "conv", Owner: uidOf(tokOwner), Visibility: canvas.Shared, Shares: shares})
	gws := []*gateway{w.gateway(t, "i1", 1, nil), w.gateway(t, "i2", 2, nil)}
	const ch = "canvas:conv"

	var idsMu sync.Mutex
	var ids []string
	pickID := func(r *rand.Rand) string {
		idsMu.Lock()
		defer idsMu.Unlock()
		if len(ids) == 0 {
			return "none"
		}
		return ids[r.IntN(len(ids))]
	}
	peers := make([]*peer, len(toks))
	var wg sync.WaitGroup
	for i, tok := range toks {
		p := &peer{tok: tok, sent: map[string]OpMsg{}}
		peers[i] = p
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			open := func(since canvas.Stamp) *client {
				c := dial(t, gws[r.IntN(len(gws))].url, tok)
				c.login(tok)
				p.mu.Lock()
				p.sockets = append(p.sockets, c)
				p.mu.Unlock()
				c.send(SubscribeMsg{Type: TypeSubscribe, Channel: ch, Since: since})
				c.expect(10*time.Second, "snapshot", typOn(TypeSnapshot, ch))
				return c
			}
			c := open(0)
			for n := range 60 {
				var op OpMsg
				id := pickID(r)
				switch k := r.IntN(10); {
				case k < 3:
					id = fmt.Sprintf("%s-%d", tok, n)
					op = noteCreate(ch, "", id, "note "+id, float64(r.IntN(1000)))
					idsMu.Lock()
					ids = append(ids, id)
					idsMu.Unlock()
				case k < 6:
					op = OpMsg{Type: TypeOp, Channel: ch, Action: canvas.ActionUpdate, ElementID: id,
						Props: map[string]any{"x": float64(r.IntN(1000)), "text": fmt.Sprint("t", r.IntN(100))}}
				case k < 8:
					op = OpMsg{Type: TypeOp, Channel: ch, Action: canvas.ActionUpdate, ElementID: id, Drag: true,
						Props: map[string]any{"x": float64(r.IntN(1000)), "y": float64(r.IntN(1000))}}
				case k < 9:
					op = OpMsg{Type: TypeOp, Channel: ch, Action: canvas.ActionDelete, ElementID: id}
				default:
					op = OpMsg{Type: TypeOp, Channel: ch, Action: canvas.ActionRestore, ElementID: id}
				}
				op.OpID = fmt.Sprintf("%s-op-%d", tok, n)
				p.mu.Lock()
				p.sent[op.OpID] = op
				p.mu.Unlock()
				c.send(op)
				time.Sleep(time.Duration(r.IntN(15)) * time.Millisecond)
				if r.IntN(25) == 0 {
					// Drop the socket with frames in flight; resume from
					// the largest stamp seen, on either instance.
					c.ws.CloseNow()
					<-c.closed
					_, since := p.replica()
					c = open(since)
				}
			}
		}()
	}
	wg.Wait()
	var last string
	deadline := time.Now().Add(30 * time.Second)
	for {
		stored := canon(w.storedElements(t, apitest.OrgA, "conv"))
		equal := true
		for _, p := range peers {
			state, _ := p.replica()
			if got := canon(state); got != stored {
				equal = false
				last = fmt.Sprintf("seed %d: %s's replica differs from Firestore:\nreplica:   %s\nfirestore: %s", seed, p.tok, got, stored)
				break
			}
		}
		if equal {
			var n int
			for _, g := range gws {
				n += int(g.Stats().Accepted.Load())
			}
			t.Logf("converged: %d accepted ops, %d elements", n, len(w.storedElements(t, apitest.OrgA, "conv")))
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMergeOrderFree feeds the same patches to two channels' element
// maps in different orders, duplicated: the maps end equal and the
// delivered effective parts of the duplicates are empty.
func TestMergeOrderFree(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	clock := canvas.NewClock(3, nil)
	var patches []canvas.Patch
	for i := range 200 {
		id := fmt.Sprint("e", r.IntN(10))
		p := canvas.Patch{ID: id, Kind: canvas.KindNote, Owner: "u", Props: map[string]any{}, Stamps: map[string]canvas.Stamp{}}
		s := clock.Next()
		for _, k := range []string{"x", "y", "text", "deleted"}[:1+r.IntN(4)] {
			p.Props[k], p.Stamps[k] = float64(i), s
		}
		patches = append(patches, p)
	}
	run := func(order []int) string {
		ch := &channel{g: &Gateway{clock: canvas.NewClock(1, nil)}, elems: map[string]*canvas.Element{}}
		for _, i := range order {
			ch.mergeLocked(patches[i], "", "", nil)
		}
		return canon(ch.elems)
	}
	a := make([]int, len(patches))
	for i := range a {
		a[i] = i
	}
	b := append(append([]int(nil), a...), a...)
	r.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	if run(a) != run(b) {
		t.Fatal("reordered, duplicated delivery diverged")
	}
}
