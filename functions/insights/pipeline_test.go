package insights

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"pointsofyou.ai/studio/shared/insights"
)

// Participants of the pipeline scenario; hidden never consents.
const (
	p1     = "u-pipe-one"
	p2     = "u-pipe-two"
	p3     = "u-pipe-three"
	hidden = "u-hidden-four"
	secret = "SECRET-NOTE-TEXT"
)

// TestPipeline runs a small session through the deployed wiring: op-log
// entries in Firestore, canvas.op and session.* events through Pub/Sub and
// Eventarc (the declared filter), consent through the vault, Vertex for
// the texts; then the API's answers and what is stored.
func TestPipeline(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	now := time.Now().UTC()
	start := now.Add(-10 * time.Minute)
	const sid = "s-pipe"
	w.session(sid, start, []string{p1, p2, p3, hidden}, "pause", "expand", "focus")
	for _, u := range []string{p1, p2, p3} {
		w.consent(u, true)
	}
	w.set("content/calm-morning", map[string]any{"themes": []string{"calm", "morning"}, "status": "published"})

	// Before any flush: version 0, everyone listed, shared per consent.
	var l0 insights.Live
	w.do("GET", "/v1/sessions/"+sid+"/live", facA, nil).Want(t, http.StatusOK).JSON(t, &l0)
	if l0.Version != 0 || len(l0.Participants) != 4 || participantOf(&l0, hidden).Shared || !participantOf(&l0, p1).Shared {
		t.Fatalf("empty view = %+v", l0)
	}

	// Pause: p1 makes a note and moves it, p2 places a card, hidden makes
	// a note, p3 connects p1's note to hidden's.
	t0 := start.Add(2 * time.Minute)
	w.logEntry(sid, "e1", t0,
		op{id: "n1", kind: "note", owner: p1, from: p1, props: map[string]any{"text": secret, "x": 1}},
		op{id: "n4", kind: "note", owner: hidden, from: hidden, props: map[string]any{"text": secret}})
	w.logEntry(sid, "e2", t0.Add(20*time.Second),
		op{id: "n1", from: p1, props: map[string]any{"x": 5}},
		op{id: "k1", kind: "card", owner: p2, from: p2, props: map[string]any{"card_id": "calm-morning"}},
		op{id: "l1", kind: "connector", owner: p3, from: p3, props: map[string]any{"from": map[string]any{"element": "n1"}, "to": map[string]any{"element": "n4"}}})
	w.canvasOp(sid, p1, "n1", "note", t0)
	w.canvasOp(sid, p3, "l1", "connector", t0.Add(20*time.Second))
	l := w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool { return totalOps(l) == 4 })
	if m := participantOf(l, p1).Totals; m.Ops != 2 || m.ElementsByKind["note"] != 1 {
		t.Errorf("p1 totals = %+v", m)
	}
	if m := participantOf(l, p2).Totals; m.CardsPlaced != 1 || m.CardThemes["calm"] != 1 {
		t.Errorf("p2 totals = %+v", m)
	}
	if m := participantOf(l, p3).Totals; m.Connections != 1 || m.Interactions < 1 {
		t.Errorf("p3 totals = %+v", m)
	}
	if p := participantOf(l, hidden); p.Shared || p.Totals != nil || len(p.Phases) != 0 {
		t.Errorf("hidden = %+v", p)
	}

	// Expand: the phase change arrives as a session write and its event.
	w.step(sid, 1, "expand", now.Add(-time.Minute))
	w.logEntry(sid, "e3", now.Add(-50*time.Second), op{id: "n2", kind: "note", owner: p1, from: p1, props: map[string]any{"text": secret}})
	w.canvasOp(sid, p1, "n2", "note", now.Add(-50*time.Second))
	l = w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool { return totalOps(l) == 5 && l.Phase == "expand" })
	if m := participantOf(l, p1).Phases["expand"]; m.Ops != 1 {
		t.Errorf("p1 in expand = %+v", m)
	}

	// The long poll answers a newer version as soon as it is stored.
	v := l.Version
	done := make(chan insights.Live, 1)
	go func() {
		var got insights.Live
		r := w.do("GET", "/v1/sessions/"+sid+"/live?after="+itoa(v)+"&lang=he", facA, nil)
		_ = json.Unmarshal(r.Body, &got)
		done <- got
	}()
	time.Sleep(200 * time.Millisecond)
	w.logEntry(sid, "e4", now.Add(-40*time.Second), op{id: "n2", from: p2, props: map[string]any{"x": 9}})
	w.canvasOp(sid, p2, "n2", "note", now.Add(-40*time.Second))
	select {
	case got := <-done:
		if got.Version <= v {
			t.Errorf("long poll answered version %d, want > %d", got.Version, v)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("long poll did not answer")
	}
	w.waitLive(sid, 5*time.Second, func(l *insights.Live) bool { return totalOps(l) == 6 })

	// End: the retrospective is stored.
	w.end(sid, now)
	waitFor(t, "retrospective", 8*time.Second, func() bool {
		d, err := readRetro(t.Context(), sessionRefs(w.fs, orgA, sid).retro)
		return err == nil && d != nil
	})
	var retro Retrospective
	w.do("GET", "/v1/sessions/"+sid+"/retrospective?lang=en", facA, nil).Want(t, http.StatusOK).JSON(t, &retro)
	if retro.Status != statusEnded || retro.Participation.SharedCount != 3 || retro.Participation.NotSharedCount != 1 ||
		len(retro.Phases) < 2 || retro.Summary.Text == "" || retro.Summary.Lang != "en" {
		t.Errorf("retrospective = %+v", retro)
	}
	ops := 0
	for _, p := range retro.Phases {
		ops += p.Ops
	}
	if ops != 6 {
		t.Errorf("retrospective phases count %d ops, want 6", ops)
	}
	pdf := w.do("GET", "/v1/sessions/"+sid+"/retrospective.pdf?lang=he", facA, nil).Want(t, http.StatusOK)
	if !bytes.HasPrefix(pdf.Body, []byte("%PDF")) || !bytes.Contains(pdf.Body, pdfText(vocab["he"].Retro)) {
		t.Errorf("PDF is not the Hebrew retrospective (%d bytes)", len(pdf.Body))
	}

	// The person without consent: listed as not shared, never a figure,
	// never in a prompt; no text of the canvas anywhere.
	answers := map[string][]byte{}
	answers["live"] = w.do("GET", "/v1/sessions/"+sid+"/live", facA, nil).Want(t, http.StatusOK).Body
	answers["retrospective"] = w.do("GET", "/v1/sessions/"+sid+"/retrospective", facA, nil).Body
	for name, body := range answers {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		checkHidden(t, name, v, hidden)
	}
	for _, u := range []string{p1, p2, p3, hidden, secret} {
		if bytes.Contains(pdf.Body, pdfText(u)) {
			t.Errorf("PDF carries %q", u)
		}
	}
	docs, err := sessionRefs(w.fs, orgA, sid).session.Collection(collInsights).Documents(t.Context()).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		b, _ := json.Marshal(d.Data())
		var v any
		_ = json.Unmarshal(b, &v)
		checkHidden(t, "stored "+d.Ref.ID, v, hidden)
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("stored %s carries canvas text", d.Ref.ID)
		}
	}
	reqs := w.rec.all()
	if len(reqs) == 0 {
		t.Error("no model request recorded (texts and summary come from the model)")
	}
	for _, r := range reqs {
		for _, bad := range []string{p1, p2, p3, hidden, secret, "Name of"} {
			if strings.Contains(r, bad) {
				t.Errorf("a model request carries %q: %s", bad, r)
			}
		}
	}
}

// checkHidden fails when hidden appears anywhere but as a participant
// entry {uid, shared:false} without figures, or in the document's
// "people" (who the document names, for export and erasure): as a value,
// a key, or a word of a text (element ids the fixture derives from uids
// are ids of elements, not of people, and are not words of their own).
func checkHidden(t testing.TB, where string, v any, hidden string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if x["uid"] == hidden {
			if x["shared"] != false {
				t.Errorf("%s: %s is shared: %v", where, hidden, x)
			}
			for k, f := range x {
				if k != "uid" && k != "shared" && f != nil {
					if s, ok := f.([]any); ok && len(s) == 0 {
						continue
					}
					t.Errorf("%s: %s has %s = %v", where, hidden, k, f)
				}
			}
			return
		}
		for k, f := range x {
			if k == hidden {
				t.Errorf("%s: key %q", where, k)
			}
			if k == "people" && where != "" && !strings.Contains(where, ".") {
				continue // the document's list of whom it names
			}
			checkHidden(t, where+"."+k, f, hidden)
		}
	case []any:
		for _, f := range x {
			checkHidden(t, where, f, hidden)
		}
	case string:
		if x == hidden || slices.Contains(strings.Fields(x), hidden) {
			t.Errorf("%s carries %s", where, hidden)
		}
	}
}

// pdfText is s as the UTF-8 fonts write it into an uncompressed content
// stream: UTF-16BE inside a PDF string, with \, ( and ) escaped.
func pdfText(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		for _, c := range []byte{byte(u >> 8), byte(u)} {
			if c == '\\' || c == '(' || c == ')' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
	}
	return b.Bytes()
}

func waitFor(t testing.TB, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(n int64) string { return formatInt(n) }

func formatInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
