package content

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/content"
	"pointsofyou.ai/studio/shared/firestoreevent"
)

// Trigger document patterns, as declared in infra/topology.yaml.
const (
	OfficialPattern = "content/{itemId}"
	OrgPattern      = "orgs/{org}/content/{itemId}"
)

// Chunk is the embedding document of one item in one locale. It copies the
// item's filtering fields, so FindNearest can filter without a join.
type Chunk struct {
	ItemID    string             `firestore:"item_id"`
	Org       string             `firestore:"org"`
	Locale    string             `firestore:"locale"`
	Type      string             `firestore:"type"`
	Phase     string             `firestore:"phase"`
	Tier      string             `firestore:"tier"`
	Status    string             `firestore:"status"`
	Hash      string             `firestore:"hash"`
	Embedding firestore.Vector32 `firestore:"embedding"`
	UpdatedAt time.Time          `firestore:"updated_at"`
}

func (c Chunk) sameMeta(o Chunk) bool {
	return c.ItemID == o.ItemID && c.Org == o.Org && c.Locale == o.Locale && c.Type == o.Type &&
		c.Phase == o.Phase && c.Tier == o.Tier && c.Status == o.Status
}

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
// with the item and returns how many locales were embedded. The seeding of
// the local suite and tests call it directly.
func SyncChunks(ctx context.Context, d Deps, org, id string) (int, error) {
	if d.Embedder == nil {
		return 0, fmt.Errorf("content: no embedder")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	fs := d.Firestore
	snap, err := fs.Collection(content.ItemsPath(org)).Doc(id).Get(ctx)
	var it *content.Item
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return 0, fmt.Errorf("read item: %w", err)
	default:
		it = &content.Item{}
		if err := snap.DataTo(it); err != nil {
			slog.Warn("content-embed: undecodable item skipped", "item", id, "error", err.Error())
			return 0, nil
		}
		it.ID, it.Org = id, org
	}
	chunks := fs.Collection(content.ChunksPath(org))
	refs := make([]*firestore.DocumentRef, len(content.Locales))
	for i, l := range content.Locales {
		refs[i] = chunks.Doc(content.ChunkID(id, l))
	}
	snaps, err := fs.GetAll(ctx, refs)
	if err != nil {
		return 0, fmt.Errorf("read chunks: %w", err)
	}
	var embedLocales, texts []string
	var writes []func() error
	now := d.Now().UTC()
	for i, l := range content.Locales {
		var old Chunk
		exists := snaps[i].Exists()
		if exists {
			_ = snaps[i].DataTo(&old)
		}
		if it == nil || !it.HasLocale(l) {
			if exists {
				ref := refs[i]
				writes = append(writes, func() error { _, err := ref.Delete(ctx); return err })
			}
			continue
		}
		want := Chunk{ItemID: id, Org: org, Locale: l, Type: it.Type, Phase: it.Phase, Tier: it.Tier, Status: it.Status}
		text := it.EmbedText(l)
		want.Hash = content.TextHash(d.EmbedModel, text)
		switch {
		case !exists || old.Hash != want.Hash || len(old.Embedding) == 0:
			embedLocales = append(embedLocales, l)
			texts = append(texts, text)
		case !old.sameMeta(want):
			ref := refs[i]
			writes = append(writes, func() error {
				_, err := ref.Update(ctx, []firestore.Update{
					{Path: "item_id", Value: want.ItemID}, {Path: "org", Value: want.Org}, {Path: "locale", Value: l},
					{Path: "type", Value: want.Type}, {Path: "phase", Value: want.Phase}, {Path: "tier", Value: want.Tier},
					{Path: "status", Value: want.Status}, {Path: "updated_at", Value: now},
				})
				return err
			})
		}
	}
	if len(texts) > 0 {
		vecs, err := d.Embedder.Embed(ctx, texts, ai.TaskRetrievalDocument)
		if err != nil {
			return 0, fmt.Errorf("embed: %w", err)
		}
		for j, l := range embedLocales {
			c := Chunk{ItemID: id, Org: org, Locale: l, Type: it.Type, Phase: it.Phase, Tier: it.Tier, Status: it.Status,
				Hash: content.TextHash(d.EmbedModel, texts[j]), Embedding: firestore.Vector32(vecs[j]), UpdatedAt: now}
			ref := refs[slices.Index(content.Locales, l)]
			writes = append(writes, func() error { _, err := ref.Set(ctx, c); return err })
		}
	}
	// Each chunk write stands alone; after a failure the retried event
	// redoes only what is still out of line.
	for _, w := range writes {
		if err := w(); err != nil {
			return 0, fmt.Errorf("write chunk: %w", err)
		}
	}
	return len(texts), nil
}
