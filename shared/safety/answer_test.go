package safety

import (
	"regexp"
	"strings"
	"testing"
)

var categories = []Category{Suicide, SelfHarm, HarmToOthers, Abuse, Distress, HumanRequest}

// Every region the product serves has an emergency number and at least
// one line to call or site to open; every entry says how to reach it.
func TestResources(t *testing.T) {
	t.Parallel()
	required := []string{"US", "GB", "ES", "MX", "AR", "FR", "DE", "AT", "CH", "IL"}
	for _, code := range required {
		if _, ok := book.Regions[code]; !ok {
			t.Errorf("region %s missing", code)
		}
	}
	number := regexp.MustCompile(`^[0-9][0-9 -]*[0-9]$`)
	for code, r := range book.Regions {
		if !number.MatchString(r.Emergency) {
			t.Errorf("%s: emergency number %q", code, r.Emergency)
		}
		reachable := 0
		for _, res := range append(append([]Resource(nil), r.Crisis...), r.Abuse...) {
			if res.Name == "" || res.Phone == "" && res.URL == "" && res.SMS == "" {
				t.Errorf("%s: %+v has no name or no way to reach it", code, res)
			}
			if res.Phone != "" && !number.MatchString(res.Phone) {
				t.Errorf("%s: %s: phone %q", code, res.Name, res.Phone)
			}
			if res.URL != "" && !strings.HasPrefix(res.URL, "https://") {
				t.Errorf("%s: %s: url %q", code, res.Name, res.URL)
			}
		}
		for _, res := range r.Crisis {
			if res.Phone != "" || res.URL != "" {
				reachable++
			}
		}
		if reachable == 0 {
			t.Errorf("%s: no crisis line or URL", code)
		}
	}
	if len(book.International) == 0 {
		t.Error("no international resources")
	}
	for _, lang := range languages {
		if _, ok := book.Regions[book.HomeRegion[lang]]; !ok {
			t.Errorf("%s: home region %q has no entry", lang, book.HomeRegion[lang])
		}
	}
}

func TestTexts(t *testing.T) {
	t.Parallel()
	for _, lang := range languages {
		tx, ok := texts[lang]
		if !ok {
			t.Errorf("%s: no text", lang)
			continue
		}
		for _, c := range categories {
			if tx.opening[c] == "" {
				t.Errorf("%s: no opening for %s", lang, c)
			}
		}
		if !strings.Contains(tx.emergency, "{number}") || tx.body == "" || tx.emergencyLocal == "" || tx.emergencyName == "" {
			t.Errorf("%s: incomplete text", lang)
		}
	}
}

func TestAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		c                 Category
		lang, region      string
		wantText          string // a piece of the text
		wantFirst         string // the first resource's phone
		wantSecond        string // the second resource's name or phone
		wantInternational bool
		wantOnlyDirectory bool
	}{
		{"us suicide", Suicide, "en", "US", "call 911 now", "911", "988", true, false},
		{"default region of language", Suicide, "es", "", "llama ahora al 112", "112", "024", true, false},
		{"region from tag", Distress, "es-MX", "", "llama ahora al 911", "911", "800 911 2000", true, false},
		{"explicit region wins", SelfHarm, "fr-CA", "FR", "appelez le 112", "112", "3114", true, false},
		{"alias", Suicide, "en", "uk", "call 999 now", "999", "116 123", true, false},
		{"abuse lines first", Abuse, "de", "DE", "ruf jetzt die 112 an", "112", "116 016", true, false},
		{"abuse spain", Abuse, "es", "ES", "no es culpa tuya", "112", "016", true, false},
		{"israel", Suicide, "he", "IL", "101", "101", "1201", true, false},
		{"austria", Distress, "de-AT", "", "die 112 an", "112", "142", true, false},
		{"switzerland french", HumanRequest, "fr", "CH", "appelez le 112", "112", "143", true, false},
		{"argentina", Abuse, "es", "AR", "911", "911", "144", true, false},
		{"unknown language", Suicide, "ja", "", "call 911 now", "911", "988", true, false},
		{"unknown region", Suicide, "en", "JP", "local emergency number", "", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := Answer(tt.c, tt.lang, tt.region)
			if !strings.Contains(a.Text, tt.wantText) {
				t.Errorf("text %q lacks %q", a.Text, tt.wantText)
			}
			if len(a.Resources) < 2 {
				t.Fatalf("resources %+v", a.Resources)
			}
			if tt.wantOnlyDirectory {
				for _, r := range a.Resources {
					if r.Phone != "" {
						t.Errorf("unknown region got a phone number: %+v", r)
					}
				}
				return
			}
			if a.Resources[0].Phone != tt.wantFirst {
				t.Errorf("first resource %+v, want emergency %s", a.Resources[0], tt.wantFirst)
			}
			if r := a.Resources[1]; r.Phone != tt.wantSecond && r.Name != tt.wantSecond {
				t.Errorf("second resource %+v, want %s", r, tt.wantSecond)
			}
			last := a.Resources[len(a.Resources)-1]
			if last.URL != book.International[len(book.International)-1].URL {
				t.Errorf("the answer does not end with the international directories: %+v", last)
			}
		})
	}
}

// Every language and category gets a complete answer in that language
// (never the English text, except for English).
func TestAnswerEveryLanguage(t *testing.T) {
	t.Parallel()
	for _, lang := range languages {
		for _, c := range categories {
			a := Answer(c, lang, "")
			if !strings.HasPrefix(a.Text, texts[lang].opening[c]) || !strings.Contains(a.Text, texts[lang].body) {
				t.Errorf("%s %s: %q", lang, c, a.Text)
			}
			if lang != "en" && strings.Contains(a.Text, texts["en"].body) {
				t.Errorf("%s %s: English text", lang, c)
			}
		}
	}
}

// Answer returns its own slice: a caller that edits it does not change
// the next answer.
func TestAnswerIsACopy(t *testing.T) {
	t.Parallel()
	a := Answer(Suicide, "en", "US")
	a.Resources[1].Phone = "0"
	b := Answer(Suicide, "en", "US")
	if b.Resources[1].Phone != "988" {
		t.Errorf("Answer shares its resources: %+v", b.Resources[1])
	}
}
