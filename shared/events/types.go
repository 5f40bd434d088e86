package events

// The platform's event types.
const (
	TypeCanvasOp            = "canvas.op"
	TypeSessionCardSelected = "session.card_selected"
	TypeJournalSynced       = "journal.synced"
	TypeJournalExported     = "journal.exported"
	TypeCoachAsked          = "coach.asked"
	TypeMediaUploaded       = "media.uploaded"
	// TypeContentUsed is one recorded use of a library item (the monthly
	// allowance of content uses counts them).
	TypeContentUsed = "content.used"
	// TypePrivacyRequestCompleted is a finished data-subject request (a
	// system event: it never carries the person's actor).
	TypePrivacyRequestCompleted = "privacy.request_completed"

	// Journeys (functions/journeys).
	TypeJourneyCreated   = "journey.created"
	TypeJourneyPublished = "journey.published"

	// Live sessions (functions/sessions). Lifecycle events are about the
	// session, so they are aggregate-only: without the acting person's
	// analytics consent they lose the actor, never the fact.
	TypeSessionScheduled          = "session.scheduled"
	TypeSessionRescheduled        = "session.rescheduled"
	TypeSessionCancelled          = "session.cancelled"
	TypeSessionInvited            = "session.participants_invited"
	TypeSessionParticipantChanged = "session.participant_changed"
	TypeSessionStarted            = "session.started"
	TypeSessionStepChanged        = "session.step_changed"
	TypeSessionEnded              = "session.ended"
	TypeSessionDrawOpened         = "session.draw_opened"
	TypeSessionCardsRevealed      = "session.cards_revealed"
	TypeSessionDrawClosed         = "session.draw_closed"
	TypeSessionBreakoutsOpened    = "session.breakouts_opened"
	TypeSessionBreakoutsClosed    = "session.breakouts_closed"
	TypeSessionBreakoutsChanged   = "session.breakouts_changed"
	TypeSessionHomeworkChanged    = "session.homework_changed"
	TypeSessionReminded           = "session.reminded"

	// Billing (functions/billing): system events about a subscription,
	// with Stripe's ids and amounts only; an organisation's carry its id,
	// a person's the "platform" organisation and never the person.
	TypeBillingSubscriptionChanged = "billing.subscription_changed"
	TypeBillingInvoicePaid         = "billing.invoice_paid"
	TypeBillingPaymentFailed       = "billing.payment_failed"
)

// BillingSubscriptionChanged is a subscription's new state as applied to
// an entitlement.
type BillingSubscriptionChanged struct {
	SubscriptionID ID   `json:"subscription_id"`
	Scope          Enum `json:"scope" enum:"personal,org"`
	Tier           Enum `json:"tier" enum:"free,professional,enterprise,official"`
	Status         Enum `json:"status" enum:"active,past_due,canceled"`
	Interval       Enum `json:"interval,omitempty" enum:"month,year"`
	Seats          int  `json:"seats"`
	// Amount is the recurring amount in cents of Currency (all seats).
	Amount   int64 `json:"amount"`
	Currency Enum  `json:"currency" enum:"usd,eur"`
}

// BillingInvoicePaid is a paid invoice of a subscription.
type BillingInvoicePaid struct {
	InvoiceID      ID    `json:"invoice_id"`
	SubscriptionID ID    `json:"subscription_id"`
	AmountPaid     int64 `json:"amount_paid"`
	Currency       Enum  `json:"currency" enum:"usd,eur"`
}

// BillingPaymentFailed is a failed payment: the grace period starts.
type BillingPaymentFailed struct {
	InvoiceID      ID    `json:"invoice_id"`
	SubscriptionID ID    `json:"subscription_id"`
	AmountDue      int64 `json:"amount_due"`
	Currency       Enum  `json:"currency" enum:"usd,eur"`
	GraceDays      int   `json:"grace_days"`
}

// CanvasOp is an accepted canvas operation (session_id and canvas_id are
// in the envelope).
type CanvasOp struct {
	Op          Enum `json:"op" enum:"add,create,update,move,delete,restore,group,ungroup,reorder"`
	ElementID   ID   `json:"element_id"`
	ElementKind Enum `json:"element_kind" enum:"card,note,shape,image,connector,group,frame,text,stroke"`
	// Properties is how many properties the operation changed.
	Properties int `json:"properties,omitempty"`
}

// SessionCardSelected is a participant picking a card in a live session.
type SessionCardSelected struct {
	CardID   ID   `json:"card_id"`
	CardKind Enum `json:"card_kind" enum:"photo,word,question,reflection,blank"`
	Phase    Enum `json:"phase" enum:"pause,expand,focus,doing"`
	// DrawID is the draw the card was picked in (empty outside a draw).
	DrawID ID `json:"draw_id,omitempty"`
	// Mode is how it was picked: chosen from a spread or drawn face down.
	Mode Enum `json:"mode,omitempty" enum:"face_up,face_down"`
}

// JourneyCreated is a new journey draft.
type JourneyCreated struct {
	JourneyID ID   `json:"journey_id"`
	Source    Enum `json:"source" enum:"blank,template,duplicate,import"`
}

// JourneyPublished is a new immutable journey version.
type JourneyPublished struct {
	JourneyID    ID  `json:"journey_id"`
	Version      int `json:"version"`
	Phases       int `json:"phases"` // phases not skipped
	Elements     int `json:"elements"`
	TotalMinutes int `json:"total_minutes"`
}

// SessionScheduled is a session planned from a journey version.
type SessionScheduled struct {
	JourneyID       ID   `json:"journey_id"`
	JourneyVersion  int  `json:"journey_version"`
	DurationMinutes int  `json:"duration_minutes"`
	Capacity        int  `json:"capacity"`
	HasMeetingLink  bool `json:"has_meeting_link"`
	// LeadDays is how far ahead of the start it was scheduled.
	LeadDays int `json:"lead_days"`
}

// SessionRescheduled is a change of time or length (Sequence is the
// calendar SEQUENCE sent with the update).
type SessionRescheduled struct {
	Sequence        int `json:"sequence"`
	DurationMinutes int `json:"duration_minutes"`
}

// SessionCancelled is a cancelled session.
type SessionCancelled struct {
	Sequence int  `json:"sequence"`
	WasLive  bool `json:"was_live"`
}

// SessionInvited counts invitations sent in one request.
type SessionInvited struct {
	Invited int `json:"invited"`
	// Resent counts invitations sent again to people already invited.
	Resent int `json:"resent"`
}

// SessionParticipantChanged is a participant's state change.
type SessionParticipantChanged struct {
	State Enum `json:"state" enum:"invited,joined,left,removed"`
}

// SessionStarted is a session going live.
type SessionStarted struct {
	Participants int `json:"participants"`
	// LateMinutes is how long after the scheduled start it went live
	// (negative when early).
	LateMinutes int `json:"late_minutes"`
}

// SessionStepChanged is the facilitator moving the live session to another
// phase or element.
type SessionStepChanged struct {
	Phase        Enum `json:"phase" enum:"pause,expand,focus,doing"`
	ElementIndex int  `json:"element_index"`
	// Step counts the moves in this session (1, 2, …).
	Step      int  `json:"step"`
	Direction Enum `json:"direction" enum:"next,back,jump"`
}

// SessionEnded is a session that finished.
type SessionEnded struct {
	Participants    int `json:"participants"`
	DurationMinutes int `json:"duration_minutes"`
	Draws           int `json:"draws"`
	Breakouts       int `json:"breakouts"`
}

// SessionDrawOpened is a card draw opened by the facilitator.
type SessionDrawOpened struct {
	DrawID ID   `json:"draw_id"`
	Mode   Enum `json:"mode" enum:"face_up,face_down"`
	Source Enum `json:"source" enum:"deck,subset"`
	Cards  int  `json:"cards"`
	Phase  Enum `json:"phase,omitempty" enum:"pause,expand,focus,doing"`
}

// SessionCardsRevealed is the facilitator revealing picks of a draw.
type SessionCardsRevealed struct {
	DrawID ID   `json:"draw_id"`
	Scope  Enum `json:"scope" enum:"all,one"`
	Cards  int  `json:"cards"`
}

// SessionDrawClosed is a draw closed for picks.
type SessionDrawClosed struct {
	DrawID ID  `json:"draw_id"`
	Picks  int `json:"picks"`
}

// SessionBreakoutsOpened is a round of breakout rooms.
type SessionBreakoutsOpened struct {
	BreakoutID ID   `json:"breakout_id"`
	Rooms      int  `json:"rooms"`
	Strategy   Enum `json:"strategy" enum:"random,similar_cards,different_cards,manual"`
	Minutes    int  `json:"minutes"`
}

// SessionBreakoutsClosed is everyone brought back.
type SessionBreakoutsClosed struct {
	BreakoutID ID   `json:"breakout_id"`
	Reason     Enum `json:"reason" enum:"brought_back,timer,session_ended"`
}

// SessionBreakoutsChanged is an open round adjusted: its timer extended
// or a person moved.
type SessionBreakoutsChanged struct {
	BreakoutID ID   `json:"breakout_id"`
	Change     Enum `json:"change" enum:"extended,moved"`
	Minutes    int  `json:"minutes,omitempty"`
}

// SessionReminded is the reminder mail of a session sent (a system event).
type SessionReminded struct {
	Recipients int `json:"recipients"`
	// LeadMinutes is how long before the start it went out.
	LeadMinutes int `json:"lead_minutes"`
}

// SessionHomeworkChanged is a homework item assigned or updated.
type SessionHomeworkChanged struct {
	HomeworkID ID   `json:"homework_id"`
	Change     Enum `json:"change" enum:"assigned,updated,deleted"`
	Status     Enum `json:"status" enum:"open,in_progress,done,dropped"`
}

// JournalSynced is one applied journal push, or one transaction of a
// large push (counts only: never text, never ids of entries).
type JournalSynced struct {
	Mutations int  `json:"mutations"`
	Conflicts int  `json:"conflicts"`
	Mode      Enum `json:"mode" enum:"standalone,in_session"`
	// Skipped were already applied (a retried push); Errors were invalid
	// and applied as no-ops; Merged were concurrent body edits merged.
	Skipped int `json:"skipped,omitempty"`
	Errors  int `json:"errors,omitempty"`
	Merged  int `json:"merged,omitempty"`
}

// JournalExported is a journal export.
type JournalExported struct {
	Format  Enum `json:"format" enum:"zip,pdf"`
	Entries int  `json:"entries"`
}

// CoachAsked is one coach question (never its text, never a name).
type CoachAsked struct {
	Sources     int  `json:"sources"`
	CreditsUsed int  `json:"credits_used"`
	Escalated   bool `json:"escalated"`
	Language    Enum `json:"language" enum:"en,he,de,fr,es,it,nl,pt,pl,ja,zh,other"`
	// ConversationID and MessageID name the answer (ids only).
	ConversationID ID `json:"conversation_id,omitempty"`
	MessageID      ID `json:"message_id,omitempty"`
	// AnswerType is the answer's type (escalation for a safety answer).
	AnswerType Enum `json:"answer_type,omitempty" enum:"question,insight,encouragement,guidance,escalation"`
	Tier       Enum `json:"tier,omitempty" enum:"free,professional,enterprise,official"`
	// Passages went to the model as text, Themes as title and themes only.
	Passages int  `json:"passages,omitempty"`
	Themes   int  `json:"themes,omitempty"`
	Cards    int  `json:"cards,omitempty"`
	Upgrade  bool `json:"upgrade,omitempty"`
	Memory   bool `json:"memory,omitempty"`
	Streamed bool `json:"streamed,omitempty"`
	// Latency buckets: before the model call, and the whole answer.
	PrepLatency  Enum `json:"prep_latency,omitempty" enum:"lt50ms,lt200ms,lt1s,ge1s"`
	TotalLatency Enum `json:"total_latency,omitempty" enum:"lt1s,lt3s,lt10s,ge10s"`
}

// ContentUsed is one use of a library item, as counted against the
// person's monthly allowance.
type ContentUsed struct {
	ItemID  ID   `json:"item_id"`
	Purpose Enum `json:"purpose" enum:"session,coach,journey,canvas,journal"`
	// Library is where the item comes from.
	Library Enum `json:"library" enum:"official,org,community"`
	Tier    Enum `json:"tier" enum:"free,professional,enterprise,official"`
}

// MediaUploaded is an upload that passed validation.
type MediaUploaded struct {
	MediaID     ID    `json:"media_id"`
	ContentType Enum  `json:"content_type" enum:"image/jpeg,image/png,image/webp,image/gif"`
	Bytes       int64 `json:"bytes"`
}

// PrivacyRequestCompleted is a finished export or erasure.
type PrivacyRequestCompleted struct {
	Kind    Enum `json:"kind" enum:"export,erasure"`
	Holders int  `json:"holders"`
	// DaysOpen is how long the request took, in whole days (the legal
	// deadline is one month).
	DaysOpen int `json:"days_open"`
}

// Standard returns a registry with the platform's event types, all at
// version 1. Counting and lifecycle events (journal.synced, coach.asked,
// media.uploaded, journey.*, session.* except card_selected) are
// aggregate-only: without consent they lose the actor, not the count. A
// card pick is about the person, so without consent it is dropped.
func Standard() *Registry {
	r := NewRegistry()
	// A canvas op stays useful without its actor: the facilitator's live
	// insights read who did what from the op log (with canvas_insights
	// consent), and the event is only their signal that the log grew.
	MustRegister[CanvasOp](r, TypeCanvasOp, 1, AggregateOnly())
	MustRegister[SessionCardSelected](r, TypeSessionCardSelected, 1)
	MustRegister[JournalSynced](r, TypeJournalSynced, 1, AggregateOnly())
	MustRegister[JournalExported](r, TypeJournalExported, 1, AggregateOnly())
	MustRegister[CoachAsked](r, TypeCoachAsked, 1, AggregateOnly())
	MustRegister[MediaUploaded](r, TypeMediaUploaded, 1, AggregateOnly())
	MustRegister[ContentUsed](r, TypeContentUsed, 1, AggregateOnly())
	MustRegister[PrivacyRequestCompleted](r, TypePrivacyRequestCompleted, 1, AggregateOnly())
	MustRegister[JourneyCreated](r, TypeJourneyCreated, 1, AggregateOnly())
	MustRegister[JourneyPublished](r, TypeJourneyPublished, 1, AggregateOnly())
	MustRegister[SessionScheduled](r, TypeSessionScheduled, 1, AggregateOnly())
	MustRegister[SessionRescheduled](r, TypeSessionRescheduled, 1, AggregateOnly())
	MustRegister[SessionCancelled](r, TypeSessionCancelled, 1, AggregateOnly())
	MustRegister[SessionInvited](r, TypeSessionInvited, 1, AggregateOnly())
	MustRegister[SessionParticipantChanged](r, TypeSessionParticipantChanged, 1, AggregateOnly())
	MustRegister[SessionStarted](r, TypeSessionStarted, 1, AggregateOnly())
	MustRegister[SessionStepChanged](r, TypeSessionStepChanged, 1, AggregateOnly())
	MustRegister[SessionEnded](r, TypeSessionEnded, 1, AggregateOnly())
	MustRegister[SessionDrawOpened](r, TypeSessionDrawOpened, 1, AggregateOnly())
	MustRegister[SessionCardsRevealed](r, TypeSessionCardsRevealed, 1, AggregateOnly())
	MustRegister[SessionDrawClosed](r, TypeSessionDrawClosed, 1, AggregateOnly())
	MustRegister[SessionBreakoutsOpened](r, TypeSessionBreakoutsOpened, 1, AggregateOnly())
	MustRegister[SessionBreakoutsClosed](r, TypeSessionBreakoutsClosed, 1, AggregateOnly())
	MustRegister[SessionBreakoutsChanged](r, TypeSessionBreakoutsChanged, 1, AggregateOnly())
	MustRegister[SessionReminded](r, TypeSessionReminded, 1, AggregateOnly())
	MustRegister[SessionHomeworkChanged](r, TypeSessionHomeworkChanged, 1, AggregateOnly())
	MustRegister[BillingSubscriptionChanged](r, TypeBillingSubscriptionChanged, 1, AggregateOnly())
	MustRegister[BillingInvoicePaid](r, TypeBillingInvoicePaid, 1, AggregateOnly())
	MustRegister[BillingPaymentFailed](r, TypeBillingPaymentFailed, 1, AggregateOnly())
	return r
}
