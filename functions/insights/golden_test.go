package insights

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pointsofyou.ai/studio/shared/insights"
)

// fixtureDir is the recorded session the engine's golden test replays.
const fixtureDir = "../../testdata/insights/session-12x4"

// goldenFixture is the recorded session with the engine's golden view.
type goldenFixture struct {
	insights.Fixture
	Golden struct {
		Live json.RawMessage `json:"live"`
		UIDs []string        `json:"uids"`
	}
}

func readGolden(t *testing.T) goldenFixture {
	t.Helper()
	fx, err := insights.ReadFixture(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	gf := goldenFixture{Fixture: fx}
	b, err := os.ReadFile(filepath.Join(fixtureDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gf.Golden); err != nil {
		t.Fatalf("golden.json: %v", err)
	}
	return gf
}

// TestGolden replays the recorded session through the deployed wiring:
// op-log entries written to Firestore, phases as session writes and
// session.step_changed events, a canvas.op event per entry through Pub/Sub
// and Eventarc, consent through the vault, card themes from the library.
// The stored live view, and the API's answer, equal the engine's golden
// view (version, updated_at and the recommendations' text, lang and
// source aside: the model writes the texts); the participants without
// consent are in no figure, no list of uids and no model request.
func TestGolden(t *testing.T) {
	t.Parallel()
	fx := readGolden(t)
	w := newWorld(t, worldOpts{now: func() time.Time { return fx.End }})
	ctx := context.Background()
	const sid = "session-12x4"
	var uids, hiddenUIDs []string
	for _, p := range fx.Participants {
		uids = append(uids, p.UID)
		if p.Shared {
			w.consent(p.UID, true)
		} else {
			hiddenUIDs = append(hiddenUIDs, p.UID)
		}
	}
	var plan []string
	for _, p := range fx.Phases {
		plan = append(plan, p.Phase)
	}
	w.session(sid, fx.Phases[0].At, uids, plan...)
	for id, themes := range fx.Cards {
		w.set("content/"+id, map[string]any{"themes": themes, "status": "published"})
	}
	canvas := w.fs.Collection("orgs").Doc(orgA).Collection("canvases").Doc(sid + "-c1")
	stateRef := sessionRefs(w.fs, orgA, sid).state

	next := 0
	for i, ph := range fx.Phases {
		if i > 0 {
			w.step(sid, i, ph.Phase, ph.At)
			w.waitLive(sid, 10*time.Second, func(l *insights.Live) bool { return l.Phase == ph.Phase })
		}
		until := fx.End.UnixMilli() + 1
		if i+1 < len(fx.Phases) {
			until = fx.Phases[i+1].At.UnixMilli()
		}
		var last int64
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for ; next < len(fx.Entries) && fx.Entries[next].T < until; next++ {
			e := fx.Entries[next]
			if _, err := canvas.Collection(collOps).Doc(e.ID).Create(ctx, logFields(e)); err != nil {
				t.Fatal(err)
			}
			last = e.T
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				p := e.Patches[0]
				w.canvasOp(sid, p.From, p.ID, "note", time.UnixMilli(e.T))
			}()
		}
		wg.Wait()
		waitFor(t, "the op log of "+ph.Phase+" applied", 20*time.Second, func() bool {
			snap, err := stateRef.Get(ctx)
			return err == nil && decodeState(snap).Cursors[canvas.ID] >= last
		})
	}
	if next != len(fx.Entries) {
		t.Fatalf("%d of %d entries replayed", next, len(fx.Entries))
	}

	stored := w.live(sid)
	compareGolden(t, "stored live view", mustMarshal(t, stored), fx.Golden.Live)
	if !slices.Equal(stored.UIDs, fx.Golden.UIDs) {
		t.Errorf("stored uids = %v, want %v", stored.UIDs, fx.Golden.UIDs)
	}
	answer := w.do("GET", "/v1/sessions/"+sid+"/live", facA, nil).Want(t, http.StatusOK)
	compareGolden(t, "API answer", answer.Body, fx.Golden.Live)

	// No uid of a participant without consent in a stored figure, a list
	// of uids or a model request.
	docs := w.insightsDocs(sid)
	for _, line := range strings.Split(strings.TrimSpace(docs), "\n") {
		name, body, _ := strings.Cut(line, " ")
		var v any
		_ = json.Unmarshal([]byte(body), &v)
		for _, h := range hiddenUIDs {
			checkHidden(t, "stored "+name, v, h)
		}
	}
	var v any
	_ = json.Unmarshal(answer.Body, &v)
	for _, h := range hiddenUIDs {
		checkHidden(t, "live answer", v, h)
	}
	for _, r := range w.rec.all() {
		for _, u := range uids {
			if strings.Contains(r, `"`+u+`"`) || strings.Contains(r, " "+u+" ") {
				t.Errorf("a model request carries %s", u)
			}
		}
	}
}

// logFields is an entry as the realtime gateway writes it.
func logFields(e insights.LogEntry) map[string]any {
	var patches []map[string]any
	var uids []string
	for _, p := range e.Patches {
		m := map[string]any{"id": p.ID, "from": p.From, "op_id": p.OpID, "props": p.Props, "stamps": map[string]any{}}
		if p.Kind != "" {
			m["kind"], m["owner"] = p.Kind, p.Owner
		}
		patches = append(patches, m)
		if !slices.Contains(uids, p.From) {
			uids = append(uids, p.From)
		}
	}
	return map[string]any{"t": e.T, "patches": patches, "ops": len(patches), "uids": uids, "instance": "golden"}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compareGolden compares a live view with the golden one, without
// version, updated_at and the recommendations' text, lang and source.
func compareGolden(t *testing.T, what string, got, want []byte) {
	t.Helper()
	norm := func(b []byte) string {
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		delete(v, "version")
		delete(v, "updated_at")
		if recs, ok := v["recommendations"].([]any); ok {
			for _, r := range recs {
				m := r.(map[string]any)
				delete(m, "text")
				delete(m, "lang")
				delete(m, "source")
			}
		}
		out, _ := json.MarshalIndent(v, "", "  ")
		return string(out)
	}
	g, wnt := norm(got), norm(want)
	if g != wnt {
		gl, wl := strings.Split(g, "\n"), strings.Split(wnt, "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var a, b string
			if i < len(gl) {
				a = gl[i]
			}
			if i < len(wl) {
				b = wl[i]
			}
			if a != b {
				lo := max(0, i-8)
				t.Fatalf("%s differs from golden.json at line %d:\ngot:  %q\nwant: %q\ncontext (got):\n%s", what, i+1, a, b,
					strings.Join(gl[lo:min(len(gl), i+3)], "\n"))
			}
		}
	}
}
