package ai_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"pointsofyou.ai/studio/shared/ai"
)

type retrievalPassage struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	Text string `json:"text"`
}

type retrievalQuery struct {
	Lang   string `json:"lang"`
	Query  string `json:"query"`
	Expect string `json:"expect"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "retrieval", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// TestRetrievalQuality embeds the demo passages and paraphrased queries
// (English, Spanish, Hebrew) through the client and the local model and
// checks the expected passage ranks first.
func TestRetrievalQuality(t *testing.T) {
	t.Parallel()
	var passages []retrievalPassage
	var queries []retrievalQuery
	readJSON(t, "passages.json", &passages)
	readJSON(t, "queries.json", &queries)
	if len(passages) < 20 || len(queries) != 10 {
		t.Fatalf("%d passages, %d queries", len(passages), len(queries))
	}
	_, c := start(t, nil)
	ctx := context.Background()
	texts := make([]string, len(passages))
	for i, p := range passages {
		texts[i] = p.Text
	}
	docs, err := c.Embed(ctx, texts, ai.TaskRetrievalDocument)
	if err != nil {
		t.Fatal(err)
	}
	qtexts := make([]string, len(queries))
	for i, q := range queries {
		qtexts[i] = q.Query
	}
	qvecs, err := c.Embed(ctx, qtexts, ai.TaskRetrievalQuery)
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for i, q := range queries {
		type scored struct {
			id    string
			score float64
		}
		ranked := make([]scored, len(passages))
		for j, p := range passages {
			ranked[j] = scored{p.ID, dot(qvecs[i], docs[j])}
		}
		sort.SliceStable(ranked, func(a, b int) bool { return ranked[a].score > ranked[b].score })
		ok := ranked[0].id == q.Expect
		if ok {
			hits++
		}
		t.Logf("%-5v [%s] %q → %s %.3f (next %s %.3f)", ok, q.Lang, q.Query, ranked[0].id, ranked[0].score, ranked[1].id, ranked[1].score)
	}
	t.Logf("retrieval: %d/%d queries rank the expected passage first", hits, len(queries))
	if hits < 8 {
		t.Errorf("only %d/%d queries rank the expected passage first", hits, len(queries))
	}
}
