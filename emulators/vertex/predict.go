package vertex

import (
	"context"
	"math"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// Production limits of the text-embedding models.
const (
	// MaxInstances is the most texts one Predict call may embed
	// (text-embedding-005, text-multilingual-embedding-002).
	MaxInstances = 250
	// MaxInstancesGemini is the same limit for gemini-embedding-001.
	MaxInstancesGemini = 1
	// MaxInputTokens is the longest text embedded; longer ones are cut
	// when autoTruncate is true (the default) and refused otherwise.
	MaxInputTokens = 2048
	// MaxRequestTokens bounds the tokens of all texts of one call.
	MaxRequestTokens = 20000
)

// taskTypes are the embedding task types production accepts. The local
// model embeds every task alike (it is symmetric).
var taskTypes = setOf("RETRIEVAL_QUERY RETRIEVAL_DOCUMENT SEMANTIC_SIMILARITY CLASSIFICATION CLUSTERING QUESTION_ANSWERING FACT_VERIFICATION CODE_RETRIEVAL_QUERY")

// MaxInstancesFor returns the instance limit of an embedding model id.
func MaxInstancesFor(modelID string) int {
	if strings.HasPrefix(modelID, "gemini-embedding") {
		return MaxInstancesGemini
	}
	return MaxInstances
}

// Predict computes text embeddings as Vertex's text-embedding models do:
// instances {"content", "task_type", "title"}, parameters
// {"outputDimensionality", "autoTruncate"}.
func (s *Server) Predict(ctx context.Context, req *aiplatformpb.PredictRequest) (*aiplatformpb.PredictResponse, error) {
	m, err := parseModel("endpoint", req.GetEndpoint())
	if err != nil {
		return nil, err
	}
	if !m.endpoint && !m.embeddingOnly() {
		return nil, status.Errorf(codes.InvalidArgument, "model %q does not support Predict on the local emulator; use GenerateContent", m.id)
	}
	n := len(req.GetInstances())
	if n == 0 {
		return nil, status.Error(codes.InvalidArgument, "instances must not be empty")
	}
	if limit := MaxInstancesFor(m.id); n > limit {
		return nil, status.Errorf(codes.InvalidArgument, "%d instances in one request; %s accepts at most %d", n, m.id, limit)
	}
	dim, autoTruncate, err := s.readParameters(req.GetParameters())
	if err != nil {
		return nil, err
	}
	preds := make([]*structpb.Value, 0, n)
	total, billable := 0, 0
	for i, inst := range req.GetInstances() {
		f := inst.GetStructValue().GetFields()
		if f == nil {
			return nil, status.Errorf(codes.InvalidArgument, "instances[%d] must be an object with a content field", i)
		}
		content := f["content"].GetStringValue()
		if strings.TrimSpace(content) == "" {
			return nil, status.Errorf(codes.InvalidArgument, "instances[%d].content must be a non-empty string", i)
		}
		task := f["task_type"].GetStringValue()
		if task != "" && !taskTypes[task] {
			return nil, status.Errorf(codes.InvalidArgument, "instances[%d].task_type %q is not a known task type", i, task)
		}
		text := content
		if title := f["title"].GetStringValue(); title != "" {
			text = title + "\n" + content
		}
		tokens := countTokens(text)
		truncated := false
		if tokens > MaxInputTokens {
			if !autoTruncate {
				return nil, status.Errorf(codes.InvalidArgument, "instances[%d] has %d tokens, over the limit of %d, and autoTruncate is false", i, tokens, MaxInputTokens)
			}
			text, truncated = truncateTokens(text, MaxInputTokens)
			tokens = countTokens(text)
		}
		total += tokens
		billable += billableChars(text)
		preds = append(preds, embeddingValue(embed(text, dim), tokens, truncated))
	}
	if total > MaxRequestTokens {
		return nil, status.Errorf(codes.InvalidArgument, "the request has %d input tokens, over the limit of %d per request", total, MaxRequestTokens)
	}
	return &aiplatformpb.PredictResponse{
		Predictions: preds,
		Metadata: structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"billableCharacterCount": structpb.NewNumberValue(float64(billable)),
		}}),
	}, nil
}

func (s *Server) readParameters(p *structpb.Value) (dim int, autoTruncate bool, err error) {
	dim, autoTruncate = s.dim, true
	if p == nil {
		return dim, autoTruncate, nil
	}
	f := p.GetStructValue().GetFields()
	if f == nil {
		if _, isNull := p.GetKind().(*structpb.Value_NullValue); isNull {
			return dim, autoTruncate, nil
		}
		return 0, false, status.Error(codes.InvalidArgument, "parameters must be an object")
	}
	for _, k := range []string{"outputDimensionality", "output_dimensionality"} {
		if v, ok := f[k]; ok {
			d := v.GetNumberValue()
			if d != math.Trunc(d) || d < 1 || d > MaxDimension {
				return 0, false, status.Errorf(codes.InvalidArgument, "parameters.outputDimensionality must be an integer between 1 and %d", MaxDimension)
			}
			dim = int(d)
		}
	}
	for _, k := range []string{"autoTruncate", "auto_truncate"} {
		if v, ok := f[k]; ok {
			b, isBool := v.GetKind().(*structpb.Value_BoolValue)
			if !isBool {
				return 0, false, status.Error(codes.InvalidArgument, "parameters.autoTruncate must be a boolean")
			}
			autoTruncate = b.BoolValue
		}
	}
	return dim, autoTruncate, nil
}

func embeddingValue(vec []float32, tokens int, truncated bool) *structpb.Value {
	vals := make([]*structpb.Value, len(vec))
	for i, x := range vec {
		vals[i] = structpb.NewNumberValue(float64(x))
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		"embeddings": structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"values": structpb.NewListValue(&structpb.ListValue{Values: vals}),
			"statistics": structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
				"token_count": structpb.NewNumberValue(float64(tokens)),
				"truncated":   structpb.NewBoolValue(truncated),
			}}),
		}}),
	}})
}

// EmbedContent embeds one content (gemini-embedding-001's own RPC).
func (s *Server) EmbedContent(ctx context.Context, req *aiplatformpb.EmbedContentRequest) (*aiplatformpb.EmbedContentResponse, error) {
	if _, err := parseModel("model", req.GetModel()); err != nil {
		return nil, err
	}
	text := partsText(req.GetContent())
	if strings.TrimSpace(text) == "" {
		return nil, status.Error(codes.InvalidArgument, "content must include text")
	}
	if t := req.GetTitle(); t != "" {
		text = t + "\n" + text
	}
	dim := s.dim
	if req.OutputDimensionality != nil {
		d := int(req.GetOutputDimensionality())
		if d < 1 || d > MaxDimension {
			return nil, status.Errorf(codes.InvalidArgument, "output_dimensionality must be between 1 and %d", MaxDimension)
		}
		dim = d
	}
	tokens := countTokens(text)
	truncated := false
	if tokens > MaxInputTokens {
		if req.AutoTruncate != nil && !req.GetAutoTruncate() {
			return nil, status.Errorf(codes.InvalidArgument, "content has %d tokens, over the limit of %d, and auto_truncate is false", tokens, MaxInputTokens)
		}
		text, truncated = truncateTokens(text, MaxInputTokens)
		tokens = countTokens(text)
	}
	return &aiplatformpb.EmbedContentResponse{
		Embedding:     &aiplatformpb.EmbedContentResponse_Embedding{Values: embed(text, dim)},
		UsageMetadata: &aiplatformpb.UsageMetadata{PromptTokenCount: int32(tokens), TotalTokenCount: int32(tokens)},
		Truncated:     truncated,
	}, nil
}

// CountTokens counts the tokens of a prompt (contents and system
// instruction) or of embedding instances, with the tokenizer that
// usageMetadata uses.
func (u *llmUtility) CountTokens(ctx context.Context, req *aiplatformpb.CountTokensRequest) (*aiplatformpb.CountTokensResponse, error) {
	if _, err := parseModel("endpoint", req.GetEndpoint()); err != nil {
		return nil, err
	}
	if req.GetModel() != "" {
		if _, err := parseModel("model", req.GetModel()); err != nil {
			return nil, err
		}
	}
	if len(req.GetContents()) == 0 && len(req.GetInstances()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "contents or instances must be set")
	}
	if len(req.GetContents()) > 0 {
		if _, _, err := readContents(req.GetSystemInstruction(), req.GetContents()); err != nil {
			return nil, err
		}
	}
	tokens := countContents(req.GetSystemInstruction(), req.GetContents())
	chars := 0
	for _, c := range append([]*aiplatformpb.Content{req.GetSystemInstruction()}, req.GetContents()...) {
		for _, p := range c.GetParts() {
			chars += billableChars(p.GetText())
		}
	}
	for _, inst := range req.GetInstances() {
		t := inst.GetStringValue()
		if f := inst.GetStructValue().GetFields(); f != nil {
			t = f["content"].GetStringValue()
		}
		tokens += countTokens(t)
		chars += billableChars(t)
	}
	return &aiplatformpb.CountTokensResponse{
		TotalTokens:             int32(tokens),
		TotalBillableCharacters: int32(chars),
		PromptTokensDetails:     []*aiplatformpb.ModalityTokenCount{{Modality: aiplatformpb.Modality_TEXT, TokenCount: int32(tokens)}},
	}, nil
}
