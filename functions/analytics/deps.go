package analytics

import (
	"errors"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/events"
)

// Dataset is the BigQuery dataset the reports read (its views only).
const Dataset = "analytics"

// Deps is what the handlers need; every field but Now is required.
type Deps struct {
	Verifier  auth.Verifier
	Firestore *firestore.Client
	// BigQuery runs the report queries; its project is the one the views
	// live in.
	BigQuery *bigquery.Client
	// Pseudonyms compute the caller's own actor for "me".
	Pseudonyms *events.Pseudonymizer
	// Now is the clock (default time.Now); the cache's day is its UTC date.
	Now func() time.Time
}

func (d Deps) check() (Deps, error) {
	var errs []error
	if d.Verifier == nil {
		errs = append(errs, errors.New("analytics: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("analytics: Deps.Firestore is nil"))
	}
	if d.BigQuery == nil {
		errs = append(errs, errors.New("analytics: Deps.BigQuery is nil"))
	}
	if d.Pseudonyms == nil {
		errs = append(errs, errors.New("analytics: Deps.Pseudonyms is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d, nil
}
