package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/types/known/structpb"

	"pointsofyou.ai/studio/shared/ai/prompt"
)

// Passage is a piece of retrieved content the model may use and cite.
type Passage = prompt.Passage

// Turn is one message of a conversation: Role "user" (or empty) or
// "model".
type Turn struct {
	Role string
	Text string
}

// GenerateRequest is one generation. The last turn must be the user's.
type GenerateRequest struct {
	System   string
	Turns    []Turn
	Passages []Passage
	// JSONSchema (a JSON Schema document) or Schema (Vertex's own schema
	// type) asks for a JSON answer valid against it; set at most one.
	JSONSchema map[string]any
	Schema     *aiplatformpb.Schema
	// MaxTokens bounds the answer; zero keeps the model's limit.
	MaxTokens int
	// Temperature; zero keeps the model's default.
	Temperature float32
	// Model overrides Config.GenerateModel for this call.
	Model string
}

// GenerateResult is a model's answer.
type GenerateResult struct {
	Text string
	// JSON is the answer as JSON when a schema was given (checked to be
	// valid JSON).
	JSON []byte
	// Sources are the ids of the passages the answer cites, in order of
	// first citation; ids that were not sent are dropped.
	Sources []string
	Usage   Usage
	// Model is the version of the model that answered.
	Model string
	// Local is true when the local deterministic model answered.
	Local bool
	// FinishReason is Vertex's reason ("STOP", "MAX_TOKENS", …).
	FinishReason string
}

// ErrBlocked is returned when the model produced no answer for a reason
// other than finishing normally (safety, recitation, …).
var ErrBlocked = errors.New("ai: the model returned no answer")

// Generate asks the generation model for one answer.
func (c *Client) Generate(ctx context.Context, req GenerateRequest) (*GenerateResult, error) {
	greq, err := c.buildRequest(req)
	if err != nil {
		return nil, err
	}
	var resp *aiplatformpb.GenerateContentResponse
	err = c.retry(ctx, func(ctx context.Context) error {
		var err error
		resp, err = c.pred.GenerateContent(ctx, greq)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ai: generate: %w", err)
	}
	var text strings.Builder
	text.WriteString(candidateText(resp))
	return c.finish(req, &text, []*aiplatformpb.GenerateContentResponse{resp})
}

// GenerateStream is Generate with the answer delivered in pieces to
// onChunk as they arrive; the full result is returned at the end. An error
// from onChunk stops the stream and is returned. A call is retried only
// if it fails before its first piece.
func (c *Client) GenerateStream(ctx context.Context, req GenerateRequest, onChunk func(text string) error) (*GenerateResult, error) {
	greq, err := c.buildRequest(req)
	if err != nil {
		return nil, err
	}
	var (
		text  strings.Builder
		resps []*aiplatformpb.GenerateContentResponse
	)
	err = c.retry(ctx, func(ctx context.Context) error {
		stream, err := c.pred.StreamGenerateContent(ctx, greq)
		if err != nil {
			return err
		}
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				if len(resps) > 0 {
					return &noRetry{err}
				}
				return err
			}
			resps = append(resps, resp)
			piece := candidateText(resp)
			text.WriteString(piece)
			if piece != "" && onChunk != nil {
				if err := onChunk(piece); err != nil {
					return &noRetry{err}
				}
			}
		}
	})
	var nr *noRetry
	if errors.As(err, &nr) {
		err = nr.err
	}
	if err != nil {
		return nil, fmt.Errorf("ai: generate stream: %w", err)
	}
	return c.finish(req, &text, resps)
}

// noRetry wraps an error that happened after part of a stream was
// delivered: retrying would deliver it twice.
type noRetry struct{ err error }

func (e *noRetry) Error() string { return e.err.Error() }

func candidateText(resp *aiplatformpb.GenerateContentResponse) string {
	if len(resp.GetCandidates()) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range resp.GetCandidates()[0].GetContent().GetParts() {
		if !p.GetThought() {
			b.WriteString(p.GetText())
		}
	}
	return b.String()
}

// finish turns the responses of one call into a result and accounts its
// usage.
func (c *Client) finish(req GenerateRequest, text *strings.Builder, resps []*aiplatformpb.GenerateContentResponse) (*GenerateResult, error) {
	res := &GenerateResult{Text: text.String()}
	var cites []*aiplatformpb.Citation
	for _, r := range resps {
		if r.GetModelVersion() != "" {
			res.Model = r.GetModelVersion()
		}
		if u := r.GetUsageMetadata(); u != nil {
			// Later chunks repeat and extend the counts: keep the last.
			res.Usage = Usage{
				PromptTokens: int64(u.GetPromptTokenCount()),
				OutputTokens: int64(u.GetCandidatesTokenCount()),
				TotalTokens:  int64(u.GetTotalTokenCount()),
			}
		}
		for _, cand := range r.GetCandidates() {
			if cand.GetIndex() != 0 {
				continue
			}
			if f := cand.GetFinishReason(); f != aiplatformpb.Candidate_FINISH_REASON_UNSPECIFIED {
				res.FinishReason = f.String()
			}
			cites = append(cites, cand.GetCitationMetadata().GetCitations()...)
		}
	}
	res.Local = strings.HasPrefix(res.Model, "local-")
	c.account(res.Usage)
	if res.Text == "" && res.FinishReason != "" && res.FinishReason != "STOP" {
		return res, fmt.Errorf("%w (finish reason %s)", ErrBlocked, res.FinishReason)
	}
	res.Sources = sources(req.Passages, res.Text, cites)
	if req.JSONSchema != nil || req.Schema != nil {
		if !json.Valid([]byte(res.Text)) {
			return res, fmt.Errorf("ai: the model's answer is not valid JSON (finish reason %s)", res.FinishReason)
		}
		res.JSON = []byte(res.Text)
	}
	return res, nil
}

// sources collects the cited passage ids: inline markers, citation
// metadata, and (for JSON answers) string values equal to an id.
func sources(passages []Passage, text string, cites []*aiplatformpb.Citation) []string {
	known := map[string]bool{}
	for _, p := range passages {
		known[p.ID] = true
	}
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if known[id] && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range prompt.Citations(text) {
		add(id)
	}
	for _, ct := range cites {
		add(ct.GetTitle())
		add(strings.TrimPrefix(ct.GetUri(), "source:"))
	}
	var v any
	if json.Unmarshal([]byte(text), &v) == nil {
		walkStrings(v, func(s string) {
			add(strings.TrimSpace(s))
			for _, id := range prompt.Citations(s) {
				add(id)
			}
		})
	}
	return out
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		// Sorted keys would only matter for order; ids found in markers
		// and metadata come first anyway, and Go randomises map order,
		// so walk keys in a stable order.
		for _, k := range sortedKeys(x) {
			walkStrings(x[k], fn)
		}
	}
}

// buildRequest renders a GenerateRequest in Vertex's terms. It is also
// the prompt CountTokens counts.
func (c *Client) buildRequest(req GenerateRequest) (*aiplatformpb.GenerateContentRequest, error) {
	if len(req.Turns) == 0 {
		return nil, errors.New("ai: a request needs at least one turn")
	}
	if req.JSONSchema != nil && req.Schema != nil {
		return nil, errors.New("ai: set JSONSchema or Schema, not both")
	}
	if req.MaxTokens < 0 {
		return nil, errors.New("ai: MaxTokens must not be negative")
	}
	last := len(req.Turns) - 1
	contents := make([]*aiplatformpb.Content, 0, len(req.Turns))
	for i, t := range req.Turns {
		role := t.Role
		switch role {
		case "", "user":
			role = "user"
		case "model":
			if i == last {
				return nil, errors.New("ai: the last turn must be the user's")
			}
		default:
			return nil, fmt.Errorf("ai: turn %d has role %q; want user or model", i, t.Role)
		}
		if strings.TrimSpace(t.Text) == "" {
			return nil, fmt.Errorf("ai: turn %d is empty", i)
		}
		content := &aiplatformpb.Content{Role: role}
		if i == last && len(req.Passages) > 0 {
			block, err := prompt.Format(req.Passages)
			if err != nil {
				return nil, fmt.Errorf("ai: %w", err)
			}
			content.Parts = append(content.Parts, textPart(block))
		}
		content.Parts = append(content.Parts, textPart(t.Text))
		contents = append(contents, content)
	}
	model := req.Model
	if model == "" {
		model = c.cfg.GenerateModel
	}
	greq := &aiplatformpb.GenerateContentRequest{Model: c.modelName(model), Contents: contents}
	system := strings.TrimSpace(req.System)
	if len(req.Passages) > 0 {
		system = strings.TrimSpace(system + "\n\n" + prompt.SystemRule)
	}
	if system != "" {
		greq.SystemInstruction = &aiplatformpb.Content{Role: "system", Parts: []*aiplatformpb.Part{textPart(system)}}
	}
	gc := &aiplatformpb.GenerationConfig{}
	if req.MaxTokens > 0 {
		n := int32(req.MaxTokens)
		gc.MaxOutputTokens = &n
	}
	if req.Temperature != 0 {
		t := req.Temperature
		gc.Temperature = &t
	}
	switch {
	case req.Schema != nil:
		gc.ResponseMimeType = "application/json"
		gc.ResponseSchema = req.Schema
	case req.JSONSchema != nil:
		v, err := toStructValue(req.JSONSchema)
		if err != nil {
			return nil, fmt.Errorf("ai: JSONSchema: %w", err)
		}
		gc.ResponseMimeType = "application/json"
		gc.ResponseJsonSchema = v
	}
	greq.GenerationConfig = gc
	return greq, nil
}

func textPart(s string) *aiplatformpb.Part {
	return &aiplatformpb.Part{Data: &aiplatformpb.Part_Text{Text: s}}
}

// toStructValue converts any JSON-shaped Go value ([]string, ints,
// nested maps …) through its JSON form, which structpb accepts.
func toStructValue(v any) (*structpb.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	return structpb.NewValue(generic)
}

// CountTokens counts the tokens of the prompt Generate would send for req.
func (c *Client) CountTokens(ctx context.Context, req GenerateRequest) (int, error) {
	greq, err := c.buildRequest(req)
	if err != nil {
		return 0, err
	}
	creq := &aiplatformpb.CountTokensRequest{
		Endpoint:          greq.Model,
		Model:             greq.Model,
		Contents:          greq.Contents,
		SystemInstruction: greq.SystemInstruction,
	}
	var resp *aiplatformpb.CountTokensResponse
	err = c.retry(ctx, func(ctx context.Context) error {
		var err error
		resp, err = c.util.CountTokens(ctx, creq)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ai: count tokens: %w", err)
	}
	return int(resp.GetTotalTokens()), nil
}
