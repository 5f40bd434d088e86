package safety

import (
	"strings"
	"testing"
)

// message builds a text of about n characters from ordinary coaching
// sentences in every language, optionally ending in a crisis phrase.
func message(n int, tail string) string {
	parts := []string{
		"I'm so stressed about the presentation tomorrow and the deadline is killing me.",
		"Estoy muy estresada por la presentación, pero me muero de ganas de empezar.",
		"Je suis mort de rire avec mon équipe, mais ce projet me tue.",
		"Das bringt mich um, ich kann es kaum erwarten, bis das Projekt startet.",
		"הפקק הורג אותי ואני לחוץ מהמצגת מחר.",
	}
	var b strings.Builder
	for i := 0; b.Len() < n-len(tail); i++ {
		b.WriteString(parts[i%len(parts)])
		b.WriteByte(' ')
	}
	b.WriteString(tail)
	return b.String()
}

// Check runs on every coach message before anything else, inside the
// coach pipeline's 50 ms budget; a 1,000-character message must take well
// under 1 ms.
func BenchmarkCheck(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"ordinary_1000", message(1000, "")},
		{"crisis_at_end_1000", message(1000, "and honestly I want to die")},
		{"short", "I want to talk to a real person"},
		{"ordinary_10000", message(10000, "")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				Check(bc.text, "en")
			}
		})
	}
}

func BenchmarkAnswer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Answer(Suicide, "es-MX", "")
	}
}
