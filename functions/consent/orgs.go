package consent

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/authz"
)

// The erasure of a person and the organisations they belong to.
//
// An organisation must neither lose its last administrator while other
// people still depend on it, nor linger with no member at all (its email
// domains would stay claimed and its SSO enforced, by nobody). So:
//   - the only org_admin of an organisation that has other members can
//     neither request nor confirm their erasure (409, problem type
//     "sole-admin"): they appoint another org_admin first, or remove the
//     other members — the rule DELETE /members applies;
//   - the only member of an organisation may erase themselves, and the
//     erasure dissolves the organisation: its documents (settings,
//     journeys, sessions with everything below them, invitations), its
//     entries in the session index, its media objects and its claims on
//     email domains (domains/{domain}) go with it. Nobody is left who could
//     act for it, and its data has no one left to answer for it.
//
// The rule is checked when the erasure is requested and again when it is
// confirmed; an organisation someone joins in the moment between the
// confirmation and the run keeps its documents (it is not dissolved) and
// loses its admin — the person's erasure is not held up by it.

// memberOrgDoc is the id of an organisation document orgs/{org}, or "".
func memberOrgDoc(ref *firestore.DocumentRef) string {
	if ref.Parent == nil || ref.Parent.ID != "orgs" || ref.Parent.Parent != nil {
		return ""
	}
	return ref.ID
}

// mayErase refuses the erasure of uid when it would leave an organisation
// with members but no admin (authz.SoleAdminError).
func (j *Jobs) mayErase(ctx context.Context, uid string) error {
	s, err := authz.StandingOf(ctx, j.d.Firestore, uid)
	if err != nil {
		return err
	}
	return s.Check()
}

// dissolve deletes an organisation that has lost its last member: its
// domain claims first (so that nothing is routed to it any more), its
// session index entries, its media objects, then its documents. Each step
// is idempotent, so a resumed erasure repeats it harmlessly. It returns
// how many documents and objects it deleted.
func (j *Jobs) dissolve(ctx context.Context, org string) (int, error) {
	if !authz.ValidOrgID(org) {
		return 0, nil
	}
	n := 0
	for _, col := range []string{"domains", "session_index"} {
		snaps, err := j.d.Firestore.Collection(col).Where("org", "==", org).Documents(ctx).GetAll()
		if err != nil {
			return n, fmt.Errorf("%s of the organisation: %w", col, err)
		}
		for _, sn := range snaps {
			if _, err := sn.Ref.Delete(ctx); err != nil && !notFound(err) {
				return n, err
			}
			n++
		}
	}
	it := j.d.Storage.Bucket(j.d.BucketName("media")).Objects(ctx, &storage.Query{Prefix: "orgs/" + org + "/"})
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) || errors.Is(err, storage.ErrBucketNotExist) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("media of the organisation: %w", err)
		}
		if err := j.d.Storage.Bucket(o.Bucket).Object(o.Name).Delete(ctx); err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
			return n, err
		}
		n++
	}
	k, err := deleteTree(ctx, j.d.Firestore, "orgs/"+org)
	return n + k, err
}

// orgRelated reports whether uid has a relation to org that lets them
// scope a consent decision to it without being its member: they take part
// in one of its sessions (a session membership orgs/{org}/sessions/{id}/
// members/{uid}, written when they join).
func (j *Jobs) orgRelated(ctx context.Context, uid, org string) (bool, error) {
	if !authz.ValidDocID(uid) || !authz.ValidOrgID(org) {
		return false, nil
	}
	members, err := j.d.Firestore.CollectionGroup("members").Where("uid", "==", uid).Documents(ctx).GetAll()
	if err != nil {
		return false, fmt.Errorf("memberships: %w", err)
	}
	for _, m := range members {
		if m.Ref.ID != uid {
			continue
		}
		session := m.Ref.Parent.Parent // orgs/{org}/sessions/{id}
		if session == nil || session.Parent.ID != "sessions" || session.Parent.Parent == nil || memberOrgDoc(session.Parent.Parent) != org {
			continue
		}
		if role, _ := m.Data()["role"].(string); role != "" {
			return true, nil
		}
	}
	return false, nil
}
