package consent

import (
	"context"
	"errors"
	"slices"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	fbauth "firebase.google.com/go/v4/auth"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/platform"
	"pointsofyou.ai/studio/shared/privacy"
)

// AdminAuth is the part of the Admin SDK's *auth.Client the function uses.
type AdminAuth interface {
	GetUser(ctx context.Context, uid string) (*fbauth.UserRecord, error)
	RevokeRefreshTokens(ctx context.Context, uid string) error
	DeleteUser(ctx context.Context, uid string) error
}

// Signer signs the V4 download URL of an export (shared/platform).
type Signer = platform.Signer

// Deps is what the function needs. Firestore, Storage, BigQuery, Admin,
// Pseudonyms and BucketName are required; Verifier only by the HTTP API.
type Deps struct {
	Verifier   auth.Verifier
	Firestore  *firestore.Client
	Storage    *storage.Client
	BigQuery   *bigquery.Client
	Admin      AdminAuth
	Pseudonyms *events.Pseudonymizer
	// BucketName maps a logical bucket (infra/topology.yaml) to its name.
	BucketName func(logical string) string
	// Outbox, when set, records privacy.request_completed events with the
	// request's completion (shared/outbox).
	Outbox *outbox.Outbox
	// Checker, when set, is told about this instance's own consent
	// changes at once (other instances learn through their listener).
	Checker *consentvault.Checker
	// Registry of personal-data holders (default privacy.Standard()).
	Registry *privacy.Registry
	Signer   Signer
	// PolicyAdmins may publish policy texts (platform staff, by uid).
	PolicyAdmins []string
	// URLTTL is the lifetime of an export's download URL (default 15 min).
	URLTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time

	// interrupt, in tests, fails an erasure after the named holder.
	interrupt func(holder string) error
}

func (d Deps) check(needVerifier bool) (Deps, error) {
	var errs []error
	if needVerifier && d.Verifier == nil {
		errs = append(errs, errors.New("consent: Deps.Verifier is nil"))
	}
	if d.Firestore == nil {
		errs = append(errs, errors.New("consent: Deps.Firestore is nil"))
	}
	if d.Storage == nil {
		errs = append(errs, errors.New("consent: Deps.Storage is nil"))
	}
	if d.BigQuery == nil {
		errs = append(errs, errors.New("consent: Deps.BigQuery is nil"))
	}
	if d.Admin == nil {
		errs = append(errs, errors.New("consent: Deps.Admin is nil"))
	}
	if d.Pseudonyms == nil {
		errs = append(errs, errors.New("consent: Deps.Pseudonyms is nil"))
	}
	if d.BucketName == nil {
		errs = append(errs, errors.New("consent: Deps.BucketName is nil"))
	}
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	if d.Registry == nil {
		d.Registry = privacy.Standard()
	}
	if d.URLTTL <= 0 {
		d.URLTTL = 15 * time.Minute
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.PolicyAdmins = slices.Clone(d.PolicyAdmins)
	return d, nil
}

// retentionJobs runs the retention job: it deletes old sessions from
// Firestore and the saved versions of their canvases from canvasBucket.
func retentionJobs(fs *firestore.Client, st *storage.Client, canvasBucket string) *Jobs {
	return newJobs(Deps{Firestore: fs, Storage: st, Now: time.Now, Registry: privacy.Standard(),
		BucketName: func(string) string { return canvasBucket }})
}
