package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/coder/websocket"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/canvas"
)

// presenceLists are the people lists of every presence frame c got.
func presenceLists(c *client, channel string) [][]string {
	var out [][]string
	for _, f := range c.all() {
		if f.str("type") != TypePresence || f.str("channel") != channel {
			continue
		}
		var m PresenceMsg
		_ = json.Unmarshal(f.raw, &m)
		var uids []string
		for _, p := range m.People {
			uids = append(uids, p.UID)
		}
		out = append(out, uids)
	}
	return out
}

// Presence writes (heartbeats, cursors) of people already listed change
// nothing in the list: no frame goes out, and never an empty one.
func TestPresenceStableAcrossWrites(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	tune := func(d *Deps) { d.Limits.PresenceEvery = 100 * time.Millisecond }
	g1, g2 := w.gateway(t, "i1", 1, tune), w.gateway(t, "i2", 2, tune)
	a := connect(t, g1, tokOwner, "canvas:c1")
	b := connect(t, g2, tokEditor, "canvas:c1")
	both := func(f frameRec) bool {
		return f.str("type") == TypePresence && strings.Contains(string(f.raw), uidOf(tokOwner)) && strings.Contains(string(f.raw), uidOf(tokEditor))
	}
	a.expect(5*time.Second, "both listed", both)
	b.expect(5*time.Second, "both listed", both)
	na, nb := len(presenceLists(a, "canvas:c1")), len(presenceLists(b, "canvas:c1"))
	// Heartbeats every 100 ms and cursors every 50 ms for a while.
	for i := range 30 {
		a.send(CursorMsg{Type: TypeCursor, Channel: "canvas:c1", X: float64(i), Y: 1})
		b.send(CursorMsg{Type: TypeCursor, Channel: "canvas:c1", X: float64(i), Y: 2})
		time.Sleep(40 * time.Millisecond)
	}
	for _, c := range []struct {
		c *client
		n int
	}{{a, na}, {b, nb}} {
		lists := presenceLists(c.c, "canvas:c1")
		if extra := lists[c.n:]; len(extra) > 0 {
			t.Errorf("%s: %d presence frames after both were listed, want none: %v", c.c.name, len(extra), extra)
		}
	}
}

// A presence document rewritten as a removal and an add (a listener may
// report a rewrite so, and a reconnect is one) does not empty the list.
func TestPresenceRewriteDoesNotFlicker(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, nil)
	a := connect(t, g, tokOwner, "canvas:c1")
	b := connect(t, g, tokEditor, "canvas:c1")
	both := func(f frameRec) bool {
		return f.str("type") == TypePresence && strings.Contains(string(f.raw), uidOf(tokOwner)) && strings.Contains(string(f.raw), uidOf(tokEditor))
	}
	a.expect(5*time.Second, "both listed", both)
	b.expect(5*time.Second, "both listed", both)
	n := len(presenceLists(a, "canvas:c1"))
	ref := w.canvasRef(apitest.OrgA, "c1").Collection("presence").Doc(uidOf(tokEditor))
	ctx := context.Background()
	for range 3 {
		snap, err := ref.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Delete(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Set(ctx, snap.Data()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if extra := presenceLists(a, "canvas:c1")[n:]; len(extra) > 0 {
		t.Errorf("%d presence frames while nobody came or went: %v", len(extra), extra)
	}
}

// One drag gesture (its drag updates and the final position) is one undo
// step, also when several selected elements move together; a pause of
// more than a second starts a new step.
func TestUndoCoalescesDrag(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, nil)
	a := connect(t, g, tokOwner, "canvas:c1")
	b := connect(t, g, tokEditor, "canvas:c1")
	ch := "canvas:c1"
	n := 0
	op := func(id string, x float64, drag bool) {
		t.Helper()
		n++
		a.send(OpMsg{Type: TypeOp, Channel: ch, OpID: fmt.Sprint("o", n), Action: canvas.ActionUpdate, ElementID: id, Props: map[string]any{"x": x}, Drag: drag})
		a.expect(5*time.Second, "ack", typ(TypeAck))
	}
	for _, id := range []string{"n1", "n2"} {
		n++
		a.send(noteCreate(ch, fmt.Sprint("o", n), id, id, 10))
		a.expect(5*time.Second, "ack", typ(TypeAck))
	}
	undoTo := func(want map[string]float64) {
		t.Helper()
		a.send(UndoMsg{Type: TypeUndo, Channel: ch})
		for range want {
			f := b.expect(5*time.Second, "the undo", func(f frameRec) bool { return f.str("type") == TypeOp && f.str("op_id") == "" })
			var m OpOutMsg
			_ = json.Unmarshal(f.raw, &m)
			if x, ok := want[m.Patch.ID]; !ok || m.Patch.Props["x"] != x {
				t.Fatalf("undo gave %s, want x of %v", f.raw, want)
			}
		}
	}
	// One element: three drag updates and the final position.
	op("n1", 20, true)
	op("n1", 30, true)
	op("n1", 40, true)
	op("n1", 45, false)
	// Two selected elements dragged together.
	op("n1", 50, true)
	op("n2", 50, true)
	op("n1", 60, true)
	op("n2", 60, true)
	op("n1", 65, false)
	op("n2", 65, false)
	// A pause of more than a second splits a gesture.
	op("n2", 70, true)
	time.Sleep(1100 * time.Millisecond)
	op("n2", 80, true)
	undoTo(map[string]float64{"n2": 70})
	undoTo(map[string]float64{"n2": 65})
	undoTo(map[string]float64{"n1": 45, "n2": 10})
	undoTo(map[string]float64{"n1": 10})
	a.send(RedoMsg{Type: TypeRedo, Channel: ch})
	if f := b.expect(5*time.Second, "the redo", typ(TypeOp)); !strings.Contains(string(f.raw), `"x":45`) {
		t.Fatalf("redo: %s", f.raw)
	}
}

// Picks written as the sessions API writes them (a claim and a slot,
// created in one transaction, right after the draw opens) reach the
// session's subscribers as changed ["picks"].
func TestSessionPicks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	fac, part := uidOf(tokFac), uidOf(tokEditor)
	sess := w.fs.Collection("orgs").Doc(apitest.OrgA).Collection("sessions").Doc("s2")
	if _, err := sess.Set(ctx, map[string]any{"org": apitest.OrgA, "facilitator": fac, "co_facilitators": []string{}, "status": "live"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Collection("members").Doc(part).Set(ctx, map[string]any{"role": "participant", "uid": part}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.fs.Collection("session_index").Doc("s2").Set(ctx, map[string]any{"org": apitest.OrgA}); err != nil {
		t.Fatal(err)
	}
	g := w.gateway(t, "i1", 1, nil)
	const ch = "session:s2"
	f := connect(t, g, tokFac, ch)
	p := connect(t, g, tokEditor, ch)
	for _, c := range []*client{f, p} {
		c.expect(5*time.Second, "session state", typOn(TypeSession, ch))
	}
	picked := func(c *client, what string) {
		t.Helper()
		c.expect(5*time.Second, what, func(f frameRec) bool {
			var m SessionMsg
			return f.str("type") == TypeSession && json.Unmarshal(f.raw, &m) == nil && slices.Contains(m.Changed, "picks")
		})
	}
	pick := func(draw *firestore.DocumentRef, uid string, slot int, card string) {
		t.Helper()
		err := w.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if _, err := tx.Get(draw); err != nil {
				return err
			}
			if err := tx.Create(draw.Collection("taken").Doc(card), map[string]any{"at": time.Now()}); err != nil {
				return err
			}
			return tx.Create(draw.Collection("picks").Doc(fmt.Sprintf("%s_%d", uid, slot)), map[string]any{"uid": uid, "slot": slot, "card_id": card, "picked_at": time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range []string{"d1", "d2"} {
		draw := sess.Collection("draws").Doc(d)
		err := w.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			return tx.Create(draw, map[string]any{"status": "open", "mode": "face_up", "picks_per_person": 2, "created_at": time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
		// The first pick follows the draw at once (before any listener of
		// the new draw could have started), the second a moment later.
		pick(draw, part, 0, fmt.Sprint("card-a", i))
		picked(p, "picks of the first pick of "+d)
		picked(f, "picks of the first pick of "+d)
		time.Sleep(100 * time.Millisecond)
		pick(draw, part, 1, fmt.Sprint("card-b", i))
		picked(p, "picks of the second pick of "+d)
		picked(f, "picks of the second pick of "+d)
	}
	// The listener of a new draw starts after its first pick, always: the
	// draw and the pick land in one commit.
	draw := sess.Collection("draws").Doc("d3")
	b := w.fs.Batch()
	b.Create(draw, map[string]any{"status": "open", "mode": "face_down", "picks_per_person": 1})
	b.Create(draw.Collection("picks").Doc(part+"_0"), map[string]any{"uid": part, "slot": 0, "card_id": "card-c"})
	if _, err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	picked(p, "picks of the pick that came with d3")
}

// An op sent again with its op_id (a reconnect before its ack arrived) is
// acknowledged again with its stamp and applied once.
func TestRepeatedOpID(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, nil)
	const ch = "canvas:c1"
	a := connect(t, g, tokOwner, ch)
	b := connect(t, g, tokEditor, ch)
	create := noteCreate(ch, "r1", "n1", "one", 10)
	a.send(create)
	first := a.expect(5*time.Second, "ack", typ(TypeAck))
	move := OpMsg{Type: TypeOp, Channel: ch, OpID: "r2", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 20.0}}
	a.send(move)
	a.expect(5*time.Second, "ack", typ(TypeAck))
	b.send(OpMsg{Type: TypeOp, Channel: ch, OpID: "b1", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 30.0}})
	b.expect(5*time.Second, "ack", typ(TypeAck))
	// The same ops again, as after a reconnect (a new socket).
	a2 := connect(t, g, tokOwner, ch)
	a2.send(create)
	again := a2.expect(5*time.Second, "ack or error", func(f frameRec) bool { return f.str("type") == TypeAck || f.str("type") == TypeError })
	if again.str("type") != TypeAck || again.str("op_id") != "r1" || again.m["stamp"] != first.m["stamp"] {
		t.Fatalf("resent create: %s, want the ack %s", again.raw, first.raw)
	}
	a2.send(move)
	if f := a2.expect(5*time.Second, "ack or error", func(f frameRec) bool { return f.str("type") == TypeAck || f.str("type") == TypeError }); f.str("type") != TypeAck {
		t.Fatalf("resent update: %s", f.raw)
	}
	a2.send(PingMsg{Type: TypePing})
	a2.expect(5*time.Second, "pong", typ(TypePong))
	time.Sleep(100 * time.Millisecond)
	n := map[string]int{}
	for _, f := range b.all() {
		if f.str("type") == TypeOp {
			n[f.str("op_id")]++
		}
	}
	if n["r1"] != 1 || n["r2"] != 1 {
		t.Fatalf("the editor got op frames %v, want r1 and r2 once each", n)
	}
	g.mu.Lock()
	c := g.channels[ch]
	g.mu.Unlock()
	c.mu.Lock()
	x := c.elems["n1"].Props["x"]
	c.mu.Unlock()
	if x != 30.0 {
		t.Fatalf("x %v, want 30 (the resent move must not overwrite the later change)", x)
	}
}

// On a demo project (the local suite) the loopback spellings of an
// allowed loopback origin are allowed too, as the media bucket's CORS
// allows both; nowhere else.
func TestOriginLoopbackAliases(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	demo := w.gateway(t, "i1", 1, func(d *Deps) {
		d.AllowedOrigins, d.LoopbackAliases = []string{"http://127.0.0.1:5000"}, true
	})
	prod := w.gateway(t, "i2", 2, func(d *Deps) { d.AllowedOrigins = []string{"http://127.0.0.1:5000"} })
	for _, tc := range []struct {
		g      *gateway
		origin string
		ok     bool
	}{
		{demo, "http://127.0.0.1:5000", true},
		{demo, "http://localhost:5000", true},
		{demo, "http://[::1]:5000", true},
		{demo, "http://localhost:5001", false},
		{demo, "http://evil.example:5000", false},
		{prod, "http://localhost:5000", false},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ws, _, err := websocket.Dial(ctx, tc.g.url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {tc.origin}}})
		cancel()
		if (err == nil) != tc.ok {
			t.Errorf("%s origin %s: err %v, want allowed=%v", tc.g.Instance(), tc.origin, err, tc.ok)
		}
		if ws != nil {
			ws.CloseNow()
		}
	}
}

// sinkPair is a socket whose peer reads and discards everything.
func sinkPair(t *testing.T, l Limits) *conn {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ws.SetReadLimit(-1)
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	ws, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	d, err := Deps{Verifier: testUsers.Verifier(), Firestore: &firestore.Client{}, Limits: l}.check()
	if err != nil {
		t.Fatal(err)
	}
	return newConn(&Gateway{d: d}, ws, nil)
}

// A frame costs the writer no context, deadline or timer of its own: the
// write timeout is one timer per socket.
func TestWriterFrameAllocations(t *testing.T) {
	c := sinkPair(t, DefaultLimits)
	f := []byte(`{"type":"op","channel":"canvas:c1","patch":{"id":"e","props":{"x":1},"stamps":{"x":1}}}`)
	if err := c.writeOne(f); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(500, func() {
		if err := c.writeOne(f); err != nil {
			t.Fatal(err)
		}
	}); n > 0 {
		t.Errorf("%.1f allocations per frame written, want 0", n)
	}
}

// Another instance's change seen through its element document before its
// op log entry still reaches subscribers as the op (op_id, from, sent_at):
// the element document waits for the log.
func TestElementDocumentWaitsForOpLog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := canvas.Stamp(time.Now().Add(-time.Minute).UnixMicro()<<canvas.NodeBits | 2)
	w.seedCanvas(t, sharedCanvas("c1"), canvas.Element{ID: "n1", Kind: canvas.KindNote, Owner: uidOf(tokEditor),
		Props: map[string]any{"x": 1.0, "y": 0.0, "text": "t"}, Stamps: map[string]canvas.Stamp{"x": base, "y": base, "text": base}})
	g := w.gateway(t, "i1", 1, nil)
	const ch = "canvas:c1"
	a := connect(t, g, tokOwner, ch)
	ctx := context.Background()
	ref := w.canvasRef(apitest.OrgA, "c1")
	for i := range 3 {
		// Instance i2 (clock node 2) moved n1: its element document lands
		// first, its op log entry a moment later.
		stamp := canvas.Stamp(time.Now().UnixMicro()<<canvas.NodeBits | 2)
		x := float64(10 + i)
		if _, err := ref.Collection("elements").Doc("n1").Set(ctx, map[string]any{"kind": canvas.KindNote, "owner": uidOf(tokEditor),
			"props": map[string]any{"x": x, "y": 0.0, "text": "t"}, "stamps": map[string]int64{"x": int64(stamp), "y": int64(base), "text": int64(base)}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		opID := fmt.Sprint("remote-", i)
		if _, err := ref.Collection("ops").NewDoc().Create(ctx, map[string]any{"instance": "i2", "t": time.Now().UnixMilli(),
			"ops": 1, "uids": []string{uidOf(tokEditor)}, "patches": []map[string]any{{"id": "n1", "props": map[string]any{"x": x},
				"stamps": map[string]int64{"x": int64(stamp)}, "op_id": opID, "from": uidOf(tokEditor), "sent_at": 77.0}}}); err != nil {
			t.Fatal(err)
		}
		f := a.expect(5*time.Second, "the move", typOn(TypeOp, ch))
		var m OpOutMsg
		if err := json.Unmarshal(f.raw, &m); err != nil || m.OpID != opID || m.From != uidOf(tokEditor) || m.SentAt == nil || m.Patch.Props["x"] != x {
			t.Fatalf("got %s, want the op %s with its identity", f.raw, opID)
		}
	}
	// A change that never goes through the op log (the canvas API's
	// restore) still arrives, once.
	stamp := canvas.Stamp(time.Now().UnixMicro()<<canvas.NodeBits | 3)
	if _, err := ref.Collection("elements").Doc("n1").Set(ctx, map[string]any{"kind": canvas.KindNote, "owner": uidOf(tokEditor),
		"props": map[string]any{"x": 99.0, "y": 0.0, "text": "t"}, "stamps": map[string]int64{"x": int64(stamp), "y": int64(base), "text": int64(base)}}); err != nil {
		t.Fatal(err)
	}
	if f := a.expect(5*time.Second, "the restore", typOn(TypeOp, ch)); !strings.Contains(string(f.raw), `"x":99`) {
		t.Fatalf("restore: %s", f.raw)
	}
}

// The GC's soft limit follows the container's memory, so garbage never
// pushes an instance with many idle sockets past its size.
func TestSoftMemoryLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"536870912\n", 536870912 / 100 * 80, true},
		{"max\n", 0, false},
		{"", 0, false},
		{"-5", 0, false},
		{"12abc", 0, false},
	} {
		got, ok := softLimit(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("softLimit(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// The declared soft limit is read as the runtime reads GOMEMLIMIT; a value
// the runtime would refuse stops the instance with a clear error.
func TestParseByteSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"410MiB", 410 << 20, true},
		{"1GiB", 1 << 30, true},
		{"512KiB", 512 << 10, true},
		{"1048576", 1 << 20, true},
		{"100B", 100, true},
		{" 2TiB ", 2 << 40, true},
		{"", 0, false},
		{"MiB", 0, false},
		{"-1MiB", 0, false},
		{"410MB", 0, false},
		{"9999999999TiB", 0, false},
	} {
		got, err := parseByteSize(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
