package journal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"cloud.google.com/go/firestore"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/pii"
)

// EntryPattern is the document the embedding trigger watches.
const EntryPattern = "users/{uid}/journal_entries/{entryId}"

// vectorDoc is users/{uid}/journal_vectors/{entryId}: the embedding of an
// entry's redacted title and body, for search by meaning.
type vectorDoc struct {
	Hash      string             `firestore:"hash"`
	Embedding firestore.Vector32 `firestore:"embedding"`
	UpdatedAt time.Time          `firestore:"updated_at"`
}

// NewEmbedTrigger builds the "journal-embed" handler. Whatever the event
// says, it reads the entry's current state: a live entry whose redacted
// text changed is embedded again; a deleted or missing one loses its
// vector. That keeps it idempotent against repeated or reordered
// deliveries, and keeps the push fast (no model call on the way).
func NewEmbedTrigger(d Deps) (func(context.Context, cloudevents.Event) error, error) {
	d, err := d.check(false)
	if err != nil {
		return nil, err
	}
	if d.Model == nil {
		return nil, fmt.Errorf("journal: Deps.Model is nil")
	}
	a := &api{d: d}
	return func(ctx context.Context, ev cloudevents.Event) error {
		e, err := firestoreevent.Decode(ev)
		if err != nil {
			slog.Warn("journal-embed: undecodable event dropped", "event_id", ev.ID(), "error", err.Error())
			return nil
		}
		p, ok := e.Params(EntryPattern)
		if !ok || !validEntryID(p["entryId"]) {
			slog.Warn("journal-embed: event for another document dropped", "event_id", e.ID)
			return nil
		}
		embedded, err := a.syncVector(ctx, p["uid"], p["entryId"])
		if err != nil {
			return err
		}
		slog.Info("journal-embed: synced", "event_id", e.ID, "embedded", embedded)
		return nil
	}, nil
}

// syncVector brings the vector of entry id in line with the entry.
func (a *api) syncVector(ctx context.Context, uid, id string) (bool, error) {
	vref := a.user(uid).Collection(collVectors).Doc(id)
	snap, err := a.entries(uid).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		_, err := vref.Delete(ctx)
		return false, err
	}
	if err != nil {
		return false, err
	}
	var e Entry
	if err := snap.DataTo(&e); err != nil {
		return false, nil // not an entry we can read; retrying cannot help
	}
	if e.Deleted {
		_, err := vref.Delete(ctx)
		return false, err
	}
	// Personal data is replaced before the text leaves for the model.
	text := pii.New(pii.Options{}).Redact(e.Title + "\n\n" + e.Body).Text
	sum := sha256.Sum256([]byte(a.d.EmbedModel + "\x00" + text))
	hash := hex.EncodeToString(sum[:])
	var cur vectorDoc
	if vs, err := vref.Get(ctx); err == nil {
		_ = vs.DataTo(&cur)
	}
	if cur.Hash == hash {
		return false, nil
	}
	vecs, err := a.d.Model.Embed(ctx, []string{text}, ai.TaskRetrievalDocument)
	if err != nil {
		return false, err
	}
	if len(vecs) != 1 {
		return false, fmt.Errorf("embed: %d vectors for one text", len(vecs))
	}
	_, err = vref.Set(ctx, vectorDoc{Hash: hash, Embedding: firestore.Vector32(vecs[0]), UpdatedAt: a.d.Now().UTC()})
	return err == nil, err
}
