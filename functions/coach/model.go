package coach

import (
	"time"

	"github.com/google/uuid"

	"pointsofyou.ai/studio/shared/entitlements"
)

// Collections.
const (
	collUsers         = "users"
	collConversations = "coach_conversations"
	collMessages      = "messages"
	collCredits       = entitlements.AICollection
	collAlerts        = "coach_alerts"
	collCopilot       = "copilot"
	collCopilotState  = "copilot_state"
)

// Roles of a message.
const (
	RoleUser  = "user"
	RoleCoach = "coach"
)

// Types of a coach message; TypeEscalation is the fixed answer of shared/safety.
const (
	TypeQuestion      = "question"
	TypeInsight       = "insight"
	TypeEncouragement = "encouragement"
	TypeGuidance      = "guidance"
	TypeEscalation    = "escalation"
)

// answerTypes are the types the model may give.
var answerTypes = []string{TypeQuestion, TypeInsight, TypeEncouragement, TypeGuidance}

// Languages the coach answers in.
var Languages = []string{"en", "es", "fr", "de", "he"}

// Conversation is users/{uid}/coach_conversations/{c}.
type Conversation struct {
	ID           string    `json:"id" firestore:"-"`
	Title        string    `json:"title" firestore:"title"`
	SessionID    string    `json:"session_id,omitempty" firestore:"session_id"`
	Lang         string    `json:"lang" firestore:"lang"`
	CreatedAt    time.Time `json:"created_at" firestore:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" firestore:"updated_at"`
	MessageCount int       `json:"message_count" firestore:"message_count"`
	// SessionOrg is the organisation of SessionID (alerts go there).
	SessionOrg string `json:"-" firestore:"session_org"`
	// UID names the owner, so data-subject requests find the document.
	UID      string    `json:"-" firestore:"uid"`
	ExpireAt time.Time `json:"-" firestore:"expire_at"`
}

// Source is a library item an answer used, with its attribution.
type Source struct {
	ItemID      string `json:"item_id" firestore:"item_id"`
	Title       string `json:"title" firestore:"title"`
	Attribution string `json:"attribution" firestore:"attribution"`
	// Use is "text" (its text went to the model) or "theme" (only its
	// title and themes: the licence does not allow AI use of the text).
	Use string `json:"use" firestore:"use"`
}

// Uses of a source.
const (
	UseText  = "text"
	UseTheme = "theme"
)

// Card is a library card suggested to the person.
type Card struct {
	ItemID      string `json:"item_id" firestore:"item_id"`
	Title       string `json:"title" firestore:"title"`
	Type        string `json:"type" firestore:"type"`
	ImageURL    string `json:"image_url,omitempty" firestore:"image_url,omitempty"`
	Attribution string `json:"attribution,omitempty" firestore:"attribution,omitempty"`
}

// Upgrade says that closer items exist in a higher tier (never which).
type Upgrade struct {
	Tier  string `json:"tier" firestore:"tier"`
	Count int    `json:"count" firestore:"count"`
}

// Resource is a place to get help.
type Resource struct {
	Name  string `json:"name" firestore:"name"`
	Phone string `json:"phone,omitempty" firestore:"phone,omitempty"`
	SMS   string `json:"sms,omitempty" firestore:"sms,omitempty"`
	URL   string `json:"url,omitempty" firestore:"url,omitempty"`
	Hours string `json:"hours,omitempty" firestore:"hours,omitempty"`
}

// Escalation is what an escalation answer carries besides its text.
type Escalation struct {
	Category  string     `json:"category" firestore:"category"`
	Resources []Resource `json:"resources" firestore:"resources"`
}

// Feedback is the person's rating of a coach message.
type Feedback struct {
	Rating int       `json:"rating" firestore:"rating"`
	Reason string    `json:"reason,omitempty" firestore:"reason,omitempty"`
	At     time.Time `json:"-" firestore:"at"`
}

// Message is users/{uid}/coach_conversations/{c}/messages/{m}.
type Message struct {
	ID             string      `json:"id" firestore:"-"`
	Role           string      `json:"role" firestore:"role"`
	Text           string      `json:"text" firestore:"text"`
	CreatedAt      time.Time   `json:"created_at" firestore:"created_at"`
	Type           string      `json:"type,omitempty" firestore:"type,omitempty"`
	Sources        []Source    `json:"sources,omitempty" firestore:"sources,omitempty"`
	SuggestedCards []Card      `json:"suggested_cards,omitempty" firestore:"suggested_cards,omitempty"`
	Upgrade        *Upgrade    `json:"upgrade,omitempty" firestore:"upgrade,omitempty"`
	Escalation     *Escalation `json:"escalation,omitempty" firestore:"escalation,omitempty"`
	Feedback       *Feedback   `json:"feedback,omitempty" firestore:"feedback,omitempty"`
	// Escalated marks a question that got the escalation answer: it never
	// goes back to a model.
	Escalated bool `json:"-" firestore:"escalated,omitempty"`
	// Seq orders the messages of a conversation.
	Seq      int       `json:"-" firestore:"seq"`
	UID      string    `json:"-" firestore:"uid"`
	ExpireAt time.Time `json:"-" firestore:"expire_at"`
}

// newID is a random document id (32 hex digits).
func newID() string {
	u := uuid.New()
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 32)
	for _, c := range u {
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}
