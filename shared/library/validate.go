package library

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/validate"
)

// Limits of an item's fields.
const (
	MaxTitle        = 120
	MaxWordTitle    = 30  // a word card's word
	MaxQuestionBody = 150 // a question card's question
	MaxBody         = 4000
	MaxPrompts      = 12
	MaxPrompt       = 300
	MaxLabels       = 20 // themes, tags
	MaxLabel        = 40
	MaxImages       = 8
	MaxAttribution  = 200
)

// idPattern keeps ids safe as Firestore document ids and in URLs.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,79}$`)

// labelPattern: lowercase words with spaces, dashes or underscores, any script.
var labelPattern = regexp.MustCompile(`^[\p{Ll}\p{Lo}0-9][\p{Ll}\p{Lo}\p{Mn}0-9 _-]*$`)

// ValidID reports an acceptable item id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Validate checks an item; every problem names its field ("text.es.title").
// The id is checked only when set (the API assigns missing ones).
func (it *Item) Validate() []validate.FieldError {
	var f []validate.FieldError
	if it.ID != "" && !ValidID(it.ID) {
		f = append(f, validate.Field("id", "must be 1-80 characters of a-z, 0-9, '-' and '_', starting with a letter or digit"))
	}
	if it.Type == "" {
		f = append(f, validate.Field("type", "is required"))
	} else {
		validate.OneOf(&f, "type", it.Type, Types...)
	}
	if _, ok := it.Text[DefaultLocale]; !ok {
		f = append(f, validate.Field("text.en", "is required: English is the source language and the fallback"))
	}
	for _, l := range sortedLocales(it.Text) {
		if !slices.Contains(Locales, l) {
			f = append(f, validate.Field("text."+l, "is not a supported locale; use one of %v", Locales))
			continue
		}
		f = append(f, it.validateText(l, it.Text[l])...)
	}
	f = append(f, labels("themes", it.Themes)...)
	f = append(f, labels("tags", it.Tags)...)
	if it.Phase != "" {
		validate.OneOf(&f, "phase", it.Phase, Phases...)
	}
	validate.MaxLen(&f, "category", it.Category, MaxLabel)
	validate.Text(&f, "category", it.Category, validate.SingleLine)
	if it.DeckID != "" && !ValidID(it.DeckID) {
		f = append(f, validate.Field("deck_id", "is not a valid item id"))
	}
	validate.MaxLen(&f, "series", it.Series, MaxLabel)
	validate.Text(&f, "series", it.Series, validate.SingleLine)
	if it.DurationMin < 0 || it.DurationMin > 600 {
		f = append(f, validate.Field("duration_minutes", "must be between 0 and 600"))
	}
	if len(it.Images) > MaxImages {
		f = append(f, validate.Field("images", "has %d images; at most %d are allowed", len(it.Images), MaxImages))
	}
	for i, im := range it.Images {
		name := fmt.Sprintf("images[%d]", i)
		if (im.MediaID == "") == (im.Object == "") {
			f = append(f, validate.Field(name, "needs exactly one of media_id or object"))
		}
		if im.MediaID != "" && !ValidID(im.MediaID) && !uuidLike(im.MediaID) {
			f = append(f, validate.Field(name+".media_id", "is not a media id"))
		}
		if im.Object != "" && (len(im.Object) > 300 || strings.Contains(im.Object, "..") || strings.HasPrefix(im.Object, "/")) {
			f = append(f, validate.Field(name+".object", "is not a usable object name"))
		}
		validate.MaxLen(&f, name+".alt", im.Alt, 200)
		validate.Text(&f, name+".alt", im.Alt, validate.SingleLine)
	}
	if it.License.Type == "" {
		f = append(f, validate.Field("license.type", "is required"))
	} else {
		validate.OneOf(&f, "license.type", it.License.Type, LicenseTypes...)
	}
	if it.Tier == "" {
		f = append(f, validate.Field("tier", "is required"))
	} else {
		validate.OneOf(&f, "tier", it.Tier, entitlements.Tiers...)
	}
	validate.MaxLen(&f, "attribution", it.Attribution, MaxAttribution)
	validate.Text(&f, "attribution", it.Attribution, validate.SingleLine)
	if it.License.AttributionRequired && strings.TrimSpace(it.Attribution) == "" {
		f = append(f, validate.Field("attribution", "is required when license.attribution_required is true"))
	}
	if it.Status != "" {
		validate.OneOf(&f, "status", it.Status, Statuses...)
	}
	if it.Version < 0 {
		f = append(f, validate.Field("version", "must not be negative"))
	}
	return f
}

func (it *Item) validateText(l string, t Text) []validate.FieldError {
	var f []validate.FieldError
	p := "text." + l + "."
	validate.Required(&f, p+"title", t.Title)
	maxTitle := MaxTitle
	if it.Type == TypeWordCard {
		maxTitle = MaxWordTitle
	}
	validate.MaxLen(&f, p+"title", t.Title, maxTitle)
	if it.Type == TypeQuestionCard {
		validate.Required(&f, p+"body", t.Body)
		validate.MaxLen(&f, p+"body", t.Body, MaxQuestionBody)
	} else {
		validate.MaxLen(&f, p+"body", t.Body, MaxBody)
	}
	if len(t.Prompts) > MaxPrompts {
		f = append(f, validate.Field(p+"prompts", "has %d entries; at most %d are allowed", len(t.Prompts), MaxPrompts))
	}
	for i, s := range t.Prompts {
		name := fmt.Sprintf("%sprompts[%d]", p, i)
		validate.Required(&f, name, s)
		validate.MaxLen(&f, name, s, MaxPrompt)
	}
	validate.Text(&f, p+"title", t.Title, validate.SingleLine)
	validate.Text(&f, p+"body", t.Body, validate.MultiLine)
	validate.Texts(&f, p+"prompts", t.Prompts, validate.SingleLine)
	return f
}

func labels(name string, vs []string) []validate.FieldError {
	var f []validate.FieldError
	if len(vs) > MaxLabels {
		f = append(f, validate.Field(name, "has %d entries; at most %d are allowed", len(vs), MaxLabels))
	}
	for i, v := range vs {
		if len([]rune(v)) > MaxLabel || !labelPattern.MatchString(v) {
			f = append(f, validate.Field(fmt.Sprintf("%s[%d]", name, i), "must be a lowercase label of at most %d characters", MaxLabel))
		}
	}
	return f
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func uuidLike(s string) bool { return uuidPattern.MatchString(s) }

func sortedLocales(m map[string]Text) []string {
	out := make([]string, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
