package consent

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
)

func signerForTests() Signer {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	return Signer{Email: "signer@" + project + ".iam.gserviceaccount.com", Insecure: true,
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})}
}

var seq atomic.Int64

// newUser makes an Auth user whose address is verified.
func newUser(t *testing.T) (uid, email string) {
	t.Helper()
	return newUserWith(t, fmt.Sprintf("person%d.%d@example.test", seq.Add(1), time.Now().UnixNano()%1e6), true)
}

func newUserWith(t *testing.T, email string, verified bool) (uid, _ string) {
	t.Helper()
	u, err := admin.CreateUser(context.Background(), (&fbauth.UserToCreate{}).Email(email).Password("pw-123456").EmailVerified(verified))
	if err != nil {
		t.Fatal(err)
	}
	return u.UID, email
}

// call sends a request as uid (none when empty) and decodes a successful
// answer into out.
func call(t *testing.T, h http.Handler, method, path, uid string, body any, out any) int {
	t.Helper()
	r := apitest.Serve(t, h, method, path, idToken(t, uid), body)
	if out != nil && r.Code < 300 {
		r.JSON(t, out)
	}
	return r.Code
}

// idToken is a fresh ID token of uid from the Auth emulator ("" for none).
func idToken(t *testing.T, uid string) string {
	t.Helper()
	if uid == "" {
		return ""
	}
	tok, err := authSrv.MintIDToken(project, uid, "password", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func publishPolicies(t *testing.T, h http.Handler) {
	t.Helper()
	// The admin needs an Auth user for the token.
	if _, err := admin.GetUser(context.Background(), "policy-admin"); err != nil {
		if _, err := admin.CreateUser(context.Background(), (&fbauth.UserToCreate{}).UID("policy-admin")); err != nil && !strings.Contains(err.Error(), "exists") {
			t.Fatal(err)
		}
	}
	for _, p := range consentvault.Purposes() {
		if c := call(t, h, "POST", "/v1/policies/"+string(p), "policy-admin", map[string]any{"texts": map[string]string{"en": "About " + string(p)}}, nil); c != 201 {
			t.Fatalf("publish %s: %d", p, c)
		}
	}
}

func TestConsentAPI(t *testing.T) {
	h, err := New(deps(t))
	if err != nil {
		t.Fatal(err)
	}
	publishPolicies(t, h)
	uid, _ := newUser(t)
	ctx := context.Background()

	var st StateView
	if c := call(t, h, "GET", "/v1/me/consent", uid, nil, &st); c != 200 || len(st.Purposes) != 6 {
		t.Fatalf("state: %d %+v", c, st)
	}
	for _, e := range st.Purposes {
		if e.Granted {
			t.Errorf("default granted: %+v", e)
		}
	}
	// A non-admin cannot publish policies; bad input is a 4xx.
	if c := call(t, h, "POST", "/v1/policies/analytics", uid, map[string]any{"texts": map[string]string{"en": "x"}}, nil); c != 403 {
		t.Errorf("publish by a user: %d", c)
	}
	if c := call(t, h, "PUT", "/v1/me/consent/analytics", uid, map[string]any{"decision": "yes", "mechanism": "settings"}, nil); c != 400 {
		t.Errorf("bad decision: %d", c)
	}
	if c := call(t, h, "PUT", "/v1/me/consent/emotions", uid, map[string]any{"decision": "grant", "mechanism": "settings"}, nil); c != 404 {
		t.Errorf("unknown purpose: %d", c)
	}
	if c := call(t, h, "PUT", "/v1/me/consent/analytics", uid, map[string]any{"decision": "grant", "mechanism": "settings", "org": "not-mine"}, nil); c != 404 {
		t.Errorf("org scope without membership: %d", c)
	}

	for _, d := range []string{"grant", "withdraw"} {
		var resp DecisionResponse
		if c := call(t, h, "PUT", "/v1/me/consent/analytics", uid, map[string]any{"decision": d, "mechanism": "settings", "locale": "en"}, &resp); c != 200 || !resp.Changed {
			t.Fatalf("%s: %d %+v", d, c, resp)
		}
	}
	var rs struct{ Receipts []consentvault.Receipt }
	if c := call(t, h, "GET", "/v1/me/receipts", uid, nil, &rs); c != 200 || len(rs.Receipts) != 2 {
		t.Fatalf("receipts: %d %+v", c, rs)
	}
	var v consentvault.Verification
	if c := call(t, h, "GET", "/v1/me/receipts/verify", uid, nil, &v); c != 200 || !v.Intact {
		t.Fatalf("verify: %d %+v", c, v)
	}

	// Withdrawing coach_memory forgets what the coach stored.
	mem := fsClient.Collection("users").Doc(uid).Collection("coach_memory")
	if _, err := mem.Doc("m1").Set(ctx, map[string]any{"summary": "likes mornings"}); err != nil {
		t.Fatal(err)
	}
	call(t, h, "PUT", "/v1/me/consent/coach_memory", uid, map[string]any{"decision": "grant", "mechanism": "settings"}, nil)
	call(t, h, "PUT", "/v1/me/consent/coach_memory", uid, map[string]any{"decision": "withdraw", "mechanism": "settings"}, nil)
	if docs, _ := mem.Documents(ctx).GetAll(); len(docs) != 0 {
		t.Errorf("coach memory kept %d documents after withdrawal", len(docs))
	}
	if c := call(t, h, "GET", "/v1/me/consent", "", nil, nil); c != 401 {
		t.Errorf("no token: %d", c)
	}
}

// seedPerson gives a person data in every kind of holder.
func seedPerson(t *testing.T, uid, email, org string) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := fsClient.Collection("users").Doc(uid).Set(ctx, map[string]any{"display_name": "Seeded Person", "org": org})
	must(err)
	_, err = fsClient.Collection("users").Doc(uid).Collection("coach_memory").Doc("m").Set(ctx, map[string]any{"summary": "x"})
	must(err)
	_, err = fsClient.Collection("users").Doc(uid).Collection("journal").Doc("j1").Set(ctx, map[string]any{"body": "dear diary"})
	must(err)
	_, err = fsClient.Collection("orgs").Doc(org).Collection("members").Doc(uid).Set(ctx, map[string]any{"uid": uid, "email": email, "role": "participant"})
	must(err)
	_, err = fsClient.Collection("outbox").NewDoc().Set(ctx, map[string]any{"to": email, "kind": "invitation"})
	must(err)
	w := stClient.Bucket(project + "-media").Object("users/" + uid + "/avatar.png").NewWriter(ctx)
	w.Write([]byte("png-bytes"))
	must(w.Close())
	w = stClient.Bucket(project + "-media").Object("orgs/" + org + "/media/m-" + uid + "/original").NewWriter(ctx)
	w.Metadata = map[string]string{"uploader": uid}
	w.Write([]byte("org image"))
	must(w.Close())
	q := bqClient.Query(fmt.Sprintf("INSERT INTO analytics.events (event_id, org_id, actor) VALUES ('e-%s', '%s', '%s')", uid, org, pseudo.Actor(org, uid)))
	job, err := q.Run(ctx)
	must(err)
	s, err := job.Wait(ctx)
	must(err)
	must(s.Err())
}

func countActorRows(t *testing.T, actor string) int {
	t.Helper()
	q := bqClient.Query("SELECT COUNT(*) AS n FROM analytics.events WHERE actor = @a")
	q.Parameters = []bigquery.QueryParameter{{Name: "a", Value: actor}}
	it, err := q.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var row []bigquery.Value
	if err := it.Next(&row); err != nil && !errors.Is(err, iterator.Done) {
		t.Fatal(err)
	}
	return int(row[0].(int64))
}

func TestExportContainsEveryHolder(t *testing.T) {
	t.Parallel()
	d := deps(t)
	h, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	uid, email := newUser(t)
	org := "org-exp-" + uid[:6]
	seedPerson(t, uid, email, org)
	var v RequestView
	if c := call(t, h, "POST", "/v1/me/exports", uid, map[string]any{}, &v); c != 201 || v.DownloadURL == "" || v.Status != StatusCompleted {
		t.Fatalf("export: %d %+v", c, v)
	}
	rd, err := stClient.Bucket(project + "-exports").Object("dsr/" + uid + "/" + v.ID + ".zip").NewReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rd)
	rd.Close()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, f := range zr.File {
		r, _ := f.Open()
		c, _ := io.ReadAll(r)
		r.Close()
		all += f.Name + "\n" + string(c) + "\n"
	}
	for _, want := range []string{"data/accounts.user.json", "Seeded Person", "dear diary", "data/coach.memory.json", "data/accounts.memberships.json",
		"data/mail.outbox.json", "files/media.personal/users/" + uid + "/avatar.png", "png-bytes", "org image", "data/analytics.events.json", "e-" + uid} {
		if !strings.Contains(all, want) {
			t.Errorf("export lacks %q", want)
		}
	}
}

func TestErasureInterruptedFinishesOnRetry(t *testing.T) {
	// Not parallel: the erasure job runs every running erasure of the
	// emulator, other tests' too, and would record their completion events
	// through this test's outbox (and they this one's through theirs).
	ctx := context.Background()
	d := deps(t)
	published := apitest.NewEvents(t, apitest.EventsOptions{})
	d.Outbox = published.Outbox(fsClient)
	crash := true
	d.interrupt = func(holder string) error {
		if crash && holder == "accounts.memberships" {
			crash = false
			return errors.New("simulated crash")
		}
		return nil
	}
	h, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	uid, email := newUser(t)
	org := "org-era-" + uid[:6]
	seedPerson(t, uid, email, org)
	actor := pseudo.Actor(org, uid)
	if n := countActorRows(t, actor); n != 1 {
		t.Fatalf("seeded rows: %d", n)
	}
	var req RequestView
	if c := call(t, h, "POST", "/v1/me/erasure", uid, map[string]any{}, &req); c != 201 || req.ConfirmationCode == "" || req.Status != StatusAwaiting {
		t.Fatalf("request: %d %+v", c, req)
	}
	if c := call(t, h, "POST", "/v1/me/erasure/"+req.ID+"/confirm", uid, map[string]any{"code": "wrong"}, nil); c != 403 {
		t.Fatalf("wrong code: %d", c)
	}
	if c := call(t, h, "POST", "/v1/me/erasure/"+req.ID+"/confirm", uid, map[string]any{"code": req.ConfirmationCode}, nil); c != 503 {
		t.Fatalf("interrupted confirm: %d", c)
	}
	// The scheduled entry point finishes it.
	j, err := NewJobs(d)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := j.ResumeErasures(ctx); err != nil || n < 1 {
		t.Fatalf("resume: %d %v", n, err)
	}
	// A second run finds this request completed (other tests' erasures,
	// on the same emulator, may still be running: the count says nothing).
	if _, err := j.ResumeErasures(ctx); err != nil {
		t.Fatalf("second resume: %v", err)
	}
	if r, err := j.request(ctx, req.ID); err != nil || r.Status != StatusCompleted {
		t.Fatalf("after the resume: %+v %v", r.Status, err)
	}

	// Nothing findable by uid, email or actor.
	if _, err := admin.GetUser(ctx, uid); !fbauth.IsUserNotFound(err) {
		t.Errorf("auth user: %v", err)
	}
	if docs, _ := fsClient.Collection("users").Doc(uid).Collection("journal").Documents(ctx).GetAll(); len(docs) != 0 {
		t.Error("journal left")
	}
	if _, err := fsClient.Collection("users").Doc(uid).Get(ctx); !notFound(err) {
		t.Error("user document left")
	}
	for _, q := range []struct{ group, field, v string }{{"members", "uid", uid}, {"outbox", "to", email}, {"privacy_requests", "uid", uid}} {
		if docs, _ := fsClient.CollectionGroup(q.group).Where(q.field, "==", q.v).Documents(ctx).GetAll(); len(docs) != 0 {
			t.Errorf("%s left: %d", q.group, len(docs))
		}
	}
	it := stClient.Bucket(project+"-media").Objects(ctx, nil)
	for {
		o, err := it.Next()
		if err != nil {
			break
		}
		if strings.Contains(o.Name, "users/"+uid) || o.Metadata["uploader"] == uid {
			t.Errorf("object %s still names the person", o.Name)
		}
	}
	if n := countActorRows(t, actor); n != 0 {
		t.Errorf("%d BigQuery rows left", n)
	}
	var done RequestDoc
	snap, err := fsClient.Collection(colRequests).Doc(req.ID).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap.DataTo(&done)
	if done.Status != StatusCompleted || done.UID != "" || done.Email != "" || len(done.Actors) != 0 {
		t.Errorf("request after erasure: %+v", done)
	}
	a, err := fsClient.Collection(colAudit).Doc("privacy.erasure_completed-" + req.ID).Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(a.Data()); strings.Contains(string(b), uid) || strings.Contains(string(b), email) {
		t.Errorf("audit names the person: %s", b)
	}
	ev := published.Of(events.TypePrivacyRequestCompleted)
	if len(ev) != 1 || apitest.Payload[events.PrivacyRequestCompleted](t, ev[0]).Kind != KindErasure {
		t.Errorf("completion events %s", apitest.Describe(ev))
	}
}

func TestRetentionDeletesOldSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	d := deps(t)
	d.Now = func() time.Time { return now }
	j, err := NewJobs(d)
	if err != nil {
		t.Fatal(err)
	}
	org := fsClient.Collection("orgs").Doc(fmt.Sprintf("org-ret-%d", seq.Add(1)))
	org.Set(ctx, map[string]any{"retention_days": 30})
	old, recent := org.Collection("sessions").Doc("old"), org.Collection("sessions").Doc("recent")
	old.Set(ctx, map[string]any{"ended_at": now.Add(-31 * 24 * time.Hour)})
	old.Collection("cards").Doc("c").Set(ctx, map[string]any{"x": 1})
	recent.Set(ctx, map[string]any{"ended_at": now.Add(-24 * time.Hour)})
	if n, err := j.Retention(ctx); err != nil || n < 2 {
		t.Fatalf("retention: %d %v", n, err)
	}
	if _, err := old.Get(ctx); !notFound(err) {
		t.Error("old session kept")
	}
	if _, err := recent.Get(ctx); err != nil {
		t.Errorf("recent session: %v", err)
	}
}

// TestRetentionDeletesTheSessionsCanvases: a session's canvases are
// session data too (REQUIREMENTS: deleted after retention_days with it),
// with their elements, index entry and saved versions; canvases of other
// sessions and personal ones stay.
func TestRetentionDeletesTheSessionsCanvases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	d := deps(t)
	d.Now = func() time.Time { return now }
	j, err := NewJobs(d)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("org-retcv-%d", seq.Add(1))
	org := fsClient.Collection("orgs").Doc(id)
	org.Set(ctx, map[string]any{"retention_days": 30})
	org.Collection("sessions").Doc("old").Set(ctx, map[string]any{"ended_at": now.Add(-31 * 24 * time.Hour)})
	org.Collection("sessions").Doc("recent").Set(ctx, map[string]any{"ended_at": now.Add(-24 * time.Hour)})
	bucket := stClient.Bucket(d.BucketName("canvases"))
	canvas := func(cid, session string) *firestore.DocumentRef {
		ref := org.Collection("canvases").Doc(cid)
		ref.Set(ctx, map[string]any{"owner": "u-" + cid, "session_id": session, "title": cid})
		ref.Collection("elements").Doc("e").Set(ctx, map[string]any{"kind": "note", "owner": "u-" + cid})
		fsClient.Collection("canvas_index").Doc(cid).Set(ctx, map[string]any{"org": id})
		w := bucket.Object("owners/u-" + cid + "/canvases/" + cid + "/versions/v1.json").NewWriter(ctx)
		w.Write([]byte("{}"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return ref
	}
	gone := canvas(id+"-old", "old")
	kept := []*firestore.DocumentRef{canvas(id+"-recent", "recent"), canvas(id+"-mine", "")}
	if _, err := j.Retention(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := gone.Get(ctx); !notFound(err) {
		t.Error("the old session's canvas was kept")
	}
	if _, err := gone.Collection("elements").Doc("e").Get(ctx); !notFound(err) {
		t.Error("the old session's canvas elements were kept")
	}
	if _, err := fsClient.Collection("canvas_index").Doc(gone.ID).Get(ctx); !notFound(err) {
		t.Error("the old session's canvas index entry was kept")
	}
	if _, err := bucket.Object("owners/u-" + gone.ID + "/canvases/" + gone.ID + "/versions/v1.json").Attrs(ctx); !errors.Is(err, storage.ErrObjectNotExist) {
		t.Errorf("the old session's canvas versions were kept: %v", err)
	}
	for _, ref := range kept {
		if _, err := ref.Get(ctx); err != nil {
			t.Errorf("canvas %s: %v", ref.ID, err)
		}
		if _, err := bucket.Object("owners/u-" + ref.ID + "/canvases/" + ref.ID + "/versions/v1.json").Attrs(ctx); err != nil {
			t.Errorf("canvas %s versions: %v", ref.ID, err)
		}
	}
}

// TestDeletedAccountIsErasedAfterItsGracePeriod: an account deleted
// through the accounts function (users/{uid}.deletion) is erased by the
// erasure job once its grace period ends, through the erasure pipeline,
// once however often the job runs.
func TestDeletedAccountIsErasedAfterItsGracePeriod(t *testing.T) {
	// Not parallel: the erasure job runs every running erasure of the
	// emulator, other tests' too, and would record their completion events
	// through this test's outbox (and they this one's through theirs).
	ctx := context.Background()
	d := deps(t)
	j, err := NewJobs(d)
	if err != nil {
		t.Fatal(err)
	}
	uid, email := newUser(t)
	org := "org-del-" + uid[:6]
	seedPerson(t, uid, email, org)
	purgeAt := time.Now().Add(time.Hour)
	if _, err := fsClient.Collection("users").Doc(uid).Set(ctx, map[string]any{"status": "deleting",
		"deletion": map[string]any{"requested_at": time.Now(), "purge_after": purgeAt}}, firestore.MergeAll); err != nil {
		t.Fatal(err)
	}
	if _, err := j.StartAccountDeletions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := j.request(ctx, AccountDeletionRequest(uid)); !errors.Is(err, errNotFound) {
		t.Fatalf("started within the grace period: %v", err)
	}

	j.d.Now = func() time.Time { return purgeAt.Add(time.Minute) }
	for range 2 {
		if _, err := j.StartAccountDeletions(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := j.ResumeErasures(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r, err := j.request(ctx, AccountDeletionRequest(uid))
	if err != nil || r.Status != StatusCompleted {
		t.Fatalf("the deleted account's erasure: %+v %v", r.Status, err)
	}
	if _, err := fsClient.Collection("users").Doc(uid).Get(ctx); !notFound(err) {
		t.Error("user document left")
	}
	if _, err := admin.GetUser(ctx, uid); !fbauth.IsUserNotFound(err) {
		t.Errorf("auth user: %v", err)
	}
	if n := countActorRows(t, pseudo.Actor(org, uid)); n != 0 {
		t.Errorf("%d analytics rows left", n)
	}
}
