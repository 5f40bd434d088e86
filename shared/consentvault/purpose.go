package consentvault

import "slices"

// Purpose is something a person may consent to.
type Purpose string

// Purposes. None is ever on by default.
const (
	Analytics             Purpose = "analytics"              // pseudonymous events in BigQuery
	FacilitatorVisibility Purpose = "facilitator_visibility" // my cards and reflections shown to the facilitator
	CanvasInsights        Purpose = "canvas_insights"        // AI analysis of my canvas activity
	CoachMemory           Purpose = "coach_memory"           // the coach may use my journal
	Research              Purpose = "research"
	Marketing             Purpose = "marketing"
)

// Purposes lists every purpose, in a stable order.
var purposes = []Purpose{Analytics, FacilitatorVisibility, CanvasInsights, CoachMemory, Research, Marketing}

// Purposes returns every purpose, in a stable order.
func Purposes() []Purpose { return slices.Clone(purposes) }

// Valid reports a known purpose.
func (p Purpose) Valid() bool { return slices.Contains(purposes, p) }

// Decision is what a receipt records.
type Decision string

// Decisions.
const (
	Grant    Decision = "grant"
	Withdraw Decision = "withdraw"
)

// Valid reports a known decision.
func (d Decision) Valid() bool { return d == Grant || d == Withdraw }

// Mechanisms say how a decision was expressed (the receipt keeps it as
// evidence that it was given freely and actively).
var mechanisms = []string{"settings", "onboarding", "session_prompt", "api"}

// Mechanisms returns the accepted mechanisms.
func Mechanisms() []string { return slices.Clone(mechanisms) }

// ValidMechanism reports an accepted mechanism.
func ValidMechanism(m string) bool { return slices.Contains(mechanisms, m) }
