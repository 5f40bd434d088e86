package analytics

import (
	"slices"
	"strings"

	"pointsofyou.ai/studio/shared/authz"
)

// K is the smallest number of distinct people a figure may describe.
const K = 5

// Column types of the JSON answer.
const (
	typeMonth     = "month"     // "2026-03"
	typeString    = "string"    // an id or a title
	typeInteger   = "integer"   // a count
	typeNumber    = "number"    // a ratio
	typeTimestamp = "timestamp" // RFC 3339, UTC
)

// Column is one column of a report as answered.
type Column struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Label string `json:"label"`
	// guard names the query's k_ column counting the people the value is
	// about; a value whose guard is under K is withheld (nil). Empty: the
	// column describes no people (a month, an id).
	guard string
}

// scope is what a report needs to know about the caller beyond the org.
type scope int

const (
	scopeOrg        scope = iota // the organisation as a whole
	scopeSelf                    // the caller's own actor
	scopeSessions                // the sessions the caller facilitates
	scopeOwnedItems              // the content items the caller owns
)

// report is one report: who may ask, its query file and its columns.
type report struct {
	Name string
	// Query is the file under infra/bigquery/analytics/queries/.
	Query string
	Roles []string
	Scope scope
	// Columns are the answered columns in order; the query returns them
	// and the guards they name.
	Columns []Column
	// Row is the guard whose value under K suppresses the whole row (its
	// people-derived values all nil, "suppressed": true).
	Row string
	// DropSuppressed leaves suppressed rows out (counted in
	// suppressed_rows) instead of listing them with nulls: a row of a
	// content item exists only because someone picked it.
	DropSuppressed bool
	// Private reports describe the caller only: nothing is suppressed,
	// and the cache key holds the caller.
	Private bool
}

var staff = authz.Staff

var reports = []report{
	{
		Name: "me", Query: "me.sql", Scope: scopeSelf, Private: true,
		Columns: []Column{
			{Name: "month", Type: typeMonth},
			{Name: "sessions", Type: typeInteger},
			{Name: "cards_selected", Type: typeInteger},
			{Name: "canvas_ops", Type: typeInteger},
			{Name: "journal_syncs", Type: typeInteger},
			{Name: "coach_asks", Type: typeInteger},
		},
	},
	{
		Name: "facilitator", Query: "facilitator.sql", Scope: scopeSessions, Roles: staff, Row: "k_people",
		Columns: []Column{
			{Name: "session_id", Type: typeString},
			{Name: "title", Type: typeString},
			{Name: "started_at", Type: typeTimestamp},
			{Name: "participants", Type: typeInteger, guard: "k_people"},
			{Name: "cards_selected", Type: typeInteger, guard: "k_people"},
			{Name: "canvas_ops", Type: typeInteger, guard: "k_people"},
			{Name: "journal_syncs", Type: typeInteger, guard: "k_people"},
		},
	},
	{
		Name: "adoption", Query: "adoption.sql", Scope: scopeOrg, Roles: authz.Admins, Row: "k_active_people",
		Columns: []Column{
			{Name: "month", Type: typeMonth},
			{Name: "active_people", Type: typeInteger, guard: "k_active_people"},
			{Name: "sessions", Type: typeInteger, guard: "k_sessions"},
			{Name: "participants", Type: typeInteger, guard: "k_sessions"},
			{Name: "cards_selected", Type: typeInteger, guard: "k_cards"},
			{Name: "canvas_ops", Type: typeInteger, guard: "k_ops"},
			{Name: "journal_syncs", Type: typeInteger, guard: "k_syncs"},
			{Name: "coach_asks", Type: typeInteger, guard: "k_asks"},
		},
	},
	{
		Name: "usage", Query: "usage.sql", Scope: scopeOrg, Roles: authz.Admins,
		Columns: []Column{
			{Name: "month", Type: typeMonth},
			{Name: "ai_interactions", Type: typeInteger, guard: "k_ai"},
			{Name: "content_uses", Type: typeInteger, guard: "k_content"},
			{Name: "invoices_paid", Type: typeInteger},
			{Name: "amount_paid", Type: typeNumber},
			{Name: "currency", Type: typeString},
			{Name: "failed_payments", Type: typeInteger},
			{Name: "seats", Type: typeInteger},
		},
	},
	{
		Name: "content", Query: "content.sql", Scope: scopeOrg, Roles: authz.Admins, Row: "k_people", DropSuppressed: true,
		Columns: []Column{
			{Name: "item_id", Type: typeString},
			{Name: "title", Type: typeString},
			{Name: "selections", Type: typeInteger, guard: "k_people"},
			{Name: "people", Type: typeInteger, guard: "k_people"},
		},
	},
	{
		Name: "collaboration", Query: "collaboration.sql", Scope: scopeOrg, Roles: authz.Admins, Row: "k_people",
		Columns: []Column{
			{Name: "month", Type: typeMonth},
			{Name: "canvas_ops", Type: typeInteger, guard: "k_people"},
			{Name: "people_on_canvases", Type: typeInteger, guard: "k_people"},
			{Name: "collaborative_canvases", Type: typeInteger, guard: "k_people"},
			{Name: "ops_per_person", Type: typeNumber, guard: "k_people"},
		},
	},
	{
		Name: "content-owner", Query: "content_owner.sql", Scope: scopeOwnedItems, Roles: staff, Row: "k_people",
		Columns: []Column{
			{Name: "item_id", Type: typeString},
			{Name: "title", Type: typeString},
			{Name: "month", Type: typeMonth},
			{Name: "uses", Type: typeInteger, guard: "k_people"},
			{Name: "people", Type: typeInteger, guard: "k_people"},
		},
	},
}

func reportByName(name string) (report, bool) {
	i := slices.IndexFunc(reports, func(r report) bool { return r.Name == name })
	if i < 0 {
		return report{}, false
	}
	return reports[i], true
}

func reportNames() string {
	names := make([]string, len(reports))
	for i, r := range reports {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}

// allows reports whether a caller with role may ask for r (no Roles: any
// member).
func (r report) allows(role string) bool {
	return len(r.Roles) == 0 || slices.Contains(r.Roles, role)
}
