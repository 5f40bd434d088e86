package journey

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/validate"
)

// Mode selects how much Validate demands.
type Mode int

const (
	// ModeDraft checks structure and types only (autosave, import, templates).
	ModeDraft Mode = iota
	// ModePublish also checks completeness and timing.
	ModePublish
)

// Limits.
const (
	MaxName             = 120
	MaxDescription      = 2000
	MaxGoals            = 10
	MaxGoal             = 200
	MaxObjectives       = 10
	MaxObjective        = 200
	MaxNotes            = 4000
	MaxElementsPerPhase = 30
	MaxTitle            = 120
	MaxInstructions     = 4000
	MinSessionMinutes   = 15
	MaxSessionMinutes   = 1440 // one day of facilitation
	MaxPhaseMinutes     = 1440
	MaxElementMinutes   = 240
	MaxCanvasCount      = 100 // min_elements, min_connections
	MaxRequiredKinds    = 5
)

// CardKinds are the card kinds a canvas may require.
var CardKinds = []string{"photo", "word", "question", "reflection", "blank"}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidID reports an acceptable element, journey or template id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// ElementTypeForItem maps a library item type to its element type ("" for
// an unknown item type).
func ElementTypeForItem(itemType string) string {
	switch itemType {
	case library.TypePhotoCard:
		return TypeCard
	case library.TypeWordCard:
		return TypeWord
	case library.TypeQuestionCard, library.TypePrompt:
		return TypePrompt
	case library.TypeExercise, library.TypeJourneyElement:
		return TypeExercise
	case library.TypeDeck:
		return TypeDeck
	case library.TypeSessionProtocol:
		return TypeTemplate
	case library.TypeCanvasTemplate:
		return TypeCanvas
	}
	return ""
}

// validator accumulates field errors.
type validator struct {
	mode Mode
	errs []validate.FieldError
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, validate.Field(field, format, args...))
}

func (v *validator) strict() bool { return v.mode == ModePublish }

// text checks a free-text field: valid UTF-8, no control characters (line
// breaks and tabs only where multiline), at most max characters.
func (v *validator) text(field, s string, max int, multiline bool) {
	if !utf8.ValidString(s) {
		v.add(field, "is not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.add(field, "is %d characters; at most %d are allowed", n, max)
	}
	kind := validate.SingleLine
	if multiline {
		kind = validate.MultiLine
	}
	if p := validate.TextProblem(s, kind); p != "" {
		v.add(field, "%s", p)
	}
}

func (v *validator) required(field, s string) bool {
	if strings.TrimSpace(s) == "" {
		if v.strict() {
			v.add(field, "is required")
		}
		return false
	}
	return true
}

func (v *validator) oneOf(field, s string, allowed []string) {
	if s != "" && !slices.Contains(allowed, s) {
		v.add(field, "is %q; must be one of %s", s, strings.Join(allowed, ", "))
	}
}

func (v *validator) list(field string, items []string, maxItems, maxLen int) {
	if len(items) > maxItems {
		v.add(field, "has %d entries; at most %d are allowed", len(items), maxItems)
	}
	for i, s := range items {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(s) == "" {
			v.add(f, "is empty")
			continue
		}
		v.text(f, s, maxLen, false)
	}
}

// minutes checks a duration: never negative, at most max, and in strict
// mode positive when required.
func (v *validator) minutes(field string, n, max int, required bool) {
	switch {
	case n < 0:
		v.add(field, "is %d; must not be negative", n)
	case n > max:
		v.add(field, "is %d minutes; at most %d are allowed", n, max)
	case n == 0 && required && v.strict():
		v.add(field, "must be at least 1 minute")
	}
}

// Validate checks j in mode and returns every problem with its field path
// ("phases[2].elements[0].duration_minutes"); nil means valid.
func Validate(j *Journey, mode Mode) []validate.FieldError {
	v := &validator{mode: mode}
	if j == nil {
		v.add("(body)", "a journey is required")
		return v.errs
	}
	if v.required("name", j.Name) {
		v.text("name", j.Name, MaxName, false)
	}
	v.text("description", j.Description, MaxDescription, true)
	v.list("goals", j.Goals, MaxGoals, MaxGoal)
	if v.required("timeframe", j.Timeframe) {
		v.oneOf("timeframe", j.Timeframe, Timeframes)
	}
	switch s := j.SessionMinutes; {
	case s == 0:
		if v.strict() {
			v.add("session_minutes", "is required (%d to %d minutes)", MinSessionMinutes, MaxSessionMinutes)
		}
	case s < MinSessionMinutes || s > MaxSessionMinutes:
		v.add("session_minutes", "is %d; must be between %d and %d minutes", s, MinSessionMinutes, MaxSessionMinutes)
	}
	v.oneOf("locale", j.Locale, library.Locales)
	v.phases(j)
	return v.errs
}

func (v *validator) phases(j *Journey) {
	v.phaseOrder(j.Phases)
	ids := map[string]string{} // element id → its first path
	active := 0
	for i := range j.Phases {
		p := &j.Phases[i]
		f := fmt.Sprintf("phases[%d]", i)
		v.oneOf(f+".energy_mode", p.EnergyMode, EnergyModes)
		v.minutes(f+".duration_minutes", p.DurationMinutes, MaxPhaseMinutes, !p.Skipped)
		v.list(f+".objectives", p.Objectives, MaxObjectives, MaxObjective)
		v.text(f+".facilitator_notes", p.FacilitatorNotes, MaxNotes, true)
		if len(p.Elements) > MaxElementsPerPhase {
			v.add(f+".elements", "has %d elements; at most %d are allowed per phase", len(p.Elements), MaxElementsPerPhase)
		}
		for k := range p.Elements {
			v.element(fmt.Sprintf("%s.elements[%d]", f, k), &p.Elements[k], p.Skipped, ids)
		}
		if !v.strict() || p.Skipped {
			continue
		}
		active++
		if p.EnergyMode == "" {
			v.add(f+".energy_mode", "is required for a phase that is not skipped")
		}
		if len(p.Elements) == 0 {
			v.add(f+".elements", "is empty; add an element or mark the phase skipped")
		}
		if need := p.ElementsMinutes(); p.DurationMinutes > 0 && need > p.DurationMinutes {
			v.add(f+".duration_minutes", "is %d minutes but its elements take %d (%d over)", p.DurationMinutes, need, need-p.DurationMinutes)
		}
	}
	if !v.strict() || len(j.Phases) != len(Phases) {
		return
	}
	if active == 0 {
		v.add("phases", "every phase is skipped; at least one must run")
	}
	if total := j.TotalMinutes(); j.SessionMinutes > 0 && total > j.SessionMinutes {
		v.add("phases", "the phases take %d minutes, %d more than session_minutes (%d)", total, total-j.SessionMinutes, j.SessionMinutes)
	}
}

// phaseOrder checks for exactly the four phases in their fixed order and
// says which is missing, repeated or misplaced.
func (v *validator) phaseOrder(ps []Phase) {
	order := strings.Join(Phases, ", ")
	seen := map[string]bool{}
	for i, p := range ps {
		f := fmt.Sprintf("phases[%d].phase", i)
		want := ""
		if i < len(Phases) {
			want = Phases[i]
		}
		switch {
		case p.Phase == want:
		case !slices.Contains(Phases, p.Phase):
			v.add(f, "is %q; must be one of %s", p.Phase, order)
		case seen[p.Phase]:
			v.add(f, "repeats phase %q; each phase appears once", p.Phase)
		case want == "":
			v.add(f, "is an extra phase %q; a journey has exactly %d phases", p.Phase, len(Phases))
		default:
			v.add(f, "is %q but position %d is %q: phases follow the order %s", p.Phase, i, want, order)
		}
		seen[p.Phase] = true
	}
	var missing []string
	for _, name := range Phases {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		v.add("phases", "is missing phase %s; a journey has exactly the phases %s, in that order", strings.Join(missing, ", "), order)
	} else if len(ps) > len(Phases) {
		v.add("phases", "has %d phases; a journey has exactly %d", len(ps), len(Phases))
	}
}

func (v *validator) element(f string, e *Element, skipped bool, ids map[string]string) {
	switch {
	case e.ID == "":
		if v.strict() {
			v.add(f+".id", "is required")
		}
	case !ValidID(e.ID):
		v.add(f+".id", "must be 1-64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit")
	case ids[e.ID] != "":
		v.add(f+".id", "repeats the id %q of %s; element ids are unique within a journey", e.ID, ids[e.ID])
	default:
		ids[e.ID] = f
	}
	switch e.Kind {
	case "":
		v.add(f+".kind", "is required (%s)", strings.Join(ElementKinds, " or "))
	case KindContent:
		if e.ItemID == "" {
			v.add(f+".item_id", "is required for a content element")
		} else if !library.ValidID(e.ItemID) {
			v.add(f+".item_id", "is not a valid library item id")
		}
	case KindInline:
		if e.ItemID != "" {
			v.add(f+".item_id", "must be empty for an inline element")
		}
	default:
		v.oneOf(f+".kind", e.Kind, ElementKinds)
	}
	// A content element's type comes from its item, filled at publish.
	if e.Type == "" {
		if e.Kind == KindInline || v.strict() {
			v.add(f+".type", "is required")
		}
	} else {
		v.oneOf(f+".type", e.Type, ElementTypes)
	}
	if v.required(f+".title", e.Title) {
		v.text(f+".title", e.Title, MaxTitle, false)
	}
	v.text(f+".instructions", e.Instructions, MaxInstructions, true)
	v.minutes(f+".duration_minutes", e.DurationMinutes, MaxElementMinutes, !skipped)
	if e.Canvas != nil {
		v.canvas(f+".canvas", e)
	}
}

func (v *validator) canvas(f string, e *Element) {
	c := e.Canvas
	if e.Type != "" && e.Type != TypeCanvas {
		v.add(f, "is only allowed on a canvas element, not on type %q", e.Type)
	}
	if c.TemplateID != "" && !library.ValidID(c.TemplateID) {
		v.add(f+".template_id", "is not a valid canvas template id")
	}
	counts := []struct {
		name string
		n    int
	}{{"min_elements", c.MinElements}, {"min_connections", c.MinConnections}}
	for _, cn := range counts {
		if cn.n < 0 || cn.n > MaxCanvasCount {
			v.add(f+"."+cn.name, "is %d; must be between 0 and %d", cn.n, MaxCanvasCount)
		}
	}
	if len(c.RequiredCardTypes) > MaxRequiredKinds {
		v.add(f+".required_card_types", "has %d entries; at most %d are allowed", len(c.RequiredCardTypes), MaxRequiredKinds)
	}
	for i, k := range c.RequiredCardTypes {
		if !slices.Contains(CardKinds, k) {
			v.add(fmt.Sprintf("%s.required_card_types[%d]", f, i), "is %q; must be one of %s", k, strings.Join(CardKinds, ", "))
		}
	}
}
