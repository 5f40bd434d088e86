package insights

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/insights"
)

// Languages are the languages texts are written in.
var Languages = []string{"en", "es", "fr", "de", "he"}

var langNames = map[string]string{"en": "English", "es": "Spanish", "fr": "French", "de": "German", "he": "Hebrew"}

func validLang(l string) bool { _, ok := langNames[l]; return ok }

const recSystem = `You help the facilitator of a live group session on a shared canvas.
For each recommendation (by its ref), write one short, kind, practical suggestion (at most 30 words) the facilitator can act on.
Use only the figures given. People appear only as labels such as P1; write a person's label where you mean them, and never invent names.
Timing "now" means act at once, "next_transition" at the next change of phase, "end_of_phase" before the phase ends.
Answer in %s, as JSON matching the schema.`

var textsSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"texts": map[string]any{
			"type": "array",
			"items": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"ref":  map[string]any{"type": "string"},
					"text": map[string]any{"type": "string"},
				},
				"required": []any{"ref", "text"},
			},
		},
	},
	"required": []any{"texts"},
}

// writeTexts asks the model for the open recommendations' texts in lang,
// from the engine's prompt facts (numbers, kinds, theme words and labels:
// never a uid, a name or canvas text). It returns nil when there is no
// model or it fails: the fallback texts stand.
func (e *engine) writeTexts(ctx context.Context, l insights.Live, lang string) map[string]textDoc {
	if e.d.Model == nil {
		return nil
	}
	open := openOf(l.Recommendations)
	facts := insights.PromptFacts(l, open)
	body, err := json.Marshal(facts)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.d.ModelTimeout)
	defer cancel()
	res, err := e.d.Model.Generate(ctx, ai.GenerateRequest{
		System:     fmt.Sprintf(recSystem, langNames[lang]),
		Turns:      []ai.Turn{{Role: "user", Text: string(body)}},
		JSONSchema: textsSchema,
		MaxTokens:  1024,
	})
	if err != nil {
		slog.Warn("insights: recommendation texts fell back", "err", err.Error())
		return nil
	}
	var out struct {
		Texts []struct {
			Ref  string `json:"ref"`
			Text string `json:"text"`
		} `json:"texts"`
	}
	if err := json.Unmarshal(res.JSON, &out); err != nil {
		return nil
	}
	byRef := map[string]string{}
	for _, t := range out.Texts {
		byRef[t.Ref] = t.Text
	}
	texts := map[string]textDoc{}
	for _, r := range insights.ApplyModelTexts(open, facts, byRef, lang, participantUIDs(l)) {
		if r.Source == insights.SourceModel {
			texts[r.ID] = textDoc{Text: r.Text, Lang: r.Lang, Source: r.Source}
		}
	}
	return texts
}

// participantUIDs are every participant's uid (a text naming one is refused).
func participantUIDs(l insights.Live) []string {
	out := make([]string, 0, len(l.Participants))
	for _, p := range l.Participants {
		out = append(out, p.UID)
	}
	return out
}
