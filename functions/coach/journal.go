package coach

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
)

// firestoreJournal is coach memory's view of the journal as
// functions/journal stores it: users/{uid}/journal_entries/{id} with
// title, body, deleted and updated_at. Only the person's latest entries,
// and only ever read for someone with coach_memory consent (recall).
type firestoreJournal struct{ fs *firestore.Client }

// Context returns the title and the start of the body of uid's latest
// max entries, newest first; deleted entries are skipped.
func (j firestoreJournal) Context(ctx context.Context, uid string, max int) ([]string, error) {
	if !authz.ValidDocID(uid) || max <= 0 {
		return nil, nil
	}
	// Ordered by one field only (no composite index); tombstones are few
	// and skipped here.
	docs, err := j.fs.Collection("users").Doc(uid).Collection("journal_entries").
		OrderBy("updated_at", firestore.Desc).Limit(max * 3).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var out []string
	for _, d := range docs {
		var e struct {
			Title   string `firestore:"title"`
			Body    string `firestore:"body"`
			Deleted bool   `firestore:"deleted"`
		}
		if d.DataTo(&e) != nil || e.Deleted {
			continue
		}
		text := strings.TrimSpace(strings.TrimSpace(e.Title) + ": " + strings.TrimSpace(e.Body))
		if text == ":" {
			continue
		}
		out = append(out, text)
		if len(out) == max {
			break
		}
	}
	return out, nil
}
