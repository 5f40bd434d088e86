package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/txn"
)

// A push is applied in transactions of at most chunkEntries distinct
// entries and chunkBytes of written entries, so each stays well inside
// Firestore's 500 writes and 10 MiB a commit (the meta, client and
// event documents are written too).
const (
	chunkEntries = 200
	chunkBytes   = 6 << 20
)

// gap is the 409 of a push whose first new mutation is not the next.
type gap struct{ last int64 }

func (g *gap) Error() string { return fmt.Sprintf("mutation gap after %d", g.last) }

// refused is the 403 of a mutation over the tier's limit.
type refused struct {
	what       string
	mutationID int64
	last       int64
	usage      Usage
}

func (r *refused) Error() string { return "journal limit: " + r.what }

// chunkResult is what one transaction applied.
type chunkResult struct {
	last     int64 // the client's lastMutationID after it
	next     int   // index of the first mutation not yet applied
	errors   []MutationError
	refused  *refused
	usage    Usage
	progress bool
}

func (a *api) push(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var q PushRequest
	if err := httpapi.DecodeJSON(w, r, &q, MaxPushBody); err != nil {
		return err
	}
	res, err := a.applyPush(r.Context(), p, &q)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}

// applyPush applies q exactly once, chunk by chunk.
func (a *api) applyPush(ctx context.Context, p *auth.Principal, q *PushRequest) (*PushResponse, error) {
	out := &PushResponse{Errors: []MutationError{}}
	start := 0
	for {
		var res chunkResult
		err := a.d.Outbox.Run(ctx, func(ctx context.Context, tx *firestore.Transaction, ob *outbox.Tx) error {
			var err error
			res, err = a.applyChunk(ctx, tx, ob, p, q, start)
			return err
		})
		var g *gap
		if errors.As(err, &g) {
			return nil, err
		}
		if err != nil {
			return nil, txn.Problem(err)
		}
		out.LastMutationID, out.Usage = res.last, res.usage
		out.Errors = append(out.Errors, res.errors...)
		if res.refused != nil {
			return nil, res.refused
		}
		if !res.progress || res.next >= len(q.Mutations) {
			return out, nil
		}
		start = res.next
	}
}

// applyChunk is one transaction: read the client's position and the
// user's meta, the entries the next mutations name, apply them in order
// and write everything that changed with the event.
func (a *api) applyChunk(ctx context.Context, tx *firestore.Transaction, ob *outbox.Tx, p *auth.Principal, q *PushRequest, start int) (chunkResult, error) {
	now := a.d.Now().UTC()
	var cl clientDoc
	if err := readDoc(tx, a.clientRef(p.UID, q.ClientID), &cl); err != nil {
		return chunkResult{}, err
	}
	var meta metaDoc
	if err := readDoc(tx, a.metaRef(p.UID), &meta); err != nil {
		return chunkResult{}, err
	}
	res := chunkResult{last: cl.LastMutationID, next: len(q.Mutations), usage: usageOf(p.Tier, meta.Entries, meta.Bytes)}
	muts := q.Mutations[start:]
	skipped := 0
	for len(muts) > 0 && muts[0].ID <= cl.LastMutationID {
		muts, skipped = muts[1:], skipped+1
	}
	if len(muts) == 0 {
		return res, nil
	}
	if muts[0].ID != cl.LastMutationID+1 {
		return chunkResult{}, &gap{last: cl.LastMutationID}
	}
	// The entries this chunk can touch, read up front (reads precede writes).
	ids := map[string]bool{}
	end := 0
	for end < len(muts) && len(ids) < chunkEntries {
		if id := argID(muts[end]); id != "" {
			ids[id] = true
		}
		end++
	}
	muts = muts[:end]
	_, lim := limitsOf(p.Tier)
	b := &book{entries: map[string]*Entry{}, count: meta.Entries, bytes: meta.Bytes, limits: lim, now: now,
		client: q.ClientID, version: meta.Version, dirty: map[string]bool{}}
	if err := a.loadEntries(tx, p.UID, ids, b.entries); err != nil {
		return chunkResult{}, err
	}
	ev := events.JournalSynced{Skipped: skipped, Mode: events.Enum(ModeStandalone)}
	last := cl.LastMutationID
	written := 0
	for i, m := range muts {
		o, err := b.apply(m)
		if ol, ok := isOverLimit(err); ok {
			res.refused = &refused{what: ol.what, mutationID: m.ID, last: last}
			break
		}
		if err != nil {
			return chunkResult{}, err
		}
		last = m.ID
		res.next = start + skipped + i + 1
		switch {
		case o.invalid != nil:
			ev.Errors++
			res.errors = append(res.errors, MutationError{MutationID: m.ID, Problem: mutationProblem(o.invalid)})
		case o.changed:
			ev.Mutations++
		}
		if o.conflict {
			ev.Conflicts++
		}
		if o.merged {
			ev.Merged++
		}
		if id := argID(m); o.changed && b.entries[id] != nil {
			written += b.entries[id].Bytes
			if b.entries[id].Mode == ModeInSession {
				ev.Mode = events.Enum(ModeInSession)
			}
		}
		if written > chunkBytes {
			break
		}
	}
	if last == cl.LastMutationID { // refused at once: nothing to write
		res.usage = usageOf(p.Tier, b.count, b.bytes)
		if res.refused != nil {
			res.refused.usage = res.usage
		}
		return res, nil
	}
	if b.version == meta.Version {
		b.version++ // the client's position changed: other devices learn it
	}
	for id := range b.dirty {
		if err := tx.Set(a.entries(p.UID).Doc(id), b.entries[id]); err != nil {
			return chunkResult{}, err
		}
	}
	if err := tx.Set(a.metaRef(p.UID), metaDoc{Version: b.version, Entries: b.count, Bytes: b.bytes, UpdatedAt: now}); err != nil {
		return chunkResult{}, err
	}
	if err := tx.Set(a.clientRef(p.UID, q.ClientID), clientDoc{LastMutationID: last, Version: b.version, UpdatedAt: now}); err != nil {
		return chunkResult{}, err
	}
	if err := a.event(ob, p, ev); err != nil {
		return chunkResult{}, err
	}
	res.last, res.progress = last, true
	res.usage = usageOf(p.Tier, b.count, b.bytes)
	if res.refused != nil {
		res.refused.last, res.refused.usage = last, res.usage
	}
	return res, nil
}

// loadEntries reads the named entries in tx into into (absent: nil).
func (a *api) loadEntries(tx *firestore.Transaction, uid string, ids map[string]bool, into map[string]*Entry) error {
	if len(ids) == 0 {
		return nil
	}
	refs := make([]*firestore.DocumentRef, 0, len(ids))
	for id := range ids {
		refs = append(refs, a.entries(uid).Doc(id))
	}
	snaps, err := tx.GetAll(refs)
	if err != nil {
		return fmt.Errorf("read entries: %w", err)
	}
	for _, s := range snaps {
		if !s.Exists() {
			continue
		}
		e := &Entry{}
		if err := s.DataTo(e); err != nil {
			return fmt.Errorf("decode entry: %w", err)
		}
		e.normalizeLists()
		into[s.Ref.ID] = e
	}
	return nil
}

// readDoc reads ref into dst in tx; a missing document leaves dst zero.
func readDoc(tx *firestore.Transaction, ref *firestore.DocumentRef, dst any) error {
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", ref.ID, err)
	}
	return snap.DataTo(dst)
}

// argID is the entry id a mutation names ("" when it names none).
func argID(m Mutation) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(m.Args, &v) != nil || !validEntryID(v.ID) {
		return ""
	}
	return v.ID
}

// mutationProblem is the problem reported for a no-op mutation.
func mutationProblem(err error) httpapi.Problem {
	he, ok := httpapi.FromInput(err)
	if !ok {
		he = httpapi.Invalid(httpapi.Field("args", "invalid"))
	}
	return httpapi.Problem{Type: httpapi.ProblemBase + he.Slug, Title: he.Title, Status: he.Status, Detail: he.Detail, Errors: he.Fields}
}

// event records ev for the caller. Analytics are per organisation: a
// person outside any organisation syncs without an event.
func (a *api) event(ob *outbox.Tx, p *auth.Principal, payload any) error {
	if !authz.ValidOrgID(p.Org) {
		return nil
	}
	typ := events.TypeJournalSynced
	if _, ok := payload.(events.JournalExported); ok {
		typ = events.TypeJournalExported
	}
	return ob.Event(events.Event{Type: typ, Payload: payload, OrgID: p.Org, UID: p.UID})
}
