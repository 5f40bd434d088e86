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
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// EntryHTTP is the entry point name, as declared in infra/topology.yaml.
const EntryHTTP = "journeys"

func init() { functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, root)) }

// root is the composition root: Firestore, the token verifier and the
// outbox (events recorded in the change's transaction, consent-gated and
// pseudonymised) of the instance's platform.
func root(p *platform.Platform) (http.Handler, error) {
	var d Deps
	var err error
	if d.Firestore, err = p.Firestore(); err != nil {
		return nil, err
	}
	if d.Verifier, err = p.Verifier(); err != nil {
		return nil, err
	}
	if d.Outbox, err = p.Outbox(); err != nil {
		return nil, err
	}
	return New(d)
}
