package insights

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/insights"
)

// Model is what the insights ask of Vertex AI; *ai.Client implements it.
type Model interface {
	Generate(ctx context.Context, req ai.GenerateRequest) (*ai.GenerateResult, error)
}

// Defaults of Deps.
const (
	DefaultWindow       = 150 * time.Millisecond
	DefaultMinGap       = time.Second
	DefaultModelTimeout = 4 * time.Second
	DefaultPollTimeout  = 25 * time.Second
	DefaultCatchUp      = 4
	DefaultThemesTTL    = 10 * time.Minute
)

// Deps is what the insights need. Firestore is required by every entry
// point, Verifier by the HTTP API; Model may be nil (fallback texts only).
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	Model     Model
	// Config holds the engine's thresholds (default insights.DefaultConfig).
	Config *insights.Config
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Window is how long a session's events gather before a flush;
	// MinGap the least time between two flushes of one session.
	Window, MinGap time.Duration
	// ModelTimeout bounds one model call; PollTimeout the long poll.
	ModelTimeout, PollTimeout time.Duration
	// CatchUp bounds the extra flushes for events whose op-log entry was
	// not written yet.
	CatchUp int
	// ThemesTTL is how long a library item's themes are cached.
	ThemesTTL time.Duration
}

func (d Deps) check(http bool) (Deps, error) {
	var errs []error
	if d.Firestore == nil {
		errs = append(errs, errors.New("insights: Deps.Firestore is nil"))
	}
	if http && d.Verifier == nil {
		errs = append(errs, errors.New("insights: Deps.Verifier is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Config == nil {
		c := insights.DefaultConfig()
		d.Config = &c
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Window <= 0 {
		d.Window = DefaultWindow
	}
	if d.MinGap <= 0 {
		d.MinGap = DefaultMinGap
	}
	if d.ModelTimeout <= 0 {
		d.ModelTimeout = DefaultModelTimeout
	}
	if d.PollTimeout <= 0 {
		d.PollTimeout = DefaultPollTimeout
	}
	if d.CatchUp <= 0 {
		d.CatchUp = DefaultCatchUp
	}
	if d.ThemesTTL <= 0 {
		d.ThemesTTL = DefaultThemesTTL
	}
	return d, nil
}
