package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"

	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/httpapi"
)

// The canvas API through Hosting with real Auth-emulator tokens: a canvas
// from a library template, shares, another organisation, viewers,
// versions, the trash, exports through signed URLs and the import of an
// export. The socket side (functions/realtime) writes element documents
// and the op log; here the test writes them as the gateway would.

const demoCanvasTemplate = "tw-canvas-harbor-and-open-sea" // free, two prompts

type canvasView struct {
	ID         string `json:"id"`
	Org        string `json:"org"`
	Title      string `json:"title"`
	Owner      string `json:"owner"`
	Visibility string `json:"visibility"`
	Role       string `json:"role"`
	TemplateID string `json:"template_id"`
	Shares     map[string]struct {
		Role string `json:"role"`
	} `json:"shares"`
}

type canvasExport struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	Format    string    `json:"format"`
}

func canvasPath(id, rest string) string { return "/api/canvas/v1/canvases/" + id + rest }

// canvasElements reads a canvas's element documents.
func canvasElements(t *testing.T, fs *firestore.Client, org, id string) map[string]*model.Element {
	t.Helper()
	docs, err := fs.Collection("orgs/" + org + "/canvases/" + id + "/elements").Documents(context.Background()).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*model.Element{}
	for _, d := range docs {
		e, err := model.ElementFromDoc(d.Ref.ID, d.Data())
		if err != nil {
			t.Fatal(err)
		}
		out[e.ID] = e
	}
	return out
}

// gatewayEdit changes one element as the realtime gateway does: merged
// with a patch stamped after everything it holds, the whole document
// written (deleted elements carry their trash expiry).
func gatewayEdit(t *testing.T, fs *firestore.Client, org, canvasID, id string, props map[string]any) {
	t.Helper()
	ctx := context.Background()
	ref := fs.Doc("orgs/" + org + "/canvases/" + canvasID + "/elements/" + id)
	snap, err := ref.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := model.ElementFromDoc(id, snap.Data())
	if err != nil {
		t.Fatal(err)
	}
	clock := model.NewClock(7, nil)
	clock.Observe(e.Max())
	s := clock.Next()
	p := model.Patch{ID: id, Props: map[string]any{}, Stamps: map[string]model.Stamp{}}
	for k, v := range props {
		p.Props[k], p.Stamps[k] = v, s
	}
	e.Merge(p)
	data := e.DocData()
	data[model.FieldUpdated] = firestore.ServerTimestamp
	if e.Deleted() {
		data[model.FieldExpireAt] = time.Now().Add(30 * 24 * time.Hour)
	}
	if _, err := ref.Set(ctx, data); err != nil {
		t.Fatal(err)
	}
}

// download fetches a signed URL as a browser would.
func download(t *testing.T, url string) ([]byte, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d %s", resp.StatusCode, b)
	}
	return b, resp.Header
}

// outsiderOf is a fresh org_admin of another organisation.
func outsiderOf(t *testing.T, admin *fbauth.Client, org string) string {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("canvas-outsider-%d@org-b.example", time.Now().UnixNano())
	u, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(email).Password("outsider-pass").EmailVerified(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.SetCustomUserClaims(ctx, u.UID, map[string]any{"org": org, "role": "org_admin", "tier": "enterprise"}); err != nil {
		t.Fatal(err)
	}
	return signIn(t, email, "outsider-pass")
}

func TestCanvasThroughHosting(t *testing.T) {
	fs := firestoreClient(t)
	admin := adminClient(t)
	maya := signIn(t, "maya.facilitator@studio.test", "demo-facilitator-pass")
	noa := signIn(t, noaEmail, participantPW)
	sam := signIn(t, samEmail, participantPW)
	outsider := outsiderOf(t, admin, createOrgB(t, admin))

	var cfg struct {
		RealtimeURL string `json:"realtime_url"`
	}
	if r := call(t, "GET", "/api/canvas/v1/config", noa, nil, &cfg); r.StatusCode != 200 || !strings.HasPrefix(cfg.RealtimeURL, "ws://") || !strings.HasSuffix(cfg.RealtimeURL, "/realtime") {
		t.Fatalf("config: %d %+v", r.StatusCode, cfg)
	}

	t.Run("demo canvas", func(t *testing.T) {
		for tok, role := range map[string]string{maya: "owner", noa: "editor"} {
			var v canvasView
			if r := call(t, "GET", canvasPath("demo-harbor-canvas", ""), tok, nil, &v); r.StatusCode != 200 || v.Role != role {
				t.Errorf("demo canvas: %d %+v, want %s", r.StatusCode, v, role)
			}
		}
		if r := call(t, "GET", canvasPath("demo-harbor-canvas", ""), sam, nil, nil); r.StatusCode != 404 {
			t.Errorf("demo canvas for Sam: %d", r.StatusCode)
		}
		var x canvasExport
		if r := call(t, "POST", canvasPath("demo-harbor-canvas", "/exports"), noa, map[string]any{"format": "png", "dpi": 96}, &x); r.StatusCode != 200 {
			t.Fatalf("demo canvas export: %d %s", r.StatusCode, body(r))
		}
		if b, h := download(t, x.URL); h.Get("Content-Type") != "image/png" || len(b) < 100 {
			t.Errorf("demo canvas PNG: %s, %d bytes", h.Get("Content-Type"), len(b))
		}
	})

	// From a template of the demo library: a frame and one note per prompt.
	var c canvasView
	if r := call(t, "POST", "/api/canvas/v1/canvases", maya, map[string]any{"template_id": demoCanvasTemplate, "visibility": "shared"}, &c); r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, body(r))
	}
	if c.Title != "Harbor and open sea" || c.Role != "owner" || c.Org != orgA || c.TemplateID != demoCanvasTemplate {
		t.Fatalf("canvas %+v", c)
	}
	els := canvasElements(t, fs, orgA, c.ID)
	var frame string
	var notes []string
	for id, e := range els {
		switch e.Kind {
		case model.KindFrame:
			frame = id
		case model.KindNote:
			notes = append(notes, id)
		}
	}
	if frame == "" || len(notes) != 2 || len(els) != 3 {
		t.Fatalf("template layout: %d elements, frame %q, notes %v", len(els), frame, notes)
	}

	t.Run("share and unshare", func(t *testing.T) {
		var v canvasView
		if r := call(t, "PUT", canvasPath(c.ID, "/shares/demo-participant-2"), maya, map[string]any{"role": "viewer"}, &v); r.StatusCode != 200 || v.Shares["demo-participant-2"].Role != "viewer" {
			t.Fatalf("share: %d %s", r.StatusCode, body(r))
		}
		var seen canvasView
		if r := call(t, "GET", canvasPath(c.ID, ""), sam, nil, &seen); r.StatusCode != 200 || seen.Role != "viewer" || seen.Shares != nil {
			t.Fatalf("Sam reads: %d %+v", r.StatusCode, seen)
		}
		if r := call(t, "GET", canvasPath(c.ID, ""), noa, nil, nil); r.StatusCode != 404 {
			t.Errorf("Noa, not shared with, reads: %d", r.StatusCode)
		}
		// A viewer cannot change the canvas.
		for _, op := range []struct{ method, path string }{{"PATCH", ""}, {"POST", "/versions"}, {"DELETE", ""}, {"PUT", "/shares/demo-participant-1"}} {
			r := hosting().Do(t, op.method, canvasPath(c.ID, op.path), sam, map[string]any{"title": "Sam's now", "role": "viewer"})
			if r.Code != http.StatusForbidden || r.Header.Get("Content-Type") != httpapi.ContentTypeProblem {
				t.Errorf("viewer %s %s: %d %s", op.method, op.path, r.Code, r.Body)
			}
		}
		// Another organisation's admin sees nothing, whatever it tries.
		for _, op := range []struct{ method, path string }{{"GET", ""}, {"PATCH", ""}, {"GET", "/versions"}, {"POST", "/exports"}, {"DELETE", ""}} {
			r := hosting().Do(t, op.method, canvasPath(c.ID, op.path), outsider, map[string]any{"format": "json", "title": "x"})
			if r.Code != http.StatusNotFound || strings.Contains(string(r.Body), "Harbor") {
				t.Errorf("outsider %s %s: %d %s", op.method, op.path, r.Code, r.Body)
			}
		}
		if r := call(t, "DELETE", canvasPath(c.ID, "/shares/demo-participant-2"), maya, nil, nil); r.StatusCode != 200 {
			t.Fatalf("unshare: %d", r.StatusCode)
		}
		if r := call(t, "GET", canvasPath(c.ID, ""), sam, nil, nil); r.StatusCode != 404 {
			t.Errorf("Sam after the unshare: %d", r.StatusCode)
		}
	})

	t.Run("snapshot and restore", func(t *testing.T) {
		var v struct {
			ID       string `json:"id"`
			Elements int    `json:"elements"`
		}
		if r := call(t, "POST", canvasPath(c.ID, "/versions"), maya, map[string]any{}, &v); r.StatusCode != 201 || v.Elements != 3 {
			t.Fatalf("snapshot: %d %s", r.StatusCode, body(r))
		}
		before := canvasElements(t, fs, orgA, c.ID)
		gatewayEdit(t, fs, orgA, c.ID, notes[0], map[string]any{"text": "rewritten"})
		gatewayEdit(t, fs, orgA, c.ID, notes[1], map[string]any{model.PropDeleted: true})
		var res struct {
			Changed int `json:"changed"`
		}
		if r := call(t, "POST", canvasPath(c.ID, "/versions/"+v.ID+"/restore"), maya, map[string]any{}, &res); r.StatusCode != 200 || res.Changed != 2 {
			t.Fatalf("restore: %d %s", r.StatusCode, body(r))
		}
		after := canvasElements(t, fs, orgA, c.ID)
		for id, e := range before {
			if !reflect.DeepEqual(after[id].Props, e.Props) {
				t.Errorf("element %s after the restore: %v, want %v", id, after[id].Props, e.Props)
			}
		}
		ops, err := fs.Collection("orgs/" + orgA + "/canvases/" + c.ID + "/ops").Documents(context.Background()).GetAll()
		if err != nil || len(ops) == 0 {
			t.Fatalf("the restore is not in the op log: %d, %v", len(ops), err)
		}
	})

	t.Run("trash restore", func(t *testing.T) {
		gatewayEdit(t, fs, orgA, c.ID, notes[0], map[string]any{model.PropDeleted: true})
		var trash struct {
			Elements []struct {
				ID string `json:"id"`
			} `json:"elements"`
		}
		if r := call(t, "GET", canvasPath(c.ID, "/trash"), maya, nil, &trash); r.StatusCode != 200 || len(trash.Elements) != 1 || trash.Elements[0].ID != notes[0] {
			t.Fatalf("trash: %d %+v", r.StatusCode, trash)
		}
		if r := call(t, "POST", canvasPath(c.ID, "/trash/"+notes[0]+"/restore"), maya, map[string]any{}, nil); r.StatusCode != 200 {
			t.Fatalf("restore from the trash: %d %s", r.StatusCode, body(r))
		}
		if canvasElements(t, fs, orgA, c.ID)[notes[0]].Deleted() {
			t.Error("still deleted")
		}
		if r := call(t, "POST", canvasPath(c.ID, "/trash/"+notes[0]+"/restore"), maya, map[string]any{}, nil); r.StatusCode != 409 {
			t.Errorf("restoring a live element: %d", r.StatusCode)
		}
	})

	t.Run("scheduled snapshot", func(t *testing.T) {
		ctx := context.Background()
		ref := fs.Doc("orgs/" + orgA + "/canvases/" + c.ID)
		if _, err := ref.Update(ctx, []firestore.Update{{Path: "dirty_since", Value: time.Now().Add(-31 * time.Minute)}}); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", env.Functions.URL("canvas-snapshots"), strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"snapshots":`) {
			t.Fatalf("canvas-snapshots: %d %s", resp.StatusCode, b)
		}
		snap, err := ref.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, dirty := snap.Data()["dirty_since"]; dirty {
			t.Error("the scheduled run left the canvas unsaved")
		}
		var vs struct {
			Versions []struct {
				Reason string `json:"reason"`
			} `json:"versions"`
		}
		if r := call(t, "GET", canvasPath(c.ID, "/versions"), maya, nil, &vs); r.StatusCode != 200 || len(vs.Versions) == 0 || vs.Versions[0].Reason != "auto" {
			t.Errorf("versions after the scheduled run: %d %+v", r.StatusCode, vs)
		}
	})

	var exported []byte
	t.Run("exports", func(t *testing.T) {
		want := map[string]struct{ ct, magic string }{
			"json": {"application/json", "{"}, "png": {"image/png", "\x89PNG"}, "pdf": {"application/pdf", "%PDF"},
		}
		for _, f := range []string{"json", "png", "pdf"} {
			var x canvasExport
			if r := call(t, "POST", canvasPath(c.ID, "/exports"), maya, map[string]any{"format": f}, &x); r.StatusCode != 200 || x.Format != f {
				t.Fatalf("export %s: %d %s", f, r.StatusCode, body(r))
			}
			if time.Until(x.ExpiresAt) < 30*time.Minute {
				t.Errorf("%s: the URL expires at %v", f, x.ExpiresAt)
			}
			b, h := download(t, x.URL)
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, want[f].ct) || !bytes.HasPrefix(b, []byte(want[f].magic)) {
				t.Errorf("%s downloads as %q starting %q", f, ct, b[:min(8, len(b))])
			}
			if f == "json" {
				exported = b
			}
		}
	})

	t.Run("import round-trips", func(t *testing.T) {
		if exported == nil {
			t.Skip("no export")
		}
		var imp canvasView
		r := hosting().Do(t, "POST", "/api/canvas/v1/canvases/import", noa, exported)
		if r.Code != 201 {
			t.Fatalf("import: %d %s", r.Code, r.Body)
		}
		r.JSON(t, &imp)
		if imp.Owner != "demo-participant-1" || imp.Visibility != "private" || imp.Title != c.Title {
			t.Fatalf("imported %+v", imp)
		}
		orig, got := canvasElements(t, fs, orgA, c.ID), canvasElements(t, fs, orgA, imp.ID)
		if len(got) != len(orig) {
			t.Fatalf("%d elements imported of %d", len(got), len(orig))
		}
		for id, e := range orig {
			if got[id] == nil || got[id].Kind != e.Kind || !reflect.DeepEqual(got[id].Props, e.Props) {
				t.Errorf("element %s imported as %+v, want %+v", id, got[id], e)
			}
		}
		if r := call(t, "GET", canvasPath(imp.ID, ""), maya, nil, nil); r.StatusCode != 404 {
			t.Errorf("Maya reads Noa's private import: %d", r.StatusCode)
		}
	})

	t.Run("bad input is a problem", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			body               any
			want               int
		}{
			{"no title", "POST", "/api/canvas/v1/canvases", map[string]any{}, 400},
			{"unknown field", "POST", "/api/canvas/v1/canvases", map[string]any{"title": "x", "org": "other"}, 400},
			{"unknown template", "POST", "/api/canvas/v1/canvases", map[string]any{"template_id": "no-such-template"}, 422},
			{"bad share role", "PUT", canvasPath(c.ID, "/shares/demo-participant-2"), map[string]any{"role": "admin"}, 400},
			{"bad export format", "POST", canvasPath(c.ID, "/exports"), map[string]any{"format": "gif"}, 400},
			{"not a document", "POST", "/api/canvas/v1/canvases/import", map[string]any{"format": "poy-canvas/9", "elements": []any{}}, 400},
			{"broken JSON", "POST", "/api/canvas/v1/canvases/import", "{\"format\":", 400},
			{"unknown version", "POST", canvasPath(c.ID, "/versions/nope/restore"), map[string]any{}, 404},
		}
		for _, tc := range cases {
			r := hosting().Do(t, tc.method, tc.path, maya, tc.body)
			if r.Code != tc.want || r.Header.Get("Content-Type") != httpapi.ContentTypeProblem {
				t.Errorf("%s: %d %s %s", tc.name, r.Code, r.Header.Get("Content-Type"), r.Body)
			}
		}
	})
}

// canvasFixtures are the canvas path parameters of the cross-tenant guard:
// a shared session canvas of org A ("Lumen" in its title, so a leak shows)
// with a version and its elements.
var canvasFixtures = struct {
	sync.Mutex
	byWorld map[*guardWorld]*canvasFixture
}{byWorld: map[*guardWorld]*canvasFixture{}}

type canvasFixture struct{ canvasID, versionID, elementID string }

func (w *guardWorld) canvasFixture(t *testing.T) *canvasFixture {
	canvasFixtures.Lock()
	defer canvasFixtures.Unlock()
	if f := canvasFixtures.byWorld[w]; f != nil {
		return f
	}
	lw := w.live(t)
	var c canvasView
	if r := call(t, "POST", "/api/canvas/v1/canvases", lw.maya, map[string]any{"title": "Lumen guard canvas", "template_id": demoCanvasTemplate,
		"session_id": lw.sessionID, "visibility": "shared", "session_role": "viewer"}, &c); r.StatusCode != 201 {
		t.Fatalf("fixture canvas: %d %s", r.StatusCode, body(r))
	}
	var v struct{ ID string }
	if r := call(t, "POST", canvasPath(c.ID, "/versions"), lw.maya, map[string]any{}, &v); r.StatusCode != 201 {
		t.Fatalf("fixture version: %d %s", r.StatusCode, body(r))
	}
	f := &canvasFixture{canvasID: c.ID, versionID: v.ID}
	for id := range canvasElements(t, firestoreClient(t), orgA, c.ID) {
		f.elementID = id
	}
	canvasFixtures.byWorld[w] = f
	return f
}
