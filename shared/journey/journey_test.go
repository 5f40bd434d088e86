package journey

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"pointsofyou.ai/studio/shared/validate"
)

// full is a publishable journey: 90 minutes, the doing phase skipped.
func full() Journey {
	return Journey{
		Name: "Finding balance", Description: "A morning for a team.\nBring water.",
		Goals: []string{"Pause together", "Name one next step"}, Timeframe: "half-day", SessionMinutes: 90, Locale: "en",
		Phases: []Phase{
			{Phase: PhasePause, EnergyMode: "cocoon", DurationMinutes: 20, Objectives: []string{"arrive"}, FacilitatorNotes: "Dim the lights.",
				Elements: []Element{
					{ID: "welcome", Kind: KindInline, Type: TypeWelcome, Title: "Welcome", DurationMinutes: 5},
					{ID: "card-1", Kind: KindContent, ItemID: "pc-1", Type: TypeCard, Title: "Balance", DurationMinutes: 10},
				}},
			{Phase: PhaseExpand, EnergyMode: "lift", DurationMinutes: 30, Objectives: []string{},
				Elements: []Element{
					{ID: "pov", Kind: KindInline, Type: TypePointsOfView, Title: "Points of view", Instructions: "Pairs.", DurationMinutes: 15},
					{ID: "canvas", Kind: KindInline, Type: TypeCanvas, Title: "Map it", DurationMinutes: 15,
						Canvas: &CanvasSpec{TemplateID: "ct-map", MinElements: 3, MinConnections: 1, RequiredCardTypes: []string{"photo"}}},
				}},
			{Phase: PhaseFocus, EnergyMode: "grounding", DurationMinutes: 25, Objectives: []string{},
				Elements: []Element{{ID: "focus", Kind: KindInline, Type: TypeFocusAction, Title: "One step", DurationMinutes: 20}}},
			{Phase: PhaseDoing, Skipped: true, Objectives: []string{}, Elements: []Element{}},
		},
	}
}

func fields(errs []validate.FieldError) map[string]string {
	m := map[string]string{}
	for _, e := range errs {
		m[e.Field] += e.Detail + ";"
	}
	return m
}

func TestValidate(t *testing.T) {
	t.Parallel()
	type want map[string]string // field → substring of its detail
	cases := []struct {
		name   string
		mode   Mode
		change func(j *Journey)
		want   want
	}{
		{"full publishes", ModePublish, func(*Journey) {}, nil},
		{"blank is a valid draft", ModeDraft, func(j *Journey) { *j = Blank() }, nil},
		{"blank does not publish", ModePublish, func(j *Journey) { *j = Blank() }, want{
			"name": "required", "timeframe": "required", "session_minutes": "required",
			"phases[0].elements": "mark the phase skipped", "phases[0].energy_mode": "required",
			"phases[3].duration_minutes": "at least 1"}},
		{"missing phase", ModeDraft, func(j *Journey) { j.Phases = j.Phases[:3] }, want{"phases": "missing phase doing"}},
		{"out of order", ModeDraft, func(j *Journey) { j.Phases[1], j.Phases[2] = j.Phases[2], j.Phases[1] }, want{
			"phases[1].phase": `"focus" but position 1 is "expand"`, "phases[2].phase": `"expand" but position 2 is "focus"`}},
		{"repeated phase", ModeDraft, func(j *Journey) { j.Phases[3].Phase = PhasePause }, want{
			"phases[3].phase": "repeats", "phases": "missing phase doing"}},
		{"unknown phase", ModeDraft, func(j *Journey) { j.Phases[0].Phase = "observe" }, want{"phases[0].phase": "must be one of", "phases": "missing phase pause"}},
		{"extra phase", ModeDraft, func(j *Journey) { j.Phases = append(j.Phases, Phase{Phase: PhaseDoing}) }, want{
			"phases[4].phase": "repeats", "phases": "has 5 phases"}},
		{"empty phase not skipped", ModePublish, func(j *Journey) {
			j.Phases[3].Skipped = false
			j.Phases[3].EnergyMode = "lift"
			j.Phases[3].DurationMinutes = 5
		}, want{
			"phases[3].elements": "mark the phase skipped"}},
		{"empty phase is fine in a draft", ModeDraft, func(j *Journey) { j.Phases[3].Skipped = false }, nil},
		{"overflow", ModePublish, func(j *Journey) { j.SessionMinutes = 60 }, want{"phases": "75 minutes, 15 more than session_minutes (60)"}},
		{"overflow is fine in a draft", ModeDraft, func(j *Journey) { j.SessionMinutes = 60 }, nil},
		{"skipped phase adds no time", ModePublish, func(j *Journey) { j.Phases[3].DurationMinutes = 500 }, nil},
		{"elements over phase", ModePublish, func(j *Journey) { j.Phases[0].DurationMinutes = 12 }, want{
			"phases[0].duration_minutes": "is 12 minutes but its elements take 15 (3 over)"}},
		{"all skipped", ModePublish, func(j *Journey) {
			for i := range j.Phases {
				j.Phases[i].Skipped = true
			}
		}, want{"phases": "every phase is skipped"}},
		{"element too long", ModeDraft, func(j *Journey) { j.Phases[2].Elements[0].DurationMinutes = 241 }, want{
			"phases[2].elements[0].duration_minutes": "at most 240"}},
		{"negative duration", ModeDraft, func(j *Journey) { j.Phases[1].DurationMinutes = -1 }, want{"phases[1].duration_minutes": "negative"}},
		{"zero element duration", ModePublish, func(j *Journey) { j.Phases[2].Elements[0].DurationMinutes = 0 }, want{
			"phases[2].elements[0].duration_minutes": "at least 1"}},
		{"session too short", ModeDraft, func(j *Journey) { j.SessionMinutes = 10 }, want{"session_minutes": "between 15 and 1440"}},
		{"session too long", ModeDraft, func(j *Journey) { j.SessionMinutes = 1441 }, want{"session_minutes": "between 15 and 1440"}},
		{"bad enums", ModeDraft, func(j *Journey) {
			j.Timeframe = "yearly"
			j.Locale = "xx"
			j.Phases[0].EnergyMode = "rage"
			j.Phases[0].Elements[0].Kind = "magic"
			j.Phases[0].Elements[1].Type = "poster"
		}, want{"timeframe": "must be one of", "locale": "must be one of", "phases[0].energy_mode": "must be one of",
			"phases[0].elements[0].kind": "must be one of", "phases[0].elements[1].type": "must be one of"}},
		{"content needs an item", ModeDraft, func(j *Journey) { j.Phases[0].Elements[1].ItemID = "" }, want{
			"phases[0].elements[1].item_id": "required"}},
		{"inline has no item", ModeDraft, func(j *Journey) { j.Phases[0].Elements[0].ItemID = "x" }, want{
			"phases[0].elements[0].item_id": "must be empty"}},
		{"content type may wait in a draft", ModeDraft, func(j *Journey) { j.Phases[0].Elements[1].Type = "" }, nil},
		{"content type needed to publish", ModePublish, func(j *Journey) { j.Phases[0].Elements[1].Type = "" }, want{
			"phases[0].elements[1].type": "required"}},
		{"duplicate ids", ModeDraft, func(j *Journey) { j.Phases[2].Elements[0].ID = "welcome" }, want{
			"phases[2].elements[0].id": `repeats the id "welcome" of phases[0].elements[0]`}},
		{"bad id", ModeDraft, func(j *Journey) { j.Phases[2].Elements[0].ID = "Bad/Id" }, want{"phases[2].elements[0].id": "a-z"}},
		{"missing id publishes not", ModePublish, func(j *Journey) { j.Phases[2].Elements[0].ID = "" }, want{"phases[2].elements[0].id": "required"}},
		{"control chars", ModeDraft, func(j *Journey) {
			j.Name = "a\x00b"
			j.Phases[0].Elements[0].Title = "line\nbreak"
		}, want{"name": "control characters", "phases[0].elements[0].title": "single line"}},
		{"multiline notes", ModeDraft, func(j *Journey) { j.Phases[0].FacilitatorNotes = "a\n\tb" }, nil},
		{"separator in a name", ModeDraft, func(j *Journey) { j.Name = "a\u2028b" }, want{"name": "single line"}},
		{"escape in notes", ModeDraft, func(j *Journey) { j.Phases[0].FacilitatorNotes = "a\x1b[2Jb" }, want{"phases[0].facilitator_notes": "control characters"}},
		{"too long", ModeDraft, func(j *Journey) { j.Name = strings.Repeat("é", MaxName+1) }, want{"name": "121 characters; at most 120"}},
		{"too many elements", ModeDraft, func(j *Journey) {
			for i := range MaxElementsPerPhase + 1 {
				j.Phases[3].Elements = append(j.Phases[3].Elements, Element{ID: fmt.Sprintf("x%d", i), Kind: KindInline, Type: TypePause, Title: "p"})
			}
		}, want{"phases[3].elements": "has 31 elements"}},
		{"empty goal", ModeDraft, func(j *Journey) { j.Goals = append(j.Goals, " ") }, want{"goals[2]": "empty"}},
		{"canvas on other type", ModeDraft, func(j *Journey) { j.Phases[0].Elements[0].Canvas = &CanvasSpec{} }, want{
			"phases[0].elements[0].canvas": "only allowed on a canvas element"}},
		{"canvas criteria", ModeDraft, func(j *Journey) {
			c := j.Phases[1].Elements[1].Canvas
			c.MinElements, c.MinConnections, c.RequiredCardTypes = -1, 101, []string{"photo", "selfie"}
		}, want{"phases[1].elements[1].canvas.min_elements": "between 0 and 100", "phases[1].elements[1].canvas.min_connections": "between 0 and 100",
			"phases[1].elements[1].canvas.required_card_types[1]": "must be one of"}},
		{"invalid utf-8", ModeDraft, func(j *Journey) { j.Description = "\xff" }, want{"description": "UTF-8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := full()
			tc.change(&j)
			got := fields(Validate(&j, tc.mode))
			// A blank journey fails on every phase; the listed fields suffice.
			if len(got) != len(tc.want) && tc.name != "blank does not publish" {
				t.Errorf("got %d fields, want %d: %v", len(got), len(tc.want), got)
			}
			for f, sub := range tc.want {
				if !strings.Contains(got[f], sub) {
					t.Errorf("%s: got %q, want it to mention %q (all: %v)", f, got[f], sub, got)
				}
			}
		})
	}
}

func TestValidatePointers(t *testing.T) {
	t.Parallel()
	j := full()
	j.Phases[2].Elements[0].DurationMinutes = 999
	errs := Validate(&j, ModeDraft)
	if len(errs) != 1 || errs[0].Pointer != "#/phases/2/elements/0/duration_minutes" {
		t.Fatalf("got %+v", errs)
	}
}

func TestPublishImpliesDraft(t *testing.T) {
	t.Parallel()
	j := full()
	if errs := Validate(&j, ModePublish); errs != nil {
		t.Fatal(errs)
	}
	if errs := Validate(&j, ModeDraft); errs != nil {
		t.Fatal(errs)
	}
	if errs := Validate(nil, ModeDraft); len(errs) != 1 {
		t.Fatal(errs)
	}
}

func TestModelHelpers(t *testing.T) {
	t.Parallel()
	j := full()
	if got := j.TotalMinutes(); got != 75 {
		t.Errorf("TotalMinutes = %d", got)
	}
	if got := j.PhaseIndex(PhaseFocus); got != 2 {
		t.Errorf("PhaseIndex = %d", got)
	}
	if got := j.PhaseIndex("nope"); got != -1 {
		t.Errorf("PhaseIndex(nope) = %d", got)
	}
	if j.Elements() != 5 || j.ActivePhases() != 3 {
		t.Errorf("Elements %d ActivePhases %d", j.Elements(), j.ActivePhases())
	}
	c := j.Clone()
	c.Phases[1].Elements[1].Canvas.RequiredCardTypes[0] = "word"
	c.Goals[0] = "changed"
	if j.Phases[1].Elements[1].Canvas.RequiredCardTypes[0] != "photo" || j.Goals[0] != "Pause together" {
		t.Error("Clone shares memory")
	}
	j.Phases[0].Elements[0].ID = ""
	n := 0
	j.AssignIDs(func() string { n++; return fmt.Sprintf("gen-%d", n) })
	if j.Phases[0].Elements[0].ID != "gen-1" || n != 1 {
		t.Errorf("AssignIDs: %q after %d", j.Phases[0].Elements[0].ID, n)
	}
	if id := NewElementID(); !ValidID(id) {
		t.Errorf("NewElementID %q is not valid", id)
	}
	for _, typ := range []string{"photo_card", "word_card", "question_card", "prompt", "exercise", "journey_element", "deck", "session_protocol", "canvas_template"} {
		if ElementTypeForItem(typ) == "" {
			t.Errorf("no element type for %s", typ)
		}
	}
	if VersionDocPath("o", "j", 2) != "orgs/o/journeys/j/versions/2" || TemplatesPath("o") != "orgs/o/journey_templates" {
		t.Error("paths")
	}
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	j := full()
	b, err := EncodeDocument(j)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "{\n  \"format\": \"poy.journey\",\n  \"format_version\": 1,") {
		t.Fatalf("document starts %q", b[:60])
	}
	got, err := DecodeDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(j, *got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		doc   bool
		in    string
		kind  validate.Kind
		field string
	}{
		{"empty", false, "", validate.KindMalformed, ""},
		{"unknown field", false, `{"name":"x","colour":"red"}`, validate.KindInvalid, "colour"},
		{"nested unknown", false, `{"phases":[{"phase":"pause","bogus":1}]}`, validate.KindInvalid, "bogus"},
		{"wrong type", false, `{"session_minutes":"ninety"}`, validate.KindInvalid, "session_minutes"},
		{"two values", false, `{} {}`, validate.KindMalformed, ""},
		{"too large", false, `{"name":"` + strings.Repeat("a", MaxDocumentBytes) + `"}`, validate.KindTooLarge, ""},
		{"wrong format", true, `{"format":"other","format_version":1,"journey":{}}`, validate.KindInvalid, "format"},
		{"wrong version", true, `{"format":"poy.journey","format_version":2,"journey":{}}`, validate.KindInvalid, "format_version"},
		{"doc unknown", true, `{"format":"poy.journey","format_version":1,"journey":{},"x":1}`, validate.KindInvalid, "x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tc.doc {
				_, err = DecodeDocument([]byte(tc.in))
			} else {
				_, err = Decode([]byte(tc.in))
			}
			var pe *validate.Error
			if !errors.As(err, &pe) || pe.Kind != tc.kind {
				t.Fatalf("got %v, want kind %d", err, tc.kind)
			}
			if tc.field != "" && (len(pe.Fields) == 0 || pe.Fields[0].Field != tc.field) {
				t.Fatalf("fields %+v, want %s", pe.Fields, tc.field)
			}
		})
	}
	j, err := Decode([]byte(`{"name":"x"}`))
	if err != nil || len(j.Phases) != 4 || j.Goals == nil {
		t.Fatalf("Decode normalizes: %+v %v", j, err)
	}
}

func BenchmarkValidate(b *testing.B) {
	j := full()
	for i := range 4 {
		p := &j.Phases[i]
		p.Skipped, p.EnergyMode, p.DurationMinutes = false, "lift", 240
		p.Elements = p.Elements[:0]
		for k := range MaxElementsPerPhase {
			p.Elements = append(p.Elements, Element{ID: fmt.Sprintf("e-%d-%d", i, k), Kind: KindInline, Type: TypePrompt,
				Title: "A question to sit with", Instructions: strings.Repeat("Breathe and notice. ", 20), DurationMinutes: 8})
		}
	}
	j.SessionMinutes = 1000
	if errs := Validate(&j, ModePublish); errs != nil {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		Validate(&j, ModePublish)
	}
}

var _ = json.Marshal
