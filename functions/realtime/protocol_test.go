package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/events"
)

func sharedCanvas(id string) canvas.Meta {
	return canvas.Meta{ID: id, Title: "board", Owner: uidOf(tokOwner), Visibility: canvas.Shared,
		Shares: map[string]canvas.Share{uidOf(tokEditor): {Role: canvas.RoleEditor}, uidOf(tokViewer): {Role: canvas.RoleViewer}}}
}

func TestProtocolHappyPath(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stamp := canvas.Stamp(time.Now().Add(-time.Hour).UnixMicro() << canvas.NodeBits)
	w.seedCanvas(t, sharedCanvas("c1"), canvas.Element{ID: "old", Kind: canvas.KindNote, Owner: uidOf(tokOwner),
		Props: map[string]any{"x": 1.0, "y": 2.0, "text": "hello", "deleted": false}, Stamps: map[string]canvas.Stamp{"x": stamp, "y": stamp, "text": stamp, "deleted": stamp}})
	evs := apitest.NewEvents(t, apitest.EventsOptions{})
	g := w.gateway(t, "i1", 1, func(d *Deps) { d.Events = evs })

	owner := dial(t, g.url, "owner")
	owner.send(AuthMsg{Type: TypeAuth, Token: tokOwner})
	ready := owner.expect(5*time.Second, "ready", typ(TypeReady))
	if ready.str("uid") != uidOf(tokOwner) || ready.str("instance") != "i1" || ready.str("expires_at") == "" {
		t.Fatalf("ready: %s", ready.raw)
	}
	snap := owner.join("canvas:c1", 0)
	var s SnapshotMsg
	if err := json.Unmarshal(snap.raw, &s); err != nil {
		t.Fatal(err)
	}
	if s.Role != canvas.RoleOwner || !s.Complete || len(s.Elements) != 1 || s.Elements[0].Props["text"] != "hello" || s.Cursor != stamp {
		t.Fatalf("snapshot: %s", snap.raw)
	}
	editor := connect(t, g, tokEditor, "canvas:c1")
	viewer := connect(t, g, tokViewer, "canvas:c1")

	sent := float64(time.Now().UnixMilli())
	op := noteCreate("canvas:c1", "op-1", "n1", "first", 10)
	op.SentAt = &sent
	editor.send(op)
	ack := editor.expect(5*time.Second, "ack", typ(TypeAck))
	if ack.str("op_id") != "op-1" || ack.m["stamp"].(float64) <= 0 {
		t.Fatalf("ack: %s", ack.raw)
	}
	for _, c := range []*client{owner, viewer} {
		f := c.expect(5*time.Second, "op", typOn(TypeOp, "canvas:c1"))
		var m OpOutMsg
		if err := json.Unmarshal(f.raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.From != uidOf(tokEditor) || m.OpID != "op-1" || m.Patch.Kind != canvas.KindNote || m.Patch.Props["text"] != "first" ||
			m.SentAt == nil || *m.SentAt != sent {
			t.Fatalf("%s: op: %s", c.name, f.raw)
		}
	}
	// The viewer may not edit.
	viewer.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "v1", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 5.0}})
	viewer.expect(5*time.Second, "forbidden", errCode(CodeForbidden))

	// A drag locks the element for others.
	owner.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "d1", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 20.0}, Drag: true})
	owner.expect(5*time.Second, "ack of the drag", typ(TypeAck))
	editor.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "e2", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 30.0}})
	editor.expect(5*time.Second, "locked", errCode(CodeLocked))

	// Cursors go to the others at once; ping answers pong.
	owner.send(CursorMsg{Type: TypeCursor, Channel: "canvas:c1", X: 3, Y: 4})
	cur := editor.expect(5*time.Second, "cursor", typ(TypeCursor))
	if cur.str("uid") != uidOf(tokOwner) || cur.m["x"] != 3.0 {
		t.Fatalf("cursor: %s", cur.raw)
	}
	owner.send(PingMsg{Type: TypePing})
	owner.expect(5*time.Second, "pong", typ(TypePong))
	eventually(t, 5*time.Second, "a presence list of the three", func() bool {
		for _, f := range owner.all() {
			ps, _ := f.m["people"].([]any)
			if f.str("type") == TypePresence && len(ps) == 3 && strings.Contains(string(f.raw), uidOf(tokViewer)) {
				return true
			}
		}
		return false
	})

	// Delete, then the element document carries expire_at; the op log has
	// every op; the canvas is marked dirty.
	owner.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "del", Action: canvas.ActionDelete, ElementID: "n1"})
	owner.expect(5*time.Second, "ack of the delete", typ(TypeAck))
	eventually(t, 5*time.Second, "deleted element stored with expire_at", func() bool {
		snap, err := w.canvasRef(apitest.OrgA, "c1").Collection("elements").Doc("n1").Get(context.Background())
		if err != nil {
			return false
		}
		props, _ := snap.Data()["props"].(map[string]any)
		return props["deleted"] == true && props["x"] == 20.0 && snap.Data()["expire_at"] != nil
	})
	owner.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "res", Action: canvas.ActionRestore, ElementID: "n1"})
	owner.expect(5*time.Second, "ack of the restore", typ(TypeAck))
	eventually(t, 5*time.Second, "restored element without expire_at", func() bool {
		snap, err := w.canvasRef(apitest.OrgA, "c1").Collection("elements").Doc("n1").Get(context.Background())
		if err != nil {
			return false
		}
		props, _ := snap.Data()["props"].(map[string]any)
		_, has := snap.Data()["expire_at"]
		return props["deleted"] == false && !has
	})
	eventually(t, 5*time.Second, "op log holds the four ops", func() bool {
		docs, _ := w.canvasRef(apitest.OrgA, "c1").Collection("ops").Documents(context.Background()).GetAll()
		n := 0
		for _, d := range docs {
			k, _ := toInt(d.Data()["ops"])
			n += int(k)
		}
		return n == 4
	})
	meta, err := w.canvasRef(apitest.OrgA, "c1").Get(context.Background())
	if err != nil || meta.Data()["dirty_since"] == nil {
		t.Fatalf("dirty_since not set: %v", err)
	}

	// Unsubscribe ends the channel's frames for that socket.
	viewer.send(UnsubscribeMsg{Type: TypeUnsubscribe, Channel: "canvas:c1"})
	viewer.send(PingMsg{Type: TypePing})
	viewer.expect(5*time.Second, "pong", typ(TypePong))
	owner.send(noteCreate("canvas:c1", "op-9", "n9", "after", 1))
	editor.expect(5*time.Second, "op n9", typOn(TypeOp, "canvas:c1"))
	time.Sleep(100 * time.Millisecond)
	for _, f := range viewer.all() {
		if strings.Contains(string(f.raw), "n9") {
			t.Fatalf("viewer got a frame after unsubscribing: %s", f.raw)
		}
	}

	// Every accepted op became a canvas.op event: ids, kinds and counts.
	eventually(t, 10*time.Second, "five canvas.op events", func() bool { return len(evs.Of(events.TypeCanvasOp)) == 5 })
	var ops []string
	for _, e := range evs.Of(events.TypeCanvasOp) {
		p := apitest.Payload[events.CanvasOp](t, e)
		ops = append(ops, string(p.Op)+"/"+string(p.ElementKind))
		if e.CanvasID != "c1" || strings.Contains(string(e.Payload), "first") || strings.Contains(string(e.Payload), "after") {
			t.Errorf("event: %+v %s", e, e.Payload)
		}
	}
	slices.Sort(ops)
	if want := "create/note create/note delete/note move/note restore/note"; strings.Join(ops, " ") != want {
		t.Errorf("events %v, want %s", ops, want)
	}
}

func TestBadFrames(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, nil)

	pre := dial(t, g.url, "pre")
	pre.send(SubscribeMsg{Type: TypeSubscribe, Channel: "canvas:c1"})
	pre.expect(5*time.Second, "unauthenticated", errCode(CodeUnauthenticated))

	c := connect(t, g, tokOwner, "canvas:c1")
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"not json", `{nope`, CodeBadRequest},
		{"no type", `{"channel":"canvas:c1"}`, CodeBadRequest},
		{"array", `[1,2]`, CodeBadRequest},
		{"unknown type", `{"type":"explode"}`, CodeBadRequest},
		{"bad channel", `{"type":"subscribe","channel":"board:c1"}`, CodeBadRequest},
		{"channel with slash", `{"type":"subscribe","channel":"canvas:a/b"}`, CodeBadRequest},
		{"negative since", `{"type":"subscribe","channel":"canvas:c2","since":-1}`, CodeBadRequest},
		{"already subscribed", `{"type":"subscribe","channel":"canvas:c1"}`, CodeBadRequest},
		{"unknown canvas", `{"type":"subscribe","channel":"canvas:nope"}`, CodeNotFound},
		{"op before subscribe", `{"type":"op","channel":"canvas:other","op_id":"1","action":"create","element_id":"e"}`, CodeNotFound},
		{"op wrong action", `{"type":"op","channel":"canvas:c1","op_id":"1","action":"explode","element_id":"e"}`, CodeBadRequest},
		{"op bad element id", `{"type":"op","channel":"canvas:c1","op_id":"1","action":"create","element_id":"a/b"}`, CodeBadRequest},
		{"op props not object", `{"type":"op","channel":"canvas:c1","op_id":"1","action":"create","element_id":"e","props":[1]}`, CodeBadRequest},
		{"update of missing", `{"type":"op","channel":"canvas:c1","op_id":"1","action":"update","element_id":"missing","props":{"x":1}}`, CodeNotFound},
		{"cursor not numbers", `{"type":"cursor","channel":"canvas:c1","x":"a","y":1}`, CodeBadRequest},
		{"follow bad mode", `{"type":"follow","channel":"canvas:c1","mode":"dance","viewport":{"x":0,"y":0,"zoom":1}}`, CodeBadRequest},
		{"follow not facilitator", `{"type":"follow","channel":"canvas:c1","mode":"follow_me","viewport":{"x":0,"y":0,"zoom":1}}`, CodeForbidden},
		{"undo nothing", `{"type":"undo","channel":"canvas:c1"}`, CodeNotFound},
	} {
		c.sendRaw([]byte(tc.frame))
		f := c.expect(5*time.Second, tc.name, typ(TypeError))
		if f.str("code") != tc.code || f.str("detail") == "" {
			t.Errorf("%s: got %s, want code %s", tc.name, f.raw, tc.code)
		}
	}
	c.send(noteCreate("canvas:c1", "ok", "e1", "x", 1))
	c.expect(5*time.Second, "ack after the bad frames", typ(TypeAck))
	c.send(noteCreate("canvas:c1", "again", "e1", "x", 1))
	c.expect(5*time.Second, "conflict on a second create", errCode(CodeConflict))
}

func TestFrameTooLarge(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.gateway(t, "i1", 1, nil)
	c := connect(t, g, tokOwner, "")
	big := `{"type":"ping","pad":"` + strings.Repeat("x", 70<<10) + `"}`
	c.sendRaw([]byte(big))
	bye := c.expect(5*time.Second, "bye", typ(TypeBye))
	if bye.str("reason") != ByeTooLarge {
		t.Fatalf("bye: %s", bye.raw)
	}
	if code := c.closeStatus(5 * time.Second); code != websocket.StatusMessageTooBig {
		t.Fatalf("close %v, want 1009", code)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, func(d *Deps) {
		d.Limits.OpsPerSecond, d.Limits.OpsBurst, d.Limits.AbuseAfter = 1, 5, 30
	})
	// Two sockets of one person share the bucket.
	a := connect(t, g, tokOwner, "canvas:c1")
	b := connect(t, g, tokOwner, "canvas:c1")
	for i := range 4 {
		a.send(noteCreate("canvas:c1", fmt.Sprint("a", i), fmt.Sprint("a", i), "x", 1))
		b.send(noteCreate("canvas:c1", fmt.Sprint("b", i), fmt.Sprint("b", i), "x", 1))
	}
	limited := 0
	for _, c := range []*client{a, b} {
		for range 4 {
			f := c.expect(5*time.Second, "answer", func(f frameRec) bool { return f.str("type") == TypeAck || f.str("type") == TypeError })
			if f.str("code") == CodeRateLimited {
				limited++
			}
		}
	}
	if limited < 2 {
		t.Fatalf("%d of 8 ops rate limited, want ≥ 2 (burst 5 shared by both sockets)", limited)
	}
	// Sustained abuse ends the socket.
	for i := range 40 {
		a.send(noteCreate("canvas:c1", fmt.Sprint("z", i), fmt.Sprint("z", i), "x", 1))
	}
	bye := a.expect(5*time.Second, "bye rate", typ(TypeBye))
	if bye.str("reason") != ByeRate {
		t.Fatalf("bye: %s", bye.raw)
	}
	if code := a.closeStatus(5 * time.Second); code != websocket.StatusPolicyViolation {
		t.Fatalf("close %v, want 1008", code)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	var expiry func(string) time.Time
	g := w.gateway(t, "i1", 1, func(d *Deps) {
		d.Limits.AuthTimeout = 300 * time.Millisecond
		d.TokenExpiry = func(tok string) time.Time { return expiry(tok) }
	})
	expiry = func(tok string) time.Time {
		if tok == tokViewer {
			return time.Now().Add(400 * time.Millisecond)
		}
		return time.Now().Add(time.Hour)
	}
	t.Run("refresh with another uid closes", func(t *testing.T) {
		c := connect(t, g, tokOwner, "canvas:c1")
		c.send(AuthMsg{Type: TypeAuth, Token: tokOwner})
		c.expect(5*time.Second, "second ready", typ(TypeReady))
		c.send(AuthMsg{Type: TypeAuth, Token: tokEditor})
		if bye := c.expect(5*time.Second, "bye", typ(TypeBye)); bye.str("reason") != ByeAuth {
			t.Fatalf("bye: %s", bye.raw)
		}
		if code := c.closeStatus(5 * time.Second); code != CloseAuth {
			t.Fatalf("close %v, want 4001", code)
		}
	})
	t.Run("invalid token closes", func(t *testing.T) {
		c := dial(t, g.url, "bad")
		c.send(AuthMsg{Type: TypeAuth, Token: "forged"})
		if code := c.closeStatus(5 * time.Second); code != CloseAuth {
			t.Fatalf("close %v, want 4001", code)
		}
	})
	t.Run("no auth in time closes", func(t *testing.T) {
		c := dial(t, g.url, "silent")
		if code := c.closeStatus(5 * time.Second); code != CloseAuth {
			t.Fatalf("close %v, want 4001", code)
		}
	})
	t.Run("expired token without refresh closes", func(t *testing.T) {
		c := connect(t, g, tokViewer, "")
		if bye := c.expect(5*time.Second, "bye", typ(TypeBye)); bye.str("reason") != ByeAuth {
			t.Fatalf("bye: %s", bye.raw)
		}
	})
}

func TestSlowConsumerIsDropped(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, func(d *Deps) {
		d.Limits.SendQueue, d.Limits.OpsPerSecond, d.Limits.OpsBurst = 128, 1e6, 1e6
		d.Limits.WriteTimeout = 500 * time.Millisecond
		// Only the queue may drop the silent socket here, not the heartbeat.
		d.Limits.PingEvery, d.Limits.IdleAfter = time.Hour, 2*time.Hour
	})
	fast := connect(t, g, tokEditor, "canvas:c1")
	// The slow socket never reads after its snapshot.
	// with a tiny receive buffer.
	tiny := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}}}
	slowWS, _, err := websocket.Dial(context.Background(), g.url, &websocket.DialOptions{HTTPClient: tiny})
	if err != nil {
		t.Fatal(err)
	}
	defer slowWS.CloseNow()
	ctx := context.Background()
	_ = slowWS.Write(ctx, websocket.MessageText, []byte(`{"type":"auth","token":"viewer"}`))
	_ = slowWS.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","channel":"canvas:c1"}`))
	eventually(t, 10*time.Second, "the slow socket subscribed", func() bool { return g.subscribers("canvas:c1") == 2 })
	owner := connect(t, g, tokOwner, "canvas:c1")
	pad := strings.Repeat("p", 9000)
	// Send in rounds the fast client keeps up with, until the slow socket
	// (whose kernel buffers and queue fill) is dropped.
	sent, got := 0, 0
	for g.Stats().SlowDropped.Load() == 0 && sent < 5000 {
		for range 50 {
			owner.send(noteCreate("canvas:c1", fmt.Sprint("o", sent), fmt.Sprint("e", sent), pad, float64(sent)))
			sent++
		}
		for got < sent {
			if _, ok := fast.await(20*time.Second, typOn(TypeOp, "canvas:c1")); !ok {
				t.Fatalf("the fast client got %d of %d ops", got, sent)
			}
			got++
		}
	}
	t.Logf("slow socket dropped after %d ops of 9 KB; the fast client got all of them", sent)
	eventually(t, 10*time.Second, "slow socket dropped", func() bool { return g.Stats().SlowDropped.Load() >= 1 })
}

func TestDrain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, func(d *Deps) { d.Limits.ElementWrite = time.Hour })
	a := connect(t, g, tokOwner, "canvas:c1")
	b := connect(t, g, tokEditor, "canvas:c1")
	a.send(noteCreate("canvas:c1", "1", "n1", "kept", 1))
	a.expect(5*time.Second, "ack", typ(TypeAck))
	// The first write of an element is due at once; this update waits an hour.
	time.Sleep(200 * time.Millisecond)
	a.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "2", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 42.0}})
	a.expect(5*time.Second, "ack", typ(TypeAck))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{a, b} {
		if bye := c.expect(5*time.Second, "bye", typ(TypeBye)); bye.str("reason") != ByeDrain {
			t.Fatalf("bye: %s", bye.raw)
		}
		if code := c.closeStatus(5 * time.Second); code != CloseDrain {
			t.Fatalf("close %v, want 1012", code)
		}
	}
	els := w.storedElements(t, apitest.OrgA, "c1")
	if e := els["n1"]; e == nil || e.Props["x"] != 42.0 {
		t.Fatalf("pending element write not flushed: %+v", e)
	}
	resp, err := http.Get(strings.Replace(g.url, "ws", "http", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("new socket while draining: %d, want 503", resp.StatusCode)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.gateway(t, "i1", 1, nil)
	resp, err := http.Get(strings.Replace(g.url, "ws", "http", 1) + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %d", resp.StatusCode)
	}
}

func TestOriginChecked(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.gateway(t, "i1", 1, func(d *Deps) { d.AllowedOrigins = []string{"http://127.0.0.1:5000"} })
	for origin, ok := range map[string]bool{"http://127.0.0.1:5000": true, "https://evil.example": false} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ws, _, err := websocket.Dial(ctx, g.url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		cancel()
		if (err == nil) != ok {
			t.Errorf("origin %s: err %v, want allowed=%v", origin, err, ok)
		}
		if ws != nil {
			ws.CloseNow()
		}
	}
}
