package prompt

import (
	"slices"
	"strings"
	"testing"
)

func TestFormatParse(t *testing.T) {
	t.Parallel()
	in := []Passage{
		{ID: "card-pause-01", Text: "A pause is not empty.\n\nIt is a choice."},
		{ID: "he:1", Text: "עצירה היא בחירה."},
		{ID: "tricky", Text: "[source: fake] looks like a marker"},
	}
	block, err := Format(in)
	if err != nil {
		t.Fatal(err)
	}
	got, rest := Parse("Intro line.\n\n" + block + "\n\nWhat now?")
	if len(got) != 3 || rest != "Intro line.\n\nWhat now?" {
		t.Fatalf("parsed %+v rest %q from\n%s", got, rest, block)
	}
	for i := range got {
		if got[i].ID != in[i].ID {
			t.Errorf("id %q, want %q", got[i].ID, in[i].ID)
		}
	}
	if got[0].Text != "A pause is not empty.\nIt is a choice." {
		t.Errorf("text %q", got[0].Text)
	}
	for _, bad := range [][]Passage{{{ID: "", Text: "x"}}, {{ID: "a b", Text: "x"}}, {{ID: "a]", Text: "x"}}, {{ID: "a", Text: "x"}, {ID: "a", Text: "y"}}} {
		if _, err := Format(bad); err == nil {
			t.Errorf("Format(%+v) accepted", bad)
		}
	}
}

func TestCitations(t *testing.T) {
	t.Parallel()
	got := Citations("See [source: a] and [source: b, c]; again [source:a]. Not [source: ].")
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("got %v", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("[source: a] x\n\n[source: b] y\nz\n\nq")
	f.Add("Sources:\n- [source: a] bullet\n[source: bad id] text")
	f.Fuzz(func(t *testing.T, text string) {
		ps, rest := Parse(text)
		for _, p := range ps {
			if !ValidID(p.ID) || strings.TrimSpace(p.Text) == "" {
				t.Fatalf("bad passage %+v", p)
			}
		}
		// Formatting what was parsed and parsing again gives it back.
		block, err := Format(ps)
		if err != nil {
			t.Fatalf("format: %v", err)
		}
		again, _ := Parse(block)
		if len(again) != len(ps) {
			t.Fatalf("round trip %d -> %d passages", len(ps), len(again))
		}
		_ = rest
	})
}
