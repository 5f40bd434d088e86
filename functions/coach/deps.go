package coach

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/outbox"
)

// Model is what the coach asks of Vertex AI; *ai.Client implements it.
type Model interface {
	Generate(ctx context.Context, req ai.GenerateRequest) (*ai.GenerateResult, error)
	GenerateStream(ctx context.Context, req ai.GenerateRequest, onChunk func(string) error) (*ai.GenerateResult, error)
	Embed(ctx context.Context, texts []string, task string) ([][]float32, error)
}

// ConsentChecker answers whether uid consented to purpose in org
// (*consentvault.Checker).
type ConsentChecker interface {
	Allowed(ctx context.Context, uid, org, purpose string) (bool, error)
}

// Journal gives the coach journal context of a person who consented to
// coach_memory: short texts, newest first (the platform wires the
// journal's Firestore entries; nil means none).
type Journal interface {
	Context(ctx context.Context, uid string, max int) ([]string, error)
}

// Defaults of Deps.
const (
	DefaultHistoryTurns   = 10
	DefaultMemoryConvs    = 3
	DefaultPassages       = 4
	DefaultNamesTTL       = time.Minute
	DefaultCopilotEvery   = 30 * time.Second
	DefaultRetention      = 365 * 24 * time.Hour
	DefaultMaxAnswerChars = 4000
)

// Deps is what the coach needs. Every field without a default is
// required; StreamURL by the HTTP API, AllowedOrigins by the stream.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	Outbox    *outbox.Outbox
	Consent   ConsentChecker
	Model     Model
	// Journal is the journal part of coach memory (nil: none).
	Journal Journal
	// StreamURL is the coach-stream service's base URL (GET /v1/config).
	StreamURL string
	// AllowedOrigins may call the stream from a browser (CORS).
	AllowedOrigins []string
	// LoopbackAliases also allows the other loopback spellings of an
	// allowed loopback origin (the local suite).
	LoopbackAliases bool
	// Now is the clock (default time.Now); NewID makes document ids.
	Now   func() time.Time
	NewID func() string
	// HistoryTurns is how many turns of the conversation go to the model;
	// MemoryConvs how many earlier conversations coach memory summarises;
	// Passages how many library items the prompt carries.
	HistoryTurns, MemoryConvs, Passages int
	// NamesTTL is how long an organisation's people's names are cached.
	NamesTTL time.Duration
	// CopilotEvery is the least time between two new copilot suggestions
	// of one session.
	CopilotEvery time.Duration
	// Retention is how long messages are kept (expire_at, Firestore TTL).
	Retention time.Duration
}

func (d Deps) check() (Deps, error) {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("coach: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("coach: Deps.Firestore is nil"))
	}
	if d.Outbox == nil {
		errs = append(errs, errors.New("coach: Deps.Outbox is nil"))
	}
	if d.Consent == nil {
		errs = append(errs, errors.New("coach: Deps.Consent is nil"))
	}
	if d.Model == nil {
		errs = append(errs, errors.New("coach: Deps.Model is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = newID
	}
	if d.HistoryTurns <= 0 {
		d.HistoryTurns = DefaultHistoryTurns
	}
	if d.MemoryConvs <= 0 {
		d.MemoryConvs = DefaultMemoryConvs
	}
	if d.Passages <= 0 {
		d.Passages = DefaultPassages
	}
	if d.NamesTTL <= 0 {
		d.NamesTTL = DefaultNamesTTL
	}
	if d.CopilotEvery <= 0 {
		d.CopilotEvery = DefaultCopilotEvery
	}
	if d.Retention <= 0 {
		d.Retention = DefaultRetention
	}
	return d, nil
}
