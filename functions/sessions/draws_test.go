package sessions

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"

	fsemu "pointsofyou.ai/studio/emulators/firestore"

	"pointsofyou.ai/studio/emulators/firestore/fstest"
	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/library"
)

// drawItem is a library item to seed; Org "" is the official library.
type drawItem struct {
	ID, Org string
	Item    library.Item
}

// drawCardItem is a published free card of deck.
func drawCardItem(id, typ, deck string) drawItem {
	return drawItem{ID: id, Item: library.Item{Type: typ, Text: map[string]library.Text{"en": {Title: "Card " + id}},
		Themes: []string{"courage"}, DeckID: deck, Tier: "free", Status: library.StatusPublished, License: library.License{Type: "open"},
		Images: []library.Image{{Object: "cards/" + id + ".jpg"}}}}
}

// drawDeck is n photo cards of deck, ids {deck}-00….
func drawDeck(deck string, n int) []drawItem {
	out := make([]drawItem, n)
	for i := range out {
		out[i] = drawCardItem(fmt.Sprintf("%s-%02d", deck, i), library.TypePhotoCard, deck)
	}
	return out
}

func drawSeedLibrary(t *testing.T, e *env, items []drawItem) {
	t.Helper()
	ctx := context.Background()
	b := e.fs.BulkWriter(ctx)
	for _, it := range items {
		c := e.fs.Collection(library.OfficialCollection)
		if it.Org != "" {
			c = e.fs.Collection(collOrgs).Doc(it.Org).Collection(library.OfficialCollection)
		}
		if _, err := b.Set(c.Doc(it.ID), it.Item); err != nil {
			t.Fatal(err)
		}
	}
	b.End()
}

// drawCrowd is e with n extra participants of org-a (tokens crowd-00…,
// uids u-crowd-00…), all joined to a new live session; it returns the
// session id and the tokens.
func drawCrowd(t *testing.T, e *env, n int) (*env, string, []string) {
	t.Helper()
	v := testUsers.Verifier()
	parts := map[string]string{}
	toks := make([]string, n)
	for i := range toks {
		toks[i] = fmt.Sprintf("crowd-%02d", i)
		uid := "u-" + toks[i]
		v[toks[i]] = &auth.Principal{UID: uid, Org: "org-a", Role: auth.RoleParticipant, Tier: auth.TierFree}
		parts[uid] = ""
	}
	d := e.deps
	d.Verifier = v
	h, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	e2 := *e
	e2.h = h
	return &e2, e.seedSession(t, seedOpts{Status: StatusLive, Participants: parts}), toks
}

// drawOpenOK opens a draw and returns it.
func drawOpenOK(t *testing.T, e *env, sid string, body any) drawDetail {
	t.Helper()
	r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws", tokFac, body)
	if r.Code != http.StatusCreated {
		t.Fatalf("open draw: %d %s", r.Code, r.Body)
	}
	var d drawDetail
	r.JSON(t, &d)
	return d
}

func drawGet(t *testing.T, e *env, sid, did, tok string) (drawDetail, string) {
	t.Helper()
	r := e.do(t, "GET", "/v1/sessions/"+sid+"/draws/"+did, tok, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("get draw as %s: %d %s", tok, r.Code, r.Body)
	}
	var d drawDetail
	r.JSON(t, &d)
	return d, string(r.Body)
}

func drawPickOK(t *testing.T, e *env, sid, did, tok string, body any) pickView {
	t.Helper()
	r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+did+"/picks", tok, body)
	if r.Code != http.StatusCreated {
		t.Fatalf("pick as %s: %d %s", tok, r.Code, r.Body)
	}
	var p pickView
	r.JSON(t, &p)
	return p
}

// drawLibrary is the library of the draw tests.
func drawLibrary() []drawItem {
	items := drawDeck("deck-a", 30)
	ent := drawCardItem("ent-1", library.TypeWordCard, "deck-b")
	ent.Item.Tier = "enterprise"
	draft := drawCardItem("draft-1", library.TypeWordCard, "deck-b")
	draft.Item.Status = library.StatusDraft
	ex := drawCardItem("ex-1", library.TypeExercise, "deck-b")
	past := time.Now().Add(-time.Hour)
	expired := drawCardItem("exp-1", library.TypeQuestionCard, "deck-b")
	expired.Item.License.ExpiresAt = &past
	own := drawCardItem("own-1", library.TypeWordCard, "deck-own")
	own.Org = "org-a"
	other := drawCardItem("other-1", library.TypeWordCard, "deck-own")
	other.Org = "org-b"
	q := drawCardItem("q-1", library.TypeQuestionCard, "")
	return append(items, ent, draft, ex, expired, own, other, q)
}

func TestDrawOpenRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drawSeedLibrary(t, e, drawLibrary())
	sid := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": ""}})
	sched := e.seedSession(t, seedOpts{})
	ids := func(xs ...string) []string { return xs }
	for _, c := range []struct {
		name, tok string
		body      any
		code      int
		field     string
	}{
		{"bad mode", tokFac, map[string]any{"mode": "shuffled", "deck_id": "deck-a"}, 400, "mode"},
		{"deck and cards", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-a", "card_ids": ids("q-1", "own-1")}, 400, "card_ids"},
		{"no source", tokFac, map[string]any{"mode": "face_up"}, 400, "deck_id"},
		{"one card", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1")}, 400, "card_ids"},
		{"duplicate", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "own-1", "q-1")}, 400, "card_ids[2]"},
		{"bad id", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "../x")}, 400, "card_ids[1]"},
		{"spread face down", tokFac, map[string]any{"mode": "face_down", "deck_id": "deck-a", "spread": 3}, 400, "spread"},
		{"spread zero", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-a", "spread": 0}, 400, "spread"},
		{"too many per person", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-a", "picks_per_person": 4}, 400, "picks_per_person"},
		{"bad phase", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-a", "phase": "later"}, 400, "phase"},
		{"unknown field", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-a", "shuffle": true}, 400, "shuffle"},
		{"unknown card", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "nope")}, 422, "card_ids[1]"},
		{"above the tier", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "ent-1")}, 422, "card_ids[1]"},
		{"draft", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("draft-1", "q-1")}, 422, "card_ids[0]"},
		{"not a card", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "ex-1")}, 422, "card_ids[1]"},
		{"expired licence", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "exp-1")}, 422, "card_ids[1]"},
		{"another org's card", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "other-1")}, 422, "card_ids[1]"},
		{"no usable card in deck", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-b"}, 422, "deck_id"},
		{"unknown deck", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-zzz"}, 422, "deck_id"},
		{"spread above pool", tokFac, map[string]any{"mode": "face_up", "card_ids": ids("q-1", "own-1"), "spread": 3}, 422, "spread"},
		{"participant", tokPart1, map[string]any{"mode": "face_up", "deck_id": "deck-a"}, 403, ""},
		{"org admin", tokAdminA, map[string]any{"mode": "face_up", "deck_id": "deck-a"}, 403, ""},
		{"other org", tokFacB, map[string]any{"mode": "face_up", "deck_id": "deck-a"}, 404, ""},
	} {
		r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws", c.tok, c.body)
		r.Problem(t, c.code)
		if c.field == "" {
			continue
		}
		var p struct {
			Errors []struct{ Field string } `json:"errors"`
		}
		r.JSON(t, &p)
		if len(p.Errors) == 0 || p.Errors[0].Field != c.field {
			t.Errorf("%s: %s, want field %s", c.name, r.Body, c.field)
		}
	}
	e.do(t, "POST", "/v1/sessions/"+sched+"/draws", tokFac, map[string]any{"mode": "face_up", "deck_id": "deck-a"}).Problem(t, 409)
	if n := len(e.events.Of(events.TypeSessionDrawOpened)); n != 0 {
		t.Fatalf("%d draws opened by bad requests", n)
	}

	up := drawOpenOK(t, e, sid, map[string]any{"mode": "face_up", "deck_id": "deck-a"})
	seen := map[string]bool{}
	for _, c := range up.Spread {
		if !strings.HasPrefix(c.ID, "deck-a-") || seen[c.ID] || c.Kind != "photo" || c.Title == "" || len(c.Images) != 1 {
			t.Errorf("spread card %+v", c)
		}
		seen[c.ID] = true
	}
	if len(up.Spread) != drawDefaultSpread || up.Size != drawDefaultSpread || up.Phase != "pause" || up.Source != "deck" || up.PicksPerPerson != 1 {
		t.Errorf("face-up draw %+v", up.drawSummary)
	}
	e.do(t, "POST", "/v1/sessions/"+sid+"/draws", tokCoFac, map[string]any{"mode": "face_down", "deck_id": "deck-a"}).Problem(t, 409)
	e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+up.ID+"/close", tokPart1, nil).Problem(t, 403)
	if r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+up.ID+"/close", tokCoFac, nil); r.Code != 200 {
		t.Fatalf("close %d %s", r.Code, r.Body)
	}
	e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+up.ID+"/close", tokFac, nil).Problem(t, 409)
	e.do(t, "POST", "/v1/sessions/"+sid+"/draws/nope/close", tokFac, nil).Problem(t, 404)
	down := drawOpenOK(t, e, sid, map[string]any{"mode": "face_down", "card_ids": ids("own-1", "q-1"), "phase": "focus", "picks_per_person": 2})
	if down.Size != 2 || down.Spread != nil || down.Source != "subset" || down.Phase != "focus" || down.PicksPerPerson != 2 {
		t.Errorf("face-down draw %+v", down)
	}
	// Participants never see a face-down pool.
	_, raw := drawGet(t, e, sid, down.ID, tokPart1)
	if strings.Contains(raw, "own-1") || strings.Contains(raw, "q-1") {
		t.Errorf("face-down pool shown: %s", raw)
	}

	var page drawPage
	r := e.do(t, "GET", "/v1/sessions/"+sid+"/draws", tokPart1, nil)
	r.JSON(t, &page)
	if len(page.Draws) != 2 || page.Draws[0].ID != down.ID || page.Draws[1].Status != drawClosed || page.NextPageToken != "" {
		t.Errorf("list %s", r.Body)
	}
	if strings.Contains(string(r.Body), "own-1") {
		t.Errorf("list shows cards: %s", r.Body)
	}
	e.do(t, "GET", "/v1/sessions/"+sid+"/draws?page_token=nope", tokFac, nil).Problem(t, 400)
	e.do(t, "GET", "/v1/sessions/"+sid+"/draws", tokAdminB, nil).Problem(t, 404)
	e.do(t, "GET", "/v1/sessions/"+sid+"/draws/"+down.ID, tokPartB, nil).Problem(t, 404)
	opened := e.events.Of(events.TypeSessionDrawOpened)
	if len(opened) != 2 || len(e.events.Of(events.TypeSessionDrawClosed)) != 1 {
		t.Fatalf("events %v", e.events.Types())
	}
	if p := apitest.Payload[events.SessionDrawOpened](t, opened[1]); p.Mode != "face_down" || p.Source != "subset" || p.Cards != 2 || p.Phase != "focus" {
		t.Errorf("opened payload %+v", p)
	}
}

func TestDrawListPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drawSeedLibrary(t, e, drawDeck("deck-p", 3))
	sid := e.seedSession(t, seedOpts{Status: StatusLive})
	const n = drawPageSize + 3
	for range n {
		d := drawOpenOK(t, e, sid, map[string]any{"mode": "face_down", "deck_id": "deck-p"})
		if r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+d.ID+"/close", tokFac, nil); r.Code != 200 {
			t.Fatalf("close %d", r.Code)
		}
	}
	seen := map[string]bool{}
	tok := ""
	for pages := 0; ; pages++ {
		var page drawPage
		e.do(t, "GET", "/v1/sessions/"+sid+"/draws?page_token="+tok, tokFac, nil).JSON(t, &page)
		for _, d := range page.Draws {
			if seen[d.ID] {
				t.Fatalf("draw %s listed twice", d.ID)
			}
			seen[d.ID] = true
		}
		if tok = page.NextPageToken; tok == "" {
			break
		}
		if pages > 3 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != n {
		t.Fatalf("%d draws listed, want %d", len(seen), n)
	}
}

func TestDrawFaceUpPicks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drawSeedLibrary(t, e, drawLibrary())
	sid := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{
		"u-part-1": "", "u-part-2": "", "u-part-3": PartInvited, "u-part-b": ""}})
	d := drawOpenOK(t, e, sid, map[string]any{"mode": "face_up", "deck_id": "deck-a", "spread": 5})
	picks := "/v1/sessions/" + sid + "/draws/" + d.ID + "/picks"
	card := d.Spread[0].ID
	p := drawPickOK(t, e, sid, d.ID, tokPart1, map[string]any{"card_id": card})
	if p.CardID != card || p.Kind != "photo" || p.Title != "Card "+card || p.Revealed || p.UID != "u-part-1" || len(p.Images) != 1 {
		t.Errorf("pick %+v", p)
	}
	outside := "deck-a-29"
	for _, c := range d.Spread {
		if c.ID == outside {
			outside = "deck-a-28"
		}
	}
	for _, c := range []struct {
		name, tok string
		body      any
		code      int
	}{
		{"taken", tokPart2, map[string]any{"card_id": card}, 409},
		{"not in the spread", tokPart2, map[string]any{"card_id": outside}, 422},
		{"no card", tokPart2, nil, 400},
		{"bad card id", tokPart2, map[string]any{"card_id": "A/B"}, 400},
		{"over the limit", tokPart1, map[string]any{"card_id": d.Spread[1].ID}, 409},
		{"facilitator", tokFac, map[string]any{"card_id": d.Spread[1].ID}, 403},
		{"org admin", tokAdminA, map[string]any{"card_id": d.Spread[1].ID}, 403},
		{"invited, not joined", tokPart3, map[string]any{"card_id": d.Spread[1].ID}, 403},
		{"other org stranger", tokFacB, map[string]any{"card_id": d.Spread[1].ID}, 404},
	} {
		r := e.do(t, "POST", picks, c.tok, c.body)
		if r.Code != c.code {
			t.Errorf("%s: %d %s", c.name, r.Code, r.Body)
		}
	}
	e.do(t, "POST", "/v1/sessions/"+sid+"/draws/nope/picks", tokPart2, map[string]any{"card_id": card}).Problem(t, 404)
	// A participant of another organisation picks too.
	drawPickOK(t, e, sid, d.ID, tokPartB, map[string]any{"card_id": d.Spread[1].ID})
	got, _ := drawGet(t, e, sid, d.ID, tokPart2)
	for i, c := range got.Spread {
		if c.Taken != (i < 2) {
			t.Errorf("spread %d taken = %v", i, c.Taken)
		}
	}
	if got.Taken != 2 || got.Remaining != 3 || len(got.Picks) != 0 {
		t.Errorf("participant view %+v", got)
	}
	sel := e.events.Of(events.TypeSessionCardSelected)
	if len(sel) != 2 {
		t.Fatalf("events %v", e.events.Types())
	}
	if ev := sel[0]; ev.Actor != e.events.Actor("org-a", "u-part-1") || apitest.Payload[events.SessionCardSelected](t, ev) != (events.SessionCardSelected{CardID: events.ID(card), CardKind: "photo", Phase: "pause", DrawID: events.ID(d.ID), Mode: "face_up"}) {
		t.Errorf("card selected %s", apitest.Describe(sel))
	}
	if r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+d.ID+"/close", tokFac, nil); r.Code != 200 {
		t.Fatal(r.Code)
	}
	e.do(t, "POST", picks, tokPart2, map[string]any{"card_id": d.Spread[2].ID}).Problem(t, 409)
}

// TestDrawVisibility walks the visibility matrix of one face-down draw.
func TestDrawVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drawSeedLibrary(t, e, drawDeck("deck-v", 6))
	sid := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": "", "u-part-2": ""}})
	d := drawOpenOK(t, e, sid, map[string]any{"mode": "face_down", "deck_id": "deck-v"})
	c1 := drawPickOK(t, e, sid, d.ID, tokPart1, nil).CardID
	c2 := drawPickOK(t, e, sid, d.ID, tokPart2, map[string]any{}).CardID
	if c1 == c2 {
		t.Fatal("one card drawn twice")
	}
	type want struct {
		tok       string
		sees      []string // card ids in the body
		hides     []string // card ids absent from the body
		hiddenFor []string // uids listed as hidden
	}
	check := func(stage string, ws []want) {
		t.Helper()
		for _, w := range ws {
			v, raw := drawGet(t, e, sid, d.ID, w.tok)
			for _, c := range w.sees {
				if !strings.Contains(raw, c) {
					t.Errorf("%s: %s does not see %s: %s", stage, w.tok, c, raw)
				}
			}
			for _, c := range w.hides {
				if strings.Contains(raw, c) {
					t.Errorf("%s: %s sees %s: %s", stage, w.tok, c, raw)
				}
			}
			var hidden []string
			for _, p := range v.Picks {
				if p.Hidden {
					hidden = append(hidden, p.UID)
				}
			}
			slices.Sort(hidden)
			if !slices.Equal(hidden, w.hiddenFor) {
				t.Errorf("%s: %s sees hidden picks of %v, want %v", stage, w.tok, hidden, w.hiddenFor)
			}
			if v.Taken != 2 || v.Remaining != 4 {
				t.Errorf("%s: counts %d/%d", stage, v.Taken, v.Remaining)
			}
		}
	}
	check("picked", []want{
		{tokPart1, []string{c1}, []string{c2}, nil},
		{tokPart2, []string{c2}, []string{c1}, nil},
		{tokFac, nil, []string{c1, c2}, []string{"u-part-1", "u-part-2"}},
		{tokAdminA, nil, []string{c1, c2}, nil},
	})
	e.consent.Grant("u-part-2", "facilitator_visibility")
	e.consent.Grant("u-part-1", "analytics") // another purpose changes nothing
	check("consent of part-2", []want{
		{tokPart1, []string{c1}, []string{c2}, nil},
		{tokCoFac, []string{c2}, []string{c1}, []string{"u-part-1"}},
		{tokAdminA, nil, []string{c1, c2}, nil},
	})
	reveal := "/v1/sessions/" + sid + "/draws/" + d.ID + "/reveal"
	for _, c := range []struct {
		name, tok string
		body      any
		code      int
	}{
		{"both", tokFac, map[string]any{"uid": "u-part-1", "all": true}, 400},
		{"neither", tokFac, map[string]any{}, 400},
		{"no pick", tokFac, map[string]any{"uid": "u-part-3"}, 409},
		{"participant", tokPart1, map[string]any{"all": true}, 403},
		{"other org", tokAdminB, map[string]any{"all": true}, 404},
	} {
		if r := e.do(t, "POST", reveal, c.tok, c.body); r.Code != c.code {
			t.Errorf("reveal %s: %d %s", c.name, r.Code, r.Body)
		}
	}
	if r := e.do(t, "POST", reveal, tokFac, map[string]any{"uid": "u-part-1"}); r.Code != 200 {
		t.Fatalf("reveal %d %s", r.Code, r.Body)
	}
	check("part-1 revealed", []want{
		{tokPart2, []string{c1, c2}, nil, nil},
		{tokPart1, []string{c1}, []string{c2}, nil},
		{tokFac, []string{c1, c2}, nil, nil},
		{tokAdminA, []string{c1}, []string{c2}, nil},
	})
	if r := e.do(t, "POST", reveal, tokCoFac, map[string]any{"all": true}); r.Code != 200 {
		t.Fatalf("reveal all %d %s", r.Code, r.Body)
	}
	check("all revealed", []want{
		{tokPart1, []string{c1, c2}, nil, nil},
		{tokAdminA, []string{c1, c2}, nil, nil},
	})
	var got []string
	for _, ev := range e.events.Of(events.TypeSessionCardsRevealed) {
		p := apitest.Payload[events.SessionCardsRevealed](t, ev)
		got = append(got, fmt.Sprintf("%s:%d", p.Scope, p.Cards))
	}
	if !slices.Equal(got, []string{"one:1", "all:1"}) {
		t.Errorf("reveal events %v", got)
	}
}

// drawRace has every token pick at once; it returns the picked card ids
// and the status codes.
func drawRace(t *testing.T, e *env, sid, did string, toks []string, body any) ([]string, map[int]int) {
	t.Helper()
	var (
		mu    sync.Mutex
		cards []string
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	start := make(chan struct{})
	for _, tok := range toks {
		wg.Go(func() {
			<-start
			r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+did+"/picks", tok, body)
			mu.Lock()
			defer mu.Unlock()
			codes[r.Code]++
			if r.Code == http.StatusCreated {
				var p pickView
				r.JSON(t, &p)
				cards = append(cards, p.CardID)
			}
		})
	}
	close(start)
	wg.Wait()
	return cards, codes
}

func drawDistinct(t *testing.T, cards []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cards {
		if seen[c] {
			t.Fatalf("card %s drawn twice in %v", c, cards)
		}
		seen[c] = true
	}
}

func TestDrawConcurrentFaceDown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		pool, people int
	}{{"pool equals crowd", 30, 30}, {"pool smaller than crowd", 10, 15}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			drawSeedLibrary(t, e, drawDeck("deck-c", c.pool))
			ec, sid, toks := drawCrowd(t, e, c.people)
			d := drawOpenOK(t, ec, sid, map[string]any{"mode": "face_down", "deck_id": "deck-c"})
			cards, codes := drawRace(t, ec, sid, d.ID, toks, nil)
			want := min(c.pool, c.people)
			if codes[201] != want || codes[409] != c.people-want || codes[201]+codes[409] != c.people || len(cards) != want {
				t.Fatalf("codes %v, %d cards", codes, len(cards))
			}
			drawDistinct(t, cards)
			if n := len(e.events.Of(events.TypeSessionCardSelected)); n != want {
				t.Errorf("%d card events", n)
			}
			v, _ := drawGet(t, ec, sid, d.ID, tokFac)
			if v.Taken != want || len(v.Picks) != want {
				t.Errorf("after the race: taken %d, picks %d", v.Taken, len(v.Picks))
			}
		})
	}
}

func TestDrawConcurrentFaceUpAndLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drawSeedLibrary(t, e, drawDeck("deck-r", 12))
	ec, sid, toks := drawCrowd(t, e, 10)
	d := drawOpenOK(t, ec, sid, map[string]any{"mode": "face_up", "deck_id": "deck-r", "picks_per_person": 2})
	cards, codes := drawRace(t, ec, sid, d.ID, toks, map[string]any{"card_id": d.Spread[3].ID})
	if codes[201] != 1 || codes[409] != 9 || cards[0] != d.Spread[3].ID {
		t.Fatalf("race for one card: %v %v", codes, cards)
	}
	// One person asking five times at once gets their two cards.
	r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+d.ID+"/close", tokFac, nil)
	if r.Code != 200 {
		t.Fatal(r.Code)
	}
	d = drawOpenOK(t, ec, sid, map[string]any{"mode": "face_down", "deck_id": "deck-r", "picks_per_person": 2})
	same := []string{toks[0], toks[0], toks[0], toks[0], toks[0]}
	cards, codes = drawRace(t, ec, sid, d.ID, same, nil)
	if codes[201] != 2 || codes[409] != 3 {
		t.Fatalf("one person, five requests: %v", codes)
	}
	drawDistinct(t, cards)
}

// BenchmarkDrawFaceDownPick measures one face-down pick through the HTTP
// handler against the in-process emulator: each iteration is a new
// participant drawing from a deck of 500, in a new draw every 500 picks.
func BenchmarkDrawFaceDownPick(b *testing.B) {
	const crowd = drawMaxDeck
	ctx := context.Background()
	fs := fstest.NewClient(b, "demo-sessions", fsemu.Options{})
	v := auth.StaticVerifier{tokFac: principal(tokFac)}
	e := &env{fs: fs, events: apitest.NewEvents(b, apitest.EventsOptions{}), consent: &apitest.Consents{}}
	e.deps = Deps{Verifier: v, Firestore: fs, Outbox: e.events.Outbox(fs), Consent: e.consent, PublicURL: "https://studio.test"}
	now := time.Now().UTC()
	sid := newID()
	ref := fs.Collection(collOrgs).Doc("org-a").Collection(collSessions).Doc(sid)
	bw := fs.BulkWriter(ctx)
	// The owner's authority comes from their membership of the organisation.
	_, _ = bw.Set(fs.Doc("orgs/org-a/members/u-fac"), map[string]any{"role": auth.RoleFacilitator})
	toks := make([]string, crowd)
	for i := range toks {
		toks[i] = fmt.Sprintf("bench-%03d", i)
		uid := "u-" + toks[i]
		v[toks[i]] = &auth.Principal{UID: uid, Org: "org-a", Role: auth.RoleParticipant, Tier: auth.TierFree}
		_, _ = bw.Set(ref.Collection(collParticipants).Doc(uid), Participant{State: PartJoined, UpdatedAt: now})
		_, _ = bw.Set(ref.Collection(collMembers).Doc(uid), map[string]any{"role": authz.ResourceParticipant, "uid": uid})
	}
	for _, it := range drawDeck("deck-bench", crowd) {
		_, _ = bw.Set(fs.Collection(library.OfficialCollection).Doc(it.ID), it.Item)
	}
	_, _ = bw.Set(ref, Session{Org: "org-a", Status: StatusLive, Facilitator: "u-fac", Plan: testPlan,
		Current: &Cursor{ChangedAt: now}, StartAt: now, CreatedAt: now, UpdatedAt: now})
	bw.End()
	var err error
	if e.h, err = New(e.deps); err != nil {
		b.Fatal(err)
	}
	open := func() string {
		var d drawDetail
		e.do(b, "POST", "/v1/sessions/"+sid+"/draws", tokFac, map[string]any{"mode": "face_down", "deck_id": "deck-bench"}).
			Want(b, http.StatusCreated).JSON(b, &d)
		return d.ID
	}
	did := open()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == crowd {
			b.StopTimer()
			e.do(b, "POST", "/v1/sessions/"+sid+"/draws/"+did+"/close", tokFac, nil)
			did, i = open(), 0
			b.StartTimer()
		}
		e.do(b, "POST", "/v1/sessions/"+sid+"/draws/"+did+"/picks", toks[i], nil).Want(b, http.StatusCreated)
		i++
	}
}

// TestDrawRevealedPicksNamePeople: a revealed card says whose it is, so the
// group can talk about it; an unrevealed one stays out of the others' view.
func TestDrawRevealedPicksNamePeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	drawSeedLibrary(t, e, drawDeck("deck-n", 4))
	sid := e.seedSession(t, seedOpts{Status: StatusLive, Participants: map[string]string{"u-part-1": "", "u-part-2": ""}})
	parts := e.fs.Collection(collOrgs).Doc(apitest.OrgA).Collection(collSessions).Doc(sid).Collection(collParticipants)
	if _, err := parts.Doc("u-part-2").Update(ctx, []firestore.Update{{Path: "display_name", Value: "Sam Keller"}}); err != nil {
		t.Fatal(err)
	}
	d := drawOpenOK(t, e, sid, map[string]any{"mode": "face_down", "deck_id": "deck-n"})
	drawPickOK(t, e, sid, d.ID, tokPart1, nil)
	drawPickOK(t, e, sid, d.ID, tokPart2, nil)
	if _, raw := drawGet(t, e, sid, d.ID, tokPart1); strings.Contains(raw, "Sam Keller") {
		t.Fatalf("an unrevealed pick is named: %s", raw)
	}
	if r := e.do(t, "POST", "/v1/sessions/"+sid+"/draws/"+d.ID+"/reveal", tokFac, map[string]any{"all": true}); r.Code != 200 {
		t.Fatalf("reveal %d %s", r.Code, r.Body)
	}
	v, _ := drawGet(t, e, sid, d.ID, tokPart1)
	names := map[string]string{}
	for _, p := range v.Picks {
		names[p.UID] = p.DisplayName
	}
	if names["u-part-2"] != "Sam Keller" || names["u-part-1"] != "" || len(names) != 2 {
		t.Fatalf("picks %+v", v.Picks)
	}
	if v, _ := drawGet(t, e, sid, d.ID, tokFac); len(v.Picks) != 2 || v.Picks[0].DisplayName+v.Picks[1].DisplayName != "Sam Keller" {
		t.Fatalf("facilitator's picks %+v", v.Picks)
	}
}
