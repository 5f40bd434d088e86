// Package analytics is the reports function (entry point "analytics",
// HTTP, reachable under Hosting's /api/analytics): reports over the events
// BigQuery holds, as JSON, CSV or PDF.
//
//	GET /v1/reports/{report}?org=&from=YYYY-MM&to=YYYY-MM&format=json|csv|pdf&lang=
//
// Reports and who may ask (the role is the caller's current membership in
// their organisation):
//   - me: anyone — their own activity by month, read through their
//     pseudonymous actor in the organisation (shared/events.Pseudonymizer);
//     it describes the caller only, so nothing is suppressed;
//   - facilitator: staff — one row per session they facilitate (owner or
//     co-facilitator, from Firestore);
//   - adoption, usage, content, collaboration: org_admin — the organisation;
//   - content-owner: staff — uses of the content items they own by item
//     and month (an org_admin owns every item of the organisation).
//
// The SQL lives in infra/bigquery/analytics/queries (embedded through the
// infra package) and reads only the views of infra/bigquery/analytics/views,
// above all events_unique, which de-duplicates on event_id (delivery is at
// least once).
//
// Small groups: every figure about people names, in its query, the count
// of distinct actors it describes (a k_ column), and the SQL withholds it
// (NULL) when that count is under K = 5. The function checks the same
// counts again before answering and drops the k_ columns. A row whose main
// group is under K has every people-derived value null and
// "suppressed": true; content rows that would be suppressed are left out
// and counted in suppressed_rows. Against differencing:
//   - no report has a total row next to its groups;
//   - groups are fixed cells (a month, a session, an item in a month)
//     that from/to only select, never cut: a session is counted whole,
//     and the content report sums only (item, month) cells that passed
//     the threshold, so two answers over overlapping periods differ by
//     released cells only;
//   - a residual remains across reports: adoption's monthly card picks
//     minus the released content cells of that month is the number of
//     picks of rarely picked items that month (which items and who stay
//     unknown).
//
// Decisions where the specs leave a gap:
//   - The org parameter may only name the caller's own organisation;
//     another is 404 (what is not yours does not exist).
//   - from/to default to the last twelve months including this one; from
//     alone means twelve months from there.
//   - A content item's owner: the library records no creator, so a staff
//     member owns the items they last saved (updated_by); org_admins own
//     all of the organisation's items.
//   - Answers are cached per UTC day in Firestore
//     (orgs/{org}/report_cache/{sha256 of report, org, period, caller for
//     the personal reports, date}); a TTL policy on expire_at deletes them
//     two days later. Titles and labels are added after the cache, in the
//     asked language.
//   - "me" shows what was recorded under the caller's actor: nothing of
//     the time they had no analytics consent.
//   - "facilitator" is for staff (facilitator, educator, org_admin), as
//     sessions are; each sees the sessions they own or co-facilitate.
//   - PDFs use DejaVu; Hebrew headings and titles are laid out right to
//     left, and a Hebrew report's columns run from the right.
package analytics

import (
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// EntryHTTP is the entry point name, as declared in infra/topology.yaml.
const EntryHTTP = "analytics"

func init() { functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, root)) }

// root is the composition root: Firestore (roles, sessions, items,
// cache), BigQuery (read-only on the analytics dataset), the token
// verifier and the pseudonymizer of the instance's platform.
func root(p *platform.Platform) (http.Handler, error) {
	var d Deps
	var err error
	if d.Firestore, err = p.Firestore(); err != nil {
		return nil, err
	}
	if d.Verifier, err = p.Verifier(); err != nil {
		return nil, err
	}
	// The grant is bigquery:analytics:read (dataViewer): reports never write.
	if d.BigQuery, err = p.BigQuery(Dataset + ":read"); err != nil {
		return nil, err
	}
	if d.Pseudonyms, err = p.Pseudonyms(); err != nil {
		return nil, err
	}
	return New(d)
}
