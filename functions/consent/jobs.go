package consent

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/privacy"
)

// Jobs runs data-subject requests (export, erasure) and retention over
// every holder of the privacy registry.
type Jobs struct {
	d     Deps
	store *consentvault.Store
}

// NewJobs builds the jobs (the scheduled entry points use them directly).
func NewJobs(d Deps) (*Jobs, error) {
	d, err := d.check(false)
	if err != nil {
		return nil, err
	}
	return newJobs(d), nil
}

func newJobs(d Deps) *Jobs { return &Jobs{d: d, store: consentvault.NewStore(d.Firestore, d.Now)} }

// identify finds who uid is to the holders: the account's address (normal
// form) and whether it is verified, the other spellings under which that
// address was stored, and the pseudonymous actors (one per organisation
// the person belongs or belonged to).
func (j *Jobs) identify(ctx context.Context, uid string) (privacy.Subject, error) {
	s := privacy.Subject{UID: uid}
	u, err := j.d.Admin.GetUser(ctx, uid)
	switch {
	case fbauth.IsUserNotFound(err):
	case err != nil:
		return s, fmt.Errorf("auth user: %w", err)
	default:
		s.Email, s.EmailVerified = privacy.NormalEmail(u.Email), u.EmailVerified
	}
	if s.Spellings, err = j.spellings(ctx, s); err != nil {
		return s, fmt.Errorf("address spellings: %w", err)
	}
	orgs := map[string]bool{}
	if snap, err := j.d.Firestore.Collection("users").Doc(uid).Get(ctx); err == nil {
		if o, ok := snap.Data()["org"].(string); ok && o != "" {
			orgs[o] = true
		}
	} else if !notFound(err) {
		return s, err
	}
	members, err := j.d.Firestore.CollectionGroup("members").Where("uid", "==", uid).Documents(ctx).GetAll()
	if err != nil {
		return s, fmt.Errorf("memberships: %w", err)
	}
	for _, m := range members {
		// orgs/{org}/members/{uid}, and the members of an organisation's
		// resources (orgs/{org}/sessions/{id}/members/{uid}): events about
		// a session are pseudonymised under the session's organisation,
		// which a participant from elsewhere does not belong to.
		if o := orgOf(m.Ref); o != "" {
			orgs[o] = true
		}
	}
	st, err := j.store.State(ctx, uid)
	if err != nil {
		return s, err
	}
	for _, e := range st.Entries {
		if e.Org != "" {
			orgs[e.Org] = true
		}
	}
	for o := range orgs {
		s.Actors = append(s.Actors, j.d.Pseudonyms.Actor(o, uid))
	}
	slices.Sort(s.Actors)
	return s, nil
}

// spellings finds, through the holders that keep a normalised copy of an
// address beside its original form, the forms other than s.Email in which
// the address was stored before addresses were normalised on entry: the
// mail sent then went to that spelling. Only a verified owner's address is
// looked up.
func (j *Jobs) spellings(ctx context.Context, s privacy.Subject) ([]string, error) {
	if s.Email == "" || !s.EmailVerified {
		return nil, nil
	}
	var out []string
	for _, h := range j.d.Registry.Holders() {
		f := h.Firestore
		if f == nil || f.NormalField == "" {
			continue
		}
		snaps, err := j.d.Firestore.CollectionGroup(f.Group).Where(f.NormalField, "==", s.Email).Documents(ctx).GetAll()
		if err != nil {
			return nil, err
		}
		for _, sn := range snaps {
			if v, _ := sn.Data()[f.Field].(string); v != "" && v != s.Email && privacy.NormalEmail(v) == s.Email && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// orgOf is the organisation a document lives under (orgs/{org}/…), or "".
func orgOf(ref *firestore.DocumentRef) string {
	for d := ref; d != nil; d = d.Parent.Parent {
		if d.Parent.ID == "orgs" && d.Parent.Parent == nil {
			return d.ID
		}
	}
	return ""
}

// skipRegistered skips, below a document holder, the subtrees other
// holders own, so each datum is exported once, under its own holder.
func (j *Jobs) skipRegistered(self privacy.Holder, uid string) func(string) bool {
	var own []string
	for _, h := range j.d.Registry.Holders() {
		if h.Name != self.Name && h.Firestore != nil && h.Firestore.Path != "" {
			own = append(own, privacy.Expand(h.Firestore.Path, uid))
		}
	}
	return func(p string) bool { return slices.Contains(own, p) }
}

// groupDocs lists the documents of a group holder naming the person: by
// its key field and, where the holder keeps one, its normalised copy. An
// error wrapping privacy.ErrUnverifiedEmail means the holder must not be
// searched for this person.
func (j *Jobs) groupDocs(ctx context.Context, h privacy.Holder, s privacy.Subject) ([]*firestore.DocumentSnapshot, error) {
	values, err := s.Values(h)
	if err != nil || len(values) == 0 {
		return nil, err
	}
	f := h.Firestore
	op := "=="
	if f.Shared {
		op = "array-contains"
	}
	fields := []string{f.Field}
	if f.NormalField != "" {
		fields = append(fields, f.NormalField)
	}
	var out []*firestore.DocumentSnapshot
	seen := map[string]bool{}
	for _, field := range fields {
		for _, v := range values {
			snaps, err := j.d.Firestore.CollectionGroup(f.Group).Where(field, op, v).Documents(ctx).GetAll()
			if err != nil {
				return nil, err
			}
			for _, sn := range snaps {
				if !seen[sn.Ref.Path] {
					seen[sn.Ref.Path] = true
					out = append(out, sn)
				}
			}
		}
	}
	return out, nil
}

// objects lists the objects of a storage holder that belong to the person.
func (j *Jobs) objects(ctx context.Context, st *privacy.Storage, uid string) ([]*storage.ObjectAttrs, error) {
	b := j.d.Storage.Bucket(j.d.BucketName(st.Bucket))
	it := b.Objects(ctx, &storage.Query{Prefix: privacy.Expand(st.Prefix, uid)})
	var out []*storage.ObjectAttrs
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if errors.Is(err, storage.ErrBucketNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if st.MetadataKey == "" || o.Metadata[st.MetadataKey] == uid {
			out = append(out, o)
		}
	}
}

func (j *Jobs) table(bq *privacy.BigQuery) string { return "`" + bq.Table + "`" }

// Export gathers everything the registry holds about uid into a ZIP in
// the exports bucket and returns the completed request with a signed URL.
func (j *Jobs) Export(ctx context.Context, uid, org string) (RequestView, error) {
	id, r, err := j.newRequest(ctx, KindExport, uid, org, "")
	if err != nil {
		return RequestView{}, err
	}
	s, err := j.identify(ctx, uid)
	if err != nil {
		return RequestView{}, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	counts := map[string]int{}
	withheld := map[string]string{}
	for _, h := range j.d.Registry.Holders() {
		n, err := j.exportHolder(ctx, zw, h, s)
		if errors.Is(err, privacy.ErrUnverifiedEmail) {
			// Said in the manifest, not left out silently.
			withheld[h.Name] = privacy.Withheld(err)
			continue
		}
		if err != nil {
			return RequestView{}, fmt.Errorf("export %s: %w", h.Name, err)
		}
		counts[h.Name] = n
	}
	manifest := map[string]any{"request_id": id, "created_at": r.CreatedAt, "holders": describe(j.d.Registry)}
	if len(withheld) > 0 {
		manifest["withheld"] = withheld
	}
	if err := writeJSON(zw, "README.json", manifest); err != nil {
		return RequestView{}, err
	}
	if err := zw.Close(); err != nil {
		return RequestView{}, err
	}
	object := privacy.Expand("dsr/{uid}/", uid) + id + ".zip"
	w := j.d.Storage.Bucket(j.d.BucketName("exports")).Object(object).NewWriter(ctx)
	w.ContentType = "application/zip"
	if _, err := w.Write(buf.Bytes()); err != nil {
		w.Close()
		return RequestView{}, fmt.Errorf("write archive: %w", err)
	}
	if err := w.Close(); err != nil {
		return RequestView{}, fmt.Errorf("write archive: %w", err)
	}
	now := j.d.Now().UTC()
	r.Status, r.Object, r.Progress, r.CompletedAt = StatusCompleted, object, counts, now
	if len(withheld) > 0 {
		r.Withheld = withheld
	}
	if err := j.finish(ctx, id, r, "privacy.export_completed"); err != nil {
		return RequestView{}, err
	}
	v := view(id, r, now)
	if err := j.sign(&v, object); err != nil {
		return RequestView{}, err
	}
	return v, nil
}

func describe(r *privacy.Registry) map[string]string {
	out := map[string]string{}
	for _, h := range r.Holders() {
		out[h.Name] = h.Description
	}
	return out
}

func (j *Jobs) sign(v *RequestView, object string) error {
	exp := j.d.Now().Add(j.d.URLTTL)
	u, err := j.d.Storage.Bucket(j.d.BucketName("exports")).SignedURL(object, &storage.SignedURLOptions{
		Scheme: storage.SigningSchemeV4, Method: http.MethodGet, Expires: exp,
		GoogleAccessID: j.d.Signer.Email, PrivateKey: j.d.Signer.PrivateKeyPEM,
		Hostname: j.d.Signer.Hostname, Insecure: j.d.Signer.Insecure,
	})
	if err != nil {
		return fmt.Errorf("sign export url: %w", err)
	}
	v.DownloadURL, v.ExpiresAt = u, &exp
	return nil
}

func writeJSON(zw *zip.Writer, name string, v any) error {
	w, err := zw.Create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// self is the value naming the person in a shared holder's array.
func self(h privacy.Holder, s privacy.Subject) string {
	if h.Firestore.By == privacy.ByEmail {
		return s.Email
	}
	return s.UID
}

func (j *Jobs) exportHolder(ctx context.Context, zw *zip.Writer, h privacy.Holder, s privacy.Subject) (int, error) {
	name := "data/" + h.Name + ".json"
	switch {
	case h.Firestore != nil && h.Firestore.Path != "":
		docs, err := collectDocs(ctx, j.d.Firestore, privacy.Expand(h.Firestore.Path, s.UID), j.skipRegistered(h, s.UID))
		if err != nil {
			return 0, err
		}
		return len(docs), writeJSON(zw, name, docs)
	case h.Firestore != nil:
		snaps, err := j.groupDocs(ctx, h, s)
		if err != nil {
			return 0, err
		}
		docs := make([]docEntry, 0, len(snaps))
		for _, sn := range snaps {
			data := sn.Data()
			if h.Firestore.Shared {
				// The other people of a shared document are not the
				// requester's data: their ids are masked.
				data = maskOthers(data, h.Firestore.Field, self(h, s))
			}
			docs = append(docs, docEntry{Path: relPath(sn.Ref), Data: jsonSafe(data).(map[string]any)})
		}
		return len(docs), writeJSON(zw, name, docs)
	case h.Storage != nil:
		objs, err := j.objects(ctx, h.Storage, s.UID)
		if err != nil {
			return 0, err
		}
		var list []map[string]any
		for _, o := range objs {
			entry := map[string]any{"object": o.Name, "content_type": o.ContentType, "size": o.Size, "created": o.Created}
			if h.Name == "privacy.exports" {
				// Earlier archives are listed, not nested in this one.
				list = append(list, entry)
				continue
			}
			rd, err := j.d.Storage.Bucket(o.Bucket).Object(o.Name).NewReader(ctx)
			if err != nil {
				return 0, err
			}
			fw, err := zw.Create("files/" + h.Name + "/" + path.Clean(o.Name))
			if err == nil {
				_, err = io.Copy(fw, rd)
			}
			rd.Close()
			if err != nil {
				return 0, err
			}
			list = append(list, entry)
		}
		return len(list), writeJSON(zw, name, list)
	case h.BigQuery != nil:
		var rows []map[string]bigquery.Value
		for _, a := range s.Actors {
			q := j.d.BigQuery.Query("SELECT * FROM " + j.table(h.BigQuery) + " WHERE " + h.BigQuery.Column + " = @actor")
			q.Parameters = []bigquery.QueryParameter{{Name: "actor", Value: a}}
			it, err := q.Read(ctx)
			if err != nil {
				return 0, err
			}
			for {
				row := map[string]bigquery.Value{}
				err := it.Next(&row)
				if errors.Is(err, iterator.Done) {
					break
				}
				if err != nil {
					return 0, err
				}
				rows = append(rows, row)
			}
		}
		return len(rows), writeJSON(zw, name, rows)
	}
	return 0, nil
}

// finish records the audit entry, the request's final state and its
// announcement (privacy.request_completed, through the outbox) in one
// commit. A repeated finish finds the audit entry and changes nothing:
// the first one recorded all three.
func (j *Jobs) finish(ctx context.Context, id string, r RequestDoc, auditType string) error {
	audit := AuditDoc{Type: auditType, RequestID: id, At: r.CompletedAt, Holders: r.Progress, OrgsDissolved: r.OrgsDissolved}
	n := 0
	for _, c := range r.Progress {
		if c > 0 {
			n++
		}
	}
	ob := j.d.Outbox
	if ob == nil {
		ob = outbox.New(j.d.Firestore, outbox.Options{})
	}
	err := ob.Run(ctx, func(_ context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if err := tx.Create(j.d.Firestore.Collection(colAudit).Doc(auditType+"-"+id), audit); err != nil {
			return err
		}
		if err := tx.Set(j.d.Firestore.Collection(colRequests).Doc(id), r); err != nil {
			return err
		}
		if j.d.Outbox == nil {
			return nil
		}
		return out.Event(events.Event{
			Type: events.TypePrivacyRequestCompleted, OrgID: orgOrPlatform(r.Org),
			Payload: events.PrivacyRequestCompleted{Kind: events.Enum(r.Kind), Holders: n,
				DaysOpen: int(r.CompletedAt.Sub(r.CreatedAt).Hours() / 24)},
		})
	})
	if err != nil && !alreadyExists(err) {
		return fmt.Errorf("record completion: %w", err)
	}
	return nil
}

func orgOrPlatform(org string) string {
	if org == "" {
		return "platform"
	}
	return org
}

// RequestErasure opens an erasure request awaiting confirmation and
// returns it with the one-time confirmation code.
// The only admin of an organisation with other members is refused (a
// soleAdminError; see orgs.go).
func (j *Jobs) RequestErasure(ctx context.Context, uid, org string) (RequestView, error) {
	if err := j.mayErase(ctx, uid); err != nil {
		return RequestView{}, err
	}
	code, h := newCode()
	id, r, err := j.newRequest(ctx, KindErasure, uid, org, h)
	if err != nil {
		return RequestView{}, err
	}
	v := view(id, r, j.d.Now())
	v.ConfirmationCode = code
	return v, nil
}

// Errors of ConfirmErasure.
var (
	errBadCode   = errors.New("wrong confirmation code")
	errNotAwaits = errors.New("the request is not awaiting confirmation")
)

// ConfirmErasure checks the code and the organisations the person would
// leave (see orgs.go), then runs the erasure.
func (j *Jobs) ConfirmErasure(ctx context.Context, uid, id, code string) (RequestView, error) {
	var r RequestDoc
	err := j.d.Firestore.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		ref := j.d.Firestore.Collection(colRequests).Doc(id)
		snap, err := tx.Get(ref)
		if notFound(err) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if err := snap.DataTo(&r); err != nil {
			return err
		}
		switch {
		case r.Kind != KindErasure || r.UID != uid:
			return errNotFound
		case r.Status != StatusAwaiting:
			return errNotAwaits
		case hashCode(code) != r.ConfirmHash:
			return errBadCode
		}
		// Checked again: an organisation may have gained members since
		// the request.
		if err := j.mayErase(ctx, uid); err != nil {
			return err
		}
		r.Status, r.ConfirmHash = StatusRunning, ""
		return tx.Update(ref, []firestore.Update{{Path: "status", Value: StatusRunning}, {Path: "confirm_hash", Value: firestore.Delete}})
	})
	if err != nil {
		return RequestView{}, err
	}
	if err := j.RunErasure(ctx, id); err != nil {
		return RequestView{}, err
	}
	r, err = j.request(ctx, id)
	if err != nil {
		return RequestView{}, err
	}
	return view(id, r, j.d.Now()), nil
}

// RunErasure runs (or resumes) a confirmed erasure. Each holder's
// completion is saved, so a crash leaves a request a retry finishes.
func (j *Jobs) RunErasure(ctx context.Context, id string) error {
	r, err := j.request(ctx, id)
	if err != nil {
		return err
	}
	if r.Kind != KindErasure || r.Status == StatusAwaiting {
		return errNotAwaits
	}
	if r.Status == StatusCompleted {
		return nil
	}
	ref := j.d.Firestore.Collection(colRequests).Doc(id)
	if !r.Prepared {
		// Who the person is, and which organisations they alone make up,
		// must be known before anything naming them (memberships, the
		// Auth user) is gone.
		s, err := j.identify(ctx, r.UID)
		if err != nil {
			return err
		}
		st, err := authz.StandingOf(ctx, j.d.Firestore, r.UID)
		if err != nil {
			return err
		}
		r.Email, r.EmailVerified, r.Spellings, r.Actors, r.Dissolve, r.Prepared = s.Email, s.EmailVerified, s.Spellings, s.Actors, st.Dissolve, true
		if _, err := ref.Update(ctx, []firestore.Update{{Path: "email", Value: r.Email}, {Path: "email_verified", Value: r.EmailVerified},
			{Path: "spellings", Value: r.Spellings}, {Path: "actors", Value: r.Actors}, {Path: "dissolve", Value: r.Dissolve},
			{Path: "prepared", Value: true}}); err != nil {
			return err
		}
	}
	s := privacy.Subject{UID: r.UID, Email: r.Email, EmailVerified: r.EmailVerified, Spellings: r.Spellings, Actors: r.Actors}
	for _, h := range j.d.Registry.Holders() {
		if _, done := r.Progress[h.Name]; done {
			continue
		}
		n, err := j.eraseHolder(ctx, h, s, id)
		if errors.Is(err, privacy.ErrUnverifiedEmail) {
			// What was sent to an address the account never proved stays
			// with the address's owner; recorded as done with nothing erased.
			n, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("erase %s: %w", h.Name, err)
		}
		if err := j.saveProgress(ctx, id, h.Name, n); err != nil {
			return err
		}
		r.Progress[h.Name] = n
		if j.d.interrupt != nil {
			if err := j.d.interrupt(h.Name); err != nil {
				return err
			}
		}
	}
	for _, org := range r.Dissolve {
		if _, err := j.dissolve(ctx, org); err != nil {
			return fmt.Errorf("dissolve an organisation: %w", err)
		}
	}
	if err := j.d.Admin.RevokeRefreshTokens(ctx, r.UID); err != nil && !fbauth.IsUserNotFound(err) {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	if err := j.d.Admin.DeleteUser(ctx, r.UID); err != nil && !fbauth.IsUserNotFound(err) {
		return fmt.Errorf("delete auth user: %w", err)
	}
	if j.d.Checker != nil {
		j.d.Checker.Invalidate(r.UID)
	}
	done := RequestDoc{Kind: r.Kind, Status: StatusCompleted, Org: r.Org, Prepared: true, Progress: r.Progress,
		CreatedAt: r.CreatedAt, DueAt: r.DueAt, CompletedAt: j.d.Now().UTC(), OrgsDissolved: len(r.Dissolve)}
	return j.finish(ctx, id, done, "privacy.erasure_completed")
}

func (j *Jobs) eraseHolder(ctx context.Context, h privacy.Holder, s privacy.Subject, requestID string) (int, error) {
	switch {
	case h.Firestore != nil && h.Firestore.Path != "":
		return deleteTree(ctx, j.d.Firestore, privacy.Expand(h.Firestore.Path, s.UID))
	case h.Firestore != nil:
		snaps, err := j.groupDocs(ctx, h, s)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, sn := range snaps {
			if h.Firestore.Shared {
				if err := j.removeFromShared(ctx, sn.Ref, self(h, s)); err != nil {
					return n, err
				}
				n++
				continue
			}
			if sn.Ref.Parent.ID == colRequests && sn.Ref.ID == requestID {
				continue // the running request itself is stripped at the end
			}
			k, err := deleteTree(ctx, j.d.Firestore, relPath(sn.Ref))
			if err != nil {
				return n, err
			}
			n += k
		}
		return n, nil
	case h.Storage != nil:
		objs, err := j.objects(ctx, h.Storage, s.UID)
		if err != nil {
			return 0, err
		}
		for _, o := range objs {
			obj := j.d.Storage.Bucket(o.Bucket).Object(o.Name)
			if h.Storage.MetadataKey != "" {
				// Organisation content stays; the person's name goes.
				_, err = obj.Update(ctx, storage.ObjectAttrsToUpdate{Metadata: map[string]string{h.Storage.MetadataKey: ""}})
			} else {
				err = obj.Delete(ctx)
			}
			if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
				return 0, err
			}
		}
		return len(objs), nil
	case h.BigQuery != nil:
		n := 0
		for _, a := range s.Actors {
			q := j.d.BigQuery.Query("DELETE FROM " + j.table(h.BigQuery) + " WHERE " + h.BigQuery.Column + " = @actor")
			q.Parameters = []bigquery.QueryParameter{{Name: "actor", Value: a}}
			job, err := q.Run(ctx)
			if err != nil {
				return n, err
			}
			st, err := job.Wait(ctx)
			if err == nil {
				err = st.Err()
			}
			if err != nil {
				return n, err
			}
			if qs, ok := st.Statistics.Details.(*bigquery.QueryStatistics); ok {
				n += int(qs.NumDMLAffectedRows)
			}
		}
		return n, nil
	}
	return 0, nil
}

// StartAccountDeletions turns every account whose deletion grace period
// has ended (users/{uid}.deletion.purge_after, set by the accounts
// function's DELETE /v1/me) into a running erasure request, so one
// pipeline erases a person however they asked; ResumeErasures then runs
// it. The request's id is derived from the uid, so a later run finds it
// instead of starting another. It returns how many it started.
func (j *Jobs) StartAccountDeletions(ctx context.Context) (int, error) {
	now := j.d.Now().UTC()
	snaps, err := j.d.Firestore.Collection("users").Where("deletion.purge_after", "<=", now).Documents(ctx).GetAll()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sn := range snaps {
		uid := sn.Ref.ID
		r := RequestDoc{Kind: KindErasure, UID: uid, Status: StatusRunning, Progress: map[string]int{},
			CreatedAt: now, DueAt: now.Add(Deadline), Extra: map[string]string{"origin": "account_deletion"}}
		_, err := j.d.Firestore.Collection(colRequests).Doc(AccountDeletionRequest(uid)).Create(ctx, r)
		if status.Code(err) == codes.AlreadyExists {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("start the erasure of a deleted account: %w", err)
		}
		n++
	}
	return n, nil
}

// AccountDeletionRequest is the id of the erasure request of uid's
// deleted account.
func AccountDeletionRequest(uid string) string { return "account-deletion-" + uid }

// ResumeErasures finishes every erasure left running: confirmed ones a
// crash interrupted, and those StartAccountDeletions started; it returns
// how many it finished.
func (j *Jobs) ResumeErasures(ctx context.Context) (int, error) {
	snaps, err := j.d.Firestore.Collection(colRequests).Where("status", "==", StatusRunning).Documents(ctx).GetAll()
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, sn := range snaps {
		if k, _ := sn.DataAt("kind"); k != KindErasure {
			continue
		}
		if err := j.RunErasure(ctx, sn.Ref.ID); err != nil {
			errs = append(errs, fmt.Errorf("request %s: %w", sn.Ref.ID, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Retention deletes session data older than each organisation's
// retention_days (orgs/{org}/sessions/{id} by ended_at — ended or
// cancelled —, with everything below, and its session_index entry); it
// returns how many documents it deleted.
func (j *Jobs) Retention(ctx context.Context) (int, error) {
	orgs, err := j.d.Firestore.Collection("orgs").Where("retention_days", ">", 0).Documents(ctx).GetAll()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range orgs {
		days, _ := o.DataAt("retention_days")
		d, ok := days.(int64)
		if !ok || d <= 0 {
			continue
		}
		cutoff := j.d.Now().Add(-time.Duration(d) * 24 * time.Hour)
		old, err := o.Ref.Collection("sessions").Where("ended_at", "<", cutoff).Documents(ctx).GetAll()
		if err != nil {
			return n, err
		}
		for _, s := range old {
			k, err := deleteTree(ctx, j.d.Firestore, relPath(s.Ref))
			if err != nil {
				return n, err
			}
			n += k
			// The session's entry in the index of functions/sessions
			// goes with it.
			if _, err := j.d.Firestore.Collection("session_index").Doc(s.Ref.ID).Delete(ctx); err != nil && !notFound(err) {
				return n, err
			}
			k, err = j.deleteSessionCanvases(ctx, o.Ref, s.Ref.ID)
			n += k
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// deleteSessionCanvases deletes the canvases of session sid in org (the
// session's group boards are session data): each canvas with everything
// below it, its canvas_index entry and its saved versions in the canvases
// bucket (owners/{owner}/canvases/{id}/, functions/canvas).
func (j *Jobs) deleteSessionCanvases(ctx context.Context, org *firestore.DocumentRef, sid string) (int, error) {
	canvases, err := org.Collection("canvases").Where("session_id", "==", sid).Documents(ctx).GetAll()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range canvases {
		if owner, _ := c.Data()["owner"].(string); owner != "" && !strings.Contains(owner, "/") {
			b := j.d.Storage.Bucket(j.d.BucketName("canvases"))
			it := b.Objects(ctx, &storage.Query{Prefix: "owners/" + owner + "/canvases/" + c.Ref.ID + "/"})
			for {
				o, err := it.Next()
				if err == iterator.Done {
					break
				}
				if err != nil {
					return n, err
				}
				if err := b.Object(o.Name).Delete(ctx); err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
					return n, err
				}
			}
		}
		k, err := deleteTree(ctx, j.d.Firestore, relPath(c.Ref))
		n += k
		if err != nil {
			return n, err
		}
		if _, err := j.d.Firestore.Collection("canvas_index").Doc(c.Ref.ID).Delete(ctx); err != nil && !notFound(err) {
			return n, err
		}
	}
	return n, nil
}

// Cascade applies what a withdrawal takes away: coach_memory forgets the
// journal-derived context the coach stored.
func (j *Jobs) Cascade(ctx context.Context, uid string, p consentvault.Purpose) (int, error) {
	if p != consentvault.CoachMemory {
		return 0, nil
	}
	return deleteTree(ctx, j.d.Firestore, privacy.Expand("users/{uid}/coach_memory", uid))
}
