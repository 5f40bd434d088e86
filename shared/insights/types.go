package insights

import "time"

// Phases of the method, in order.
var Phases = []string{"pause", "expand", "focus", "doing"}

// Patch is one accepted canvas patch as the realtime gateway writes it to
// the op log (orgs/{org}/canvases/{canvas}/ops/{entry}, field "patches").
type Patch struct {
	// ID is the element's id.
	ID string `json:"id"`
	// Kind is set when the patch creates the element.
	Kind string `json:"kind,omitempty"`
	// Owner is set when the patch creates the element.
	Owner string `json:"owner,omitempty"`
	// From is the uid of the person whose op it was.
	From string `json:"from"`
	// OpID is the client's op id (may be empty for server-made patches).
	OpID string `json:"op_id,omitempty"`
	// Props are the properties the patch set. Only keys and the values of
	// card_id, deleted, from and to (connector ends) are ever read: text
	// never reaches a metric.
	Props map[string]any `json:"props,omitempty"`
}

// LogEntry is one op-log document: its document id, its time (unix ms,
// field "t") and its patches in order.
type LogEntry struct {
	ID      string  `json:"id"`
	T       int64   `json:"t"`
	Patches []Patch `json:"patches"`
}

// PhaseChange is the live session entering Phase at At (from the session's
// cursor or its session.step_changed events).
type PhaseChange struct {
	Phase string    `json:"phase" firestore:"phase"`
	At    time.Time `json:"at" firestore:"at"`
}

// Metrics is one participant's activity in one phase (or in the whole
// session for Totals). Every field is defined in the package doc and
// clamped to the range given there.
type Metrics struct {
	Ops            int            `json:"ops" firestore:"ops"`
	OpsPerMin      float64        `json:"ops_per_min" firestore:"ops_per_min"`
	ActiveSeconds  int            `json:"active_seconds" firestore:"active_seconds"`
	ActivePct      float64        `json:"active_pct" firestore:"active_pct"`
	ElementsByKind map[string]int `json:"elements_by_kind" firestore:"elements_by_kind"`
	CardsPlaced    int            `json:"cards_placed" firestore:"cards_placed"`
	CardThemes     map[string]int `json:"card_themes" firestore:"card_themes"`
	Connections    int            `json:"connections" firestore:"connections"`
	Interactions   int            `json:"interactions" firestore:"interactions"`
	IdlePeriods    int            `json:"idle_periods" firestore:"idle_periods"`
	// IdleNowSeconds is how long since the participant's last op in the
	// current phase (0 outside the current phase).
	IdleNowSeconds int        `json:"idle_now_seconds" firestore:"idle_now_seconds"`
	LastOpAt       *time.Time `json:"last_op_at,omitempty" firestore:"last_op_at"`
}

// Participant is one joined participant of the session. Shared is false
// for a participant without canvas_insights consent: then nothing else is
// set ("not shared" in the view).
type Participant struct {
	UID    string             `json:"uid" firestore:"uid"`
	Shared bool               `json:"shared" firestore:"shared"`
	Totals *Metrics           `json:"totals,omitempty" firestore:"totals"`
	Phases map[string]Metrics `json:"phases,omitempty" firestore:"phases"`
	// Flags: "quiet", "dominant" (current phase), "idle" (idle now ≥ IdleGap).
	Flags []string `json:"flags" firestore:"flags"`
}

// ThemeCount is a card theme and how many consented participants placed a
// card with it.
type ThemeCount struct {
	Theme  string `json:"theme" firestore:"theme"`
	People int    `json:"people" firestore:"people"`
	Cards  int    `json:"cards" firestore:"cards"`
}

// Stuck is a phase without a new element for StuckAfter.
type Stuck struct {
	Phase string    `json:"phase" firestore:"phase"`
	Since time.Time `json:"since" firestore:"since"`
}

// Breakthrough is a burst of BurstConnections connections within
// BurstWindow.
type Breakthrough struct {
	Phase       string    `json:"phase" firestore:"phase"`
	At          time.Time `json:"at" firestore:"at"`
	Connections int       `json:"connections" firestore:"connections"`
}

// SessionMetrics are the session-wide figures over consented participants.
type SessionMetrics struct {
	// Gini of ops in the current phase among shared participants, 0…1.
	Gini float64 `json:"gini" firestore:"gini"`
	// Balance is 100·(1−Gini), 0…100.
	Balance       float64        `json:"balance" firestore:"balance"`
	Quiet         []string       `json:"quiet" firestore:"quiet"`
	Dominant      []string       `json:"dominant" firestore:"dominant"`
	Themes        []ThemeCount   `json:"themes" firestore:"themes"`
	Stuck         *Stuck         `json:"stuck,omitempty" firestore:"stuck"`
	Breakthroughs []Breakthrough `json:"breakthroughs" firestore:"breakthroughs"`
	// PhaseSeconds is how long each phase has run so far.
	PhaseSeconds map[string]int `json:"phase_seconds" firestore:"phase_seconds"`
	SharedCount  int            `json:"shared_count" firestore:"shared_count"`
	NotShared    int            `json:"not_shared_count" firestore:"not_shared_count"`
}

// Recommendation kinds, priorities and timings.
const (
	KindQuiet        = "quiet_participant"
	KindDominant     = "dominant_participant"
	KindLowBalance   = "low_balance"
	KindStuck        = "stuck_phase"
	KindBreakthrough = "breakthrough"
	KindTheme        = "recurring_theme"

	PriorityHigh   = "high"
	PriorityMedium = "medium"
	PriorityLow    = "low"

	TimingNow            = "now"
	TimingNextTransition = "next_transition"
	TimingEndOfPhase     = "end_of_phase"

	StatusOpen      = "open"
	StatusAccepted  = "accepted"
	StatusDismissed = "dismissed"

	SourceModel    = "model"
	SourceFallback = "fallback"
)

// Recommendation is a suggestion for the facilitator. ID is stable for
// the same situation (kind + phase + subjects), so a dismissed one does
// not come back while the situation lasts.
type Recommendation struct {
	ID       string   `json:"id" firestore:"id"`
	Kind     string   `json:"kind" firestore:"kind"`
	Priority string   `json:"priority" firestore:"priority"`
	Timing   string   `json:"timing" firestore:"timing"`
	Phase    string   `json:"phase" firestore:"phase"`
	Subjects []string `json:"subjects" firestore:"subjects"` // uids of shared participants
	// Numbers are the figures the text is phrased from (no text, no uid).
	Numbers map[string]float64 `json:"numbers" firestore:"numbers"`
	// Theme is the card theme of a recurring_theme recommendation (a
	// library word, never a participant's text); empty otherwise.
	Theme  string    `json:"theme,omitempty" firestore:"theme,omitempty"`
	Text   string    `json:"text" firestore:"text"`
	Lang   string    `json:"lang" firestore:"lang"`
	Source string    `json:"source" firestore:"source"` // model | fallback
	Status string    `json:"status" firestore:"status"`
	At     time.Time `json:"at" firestore:"at"`
}

// Live is what the facilitator's panel shows, stored at
// orgs/{org}/sessions/{s}/insights/live and served by the insights API.
type Live struct {
	SessionID       string           `json:"session_id" firestore:"session_id"`
	Version         int64            `json:"version" firestore:"version"`
	UpdatedAt       time.Time        `json:"updated_at" firestore:"updated_at"`
	Phase           string           `json:"phase" firestore:"phase"`
	PhaseStartedAt  *time.Time       `json:"phase_started_at,omitempty" firestore:"phase_started_at"`
	Participants    []Participant    `json:"participants" firestore:"participants"`
	Session         SessionMetrics   `json:"session" firestore:"session"`
	Recommendations []Recommendation `json:"recommendations" firestore:"recommendations"`
	// UIDs lists the shared participants whose figures this document holds
	// (a withdrawal finds the documents to clean through it).
	UIDs []string `json:"-" firestore:"uids"`
	// People lists every uid the document names, shared or not (export
	// and erasure find the documents about a person through it).
	People []string `json:"-" firestore:"people"`
	// Definitions is the version of the metric definitions used.
	Definitions int `json:"definitions" firestore:"definitions"`
}
