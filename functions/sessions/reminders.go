package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/events"
)

// ReminderLead is how long before the start reminders go out.
const ReminderLead = 24 * time.Hour

// errAlreadyReminded aborts a claim someone else made first.
var errAlreadyReminded = errors.New("sessions: already reminded")

// SendReminders mails the reminders that are due and returns how many
// sessions were reminded.
//
// It finds scheduled sessions starting within ReminderLead (a
// collection-group query on sessions: status ==, start_at range; the
// composite index status ASC, start_at ASC with collection-group scope)
// and, per session, claims it in a transaction by setting reminded_at
// (skipping one already claimed), then mails every pending or accepted
// invitee with the calendar file. Running it twice, or twice at once,
// reminds once; a reschedule clears reminded_at so the new time is
// reminded again. Mail goes out after the claim: a crash in between
// loses that session's reminders rather than sending them twice.
func SendReminders(ctx context.Context, d Deps) (int, error) {
	d, err := d.check(false)
	if err != nil {
		return 0, err
	}
	now := d.Now()
	q := d.Firestore.CollectionGroup(collSessions).
		Where("status", "==", StatusScheduled).
		Where("start_at", ">", now.UTC()).
		Where("start_at", "<=", now.Add(ReminderLead).UTC())
	it := q.Documents(ctx)
	defer it.Stop()
	var errs []error
	n := 0
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("sessions: due reminders: %w", err)
		}
		// Only orgs/{org}/sessions/{id}: other collections may share the name.
		if snap.Ref.Parent.Parent == nil || snap.Ref.Parent.Parent.Parent.ID != collOrgs {
			continue
		}
		if v, _ := snap.DataAt("reminded_at"); v != nil {
			continue
		}
		s, err := claimReminder(ctx, d, snap.Ref, now)
		if errors.Is(err, errAlreadyReminded) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sent := mailInvitees(ctx, d, s, mailReminder)
		slog.InfoContext(ctx, "sessions: reminders sent", "session_id", s.ID, "mails", sent)
		emit(ctx, d.Events, events.TypeSessionReminded, s.Org, s.ID, "",
			events.SessionReminded{Recipients: sent, LeadMinutes: int(s.StartAt.Sub(now).Minutes())})
		n++
	}
	return n, errors.Join(errs...)
}

// claimReminder sets reminded_at unless set, in a transaction.
func claimReminder(ctx context.Context, d Deps, ref *firestore.DocumentRef, now time.Time) (*Session, error) {
	var s Session
	err := d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return err
		}
		s = Session{}
		if err := snap.DataTo(&s); err != nil {
			return err
		}
		s.ID = ref.ID
		if s.RemindedAt != nil || s.Status != StatusScheduled || !s.StartAt.After(now) || s.StartAt.After(now.Add(ReminderLead)) {
			return errAlreadyReminded
		}
		t := now.UTC()
		s.RemindedAt = &t
		return tx.Update(ref, []firestore.Update{{Path: "reminded_at", Value: t}})
	})
	if err != nil && !errors.Is(err, errAlreadyReminded) {
		return nil, fmt.Errorf("sessions: claim reminder of %s: %w", ref.ID, err)
	}
	return &s, err
}
