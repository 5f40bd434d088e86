// Package library is the content library's domain model, shared by
// functions/content (the API and the embedding trigger) and the local suite
// (which seeds the demo library): item types, per-locale text with English
// fallback, licences, access tiers and the rules that lock an item, the
// validation of items, bulk-import parsing (JSON and CSV) and the text an
// item is embedded from.
//
// Storage layout (Firestore):
//
//	content/{itemId}                         official library (platform-wide)
//	content_chunks/{itemId}_{locale}         its embeddings, one per locale
//	orgs/{org}/content/{itemId}              an organisation's private items
//	orgs/{org}/content_chunks/{itemId}_{l}   their embeddings
//
// Decisions where the specs leave a gap:
//   - Text is stored per locale ({locale: {title, body, prompts}}); English
//     is required and is the fallback of every missing translation.
//   - Tiers rank free < professional < enterprise < official; a caller uses
//     items at or below its tier. The spec's "official_poy"/"poy_licensed"
//     are read as "official".
//   - The embedded text is the title, body and prompts of one locale plus
//     the themes; tags are filtering metadata and are not embedded, so a
//     tag change never re-embeds.
package library

import (
	"time"

	"pointsofyou.ai/studio/shared/entitlements"
)

// Types of items.
const (
	TypePhotoCard       = "photo_card"
	TypeWordCard        = "word_card"
	TypeQuestionCard    = "question_card"
	TypePrompt          = "prompt"
	TypeExercise        = "exercise"
	TypeJourneyElement  = "journey_element"
	TypeSessionProtocol = "session_protocol"
	TypeCanvasTemplate  = "canvas_template"
	TypeDeck            = "deck"
)

// Types lists every item type.
var Types = []string{TypePhotoCard, TypeWordCard, TypeQuestionCard, TypePrompt, TypeExercise,
	TypeJourneyElement, TypeSessionProtocol, TypeCanvasTemplate, TypeDeck}

// Methodology phases.
var Phases = []string{"pause", "expand", "focus", "doing"}

// Locales; English is the source language and the fallback.
const DefaultLocale = "en"

// Locales lists the supported languages.
var Locales = []string{"en", "es", "fr", "de", "he"}

// Statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Statuses lists every status.
var Statuses = []string{StatusDraft, StatusPublished, StatusArchived}

// Licence types.
var LicenseTypes = []string{"open", "attribution", "commercial", "proprietary", "poy_licensed"}

// Text is an item's text in one locale. Title is the card's word or name,
// Body its description, question or instructions, Prompts its questions or
// steps.
type Text struct {
	Title   string   `json:"title" firestore:"title"`
	Body    string   `json:"body,omitempty" firestore:"body,omitempty"`
	Prompts []string `json:"prompts,omitempty" firestore:"prompts,omitempty"`
}

// License carries the licensing rules of an item.
type License struct {
	Type                  string `json:"type" firestore:"type"`
	AttributionRequired   bool   `json:"attribution_required" firestore:"attribution_required"`
	CommercialUsage       bool   `json:"commercial_usage" firestore:"commercial_usage"`
	ModificationAllowed   bool   `json:"modification_allowed" firestore:"modification_allowed"`
	RedistributionAllowed bool   `json:"redistribution_allowed" firestore:"redistribution_allowed"`
	// AIUsageAllowed lets the coach send the item's text to a model; when
	// false only its themes may be used. AITrainingAllowed is always false
	// by default (the specs' default of true is not followed).
	AIUsageAllowed    bool `json:"ai_usage_allowed" firestore:"ai_usage_allowed"`
	AITrainingAllowed bool `json:"ai_training_allowed" firestore:"ai_training_allowed"`
	APIAccessAllowed  bool `json:"api_access_allowed" firestore:"api_access_allowed"`
	// ExpiresAt, when set, ends the licence (RFC 3339 date-time).
	ExpiresAt *time.Time `json:"expires_at,omitempty" firestore:"expires_at,omitempty"`
}

// Image references a picture stored through functions/media (MediaID) or
// a bundled object name (Object).
type Image struct {
	MediaID string `json:"media_id,omitempty" firestore:"media_id,omitempty"`
	Object  string `json:"object,omitempty" firestore:"object,omitempty"`
	Alt     string `json:"alt,omitempty" firestore:"alt,omitempty"`
}

// Item is one library item as stored and as written by callers.
type Item struct {
	ID          string          `json:"id" firestore:"-"`
	Type        string          `json:"type" firestore:"type"`
	Text        map[string]Text `json:"text" firestore:"text"`
	Themes      []string        `json:"themes,omitempty" firestore:"themes"`
	Tags        []string        `json:"tags,omitempty" firestore:"tags"`
	Phase       string          `json:"phase,omitempty" firestore:"phase"`
	Category    string          `json:"category,omitempty" firestore:"category,omitempty"`
	DeckID      string          `json:"deck_id,omitempty" firestore:"deck_id,omitempty"`
	Series      string          `json:"series,omitempty" firestore:"series,omitempty"`
	DurationMin int             `json:"duration_minutes,omitempty" firestore:"duration_minutes,omitempty"`
	Images      []Image         `json:"images,omitempty" firestore:"images,omitempty"`
	License     License         `json:"license" firestore:"license"`
	Tier        string          `json:"tier" firestore:"tier"`
	Attribution string          `json:"attribution,omitempty" firestore:"attribution,omitempty"`
	Status      string          `json:"status" firestore:"status"`
	Version     int             `json:"version" firestore:"version"`
	// Locales lists the locales the item has text in (kept for filtering).
	Locales []string `json:"-" firestore:"locales"`
	// Org is "" for the official library.
	Org       string    `json:"-" firestore:"org"`
	UpdatedAt time.Time `json:"-" firestore:"updated_at"`
	UpdatedBy string    `json:"-" firestore:"updated_by,omitempty"`
}

// Normalize fills defaults and derived fields: status draft, version 1,
// the sorted locale list, no nil slices.
func (it *Item) Normalize() {
	if it.Status == "" {
		it.Status = StatusDraft
	}
	if it.Version <= 0 {
		it.Version = 1
	}
	if it.Themes == nil {
		it.Themes = []string{}
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	it.Locales = it.Locales[:0]
	for _, l := range Locales {
		if _, ok := it.Text[l]; ok {
			it.Locales = append(it.Locales, l)
		}
	}
}

// Localized returns the text of locale, falling back to English, and the
// locale actually used. A missing translation is never an error.
func (it *Item) Localized(locale string) (Text, string) {
	if t, ok := it.Text[locale]; ok && t.Title != "" {
		return t, locale
	}
	return it.Text[DefaultLocale], DefaultLocale
}

// HasLocale reports a translation in locale.
func (it *Item) HasLocale(locale string) bool {
	_, ok := it.Text[locale]
	return ok
}

// Official reports an item of the platform-wide library.
func (it *Item) Official() bool { return it.Org == "" }

// Usable reports whether a caller of tier may use the item's content.
// An expired licence makes an item unusable for everyone.
func (it *Item) Usable(tier string, now time.Time) bool {
	if it.License.ExpiresAt != nil && !now.Before(*it.License.ExpiresAt) {
		return false
	}
	return entitlements.Covers(tier, it.Tier)
}
