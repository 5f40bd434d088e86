package ai_test

import (
	"context"
	"fmt"
	"testing"

	"pointsofyou.ai/studio/shared/ai"
)

// BenchmarkEmbed measures texts embedded per second through the client
// and the local emulator (batches of 250).
func BenchmarkEmbed(b *testing.B) {
	_, c := start(b, nil)
	texts := make([]string, 250)
	for i := range texts {
		texts[i] = fmt.Sprintf("Passage %d: a pause to breathe before you reply gives you room to choose an answer.", i)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Embed(ctx, texts, ai.TaskRetrievalDocument); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "texts/s")
}

// BenchmarkGenerate measures a grounded generation round trip.
func BenchmarkGenerate(b *testing.B) {
	_, c := start(b, nil)
	req := ai.GenerateRequest{
		System:   "You are a warm coach.",
		Turns:    []ai.Turn{{Text: "How can I find courage to speak up in meetings?"}},
		Passages: coachPassages,
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
