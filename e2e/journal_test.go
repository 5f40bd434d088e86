package e2e

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestJournalThroughHosting syncs a journal as the app does, through
// Hosting: a push from one device (a retry of it is harmless), a pull on
// another, a gap refused with where to resume, and the export as ZIP and
// PDF.
func TestJournalThroughHosting(t *testing.T) {
	tok := signIn(t, noaEmail, participantPW)
	phone, laptop := uuid.NewString(), uuid.NewString()
	id := uuid.NewString()
	push := map[string]any{"client_id": phone, "mutations": []any{
		map[string]any{"id": 1, "name": "createEntry", "args": map[string]any{"id": id, "title": "Hosting pages", "body": "Written on the phone."}},
		map[string]any{"id": 2, "name": "updateEntry", "args": map[string]any{"id": id, "base_rev": 1, "body": "Written on the phone, then more."}},
	}}
	var res struct {
		LastMutationID int64 `json:"last_mutation_id"`
		Errors         []any `json:"errors"`
		Usage          struct {
			Entries int `json:"entries"`
		} `json:"usage"`
	}
	for range 2 { // the retry is skipped
		if r := call(t, "POST", "/api/journal/v1/push", tok, push, &res); r.StatusCode != 200 || res.LastMutationID != 2 || len(res.Errors) != 0 {
			t.Fatalf("push: %d %+v", r.StatusCode, res)
		}
	}
	var pull struct {
		Cookie  int64            `json:"cookie"`
		Changes map[string]int64 `json:"last_mutation_id_changes"`
		Entries []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
			Rev  int    `json:"rev"`
		} `json:"entries"`
	}
	if r := call(t, "POST", "/api/journal/v1/pull", tok, map[string]any{"client_id": laptop, "cookie": 0}, &pull); r.StatusCode != 200 {
		t.Fatalf("pull: %d %s", r.StatusCode, body(r))
	}
	found := false
	for _, e := range pull.Entries {
		if e.ID == id {
			found = e.Body == "Written on the phone, then more." && e.Rev == 2
		}
	}
	if !found || pull.Changes[phone] != 2 {
		t.Fatalf("pull: %+v", pull)
	}
	gap := map[string]any{"client_id": phone, "mutations": []any{map[string]any{"id": 5, "name": "restoreEntry", "args": map[string]any{"id": id}}}}
	var problem struct {
		Type           string `json:"type"`
		LastMutationID int64  `json:"last_mutation_id"`
	}
	r := call(t, "POST", "/api/journal/v1/push", tok, gap, &problem)
	if r.StatusCode != 409 || !strings.HasSuffix(problem.Type, "/mutation-gap") || problem.LastMutationID != 2 ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("gap: %d %+v", r.StatusCode, problem)
	}

	zr := hosting().Do(t, "GET", "/api/journal/v1/export?format=zip", tok, nil)
	if zr.Code != 200 || !strings.HasPrefix(zr.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("zip export: %d %s", zr.Code, zr.Header)
	}
	z, err := zip.NewReader(bytes.NewReader(zr.Body), int64(len(zr.Body)))
	if err != nil {
		t.Fatal(err)
	}
	found = false
	for _, f := range z.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.Contains(string(b), "title: Hosting pages") && strings.Contains(string(b), "then more.") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the entry is not in the ZIP (%d files)", len(z.File))
	}
	pr := hosting().Do(t, "GET", "/api/journal/v1/export?format=pdf", tok, nil)
	if pr.Code != 200 || !bytes.HasPrefix(pr.Body, []byte("%PDF-")) {
		t.Fatalf("pdf export: %d", pr.Code)
	}
}
