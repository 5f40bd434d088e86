package textmerge

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMerge merges two edits of a 10 KB Markdown body: a few words
// here and there on each side (the common case), and a rewrite of many
// lines on both (the worst case a device brings back after a long time
// offline).
func BenchmarkMerge(b *testing.B) {
	for _, bc := range []struct {
		name  string
		edits int
	}{{"10KB/few-edits", 3}, {"10KB/many-edits", 120}} {
		b.Run(bc.name, func(b *testing.B) {
			g := &gen{r: rand.New(rand.NewPCG(1, 2)), prefix: "w"}
			base := ""
			for len(base) < 10_000 {
				base += g.line(12) + "\n\n"
			}
			mine, theirs := g.edit(base, bc.edits), g.edit(base, bc.edits)
			b.SetBytes(int64(len(base)))
			b.ReportAllocs()
			var clean int
			for b.Loop() {
				if _, ok := Merge(base, mine, theirs); ok {
					clean++
				}
			}
			b.ReportMetric(float64(clean)/float64(b.N), "clean/op")
		})
	}
}

func ExampleMerge() {
	base := "Walked to the sea.\nFelt calm.\n"
	mine := "Walked to the sea at dawn.\nFelt calm.\n"
	theirs := "Walked to the sea.\nFelt calm and light.\n"
	fmt.Println(Merge(base, mine, theirs))
	// Output:
	// Walked to the sea at dawn.
	// Felt calm and light.
	//  true
}
