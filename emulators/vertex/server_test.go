package vertex_test

import (
	"context"
	"io"
	"strings"
	"testing"

	aiplatform "cloud.google.com/go/aiplatform/apiv1"
	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"pointsofyou.ai/studio/emulators/vertex"
)

const (
	gemini = "projects/demo-p/locations/europe-west1/publishers/google/models/gemini-2.5-flash"
	embedM = "projects/demo-p/locations/europe-west1/publishers/google/models/text-embedding-005"
)

func clients(t *testing.T) (*vertex.Server, *aiplatform.PredictionClient, *aiplatform.LlmUtilityClient) {
	t.Helper()
	srv, err := vertex.NewServer(vertex.Options{Dimension: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	opts := []option.ClientOption{option.WithEndpoint(srv.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
	ctx := context.Background()
	pc, err := aiplatform.NewPredictionClient(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	uc, err := aiplatform.NewLlmUtilityClient(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = uc.Close() })
	return srv, pc, uc
}

func userText(s string) []*aiplatformpb.Content {
	return []*aiplatformpb.Content{{Role: "user", Parts: []*aiplatformpb.Part{{Data: &aiplatformpb.Part_Text{Text: s}}}}}
}

func instance(t *testing.T, m map[string]any) *structpb.Value {
	v, err := structpb.NewValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGenerateContentWire(t *testing.T) {
	t.Parallel()
	_, pc, uc := clients(t)
	ctx := context.Background()
	req := &aiplatformpb.GenerateContentRequest{Model: gemini, Contents: userText("[source: a] Rest refills the well.\n\nHow do I rest well?")}
	r1, err := pc.GenerateContent(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := pc.GenerateContent(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := proto.Marshal(r1)
	b2, _ := proto.Marshal(r2)
	if string(b1) != string(b2) {
		t.Error("responses differ byte for byte")
	}
	c := r1.GetCandidates()[0]
	if r1.GetModelVersion() != vertex.ModelVersion || c.GetFinishReason() != aiplatformpb.Candidate_STOP ||
		c.GetCitationMetadata().GetCitations()[0].GetTitle() != "a" || r1.GetUsageMetadata().GetTotalTokenCount() == 0 {
		t.Errorf("response %v", r1)
	}
	ct, err := uc.CountTokens(ctx, &aiplatformpb.CountTokensRequest{Endpoint: gemini, Contents: req.Contents})
	if err != nil {
		t.Fatal(err)
	}
	if ct.GetTotalTokens() != r1.GetUsageMetadata().GetPromptTokenCount() {
		t.Errorf("count %d vs usage %d", ct.GetTotalTokens(), r1.GetUsageMetadata().GetPromptTokenCount())
	}

	stream, err := pc.StreamGenerateContent(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	n := 0
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		text.WriteString(r.GetCandidates()[0].GetContent().GetParts()[0].GetText())
	}
	if n < 2 || text.String() != c.GetContent().GetParts()[0].GetText() {
		t.Errorf("%d chunks, %q", n, text.String())
	}

	enum, err := pc.GenerateContent(ctx, &aiplatformpb.GenerateContentRequest{Model: gemini, Contents: userText("I feel tired and need rest"),
		GenerationConfig: &aiplatformpb.GenerationConfig{ResponseMimeType: "text/x.enum",
			ResponseSchema: &aiplatformpb.Schema{Type: aiplatformpb.Type_STRING, Enum: []string{"joy", "rest", "anger"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := enum.GetCandidates()[0].GetContent().GetParts()[0].GetText(); got != "rest" {
		t.Errorf("enum %q", got)
	}
}

func TestPredictWire(t *testing.T) {
	t.Parallel()
	_, pc, _ := clients(t)
	ctx := context.Background()
	resp, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM,
		Instances:  []*structpb.Value{instance(t, map[string]any{"content": "balance", "task_type": "RETRIEVAL_QUERY"})},
		Parameters: instance(t, map[string]any{"outputDimensionality": 16})})
	if err != nil {
		t.Fatal(err)
	}
	emb := resp.GetPredictions()[0].GetStructValue().GetFields()["embeddings"].GetStructValue().GetFields()
	if len(emb["values"].GetListValue().GetValues()) != 16 ||
		emb["statistics"].GetStructValue().GetFields()["token_count"].GetNumberValue() != 2 {
		t.Errorf("prediction %v", resp.GetPredictions()[0])
	}
	ec, err := pc.EmbedContent(ctx, &aiplatformpb.EmbedContentRequest{Model: proto.String(strings.Replace(embedM, "text-embedding-005", "gemini-embedding-001", 1)),
		Content: userText("balance")[0], OutputDimensionality: proto.Int32(3072)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ec.GetEmbedding().GetValues()) != 3072 {
		t.Errorf("EmbedContent %d values", len(ec.GetEmbedding().GetValues()))
	}
}

func TestInvalidArgument(t *testing.T) {
	t.Parallel()
	_, pc, uc := clients(t)
	ctx := context.Background()
	many := make([]*structpb.Value, 251)
	for i := range many {
		many[i] = instance(t, map[string]any{"content": "x"})
	}
	long := instance(t, map[string]any{"content": strings.Repeat("word ", 3000)})
	calls := map[string]func() error{
		"bad model": func() error {
			_, err := pc.GenerateContent(ctx, &aiplatformpb.GenerateContentRequest{Model: "gemini", Contents: userText("hi")})
			return err
		},
		"no contents": func() error {
			_, err := pc.GenerateContent(ctx, &aiplatformpb.GenerateContentRequest{Model: gemini})
			return err
		},
		"bad role": func() error {
			c := userText("hi")
			c[0].Role = "system"
			_, err := pc.GenerateContent(ctx, &aiplatformpb.GenerateContentRequest{Model: gemini, Contents: c})
			return err
		},
		"schema without json": func() error {
			_, err := pc.GenerateContent(ctx, &aiplatformpb.GenerateContentRequest{Model: gemini, Contents: userText("hi"),
				GenerationConfig: &aiplatformpb.GenerationConfig{ResponseSchema: &aiplatformpb.Schema{Type: aiplatformpb.Type_STRING}}})
			return err
		},
		"bad mime": func() error {
			_, err := pc.GenerateContent(ctx, &aiplatformpb.GenerateContentRequest{Model: gemini, Contents: userText("hi"),
				GenerationConfig: &aiplatformpb.GenerationConfig{ResponseMimeType: "image/png"}})
			return err
		},
		"too many instances": func() error {
			_, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: many})
			return err
		},
		"empty content": func() error {
			_, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: []*structpb.Value{instance(t, map[string]any{"content": ""})}})
			return err
		},
		"bad task": func() error {
			_, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: []*structpb.Value{instance(t, map[string]any{"content": "x", "task_type": "NOPE"})}})
			return err
		},
		"bad dimension": func() error {
			_, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: many[:1], Parameters: instance(t, map[string]any{"outputDimensionality": 0.5})})
			return err
		},
		"too long, no truncation": func() error {
			_, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: []*structpb.Value{long}, Parameters: instance(t, map[string]any{"autoTruncate": false})})
			return err
		},
		"count nothing": func() error {
			_, err := uc.CountTokens(ctx, &aiplatformpb.CountTokensRequest{Endpoint: gemini})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
		}
	}
	// Too long with autoTruncate (the default): truncated and reported.
	resp, err := pc.Predict(ctx, &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: []*structpb.Value{long}})
	if err != nil {
		t.Fatal(err)
	}
	st := resp.GetPredictions()[0].GetStructValue().GetFields()["embeddings"].GetStructValue().GetFields()["statistics"].GetStructValue().GetFields()
	if !st["truncated"].GetBoolValue() || st["token_count"].GetNumberValue() != vertex.MaxInputTokens {
		t.Errorf("statistics %v", st)
	}
}

func TestInjectError(t *testing.T) {
	t.Parallel()
	srv, pc, _ := clients(t)
	srv.InjectError("/google.cloud.aiplatform.v1.PredictionService/Predict", status.Error(codes.Internal, "boom"))
	req := &aiplatformpb.PredictRequest{Endpoint: embedM, Instances: []*structpb.Value{instance(t, map[string]any{"content": "x"})}}
	for i := 0; i < 2; i++ {
		if _, err := pc.Predict(context.Background(), req); status.Code(err) != codes.Internal {
			t.Fatalf("err %v", err)
		}
	}
	srv.InjectError("Predict", nil)
	if _, err := pc.Predict(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if srv.Calls("Predict") != 3 {
		t.Errorf("calls %d", srv.Calls("Predict"))
	}
}
