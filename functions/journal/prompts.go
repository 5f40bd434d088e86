package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/entitlements"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/library"
	"pointsofyou.ai/studio/shared/pii"
)

// Phases and languages prompts come in.
var (
	Phases    = []string{"pause", "expand", "focus", "doing"}
	Languages = []string{"en", "he", "es", "fr", "de"}
)

// Prompt is one writing prompt.
type Prompt struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Phase  string `json:"phase,omitempty"`
	CardID string `json:"card_id,omitempty"`
	Source string `json:"source"`
}

// maxLibraryPrompts bounds the library items one prompts request reads.
const maxLibraryPrompts = 200

func (a *api) prompts(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	qv := r.URL.Query()
	phase, card, lang := qv.Get("phase"), qv.Get("card"), qv.Get("lang")
	if lang == "" {
		lang = "en"
	}
	var fs []httpapi.FieldError
	if phase != "" {
		httpapi.OneOf(&fs, "phase", phase, Phases...)
	}
	httpapi.OneOf(&fs, "lang", lang, Languages...)
	if card != "" && !library.ValidID(card) {
		fs = append(fs, httpapi.Field("card", "not an item id"))
	}
	if len(fs) > 0 {
		return httpapi.Invalid(fs...)
	}
	ctx := r.Context()
	out, err := a.libraryPrompts(ctx, p, phase, card, lang)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	out = append(out, builtinPrompts(phase, lang)...)
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"prompts": out})
	return nil
}

// libraryPrompts are the prompts of the card (when named) and the items
// of type prompt and question_card, of the official library and the
// caller's organisation, that the caller's tier may use, in lang.
func (a *api) libraryPrompts(ctx context.Context, p *auth.Principal, phase, card, lang string) ([]Prompt, error) {
	tier := entitlements.Claim(p.Tier)
	now := a.d.Now()
	out := []Prompt{}
	libs := []string{""}
	if authz.ValidOrgID(p.Org) {
		libs = append(libs, p.Org)
	}
	if card != "" {
		for _, org := range libs {
			items, err := library.LookupItems(ctx, a.d.Firestore, org, []string{card})
			if err != nil {
				return nil, err
			}
			if it := items[card]; it != nil && it.Status == library.StatusPublished && it.Usable(tier, now) {
				t, _ := it.Localized(lang)
				for i, q := range t.Prompts {
					out = append(out, Prompt{ID: fmt.Sprintf("card-%s-%d", card, i+1), Text: q, CardID: card, Phase: it.Phase, Source: "library"})
				}
				if it.Type == library.TypeQuestionCard && t.Body != "" {
					out = append(out, Prompt{ID: "card-" + card, Text: t.Body, CardID: card, Phase: it.Phase, Source: "library"})
				}
			}
		}
	}
	for _, org := range libs {
		q := a.d.Firestore.Collection(library.ItemsPath(org)).
			Where("type", "in", []string{library.TypePrompt, library.TypeQuestionCard}).Limit(maxLibraryPrompts)
		it := q.Documents(ctx)
		for {
			snap, err := it.Next()
			if err == iterator.Done {
				break
			}
			if err != nil {
				it.Stop()
				return nil, fmt.Errorf("library prompts: %w", err)
			}
			var item library.Item
			if err := snap.DataTo(&item); err != nil {
				continue
			}
			item.ID = snap.Ref.ID
			if item.Status != library.StatusPublished || !item.Usable(tier, now) || (phase != "" && item.Phase != "" && item.Phase != phase) || !item.HasLocale(lang) {
				continue
			}
			t, _ := item.Localized(lang)
			text := t.Body
			if text == "" {
				text = t.Title
			}
			out = append(out, Prompt{ID: "item-" + item.ID, Text: text, Phase: item.Phase, Source: "library"})
		}
		it.Stop()
	}
	return out, nil
}

func builtinPrompts(phase, lang string) []Prompt {
	var out []Prompt
	for _, ph := range Phases {
		if phase != "" && ph != phase {
			continue
		}
		for i, t := range builtin[lang][ph] {
			out = append(out, Prompt{ID: fmt.Sprintf("builtin-%s-%d", ph, i+1), Text: t, Phase: ph, Source: "builtin"})
		}
	}
	return out
}

// SuggestRequest is POST /v1/prompts/suggest.
type SuggestRequest struct {
	EntryID string `json:"entry_id"`
	Phase   string `json:"phase"`
	Lang    string `json:"lang"`
}

// Validate checks the request.
func (q *SuggestRequest) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if q.EntryID != "" && !validEntryID(q.EntryID) {
		fs = append(fs, httpapi.Field("entry_id", "must be a UUID v4"))
	}
	if q.Phase != "" {
		httpapi.OneOf(&fs, "phase", q.Phase, Phases...)
	}
	httpapi.OneOf(&fs, "lang", q.Lang, Languages...)
	return fs
}

// suggestPrompts asks the model for three prompts. The entry's text goes
// to the model (redacted) only with the person's coach_memory consent;
// otherwise only the phase and the entry's card titles. No credit; at most
// SuggestPerHour an hour per person.
func (a *api) suggestPrompts(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q SuggestRequest
	if err := httpapi.DecodeJSON(w, r, &q, 0); err != nil {
		return err
	}
	if a.d.Model == nil {
		return httpapi.Unavailable(fmt.Errorf("no model"))
	}
	if ok, wait := a.suggest.Allow(p.UID); !ok {
		return httpapi.TooManyRequests(int(wait.Seconds())+1, "at most %d suggestions an hour", a.d.SuggestPerHour)
	}
	ctx := r.Context()
	var lines []string
	if q.EntryID != "" {
		e, err := a.readEntry(ctx, p.UID, q.EntryID)
		if err != nil {
			return err
		}
		for _, c := range e.CardRefs {
			lines = append(lines, "Card: "+c.Title)
		}
		mem, err := a.d.Consent.Allowed(ctx, p.UID, p.Org, string(consentvault.CoachMemory))
		if err == nil && mem {
			red := pii.New(pii.Options{}).Redact(e.Title + "\n" + e.Body)
			lines = append(lines, "Entry:\n"+truncate(red.Text, 4000))
		}
	}
	prompt := fmt.Sprintf("Suggest three short, open reflective journal prompts in language %q", q.Lang)
	if q.Phase != "" {
		prompt += fmt.Sprintf(" for the %q phase of a Points of You session", q.Phase)
	}
	prompt += ". Never diagnose; never give advice. Answer as JSON {\"prompts\": [string]}."
	if len(lines) > 0 {
		prompt += "\n\n" + strings.Join(lines, "\n")
	}
	res, err := a.d.Model.Generate(ctx, ai.GenerateRequest{
		System: "You write gentle reflective prompts for a personal journal.",
		Turns:  []ai.Turn{{Role: "user", Text: prompt}},
		JSONSchema: map[string]any{"type": "object", "properties": map[string]any{
			"prompts": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}, "required": []string{"prompts"}},
		MaxTokens: 400,
	})
	out := []Prompt{}
	if err == nil {
		var v struct {
			Prompts []string `json:"prompts"`
		}
		if json.Unmarshal(res.JSON, &v) == nil {
			for i, t := range v.Prompts {
				if t = strings.TrimSpace(t); t != "" && i < 5 {
					out = append(out, Prompt{ID: fmt.Sprintf("ai-%d", i+1), Text: truncate(t, 300), Phase: q.Phase, Source: "ai"})
				}
			}
		}
	}
	if len(out) == 0 { // the model is down or said nothing usable
		out = builtinPrompts(q.Phase, q.Lang)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"prompts": out})
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
