package journal

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/outbox"
)

// Model is what the journal asks of Vertex AI; *ai.Client implements it.
type Model interface {
	Generate(ctx context.Context, req ai.GenerateRequest) (*ai.GenerateResult, error)
	Embed(ctx context.Context, texts []string, task string) ([][]float32, error)
}

// ConsentChecker answers whether uid consented to purpose in org
// (*consentvault.Checker).
type ConsentChecker interface {
	Allowed(ctx context.Context, uid, org, purpose string) (bool, error)
}

// Defaults of Deps.
const (
	DefaultSuggestPerHour = 10
)

// Deps is what the journal needs; every field without a default is
// required (Model only by search by meaning, suggestions and the
// embedding trigger: without it they answer 503 / do nothing).
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	Outbox    *outbox.Outbox
	Consent   ConsentChecker
	Model     Model
	// EmbedModel names the embedding model (part of each vector's hash).
	EmbedModel string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SuggestPerHour bounds AI prompt suggestions per person.
	SuggestPerHour int
}

func (d Deps) check(http bool) (Deps, error) {
	var errs []error
	if d.Firestore == nil {
		errs = append(errs, errors.New("journal: Deps.Firestore is nil"))
	}
	if http {
		if d.Verifier == nil {
			errs = append(errs, errors.New("journal: Deps.Verifier is nil"))
		}
		if d.Outbox == nil {
			errs = append(errs, errors.New("journal: Deps.Outbox is nil"))
		}
		if d.Consent == nil {
			errs = append(errs, errors.New("journal: Deps.Consent is nil"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SuggestPerHour <= 0 {
		d.SuggestPerHour = DefaultSuggestPerHour
	}
	return d, nil
}
