package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/emulators/vertex"
	"pointsofyou.ai/studio/shared/ai"
)

// start runs an emulator and a client connected to it.
func start(t testing.TB, mod func(*ai.Config)) (*vertex.Server, *ai.Client) {
	t.Helper()
	srv, err := vertex.NewServer(vertex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	cfg := ai.Config{Project: "demo-test", EmulatorHost: srv.Addr, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := ai.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

var coachPassages = []ai.Passage{
	{ID: "pause-01", Text: "A pause to breathe before you reply is not lost time. In that short stillness you can notice what your body feels."},
	{ID: "courage-01", Text: "Courage rarely looks like a grand gesture. More often it is a trembling voice that speaks anyway."},
	{ID: "gratitude-01", Text: "Gratitude grows when you name small things: warm bread, a message from a friend."},
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"GOOGLE_CLOUD_PROJECT": "demo-x",
		"VERTEX_EMULATOR_HOST": "127.0.0.1:9060",
		"AI_EMBED_MODEL":       "gemini-embedding-001",
	}
	cfg := ai.FromEnv(func(k string) string { return env[k] })
	if cfg.Project != "demo-x" || cfg.Location != "europe-west1" || cfg.EmulatorHost != "127.0.0.1:9060" ||
		cfg.EmbedModel != "gemini-embedding-001" || cfg.GenerateModel != "" {
		t.Errorf("config %+v", cfg)
	}
	// A demo project must never reach Vertex AI.
	if _, err := ai.New(context.Background(), ai.Config{Project: "demo-x"}); err == nil {
		t.Error("demo project without an emulator accepted")
	}
}

func TestGenerateText(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	req := ai.GenerateRequest{
		System:   "You are a warm coach.",
		Turns:    []ai.Turn{{Text: "How can I breathe and slow down before I reply to my team?"}},
		Passages: coachPassages,
	}
	res, err := c.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("answer: %s", res.Text)
	if !res.Local || res.Model != vertex.ModelVersion || res.FinishReason != "STOP" {
		t.Errorf("model %q local %v finish %q", res.Model, res.Local, res.FinishReason)
	}
	if len(res.Sources) == 0 || res.Sources[0] != "pause-01" {
		t.Errorf("sources %v, want pause-01 first", res.Sources)
	}
	if !strings.Contains(res.Text, "[source: pause-01]") || !strings.Contains(res.Text, "?") {
		t.Errorf("answer should cite and ask: %q", res.Text)
	}
	// Non-copying: no run of six words of a passage appears in the answer.
	for _, p := range coachPassages {
		w := strings.Fields(p.Text)
		for i := 0; i+6 <= len(w); i++ {
			if strings.Contains(res.Text, strings.Join(w[i:i+6], " ")) {
				t.Errorf("answer copies %q", strings.Join(w[i:i+6], " "))
			}
		}
	}
	if res.Usage.PromptTokens <= 0 || res.Usage.OutputTokens <= 0 || res.Usage.TotalTokens != res.Usage.PromptTokens+res.Usage.OutputTokens {
		t.Errorf("usage %+v", res.Usage)
	}
	n, err := c.CountTokens(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if int64(n) != res.Usage.PromptTokens {
		t.Errorf("CountTokens %d, usage prompt %d", n, res.Usage.PromptTokens)
	}
	// Deterministic: the same request gives the same answer.
	again, err := c.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Text != res.Text {
		t.Errorf("not deterministic:\n%s\n%s", res.Text, again.Text)
	}
	if u := c.Usage(); u.TotalTokens != 2*res.Usage.TotalTokens {
		t.Errorf("running usage %+v after two calls of %+v", u, res.Usage)
	}
}

func TestGenerateLanguages(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	cases := []struct{ q, want string }{
		{"¿Cómo puedo encontrar valentía cuando me tiembla la voz?", "¿"},
		{"איך אני מוצא אומץ כשהקול שלי רועד?", "?"},
	}
	for _, tc := range cases {
		res, err := c.Generate(context.Background(), ai.GenerateRequest{
			Turns:    []ai.Turn{{Text: tc.q}},
			Passages: []ai.Passage{{ID: "c-es", Text: "La valentía es una voz temblorosa que habla de todos modos."}, {ID: "c-he", Text: "אומץ הוא קול רועד שמדבר בכל זאת."}},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s → %s", tc.q, res.Text)
		if !strings.Contains(res.Text, tc.want) || len(res.Sources) == 0 {
			t.Errorf("answer %q sources %v", res.Text, res.Sources)
		}
	}
}

func TestGenerateNoPassages(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	res, err := c.Generate(context.Background(), ai.GenerateRequest{
		System: "The participant chose a card showing an open door. They wrote that new beginnings scare them.",
		Turns:  []ai.Turn{{Text: "What could this card say about my fear of beginnings?"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("answer: %s", res.Text)
	if res.Text == "" || len(res.Sources) != 0 {
		t.Errorf("answer %q sources %v", res.Text, res.Sources)
	}
}

func TestGenerateJSON(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	jsonSchema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"reply":      map[string]any{"type": "string", "maxLength": 400},
			"question":   map[string]any{"type": "string"},
			"phase":      map[string]any{"type": "string", "enum": []string{"expand", "pause", "focus", "doing"}},
			"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1},
			"sources":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 1},
			"steps": map[string]any{"type": "array", "maxItems": 2, "items": map[string]any{
				"type": "object", "required": []string{"title", "detail"},
				"properties": map[string]any{"title": map[string]any{"type": "string"}, "detail": map[string]any{"type": "string"}},
			}},
		},
		"required":             []string{"reply", "question", "phase", "confidence", "sources", "steps"},
		"additionalProperties": false,
	}
	protoSchema := &aiplatformpb.Schema{
		Type: aiplatformpb.Type_OBJECT,
		Properties: map[string]*aiplatformpb.Schema{
			"summary":  {Type: aiplatformpb.Type_STRING},
			"phase":    {Type: aiplatformpb.Type_STRING, Enum: []string{"expand", "pause", "focus", "doing"}},
			"count":    {Type: aiplatformpb.Type_INTEGER, Minimum: 1, Maximum: 5},
			"sourceId": {Type: aiplatformpb.Type_STRING},
			"hopeful":  {Type: aiplatformpb.Type_BOOLEAN},
		},
		PropertyOrdering: []string{"summary", "phase", "count", "sourceId", "hopeful"},
		Required:         []string{"summary", "phase", "count", "sourceId", "hopeful"},
	}
	turns := []ai.Turn{{Text: "I need to pause and breathe before replying; what helps?"}}
	for name, req := range map[string]ai.GenerateRequest{
		"json schema":  {Turns: turns, Passages: coachPassages, JSONSchema: jsonSchema},
		"proto schema": {Turns: turns, Passages: coachPassages, Schema: protoSchema},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := c.Generate(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("json: %s", res.JSON)
			var v map[string]any
			if err := json.Unmarshal(res.JSON, &v); err != nil {
				t.Fatal(err)
			}
			if v["phase"] != "pause" {
				t.Errorf("phase %v, want pause", v["phase"])
			}
			if len(res.Sources) == 0 || res.Sources[0] != "pause-01" {
				t.Errorf("sources %v", res.Sources)
			}
			if req.Schema != nil {
				if !strings.HasPrefix(string(res.JSON), `{"summary":`) {
					t.Errorf("property ordering not kept: %s", res.JSON)
				}
				if n, ok := v["count"].(float64); !ok || n < 1 || n > 5 || n != math.Trunc(n) {
					t.Errorf("count %v", v["count"])
				}
				return
			}
			if len(v) != 6 {
				t.Errorf("want exactly the 6 properties, got %v", v)
			}
			if c, ok := v["confidence"].(float64); !ok || c < 0 || c > 1 {
				t.Errorf("confidence %v", v["confidence"])
			}
			if s, _ := v["sources"].([]any); len(s) == 0 {
				t.Errorf("sources %v", v["sources"])
			}
			if s, _ := v["steps"].([]any); len(s) == 0 || len(s) > 2 {
				t.Errorf("steps %v", v["steps"])
			}
			if r, _ := v["reply"].(string); len([]rune(r)) > 400 || r == "" {
				t.Errorf("reply %q", r)
			}
		})
	}
}

func TestGenerateStream(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	req := ai.GenerateRequest{Turns: []ai.Turn{{Text: "How do I find courage to speak?"}}, Passages: coachPassages}
	var chunks []string
	res, err := c.GenerateStream(context.Background(), req, func(s string) error {
		chunks = append(chunks, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := c.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 2 || strings.Join(chunks, "") != whole.Text || res.Text != whole.Text {
		t.Errorf("chunks %q vs %q", chunks, whole.Text)
	}
	if res.Usage != whole.Usage || res.FinishReason != "STOP" || len(res.Sources) == 0 || res.Sources[0] != "courage-01" {
		t.Errorf("stream result %+v", res)
	}
	stop := errors.New("stop")
	if _, err := c.GenerateStream(context.Background(), req, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
}

func TestGenerateBadInput(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	for name, req := range map[string]ai.GenerateRequest{
		"no turns":     {},
		"model last":   {Turns: []ai.Turn{{Text: "hi"}, {Role: "model", Text: "hello"}}},
		"bad role":     {Turns: []ai.Turn{{Role: "system", Text: "hi"}}},
		"bad id":       {Turns: []ai.Turn{{Text: "hi"}}, Passages: []ai.Passage{{ID: "a b", Text: "x"}}},
		"two schemas":  {Turns: []ai.Turn{{Text: "hi"}}, JSONSchema: map[string]any{}, Schema: &aiplatformpb.Schema{}},
		"bad schema":   {Turns: []ai.Turn{{Text: "hi"}}, JSONSchema: map[string]any{"type": "thing"}},
		"empty turn":   {Turns: []ai.Turn{{Text: "  "}}},
		"neg maxtoken": {Turns: []ai.Turn{{Text: "hi"}}, MaxTokens: -1},
	} {
		if _, err := c.Generate(context.Background(), req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGenerateMaxTokens(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	res, err := c.Generate(context.Background(), ai.GenerateRequest{Turns: []ai.Turn{{Text: "How do I find courage?"}}, Passages: coachPassages, MaxTokens: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.FinishReason != "MAX_TOKENS" || res.Usage.OutputTokens > 5 {
		t.Errorf("%+v", res)
	}
}

func TestEmbed(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	ctx := context.Background()
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = strings.Repeat("word ", i%7+1) + "text number " + string(rune('a'+i%26))
	}
	vecs, err := c.Embed(ctx, texts, ai.TaskRetrievalDocument)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs {
		if len(v) != vertex.DefaultDimension {
			t.Fatalf("vector %d has %d dims", i, len(v))
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-4 {
			t.Fatalf("vector %d has norm² %v", i, n)
		}
	}
	again, err := c.Embed(ctx, texts[:3], ai.TaskRetrievalDocument)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		for j := range again[i] {
			if again[i][j] != vecs[i][j] {
				t.Fatalf("embedding of text %d not deterministic", i)
			}
		}
	}
	if u := c.Usage(); u.PromptTokens <= 0 || u.OutputTokens != 0 {
		t.Errorf("usage %+v", u)
	}
	if _, err := c.Embed(ctx, []string{"a", ""}, ""); err == nil {
		t.Error("empty text accepted")
	}
	if _, err := c.Embed(ctx, []string{"a"}, "GUESS"); err == nil {
		t.Error("unknown task accepted")
	}
}

func TestEmbedBatching(t *testing.T) {
	t.Parallel()
	cases := []struct {
		model     string
		dim       int
		texts     int
		wantCalls int
	}{
		{"text-multilingual-embedding-002", 0, 300, 2},
		{"text-embedding-005", 256, 250, 1},
		{"gemini-embedding-001", 3072, 3, 3},
	}
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			t.Parallel()
			srv, c := start(t, func(cfg *ai.Config) { cfg.EmbedModel, cfg.EmbedDimension = tc.model, tc.dim })
			texts := make([]string, tc.texts)
			for i := range texts {
				texts[i] = "passage about balance and rest"
			}
			vecs, err := c.Embed(context.Background(), texts, ai.TaskRetrievalQuery)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.dim
			if want == 0 {
				want = vertex.DefaultDimension
			}
			if len(vecs) != tc.texts || len(vecs[0]) != want {
				t.Errorf("%d vectors of %d", len(vecs), len(vecs[0]))
			}
			if n := srv.Calls("Predict"); n != tc.wantCalls {
				t.Errorf("%d Predict calls, want %d", n, tc.wantCalls)
			}
		})
	}
	// Long texts are batched by tokens too: 40 texts of ~1000 tokens.
	srv, c := start(t, nil)
	long := make([]string, 40)
	for i := range long {
		long[i] = strings.Repeat("abcd ", 1000)
	}
	if _, err := c.Embed(context.Background(), long, ""); err != nil {
		t.Fatal(err)
	}
	if srv.Calls("Predict") < 2 {
		t.Error("40k tokens sent in one call")
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	req := ai.GenerateRequest{Turns: []ai.Turn{{Text: "hello"}}}
	cases := []struct {
		name      string
		code      codes.Code
		failures  int
		wantCalls int
		wantErr   bool
	}{
		{"unavailable then ok", codes.Unavailable, 2, 3, false},
		{"resource exhausted then ok", codes.ResourceExhausted, 1, 2, false},
		{"deadline exceeded then ok", codes.DeadlineExceeded, 1, 2, false},
		{"unavailable forever", codes.Unavailable, -1, 4, true},
		{"invalid argument", codes.InvalidArgument, 1, 1, true},
		{"permission denied", codes.PermissionDenied, 1, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c := start(t, nil)
			srv.InjectErrorN("GenerateContent", status.Error(tc.code, "injected"), tc.failures)
			_, err := c.Generate(ctx, req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil && status.Code(err) != tc.code {
				t.Errorf("code %v, want %v", status.Code(err), tc.code)
			}
			if n := srv.Calls("GenerateContent"); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
		})
	}
	t.Run("embed and stream", func(t *testing.T) {
		t.Parallel()
		srv, c := start(t, nil)
		srv.InjectErrorN("Predict", status.Error(codes.Unavailable, "injected"), 1)
		srv.InjectErrorN("StreamGenerateContent", status.Error(codes.Unavailable, "injected"), 1)
		if _, err := c.Embed(ctx, []string{"x"}, ""); err != nil {
			t.Error(err)
		}
		if _, err := c.GenerateStream(ctx, req, nil); err != nil {
			t.Error(err)
		}
		if srv.Calls("Predict") != 2 || srv.Calls("StreamGenerateContent") != 2 {
			t.Errorf("calls %d %d", srv.Calls("Predict"), srv.Calls("StreamGenerateContent"))
		}
	})
}

func TestTimeoutPerAttempt(t *testing.T) {
	t.Parallel()
	srv, err := vertex.NewServer(vertex.Options{Latency: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c, err := ai.New(context.Background(), ai.Config{Project: "demo-test", EmulatorHost: srv.Addr,
		Timeout: 50 * time.Millisecond, MaxAttempts: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.Generate(context.Background(), ai.GenerateRequest{Turns: []ai.Turn{{Text: "hi"}}})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("err %v", err)
	}
	if n := srv.Calls("GenerateContent"); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestUsageConcurrent(t *testing.T) {
	t.Parallel()
	_, c := start(t, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sum int64
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Generate(context.Background(), ai.GenerateRequest{Turns: []ai.Turn{{Text: "a question about rest"}}, Passages: coachPassages})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			sum += res.Usage.TotalTokens
			mu.Unlock()
		}()
	}
	wg.Wait()
	if u := c.Usage(); u.TotalTokens != sum {
		t.Errorf("usage %+v, sum %d", u, sum)
	}
}
