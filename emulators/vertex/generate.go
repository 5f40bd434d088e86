package vertex

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"pointsofyou.ai/studio/shared/ai/prompt"
)

// generation is one computed answer, shared by the unary and streaming
// RPCs.
type generation struct {
	text         string
	finish       aiplatformpb.Candidate_FinishReason
	sources      []string
	promptTokens int
	outputTokens int
	candidates   int
	responseID   string
}

// GenerateContent answers with the local model.
func (s *Server) GenerateContent(ctx context.Context, req *aiplatformpb.GenerateContentRequest) (*aiplatformpb.GenerateContentResponse, error) {
	g, err := s.generate(req)
	if err != nil {
		return nil, err
	}
	return g.response(g.text, true), nil
}

// StreamGenerateContent streams the same answer as GenerateContent in a
// few chunks; the last carries the finish reason, citations and usage.
func (s *Server) StreamGenerateContent(req *aiplatformpb.GenerateContentRequest, stream aiplatformpb.PredictionService_StreamGenerateContentServer) error {
	g, err := s.generate(req)
	if err != nil {
		return err
	}
	chunks := splitChunks(g.text, 3)
	for i, c := range chunks {
		if err := stream.Context().Err(); err != nil {
			return status.FromContextError(err).Err()
		}
		if err := stream.Send(g.response(c, i == len(chunks)-1)); err != nil {
			return err
		}
	}
	return nil
}

// splitChunks cuts s into up to n pieces at spaces (runes when there are
// none), never inside a UTF-8 sequence; the pieces concatenate to s.
func splitChunks(s string, n int) []string {
	if n <= 1 || len(s) < 2*n {
		return []string{s}
	}
	var out []string
	rest := s
	for i := n; i > 1; i-- {
		target := len(rest) / i
		cut := strings.IndexByte(rest[target:], ' ')
		if cut < 0 {
			cut = 0
			for target+cut < len(rest) && !isRuneStart(rest[target+cut]) {
				cut++
			}
		}
		cut += target
		if cut <= 0 || cut >= len(rest) {
			continue
		}
		out = append(out, rest[:cut])
		rest = rest[cut:]
	}
	return append(out, rest)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func (g *generation) response(text string, last bool) *aiplatformpb.GenerateContentResponse {
	resp := &aiplatformpb.GenerateContentResponse{
		ModelVersion: ModelVersion,
		ResponseId:   g.responseID,
	}
	for i := 0; i < g.candidates; i++ {
		c := &aiplatformpb.Candidate{
			Index:   int32(i),
			Content: &aiplatformpb.Content{Role: "model", Parts: []*aiplatformpb.Part{{Data: &aiplatformpb.Part_Text{Text: text}}}},
		}
		if last {
			c.FinishReason = g.finish
			c.CitationMetadata = g.citations()
		}
		resp.Candidates = append(resp.Candidates, c)
	}
	if last {
		out := g.outputTokens * g.candidates
		resp.UsageMetadata = &aiplatformpb.GenerateContentResponse_UsageMetadata{
			PromptTokenCount:     int32(g.promptTokens),
			CandidatesTokenCount: int32(out),
			TotalTokenCount:      int32(g.promptTokens + out),
		}
	}
	return resp
}

// citations lists each cited source; spans point at its marker in the
// text when there is one.
func (g *generation) citations() *aiplatformpb.CitationMetadata {
	if len(g.sources) == 0 {
		return nil
	}
	md := &aiplatformpb.CitationMetadata{}
	for _, id := range g.sources {
		c := &aiplatformpb.Citation{Title: id, Uri: "source:" + id}
		marker := prompt.Cite(id)
		if i := strings.Index(g.text, marker); i >= 0 {
			c.StartIndex, c.EndIndex = int32(i), int32(i+len(marker))
		}
		md.Citations = append(md.Citations, c)
	}
	return md
}

// generate validates a request like production and composes its answer.
func (s *Server) generate(req *aiplatformpb.GenerateContentRequest) (*generation, error) {
	if _, err := parseModel("model", req.GetModel()); err != nil {
		return nil, err
	}
	system, turns, err := readContents(req.GetSystemInstruction(), req.GetContents())
	if err != nil {
		return nil, err
	}
	gc := req.GetGenerationConfig()
	out, err := readOutputConfig(gc)
	if err != nil {
		return nil, err
	}
	c := compose(system, turns, s.dim)
	g := &generation{
		finish:       aiplatformpb.Candidate_STOP,
		sources:      c.sources,
		promptTokens: countContents(req.GetSystemInstruction(), req.GetContents()),
		candidates:   out.candidates,
	}
	switch {
	case out.schema != nil && out.mime == "text/x.enum":
		fc := fillCtx(c, s.dim)
		v := fc.fill(out.schema, "", 0, 0)
		g.text = fmt.Sprint(v)
	case out.schema != nil:
		b, err := fillJSON(out.schema, fillCtx(c, s.dim))
		if err != nil {
			return nil, status.Errorf(codes.Internal, "local model could not fill the schema: %v", err)
		}
		g.text = string(b)
	case out.mime == "application/json":
		// JSON without a schema: a small object like Gemini's usual shape.
		b, _ := json.Marshal(ordered{{"answer", c.text}, {"question", c.question}, {"sources", nonNil(c.sources)}})
		g.text = string(b)
	default:
		g.text = c.text
		if out.maxTokens > 0 {
			var cut bool
			if g.text, cut = truncateTokens(g.text, out.maxTokens); cut {
				g.finish = aiplatformpb.Candidate_MAX_TOKENS
			}
		}
	}
	g.outputTokens = countTokens(g.text)
	// The response id names the exact input, so identical requests get
	// identical responses.
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	g.responseID = fmt.Sprintf("local-%016x", fnvAdd(fnvOffset64, string(b)))
	return g, nil
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func fillCtx(c composed, dim int) *fillContext {
	return &fillContext{
		answer:   c.text,
		question: c.question,
		lang:     c.lang,
		score:    max(0, min(1, c.score)),
		items:    c.items,
		topic:    c.topic,
		enumVec:  c.enumVec,
		dim:      dim,
	}
}

// readContents extracts the text of the system instruction and of each
// turn; non-text parts (images, files, function calls) are ignored.
func readContents(sys *aiplatformpb.Content, contents []*aiplatformpb.Content) (string, []turn, error) {
	if len(contents) == 0 {
		return "", nil, status.Error(codes.InvalidArgument, "Unable to submit request because it must include at least one contents field.")
	}
	var turns []turn
	for i, c := range contents {
		switch c.GetRole() {
		case "", "user", "model":
		default:
			return "", nil, status.Errorf(codes.InvalidArgument, "contents[%d].role must be user or model, got %q", i, c.GetRole())
		}
		if len(c.GetParts()) == 0 {
			return "", nil, status.Errorf(codes.InvalidArgument, "Unable to submit request because contents[%d] must include at least one parts field.", i)
		}
		turns = append(turns, turn{role: c.GetRole(), text: partsText(c)})
	}
	return partsText(sys), turns, nil
}

func partsText(c *aiplatformpb.Content) string {
	var b strings.Builder
	for _, p := range c.GetParts() {
		if t := p.GetText(); t != "" && !p.GetThought() {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(t)
		}
	}
	return b.String()
}

// countContents is the prompt's token count, as CountTokens reports it.
func countContents(sys *aiplatformpb.Content, contents []*aiplatformpb.Content) int {
	n := 0
	for _, c := range append([]*aiplatformpb.Content{sys}, contents...) {
		for _, p := range c.GetParts() {
			n += countTokens(p.GetText())
		}
	}
	return n
}

type outputConfig struct {
	mime       string
	schema     *node
	maxTokens  int
	candidates int
}

func readOutputConfig(gc *aiplatformpb.GenerationConfig) (outputConfig, error) {
	oc := outputConfig{mime: gc.GetResponseMimeType(), candidates: 1}
	switch oc.mime {
	case "", "text/plain", "application/json", "text/x.enum":
	default:
		return oc, status.Errorf(codes.InvalidArgument, "response_mime_type %q is not supported; use text/plain, application/json or text/x.enum", oc.mime)
	}
	if gc == nil {
		return oc, nil
	}
	if gc.CandidateCount != nil {
		if n := gc.GetCandidateCount(); n < 1 || n > 8 {
			return oc, status.Errorf(codes.InvalidArgument, "candidate_count must be between 1 and 8, got %d", n)
		} else {
			oc.candidates = int(n)
		}
	}
	if gc.MaxOutputTokens != nil {
		if n := gc.GetMaxOutputTokens(); n < 1 {
			return oc, status.Errorf(codes.InvalidArgument, "max_output_tokens must be positive, got %d", n)
		} else {
			oc.maxTokens = int(n)
		}
	}
	if gc.Temperature != nil {
		if t := gc.GetTemperature(); t < 0 || t > 2 {
			return oc, status.Errorf(codes.InvalidArgument, "temperature must be between 0 and 2, got %v", t)
		}
	}
	hasSchema, hasJSONSchema := gc.ResponseSchema != nil, gc.ResponseJsonSchema != nil
	if hasSchema && hasJSONSchema {
		return oc, status.Error(codes.InvalidArgument, "response_schema and response_json_schema cannot both be set")
	}
	if (hasSchema || hasJSONSchema) && oc.mime != "application/json" && oc.mime != "text/x.enum" {
		return oc, status.Error(codes.InvalidArgument, "a response schema needs response_mime_type application/json or text/x.enum")
	}
	switch {
	case hasSchema:
		oc.schema = fromProto(gc.GetResponseSchema())
	case hasJSONSchema:
		n, err := fromJSON(gc.GetResponseJsonSchema().AsInterface())
		if err != nil {
			return oc, status.Errorf(codes.InvalidArgument, "response_json_schema: %v", err)
		}
		oc.schema = n
	}
	if oc.mime == "text/x.enum" && (oc.schema == nil || len(oc.schema.enum) == 0) {
		return oc, status.Error(codes.InvalidArgument, "response_mime_type text/x.enum needs a response schema with an enum")
	}
	return oc, nil
}
