package journey

import "time"

// Phase names, in the fixed order every journey follows.
const (
	PhasePause  = "pause"
	PhaseExpand = "expand"
	PhaseFocus  = "focus"
	PhaseDoing  = "doing"
)

// Phases lists the four phases in their fixed order.
var Phases = []string{PhasePause, PhaseExpand, PhaseFocus, PhaseDoing}

// EnergyModes lists the energy modes a phase may be run in.
var EnergyModes = []string{"lift", "cocoon", "grounding", "in_the_rhythm"}

// Timeframes lists the allowed journey timeframes.
var Timeframes = []string{"single", "half-day", "full-day", "multi-day", "weekly", "monthly"}

// Element kinds.
const (
	KindContent = "content" // a library item referenced by ItemID
	KindInline  = "inline"  // authored in place
)

// ElementKinds lists the allowed element kinds.
var ElementKinds = []string{KindContent, KindInline}

// Element types (building blocks). The structural blocks are authored
// inline; the library types mirror shared/library item types.
const (
	TypeWelcome      = "welcome"
	TypeObjectives   = "objectives"
	TypeSensitivity  = "sensitivity"
	TypePause        = "pause"
	TypePointsOfView = "points_of_view"
	TypeFocusAction  = "focus_action"
	TypeClosure      = "closure"
	TypeWord         = "word"
	TypePrompt       = "prompt"
	TypeExercise     = "exercise"
	TypeDeck         = "deck"
	TypeCard         = "card"
	TypeTemplate     = "template"
	TypeVisual       = "visual"
	TypeCanvas       = "canvas"
)

// ElementTypes lists every allowed element type.
var ElementTypes = []string{
	TypeWelcome, TypeObjectives, TypeSensitivity, TypePause, TypePointsOfView,
	TypeFocusAction, TypeClosure, TypeWord, TypePrompt, TypeExercise, TypeDeck,
	TypeCard, TypeTemplate, TypeVisual, TypeCanvas,
}

// Journey is an authored journey: four phases of timed elements.
type Journey struct {
	Name           string   `json:"name" firestore:"name"`
	Description    string   `json:"description,omitempty" firestore:"description"`
	Goals          []string `json:"goals" firestore:"goals"`
	Timeframe      string   `json:"timeframe" firestore:"timeframe"`
	SessionMinutes int      `json:"session_minutes" firestore:"session_minutes"` // planned session length; phases must fit in it
	Locale         string   `json:"locale,omitempty" firestore:"locale"`
	Phases         []Phase  `json:"phases" firestore:"phases"` // exactly four, in Phases order
}

// Phase is one of the four phases of a journey.
type Phase struct {
	Phase            string    `json:"phase" firestore:"phase"`
	Skipped          bool      `json:"skipped,omitempty" firestore:"skipped"`
	EnergyMode       string    `json:"energy_mode,omitempty" firestore:"energy_mode"`
	DurationMinutes  int       `json:"duration_minutes" firestore:"duration_minutes"`
	Objectives       []string  `json:"objectives" firestore:"objectives"`
	FacilitatorNotes string    `json:"facilitator_notes,omitempty" firestore:"facilitator_notes"`
	Elements         []Element `json:"elements" firestore:"elements"`
}

// Element is one timed building block within a phase.
type Element struct {
	ID              string      `json:"id" firestore:"id"`                     // stable within the journey; server generates when empty
	Kind            string      `json:"kind" firestore:"kind"`                 // KindContent | KindInline
	ItemID          string      `json:"item_id,omitempty" firestore:"item_id"` // KindContent: library item id (org first, then official)
	Type            string      `json:"type" firestore:"type"`                 // one of ElementTypes
	Title           string      `json:"title" firestore:"title"`
	Instructions    string      `json:"instructions,omitempty" firestore:"instructions"`
	DurationMinutes int         `json:"duration_minutes" firestore:"duration_minutes"`
	Canvas          *CanvasSpec `json:"canvas,omitempty" firestore:"canvas"`
}

// CanvasSpec configures a canvas element and when it counts as complete.
type CanvasSpec struct {
	TemplateID        string   `json:"template_id,omitempty" firestore:"template_id"`
	MinElements       int      `json:"min_elements,omitempty" firestore:"min_elements"`
	MinConnections    int      `json:"min_connections,omitempty" firestore:"min_connections"`
	RequiredCardTypes []string `json:"required_card_types,omitempty" firestore:"required_card_types"`
}

// Version is an immutable published version of a journey.
type Version struct {
	JourneyID      string    `json:"journey_id" firestore:"journey_id"`
	Version        int       `json:"version" firestore:"version"`
	Journey        Journey   `json:"journey" firestore:"journey"`
	PublishedAt    time.Time `json:"published_at" firestore:"published_at"`
	PublishedBy    string    `json:"published_by" firestore:"published_by"`
	SourceRevision int       `json:"source_revision" firestore:"source_revision"`
}

// TotalMinutes is the planned time of the journey: the sum of the
// durations of its non-skipped phases.
func (j *Journey) TotalMinutes() int {
	total := 0
	for _, p := range j.Phases {
		if !p.Skipped {
			total += p.DurationMinutes
		}
	}
	return total
}

// PhaseIndex returns the index in j.Phases of the phase named name, or -1.
func (j *Journey) PhaseIndex(name string) int {
	for i, p := range j.Phases {
		if p.Phase == name {
			return i
		}
	}
	return -1
}

// ElementsMinutes is the sum of the durations of p's elements.
func (p *Phase) ElementsMinutes() int {
	total := 0
	for _, e := range p.Elements {
		total += e.DurationMinutes
	}
	return total
}
