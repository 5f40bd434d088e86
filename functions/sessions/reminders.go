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
	"pointsofyou.ai/studio/shared/outbox"
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
// and, per session, in one outbox transaction claims it by setting
// reminded_at (skipping one already claimed) and records a mail to every
// pending or accepted invitee, with the calendar file, and the
// session.reminded event. Running it twice, or twice at once, reminds
// once; a reschedule clears reminded_at so the new time is reminded
// again. The claim, the mail and the event are committed together: a
// crash either leaves the session to be reminded by the next run or has
// reminded it completely.
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
		sent, err := remind(ctx, d, snap.Ref, now)
		if errors.Is(err, errAlreadyReminded) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		slog.InfoContext(ctx, "sessions: reminders sent", "session_id", snap.Ref.ID, "mails", sent)
		n++
	}
	return n, errors.Join(errs...)
}

// remind claims the session at ref (sets reminded_at unless set) and
// records its reminder mail and event, in one outbox transaction; it
// returns how many mails it recorded.
func remind(ctx context.Context, d Deps, ref *firestore.DocumentRef, now time.Time) (int, error) {
	var sent int
	err := d.Outbox.Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return err
		}
		var s Session
		if err := snap.DataTo(&s); err != nil {
			return err
		}
		s.ID = ref.ID
		if s.RemindedAt != nil || s.Status != StatusScheduled || !s.StartAt.After(now) || s.StartAt.After(now.Add(ReminderLead)) {
			return errAlreadyReminded
		}
		iv, err := readInvitees(ctx, tx, ref)
		if err != nil {
			return err
		}
		t := now.UTC()
		s.RemindedAt = &t
		if err := tx.Update(ref, []firestore.Update{{Path: "reminded_at", Value: t}}); err != nil {
			return err
		}
		if sent, err = iv.mail(ctx, d, out, &s, mailReminder); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionReminded, OrgID: s.Org, SessionID: s.ID,
			Payload: events.SessionReminded{Recipients: sent, LeadMinutes: int(s.StartAt.Sub(now).Minutes())}})
	})
	if err != nil && !errors.Is(err, errAlreadyReminded) {
		return 0, fmt.Errorf("sessions: remind %s: %w", ref.ID, err)
	}
	return sent, err
}
