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
// Receipts are written only by shared/consentvault and no route edits or
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
	"net/http"

	"cloud.google.com/go/bigquery"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP      = "consent"
	EntryErasures  = "consent-erasures"
	EntryRetention = "consent-retention"
)

// EnvPolicyAdmins lists the uids (comma-separated) that publish policies.
const EnvPolicyAdmins = "POLICY_ADMIN_UIDS"

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b, d := newDeps(p)
		d.Verifier = platform.Use(b, p.Verifier)
		d.PolicyAdmins = platform.List(platform.Use(b, func() (string, error) { return p.OptionalEnv(EnvPolicyAdmins) }))
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	// Scheduled entry points: Cloud Scheduler calls them with a POST.
	functions.HTTP(EntryErasures, platform.Job(EntryErasures, func(p *platform.Platform) (func(context.Context) (map[string]int, error), error) {
		b, d := newDeps(p)
		if b.Err() != nil {
			return nil, b.Err()
		}
		j, err := NewJobs(d)
		return func(ctx context.Context) (map[string]int, error) {
			started, err := j.StartAccountDeletions(ctx)
			if err != nil {
				return nil, err
			}
			n, err := j.ResumeErasures(ctx)
			return map[string]int{"account_deletions_started": started, "erasures_resumed": n}, err
		}, err
	}))
	// Retention deletes old sessions and their canvases: Firestore
	// documents and the canvases' saved versions.
	functions.HTTP(EntryRetention, platform.Job(EntryRetention, func(p *platform.Platform) (func(context.Context) (map[string]int, error), error) {
		b := &platform.Build{}
		fs := platform.Use(b, p.Firestore)
		st := platform.Use(b, p.Storage)
		return count("sessions_deleted", retentionJobs(fs, st, p.Bucket("canvases")), (*Jobs).Retention), b.Err()
	}))
}

func count(what string, j *Jobs, run func(*Jobs, context.Context) (int, error)) func(context.Context) (map[string]int, error) {
	return func(ctx context.Context) (map[string]int, error) {
		n, err := run(j, ctx)
		return map[string]int{what: n}, err
	}
}

// newDeps is what the API and the erasures use, with the exports, media
// and canvases buckets (exports, and the files an erasure scrubs).
func newDeps(p *platform.Platform) (*platform.Build, Deps) {
	b := &platform.Build{}
	buckets := map[string]string{"exports": p.Bucket("exports"), "media": p.Bucket("media"), "canvases": p.Bucket("canvases")}
	return b, Deps{
		Firestore:  platform.Use(b, p.Firestore),
		Storage:    platform.Use(b, p.Storage),
		BigQuery:   platform.Use(b, func() (*bigquery.Client, error) { return p.BigQuery("analytics") }),
		Admin:      platform.Use(b, p.AuthAdmin),
		Pseudonyms: platform.Use(b, p.Pseudonyms),
		Outbox:     platform.Use(b, p.Outbox),
		Checker:    platform.Use(b, p.Consent),
		Signer:     platform.Use(b, p.Signer),
		BucketName: func(name string) string {
			if v, ok := buckets[name]; ok {
				return v
			}
			return p.Bucket(name)
		},
	}
}
