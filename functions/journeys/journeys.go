// Package journeys is the journey builder function (entry point
// "journeys", HTTP, reachable under Hosting's /api/journeys): drafts with
// autosave and optimistic concurrency, immutable published versions, org
// templates, JSON export/import and a printable PDF agenda. The model,
// validation and export format live in shared/journey, which also documents
// the Firestore layout.
//
// Access: staff of the caller's organisation (facilitator, educator,
// org_admin) only; participants get 403, and another organisation's
// journeys do not exist (404). The organisation always comes from the
// verified principal; the role from its current membership document
// orgs/{org}/members/{uid}, so a removed or demoted member loses access
// at once, whatever their token still says.
//
// Decisions where the specs leave a gap:
//   - A save is a whole draft with the revision it was based on (body
//     "revision" or If-Match: "N"); a stale one is refused (409, or 412 for
//     If-Match) so that no edit is silently lost, and one with neither is
//     428.
//   - Draft saves, imports and templates are validated leniently (structure
//     and types), publishing strictly; journey rule violations are 422 with
//     every offending field, malformed JSON is 400.
//   - Publishing resolves every content element, skipped phases included:
//     the item must exist in the caller's organisation or the official
//     library, be published and be usable at the caller's tier (licence not
//     expired). The version records the item's element type and, when the
//     element has none, its title in the journey's locale.
//   - Deleting a journey archives it: it leaves the default list and can no
//     longer be edited or published; its versions stay readable, since
//     sessions may run them.
//   - Lists are ordered by id (a stable cursor without a composite index).
//   - The PDF agenda uses the Go fonts (Latin, Greek, Cyrillic); Hebrew
//     text is not shaped right to left.
package journeys

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	sc "pointsofyou.ai/studio/shared/consent"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
)

// EntryHTTP is the entry point name, as declared in infra/topology.yaml.
const EntryHTTP = "journeys"

func init() {
	// Clients are built on first use, so a configuration error is a 503
	// rather than a crash loop.
	functions.HTTP(EntryHTTP, entryPoint(nil))
}

// entryPoint builds the HTTP entry point; lookup nil means os.Getenv.
func entryPoint(lookup func(string) string) http.HandlerFunc {
	api := instance.New(func() (http.Handler, error) {
		d, err := newDeps(lookup)
		if err != nil {
			return nil, err
		}
		return New(d)
	})
	return instance.HTTP(api)
}

// newDeps builds the production clients: Firestore, the token verifier and
// the consent-gated event publisher.
func newDeps(lookup func(string) string) (Deps, error) {
	getenv := os.Getenv
	if lookup != nil {
		getenv = lookup
	}
	cfg := config.FromEnv(lookup)
	if err := cfg.Check(config.EnvFirestoreHost, config.EnvAuthHost, config.EnvPubSubHost); err != nil {
		return Deps{}, err
	}
	logging.Setup(cfg.Project)
	ctx := context.Background()
	fs, err := firestore.NewClient(ctx, cfg.Project)
	if err != nil {
		return Deps{}, fmt.Errorf("firestore client: %w", err)
	}
	fail := func(err error) (Deps, error) {
		_ = fs.Close()
		return Deps{}, err
	}
	v, err := auth.NewFirebaseVerifier(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	pseudo, err := events.PseudonymizerFromEnv(cfg.Project, getenv)
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
		_ = ps.Close()
		return fail(err)
	}
	return Deps{Verifier: v, Firestore: fs, Events: pub}, nil
}
