package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	fbauth "firebase.google.com/go/v4/auth"
	"github.com/google/uuid"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/privacy"
	"pointsofyou.ai/studio/shared/topology"
)

// dataSubject is a fresh person with data in every holder of
// privacy.Standard().
type dataSubject struct {
	uid, email, password string
	actor                string // pseudonymous id in orgA
	token                string // carries the orgA membership
	mediaObject          string // the image they uploaded to orgA
	avatarObject         string
}

// needles are the strings nothing may contain after an erasure.
func (s *dataSubject) needles() []string { return []string{s.uid, s.email, s.actor} }

// seedSubject makes a person and gives them data in every holder: the
// profile, consent state and receipts, coach memory, content usage, an
// orgA membership through an invitation by mail, an image uploaded through
// the media function, a personal file, and an analytics event in BigQuery.
func seedSubject(t *testing.T, ctx context.Context, fs *firestore.Client, name string) *dataSubject {
	t.Helper()
	admin := adminClient(t)
	s := &dataSubject{email: fmt.Sprintf("%s-%d@privacy.example", name, time.Now().UnixNano()), password: "privacy-pass"}
	u, err := admin.CreateUser(ctx, (&fbauth.UserToCreate{}).Email(s.email).Password(s.password).EmailVerified(true))
	if err != nil {
		t.Fatal(err)
	}
	s.uid = u.UID
	s.token = signIn(t, s.email, s.password)
	if r := call(t, "PUT", "/api/accounts/v1/me/profile", s.token, map[string]any{"display_name": "Privacy " + name,
		"language": "en", "timezone": "Europe/Lisbon", "role": "participant"}, nil); r.StatusCode != 200 {
		t.Fatalf("profile: %d", r.StatusCode)
	}

	// Invitation (and its mail) by email, accepted: a membership of orgA.
	adminTok := signIn(t, "ines.admin@studio.test", "demo-admin-pass")
	if r := call(t, "POST", "/api/accounts/v1/orgs/"+orgA+"/invitations", adminTok,
		map[string]any{"email": s.email, "role": "participant"}, nil); r.StatusCode != 202 {
		t.Fatalf("invite: %d", r.StatusCode)
	}
	msgs, err := mail.List(ctx, fs, s.email)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox: %v %v", msgs, err)
	}
	code := inviteCode.FindStringSubmatch(msgs[0].Text)
	if code == nil {
		t.Fatal("no invitation code in the mail")
	}
	if r := call(t, "POST", "/api/accounts/v1/invitations/accept", s.token, map[string]any{"token": code[1]}, nil); r.StatusCode != 200 {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	s.token = signIn(t, s.email, s.password) // with the orgA claims

	// Consent: analytics granted (receipt + state).
	if _, err := consentvault.NewStore(fs, nil).PublishPolicy(ctx, consentvault.Analytics, map[string]string{"en": "Pseudonymous activity counts."}); err != nil {
		t.Fatal(err)
	}
	if r := call(t, "PUT", "/api/consent/v1/me/consent/analytics", s.token, map[string]any{"decision": "grant", "mechanism": "settings"}, nil); r.StatusCode != 200 {
		t.Fatalf("grant: %d", r.StatusCode)
	}

	// A live session with Noa: invited by email, joined, a card picked in
	// a draw, a breakout room shared with Noa, homework assigned
	// (functions/sessions).
	lw := newLiveWorld(t, "Privacy journey "+name)
	lw.schedule(t, "Privacy session "+name)
	inv := lw.invite(t, fs, s.email, noaEmail)
	lw.join(t, s.token, inv[s.email])
	lw.join(t, lw.noa, inv[noaEmail])
	if r := call(t, "POST", lw.path("/start"), lw.maya, map[string]any{}, nil); r.StatusCode != 200 {
		t.Fatalf("start: %d %s", r.StatusCode, body(r))
	}
	var draw struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", lw.path("/draws"), lw.maya, map[string]any{"mode": "face_down", "deck_id": demoDeck}, &draw); r.StatusCode != 201 {
		t.Fatalf("draw: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", lw.path("/draws/"+draw.ID+"/picks"), s.token, map[string]any{}, nil); r.StatusCode != 201 {
		t.Fatalf("pick: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", lw.path("/breakouts"), lw.maya, map[string]any{"strategy": "random", "room_size": 2}, nil); r.StatusCode != 201 {
		t.Fatalf("breakouts: %d %s", r.StatusCode, body(r))
	}
	if r := call(t, "POST", lw.path("/homework"), lw.maya, map[string]any{"uid": s.uid, "title": "Privacy homework"}, nil); r.StatusCode != 201 {
		t.Fatalf("homework: %d %s", r.StatusCode, body(r))
	}

	// What the coach and the content function keep below users/{uid}.
	if _, err := fs.Doc("users/"+s.uid+"/coach_memory/m1").Set(ctx, map[string]any{
		"summary": "prefers morning reflections", "created_at": time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Doc("users/"+s.uid+"/content_usage_months/2026-05").Set(ctx, map[string]any{"cards": 3}); err != nil {
		t.Fatal(err)
	}

	// The coach, through the API: a conversation linked to the session, an
	// answer (messages, credits), a crisis message (an alert for the
	// session's facilitators), and a copilot suggestion the person asked
	// for as a facilitator elsewhere.
	var conv struct {
		ID string `json:"id"`
	}
	if r := call(t, "POST", "/api/coach/v1/conversations", s.token, map[string]any{"session_id": lw.sessionID}, &conv); r.StatusCode != 201 {
		t.Fatalf("coach conversation: %d %s", r.StatusCode, body(r))
	}
	for _, q := range []string{"How can I start my mornings more calmly?", "I want to kill myself"} {
		if r := call(t, "POST", "/api/coach/v1/conversations/"+conv.ID+"/ask", s.token, map[string]any{"text": q}, nil); r.StatusCode != 200 {
			t.Fatalf("coach ask: %d %s", r.StatusCode, body(r))
		}
	}
	if _, err := fs.Doc("orgs/"+orgA+"/sessions/"+lw.sessionID+"/copilot/privacy-"+s.uid).Set(ctx, map[string]any{
		"uid": s.uid, "phase": "pause", "state": "open", "rationale": "seeded", "created_at": time.Now()}); err != nil {
		t.Fatal(err)
	}

	// Insights about the session (the person listed, not sharing), a day's
	// copy of their own report, their Stripe customer and a seat they hold
	// in an organisation of their own.
	for path, doc := range map[string]map[string]any{
		"orgs/" + orgA + "/sessions/" + lw.sessionID + "/insights/retrospective": {"people": []string{s.uid}, "uids": []string{},
			"participants": []any{map[string]any{"uid": s.uid, "shared": false}}, "updated_at": time.Now()},
		"orgs/" + orgA + "/report_cache/privacy-" + s.uid: {"report": "me", "uid": s.uid, "rows": "[]", "day": "2026-12-06",
			"expire_at": time.Now().Add(48 * time.Hour)},
		"users/" + s.uid + "/billing/customer":                {"id": "cus_privacy"},
		"orgs/privacy-" + uuid.NewString() + "/billing/seats": {"holders": []string{s.uid}, "used": 1, "updated_at": time.Now()},
	} {
		if _, err := fs.Doc(path).Set(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}

	// The journal, through the API: an entry pushed from a device (entries,
	// the device's sync position, the journal's version and size), and the
	// entry's embedding as journal-embed keeps it.
	entryID, clientID := uuid.NewString(), uuid.NewString()
	push := map[string]any{"client_id": clientID, "mutations": []any{map[string]any{"id": 1, "name": "createEntry",
		"args": map[string]any{"id": entryID, "title": "Morning pages", "body": "A private reflection."}}}}
	if r := call(t, "POST", "/api/journal/v1/push", s.token, push, nil); r.StatusCode != 200 {
		t.Fatalf("journal push: %d %s", r.StatusCode, body(r))
	}
	if _, err := fs.Doc("users/"+s.uid+"/journal_vectors/"+entryID).Set(ctx, map[string]any{
		"hash": "seeded", "embedding": firestore.Vector32(make([]float32, 768)), "updated_at": time.Now()}); err != nil {
		t.Fatal(err)
	}

	// A canvas of the person's own, an element of theirs on it, their
	// presence and the op log naming them (as the realtime gateway writes).
	var cv struct {
		ID  string `json:"id"`
		Org string `json:"org"`
	}
	if r := call(t, "POST", "/api/canvas/v1/canvases", s.token, map[string]any{"title": "My reflections"}, &cv); r.StatusCode != 201 {
		t.Fatalf("canvas: %d %s", r.StatusCode, body(r))
	}
	cvPath := "orgs/" + cv.Org + "/canvases/" + cv.ID
	if r := call(t, "POST", "/api/canvas/v1/canvases/"+cv.ID+"/versions", s.token, nil, nil); r.StatusCode != 201 {
		t.Fatalf("canvas version: %d %s", r.StatusCode, body(r))
	}
	for path, data := range map[string]map[string]any{
		cvPath + "/elements/n1": {"kind": "note", "owner": s.uid, "props": map[string]any{"x": 1.0, "y": 2.0, "text": "a thought"},
			"stamps": map[string]any{"x": int64(1 << 20), "y": int64(1 << 20), "text": int64(1 << 20)}},
		cvPath + "/ops/b1": {"instance": "gateway", "t": time.Now().UnixMilli(), "expire_at": time.Now().Add(time.Hour), "ops": 1,
			"uids": []any{s.uid}, "patches": []any{map[string]any{"id": "n1", "from": s.uid, "props": map[string]any{"text": "a thought"}}}},
		cvPath + "/presence/" + s.uid: {"uid": s.uid, "name": "Subject", "lastSeen": time.Now(), "expireAt": time.Now().Add(time.Hour)},
	} {
		if _, err := fs.Doc(path).Set(ctx, data); err != nil {
			t.Fatal(err)
		}
	}

	// An image uploaded to orgA through the media function, fully processed
	// so no rendition is written after the erasure.
	img := testPNG(320, 200)
	up := upload(t, s.token, img)
	s.mediaObject = up.Object
	var media mediaResp
	for media.Status != "ready" {
		if ctx.Err() != nil {
			t.Fatalf("media never ready: %+v", media)
		}
		time.Sleep(100 * time.Millisecond)
		call(t, "GET", "/api/media/v1/media/"+up.ID, s.token, nil, &media)
	}

	// A personal file (avatar).
	st := storageClient(t)
	s.avatarObject = "users/" + s.uid + "/avatar.png"
	w := st.Bucket(topology.BucketName(env.Project(), "media")).Object(s.avatarObject).NewWriter(ctx)
	w.ContentType = "image/png"
	if _, err := w.Write(img); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// An analytics event, published through shared/events with the
	// consent checker as the gate, landed in BigQuery.
	pseudo, err := events.PseudonymizerFromEnv(env.Project(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	s.actor = pseudo.Actor(orgA, s.uid)
	checker := consentvault.NewChecker(consentvault.NewStore(fs, nil), fs, consentvault.CheckerOptions{})
	defer checker.Close()
	pub, err := events.NewPublisher(pubsubClient(t), events.Topic, events.PublisherOptions{
		Registry: events.Standard(), Pseudonyms: pseudo, Gate: checker})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var id string
	for id == "" {
		if ctx.Err() != nil {
			t.Fatal("the grant never reached the checker")
		}
		id, err = pub.Publish(ctx, events.Event{Type: events.TypeSessionCardSelected, OrgID: orgA, UID: s.uid, SessionID: "sess-privacy",
			Payload: events.SessionCardSelected{CardID: "FACES_002", CardKind: "photo", Phase: "focus"}})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	bqc := bigQueryClient(t)
	for {
		rows, err := queryEvents(ctx, bqc, id)
		if err == nil && len(rows) == 1 && rows[0].Actor == s.actor {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the event never landed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// An event still waiting in the outbox (a relay claimed it and hung):
	// until published it keeps the uid for the relay's consent check.
	waiting, err := events.Encode(&events.Envelope{EventID: uuid.NewString(), Type: events.TypeSessionCardSelected,
		OccurredAt: time.Now().UTC().Truncate(time.Microsecond), OrgID: orgA, Actor: s.actor, SessionID: "sess-privacy",
		Payload: json.RawMessage(`{"card_id":"FACES_003","card_kind":"photo","phase":"focus"}`), SchemaVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	var queued events.Envelope
	_ = json.Unmarshal(waiting, &queued)
	if _, err := fs.Collection(outbox.Collection).Doc(queued.EventID).Create(ctx, outbox.Doc{Type: queued.Type, OrgID: orgA,
		Status: outbox.StatusPending, Envelope: string(waiting), UID: s.uid, CreatedAt: time.Now(),
		LeaseUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return s
}

func storageClient(t *testing.T) *storage.Client {
	t.Helper()
	c, err := storage.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type privacyRequestView struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	DownloadURL      string         `json:"download_url"`
	ConfirmationCode string         `json:"confirmation_code"`
	Holders          map[string]int `json:"holders"`
}

// Export of a seeded user holds every holder's data; erasure of that user
// then leaves nothing findable by uid, email or pseudonymous id in
// Firestore, Storage, BigQuery or Auth, except the audit record.
func TestDataSubjectExportAndErasure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs, err := firestore.NewClient(ctx, env.Project())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	s := seedSubject(t, ctx, fs, "export")
	start := time.Now()

	// Two exports: the second lists the first archive (privacy.exports).
	var first, export privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/exports", s.token, map[string]any{}, &first); r.StatusCode != 201 {
		t.Fatalf("export: %d", r.StatusCode)
	}
	if r := call(t, "POST", "/api/consent/v1/me/exports", s.token, map[string]any{}, &export); r.StatusCode != 201 || export.DownloadURL == "" {
		t.Fatalf("export: %d %+v", r.StatusCode, export)
	}
	files := downloadZip(t, export.DownloadURL)
	for _, h := range privacy.Standard().Holders() {
		b, ok := files["data/"+h.Name+".json"]
		if !ok {
			t.Errorf("holder %s: no file in the export", h.Name)
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil || len(items) == 0 {
			t.Errorf("holder %s: %d items (%v): %s", h.Name, len(items), err, b)
		}
	}
	if _, ok := files["files/media.uploads/"+s.mediaObject]; !ok {
		t.Errorf("the uploaded image %s is not in the export", s.mediaObject)
	}
	if _, ok := files["files/media.personal/"+s.avatarObject]; !ok {
		t.Errorf("the avatar %s is not in the export", s.avatarObject)
	}
	if !bytes.Contains(files["data/analytics.events.json"], []byte(s.actor)) {
		t.Error("the analytics export does not hold the person's events")
	}
	if snap, err := fs.Doc("audit/privacy.export_completed-" + export.ID).Get(ctx); err != nil || snap.Data()["request_id"] != export.ID {
		t.Errorf("export audit record: %v", err)
	}
	waitPrivacyEvent(t, ctx, "export", start)

	// Erasure, confirmed.
	var er privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/erasure", s.token, map[string]any{}, &er); r.StatusCode != 201 || er.ConfirmationCode == "" {
		t.Fatalf("erasure request: %d %+v", r.StatusCode, er)
	}
	if r := call(t, "POST", "/api/consent/v1/me/erasure/"+er.ID+"/confirm", s.token, map[string]any{"code": "wrong"}, nil); r.StatusCode != 403 {
		t.Fatalf("wrong code: %d", r.StatusCode)
	}
	var done privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/erasure/"+er.ID+"/confirm", s.token, map[string]any{"code": er.ConfirmationCode}, &done); r.StatusCode != 200 || done.Status != "completed" {
		t.Fatalf("confirm: %d %+v", r.StatusCode, done)
	}
	assertErased(t, ctx, fs, s, er.ID)
	waitPrivacyEvent(t, ctx, "erasure", start)
}

// An erasure interrupted in the middle — the analytics table is missing
// while it runs, so every other holder is done and the BigQuery rows and
// the Auth user are not — finishes when the scheduled entry point retries.
func TestInterruptedErasureCompletesOnRetry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fs, err := firestore.NewClient(ctx, env.Project())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	s := seedSubject(t, ctx, fs, "interrupted")
	var er privacyRequestView
	if r := call(t, "POST", "/api/consent/v1/me/erasure", s.token, map[string]any{}, &er); r.StatusCode != 201 {
		t.Fatalf("erasure request: %d", r.StatusCode)
	}

	restore := takeTableOffline(t, ctx, bigQueryClient(t), "analytics", "events")
	if r := call(t, "POST", "/api/consent/v1/me/erasure/"+er.ID+"/confirm", s.token, map[string]any{"code": er.ConfirmationCode}, nil); r.StatusCode != 503 {
		t.Fatalf("confirm with BigQuery failing: %d, want 503", r.StatusCode)
	}
	var partial struct {
		Status   string         `firestore:"status"`
		Prepared bool           `firestore:"prepared"`
		Progress map[string]int `firestore:"progress"`
	}
	snap, err := fs.Doc("privacy_requests/" + er.ID).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.DataTo(&partial); err != nil {
		t.Fatal(err)
	}
	for _, h := range privacy.Standard().Holders() {
		_, done := partial.Progress[h.Name]
		if want := h.BigQuery == nil; done != want {
			t.Errorf("partial job: holder %s done=%v, want %v", h.Name, done, want)
		}
	}
	if partial.Status != "running" || !partial.Prepared {
		t.Fatalf("partial job %+v", partial)
	}
	if _, err := adminClient(t).GetUser(ctx, s.uid); err != nil {
		t.Fatalf("the Auth user went before every holder was erased: %v", err)
	}
	if snap, err := fs.Doc("users/" + s.uid).Get(ctx); err == nil && snap.Exists() {
		t.Error("the profile survived the first attempt")
	}
	restore()
	if rows := tableRowsContaining(t, ctx, bigQueryClient(t), "analytics", "events", s.actor); rows == 0 {
		t.Fatal("the person's events were lost with the table, not erased")
	}

	// The scheduled entry point (Cloud Scheduler's POST) finishes it.
	resumeErasures(t)
	assertErased(t, ctx, fs, s, er.ID)
	if rows := tableRowsContaining(t, ctx, bigQueryClient(t), "analytics", "events", s.actor); rows != 0 {
		t.Errorf("%d rows of the person left", rows)
	}
}

// resumeErasures invokes consent-erasures on the functions emulator as its
// Cloud Scheduler job does: a plain POST.
func resumeErasures(t *testing.T) {
	t.Helper()
	req, _ := http.NewRequest("POST", env.Functions.URL("consent-erasures"), strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("consent-erasures: %d %s", resp.StatusCode, b)
	}
}

// takeTableOffline moves a table's rows aside and deletes it, so every
// statement on it fails as on a missing table; the returned func (also
// run at cleanup) puts it back with its schema and rows.
func takeTableOffline(t *testing.T, ctx context.Context, c *bq.Client, dataset, table string) func() {
	t.Helper()
	tbl := c.Dataset(dataset).Table(table)
	meta, err := tbl.Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hold := c.Dataset(dataset).Table(fmt.Sprintf("%s_hold_%d", table, time.Now().UnixNano()))
	q := c.Query("SELECT * FROM `" + dataset + "." + table + "`")
	q.Dst = hold
	q.CreateDisposition, q.WriteDisposition = bq.CreateIfNeeded, bq.WriteTruncate
	runJob(t, ctx, q)
	if err := tbl.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if restored {
			return
		}
		restored = true
		if err := tbl.Create(context.Background(), &bq.TableMetadata{Schema: meta.Schema, Description: meta.Description,
			TimePartitioning: meta.TimePartitioning, Clustering: meta.Clustering}); err != nil {
			t.Errorf("restore %s.%s: %v", dataset, table, err)
			return
		}
		runJob(t, context.Background(), c.Query("INSERT INTO `"+dataset+"."+table+"` SELECT * FROM `"+dataset+"."+hold.TableID+"`"))
		if err := hold.Delete(context.Background()); err != nil {
			t.Errorf("drop %s: %v", hold.TableID, err)
		}
	}
	t.Cleanup(restore)
	return restore
}

func runJob(t *testing.T, ctx context.Context, q *bq.Query) {
	t.Helper()
	job, err := q.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := job.Wait(ctx)
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		t.Fatalf("%s: %v", q.Q, err)
	}
}

// tableRowsContaining counts the rows of a table whose values mention s.
func tableRowsContaining(t *testing.T, ctx context.Context, c *bq.Client, dataset, table, s string) int {
	t.Helper()
	it := c.Dataset(dataset).Table(table).Read(ctx)
	n := 0
	for {
		var row []bq.Value
		err := it.Next(&row)
		if errors.Is(err, iterator.Done) {
			return n
		}
		if err != nil {
			t.Fatalf("read %s.%s: %v", dataset, table, err)
		}
		if strings.Contains(fmt.Sprint(row), s) {
			n++
		}
	}
}

func downloadZip(t *testing.T, url string) map[string][]byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d %s", resp.StatusCode, b)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("export is not a ZIP: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// waitPrivacyEvent waits for a privacy.request_completed event of kind
// published since start.
func waitPrivacyEvent(t *testing.T, ctx context.Context, kind string, since time.Time) {
	t.Helper()
	for {
		for _, m := range env.PubSub.Fake().Messages() {
			e, err := events.Decode(m.Data)
			if err != nil || e.Type != events.TypePrivacyRequestCompleted || e.OccurredAt.Before(since.Add(-time.Second)) {
				continue
			}
			if p, err := events.DecodePayload[events.PrivacyRequestCompleted](events.Standard(), e); err == nil && string(p.Kind) == kind {
				return
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no privacy.request_completed event of kind %s", kind)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertErased searches Auth, every Firestore document, every object of
// every bucket and every row of every BigQuery table for the person.
func assertErased(t *testing.T, ctx context.Context, fs *firestore.Client, s *dataSubject, requestID string) {
	t.Helper()
	admin := adminClient(t)
	if _, err := admin.GetUser(ctx, s.uid); !fbauth.IsUserNotFound(err) {
		t.Errorf("Auth still knows the uid: %v", err)
	}
	if _, err := admin.GetUserByEmail(ctx, s.email); !fbauth.IsUserNotFound(err) {
		t.Errorf("Auth still knows the email: %v", err)
	}
	needles := s.needles()
	for _, f := range firestoreFindings(t, ctx, fs, needles) {
		t.Errorf("Firestore: %s", f)
	}
	for _, f := range storageFindings(t, ctx, needles) {
		t.Errorf("Storage: %s", f)
	}
	for _, f := range bigQueryFindings(t, ctx, needles) {
		t.Errorf("BigQuery: %s", f)
	}
	// What remains is the audit record and the request's bare state.
	audit, err := fs.Doc("audit/privacy.erasure_completed-" + requestID).Get(ctx)
	if err != nil || audit.Data()["request_id"] != requestID {
		t.Errorf("erasure audit record: %v", err)
	}
	req, err := fs.Doc("privacy_requests/" + requestID).Get(ctx)
	if err != nil || req.Data()["status"] != "completed" {
		t.Errorf("erasure request: %v %v", err, req.Data())
	}
}

func containsAny(s string, needles []string) bool {
	return slices.ContainsFunc(needles, func(n string) bool { return n != "" && strings.Contains(s, n) })
}

// firestoreFindings walks every collection from the root, documents with
// only subcollections included, and reports each document whose path or
// any value names the person.
func firestoreFindings(t *testing.T, ctx context.Context, fs *firestore.Client, needles []string) []string {
	t.Helper()
	var out []string
	var walkCols func(it *firestore.CollectionIterator)
	walkCols = func(it *firestore.CollectionIterator) {
		cols, err := it.GetAll()
		if err != nil {
			t.Fatalf("list collections: %v", err)
		}
		for _, c := range cols {
			refs, err := c.DocumentRefs(ctx).GetAll()
			if err != nil {
				t.Fatalf("list %s: %v", c.Path, err)
			}
			for _, ref := range refs {
				if containsAny(ref.Path, needles) {
					out = append(out, ref.Path)
				}
				snap, err := ref.Get(ctx)
				switch {
				case err == nil && containsAny(fmt.Sprint(snap.Data()), needles):
					out = append(out, fmt.Sprintf("%s holds %v", ref.Path, snap.Data()))
				case status.Code(err) == codes.NotFound: // only subcollections
				case err != nil:
					t.Fatalf("get %s: %v", ref.Path, err)
				}
				walkCols(ref.Collections(ctx))
			}
		}
	}
	walkCols(fs.Collections(ctx))
	return out
}

// storageFindings lists every object of every bucket of the project.
func storageFindings(t *testing.T, ctx context.Context, needles []string) []string {
	t.Helper()
	c := storageClient(t)
	var out []string
	bit := c.Buckets(ctx, env.Project())
	for {
		b, err := bit.Next()
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatalf("list buckets: %v", err)
		}
		oit := c.Bucket(b.Name).Objects(ctx, nil)
		for {
			o, err := oit.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				t.Fatalf("list %s: %v", b.Name, err)
			}
			if containsAny(o.Name, needles) || containsAny(fmt.Sprint(o.Metadata), needles) {
				out = append(out, fmt.Sprintf("gs://%s/%s %v", b.Name, o.Name, o.Metadata))
			}
		}
	}
}

// bigQueryFindings reads every row of every table of every dataset.
func bigQueryFindings(t *testing.T, ctx context.Context, needles []string) []string {
	t.Helper()
	c := bigQueryClient(t)
	var out []string
	dit := c.Datasets(ctx)
	for {
		ds, err := dit.Next()
		if errors.Is(err, iterator.Done) {
			return out
		}
		if err != nil {
			t.Fatalf("list datasets: %v", err)
		}
		tit := ds.Tables(ctx)
		for {
			tb, err := tit.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				t.Fatalf("list tables of %s: %v", ds.DatasetID, err)
			}
			meta, err := tb.Metadata(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if meta.Type == bq.ViewTable {
				continue // views show table rows, read at their source
			}
			for _, n := range needles {
				if k := tableRowsContaining(t, ctx, c, ds.DatasetID, tb.TableID, n); k > 0 {
					out = append(out, fmt.Sprintf("%d rows of %s.%s", k, ds.DatasetID, tb.TableID))
				}
			}
		}
	}
}
