package journeys

import (
	"errors"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/outbox"
)

// Deps is what the handlers need; Verifier, Firestore and Outbox are required.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	// Outbox records the journey events in the transaction of the change
	// (shared/outbox); the relay publishes them.
	Outbox *outbox.Outbox
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID makes journey and template ids (default uuid); NewElementID
	// makes element ids (default journey.NewElementID).
	NewID        func() string
	NewElementID func() string
}

func (d Deps) check() (Deps, error) {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("journeys: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("journeys: Deps.Firestore is nil"))
	}
	if d.Outbox == nil {
		errs = append(errs, errors.New("journeys: Deps.Outbox is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = newUUID
	}
	if d.NewElementID == nil {
		d.NewElementID = journey.NewElementID
	}
	return d, nil
}
