package library

import (
	"pointsofyou.ai/studio/shared/entitlements"
	"strings"
	"testing"
	"time"
)

func valid() Item {
	return Item{ID: "qc-001", Type: TypeQuestionCard, Tier: "free", Status: StatusPublished,
		Text:   map[string]Text{"en": {Title: "Open door", Body: "What would you try if you could not fail?"}, "es": {Title: "Puerta abierta", Body: "¿Qué intentarías si no pudieras fallar?"}},
		Themes: []string{"courage"}, Tags: []string{"starter"}, Phase: "expand",
		License: License{Type: "open"}}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Item)
		field  string // "" means valid
	}{
		{"valid", func(*Item) {}, ""},
		{"no english", func(it *Item) { delete(it.Text, "en") }, "text.en"},
		{"unknown locale", func(it *Item) { it.Text["it"] = Text{Title: "x"} }, "text.it"},
		{"bad type", func(it *Item) { it.Type = "poster" }, "type"},
		{"long question", func(it *Item) { it.Text["en"] = Text{Title: "t", Body: strings.Repeat("a", 151)} }, "text.en.body"},
		{"long word", func(it *Item) { it.Type = TypeWordCard; it.Text["en"] = Text{Title: strings.Repeat("w", 31)} }, "text.en.title"},
		{"bad phase", func(it *Item) { it.Phase = "later" }, "phase"},
		{"bad tier", func(it *Item) { it.Tier = "gold" }, "tier"},
		{"missing tier", func(it *Item) { it.Tier = "" }, "tier"},
		{"bad licence", func(it *Item) { it.License.Type = "mine" }, "license.type"},
		{"attribution needed", func(it *Item) { it.License.AttributionRequired = true }, "attribution"},
		{"bad id", func(it *Item) { it.ID = "../x" }, "id"},
		{"bad tag", func(it *Item) { it.Tags = []string{"Upper"} }, "tags[0]"},
		{"hebrew theme ok", func(it *Item) { it.Themes = []string{"אומץ"} }, ""},
		{"image needs one ref", func(it *Item) { it.Images = []Image{{}} }, "images[0]"},
		{"control char", func(it *Item) { it.Text["es"] = Text{Title: "a\x01", Body: "b"} }, "text.es.title"},
		{"line break in a title", func(it *Item) { it.Text["es"] = Text{Title: "a\nb", Body: "b"} }, "text.es.title"},
		{"escape in a body", func(it *Item) { it.Text["es"] = Text{Title: "a", Body: "b\x1b[2J"} }, "text.es.body"},
		{"multi-line body ok", func(it *Item) { it.Text["es"] = Text{Title: "a", Body: "b\n\tc"} }, ""},
		{"control char in a prompt", func(it *Item) { it.Text["es"] = Text{Title: "a", Body: "b", Prompts: []string{"ok", "bell\a"}} }, "text.es.prompts[1]"},
		{"control char in attribution", func(it *Item) { it.Attribution = "x\x00" }, "attribution"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			it := valid()
			it.Text = map[string]Text{"en": it.Text["en"], "es": it.Text["es"]}
			c.mutate(&it)
			errs := it.Validate()
			if c.field == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors %v", errs)
				}
				return
			}
			for _, e := range errs {
				if e.Field == c.field {
					return
				}
			}
			t.Fatalf("no error on %s: %v", c.field, errs)
		})
	}
}

func TestLocalizedFallsBack(t *testing.T) {
	t.Parallel()
	it := valid()
	for _, c := range []struct{ ask, got, title string }{
		{"es", "es", "Puerta abierta"}, {"he", "en", "Open door"}, {"fr", "en", "Open door"}, {"", "en", "Open door"}, {"xx", "en", "Open door"},
	} {
		txt, l := it.Localized(c.ask)
		if l != c.got || txt.Title != c.title {
			t.Errorf("Localized(%q) = %q %q, want %q %q", c.ask, l, txt.Title, c.got, c.title)
		}
	}
}

func TestTiers(t *testing.T) {
	t.Parallel()
	now := time.Now()
	past := now.Add(-time.Hour)
	cases := []struct {
		item, caller string
		expired      bool
		usable       bool
	}{
		{"free", "free", false, true},
		{"professional", "free", false, false},
		{"professional", "", false, false},
		{"professional", "bogus", false, false},
		{"professional", "professional", false, true},
		{"enterprise", "professional", false, false},
		{"official", "official", false, true},
		{"free", "official", true, false},
	}
	for _, c := range cases {
		it := Item{Tier: c.item}
		if c.expired {
			it.License.ExpiresAt = &past
		}
		if got := it.Usable(c.caller, now); got != c.usable {
			t.Errorf("item %s caller %q expired %v: usable %v, want %v", c.item, c.caller, c.expired, got, c.usable)
		}
	}
	if got := entitlements.UpTo("enterprise"); strings.Join(got, ",") != "free,professional,enterprise" {
		t.Errorf("TiersUpTo = %v", got)
	}
	if got := entitlements.UpTo(""); strings.Join(got, ",") != "free" {
		t.Errorf("UpTo('') = %v", got)
	}
}

func TestEmbedTextIgnoresTags(t *testing.T) {
	t.Parallel()
	a, b := valid(), valid()
	b.Tags = []string{"other"}
	if a.EmbedText("en") != b.EmbedText("en") {
		t.Error("tags changed the embedded text")
	}
	b.Text = map[string]Text{"en": {Title: "Closed door", Body: a.Text["en"].Body}}
	if TextHash("m", a.EmbedText("en")) == TextHash("m", b.EmbedText("en")) {
		t.Error("a title change kept the hash")
	}
	if a.EmbedText("he") != a.EmbedText("en") {
		t.Error("a missing locale does not fall back to English")
	}
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	csvText := "id,type,tier,license_type,title_en,body_en,title_es,themes,tags,ai_usage_allowed\n" +
		"wc-1,word_card,free,open,Dawn,,Amanecer,hope|beginning,starter,true\n" +
		"wc-2,word_card,gold,open,Dusk,,,,,\n" + // bad tier
		"wc-3,word_card,free,open,,,,,,maybe\n" + // no title, bad bool
		"wc-1,word_card,free,open,Noon,,,,,\n" + // duplicate id
		"qc-5,question_card,free,open,Why,,,,,\n" // question without body
	items, errs, err := ParseCSV(strings.NewReader(csvText))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 {
		t.Fatalf("%d items", len(items))
	}
	if it := items[0]; it.Text["es"].Title != "Amanecer" || len(it.Themes) != 2 || !it.License.AIUsageAllowed || it.Status != StatusDraft {
		t.Errorf("row 1 = %+v", it)
	}
	want := map[string]bool{"2 tier": true, "3 ai_usage_allowed": true, "4 id": true, "5 text.en.body": true}
	got := map[string]bool{}
	for _, e := range errs {
		got[strings.TrimSpace(strings.Join([]string{itoa(e.Row), e.Field}, " "))] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing error %q in %v", k, errs)
		}
	}
	if _, _, err := ParseCSV(strings.NewReader("id,colour\n")); err == nil {
		t.Error("unknown column accepted")
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	body := `{"items":[
	 {"id":"pc-1","type":"photo_card","tier":"free","license":{"type":"open"},"text":{"en":{"title":"Harbour"}}},
	 {"id":"pc-2","type":"photo_card","tier":"free","license":{"type":"open"},"text":{"en":{"title":"Lamp"}},"colour":"red"},
	 {"id":"pc-3","type":"photo_card","tier":"free","license":{"type":"open"},"text":{"es":{"title":"Faro"}}}
	]}`
	items, errs, err := ParseJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || len(errs) != 2 || errs[0].Row != 2 || errs[1].Row != 3 || errs[1].Field != "text.en" {
		t.Fatalf("items %d errs %+v", len(items), errs)
	}
	if _, _, err := ParseJSON([]byte(`"x"`)); err == nil {
		t.Error("a string was accepted")
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n))) }
