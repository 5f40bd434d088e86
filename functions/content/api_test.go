package content

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
)

// seedLibrary writes two official items (free, professional) and one
// private item of org-a, and embeds them.
func seedLibrary(t *testing.T, e *env) {
	t.Helper()
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, item("free-lake", "photo_card", "free", "Quiet lake", "A still lake at dawn, calm water reflecting the sky.")).Want(t, 201)
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, item("pro-storm", "photo_card", "professional", "Secret storm", "Thunder over a stormy sea, waves breaking.")).Want(t, 201)
	e.do(t, "POST", "/v1/items", tokFacA, item("a-private", "exercise", "free", "Lumen walk", "A walking exercise of org a.")).Want(t, 201)
	e.sync(t, "", "free-lake", "pro-storm")
	e.sync(t, "org-a", "a-private")
}

func TestTierFiltering(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedLibrary(t, e)
	// A free participant never receives professional content: not in
	// browse, not in keyword or semantic search.
	for _, path := range []string{"/v1/items", "/v1/items?q=storm", "/v1/search?q=stormy+sea+thunder+waves", "/v1/items?type=photo_card"} {
		r := e.do(t, "GET", path, tokFreeA, nil).Want(t, 200)
		if strings.Contains(string(r.Body), "storm") || strings.Contains(string(r.Body), "Thunder") {
			t.Errorf("%s: professional content leaked to a free user: %s", path, r.Body)
		}
	}
	// Asked for, it shows as a locked stub with its tier only.
	var page ListResponse
	e.do(t, "GET", "/v1/items?include_locked=true", tokFreeA, nil).Want(t, 200).JSON(t, &page)
	var locked *ItemView
	for i := range page.Items {
		if page.Items[i].ID == "pro-storm" {
			locked = &page.Items[i]
		}
	}
	if locked == nil || !locked.Locked || locked.Tier != "professional" || locked.Title != "" || locked.Body != "" {
		t.Errorf("locked stub = %+v", locked)
	}
	var v ItemView
	e.do(t, "GET", "/v1/items/pro-storm", tokFreeA, nil).Want(t, 200).JSON(t, &v)
	if !v.Locked || v.Title != "" {
		t.Errorf("GET locked = %+v", v)
	}
	// The professional facilitator sees it, in browse and search.
	var res SearchResponse
	e.do(t, "GET", "/v1/search?q=stormy+sea+thunder+waves", tokFacA, nil).Want(t, 200).JSON(t, &res)
	if len(res.Items) == 0 || res.Items[0].ID != "pro-storm" || res.Items[0].Title != "Secret storm" {
		t.Errorf("search as professional = %+v", res.Items)
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedLibrary(t, e)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/items/a-private"}, {"PUT", "/v1/items/a-private"}, {"DELETE", "/v1/items/a-private"},
	} {
		var body any
		if c.method == "PUT" {
			body = item("a-private", "exercise", "free", "Taken", "x")
		}
		if r := e.do(t, c.method, c.path, tokAdminB, body); r.Code != 404 {
			t.Errorf("%s %s as org-b: %d %s", c.method, c.path, r.Code, r.Body)
		}
	}
	for _, path := range []string{"/v1/items", "/v1/items?q=lumen", "/v1/search?q=walking+exercise"} {
		r := e.do(t, "GET", path, tokAdminB, nil).Want(t, 200)
		if strings.Contains(string(r.Body), "a-private") {
			t.Errorf("%s: org-b sees org-a's item: %s", path, r.Body)
		}
	}
	// org-a's own members do see it.
	var v ItemView
	e.do(t, "GET", "/v1/items/a-private", tokFreeA, nil).Want(t, 200).JSON(t, &v)
	if v.Library != "org" || v.Title != "Lumen walk" {
		t.Errorf("own item = %+v", v)
	}
	// Participants may not write; only the official org manages the official library.
	e.do(t, "POST", "/v1/items", tokFreeA, item("x1", "exercise", "free", "X", "")).Want(t, 403)
	e.do(t, "POST", "/v1/items?library=official", tokAdminA, item("x2", "exercise", "free", "X", "")).Want(t, 403)
}

func TestBrowseFiltersAndLocale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	it := item("wc-hope", "word_card", "free", "Hope", "")
	it["text"] = map[string]any{"en": map[string]any{"title": "Hope"}, "es": map[string]any{"title": "Esperanza"}}
	it["phase"], it["tags"] = "expand", []string{"starter"}
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, it).Want(t, 201)
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, item("qc-why", "question_card", "free", "Why", "Why now?")).Want(t, 201)
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"qc-why", "wc-hope"}},
		{"type=word_card", []string{"wc-hope"}},
		{"phase=expand", []string{"wc-hope"}},
		{"tag=starter", []string{"wc-hope"}},
		{"theme=calm", []string{"qc-why", "wc-hope"}},
		{"lang=es", []string{"wc-hope"}},
		{"q=esperanza", []string{"wc-hope"}},
		{"q=WHY", []string{"qc-why"}},
		{"tier=professional", nil},
	}
	for _, c := range cases {
		var page ListResponse
		e.do(t, "GET", "/v1/items?"+c.query, tokFreeA, nil).Want(t, 200).JSON(t, &page)
		var got []string
		for _, v := range page.Items {
			got = append(got, v.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q: got %v, want %v", c.query, got, c.want)
		}
	}
	var v ItemView
	e.do(t, "GET", "/v1/items/wc-hope?lang=es", tokFreeA, nil).Want(t, 200).JSON(t, &v)
	if v.Title != "Esperanza" || v.Locale != "es" {
		t.Errorf("es = %+v", v)
	}
	e.do(t, "GET", "/v1/items/wc-hope?lang=he", tokFreeA, nil).Want(t, 200).JSON(t, &v)
	if v.Title != "Hope" || v.Locale != "en" {
		t.Errorf("he falls back = %+v", v)
	}
	for _, bad := range []string{"type=poster", "lang=xx", "limit=0", "include_locked=maybe"} {
		e.do(t, "GET", "/v1/items?"+bad, tokFreeA, nil).Want(t, 400)
	}
	// Paging.
	var p1, p2 ListResponse
	e.do(t, "GET", "/v1/items?limit=1", tokFreeA, nil).Want(t, 200).JSON(t, &p1)
	e.do(t, "GET", "/v1/items?limit=1&page_token="+p1.NextPageToken, tokFreeA, nil).Want(t, 200).JSON(t, &p2)
	if len(p1.Items) != 1 || len(p2.Items) != 1 || p1.Items[0].ID == p2.Items[0].ID {
		t.Errorf("pages %+v %+v", p1, p2)
	}
}

func TestUpdateArchiveVersioning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(t, "POST", "/v1/items", tokFacA, item("ex-1", "exercise", "free", "Breathe", "Four counts in.")).Want(t, 201)
	var f Full
	e.do(t, "PUT", "/v1/items/ex-1", tokFacA, item("ex-1", "exercise", "free", "Breathe slowly", "Four counts in.")).Want(t, 200).JSON(t, &f)
	if f.Version != 2 || f.Text["en"].Title != "Breathe slowly" {
		t.Errorf("after PUT %+v", f)
	}
	e.do(t, "PUT", "/v1/items/ex-1", tokFacA, item("ex-1", "exercise", "gold", "B", "")).Want(t, 400)
	e.do(t, "POST", "/v1/items", tokFacA, item("ex-1", "exercise", "free", "Again", "")).Want(t, 409)
	e.do(t, "DELETE", "/v1/items/ex-1", tokFacA, nil).Want(t, 204)
	e.do(t, "GET", "/v1/items/ex-1", tokFreeA, nil).Want(t, 404) // archived: gone for participants
	e.do(t, "GET", "/v1/items/ex-1", tokFacA, nil).Want(t, 200)  // staff still see it
}

func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	csv := "id,type,tier,license_type,title_en,body_en,title_es\n" +
		"wc-a,word_card,free,open,Dawn,,Amanecer\n" +
		"wc-b,word_card,platinum,open,Dusk,,\n" + // row 2: tier
		"wc-c,word_card,free,open,Noon,,\n" +
		"qc-d,question_card,free,open,Why,,\n" + // row 4: question body
		"wc-e,word_card,free,copyleft,Night,,\n" // row 5: licence
	r := e.do(t, "POST", "/v1/imports", tokFacA, csv, "text/csv")
	p := r.Problem(t, 422)
	want := []string{"rows[2].tier", "rows[4].text.en.body", "rows[5].license.type"}
	var got []string
	for _, f := range p.Errors {
		got = append(got, f.Field)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v (%s)", got, want, r.Body)
	}
	var page ListResponse
	e.do(t, "GET", "/v1/items?library=org", tokFacA, nil).Want(t, 200).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("a failed import wrote %d items", len(page.Items))
	}
	good := "id,type,tier,status,license_type,title_en,title_es\nwc-a,word_card,free,published,open,Dawn,Amanecer\nwc-c,word_card,free,published,open,Noon,\n"
	var res ImportResponse
	e.do(t, "POST", "/v1/imports", tokFacA, good, "text/csv").Want(t, 200).JSON(t, &res)
	if res.Created != 2 {
		t.Errorf("import %+v", res)
	}
	e.do(t, "POST", "/v1/imports", tokFacA, `[{"id":"wc-a","type":"word_card","tier":"free","status":"published","license":{"type":"open"},"text":{"en":{"title":"Dawn light"}}}]`).Want(t, 200).JSON(t, &res)
	if res.Updated != 1 {
		t.Errorf("json import %+v", res)
	}
	e.do(t, "POST", "/v1/imports", tokFacA, "<xml/>", "application/xml").Want(t, 415)
	e.do(t, "POST", "/v1/imports", tokFacA, "id,colour\n", "text/csv").Want(t, 400)
	e.do(t, "POST", "/v1/imports", tokFreeA, good, "text/csv").Want(t, 403)
}

func TestEmbedOnlyWhenTextChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	it := item("pc-1", "photo_card", "free", "Bridge", "An old stone bridge in fog.")
	it["text"] = map[string]any{"en": map[string]any{"title": "Bridge", "body": "An old stone bridge in fog."}, "es": map[string]any{"title": "Puente", "body": "Un viejo puente de piedra en la niebla."}}
	e.do(t, "POST", "/v1/items", tokFacA, it).Want(t, 201)
	embedded := func() int64 { return e.emb.texts.Load() }
	e.sync(t, "org-a", "pc-1")
	if embedded() != 2 {
		t.Fatalf("first sync embedded %d texts, want 2", embedded())
	}
	e.sync(t, "org-a", "pc-1") // a repeated delivery
	it["tags"] = []string{"new-tag"}
	e.do(t, "PUT", "/v1/items/pc-1", tokFacA, it).Want(t, 200)
	e.sync(t, "org-a", "pc-1")
	if embedded() != 2 {
		t.Fatalf("a tag change re-embedded (%d texts)", embedded())
	}
	it["text"] = map[string]any{"en": map[string]any{"title": "Stone bridge", "body": "An old stone bridge in fog."}, "es": map[string]any{"title": "Puente", "body": "Un viejo puente de piedra en la niebla."}}
	e.do(t, "PUT", "/v1/items/pc-1", tokFacA, it).Want(t, 200)
	e.sync(t, "org-a", "pc-1")
	e.sync(t, "org-a", "pc-1")
	if embedded() != 3 {
		t.Fatalf("a title change embedded %d texts in all, want 3 (once, English only)", embedded())
	}
	// Archiving updates the chunks' status without embedding; deleting drops them.
	e.do(t, "DELETE", "/v1/items/pc-1", tokFacA, nil).Want(t, 204)
	e.sync(t, "org-a", "pc-1")
	snap, err := e.fs.Doc("orgs/org-a/content_chunks/pc-1_en").Get(ctx)
	if err != nil || snap.Data()["status"] != "archived" || embedded() != 3 {
		t.Fatalf("archived chunk %v %v (%d)", snap.Data()["status"], err, embedded())
	}
	if _, err := e.fs.Doc("orgs/org-a/content/pc-1").Delete(ctx); err != nil {
		t.Fatal(err)
	}
	e.sync(t, "org-a", "pc-1")
	docs, _ := e.fs.Collection("orgs/org-a/content_chunks").Documents(ctx).GetAll()
	if len(docs) != 0 {
		t.Errorf("%d chunks left after delete", len(docs))
	}
}

func TestUsageLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedLibrary(t, e)
	var u UsageResponse
	e.do(t, "POST", "/v1/usage", tokFreeA, map[string]any{"item_id": "free-lake", "purpose": "session", "session_id": "s-1"}).Want(t, 201).JSON(t, &u)
	if u.UserUses != 1 || u.UserLimit != 100 || u.ItemUses != 1 || u.ItemLimit != ItemMonthlyUses {
		t.Errorf("first use %+v", u)
	}
	e.do(t, "POST", "/v1/usage", tokFacA, map[string]any{"item_id": "free-lake", "purpose": "coach"}).Want(t, 201).JSON(t, &u)
	if u.ItemUses != 2 || u.UserUses != 1 {
		t.Errorf("second use %+v", u)
	}
	e.do(t, "POST", "/v1/usage", tokFreeA, map[string]any{"item_id": "pro-storm", "purpose": "coach"}).Want(t, 403)
	e.do(t, "POST", "/v1/usage", tokFreeA, map[string]any{"item_id": "free-lake", "purpose": "fun"}).Want(t, 400)
	e.do(t, "POST", "/v1/usage", tokAdminB, map[string]any{"item_id": "a-private", "purpose": "coach"}).Want(t, 404)
	var s UsageSummary
	e.do(t, "GET", "/v1/usage", tokAdminA, nil).Want(t, 200).JSON(t, &s)
	if s.Total != 2 || s.ByItem["free-lake"] != 2 || s.ByPurpose["coach"] != 1 {
		t.Errorf("summary %+v", s)
	}
	e.do(t, "GET", "/v1/usage", tokFacA, nil).Want(t, 403)
	e.do(t, "GET", "/v1/usage?month=2024-13", tokAdminA, nil).Want(t, 400)
	// Each recorded use is a content.used event (for the monthly usage
	// report); refused ones are not.
	if used := e.ev.Of(events.TypeContentUsed); len(used) != 2 {
		t.Errorf("%d content.used events, want 2", len(used))
	} else if p, err := events.DecodePayload[events.ContentUsed](events.Standard(), used[0]); err != nil || p.ItemID != "free-lake" || p.Purpose != "session" {
		t.Errorf("content.used payload %+v, %v", p, err)
	}
	// The allowance: from 80 % a warning, and a free user's 101st use in a
	// month is refused with 402.
	counter := e.fs.Doc("users/" + apitest.TwoOrgs()[tokFreeA].UID + "/content_usage_months/" + u.Month)
	if _, err := counter.Set(context.Background(), map[string]any{"count": 79}); err != nil {
		t.Fatal(err)
	}
	e.do(t, "POST", "/v1/usage", tokFreeA, map[string]any{"item_id": "free-lake", "purpose": "session"}).Want(t, 201).JSON(t, &u)
	if u.UserUses != 80 || !u.UserWarning || !strings.Contains(u.Warning, "80 of your 100 content uses") {
		t.Errorf("use at 80 %%: %+v", u)
	}
	if _, err := counter.Set(context.Background(), map[string]any{"count": 100}); err != nil {
		t.Fatal(err)
	}
	p := e.do(t, "POST", "/v1/usage", tokFreeA, map[string]any{"item_id": "free-lake", "purpose": "session"}).Problem(t, 402)
	if p.Type != httpapi.ProblemBase+"content-uses-exhausted" || !strings.Contains(p.Detail, "all 100 content uses of your free plan") {
		t.Errorf("402 %+v", p)
	}
}

func TestAuthRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, r := range Routes() {
		if r.Public {
			continue
		}
		path := strings.ReplaceAll(r.Path, "{itemId}", "x")
		if got := e.do(t, r.Method, path, "", nil); got.Code != 401 {
			t.Errorf("%s %s without a token: %d", r.Method, r.Path, got.Code)
		}
	}
	e.do(t, "GET", "/healthz", "", nil).Want(t, 200)
}

// text_lang picks the locale of the text without filtering, so a Hebrew
// reader browses the whole library, each item in Hebrew where it has it.
func TestBrowseTextLocale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	it := item("wc-hope", "word_card", "free", "Hope", "")
	it["text"] = map[string]any{"en": map[string]any{"title": "Hope"}, "he": map[string]any{"title": "תקווה"}}
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, it).Want(t, 201)
	e.do(t, "POST", "/v1/items?library=official", tokOfficer, item("qc-why", "question_card", "free", "Why", "Why now?")).Want(t, 201)
	var page ListResponse
	e.do(t, "GET", "/v1/items?text_lang=he", tokFreeA, nil).Want(t, 200).JSON(t, &page)
	got := map[string]string{}
	for _, v := range page.Items {
		got[v.ID] = v.Title + "/" + v.Locale
	}
	if got["wc-hope"] != "תקווה/he" || got["qc-why"] != "Why/en" {
		t.Errorf("text_lang=he: %v", got)
	}
	e.do(t, "GET", "/v1/items?text_lang=xx", tokFreeA, nil).Want(t, 400)
}
