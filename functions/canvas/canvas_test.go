package canvas

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/internal/apitest"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/httpapi"
)

func TestConfigNamesTheGateway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var c Config
	e.do("GET", "/v1/config", partA, nil).Want(t, 200).JSON(t, &c)
	if c.RealtimeURL != realtime {
		t.Errorf("realtime_url %q, want %q", c.RealtimeURL, realtime)
	}
	e.do("GET", "/v1/config", "", nil).Problem(t, 401)
	for in, want := range map[string]string{"https://realtime-1.run.app": "wss://realtime-1.run.app", "http://127.0.0.1:1/p/r/realtime": "ws://127.0.0.1:1/p/r/realtime", "wss://x.test/": "wss://x.test/"} {
		if got, err := wsURL(in); err != nil || got != want {
			t.Errorf("wsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "realtime", "ftp://x.test", "{functions_ws_url}/realtime"} {
		if _, err := wsURL(bad); err == nil {
			t.Errorf("wsURL(%q) accepted", bad)
		}
	}
}

// TestCreateFromTemplate: a frame titled as the template with one note per
// prompt inside it, localized, every element stamped and valid; the
// template must be a published canvas template within the caller's plan.
func TestCreateFromTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name, tok, locale string
		title             string
		notes             []string
	}{
		{"english", partA, "", "Harbor and open sea", []string{"What keeps me safe?", "What calls me out?"}},
		{"spanish", partA, "es", "Puerto y mar abierto", []string{"¿Qué me protege?", "¿Qué me llama?"}},
		{"missing translation falls back", partA, "he", "Harbor and open sea", []string{"What keeps me safe?", "What calls me out?"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := map[string]any{"template_id": tplFree}
			if c.locale != "" {
				body["locale"] = c.locale
			}
			v := e.create(c.tok, body)
			if v.Title != c.title || v.TemplateID != tplFree || v.Visibility != model.Private || v.Role != model.RoleOwner {
				t.Fatalf("canvas %+v", *v.Meta)
			}
			els := e.elementsOf(v)
			var frame *model.Element
			var notes []string
			for _, el := range els {
				if el.Owner != uid(c.tok) || el.Deleted() {
					t.Errorf("element %s: owner %q deleted %v", el.ID, el.Owner, el.Deleted())
				}
				for k := range el.Props {
					if el.Stamps[k] == 0 {
						t.Errorf("element %s: %s has no stamp", el.ID, k)
					}
				}
				if fe := model.ValidateProps(el.Kind, el.Props, true); len(fe) > 0 {
					t.Errorf("element %s (%s) is invalid: %v", el.ID, el.Kind, fe)
				}
				switch el.Kind {
				case model.KindFrame:
					frame = el
				case model.KindNote:
					notes = append(notes, el.Props["text"].(string))
				}
			}
			if frame == nil || frame.Props["title"] != c.title {
				t.Fatalf("no frame titled %q in %v", c.title, els)
			}
			for _, el := range els {
				if el.Kind == model.KindNote && el.Props[model.PropParent] != frame.ID {
					t.Errorf("note %s is not in the frame", el.ID)
				}
			}
			if len(notes) != len(c.notes) {
				t.Fatalf("notes %q, want %q", notes, c.notes)
			}
			for _, n := range c.notes {
				if !strings.Contains(strings.Join(notes, "\n"), n) {
					t.Errorf("no note %q in %q", n, notes)
				}
			}
		})
	}
	refusals := []struct {
		name string
		tok  string
		body map[string]any
		want int
	}{
		{"above the caller's plan", partA, map[string]any{"template_id": tplEnterp}, http.StatusForbidden},
		{"not a template", partA, map[string]any{"template_id": notTpl}, http.StatusUnprocessableEntity},
		{"no such item", partA, map[string]any{"template_id": "nothing-here"}, http.StatusUnprocessableEntity},
		{"a session the caller is not in", partA2, map[string]any{"title": "x", "session_id": sessionA}, http.StatusNotFound},
		{"a session of another organisation", facB, map[string]any{"title": "x", "session_id": sessionA}, http.StatusNotFound},
		{"no organisation", stranger, map[string]any{"title": "x"}, http.StatusForbidden},
		{"no longer a member", removed, map[string]any{"title": "x"}, http.StatusForbidden},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			e.do("POST", "/v1/canvases", c.tok, c.body).Problem(t, c.want)
		})
	}
	// The enterprise template is the admin's to use.
	e.create(adminA, map[string]any{"template_id": tplEnterp})
}

// TestBadInputIsAProblem: malformed, invalid and oversized input is a 4xx
// problem naming what is wrong, and writes nothing.
func TestBadInputIsAProblem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.create(facA, map[string]any{"title": "Inputs", "visibility": "shared"})
	c := "/v1/canvases/" + v.ID
	long := strings.Repeat("x", MaxTitle+1)
	cases := []struct {
		name, method, path string
		body               any
		opts               []apitest.Option
		want               int
		field              string
	}{
		{"create without title", "POST", "/v1/canvases", map[string]any{}, nil, 400, "title"},
		{"create with a long title", "POST", "/v1/canvases", map[string]any{"title": long}, nil, 400, "title"},
		{"create with a control character", "POST", "/v1/canvases", map[string]any{"title": "a\u0007b"}, nil, 400, "title"},
		{"patch a title with a line break", "PATCH", c, map[string]any{"title": "a\nb"}, nil, 400, "title"},
		{"import a title with a control character", "POST", "/v1/canvases/import", map[string]any{"format": model.Format, "title": "a\u001bb", "elements": []any{}}, nil, 400, "title"},
		{"create with an unknown field", "POST", "/v1/canvases", map[string]any{"title": "x", "owner": "someone"}, nil, 400, ""},
		{"create with a bad visibility", "POST", "/v1/canvases", map[string]any{"title": "x", "visibility": "public"}, nil, 400, "visibility"},
		{"session role without a session", "POST", "/v1/canvases", map[string]any{"title": "x", "session_role": "editor"}, nil, 400, "session_role"},
		{"bad locale", "POST", "/v1/canvases", map[string]any{"title": "x", "template_id": tplFree, "locale": "xx"}, nil, 400, "locale"},
		{"not JSON", "POST", "/v1/canvases", "{title", nil, 400, ""},
		{"wrong content type", "POST", "/v1/canvases", "title=x", []apitest.Option{apitest.ContentType("application/x-www-form-urlencoded")}, 415, ""},
		{"patch an empty title", "PATCH", c, map[string]any{"title": " "}, nil, 400, "title"},
		{"patch a session role of a personal canvas", "PATCH", c, map[string]any{"session_role": "viewer"}, nil, 422, "session_role"},
		{"share a bad role", "PUT", c + "/shares/" + uid(partA), map[string]any{"role": "owner"}, nil, 400, "role"},
		{"share in the past", "PUT", c + "/shares/" + uid(partA), map[string]any{"role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}, nil, 422, "expires_at"},
		{"share with the owner", "PUT", c + "/shares/" + uid(facA), map[string]any{"role": "viewer"}, nil, 422, "uid"},
		{"export an unknown format", "POST", c + "/exports", map[string]any{"format": "svg"}, nil, 400, "format"},
		{"export at a silly dpi", "POST", c + "/exports", map[string]any{"format": "png", "dpi": 100000}, nil, 400, "dpi"},
		{"dpi of a pdf", "POST", c + "/exports", map[string]any{"format": "pdf", "dpi": 300}, nil, 400, "dpi"},
		{"restore an unknown version", "POST", c + "/versions/nope/restore", nil, nil, 404, ""},
		{"restore an unknown element", "POST", c + "/trash/nope/restore", nil, nil, 404, ""},
		{"snapshot with a body", "POST", c + "/versions", map[string]any{"reason": "x"}, nil, 400, ""},
		{"import nothing", "POST", "/v1/canvases/import", "", nil, 400, ""},
		{"import a wrong format", "POST", "/v1/canvases/import", map[string]any{"format": "other/1", "elements": []any{}}, nil, 400, "format"},
		{"import an invalid element", "POST", "/v1/canvases/import", map[string]any{"format": model.Format, "elements": []any{
			map[string]any{"id": "a", "kind": "note", "props": map[string]any{"x": "left", "y": 0}}}}, nil, 400, ""},
		{"import a connector to nothing", "POST", "/v1/canvases/import", map[string]any{"format": model.Format, "elements": []any{
			map[string]any{"id": "c", "kind": "connector", "props": map[string]any{"x": 0, "y": 0, "from": map[string]any{"element": "ghost", "anchor": "n"}, "to": map[string]any{"x": 1, "y": 1}}}}}, nil, 400, ""},
		{"import as a form", "POST", "/v1/canvases/import", "a=b", []apitest.Option{apitest.ContentType("text/plain")}, 415, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := e.do(c.method, c.path, facA, c.body, c.opts...).Problem(t, c.want)
			if c.field != "" {
				if _, ok := apitest.Fields(p)[c.field]; !ok {
					t.Errorf("the problem names %v, not %s: %s", apitest.Fields(p), c.field, p.Detail)
				}
			}
		})
	}
	// Nothing was written: the caller still has just the one canvas.
	var l ListResponse
	e.do("GET", "/v1/canvases", facA, nil).Want(t, 200).JSON(t, &l)
	if len(l.Canvases) != 1 {
		t.Errorf("after bad input the caller has %d canvases", len(l.Canvases))
	}
	// An import over the cap is 413.
	small := e.deps
	small.MaxImport = 64
	h, err := New(small)
	if err != nil {
		t.Fatal(err)
	}
	big := `{"format":"` + model.Format + `","title":"` + strings.Repeat("x", 200) + `","elements":[]}`
	apitest.Serve(t, h, "POST", "/v1/canvases/import", facA, big).Problem(t, http.StatusRequestEntityTooLarge)
}

// TestSnapshotAndRestore: a snapshot stores the state (deleted elements
// too); changes made after it are undone by a restore written as new
// stamped changes (element documents and the op log), which first keeps
// the state it replaces as a version.
func TestSnapshotAndRestore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.create(facA, map[string]any{"template_id": tplFree, "visibility": "shared"})
	e.do("PUT", "/v1/canvases/"+v.ID+"/shares/"+uid(partA2), facA, map[string]any{"role": "editor"}).Want(t, 200)
	before := e.elementsOf(v)
	var snap Version
	e.do("POST", "/v1/canvases/"+v.ID+"/versions", partA2, nil).Want(t, 201).JSON(t, &snap)
	if snap.Reason != ReasonManual || snap.Elements != len(before) || snap.By != uid(partA2) || snap.Size == 0 {
		t.Fatalf("version %+v", snap)
	}
	body, attrs := e.object(bucketCv, versionObject(v.Owner, v.ID, snap.ID))
	if attrs.ContentType != "application/json" {
		t.Errorf("snapshot content type %q", attrs.ContentType)
	}
	doc, err := model.Decode(bytes.NewReader(body), 0)
	if err != nil || len(doc.Elements) != len(before) {
		t.Fatalf("snapshot does not decode: %v (%d elements)", err, len(doc.Elements))
	}
	// The gateway changes the canvas: a note edited, one deleted, a new one.
	var noteIDs []string
	for id, el := range before {
		if el.Kind == model.KindNote {
			noteIDs = append(noteIDs, id)
		}
	}
	e.gatewayWrite(v, noteIDs[0], model.KindNote, map[string]any{"text": "changed", "color": nil})
	e.gatewayWrite(v, noteIDs[1], model.KindNote, map[string]any{model.PropDeleted: true})
	e.gatewayWrite(v, "added", model.KindText, map[string]any{"x": 5.0, "y": 5.0, "text": "new", model.PropDeleted: false})

	var res RestoreResult
	e.do("POST", "/v1/canvases/"+v.ID+"/versions/"+snap.ID+"/restore", partA2, nil).Want(t, 200).JSON(t, &res)
	if res.Changed != 3 || res.Before == nil || res.Before.Reason != ReasonRestore {
		t.Fatalf("restore %+v", res)
	}
	after := e.elementsOf(v)
	for id, want := range before {
		got := after[id]
		if got == nil || !reflect.DeepEqual(got.Props, want.Props) {
			t.Errorf("element %s after the restore: %v, want %v", id, got, want.Props)
		}
	}
	if !after["added"].Deleted() {
		t.Error("an element added after the snapshot survived the restore")
	}
	// Written as changes open sockets receive: in the op log, stamped later.
	log := e.opLog(v)
	if len(log) != 3 {
		t.Fatalf("op log holds %d patches, want 3", len(log))
	}
	for _, p := range log {
		pp, err := model.PatchFromDoc(p)
		if err != nil {
			t.Fatal(err)
		}
		if pp.Max() <= before[noteIDs[0]].Max() {
			t.Errorf("patch %s is stamped %d, not after the state it replaced", pp.ID, pp.Max())
		}
	}
	// The deleted note came back from the trash: no expiry left.
	snapDoc, err := e.fs.Doc("orgs/" + orgA + "/canvases/" + v.ID + "/elements/" + noteIDs[1]).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snapDoc.Data()[model.FieldExpireAt]; ok {
		t.Error("a restored element keeps its trash expiry")
	}
	var list VersionList
	e.do("GET", "/v1/canvases/"+v.ID+"/versions", partA2, nil).Want(t, 200).JSON(t, &list)
	if len(list.Versions) != 2 || list.Versions[0].ID != res.Before.ID {
		t.Errorf("versions %+v", list.Versions)
	}
	// Restoring again changes nothing.
	e.do("POST", "/v1/canvases/"+v.ID+"/versions/"+snap.ID+"/restore", facA, nil).Want(t, 200).JSON(t, &res)
	if res.Changed != 0 {
		t.Errorf("a second restore changed %d elements", res.Changed)
	}
}

// TestScheduledSnapshots: canvases whose first unsaved change is 30
// minutes old get a version; the newest Keep are kept.
func TestScheduledSnapshots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	old := e.create(facA, map[string]any{"template_id": tplFree})
	fresh := e.create(facA, map[string]any{"title": "Fresh"})
	clean := e.create(facA, map[string]any{"title": "Clean"})
	_ = clean
	set := func(v View, t0 time.Time) {
		if _, err := e.fs.Doc("orgs/"+orgA+"/canvases/"+v.ID).Update(ctx, []firestore.Update{{Path: "dirty_since", Value: t0}}); err != nil {
			t.Fatal(err)
		}
	}
	d := e.deps
	d.Keep = 3
	d, err := d.check(false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		set(old, time.Now().Add(-31*time.Minute))
		set(fresh, time.Now().Add(-time.Minute))
		n, err := SnapshotDirty(ctx, d)
		if err != nil || n != 1 {
			t.Fatalf("run %d: %d snapshots, %v; want 1", i, n, err)
		}
	}
	snap, err := e.fs.Doc("orgs/" + orgA + "/canvases/" + old.ID).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, dirty := snap.Data()["dirty_since"]; dirty {
		t.Error("the snapshot left the canvas marked")
	}
	if _, ok := snap.Data()[fieldLastSnapshot].(time.Time); !ok {
		t.Error("no last_snapshot_at")
	}
	vs, err := e.fs.Collection("orgs/" + orgA + "/canvases/" + old.ID + "/versions").Documents(ctx).GetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 {
		t.Errorf("%d versions kept, want 3", len(vs))
	}
	objs := e.st.Bucket(bucketCv).Objects(ctx, nil)
	n := 0
	for {
		if _, err := objs.Next(); err != nil {
			break
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d snapshot objects, want 3", n)
	}
	for _, v := range vs {
		if v.Data()["reason"] != ReasonAuto {
			t.Errorf("version reason %v", v.Data()["reason"])
		}
	}
}

// TestTrashRestore: a deleted element is listed with its expiry and comes
// back as a stamped change; a live one is a conflict.
func TestTrashRestore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.create(facA, map[string]any{"template_id": tplFree, "visibility": "shared"})
	e.do("PUT", "/v1/canvases/"+v.ID+"/shares/"+uid(partA2), facA, map[string]any{"role": "viewer"}).Want(t, 200)
	var note string
	for id, el := range e.elementsOf(v) {
		if el.Kind == model.KindNote {
			note = id
		}
	}
	e.gatewayWrite(v, note, model.KindNote, map[string]any{model.PropDeleted: true})
	var trash TrashList
	e.do("GET", "/v1/canvases/"+v.ID+"/trash", partA2, nil).Want(t, 200).JSON(t, &trash)
	if len(trash.Elements) != 1 || trash.Elements[0].ID != note || trash.Elements[0].ExpireAt.Sub(trash.Elements[0].DeletedAt).Round(time.Hour) != 30*24*time.Hour {
		t.Fatalf("trash %+v", trash)
	}
	doc, err := e.fs.Doc("orgs/" + orgA + "/canvases/" + v.ID + "/elements/" + note).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if exp, ok := doc.Data()[model.FieldExpireAt].(time.Time); !ok || !exp.Equal(trash.Elements[0].ExpireAt) {
		t.Errorf("expire_at %v, want %v", doc.Data()[model.FieldExpireAt], trash.Elements[0].ExpireAt)
	}
	e.do("POST", "/v1/canvases/"+v.ID+"/trash/"+note+"/restore", partA2, nil).Problem(t, http.StatusForbidden)
	var r Restored
	e.do("POST", "/v1/canvases/"+v.ID+"/trash/"+note+"/restore", facA, nil).Want(t, 200).JSON(t, &r)
	if r.Patch.ID != note || r.Patch.Props[model.PropDeleted] != false {
		t.Errorf("patch %+v", r.Patch)
	}
	if e.elementsOf(v)[note].Deleted() {
		t.Error("the element is still deleted")
	}
	if log := e.opLog(v); len(log) != 1 || log[0]["id"] != note {
		t.Errorf("op log %v", log)
	}
	e.do("POST", "/v1/canvases/"+v.ID+"/trash/"+note+"/restore", facA, nil).Problem(t, http.StatusConflict)
	// Past its expiry (Firestore's TTL has not run yet) it is gone.
	e.gatewayWrite(v, "expired", model.KindText, map[string]any{"x": 1.0, "y": 1.0, "text": "old", model.PropDeleted: true})
	if _, err := e.fs.Doc("orgs/"+orgA+"/canvases/"+v.ID+"/elements/expired").Update(context.Background(),
		[]firestore.Update{{Path: model.FieldExpireAt, Value: time.Now().Add(-time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/v1/canvases/"+v.ID+"/trash/expired/restore", facA, nil).Problem(t, http.StatusNotFound)
	e.do("GET", "/v1/canvases/"+v.ID+"/trash", facA, nil).Want(t, 200).JSON(t, &trash)
	if len(trash.Elements) != 0 {
		t.Errorf("trash after the restore: %+v", trash)
	}
}

// TestExportAndImport: JSON, PNG and PDF exports are stored with their
// content type and served through signed URLs, cached per state; the JSON
// imports as a new canvas with the same elements.
func TestExportAndImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.create(facA, map[string]any{"template_id": tplFree})
	e.gatewayWrite(v, "gone", model.KindText, map[string]any{"x": 1.0, "y": 1.0, "text": "deleted", model.PropDeleted: true})
	objectOf := func(x Export) string {
		t.Helper()
		i := strings.Index(x.URL, "/canvas/"+orgA+"/"+v.ID+"/")
		if i < 0 {
			t.Fatalf("url %q does not name the canvas's export", x.URL)
		}
		return strings.SplitN(x.URL[i+1:], "?", 2)[0]
	}
	magic := map[string]string{FormatJSON: "{", FormatPNG: "\x89PNG", FormatPDF: "%PDF"}
	var jsonObject string
	for _, f := range []string{FormatJSON, FormatPNG, FormatPDF} {
		t.Run(f, func(t *testing.T) {
			var x Export
			e.do("POST", "/v1/canvases/"+v.ID+"/exports", facA, map[string]any{"format": f}).Want(t, 200).JSON(t, &x)
			if x.Format != f || time.Until(x.ExpiresAt) < 50*time.Minute || !strings.Contains(x.URL, "X-Goog-Signature=") {
				t.Fatalf("export %+v", x)
			}
			obj := objectOf(x)
			b, attrs := e.object(bucketEx, obj)
			if attrs.ContentType != contentTypes[f] || !strings.HasPrefix(attrs.ContentDisposition, "attachment") {
				t.Errorf("stored as %q, %q", attrs.ContentType, attrs.ContentDisposition)
			}
			if !bytes.HasPrefix(b, []byte(magic[f])) {
				t.Errorf("content starts %q", b[:min(len(b), 8)])
			}
			var again Export
			e.do("POST", "/v1/canvases/"+v.ID+"/exports", facA, map[string]any{"format": f}).Want(t, 200).JSON(t, &again)
			if objectOf(again) != obj {
				t.Error("the same state was exported twice")
			}
			if f == FormatJSON {
				jsonObject = obj
				d, err := model.Decode(bytes.NewReader(b), 0)
				if err != nil {
					t.Fatalf("the export does not decode: %v", err)
				}
				for _, el := range d.Elements {
					if el.ID == "gone" {
						t.Error("a deleted element is in the export")
					}
				}
			}
		})
	}
	if jsonObject == "" {
		t.Fatal("no JSON export")
	}
	// A change makes a new export.
	e.gatewayWrite(v, "later", model.KindText, map[string]any{"x": 1.0, "y": 1.0, "text": "later", model.PropDeleted: false})
	var x Export
	e.do("POST", "/v1/canvases/"+v.ID+"/exports", facA, map[string]any{"format": "json"}).Want(t, 200).JSON(t, &x)
	if objectOf(x) == jsonObject {
		t.Error("a changed canvas was served its old export")
	}
	exported, _ := e.object(bucketEx, objectOf(x))
	var imported View
	e.do("POST", "/v1/canvases/import", partA2, string(exported)).Want(t, 201).JSON(t, &imported)
	if imported.Owner != uid(partA2) || imported.Visibility != model.Private || imported.Title != v.Title || imported.ID == v.ID {
		t.Fatalf("imported %+v", *imported.Meta)
	}
	orig, got := e.elementsOf(v), e.elementsOf(imported)
	live := 0
	for id, el := range orig {
		if el.Deleted() {
			if got[id] != nil {
				t.Errorf("deleted element %s was imported", id)
			}
			continue
		}
		live++
		g := got[id]
		if g == nil || g.Kind != el.Kind || !reflect.DeepEqual(g.Props, el.Props) || g.Owner != uid(partA2) {
			t.Errorf("element %s imported as %+v, want %+v", id, g, el)
		}
	}
	if len(got) != live {
		t.Errorf("%d elements imported, want %d", len(got), live)
	}
	// Round trip: the import's export holds the same elements.
	var x2 Export
	e.do("POST", "/v1/canvases/"+imported.ID+"/exports", partA2, map[string]any{"format": "json"}).Want(t, 200).JSON(t, &x2)
	b2, _ := e.object(bucketEx, strings.SplitN(x2.URL[strings.Index(x2.URL, "/canvas/"+orgA+"/"+imported.ID)+1:], "?", 2)[0])
	d1, err1 := model.Decode(bytes.NewReader(exported), 0)
	d2, err2 := model.Decode(bytes.NewReader(b2), 0)
	if err1 != nil || err2 != nil || len(d1.Elements) != len(d2.Elements) {
		t.Fatalf("round trip: %v %v", err1, err2)
	}
	for i := range d1.Elements {
		if d1.Elements[i].ID != d2.Elements[i].ID || !reflect.DeepEqual(d1.Elements[i].Props, d2.Elements[i].Props) {
			t.Errorf("element %d differs after the round trip", i)
		}
	}
}

// FuzzRequests: whatever the body, the request decoders answer nil or a
// problem, never panic.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{`{"title":"x"}`, `{"template_id":"tpl","locale":"es"}`, `{"role":"viewer","expires_at":"2030-01-01T00:00:00Z"}`,
		`{"format":"png","dpi":300}`, `{"title":null}`, `{"session_role":""}`, `[]`, `{"dpi":1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dst := range []any{&CreateRequest{}, &PatchRequest{}, &ShareRequest{}, &ExportRequest{}} {
			if err := httpapi.DecodeBytes(b, dst); err != nil {
				var p *httpapi.Error
				if !errorsAs(err, &p) || p.Status >= 500 {
					t.Fatalf("%T: %v", dst, err)
				}
			}
		}
	})
}

// TestVersionsIncludeEditsOnlyTheOpLogHolds: the gateway writes an element
// document at most once a second, after the op log holds its patches, so a
// snapshot or export read right after an edit must merge the recent log.
func TestVersionsIncludeEditsOnlyTheOpLogHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.create(facA, map[string]any{"template_id": tplFree})
	var note string
	for id, el := range e.elementsOf(v) {
		if el.Kind == model.KindNote {
			note = id
		}
	}
	clock := model.NewClock(7, nil)
	clock.Observe(e.elementsOf(v)[note].Max())
	s := clock.Next()
	edit := model.Patch{ID: note, Props: map[string]any{"text": "written a moment ago"}, Stamps: map[string]model.Stamp{"text": s}}
	created := model.Patch{ID: "fresh", Kind: model.KindText, Owner: uid(facA),
		Props:  map[string]any{"x": 1.0, "y": 2.0, "text": "new", model.PropDeleted: false},
		Stamps: map[string]model.Stamp{"x": s, "y": s, "text": s, model.PropDeleted: s}}
	now := time.Now()
	if _, err := e.fs.Collection("orgs/"+v.Org+"/canvases/"+v.ID+"/ops").NewDoc().Create(context.Background(), map[string]any{
		"instance": "gateway-test", "t": now.UnixMilli(), "expire_at": now.Add(time.Hour),
		"patches": []any{edit.DocData(), created.DocData()}, "ops": 2, "uids": []string{uid(facA)},
	}); err != nil {
		t.Fatal(err)
	}
	var snap Version
	e.do("POST", "/v1/canvases/"+v.ID+"/versions", facA, nil).Want(t, 201).JSON(t, &snap)
	body, _ := e.object(bucketCv, versionObject(v.Owner, v.ID, snap.ID))
	doc, err := model.Decode(bytes.NewReader(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, el := range doc.Elements {
		got[el.ID], _ = el.Props["text"].(string)
	}
	if got[note] != "written a moment ago" || got["fresh"] != "new" {
		t.Fatalf("snapshot texts %q (note %s), want the op log's edit and new element", got, note)
	}
}

// TestTrashIncludesDeletionsOnlyTheOpLogHolds: an element deleted a moment
// ago (its document not yet written by the gateway) is in the trash and
// can be restored.
func TestTrashIncludesDeletionsOnlyTheOpLogHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.create(facA, map[string]any{"template_id": tplFree})
	var note string
	for id, el := range e.elementsOf(v) {
		if el.Kind == model.KindNote {
			note = id
		}
	}
	clock := model.NewClock(9, nil)
	clock.Observe(e.elementsOf(v)[note].Max())
	s := clock.Next()
	del := model.Patch{ID: note, Props: map[string]any{model.PropDeleted: true}, Stamps: map[string]model.Stamp{model.PropDeleted: s}}
	now := time.Now()
	if _, err := e.fs.Collection("orgs/"+v.Org+"/canvases/"+v.ID+"/ops").NewDoc().Create(context.Background(), map[string]any{
		"instance": "gateway-test", "t": now.UnixMilli(), "expire_at": now.Add(time.Hour),
		"patches": []any{del.DocData()}, "ops": 1, "uids": []string{uid(facA)},
	}); err != nil {
		t.Fatal(err)
	}
	var trash TrashList
	e.do("GET", "/v1/canvases/"+v.ID+"/trash", facA, nil).Want(t, 200).JSON(t, &trash)
	if len(trash.Elements) != 1 || trash.Elements[0].ID != note {
		t.Fatalf("trash %+v, want the note deleted a moment ago", trash)
	}
	e.do("POST", "/v1/canvases/"+v.ID+"/trash/"+note+"/restore", facA, nil).Want(t, 200)
	if e.elementsOf(v)[note].Deleted() {
		t.Error("the element is still deleted")
	}
}
