package ai

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Task types of the embedding models. Queries and the documents they
// should find are embedded with different tasks.
const (
	TaskRetrievalQuery     = "RETRIEVAL_QUERY"
	TaskRetrievalDocument  = "RETRIEVAL_DOCUMENT"
	TaskSemanticSimilarity = "SEMANTIC_SIMILARITY"
	TaskClassification     = "CLASSIFICATION"
	TaskClustering         = "CLUSTERING"
	TaskQuestionAnswering  = "QUESTION_ANSWERING"
	TaskFactVerification   = "FACT_VERIFICATION"
)

var tasks = map[string]bool{
	TaskRetrievalQuery: true, TaskRetrievalDocument: true, TaskSemanticSimilarity: true,
	TaskClassification: true, TaskClustering: true, TaskQuestionAnswering: true,
	TaskFactVerification: true, "CODE_RETRIEVAL_QUERY": true,
}

// Vertex's limits for one Predict call of a text-embedding model.
const (
	// MaxBatch is the most texts per call (text-embedding-005,
	// text-multilingual-embedding-002).
	MaxBatch = 250
	// MaxBatchGemini is the same limit for gemini-embedding-001.
	MaxBatchGemini = 1
	// MaxBatchTokens bounds the tokens of all texts of one call.
	MaxBatchTokens = 20000
	// maxTextTokens is where Vertex truncates one text (autoTruncate).
	maxTextTokens = 2048
)

// batchLimit is the instance limit of an embedding model.
func batchLimit(model string) int {
	id := model[strings.LastIndexByte(model, '/')+1:]
	if strings.HasPrefix(id, "gemini-embedding") {
		return MaxBatchGemini
	}
	return MaxBatch
}

// estimateTokens over-estimates a text's tokens without a round trip: one
// token per two bytes covers English (about four characters a token) and
// Hebrew (two bytes a letter) alike.
func estimateTokens(s string) int {
	return min(len(s)/2+1, maxTextTokens)
}

// Embed returns one embedding per text, in order, computed by the
// embedding model for task (empty: the model's default). Texts are sent in
// batches that respect Vertex's limits per call; texts over the model's
// input limit are truncated by the service.
func (c *Client) Embed(ctx context.Context, texts []string, task string) ([][]float32, error) {
	if task != "" && !tasks[task] {
		return nil, fmt.Errorf("ai: unknown embedding task %q", task)
	}
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("ai: text %d is empty", i)
		}
	}
	model := c.modelName(c.cfg.EmbedModel)
	limit := batchLimit(model)
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); {
		end, tokens := start, 0
		for end < len(texts) && end-start < limit {
			t := estimateTokens(texts[end])
			if end > start && tokens+t > MaxBatchTokens {
				break
			}
			tokens += t
			end++
		}
		vecs, err := c.embedBatch(ctx, model, texts[start:end], task)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
		start = end
	}
	return out, nil
}

func (c *Client) embedBatch(ctx context.Context, model string, texts []string, task string) ([][]float32, error) {
	instances := make([]*structpb.Value, len(texts))
	for i, t := range texts {
		f := map[string]*structpb.Value{"content": structpb.NewStringValue(t)}
		if task != "" {
			f["task_type"] = structpb.NewStringValue(task)
		}
		instances[i] = structpb.NewStructValue(&structpb.Struct{Fields: f})
	}
	params := map[string]*structpb.Value{"autoTruncate": structpb.NewBoolValue(true)}
	if c.cfg.EmbedDimension > 0 {
		params["outputDimensionality"] = structpb.NewNumberValue(float64(c.cfg.EmbedDimension))
	}
	req := &aiplatformpb.PredictRequest{
		Endpoint:   model,
		Instances:  instances,
		Parameters: structpb.NewStructValue(&structpb.Struct{Fields: params}),
	}
	var resp *aiplatformpb.PredictResponse
	err := c.retry(ctx, func(ctx context.Context) error {
		var err error
		resp, err = c.pred.Predict(ctx, req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ai: embed: %w", err)
	}
	if len(resp.GetPredictions()) != len(texts) {
		return nil, fmt.Errorf("ai: embed: %d predictions for %d texts", len(resp.GetPredictions()), len(texts))
	}
	vecs := make([][]float32, len(texts))
	var tokens int64
	for i, p := range resp.GetPredictions() {
		emb := p.GetStructValue().GetFields()["embeddings"].GetStructValue().GetFields()
		vals := emb["values"].GetListValue().GetValues()
		if len(vals) == 0 {
			return nil, fmt.Errorf("ai: embed: prediction %d has no values", i)
		}
		v := make([]float32, len(vals))
		for j, x := range vals {
			v[j] = float32(x.GetNumberValue())
		}
		vecs[i] = v
		tokens += int64(emb["statistics"].GetStructValue().GetFields()["token_count"].GetNumberValue())
	}
	c.account(Usage{PromptTokens: tokens, TotalTokens: tokens})
	return vecs, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
