package canvas

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	model "pointsofyou.ai/studio/shared/canvas"
)

// Trash and op log retention.
const (
	trashFor = model.TrashDays * 24 * time.Hour
	opsFor   = 7 * 24 * time.Hour
	// txElements bounds the elements one transaction merges (Firestore
	// allows 500 writes per commit).
	txElements = 100
	// opBatchBytes bounds the patches of one op log document (Firestore
	// documents hold at most 1 MiB).
	opBatchBytes = 512 << 10
)

// elementFromDoc decodes an element document.
func elementFromDoc(snap *firestore.DocumentSnapshot) (*model.Element, error) {
	return model.ElementFromDoc(snap.Ref.ID, snap.Data())
}

// elementData is the whole document of e: the model's fields, the server
// time of the write, and the trash expiry while deleted (Firestore's TTL
// removes the element then; a whole-document write drops it on restore).
func elementData(e *model.Element) map[string]any {
	d := e.DocData()
	d[model.FieldUpdated] = firestore.ServerTimestamp
	if e.Deleted() {
		d[model.FieldExpireAt] = deletedAt(e).Add(trashFor)
	}
	return d
}

// deletedAt is when e went to the trash (the stamp of its deletion).
func deletedAt(e *model.Element) time.Time { return e.Stamps[model.PropDeleted].Time().UTC() }

// recentOps is how far back the op log is merged into the element
// documents when the canvas is read: the gateway writes an element at
// most once a second, after its ops are in the log, so the log of the
// last seconds holds whatever the documents do not yet.
const recentOps = 15 * time.Second

// elements reads every element of the canvas at ref, in id order, as of
// now: the element documents merged with the op log's recent patches
// (merging by stamps makes the overlap harmless), so a snapshot, restore
// or export taken right after an edit includes it.
func (a *api) elements(ctx context.Context, ref *firestore.DocumentRef) ([]*model.Element, error) {
	byID := map[string]*model.Element{}
	var out []*model.Element
	it := ref.Collection(collElements).Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read elements: %w", err)
		}
		e, err := elementFromDoc(snap)
		if err != nil {
			return nil, err
		}
		byID[e.ID] = e
		out = append(out, e)
	}
	since := a.d.Now().Add(-recentOps).UnixMilli()
	ops := ref.Collection(collOps).Where("t", ">=", since).Documents(ctx)
	defer ops.Stop()
	added := false
	for {
		snap, err := ops.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read op log: %w", err)
		}
		list, _ := snap.Data()["patches"].([]any)
		for _, raw := range list {
			d, _ := raw.(map[string]any)
			p, err := model.PatchFromDoc(d)
			if err != nil || p.ID == "" {
				continue // an entry this reader cannot use changes nothing
			}
			e := byID[p.ID]
			if e == nil {
				e = &model.Element{ID: p.ID}
				byID[p.ID] = e
				out = append(out, e)
				added = true
			}
			e.Merge(p)
		}
	}
	if added {
		// A patch of an element whose creation is older than the window
		// cannot name its kind; such a partial element is left out.
		out = slices.DeleteFunc(out, func(e *model.Element) bool { return e.Kind == "" })
		slices.SortFunc(out, func(x, y *model.Element) int { return strings.Compare(x.ID, y.ID) })
	}
	return out, nil
}

// document is the canvas's state as a JSON document: every element with
// its stamps, deleted ones too (a snapshot); live is what an export shows
// (canvas.Document.Export).
func document(m *model.Meta, els []*model.Element, live bool, now time.Time) *model.Document {
	d := &model.Document{Format: model.Format, Title: m.Title, TemplateID: m.TemplateID, ExportedAt: now.UTC(), Elements: make([]model.Element, 0, len(els))}
	for _, e := range els {
		d.Elements = append(d.Elements, *e)
	}
	model.SortByZ(d.Elements)
	if live {
		return d.Export()
	}
	return d
}

// state is a short fingerprint of the canvas's elements: how many there
// are and the largest stamp (every accepted change raises it).
func state(els []*model.Element) (n int, version model.Stamp) {
	for _, e := range els {
		n++
		version = max(version, e.Max())
	}
	return n, version
}

// applyPatches merges patches into the element documents of the canvas at
// ref, txElements per transaction, each element read in the transaction
// it is written in, so a concurrent write of the gateway is merged, never
// overwritten. What changed goes to the op log (the gateway's listeners
// deliver it to open sockets), and the canvas is marked dirty. It returns
// the effective patches. A canvas larger than one transaction is written
// in several: each element whole, and a retry completes the rest.
func (a *api) applyPatches(ctx context.Context, ref *firestore.DocumentRef, uid string, patches []model.Patch) ([]model.Patch, error) {
	var applied []model.Patch
	for chunk := range slices.Chunk(patches, txElements) {
		var out []model.Patch
		err := a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			out = out[:0]
			refs := make([]*firestore.DocumentRef, len(chunk))
			for i, p := range chunk {
				refs[i] = ref.Collection(collElements).Doc(p.ID)
			}
			snaps, err := tx.GetAll(refs)
			if err != nil {
				return err
			}
			for i, p := range chunk {
				e := &model.Element{ID: p.ID}
				if snaps[i].Exists() {
					if e, err = elementFromDoc(snaps[i]); err != nil {
						return err
					}
				}
				eff := e.Merge(p)
				if eff.Empty() {
					continue
				}
				if err := tx.Set(refs[i], elementData(e)); err != nil {
					return err
				}
				out = append(out, eff)
			}
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("write elements: %w", err)
		}
		// Each committed chunk goes to the op log at once: should a later
		// chunk fail, open sockets still hold what was written (a retry
		// recomputes the rest, merging by stamps).
		if err := a.appendOps(ctx, ref, uid, out); err != nil {
			return applied, err
		}
		applied = append(applied, out...)
	}
	if len(applied) == 0 {
		return nil, nil
	}
	return applied, a.markDirty(ctx, ref)
}

// appendOps writes patches to the op log, in documents of at most
// opBatchBytes of patches.
func (a *api) appendOps(ctx context.Context, ref *firestore.DocumentRef, uid string, patches []model.Patch) error {
	flush := func(batch []map[string]any) error {
		if len(batch) == 0 {
			return nil
		}
		now := a.d.Now()
		_, err := ref.Collection(collOps).Doc(a.d.NewID()).Create(ctx, map[string]any{
			"instance": instanceName, "t": now.UnixMilli(), "expire_at": now.Add(opsFor),
			"patches": batch, "ops": len(batch), "uids": []string{uid},
		})
		if err != nil {
			return fmt.Errorf("write op log: %w", err)
		}
		return nil
	}
	var batch []map[string]any
	size := 0
	for _, p := range patches {
		d := p.DocData()
		d["from"] = uid
		n := approxSize(d)
		if size+n > opBatchBytes && len(batch) > 0 {
			if err := flush(batch); err != nil {
				return err
			}
			batch, size = nil, 0
		}
		batch, size = append(batch, d), size+n
	}
	return flush(batch)
}

// instanceName names this function in the op log's instance field, so a
// gateway never mistakes its batches for its own.
const instanceName = "canvas-api"

// approxSize estimates the stored size of a value (strings and nesting).
func approxSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 1
	case map[string]any:
		n := 0
		for k, y := range x {
			n += len(k) + 1 + approxSize(y)
		}
		return n
	case []any:
		n := 0
		for _, y := range x {
			n += approxSize(y)
		}
		return n
	case []map[string]any:
		n := 0
		for _, y := range x {
			n += approxSize(y)
		}
		return n
	}
	return 8
}

// markDirty records the first unsaved change of the canvas.
func (a *api) markDirty(ctx context.Context, ref *firestore.DocumentRef) error {
	return a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return err
		}
		up := []firestore.Update{{Path: "updated_at", Value: a.d.Now().UTC()}}
		if _, ok := snap.Data()["dirty_since"].(time.Time); !ok {
			up = append(up, firestore.Update{Path: "dirty_since", Value: a.d.Now().UTC()})
		}
		return tx.Update(ref, up)
	})
}
