package library

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/ai"
)

// Embedder computes embeddings; *ai.Client implements it.
type Embedder interface {
	Embed(ctx context.Context, texts []string, task string) ([][]float32, error)
}

// ImportResult counts what an import wrote.
type ImportResult struct {
	Imported int `json:"imported"`
	Created  int `json:"created"`
	Updated  int `json:"updated"`
}

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

// Import writes validated items into org's library ("" official) in one
// transaction: new ids are created at version 1, existing ones replaced
// with their version bumped. The local suite seeds the demo library with it.
func Import(ctx context.Context, fs *firestore.Client, org string, items []Item, by string, now time.Time) (ImportResult, error) {
	if len(items) > MaxImportRows {
		return ImportResult{}, fmt.Errorf("content: %d items; at most %d per import", len(items), MaxImportRows)
	}
	col := fs.Collection(ItemsPath(org))
	refs := make([]*firestore.DocumentRef, len(items))
	for i, it := range items {
		refs[i] = col.Doc(it.ID)
	}
	var res ImportResult
	err := fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		res = ImportResult{}
		snaps, err := tx.GetAll(refs)
		if err != nil {
			return err
		}
		for i, it := range items {
			it.Version = 1
			if snaps[i].Exists() {
				var cur Item
				if err := snaps[i].DataTo(&cur); err == nil {
					it.Version = cur.Version + 1
				}
				res.Updated++
			} else {
				res.Created++
			}
			it.Org, it.UpdatedAt, it.UpdatedBy = org, now.UTC(), by
			it.Normalize()
			if err := tx.Set(refs[i], it); err != nil {
				return err
			}
		}
		return nil
	})
	res.Imported = res.Created + res.Updated
	return res, err
}

// SyncChunks brings the chunks of item id of org ("" for official) in line
// with the item and returns how many locales were embedded. The content-embed
// trigger, the seeding of the local suite and tests call it.
func SyncChunks(ctx context.Context, fs *firestore.Client, emb Embedder, model string, now func() time.Time, org, id string) (int, error) {
	if emb == nil {
		return 0, fmt.Errorf("content: no embedder")
	}
	if now == nil {
		now = time.Now
	}
	snap, err := fs.Collection(ItemsPath(org)).Doc(id).Get(ctx)
	var it *Item
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return 0, fmt.Errorf("read item: %w", err)
	default:
		it = &Item{}
		if err := snap.DataTo(it); err != nil {
			slog.Warn("content-embed: undecodable item skipped", "item", id, "error", err.Error())
			return 0, nil
		}
		it.ID, it.Org = id, org
	}
	chunks := fs.Collection(ChunksPath(org))
	refs := make([]*firestore.DocumentRef, len(Locales))
	for i, l := range Locales {
		refs[i] = chunks.Doc(ChunkID(id, l))
	}
	snaps, err := fs.GetAll(ctx, refs)
	if err != nil {
		return 0, fmt.Errorf("read chunks: %w", err)
	}
	var embedLocales, texts []string
	var writes []func() error
	at := now().UTC()
	for i, l := range Locales {
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
		want.Hash = TextHash(model, text)
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
					{Path: "status", Value: want.Status}, {Path: "updated_at", Value: at},
				})
				return err
			})
		}
	}
	if len(texts) > 0 {
		vecs, err := emb.Embed(ctx, texts, ai.TaskRetrievalDocument)
		if err != nil {
			return 0, fmt.Errorf("embed: %w", err)
		}
		for j, l := range embedLocales {
			c := Chunk{ItemID: id, Org: org, Locale: l, Type: it.Type, Phase: it.Phase, Tier: it.Tier, Status: it.Status,
				Hash: TextHash(model, texts[j]), Embedding: firestore.Vector32(vecs[j]), UpdatedAt: at}
			ref := refs[slices.Index(Locales, l)]
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

// LookupItems reads the items ids as org sees them: its own item where it
// has one, the official one otherwise (an id is looked up in the
// organisation first everywhere). Missing ids are absent from the map; an
// item that cannot be decoded is an error.
func LookupItems(ctx context.Context, fs *firestore.Client, org string, ids []string) (map[string]*Item, error) {
	out := map[string]*Item{}
	for _, lib := range []string{org, ""} {
		var refs []*firestore.DocumentRef
		for _, id := range ids {
			if out[id] == nil && ValidID(id) {
				refs = append(refs, fs.Collection(ItemsPath(lib)).Doc(id))
			}
		}
		if len(refs) == 0 {
			break
		}
		snaps, err := fs.GetAll(ctx, refs)
		if err != nil {
			return nil, fmt.Errorf("read items: %w", err)
		}
		for _, s := range snaps {
			if !s.Exists() {
				continue
			}
			it := &Item{}
			if err := s.DataTo(it); err != nil {
				return nil, fmt.Errorf("item %s: %w", s.Ref.ID, err)
			}
			it.ID, it.Org = s.Ref.ID, lib
			out[it.ID] = it
		}
	}
	return out, nil
}
