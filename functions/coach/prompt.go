package coach

import (
	"encoding/json"
	"fmt"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
)

// languageNames name the answer's language in the instruction.
var languageNames = map[string]string{"en": "English", "es": "Spanish", "fr": "French", "de": "German", "he": "Hebrew"}

// systemPrompt is the coach's instruction. memory is the redacted
// context of earlier conversations and the journal (empty without
// coach_memory consent).
func systemPrompt(lang string, memory []string) string {
	name := languageNames[lang]
	if name == "" {
		name = "the language of the person's message"
	}
	var b strings.Builder
	b.WriteString("You are the Points of You coach: a reflective companion, not a therapist.\n")
	b.WriteString("The method moves through four phases: Pause (stop and notice what is here), Expand (open new perspectives), " +
		"Focus (choose what matters now) and Doing (take one small, concrete step).\n")
	fmt.Fprintf(&b, "Answer in %s. Keep it short and warm.\n", name)
	b.WriteString("Ask open questions. Never prescribe: no \"you should\" or \"you must\"; offer possibilities and let the person choose.\n")
	b.WriteString("Give no clinical, medical, psychological or legal advice and no diagnosis; if asked, say so kindly and suggest a qualified professional.\n")
	b.WriteString("Do not copy the sources word for word; cite each source you use as [source: ID].\n")
	b.WriteString("Some sources are themes only: take inspiration from their theme and write something original.\n")
	b.WriteString("Placeholders such as [NAME_1] or [EMAIL_1] stand for personal details: keep them exactly as they are.\n")
	b.WriteString("Reply as JSON: answer (your reply), type (question, insight, encouragement or guidance), " +
		"sources (the ids of the sources you used) and suggested_cards (ids of cards among the sources that could help).\n")
	if len(memory) > 0 {
		b.WriteString("\nWhat the person shared earlier (context only; do not repeat it back unless it helps):\n")
		for _, m := range memory {
			b.WriteString("- ")
			b.WriteString(m)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// answerSchema is the model's JSON answer; "answer" comes first, so a
// streamed answer shows its words while the rest is still on its way.
var answerSchema = &aiplatformpb.Schema{
	Type: aiplatformpb.Type_OBJECT,
	Properties: map[string]*aiplatformpb.Schema{
		"answer": {Type: aiplatformpb.Type_STRING, Description: "the reply to the person"},
		"type":   {Type: aiplatformpb.Type_STRING, Enum: answerTypes},
		"sources": {Type: aiplatformpb.Type_ARRAY, Description: "ids of the sources used",
			Items: &aiplatformpb.Schema{Type: aiplatformpb.Type_STRING}},
		"suggested_cards": {Type: aiplatformpb.Type_ARRAY, Description: "ids of cards among the sources", MaxItems: 3,
			Items: &aiplatformpb.Schema{Type: aiplatformpb.Type_STRING}},
	},
	Required:         []string{"answer", "type", "sources", "suggested_cards"},
	PropertyOrdering: []string{"answer", "type", "sources", "suggested_cards"},
}

// modelAnswer is the model's JSON answer.
type modelAnswer struct {
	Answer         string   `json:"answer"`
	Type           string   `json:"type"`
	Sources        []string `json:"sources"`
	SuggestedCards []string `json:"suggested_cards"`
}

// parseAnswer reads the model's JSON answer; text that is not JSON is
// taken as the answer itself (a model that ignored the schema).
func parseAnswer(raw string) modelAnswer {
	var m modelAnswer
	if err := json.Unmarshal([]byte(raw), &m); err != nil || strings.TrimSpace(m.Answer) == "" {
		return modelAnswer{Answer: strings.TrimSpace(raw), Type: TypeQuestion}
	}
	return m
}
