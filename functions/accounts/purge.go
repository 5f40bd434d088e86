package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/iterator"
)

// Purge hard-deletes the accounts whose deletion grace period ended before
// now: their membership documents, users/{uid}, and the Auth user. It is
// idempotent and meant to run daily (Cloud Scheduler); it returns how many
// accounts it erased. The erasure of journal, consents and analytics rows
// joins this cascade with the consent work.
func Purge(ctx context.Context, fs *firestore.Client, admin AdminAuth, now time.Time) (int, error) {
	it := fs.Collection(colUsers).Where("deletion.purge_after", "<=", now).Documents(ctx)
	defer it.Stop()
	n := 0
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("purge: list users: %w", err)
		}
		uid := snap.Ref.ID
		members, err := fs.CollectionGroup(colMembers).Where("uid", "==", uid).Documents(ctx).GetAll()
		if err != nil {
			return n, fmt.Errorf("purge: memberships: %w", err)
		}
		err = fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
			for _, m := range members {
				if err := tx.Delete(m.Ref); err != nil {
					return err
				}
			}
			return tx.Delete(snap.Ref)
		})
		if err != nil {
			return n, fmt.Errorf("purge: delete documents: %w", err)
		}
		if err := admin.DeleteUser(ctx, uid); err != nil && !fbauth.IsUserNotFound(err) {
			return n, fmt.Errorf("purge: delete auth user: %w", err)
		}
		n++
	}
}
