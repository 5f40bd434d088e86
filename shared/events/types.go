package events

// The platform's event types.
const (
	TypeCanvasOp            = "canvas.op"
	TypeSessionCardSelected = "session.card_selected"
	TypeJournalSynced       = "journal.synced"
	TypeCoachAsked          = "coach.asked"
	TypeMediaUploaded       = "media.uploaded"
	// TypePrivacyRequestCompleted is a finished data-subject request (a
	// system event: it never carries the person's actor).
	TypePrivacyRequestCompleted = "privacy.request_completed"
)

// CanvasOp is an accepted canvas operation (session_id and canvas_id are
// in the envelope).
type CanvasOp struct {
	Op          Enum `json:"op" enum:"add,update,move,delete,group,ungroup,reorder"`
	ElementID   ID   `json:"element_id"`
	ElementKind Enum `json:"element_kind" enum:"card,note,shape,image,connector,group,frame"`
	// Properties is how many properties the operation changed.
	Properties int `json:"properties,omitempty"`
}

// SessionCardSelected is a participant picking a card in a live session.
type SessionCardSelected struct {
	CardID   ID   `json:"card_id"`
	CardKind Enum `json:"card_kind" enum:"photo,word,question,reflection,blank"`
	Phase    Enum `json:"phase" enum:"pause,expand,focus,doing"`
}

// JournalSynced is one applied journal push (counts only, never content).
type JournalSynced struct {
	Mutations int  `json:"mutations"`
	Conflicts int  `json:"conflicts"`
	Mode      Enum `json:"mode" enum:"standalone,in_session"`
}

// CoachAsked is one coach question (never its text).
type CoachAsked struct {
	Sources     int  `json:"sources"`
	CreditsUsed int  `json:"credits_used"`
	Escalated   bool `json:"escalated"`
	Language    Enum `json:"language" enum:"en,he,de,fr,es,it,nl,pt,pl,ja,zh,other"`
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
// version 1. Counting events (journal.synced, coach.asked, media.uploaded)
// are aggregate-only: without consent they lose the actor, not the count.
func Standard() *Registry {
	r := NewRegistry()
	MustRegister[CanvasOp](r, TypeCanvasOp, 1)
	MustRegister[SessionCardSelected](r, TypeSessionCardSelected, 1)
	MustRegister[JournalSynced](r, TypeJournalSynced, 1, AggregateOnly())
	MustRegister[CoachAsked](r, TypeCoachAsked, 1, AggregateOnly())
	MustRegister[MediaUploaded](r, TypeMediaUploaded, 1, AggregateOnly())
	MustRegister[PrivacyRequestCompleted](r, TypePrivacyRequestCompleted, 1, AggregateOnly())
	return r
}
