// Package consent is the consent function: the consent vault's HTTP API
// (entry point "consent": policies, grant and withdraw per purpose, my
// state, my receipts, chain verification) and data-subject requests
// (export to a ZIP in the exports bucket with a short-lived signed URL;
// erasure after a confirmation step, across every holder of
// shared/privacy; an org admin's view of open requests and their one-month
// deadlines). Two scheduled entry points finish interrupted erasures
// ("consent-erasures") and apply each organisation's retention to old
// session data ("consent-retention").
//
// Receipts are written only by shared/consent and no route edits or
// deletes them; Firestore rules deny clients any direct access.
//
// Decisions where the specs leave a gap:
//   - Policy texts are platform-wide and published by platform staff
//     (POLICY_ADMIN_UIDS); organisations cannot change them.
//   - Export and erasure run inside the request (the data of one person is
//     small); the request document with per-holder progress makes them
//     jobs a retry or the scheduled entry point finishes.
//   - The confirmation code of an erasure is returned to the signed-in
//     caller who asked; production should also send it by mail.
//   - Media the person uploaded to an organisation stays (it is the
//     organisation's content); erasure removes their uid from it.
//   - What is keyed by an email address (mail, invitations with their join
//     links) is exported or erased only for an account that verified the
//     address (shared/privacy.Subject); an export names in its manifest
//     each holder it left out, and why. Addresses are looked up in their
//     normal form and in the spellings stored before addresses were
//     normalised.
//   - The only org_admin of an organisation with other members cannot be
//     erased before appointing another admin; the erasure of an
//     organisation's only member dissolves it (orgs.go).
//   - A consent decision scoped to an organisation needs a relation to it:
//     membership, or taking part in one of its sessions (a participant
//     from elsewhere decides what its facilitators see); a withdrawal is
//     accepted for any organisation decided for before.
package consent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/storage"
	firebase "firebase.google.com/go/v4"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"google.golang.org/api/option"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	sc "pointsofyou.ai/studio/shared/consent"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
	"pointsofyou.ai/studio/shared/topology"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP      = "consent"
	EntryErasures  = "consent-erasures"
	EntryRetention = "consent-retention"
)

func init() {
	// Clients are built from the environment once per instance, on first
	// use, so a configuration error is a 503 rather than a crash loop.
	deps := instance.New(newDeps)
	api := instance.New(func() (http.Handler, error) {
		d, err := deps.Get()
		if err != nil {
			return nil, err
		}
		v, err := auth.NewFirebaseVerifier(context.Background(), config.FromEnv(nil))
		if err != nil {
			return nil, err
		}
		d.Verifier = v
		return New(d)
	})
	functions.HTTP(EntryHTTP, instance.HTTP(api))
	// Scheduled entry points are HTTP functions: Cloud Scheduler calls them
	// with a plain POST and an OIDC token, and only their own service
	// account may invoke them (terraform/functions.tf).
	functions.HTTP(EntryErasures, scheduled(deps, "erasures_resumed", (*Jobs).ResumeErasures))
	functions.HTTP(EntryRetention, scheduled(deps, "sessions_deleted", (*Jobs).Retention))
}

// scheduled runs one job per POST and answers its count; a failure is a
// 5xx so that Cloud Scheduler retries it.
func scheduled(deps *instance.Lazy[Deps], what string, run func(*Jobs, context.Context) (int, error)) http.HandlerFunc {
	return httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			return httpapi.MethodNotAllowed("scheduled jobs run on POST")
		}
		d, err := deps.Get()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		j, err := NewJobs(d)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		n, err := run(j, r.Context())
		if err != nil {
			return httpapi.Unavailable(err)
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]int{what: n})
		return nil
	}).ServeHTTP
}

// newDeps builds the clients both the API and the jobs use.
func newDeps() (Deps, error) {
	cfg := config.FromEnv(nil)
	if err := cfg.Check(config.EnvFirestoreHost, config.EnvAuthHost, config.EnvStorageHost, config.EnvBigQueryHost, config.EnvPubSubHost); err != nil {
		return Deps{}, err
	}
	logging.Setup(cfg.Project)
	ctx := context.Background()
	var closers []func() error
	fail := func(err error) (Deps, error) {
		for _, c := range closers {
			c()
		}
		return Deps{}, err
	}
	fs, err := firestore.NewClient(ctx, cfg.Project)
	if err != nil {
		return fail(fmt.Errorf("firestore client: %w", err))
	}
	closers = append(closers, fs.Close)
	st, err := storage.NewClient(ctx)
	if err != nil {
		return fail(fmt.Errorf("storage client: %w", err))
	}
	closers = append(closers, st.Close)
	var bqOpts []option.ClientOption
	if cfg.BigQueryHost != "" {
		bqOpts = append(bqOpts, option.WithEndpoint("http://"+cfg.BigQueryHost+"/bigquery/v2/"), option.WithoutAuthentication())
	}
	bq, err := bigquery.NewClient(ctx, cfg.Project, bqOpts...)
	if err != nil {
		return fail(fmt.Errorf("bigquery client: %w", err))
	}
	closers = append(closers, bq.Close)
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.Project})
	if err != nil {
		return fail(fmt.Errorf("firebase app: %w", err))
	}
	admin, err := app.Auth(ctx)
	if err != nil {
		return fail(fmt.Errorf("firebase auth client: %w", err))
	}
	pseudo, err := events.PseudonymizerFromEnv(cfg.Project, os.Getenv)
	if err != nil {
		return fail(err)
	}
	signer, err := signerFromConfig(cfg)
	if err != nil {
		return fail(err)
	}
	checker := sc.NewChecker(sc.NewStore(fs, nil), fs, sc.CheckerOptions{})
	ps, err := pubsub.NewClient(ctx, cfg.Project)
	if err != nil {
		checker.Close()
		return fail(fmt.Errorf("pubsub client: %w", err))
	}
	pub, err := events.NewPublisher(ps, events.Topic, events.PublisherOptions{Registry: events.Standard(), Pseudonyms: pseudo, Gate: checker})
	if err != nil {
		checker.Close()
		ps.Close()
		return fail(err)
	}
	var admins []string
	for _, u := range strings.Split(os.Getenv("POLICY_ADMIN_UIDS"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			admins = append(admins, u)
		}
	}
	d := Deps{
		Firestore: fs, Storage: st, BigQuery: bq, Admin: admin, Pseudonyms: pseudo,
		BucketName: func(name string) string { return topology.BucketName(cfg.Project, name) },
		Events:     pub, Checker: checker, Signer: signer, PolicyAdmins: admins,
	}
	return d, nil
}

// signerFromConfig signs with SIGNER_EMAIL + SIGNER_PRIVATE_KEY when set;
// with neither, Google Cloud signs through IAM.
func signerFromConfig(cfg config.Config) (Signer, error) {
	s := Signer{Email: cfg.SignerEmail, Insecure: cfg.StorageHost != ""}
	switch {
	case cfg.SignerEmail != "" && cfg.SignerKeyPEM != "":
		key := cfg.SignerKeyPEM
		if !strings.Contains(key, "\n") {
			key = strings.ReplaceAll(key, `\n`, "\n")
		}
		s.PrivateKeyPEM = []byte(key)
	case cfg.SignerEmail != "" || cfg.SignerKeyPEM != "":
		return Signer{}, errors.New("SIGNER_EMAIL and SIGNER_PRIVATE_KEY must be set together")
	}
	return s, nil
}
