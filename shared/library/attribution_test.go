package library

import "testing"

func TestAttributionLine(t *testing.T) {
	t.Parallel()
	text := map[string]Text{"en": {Title: "Balance"}, "es": {Title: "Equilibrio"}}
	cases := []struct {
		name    string
		it      Item
		locale  string
		orgName string
		want    string
	}{
		{"official proprietary", Item{Text: text, License: License{Type: "proprietary"}}, "en", "", "'Balance' - Points of You® methodology"},
		{"official in spanish", Item{Text: text, License: License{Type: "poy_licensed"}}, "es", "", "'Equilibrio' - Points of You® methodology"},
		{"official falls back to english", Item{Text: text, License: License{Type: "commercial"}}, "he", "", "'Balance' - Points of You® methodology"},
		{"official open", Item{Text: text, License: License{Type: "open"}}, "en", "", ""},
		{"community open", Item{Text: text, Org: "org-a", Attribution: "Ana", License: License{Type: "open", AttributionRequired: true}}, "en", "Org A", ""},
		{"community by creator", Item{Text: text, Org: "org-a", Attribution: "Ana Ruiz", License: License{Type: "attribution", AttributionRequired: true}}, "en", "Org A", "'Balance' by Ana Ruiz"},
		{"community by organisation", Item{Text: text, Org: "org-a", License: License{Type: "attribution", AttributionRequired: true}}, "es", "Org A", "'Equilibrio' by Org A"},
		{"community not required", Item{Text: text, Org: "org-a", Attribution: "Ana", License: License{Type: "commercial"}}, "en", "Org A", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := c.it.AttributionLineFor(c.locale, c.orgName); got != c.want {
				t.Errorf("AttributionLineFor = %q, want %q", got, c.want)
			}
		})
	}
	it := Item{Text: text, Org: "org-a", License: License{Type: "attribution", AttributionRequired: true}}
	if got, want := it.AttributionLine("en"), "'Balance' by org-a"; got != want {
		t.Errorf("AttributionLine = %q, want %q", got, want)
	}
}
