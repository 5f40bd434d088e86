package journeys

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/outbox"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, tokFacA, sample())
	if d.Revision != 1 || d.Status != journey.StatusDraft || d.LatestVersion != 0 || d.Source != journey.SourceBlank {
		t.Fatalf("created %+v", d)
	}
	base := "/v1/journeys/" + d.ID
	r := e.do(t, "GET", base, tokEduA, nil).Want(t, http.StatusOK)
	if r.Header.Get("ETag") != `"1"` {
		t.Fatalf("ETag %q", r.Header.Get("ETag"))
	}
	var got journey.Draft
	r.JSON(t, &got)
	if diff := cmp.Diff(sample(), got.Journey); diff != "" {
		t.Fatalf("stored journey (-want +got):\n%s", diff)
	}

	// Autosave with the body revision, then with If-Match.
	j := sample()
	j.Name = "Finding balance, take two"
	j.Phases[2].Elements = append(j.Phases[2].Elements, journey.Element{Kind: journey.KindInline, Type: journey.TypeClosure, Title: "Close", DurationMinutes: 5})
	e.do(t, "PUT", base, tokFacA, map[string]any{"revision": 1, "journey": j}).Want(t, http.StatusOK).JSON(t, &got)
	if got.Revision != 2 || got.Journey.Name != j.Name || got.Journey.Phases[2].Elements[1].ID == "" {
		t.Fatalf("saved %+v", got)
	}
	r = e.do(t, "PUT", base, tokAdminA, map[string]any{"journey": got.Journey}, apitest.Header("If-Match", `"2"`)).Want(t, http.StatusOK)
	if r.Header.Get("ETag") != `"3"` {
		t.Fatalf("ETag after save %q", r.Header.Get("ETag"))
	}

	// Stale saves never overwrite.
	e.do(t, "PUT", base, tokFacA, map[string]any{"revision": 2, "journey": sample()}).Want(t, http.StatusConflict)
	e.do(t, "PUT", base, tokFacA, map[string]any{"journey": sample()}, apitest.Header("If-Match", `"1"`)).Want(t, http.StatusPreconditionFailed)
	e.do(t, "PUT", base, tokFacA, map[string]any{"journey": sample()}).Want(t, http.StatusPreconditionRequired)
	e.do(t, "GET", base, tokFacA, nil).Want(t, http.StatusOK).JSON(t, &got)
	if got.Revision != 3 || got.Journey.Name != j.Name {
		t.Fatalf("a stale save changed the draft: %+v", got)
	}

	// Publish twice; editing the draft leaves version 1 as it was.
	var v1 journey.Version
	r = e.do(t, "POST", base+"/publish", tokFacA, nil).Want(t, http.StatusCreated)
	r.JSON(t, &v1)
	if v1.Version != 1 || v1.SourceRevision != 3 || v1.PublishedBy != "u-fac-a" || r.Header.Get("Location") != base+"/versions/1" {
		t.Fatalf("version %+v", v1)
	}
	if el := v1.Journey.Phases[0].Elements[1]; el.Type != journey.TypeCard || el.Title != "Balance" {
		t.Fatalf("content element not resolved: %+v", el)
	}
	v1Body := e.do(t, "GET", base+"/versions/1", tokFacA, nil).Want(t, http.StatusOK).Body
	j = got.Journey
	j.Name = "Changed after publishing"
	j.Phases[0].Elements[0].DurationMinutes = 6
	e.do(t, "PUT", base, tokFacA, map[string]any{"revision": 3, "journey": j}).Want(t, http.StatusOK)
	e.now = e.now.Add(time.Hour)
	var v2 journey.Version
	e.do(t, "POST", base+"/publish", tokFacA, nil, apitest.Header("If-Match", `"4"`)).Want(t, http.StatusCreated).JSON(t, &v2)
	if v2.Version != 2 || v2.Journey.Name != j.Name {
		t.Fatalf("version 2 %+v", v2)
	}
	if again := e.do(t, "GET", base+"/versions/1", tokFacA, nil).Want(t, http.StatusOK).Body; !bytes.Equal(again, v1Body) {
		t.Fatalf("version 1 changed:\n%s\n%s", v1Body, again)
	}
	e.do(t, "POST", base+"/publish", tokFacA, nil, apitest.Header("If-Match", `"3"`)).Want(t, http.StatusPreconditionFailed)

	var list VersionList
	e.do(t, "GET", base+"/versions", tokFacA, nil).Want(t, http.StatusOK).JSON(t, &list)
	if len(list.Versions) != 2 || list.Versions[0].Version != 2 || list.Versions[1].Version != 1 {
		t.Fatalf("versions %+v", list)
	}
	e.do(t, "GET", base, tokFacA, nil).Want(t, http.StatusOK).JSON(t, &got)
	if got.LatestVersion != 2 || got.Status != journey.StatusPublished {
		t.Fatalf("draft after publishing %+v", got)
	}

	// Archive: gone from the default list, not editable, versions stay.
	e.do(t, "DELETE", base, tokFacA, nil).Want(t, http.StatusNoContent)
	e.do(t, "DELETE", base, tokFacA, nil).Want(t, http.StatusNoContent)
	e.do(t, "PUT", base, tokFacA, map[string]any{"revision": 5, "journey": j}).Want(t, http.StatusConflict)
	e.do(t, "POST", base+"/publish", tokFacA, nil).Want(t, http.StatusConflict)
	e.do(t, "GET", base+"/versions/1", tokFacA, nil).Want(t, http.StatusOK)
	var ls ListResponse
	e.do(t, "GET", "/v1/journeys", tokFacA, nil).Want(t, http.StatusOK).JSON(t, &ls)
	if len(ls.Journeys) != 0 {
		t.Fatalf("archived journey listed: %+v", ls)
	}
	e.do(t, "GET", "/v1/journeys?status=archived", tokFacA, nil).Want(t, http.StatusOK).JSON(t, &ls)
	if len(ls.Journeys) != 1 || ls.Journeys[0].LatestVersion != 2 {
		t.Fatalf("archived list %+v", ls)
	}

	want := []string{events.TypeJourneyCreated, events.TypeJourneyPublished, events.TypeJourneyPublished}
	if got := e.ev.Types(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	last := e.ev.Published()[2]
	pub := apitest.Payload[events.JourneyPublished](t, last)
	if pub.Version != 2 || pub.Phases != 3 || pub.Elements != 6 || pub.TotalMinutes != 75 || last.OrgID != "org-a" || last.Actor == "" {
		t.Fatalf("published event %+v: %+v", last, pub)
	}
}

func TestCreateSources(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig := e.create(t, tokFacA, sample())
	base := "/v1/journeys/" + orig.ID

	// Template: save, list, read, use, delete.
	var tpl journey.Template
	e.do(t, "POST", base+"/template", tokFacA, map[string]any{"name": "Balance morning"}).Want(t, http.StatusCreated).JSON(t, &tpl)
	if tpl.Name != "Balance morning" || tpl.SourceJourneyID != orig.ID {
		t.Fatalf("template %+v", tpl)
	}
	e.do(t, "POST", base+"/template", tokFacA, nil).Want(t, http.StatusCreated)
	var tl TemplateList
	e.do(t, "GET", "/v1/templates", tokEduA, nil).Want(t, http.StatusOK).JSON(t, &tl)
	if len(tl.Templates) != 2 || tl.Templates[0].TotalMinutes != 75 {
		t.Fatalf("templates %+v", tl)
	}
	e.do(t, "GET", "/v1/templates/"+tpl.ID, tokFacA, nil).Want(t, http.StatusOK)
	var fromTpl journey.Draft
	e.do(t, "POST", "/v1/journeys", tokFacA, map[string]any{"from_template": tpl.ID, "name": "From the template"}).Want(t, http.StatusCreated).JSON(t, &fromTpl)
	if fromTpl.Source != journey.SourceTemplate || fromTpl.Journey.Name != "From the template" || fromTpl.ID == orig.ID {
		t.Fatalf("from template %+v", fromTpl)
	}
	e.do(t, "DELETE", "/v1/templates/"+tpl.ID, tokFacA, nil).Want(t, http.StatusNoContent)
	e.do(t, "GET", "/v1/templates/"+tpl.ID, tokFacA, nil).Want(t, http.StatusNotFound)
	e.do(t, "DELETE", "/v1/templates/"+tpl.ID, tokFacA, nil).Want(t, http.StatusNotFound)
	p := apitest.Fields(e.do(t, "POST", "/v1/journeys", tokFacA, map[string]any{"from_template": tpl.ID}).Problem(t, http.StatusUnprocessableEntity))
	if !strings.Contains(p["from_template"], "no template") {
		t.Fatalf("problem %v", p)
	}

	// Duplicate.
	var dup journey.Draft
	e.do(t, "POST", "/v1/journeys", tokFacA, map[string]any{"duplicate_of": orig.ID}).Want(t, http.StatusCreated).JSON(t, &dup)
	if dup.Journey.Name != "Finding balance (copy)" || dup.Source != journey.SourceDuplicate {
		t.Fatalf("duplicate %+v", dup)
	}

	// Blank.
	var blank journey.Draft
	e.do(t, "POST", "/v1/journeys", tokFacA, map[string]any{}).Want(t, http.StatusCreated).JSON(t, &blank)
	if diff := cmp.Diff(journey.Blank(), blank.Journey); diff != "" {
		t.Fatalf("blank (-want +got):\n%s", diff)
	}

	// Export JSON → import round-trips exactly.
	r := e.do(t, "GET", base+"/export?format=json", tokFacA, nil).Want(t, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("disposition %q", r.Header.Get("Content-Disposition"))
	}
	var imported journey.Draft
	e.do(t, "POST", "/v1/imports", tokAdminA, r.Body).Want(t, http.StatusCreated).JSON(t, &imported)
	if imported.Source != journey.SourceImport {
		t.Fatalf("import %+v", imported)
	}
	again := e.do(t, "GET", "/v1/journeys/"+imported.ID+"/export", tokFacA, nil).Want(t, http.StatusOK).Body
	if !bytes.Equal(r.Body, again) {
		t.Fatalf("round trip differs:\n%s\n%s", r.Body, again)
	}
	if diff := cmp.Diff(sample(), imported.Journey); diff != "" {
		t.Fatalf("imported (-want +got):\n%s", diff)
	}
	// An exported version imports as well.
	e.do(t, "POST", base+"/publish", tokFacA, nil).Want(t, http.StatusCreated)
	r = e.do(t, "GET", base+"/export?version=1", tokFacA, nil).Want(t, http.StatusOK)
	e.do(t, "POST", "/v1/imports", tokFacA, r.Body).Want(t, http.StatusCreated)

	sources := map[string]int{}
	for _, ev := range e.ev.Of(events.TypeJourneyCreated) {
		sources[string(apitest.Payload[events.JourneyCreated](t, ev).Source)]++
	}
	if want := map[string]int{"blank": 2, "template": 1, "duplicate": 1, "import": 2}; !cmp.Equal(sources, want) {
		t.Fatalf("created sources %v, want %v", sources, want)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, tokFacA, sample())
	base := "/v1/journeys/" + d.ID
	bad := sample()
	bad.Phases[1], bad.Phases[2] = bad.Phases[2], bad.Phases[1]
	bad.Phases[0].Elements[0].DurationMinutes = 500
	cases := []struct {
		name, method, path string
		body               any
		code               int
		fields             []string // fields the problem must name
	}{
		{"malformed json", "POST", "/v1/journeys", `{"journey":`, 400, nil},
		{"unknown field", "POST", "/v1/journeys", `{"jorney":{}}`, 400, []string{"jorney"}},
		{"nested unknown", "POST", "/v1/journeys", `{"journey":{"phases":[{"colour":1}]}}`, 400, []string{"colour"}},
		{"wrong type", "POST", "/v1/journeys", `{"journey":{"session_minutes":"long"}}`, 400, []string{"journey.session_minutes"}},
		{"two sources", "POST", "/v1/journeys", map[string]any{"journey": sample(), "duplicate_of": d.ID}, 400, []string{"(body)"}},
		{"rules", "POST", "/v1/journeys", map[string]any{"journey": bad}, 422,
			[]string{"phases[1].phase", "phases[2].phase", "phases[0].elements[0].duration_minutes"}},
		{"duplicate of missing", "POST", "/v1/journeys", map[string]any{"duplicate_of": "nope"}, 422, []string{"duplicate_of"}},
		{"save rules", "PUT", base, map[string]any{"revision": 1, "journey": bad}, 422, []string{"phases[1].phase"}},
		{"bad if-match", "PUT", base, map[string]any{"journey": sample()}, 400, nil},
		{"bad status", "GET", "/v1/journeys?status=gone", nil, 400, []string{"status"}},
		{"bad token", "GET", "/v1/journeys?page_token=!!!", nil, 400, []string{"page_token"}},
		{"bad version", "GET", base + "/versions/one", nil, 400, []string{"version"}},
		{"zero version", "GET", base + "/versions/0", nil, 400, []string{"version"}},
		{"missing version", "GET", base + "/versions/7", nil, 404, nil},
		{"bad format", "GET", base + "/export?format=docx", nil, 400, []string{"format"}},
		{"bad export version", "GET", base + "/export?version=x", nil, 400, []string{"version"}},
		{"import not a document", "POST", "/v1/imports", map[string]any{"format": "csv", "format_version": 1, "journey": sample()}, 400, []string{"format"}},
		{"import unknown", "POST", "/v1/imports", `{"format":"poy.journey","format_version":1,"journey":{},"extra":1}`, 400, []string{"extra"}},
		{"import rules", "POST", "/v1/imports", map[string]any{"format": "poy.journey", "format_version": 1, "journey": bad}, 422, []string{"phases[1].phase"}},
		{"import empty", "POST", "/v1/imports", "", 400, nil},
		{"import too large", "POST", "/v1/imports", strings.Repeat(" ", journey.MaxDocumentBytes+1), 413, nil},
		{"template name", "POST", base + "/template", map[string]any{"name": "a\x01b"}, 400, []string{"name"}},
		{"missing journey", "GET", "/v1/journeys/nope", nil, 404, nil},
		{"impossible id", "GET", "/v1/journeys/BAD%20ID", nil, 404, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []apitest.Option
			if tc.name == "bad if-match" {
				opts = append(opts, apitest.Header("If-Match", "soon"))
			}
			r := e.do(t, tc.method, tc.path, tokFacA, tc.body, opts...)
			r.Want(t, tc.code)
			p := apitest.Fields(r.Problem(t, 0))
			for _, f := range tc.fields {
				if p[f] == "" {
					t.Errorf("problem does not name %s: %s", f, r.Body)
				}
			}
		})
	}
	e.do(t, "POST", "/v1/journeys", tokFacA, `{}`, apitest.ContentType("text/plain")).Want(t, http.StatusUnsupportedMediaType)
}

func TestPublishChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name   string
		tok    string
		change func(j *journey.Journey)
		fields map[string]string // field → part of its detail; nil: publishes
	}{
		{"sample", tokFacA, func(*journey.Journey) {}, nil},
		{"above the tier", tokFacA, func(j *journey.Journey) { j.Phases[0].Elements[1].ItemID = "wc-ent" },
			map[string]string{"phases[0].elements[1].item_id": "needs the enterprise tier (yours: professional)"}},
		{"above the tier is fine for enterprise", tokAdminA, func(j *journey.Journey) { j.Phases[0].Elements[1].ItemID = "wc-ent" }, nil},
		{"no tier claim is free", tokEduA, func(*journey.Journey) {},
			map[string]string{"phases[1].elements[0].item_id": "needs the professional tier (yours: free)"}},
		{"unpublished", tokFacA, func(j *journey.Journey) { j.Phases[0].Elements[1].ItemID = "qc-draft" },
			map[string]string{"phases[0].elements[1].item_id": "is draft, not published"}},
		{"expired", tokFacA, func(j *journey.Journey) { j.Phases[0].Elements[1].ItemID = "ex-old" },
			map[string]string{"phases[0].elements[1].item_id": "licence has expired"}},
		{"missing", tokFacA, func(j *journey.Journey) { j.Phases[0].Elements[1].ItemID = "nothing" },
			map[string]string{"phases[0].elements[1].item_id": "no library item"}},
		{"other org's item", tokFacA, func(j *journey.Journey) { j.Phases[0].Elements[1].ItemID = "ex-b" },
			map[string]string{"phases[0].elements[1].item_id": "no library item"}},
		{"in a skipped phase too", tokFacA, func(j *journey.Journey) {
			j.Phases[3].Elements = []journey.Element{{ID: "later", Kind: journey.KindContent, ItemID: "nothing", DurationMinutes: 5}}
		}, map[string]string{"phases[3].elements[0].item_id": "no library item"}},
		{"overflow", tokFacA, func(j *journey.Journey) { j.SessionMinutes = 60 }, map[string]string{"phases": "15 more than session_minutes (60)"}},
		{"empty phase", tokFacA, func(j *journey.Journey) { j.Phases[2].Elements = nil }, map[string]string{"phases[2].elements": "mark the phase skipped"}},
		{"incomplete", tokFacA, func(j *journey.Journey) { j.Name, j.Timeframe = "", "" }, map[string]string{"name": "required", "timeframe": "required"}},
		{"canvas template item", tokFacA, func(j *journey.Journey) {
			j.Phases[1].Elements[1] = journey.Element{ID: "canvas", Kind: journey.KindContent, ItemID: "ct-map", DurationMinutes: 15}
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := sample()
			tc.change(&j)
			d := e.create(t, tokFacA, j)
			r := e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tc.tok, nil)
			if tc.fields == nil {
				r.Want(t, http.StatusCreated)
				return
			}
			r.Want(t, http.StatusUnprocessableEntity)
			p := apitest.Fields(r.Problem(t, 0))
			if len(p) != len(tc.fields) {
				t.Errorf("fields %v, want %v", p, tc.fields)
			}
			for f, sub := range tc.fields {
				if !strings.Contains(p[f], sub) {
					t.Errorf("%s: %q does not mention %q", f, p[f], sub)
				}
			}
			var got journey.Draft
			e.do(t, "GET", "/v1/journeys/"+d.ID, tokFacA, nil).Want(t, http.StatusOK).JSON(t, &got)
			if got.LatestVersion != 0 {
				t.Errorf("a refused publish wrote version %d", got.LatestVersion)
			}
		})
	}
	var v journey.Version
	j := sample()
	j.Phases[1].Elements[1] = journey.Element{ID: "canvas", Kind: journey.KindContent, ItemID: "ct-map", DurationMinutes: 15}
	d := e.create(t, tokFacA, j)
	e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil).Want(t, http.StatusCreated).JSON(t, &v)
	if el := v.Journey.Phases[1].Elements[1]; el.Type != journey.TypeCanvas || el.Canvas == nil || el.Canvas.TemplateID != "ct-map" || el.Title != "Journey map" {
		t.Fatalf("canvas element %+v", el)
	}
}

// Every route refuses participants (403), strangers (404 for what is not
// theirs) and anonymous callers (401).
func TestAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, tokFacA, sample())
	var tpl journey.Template
	e.do(t, "POST", "/v1/journeys/"+d.ID+"/template", tokFacA, nil).Want(t, http.StatusCreated).JSON(t, &tpl)
	e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil).Want(t, http.StatusCreated)
	doc := e.do(t, "GET", "/v1/journeys/"+d.ID+"/export", tokFacA, nil).Want(t, http.StatusOK).Body
	j := "/v1/journeys/" + d.ID
	routes := []struct {
		method, path string
		body         any
		own          bool // a resource of org-a: another org sees 404
	}{
		{"GET", "/v1/journeys", nil, false},
		{"POST", "/v1/journeys", map[string]any{}, false},
		{"GET", j, nil, true},
		{"PUT", j, map[string]any{"revision": 1, "journey": sample()}, true},
		{"POST", j + "/publish", nil, true},
		{"GET", j + "/versions", nil, true},
		{"GET", j + "/versions/1", nil, true},
		{"POST", j + "/template", nil, true},
		{"GET", j + "/export?format=pdf", nil, true},
		{"GET", "/v1/templates", nil, false},
		{"GET", "/v1/templates/" + tpl.ID, nil, true},
		{"POST", "/v1/imports", doc, false},
		{"DELETE", "/v1/templates/" + tpl.ID, nil, true},
		{"DELETE", j, nil, true},
	}
	for _, rt := range routes {
		e.do(t, rt.method, rt.path, tokPartA, rt.body).Problem(t, http.StatusForbidden)
		e.do(t, rt.method, rt.path, "", rt.body).Problem(t, http.StatusUnauthorized)
		e.do(t, rt.method, rt.path, tokNoOrg, rt.body).Problem(t, http.StatusForbidden)
		if rt.own {
			e.do(t, rt.method, rt.path, tokFacB, rt.body).Problem(t, http.StatusNotFound)
		}
	}
	// org-b's lists do not show org-a's journeys and templates.
	var ls ListResponse
	e.do(t, "GET", "/v1/journeys", tokFacB, nil).Want(t, http.StatusOK).JSON(t, &ls)
	var tl TemplateList
	e.do(t, "GET", "/v1/templates", tokFacB, nil).Want(t, http.StatusOK).JSON(t, &tl)
	if len(ls.Journeys) != 0 || len(tl.Templates) != 0 {
		t.Fatalf("org-b sees %+v %+v", ls, tl)
	}
	// Nothing of org-a changed.
	var got journey.Draft
	e.do(t, "GET", j, tokFacA, nil).Want(t, http.StatusOK).JSON(t, &got)
	if got.Revision != 1 || got.Status != journey.StatusPublished {
		t.Fatalf("draft changed: %+v", got)
	}
	e.do(t, "GET", "/healthz", "", nil).Want(t, http.StatusOK)
}

func TestConcurrentPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, tokFacA, sample())
	const n = 4
	codes := make([]int, n)
	versions := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil)
			codes[i] = r.Code
			var v journey.Version
			if r.Code == http.StatusCreated {
				r.JSON(t, &v)
			}
			versions[i] = v.Version
		})
	}
	wg.Wait()
	slices.Sort(versions)
	if !slices.Equal(versions, []int{1, 2, 3, 4}) {
		t.Fatalf("versions %v (codes %v)", versions, codes)
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := map[string]bool{}
	for i := range PageSize + 5 {
		j := journey.Blank()
		j.Name = fmt.Sprintf("Journey %d", i)
		ids[e.create(t, tokFacA, j).ID] = true
	}
	seen := map[string]bool{}
	token, pages := "", 0
	for {
		var ls ListResponse
		e.do(t, "GET", "/v1/journeys?status=draft&page_token="+token, tokFacA, nil).Want(t, http.StatusOK).JSON(t, &ls)
		pages++
		for _, s := range ls.Journeys {
			if seen[s.ID] {
				t.Fatalf("%s listed twice", s.ID)
			}
			seen[s.ID] = true
		}
		if ls.NextPageToken == "" {
			break
		}
		token = ls.NextPageToken
	}
	if pages != 2 || !cmp.Equal(seen, ids) {
		t.Fatalf("%d pages, %d of %d journeys", pages, len(seen), len(ids))
	}
}

// Changes commit with their events, whatever Pub/Sub does: while it is
// down the events wait in the outbox, and the relay publishes them later.
func TestEventsWaitInTheOutboxWhilePubSubIsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.ev.SetDown(true)
	d := e.create(t, tokFacA, sample())
	e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil).Want(t, http.StatusCreated)
	ctx := context.Background()
	if counts, err := e.ev.Relay(ctx); err == nil || counts["failed"] != 2 {
		t.Fatalf("relay while Pub/Sub is down: %v, %v", counts, err)
	}
	if pending, err := outbox.Pending(ctx, e.fs); err != nil || len(pending) != 2 {
		t.Fatalf("pending %v, %v", pending, err)
	}
	e.ev.SetDown(false)
	want := []string{events.TypeJourneyCreated, events.TypeJourneyPublished}
	if got := e.ev.Types(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if pending, err := outbox.Pending(ctx, e.fs); err != nil || len(pending) != 0 {
		t.Fatalf("pending after the relay %v, %v", pending, err)
	}
}

// A failed change records no event.
func TestRefusedChangeRecordsNoEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, tokFacA, sample())
	e.do(t, "DELETE", "/v1/journeys/"+d.ID, tokFacA, nil).Want(t, http.StatusNoContent)
	e.do(t, "POST", "/v1/journeys/"+d.ID+"/publish", tokFacA, nil).Want(t, http.StatusConflict)
	if got := e.ev.Types(); !slices.Equal(got, []string{events.TypeJourneyCreated}) {
		t.Fatalf("events %v", got)
	}
}

func TestDeps(t *testing.T) {
	t.Parallel()
	if _, err := New(Deps{}); err == nil || !strings.Contains(err.Error(), "Verifier") || !strings.Contains(err.Error(), "Outbox") {
		t.Fatalf("New(Deps{}) = %v", err)
	}
	if specs := Routes(); len(specs) != 15 || specs[0].Path != "/healthz" || !specs[0].Public {
		t.Fatalf("routes %+v", specs)
	}
}

// A dry run answers what publishing would refuse, with the same fields, or
// that the draft is ready, and never writes a version.
func TestPublishDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := sample()
	j.SessionMinutes = 60
	d := e.create(t, tokFacA, j)
	base := "/v1/journeys/" + d.ID + "/publish"
	r := e.do(t, "POST", base+"?dry_run=true", tokFacA, nil).Want(t, http.StatusUnprocessableEntity)
	if p := apitest.Fields(r.Problem(t, 0)); !strings.Contains(p["phases"], "more than session_minutes") {
		t.Errorf("dry run fields %v", p)
	}
	j.SessionMinutes = 120
	e.do(t, "PUT", "/v1/journeys/"+d.ID, tokFacA, map[string]any{"revision": d.Revision, "journey": j}).Want(t, http.StatusOK)
	var ok struct {
		Ready    bool `json:"ready"`
		Revision int  `json:"revision"`
	}
	e.do(t, "POST", base+"?dry_run=true", tokFacA, nil).Want(t, http.StatusOK).JSON(t, &ok)
	if !ok.Ready || ok.Revision != d.Revision+1 {
		t.Errorf("dry run answer %+v", ok)
	}
	var got journey.Draft
	e.do(t, "GET", "/v1/journeys/"+d.ID, tokFacA, nil).Want(t, http.StatusOK).JSON(t, &got)
	if got.LatestVersion != 0 || got.Status != journey.StatusDraft {
		t.Errorf("a dry run published: %+v", got)
	}
	e.do(t, "POST", base+"?dry_run=maybe", tokFacA, nil).Want(t, http.StatusBadRequest)
	e.do(t, "POST", base, tokFacA, nil).Want(t, http.StatusCreated)
}
