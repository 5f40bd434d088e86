package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"

	"pointsofyou.ai/studio/internal/apitest"
)

// seedWorld writes a small organisation whose figures are known: six
// people in January 2026 (one session, one canvas), three in February.
func (e *env) seedWorld(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	uid := func(k string) string { return e.users[k].UID }
	jan := []string{uid(tokPartA), uid(tokFacA), person(3), person(4), person(5), person(6)}
	var evs []ev
	for i, u := range jan {
		evs = append(evs,
			ev{typ: "session.card_selected", at: at("2026-01", 10, 9), org: "org-a", uid: u, session: "s1", payload: `{"card_id":"pc-1","card_kind":"photo","phase":"pause"}`},
			ev{typ: "canvas.op", at: at("2026-01", 10, 10), org: "org-a", uid: u, session: "s1", canvas: "c1", payload: `{"op":"create","element_id":"e1","element_kind":"note"}`},
			ev{typ: "canvas.op", at: at("2026-01", 10, 10), org: "org-a", uid: u, session: "s1", canvas: "c1", payload: `{"op":"move","element_id":"e1","element_kind":"note"}`},
		)
		if i < 5 {
			evs = append(evs, ev{typ: "coach.asked", at: at("2026-01", 12, 8), org: "org-a", uid: u})
		}
		if i < 2 {
			evs = append(evs, ev{typ: "session.card_selected", at: at("2026-01", 10, 9), org: "org-a", uid: u, session: "s1", payload: `{"card_id":"pc-rare"}`})
		}
	}
	evs = append(evs,
		ev{typ: "journal.synced", at: at("2026-01", 3, 8), org: "org-a", uid: uid(tokPartA)},
		ev{typ: "journal.synced", at: at("2026-01", 4, 8), org: "org-a", uid: uid(tokPartA)},
	)
	for range 3 { // without analytics consent: no actor
		evs = append(evs, ev{typ: "journal.synced", at: at("2026-01", 5, 8), org: "org-a"})
	}
	for _, u := range jan[:4] { // four people: content uses stay withheld
		evs = append(evs, ev{typ: "content.used", at: at("2026-01", 14, 8), org: "org-a", uid: u, payload: `{"item_id":"pc-1","purpose":"session","library":"org","tier":"free"}`})
	}
	evs = append(evs, // the organisation's subscription: no person
		ev{typ: "billing.subscription_changed", at: at("2026-01", 1, 8), org: "org-a",
			payload: `{"subscription_id":"sub_1","scope":"org","tier":"enterprise","status":"active","interval":"month","seats":5,"amount":49500,"currency":"usd"}`},
		ev{typ: "billing.invoice_paid", at: at("2026-01", 1, 8), org: "org-a", payload: `{"invoice_id":"in_1","subscription_id":"sub_1","amount_paid":49500,"currency":"usd"}`},
		ev{typ: "billing.payment_failed", at: at("2026-02", 1, 8), org: "org-a",
			payload: `{"invoice_id":"in_2","subscription_id":"sub_1","amount_due":49500,"currency":"usd","grace_days":7}`},
	)
	for _, u := range jan[:3] {
		evs = append(evs, ev{typ: "canvas.op", at: at("2026-02", 2, 9), org: "org-a", uid: u, session: "s2", canvas: "c2"})
	}
	for i := range 10 { // another organisation, never in org-a's reports
		evs = append(evs, ev{typ: "canvas.op", at: at("2026-01", 10, 10), org: "org-b", uid: person(i), canvas: "cb", payload: `{}`},
			ev{typ: "session.card_selected", at: at("2026-01", 10, 9), org: "org-b", uid: person(i), session: "sb", payload: `{"card_id":"pc-1"}`})
	}
	e.insert(t, evs)
	for path, doc := range map[string]map[string]any{
		"orgs/org-a/sessions/s1":  {"title": "Monday circle", "facilitator": uid(tokFacA), "co_facilitators": []string{}},
		"orgs/org-a/sessions/s2":  {"title": "Tuesday circle", "facilitator": "u-other", "co_facilitators": []string{uid(tokFacA)}},
		"orgs/org-a/sessions/s3":  {"title": "Not mine", "facilitator": "u-other", "co_facilitators": []string{}},
		"orgs/org-a/content/pc-1": {"type": "photo_card", "text": map[string]any{"en": map[string]any{"title": "Balance"}, "he": map[string]any{"title": "איזון"}}, "updated_by": uid(tokFacA)},
		"orgs/org-a/content/pc-2": {"type": "photo_card", "text": map[string]any{"en": map[string]any{"title": "Courage"}}, "updated_by": "u-other"},
	} {
		if _, err := e.fs.Doc(path).Set(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedWorld(t)
	const period = "from=2026-01&to=2026-03"
	n := func(v int64) any { return float64(v) }
	cases := []struct {
		token, report string
		rows          []Row
		suppressed    int
	}{
		{tokPartA, "me", []Row{
			{"month": "2026-01", "sessions": n(1), "cards_selected": n(2), "canvas_ops": n(2), "journal_syncs": n(2), "coach_asks": n(1), "suppressed": false},
			{"month": "2026-02", "sessions": n(1), "cards_selected": n(0), "canvas_ops": n(1), "journal_syncs": n(0), "coach_asks": n(0), "suppressed": false},
		}, 0},
		{tokAdminA, "adoption", []Row{
			{"month": "2026-01", "active_people": n(6), "sessions": n(1), "participants": n(6), "cards_selected": n(8), "canvas_ops": n(12),
				"journal_syncs": nil, "coach_asks": n(5), "suppressed": false},
			{"month": "2026-02", "active_people": nil, "sessions": nil, "participants": nil, "cards_selected": nil, "canvas_ops": nil,
				"journal_syncs": nil, "coach_asks": nil, "suppressed": true},
		}, 1},
		{tokAdminA, "usage", []Row{
			{"month": "2026-01", "ai_interactions": n(5), "content_uses": nil, "invoices_paid": n(1), "amount_paid": 495.0, "currency": "USD",
				"failed_payments": n(0), "seats": n(5), "suppressed": false},
			{"month": "2026-02", "ai_interactions": nil, "content_uses": nil, "invoices_paid": n(0), "amount_paid": 0.0, "currency": nil,
				"failed_payments": n(1), "seats": nil, "suppressed": false},
		}, 0},
		{tokAdminA, "collaboration", []Row{
			{"month": "2026-01", "canvas_ops": n(12), "people_on_canvases": n(6), "collaborative_canvases": n(1), "ops_per_person": 2.0, "suppressed": false},
			{"month": "2026-02", "canvas_ops": nil, "people_on_canvases": nil, "collaborative_canvases": nil, "ops_per_person": nil, "suppressed": true},
		}, 1},
		{tokAdminA, "content", []Row{
			{"item_id": "pc-1", "title": "Balance", "selections": n(6), "people": n(6), "suppressed": false},
		}, 1},
		{tokFacA, "facilitator", []Row{
			{"session_id": "s1", "title": "Monday circle", "started_at": "2026-01-10T09:00:00Z", "participants": n(6), "cards_selected": n(8), "canvas_ops": n(12), "journal_syncs": n(0), "suppressed": false},
			{"session_id": "s2", "title": "Tuesday circle", "started_at": "2026-02-02T09:00:00Z", "participants": nil, "cards_selected": nil, "canvas_ops": nil, "journal_syncs": nil, "suppressed": true},
		}, 1},
		{tokFacA, "content-owner", []Row{
			{"item_id": "pc-1", "title": "Balance", "month": "2026-01", "uses": n(6), "people": n(6), "suppressed": false},
		}, 0},
		{tokAdminA, "content-owner", []Row{
			{"item_id": "pc-1", "title": "Balance", "month": "2026-01", "uses": n(6), "people": n(6), "suppressed": false},
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.report+"/"+c.token, func(t *testing.T) {
			resp := e.get(t, c.token, c.report, period).Want(t, http.StatusOK)
			var got struct {
				Result
				Rows []Row `json:"rows"`
			}
			if err := json.Unmarshal(resp.Body, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.rows, got.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if got.SuppressedRows != c.suppressed || got.K != 5 || got.OrgID != "org-a" || got.From != "2026-01" || got.To != "2026-03" {
				t.Errorf("header = %+v", got.Result)
			}
			rep, _ := reportByName(c.report)
			if len(got.Columns) != len(rep.Columns) || got.Columns[0].Label == "" {
				t.Errorf("columns = %+v", got.Columns)
			}
		})
	}
}

func TestDuplicateDeliveriesCountOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var evs []ev
	for i := range 5 {
		evs = append(evs, ev{typ: "canvas.op", at: at("2026-03", 1, 9), org: "org-a", uid: person(i), canvas: "c"})
	}
	ids := e.insert(t, evs)
	// The same events delivered again (new Pub/Sub messages: new insertIds).
	var again []*bigquery.StructSaver
	for i, x := range evs {
		r := e.row(x, ids[i])
		r.MessageID = null("redelivery-" + ids[i])
		again = append(again, &bigquery.StructSaver{Struct: r, InsertID: fmt.Sprint("again-", i)})
	}
	e.put(t, again)
	got := e.result(t, tokAdminA, "collaboration", "from=2026-03&to=2026-03")
	if len(got.Rows) != 1 || got.Rows[0]["canvas_ops"] != float64(5) || got.Rows[0]["people_on_canvases"] != float64(5) {
		t.Fatalf("rows = %v, want 5 ops by 5 people", got.Rows)
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		token, report, query string
		code                 int
	}{
		{tokPartA, "adoption", "", http.StatusForbidden},
		{tokPartA, "content", "", http.StatusForbidden},
		{tokPartA, "collaboration", "", http.StatusForbidden},
		{tokPartA, "facilitator", "", http.StatusForbidden},
		{tokPartA, "content-owner", "", http.StatusForbidden},
		{tokFacA, "adoption", "", http.StatusForbidden},
		{tokPartA, "me", "", http.StatusOK},
		{tokPartA, "me", "org=org-b", http.StatusNotFound},
		{tokAdminA, "adoption", "org=org-b", http.StatusNotFound},
		{tokAdminB, "adoption", "org=org-b", http.StatusOK},
		{tokNoOrg, "me", "", http.StatusForbidden},
		{"", "me", "", http.StatusUnauthorized},
		{tokFacA, "facilitator", "", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s/%s", c.token, c.report, c.query), func(t *testing.T) {
			r := e.get(t, c.token, c.report, c.query)
			if r.Code != c.code {
				t.Fatalf("%s", r)
			}
			if c.code >= 400 && !r.IsProblem() {
				t.Errorf("not problem+json: %s", r)
			}
		})
	}
}

func TestBadParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct{ report, query, field string }{
		{"adoption", "from=2026-13", "from"},
		{"adoption", "from=26-01", "from"},
		{"adoption", "to=2026-1", "to"},
		{"adoption", "from=2026-05&to=2026-01", "from"},
		{"adoption", "from=2020-01&to=2026-01", "to"},
		{"nope", "", "report"},
		{"adoption", "format=xlsx", "format"},
		{"adoption", "lang=xx", "lang"},
		{"adoption", "form=2026-01", "form"},
		{"adoption", "from=2026-01&from=2026-02", "from"},
	}
	for _, c := range cases {
		t.Run(c.report+"?"+c.query, func(t *testing.T) {
			p := e.get(t, tokAdminA, c.report, c.query).Problem(t, http.StatusBadRequest)
			if _, ok := apitest.Fields(p)[c.field]; !ok {
				t.Errorf("problem names %v, want %s", apitest.Fields(p), c.field)
			}
		})
	}
}

func TestCachedTheSameDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedWorld(t)
	first := e.result(t, tokAdminA, "adoption", "from=2026-01&to=2026-02")
	// More events the same day do not change the day's answer…
	var evs []ev
	for i := range 8 {
		evs = append(evs, ev{typ: "canvas.op", at: at("2026-02", 3, 9), org: "org-a", uid: person(20 + i), canvas: "c"})
	}
	e.insert(t, evs)
	second := e.result(t, tokAdminA, "adoption", "from=2026-01&to=2026-02")
	if first.Cached || !second.Cached {
		t.Fatalf("cached = %v then %v, want false then true", first.Cached, second.Cached)
	}
	if diff := cmp.Diff(first.Rows, second.Rows); diff != "" || !first.GeneratedAt.Equal(second.GeneratedAt) {
		t.Errorf("the cached answer differs (-first +second):\n%s", diff)
	}
	// …another period, another caller's own report and the next day do.
	if e.result(t, tokAdminA, "adoption", "from=2026-01&to=2026-03").Cached {
		t.Error("another period came from the cache")
	}
	e.result(t, tokPartA, "me", "")
	if e.result(t, tokFacA, "me", "").Cached {
		t.Error("another caller's me came from the cache")
	}
	e.now = e.now.Add(24 * time.Hour)
	next := e.result(t, tokAdminA, "adoption", "from=2026-01&to=2026-02")
	if next.Cached || next.Rows[1]["active_people"] != float64(11) {
		t.Errorf("next day: cached %v, February %v; want a fresh answer with 11 people", next.Cached, next.Rows[1])
	}
}
