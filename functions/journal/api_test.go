package journal

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/library"
)

func TestPushPullRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone, laptop := e.device(partA), e.device(partA)
	id := newEntryID()
	res := phone.pushOK(
		phone.mut(MutCreate, create(id, "Morning", "A calm start.", func(a *CreateArgs) { a.Tags = []string{"calm"}; a.Mood = 4 })),
		phone.mut(MutUpdate, UpdateArgs{ID: id, BaseRev: 1, Body: ptr("A calm start. Then tea.")}),
	)
	if res.LastMutationID != 2 || len(res.Errors) != 0 || res.Usage.Entries != 1 || res.Usage.Tier != "free" || res.Usage.EntriesLimit != 100 {
		t.Fatalf("push: %+v", res)
	}
	// A retried push is harmless: everything is skipped.
	again := phone.pushOK(Mutation{ID: 1, Name: MutCreate, Args: []byte(`{"id":"` + id + `","body":"other"}`)},
		Mutation{ID: 2, Name: MutUpdate, Args: []byte(`{"id":"` + id + `","base_rev":1,"body":"other"}`)})
	if again.LastMutationID != 2 {
		t.Fatalf("replay: %+v", again)
	}
	p := laptop.pull(0, 0)
	if len(p.Entries) != 1 || p.More || p.LastMutationID != 0 || p.LastMutationIDChanges[phone.id] != 2 {
		t.Fatalf("pull: %+v", p)
	}
	got := p.Entries[0]
	if got.Body != "A calm start. Then tea." || got.Rev != 2 || got.Visibility != VisibilityPrivate || got.Words != 6 || got.Mood != 4 {
		t.Fatalf("entry: %+v", got)
	}
	// Nothing new since the cookie.
	if p2 := laptop.pull(p.Cookie, 0); len(p2.Entries) != 0 || len(p2.LastMutationIDChanges) != 0 || p2.Cookie != p.Cookie {
		t.Fatalf("second pull: %+v", p2)
	}
	// The laptop deletes it; the phone learns of the tombstone.
	laptop.pushOK(laptop.mut(MutDelete, DeleteArgs{ID: id, BaseRev: 2}))
	p3 := phone.pull(p.Cookie, 0)
	if len(p3.Entries) != 1 || !p3.Entries[0].Deleted || p3.LastMutationIDChanges[laptop.id] != 1 || p3.LastMutationID != 2 {
		t.Fatalf("tombstone pull: %+v", p3)
	}
	if u := e.usage(partA); u.Entries != 0 || u.Bytes != 0 {
		t.Fatalf("usage after delete: %+v", u)
	}
	// Events: counts only.
	synced := e.events.Of(events.TypeJournalSynced)
	if len(synced) != 2 {
		t.Fatalf("%d journal.synced events", len(synced))
	}
	for _, env := range synced {
		if s := string(env.Payload); strings.Contains(s, id) || strings.Contains(s, "calm") {
			t.Fatalf("event carries content: %s", s)
		}
	}
}

func (e *env) usage(tok string) Usage {
	e.t.Helper()
	var u Usage
	e.do("GET", "/v1/usage", tok, nil).Want(e.t, http.StatusOK).JSON(e.t, &u)
	return u
}

func TestPushGapsInvalidAndLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.device(partA)
	// A gap: nothing applied, the client learns where to resend from.
	var gp gapProblem
	e.do("POST", "/v1/push", partA, PushRequest{ClientID: d.id, Mutations: []Mutation{{ID: 3, Name: MutCreate, Args: []byte(`{"id":"` + newEntryID() + `"}`)}}}).
		Want(t, http.StatusConflict).JSON(t, &gp)
	if gp.Type != ProblemGap || gp.LastMutationID != 0 {
		t.Fatalf("gap: %+v", gp)
	}
	// Invalid args advance the queue and are reported.
	res := d.pushOK(d.mut(MutCreate, map[string]any{"id": "nope"}), d.mut(MutCreate, create(newEntryID(), "ok", "fine")))
	if res.LastMutationID != 2 || len(res.Errors) != 1 || res.Errors[0].MutationID != 1 || res.Errors[0].Problem.Status != 400 {
		t.Fatalf("invalid: %+v", res)
	}
	// Envelope errors are 400 with nothing applied.
	e.do("POST", "/v1/push", partA, map[string]any{"client_id": "x", "mutations": []any{}}).Want(t, http.StatusBadRequest)
	e.do("POST", "/v1/push", partA, PushRequest{ClientID: d.id, Mutations: []Mutation{{ID: 3, Name: MutRestore, Args: []byte(`{}`)}, {ID: 5, Name: MutRestore, Args: []byte(`{}`)}}}).Want(t, http.StatusBadRequest)
	// The free tier's 100 entries: mutation 101 of the queue is refused with
	// the problem, everything before it is applied and nothing after it.
	var ms []Mutation
	for range 100 {
		ms = append(ms, d.mut(MutCreate, create(newEntryID(), "t", "b")))
	}
	var lp limitProblem
	e.do("POST", "/v1/push", partA, PushRequest{ClientID: d.id, Mutations: ms}).Want(t, http.StatusForbidden).JSON(t, &lp)
	if lp.Type != ProblemLimit || lp.Limit != "entries" || lp.MutationID != 102 || lp.LastMutationID != 101 || lp.Usage.Entries != 100 {
		t.Fatalf("limit: %+v", lp)
	}
	if u := e.usage(partA); u.Entries != 100 || !u.Warning {
		t.Fatalf("usage: %+v", u)
	}
	p := d.pull(0, 1000)
	if len(p.Entries) != 100 || p.LastMutationID != 101 {
		t.Fatalf("after refusal: %d entries, last %d", len(p.Entries), p.LastMutationID)
	}
}

func TestLargePushIsChunked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.device(facA) // professional: 2,000 entries
	var ms []Mutation
	ids := map[string]bool{}
	for range 450 {
		id := newEntryID()
		ids[id] = true
		ms = append(ms, d.mut(MutCreate, create(id, "t", "body")))
	}
	res := d.pushOK(ms...)
	if res.LastMutationID != 450 || res.Usage.Entries != 450 {
		t.Fatalf("%+v", res)
	}
	// Paged pull: every entry exactly once.
	seen := map[string]bool{}
	cookie := int64(0)
	pages := 0
	for {
		p := e.device(facA).pull(cookie, 100)
		pages++
		for _, en := range p.Entries {
			if seen[en.ID] {
				t.Fatalf("entry %s twice", en.ID)
			}
			seen[en.ID] = true
		}
		cookie = p.Cookie
		if !p.More {
			break
		}
	}
	if len(seen) != 450 || pages != 5 {
		t.Fatalf("pulled %d entries in %d pages", len(seen), pages)
	}
	if n := len(e.events.Of(events.TypeJournalSynced)); n != 3 {
		t.Fatalf("%d events for 3 chunks", n)
	}
}

func TestReadsAreOwnOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.device(partA)
	id := newEntryID()
	d.pushOK(d.mut(MutCreate, create(id, "Mine", "only mine")))
	if got := e.entry(partA, id); got.Title != "Mine" {
		t.Fatal(got)
	}
	for _, tok := range []string{partB, facA, adminA, stranger} {
		e.do("GET", "/v1/entries/"+id, tok, nil).Want(t, http.StatusNotFound)
	}
	e.do("GET", "/v1/entries/not-an-id", partA, nil).Want(t, http.StatusNotFound)
	e.do("GET", "/v1/entries/"+id, "", nil).Want(t, http.StatusUnauthorized)
}

func TestSearchWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.device(partA)
	fr, he, del := newEntryID(), newEntryID(), newEntryID()
	d.pushOK(
		d.mut(MutCreate, create(fr, "Été", "Je marchais au bord de la mer, les vagues calmes.")),
		d.mut(MutCreate, create(he, "בוקר", "הלכתי אל הים והשלום היה גדול")),
		d.mut(MutCreate, create(del, "walks", "walking by the sea")),
		d.mut(MutDelete, DeleteArgs{ID: del, BaseRev: 1}),
	)
	other := e.device(partB)
	other.pushOK(other.mut(MutCreate, create(newEntryID(), "ete", "vagues")))
	search := func(tok, q string) []SearchResult {
		var out struct{ Results []SearchResult }
		e.do("GET", "/v1/search?mode=words&q="+urlq(q), tok, nil).Want(t, http.StatusOK).JSON(t, &out)
		return out.Results
	}
	if r := search(partA, "ETE vague"); len(r) != 1 || r[0].Entry.ID != fr || !strings.Contains(r[0].Snippet, "vagues") {
		t.Fatalf("fr: %+v", r)
	}
	if r := search(partA, "שלום"); len(r) != 1 || r[0].Entry.ID != he {
		t.Fatalf("he: %+v", r)
	}
	if r := search(partA, "walk"); len(r) != 0 {
		t.Fatalf("deleted entry found: %+v", r)
	}
	e.do("GET", "/v1/search?q=", partA, nil).Want(t, http.StatusBadRequest)
	e.do("GET", "/v1/search?q=x&mode=magic", partA, nil).Want(t, http.StatusBadRequest)
}

func TestSearchMeaning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.device(partA)
	sea, work := newEntryID(), newEntryID()
	d.pushOK(
		d.mut(MutCreate, create(sea, "Sea", "The ocean waves and the beach at sunset calm me.")),
		d.mut(MutCreate, create(work, "Work", "Spreadsheets, budgets and a quarterly report deadline.")),
	)
	a := &api{d: e.d}
	for _, id := range []string{sea, work} {
		if _, err := a.syncVector(context.Background(), uid(partA), id); err != nil {
			t.Fatal(err)
		}
	}
	var out struct{ Results []SearchResult }
	e.do("GET", "/v1/search?mode=meaning&q="+urlq("ocean beach waves"), partA, nil).Want(t, http.StatusOK).JSON(t, &out)
	if len(out.Results) == 0 || out.Results[0].Entry.ID != sea {
		t.Fatalf("meaning: %+v", out.Results)
	}
	// Nobody else's vectors are searched.
	e.do("GET", "/v1/search?mode=meaning&q="+urlq("ocean beach waves"), partB, nil).Want(t, http.StatusOK).JSON(t, &out)
	if len(out.Results) != 0 {
		t.Fatalf("other user: %+v", out.Results)
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.device(partA)
	id := newEntryID()
	d.pushOK(
		d.mut(MutCreate, create(id, "Morning pages", "Line one.\nשורה בעברית.", func(a *CreateArgs) { a.Tags = []string{"calm"} })),
		d.mut(MutUpdate, UpdateArgs{ID: id, BaseRev: 1, Body: ptr("server")}),
		d.mut(MutUpdate, UpdateArgs{ID: id, BaseRev: 1, Body: ptr("conflicting")}),
	)
	r := e.do("GET", "/v1/export?format=zip", partA, nil).Want(t, http.StatusOK)
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var md string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		if !strings.Contains(f.Name, "conflict") {
			md = string(b)
		}
	}
	if len(names) != 2 || !strings.HasPrefix(md, "---\ntitle: Morning pages\n") || !strings.Contains(md, "tags:\n    - calm") || !strings.HasSuffix(md, "server\n") {
		t.Fatalf("zip %v:\n%s", names, md)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Fatal(cd)
	}
	pdf := e.do("GET", "/v1/export?format=pdf", partA, nil).Want(t, http.StatusOK)
	if !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %q", pdf.Body[:min(20, len(pdf.Body))])
	}
	e.do("GET", "/v1/export?format=docx", partA, nil).Want(t, http.StatusBadRequest)
	if n := len(e.events.Of(events.TypeJournalExported)); n != 2 {
		t.Fatalf("%d export events", n)
	}
}

func TestPrompts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	items := []library.Item{
		{ID: "ask-free", Type: library.TypePrompt, Tier: "free", Status: library.StatusPublished, Phase: "pause",
			Text:    map[string]library.Text{"en": {Title: "Ask", Body: "What do you notice?"}, "es": {Title: "Pregunta", Body: "¿Qué notas?"}},
			License: library.License{Type: "open"}},
		{ID: "ask-pro", Type: library.TypePrompt, Tier: "professional", Status: library.StatusPublished, Phase: "pause",
			Text: map[string]library.Text{"en": {Title: "Pro", Body: "PRO-ONLY question"}}, License: library.License{Type: "open"}},
		{ID: "card-1", Type: library.TypePhotoCard, Tier: "free", Status: library.StatusPublished,
			Text: map[string]library.Text{"en": {Title: "Door", Prompts: []string{"Which door is opening?"}}}, License: library.License{Type: "open"}},
	}
	for i := range items {
		items[i].Normalize()
	}
	if _, err := library.Import(ctx, e.fs, "", items, "seed", e.now); err != nil {
		t.Fatal(err)
	}
	var out struct{ Prompts []Prompt }
	e.do("GET", "/v1/prompts?phase=pause&lang=en&card=card-1", partA, nil).Want(t, http.StatusOK).JSON(t, &out)
	text := fmt.Sprint(out.Prompts)
	for _, want := range []string{"What do you notice?", "Which door is opening?", "What is asking for your attention right now?"} {
		if !strings.Contains(text, want) {
			t.Fatalf("missing %q in %s", want, text)
		}
	}
	if strings.Contains(text, "PRO-ONLY") || strings.Contains(text, "Expand") {
		t.Fatalf("above tier or other phase: %s", text)
	}
	e.do("GET", "/v1/prompts?phase=pause&lang=en", facA, nil).Want(t, http.StatusOK).JSON(t, &out)
	if !strings.Contains(fmt.Sprint(out.Prompts), "PRO-ONLY") {
		t.Fatalf("professional misses the professional prompt: %v", out.Prompts)
	}
	e.do("GET", "/v1/prompts?phase=pause&lang=he", partA, nil).Want(t, http.StatusOK).JSON(t, &out)
	if !strings.Contains(fmt.Sprint(out.Prompts), "מה מבקש") {
		t.Fatalf("hebrew: %v", out.Prompts)
	}
	e.do("GET", "/v1/prompts?lang=xx", partA, nil).Want(t, http.StatusBadRequest)
	// AI suggestions: no entry text without coach_memory consent.
	var sug struct{ Prompts []Prompt }
	e.do("POST", "/v1/prompts/suggest", partA, map[string]any{"phase": "focus", "lang": "en"}).Want(t, http.StatusOK).JSON(t, &sug)
	if len(sug.Prompts) == 0 {
		t.Fatal("no suggestions")
	}
}
