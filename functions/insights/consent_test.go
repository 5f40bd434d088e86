package insights

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/insights"
)

// TestWithdrawal: a withdrawn canvas_insights consent removes the person
// from the live view, the state and the stored retrospective within 5 s
// of the consent write, through the declared Firestore trigger.
func TestWithdrawal(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	now := time.Now().UTC()
	start := now.Add(-8 * time.Minute)
	const sid = "s-withdraw"
	const a, b = "u-w-a", "u-w-b"
	w.session(sid, start, []string{a, b}, "pause", "expand")
	w.consent(a, true)
	w.consent(b, true)
	var ops []op
	for i := range 12 {
		ops = append(ops, op{id: "b" + itoa(int64(i)), kind: "note", owner: b, from: b, props: map[string]any{"x": i}})
	}
	w.logEntry(sid, "e1", start.Add(time.Minute), append(ops, op{id: "a1", kind: "note", owner: a, from: a})...)
	w.canvasOp(sid, b, "b1", "note", start.Add(time.Minute))
	w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool { return totalOps(l) == 13 })
	w.end(sid, now)
	waitFor(t, "retrospective", 8*time.Second, func() bool {
		d, _ := readRetro(t.Context(), sessionRefs(w.fs, orgA, sid).retro)
		return d != nil && slices.Contains(d.UIDs, b)
	})
	time.Sleep(DefaultMinGap) // the withdrawal does not ride a flush that is due anyway

	at := time.Now()
	w.consent(b, false)
	l := w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool {
		p := participantOf(l, b)
		return p != nil && !p.Shared && !slices.Contains(l.UIDs, b)
	})
	waitFor(t, "retrospective without the person", 5*time.Second-time.Since(at), func() bool {
		d, _ := readRetro(t.Context(), sessionRefs(w.fs, orgA, sid).retro)
		return d != nil && !slices.Contains(d.UIDs, b)
	})
	t.Logf("removed within %v", time.Since(at).Round(time.Millisecond))
	if totalOps(l) != 1 {
		t.Errorf("live counts %d ops after the withdrawal, want 1", totalOps(l))
	}
	docs, err := sessionRefs(w.fs, orgA, sid).session.Collection(collInsights).Documents(t.Context()).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		raw, _ := json.Marshal(d.Data())
		var v any
		_ = json.Unmarshal(raw, &v)
		checkHidden(t, "stored "+d.Ref.ID, v, b)
	}
	var retro Retrospective
	w.do("GET", "/v1/sessions/"+sid+"/retrospective", facA, nil).Want(t, http.StatusOK).JSON(t, &retro)
	if retro.Participation.SharedCount != 1 || retro.Participation.NotSharedCount != 1 {
		t.Errorf("retrospective participation = %+v", retro.Participation)
	}
	// A later flush (any event) does not bring them back.
	w.canvasOp(sid, a, "a1", "note", now)
	time.Sleep(1500 * time.Millisecond)
	if l := w.live(sid); slices.Contains(l.UIDs, b) || participantOf(l, b).Shared {
		t.Error("a flush after the withdrawal shares the person again")
	}
}

// TestErasure: an erasure takes the uid out of every array and field of
// the shared insights documents and deletes the consent state, in any
// order; the trigger still finds the session (uid_hashes) and forgets the
// figures kept under the person's uid.
func TestErasure(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	now := time.Now().UTC()
	const sid = "s-erase"
	const a, b = "u-e-a", "u-e-b"
	w.session(sid, now.Add(-5*time.Minute), []string{a, b}, "pause")
	w.consent(a, true)
	w.consent(b, true)
	w.logEntry(sid, "e1", now.Add(-time.Minute), op{id: "x", kind: "note", owner: b, from: b}, op{id: "y", kind: "note", owner: a, from: a})
	w.canvasOp(sid, b, "x", "note", now.Add(-time.Minute))
	w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool { return totalOps(l) == 2 })
	time.Sleep(DefaultMinGap)

	// What the erasure job does to documents several people share.
	ctx := t.Context()
	docs, err := sessionRefs(w.fs, orgA, sid).session.Collection(collInsights).Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if _, err := d.Ref.Set(ctx, scrubValue(d.Data(), b)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.fs.Doc("users/" + b + "/consent/state").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the figures kept under the uid forgotten", 5*time.Second, func() bool {
		snap, err := sessionRefs(w.fs, orgA, sid).state.Get(ctx)
		if err != nil {
			return false
		}
		st := decodeState(snap)
		_, kept := st.Engine.People[b]
		return !kept && !slices.Contains(st.UIDHashes, uidHash(b))
	})
}

// scrubValue is x without the string v: dropped from arrays, emptied
// elsewhere (the erasure job's treatment of shared documents).
func scrubValue(x any, v string) any {
	switch t := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = scrubValue(e, v)
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok && s == v {
				continue
			}
			out = append(out, scrubValue(e, v))
		}
		return out
	case string:
		if t == v {
			return ""
		}
	}
	return x
}
