package journal

import (
	"context"
	"fmt"
	"net/http"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/txn"
)

// pullBytes is about how much entry text one pull answers with; past it
// the pull stops early with more set (at least one entry is always sent).
const pullBytes = 4 << 20

func (a *api) pull(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q PullRequest
	if err := httpapi.DecodeJSON(w, r, &q, 0); err != nil {
		return err
	}
	if q.Limit == 0 {
		q.Limit = DefaultPull
	}
	var out *PullResponse
	err := a.d.Firestore.RunTransaction(r.Context(), func(ctx context.Context, tx *firestore.Transaction) error {
		var err error
		out, err = a.readPull(tx, p.UID, &q)
		return err
	}, firestore.ReadOnly)
	if err != nil {
		return txn.Problem(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// readPull reads, in one consistent snapshot, the entries changed since
// the cookie (oldest change first; limit+1 to learn whether there are
// more) and the clients whose position changed since it.
func (a *api) readPull(tx *firestore.Transaction, uid string, q *PullRequest) (*PullResponse, error) {
	var meta metaDoc
	if err := readDoc(tx, a.metaRef(uid), &meta); err != nil {
		return nil, err
	}
	var self clientDoc
	if err := readDoc(tx, a.clientRef(uid, q.ClientID), &self); err != nil {
		return nil, err
	}
	out := &PullResponse{Cookie: max(meta.Version, q.Cookie), LastMutationID: self.LastMutationID,
		LastMutationIDChanges: map[string]int64{}, Entries: []Entry{}}
	it := tx.Documents(a.entries(uid).Where("version", ">", q.Cookie).OrderBy("version", firestore.Asc).Limit(q.Limit + 1))
	defer it.Stop()
	size := 0
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("pull entries: %w", err)
		}
		if len(out.Entries) == q.Limit || size > pullBytes {
			out.More = true
			// Every change has its own version, so the last one sent is
			// where the next pull starts.
			out.Cookie = out.Entries[len(out.Entries)-1].Version
			break
		}
		var e Entry
		if err := snap.DataTo(&e); err != nil {
			return nil, fmt.Errorf("decode entry: %w", err)
		}
		e.normalizeLists()
		out.Entries = append(out.Entries, e)
		size += e.Bytes
	}
	cit := tx.Documents(a.user(uid).Collection(collClients).Where("version", ">", q.Cookie))
	defer cit.Stop()
	for {
		snap, err := cit.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("pull clients: %w", err)
		}
		var c clientDoc
		if err := snap.DataTo(&c); err != nil {
			return nil, fmt.Errorf("decode client: %w", err)
		}
		if !out.More || c.Version <= out.Cookie {
			out.LastMutationIDChanges[snap.Ref.ID] = c.LastMutationID
		}
	}
	return out, nil
}
