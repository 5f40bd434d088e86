package content

import (
	"context"
	"log/slog"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/firestoreevent"
	"pointsofyou.ai/studio/shared/library"
)

// Trigger document patterns, as declared in infra/topology.yaml.
const (
	OfficialPattern = "content/{itemId}"
	OrgPattern      = "orgs/{org}/content/{itemId}"
)

// Chunk is the embedding document of one item in one locale.
type Chunk = library.Chunk

// NewEmbedTrigger builds the "content-embed" handler. Whatever the event
// says, it reads the item's current state and brings its chunks in line:
// a locale is embedded only when its text hash changed, metadata-only
// changes are copied without embedding, and removed locales or a deleted
// item lose their chunks. That makes it idempotent and safe against
// out-of-order or repeated deliveries.
func NewEmbedTrigger(d Deps) (func(context.Context, cloudevents.Event) error, error) {
	d, err := d.check(false, true)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, ev cloudevents.Event) error {
		e, err := firestoreevent.Decode(ev)
		if err != nil {
			slog.Warn("content-embed: undecodable event dropped", "event_id", ev.ID(), "error", err.Error())
			return nil // a poison message; retrying cannot help
		}
		org, id := "", ""
		if p, ok := e.Params(OfficialPattern); ok {
			id = p["itemId"]
		} else if p, ok := e.Params(OrgPattern); ok {
			org, id = p["org"], p["itemId"]
		} else {
			slog.Warn("content-embed: event for another document dropped", "event_id", e.ID)
			return nil
		}
		n, err := SyncChunks(ctx, d, org, id)
		if err != nil {
			return err
		}
		slog.Info("content-embed: synced", "event_id", e.ID, "item", id, "embedded", n)
		return nil
	}, nil
}

// SyncChunks brings the chunks of item id of org ("" for official) in line
// with the item and returns how many locales were embedded.
func SyncChunks(ctx context.Context, d Deps, org, id string) (int, error) {
	var emb library.Embedder
	if d.Embedder != nil {
		emb = d.Embedder
	}
	return library.SyncChunks(ctx, d.Firestore, emb, d.EmbedModel, d.Now, org, id)
}
