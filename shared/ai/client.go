// Package ai is the platform's thin client for Vertex AI: Gemini
// generation grounded in retrieved passages, multilingual text embeddings
// and token counting, through Google's cloud.google.com/go/aiplatform
// (apiv1).
//
// The same code runs against Vertex AI and against the local emulator
// (emulators/vertex): with VERTEX_EMULATOR_HOST set, New dials it over
// insecure gRPC without credentials; otherwise it dials
// {location}-aiplatform.googleapis.com:443 with Application Default
// Credentials.
//
// Passages travel in the prompt with the convention of package
// shared/ai/prompt: a "Sources:" block of "[source: ID] text" entries in
// the last user turn, and a system rule asking the model to cite each
// source it uses as [source: ID]. Generate reads the citations back and
// reports the ids (only ids of passages it sent) in GenerateResult.Sources.
//
// Every call gets a per-attempt timeout and is retried with exponential
// backoff and jitter on Unavailable, ResourceExhausted and
// DeadlineExceeded only. Tokens used are added to a running total per
// Client (Usage), safe for concurrent use.
package ai

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"time"

	aiplatform "cloud.google.com/go/aiplatform/apiv1"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/config"
)

// Environment variables read by FromEnv (besides shared/config's).
const (
	EnvGenerateModel = "AI_GENERATE_MODEL"
	EnvEmbedModel    = "AI_EMBED_MODEL"
	EnvLocation      = "AI_LOCATION" // overrides the function's region
)

// Default models.
const (
	DefaultGenerateModel = "gemini-2.5-flash"
	DefaultEmbedModel    = "text-multilingual-embedding-002"
)

// Config says where and how to reach Vertex AI.
type Config struct {
	Project  string
	Location string // default config.DefaultRegion
	// EmulatorHost is the local emulator's host:port; empty means Vertex AI.
	EmulatorHost string
	// Endpoint overrides the API endpoint (host:port) for Vertex AI.
	Endpoint      string
	GenerateModel string // default DefaultGenerateModel
	EmbedModel    string // default DefaultEmbedModel
	// EmbedDimension asks for shorter embeddings (outputDimensionality);
	// zero keeps the model's size.
	EmbedDimension int
	// Timeout bounds each attempt of a call; default 60s.
	Timeout time.Duration
	// MaxAttempts is the number of tries of a retryable call; default 4.
	MaxAttempts int
	// Backoff is the delay before the first retry, doubled after each
	// failure up to MaxBackoff; defaults 250ms and 8s.
	Backoff, MaxBackoff time.Duration
	// ClientOptions are passed to the aiplatform clients after ours
	// (credentials, a custom dialer, …).
	ClientOptions []option.ClientOption
}

// FromEnv builds a Config from the environment (lookup defaults to
// os.Getenv): project and region from shared/config, VERTEX_EMULATOR_HOST,
// AI_LOCATION, AI_GENERATE_MODEL and AI_EMBED_MODEL.
func FromEnv(lookup func(string) string) Config {
	if lookup == nil {
		lookup = os.Getenv
	}
	c := config.FromEnv(lookup)
	cfg := Config{
		Project:       c.Project,
		Location:      c.Region,
		EmulatorHost:  c.VertexHost,
		GenerateModel: strings.TrimSpace(lookup(EnvGenerateModel)),
		EmbedModel:    strings.TrimSpace(lookup(EnvEmbedModel)),
	}
	if l := strings.TrimSpace(lookup(EnvLocation)); l != "" {
		cfg.Location = l
	}
	return cfg
}

func (c *Config) defaults() error {
	if c.Project == "" {
		return errors.New("ai: Config.Project is required")
	}
	if c.Location == "" {
		c.Location = config.DefaultRegion
	}
	if c.GenerateModel == "" {
		c.GenerateModel = DefaultGenerateModel
	}
	if c.EmbedModel == "" {
		c.EmbedModel = DefaultEmbedModel
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.Backoff <= 0 {
		c.Backoff = 250 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 8 * time.Second
	}
	if c.EmbedDimension < 0 {
		return errors.New("ai: Config.EmbedDimension must not be negative")
	}
	if strings.HasPrefix(c.Project, "demo-") && c.EmulatorHost == "" {
		return fmt.Errorf("ai: project %q is a demo project but %s is not set", c.Project, config.EnvVertexHost)
	}
	return nil
}

// Usage counts tokens.
type Usage struct {
	PromptTokens int64 // input of generation, and every embedded text
	OutputTokens int64
	TotalTokens  int64
}

// Client calls Vertex AI (or its local emulator). It is safe for
// concurrent use; Close releases its connections.
type Client struct {
	cfg  Config
	pred *aiplatform.PredictionClient
	util *aiplatform.LlmUtilityClient

	prompt, output, total atomic.Int64
}

// New connects to Vertex AI or, when cfg.EmulatorHost is set, to the
// local emulator.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	var opts []option.ClientOption
	switch {
	case cfg.EmulatorHost != "":
		opts = append(opts,
			option.WithEndpoint(cfg.EmulatorHost),
			option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
		)
	case cfg.Endpoint != "":
		opts = append(opts, option.WithEndpoint(cfg.Endpoint))
	case cfg.Location == "global":
		opts = append(opts, option.WithEndpoint("aiplatform.googleapis.com:443"))
	default:
		opts = append(opts, option.WithEndpoint(cfg.Location+"-aiplatform.googleapis.com:443"))
	}
	opts = append(opts, cfg.ClientOptions...)
	pred, err := aiplatform.NewPredictionClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("ai: prediction client: %w", err)
	}
	util, err := aiplatform.NewLlmUtilityClient(ctx, opts...)
	if err != nil {
		pred.Close()
		return nil, fmt.Errorf("ai: llm utility client: %w", err)
	}
	return &Client{cfg: cfg, pred: pred, util: util}, nil
}

// Close releases the client's connections.
func (c *Client) Close() error {
	return errors.Join(c.pred.Close(), c.util.Close())
}

// Config returns the effective configuration (defaults applied).
func (c *Client) Config() Config { return c.cfg }

// Usage returns the tokens used by this client so far.
func (c *Client) Usage() Usage {
	return Usage{PromptTokens: c.prompt.Load(), OutputTokens: c.output.Load(), TotalTokens: c.total.Load()}
}

func (c *Client) account(u Usage) {
	c.prompt.Add(u.PromptTokens)
	c.output.Add(u.OutputTokens)
	c.total.Add(u.TotalTokens)
}

// modelName expands a model id to its full resource name; a full name is
// kept as given.
func (c *Client) modelName(id string) string {
	if strings.HasPrefix(id, "projects/") {
		return id
	}
	return "projects/" + c.cfg.Project + "/locations/" + c.cfg.Location + "/publishers/google/models/" + id
}

// Retryable reports whether a call that failed with err may succeed when
// tried again.
func Retryable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded:
		return true
	}
	return false
}

// retry runs fn with a per-attempt timeout until it succeeds, fails with
// an error that is not retryable, runs out of attempts, or ctx ends.
func (c *Client) retry(ctx context.Context, fn func(ctx context.Context) error) error {
	delay := c.cfg.Backoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		err := fn(actx)
		cancel()
		if err == nil || attempt >= c.cfg.MaxAttempts || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		// Equal jitter: half fixed, half random, so clients that failed
		// together do not retry together.
		d := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		delay = min(2*delay, c.cfg.MaxBackoff)
	}
}
