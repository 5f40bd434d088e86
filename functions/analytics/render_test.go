package analytics

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

func TestCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedWorld(t)
	r := e.get(t, tokAdminA, "adoption", "from=2026-01&to=2026-02&format=csv").Want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="adoption-org-a-2026-01_2026-02.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"month", "active_people", "sessions", "participants", "cards_selected", "canvas_ops", "journal_syncs", "coach_asks"},
		{"2026-01", "6", "1", "6", "8", "12", "<5", "5"},
		{"2026-02", "<5", "<5", "<5", "<5", "<5", "<5", "<5"},
	}
	if len(recs) != len(want) {
		t.Fatalf("csv:\n%s", r.Body)
	}
	for i := range want {
		if strings.Join(recs[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("line %d = %v, want %v", i+1, recs[i], want[i])
		}
	}
	// Titles (typed by people) never start a formula; cached rows render the same.
	again := e.get(t, tokAdminA, "adoption", "from=2026-01&to=2026-02&format=csv").Want(t, http.StatusOK)
	if !bytes.Equal(again.Body, r.Body) {
		t.Errorf("cached CSV differs:\n%s\nvs\n%s", again.Body, r.Body)
	}
	if got := sanitizeCell("=HYPERLINK(1)"); got != "'=HYPERLINK(1)" {
		t.Errorf("sanitizeCell = %q", got)
	}
}

func TestPDF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedWorld(t)
	for _, lang := range []string{"en", "he", "de"} {
		for _, c := range []struct{ token, report string }{{tokAdminA, "adoption"}, {tokAdminA, "content"}, {tokFacA, "facilitator"}, {tokPartA, "me"}} {
			r := e.get(t, c.token, c.report, "from=2026-01&to=2026-03&format=pdf&lang="+lang).Want(t, http.StatusOK)
			if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("%s %s: Content-Type %q", c.report, lang, ct)
			}
			if !bytes.HasPrefix(r.Body, []byte("%PDF-")) || !bytes.Contains(r.Body[len(r.Body)-1024:], []byte("%%EOF")) || len(r.Body) < 2000 {
				t.Errorf("%s %s: not a whole PDF (%d bytes)", c.report, lang, len(r.Body))
			}
		}
	}
	// Every case of a wider table too: many rows go onto further pages.
	res := &Result{Report: "content", OrgID: "o", From: "2026-01", To: "2026-12", K: K, Columns: labelled(reports[3].Columns, "he")}
	for range 200 {
		res.Rows = append(res.Rows, Row{"item_id": "tw-photo-01", "title": "איזון Balance", "selections": int64(12), "people": nil, "suppressed": false})
	}
	var buf bytes.Buffer
	if err := writePDF(&buf, Params{Lang: "he"}, res); err != nil {
		t.Fatal(err)
	}
	if pages := bytes.Count(buf.Bytes(), []byte("/Type /Page\n")); pages < 4 {
		t.Errorf("200 rows on %d pages", pages)
	}
}
