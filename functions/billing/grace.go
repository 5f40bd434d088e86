package billing

import (
	"context"
	"log/slog"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/entitlements"
)

// Recomputer is the part of shared/entitlements the grace job uses.
type Recomputer interface {
	Recompute(ctx context.Context, uid string) (bool, error)
	RecomputeOrg(ctx context.Context, org string) (int, error)
}

// graceDone marks an entitlement whose ended grace period was applied,
// so the hourly job recomputes each subject once; the next write of the
// entitlement (payment, cancellation) drops it.
const graceDone = "grace_applied_at"

// EndGrace recomputes every subject whose grace period after a failed
// payment ended by now: entitlements.Doc.TierAt is free from then on, and
// the recomputation brings profiles and claims down (revoking refresh
// tokens). Nothing is deleted: a late payment restores the tier. It
// counts "subjects" recomputed and "failed".
func EndGrace(ctx context.Context, fs *firestore.Client, ent Recomputer, now time.Time) (map[string]int, error) {
	// One range on one field: served by the automatic single-field index.
	it := fs.Collection("entitlements").Where("grace_until", "<=", now.UTC()).Documents(ctx)
	defer it.Stop()
	counts := map[string]int{"subjects": 0, "failed": 0}
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return counts, err
		}
		if done, _ := snap.DataAt(graceDone); done != nil {
			continue
		}
		var d entitlements.Doc
		if err := snap.DataTo(&d); err != nil || d.Status != entitlements.StatusPastDue {
			continue
		}
		kind, _, ok := cutSubject(snap.Ref.ID)
		if !ok {
			continue
		}
		err = recomputeSubject(ctx, ent, snap.Ref.ID)
		if err == nil {
			_, err = snap.Ref.Update(ctx, []firestore.Update{{Path: graceDone, Value: now.UTC()}},
				firestore.LastUpdateTime(snap.UpdateTime))
		}
		if err != nil {
			counts["failed"]++
			slog.WarnContext(ctx, "grace end not applied", "kind", kind, "error", err.Error())
			continue
		}
		counts["subjects"]++
	}
	return counts, nil
}
