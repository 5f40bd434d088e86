package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/canvas"
)

func TestSessionChannel(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	fac, part := uidOf(tokFac), uidOf(tokEditor)
	sess := w.fs.Collection("orgs").Doc(apitest.OrgA).Collection("sessions").Doc("s1")
	if _, err := sess.Set(ctx, map[string]any{"org": apitest.OrgA, "facilitator": fac, "co_facilitators": []string{},
		"status": "scheduled", "title": "private title"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Collection("members").Doc(part).Set(ctx, map[string]any{"role": "participant", "uid": part}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.fs.Collection("session_index").Doc("s1").Set(ctx, map[string]any{"org": apitest.OrgA}); err != nil {
		t.Fatal(err)
	}
	g := w.gateway(t, "i1", 1, nil)
	const ch = "session:s1"
	who := map[string]string{tokFac: "facilitator", tokEditor: "participant", apitest.AdminA: "org_staff", tokOutsider: "", tokOtherOrg: ""}
	cs := map[string]*client{}
	for tok, rel := range who {
		c := connect(t, g, tok, "")
		f := c.join(ch, 0)
		if rel == "" {
			if f.str("code") != CodeNotFound {
				t.Fatalf("%s: %s, want not_found", tok, f.raw)
			}
			continue
		}
		if f.str("type") != TypeSnapshot || f.str("role") != rel {
			t.Fatalf("%s: %s, want a snapshot as %s", tok, f.raw, rel)
		}
		s := c.expect(5*time.Second, "session state", typOn(TypeSession, ch))
		if s.str("status") != "scheduled" || strings.Contains(string(s.raw), "private title") {
			t.Fatalf("%s: %s", tok, s.raw)
		}
		cs[tok] = c
	}
	changed := func(c *client, what string) frameRec {
		t.Helper()
		return c.expect(5*time.Second, "session "+what, func(f frameRec) bool {
			var m SessionMsg
			return f.str("type") == TypeSession && json.Unmarshal(f.raw, &m) == nil && slices.Contains(m.Changed, what)
		})
	}
	if _, err := sess.Update(ctx, []firestore.Update{{Path: "status", Value: "live"},
		{Path: "current", Value: map[string]any{"step": 1, "moves": 1, "changed_at": time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	f := changed(cs[tokEditor], "state")
	var m SessionMsg
	if err := json.Unmarshal(f.raw, &m); err != nil || m.Status != "live" || m.Step == nil || m.Step.Step != 1 {
		t.Fatalf("state: %s", f.raw)
	}
	draw := sess.Collection("draws").Doc("d1")
	if _, err := draw.Set(ctx, map[string]any{"status": "open"}); err != nil {
		t.Fatal(err)
	}
	changed(cs[tokEditor], "draws")
	time.Sleep(200 * time.Millisecond) // the draw's picks listener starts
	if _, err := draw.Collection("picks").Doc("p1").Set(ctx, map[string]any{"uid": part, "card_id": "secret-card"}); err != nil {
		t.Fatal(err)
	}
	changed(cs[tokFac], "picks")
	if _, err := sess.Collection("breakouts").Doc("b1").Set(ctx, map[string]any{"rooms": 2}); err != nil {
		t.Fatal(err)
	}
	changed(cs[tokEditor], "breakouts")
	if _, err := sess.Collection("homework").Doc("h1").Set(ctx, map[string]any{"title": "x"}); err != nil {
		t.Fatal(err)
	}
	changed(cs[tokFac], "homework")

	// Facilitators lead the view; participants may not.
	cs[tokFac].send(FollowMsg{Type: TypeFollow, Channel: ch, Mode: "bring_all", Viewport: Viewport{X: 1, Y: 2, Zoom: 1}})
	if f := cs[tokEditor].expect(5*time.Second, "follow", typ(TypeFollow)); f.str("from") != fac || f.str("mode") != "bring_all" {
		t.Fatalf("follow: %s", f.raw)
	}
	cs[tokEditor].send(FollowMsg{Type: TypeFollow, Channel: ch, Mode: "follow_me", Viewport: Viewport{Zoom: 1}})
	cs[tokEditor].expect(5*time.Second, "forbidden", errCode(CodeForbidden))

	// A participant removed from the session loses the channel.
	if _, err := sess.Collection("members").Doc(part).Delete(ctx); err != nil {
		t.Fatal(err)
	}
	cs[tokEditor].expect(5*time.Second, "revoked", typOn(TypeRevoked, ch))
	for _, c := range cs {
		for _, f := range c.all() {
			if strings.Contains(string(f.raw), "secret-card") || strings.Contains(string(f.raw), "private title") {
				t.Errorf("%s: session content leaked: %s", c.name, f.raw)
			}
		}
	}
}

func TestUndoRedo(t *testing.T) {
	t.Parallel()
	probe := canvas.Inverse(nil, canvas.Patch{ID: "x", Kind: canvas.KindNote, Props: map[string]any{"x": 1.0}, Stamps: map[string]canvas.Stamp{"x": 1}}, 2)
	if probe.Empty() {
		t.Skip("canvas.Inverse is not implemented yet")
	}
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	g := w.gateway(t, "i1", 1, nil)
	a := connect(t, g, tokOwner, "canvas:c1")
	b := connect(t, g, tokEditor, "canvas:c1")
	a.send(noteCreate("canvas:c1", "1", "n1", "one", 10))
	a.expect(5*time.Second, "ack", typ(TypeAck))
	a.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "2", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 50.0}})
	a.expect(5*time.Second, "ack", typ(TypeAck))
	b.expect(5*time.Second, "x 50", func(f frameRec) bool { return strings.Contains(string(f.raw), `"x":50`) })
	a.send(UndoMsg{Type: TypeUndo, Channel: "canvas:c1"})
	if f := b.expect(5*time.Second, "undo to x 10", typ(TypeOp)); !strings.Contains(string(f.raw), `"x":10`) {
		t.Fatalf("undo: %s", f.raw)
	}
	a.expect(5*time.Second, "own undo", func(f frameRec) bool { return f.str("type") == TypeOp && strings.Contains(string(f.raw), `"x":10`) })
	a.send(RedoMsg{Type: TypeRedo, Channel: "canvas:c1"})
	if f := b.expect(5*time.Second, "redo to x 50", typ(TypeOp)); !strings.Contains(string(f.raw), `"x":50`) {
		t.Fatalf("redo: %s", f.raw)
	}
	// Someone else's later change of the property makes the undo a conflict.
	b.send(OpMsg{Type: TypeOp, Channel: "canvas:c1", OpID: "b1", Action: canvas.ActionUpdate, ElementID: "n1", Props: map[string]any{"x": 70.0}})
	b.expect(5*time.Second, "ack", typ(TypeAck))
	a.send(UndoMsg{Type: TypeUndo, Channel: "canvas:c1"})
	a.expect(5*time.Second, "conflict", errCode(CodeConflict))
}

func TestPresenceAcrossInstances(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.seedCanvas(t, sharedCanvas("c1"))
	if _, err := w.fs.Collection("users").Doc(uidOf(tokEditor)).Set(context.Background(), map[string]any{"display_name": "Eddie"}); err != nil {
		t.Fatal(err)
	}
	g1, g2 := w.gateway(t, "i1", 1, nil), w.gateway(t, "i2", 2, nil)
	a := connect(t, g1, tokOwner, "canvas:c1")
	b := connect(t, g2, tokEditor, "canvas:c1")
	a.expect(5*time.Second, "both in the list", func(f frameRec) bool {
		return f.str("type") == TypePresence && strings.Contains(string(f.raw), "Eddie") && strings.Contains(string(f.raw), uidOf(tokOwner))
	})
	b.send(CursorMsg{Type: TypeCursor, Channel: "canvas:c1", X: 11, Y: 12})
	if f := a.expect(5*time.Second, "the cursor from the other instance", typ(TypeCursor)); f.str("uid") != uidOf(tokEditor) || f.m["x"] != 11.0 {
		t.Fatalf("cursor: %s", f.raw)
	}
	// An op on one instance reaches the other through the op log.
	sent := 1234.0
	op := noteCreate("canvas:c1", "x1", "n1", "hi", 1)
	op.SentAt = &sent
	b.send(op)
	f := a.expect(5*time.Second, "the op from the other instance", typ(TypeOp))
	var m OpOutMsg
	if err := json.Unmarshal(f.raw, &m); err != nil || m.OpID != "x1" || m.From != uidOf(tokEditor) || m.SentAt == nil || *m.SentAt != sent {
		t.Fatalf("op: %s", f.raw)
	}
	b.ws.CloseNow()
	a.expect(5*time.Second, "the list without the editor", func(f frameRec) bool {
		return f.str("type") == TypePresence && !strings.Contains(string(f.raw), "Eddie")
	})
}
