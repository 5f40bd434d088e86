package canvas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/authz"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/httpapi"
)

// Reasons a version was taken.
const (
	ReasonManual  = "manual"  // someone asked for it
	ReasonAuto    = "auto"    // the schedule, after 30 minutes of changes
	ReasonRestore = "restore" // the state just before a restore
)

// maxSnapshot caps the snapshot a restore reads back.
const maxSnapshot = 64 << 20

// Version is a snapshot's record (orgs/{org}/canvases/{c}/versions/{v});
// its JSON document is Object in the canvases bucket.
type Version struct {
	ID       string    `json:"id" firestore:"-"`
	At       time.Time `json:"at" firestore:"at"`
	By       string    `json:"by,omitempty" firestore:"by"`
	Reason   string    `json:"reason" firestore:"reason"`
	Elements int       `json:"elements" firestore:"elements"`
	Object   string    `json:"-" firestore:"object"`
	Size     int64     `json:"size" firestore:"size"`
}

// versionObject names a snapshot after the canvas's owner (who never
// changes), so a data-subject export or erasure finds every snapshot of
// the person's canvases by prefix (shared/privacy holder canvas.versions).
func versionObject(owner, canvas, version string) string {
	return "owners/" + owner + "/canvases/" + canvas + "/versions/" + version + ".json"
}

// snapshot stores the canvas's whole state (deleted elements too) as a
// new version, clears its dirty mark unless it changed meanwhile, and
// keeps the newest Keep versions.
func (a *api) snapshot(ctx context.Context, ref *firestore.DocumentRef, m *model.Meta, by, reason string) (*Version, error) {
	start := a.d.Now().UTC()
	els, err := a.elements(ctx, ref)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := model.Encode(&buf, document(m, els, false, start)); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	v := &Version{ID: a.d.NewID(), At: start, By: by, Reason: reason, Elements: len(els), Size: int64(buf.Len())}
	v.Object = versionObject(m.Owner, m.ID, v.ID)
	ow := a.d.Storage.Bucket(a.d.Buckets.Canvases).Object(v.Object).NewWriter(ctx)
	ow.ContentType = "application/json"
	if _, err := ow.Write(buf.Bytes()); err != nil {
		_ = ow.Close()
		return nil, fmt.Errorf("write snapshot: %w", err)
	}
	if err := ow.Close(); err != nil {
		return nil, fmt.Errorf("write snapshot: %w", err)
	}
	if _, err := ref.Collection(collVersions).Doc(v.ID).Create(ctx, v); err != nil {
		return nil, fmt.Errorf("record version: %w", err)
	}
	err = a.d.Firestore.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return err
		}
		up := []firestore.Update{{Path: fieldLastSnapshot, Value: start}}
		if t, ok := snap.Data()["dirty_since"].(time.Time); ok && !t.After(start) {
			up = append(up, firestore.Update{Path: "dirty_since", Value: firestore.Delete})
		}
		return tx.Update(ref, up)
	})
	if err != nil {
		return nil, fmt.Errorf("mark snapshot: %w", err)
	}
	if err := a.prune(ctx, ref); err != nil {
		// The version is taken; an old one left over goes with the next.
		slog.WarnContext(ctx, "canvas: pruning versions failed", "canvas_id", m.ID, "err", err)
	}
	return v, nil
}

// prune deletes the versions beyond the newest Keep, record and object.
func (a *api) prune(ctx context.Context, ref *firestore.DocumentRef) error {
	it := ref.Collection(collVersions).OrderBy("at", firestore.Desc).Offset(a.d.Keep).Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			return nil
		}
		if err != nil {
			return err
		}
		obj, _ := snap.Data()["object"].(string)
		if obj != "" {
			err := a.d.Storage.Bucket(a.d.Buckets.Canvases).Object(obj).Delete(ctx)
			if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
				return err
			}
		}
		if _, err := snap.Ref.Delete(ctx); err != nil {
			return err
		}
	}
}

// VersionList is a canvas's versions, newest first.
type VersionList struct {
	Versions []Version `json:"versions"`
}

func (a *api) listVersions(w http.ResponseWriter, r *http.Request, l *loaded) error {
	it := l.Ref.Collection(collVersions).OrderBy("at", firestore.Desc).Limit(a.d.Keep).Documents(r.Context())
	defer it.Stop()
	out := VersionList{Versions: []Version{}}
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return httpapi.Unavailable(fmt.Errorf("list versions: %w", err))
		}
		var v Version
		if err := snap.DataTo(&v); err != nil {
			return httpapi.Unavailable(fmt.Errorf("decode version: %w", err))
		}
		v.ID = snap.Ref.ID
		out.Versions = append(out.Versions, v)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) snapshotNow(w http.ResponseWriter, r *http.Request, l *loaded) error {
	var req struct{}
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 0); err != nil {
		return err
	}
	v, err := a.snapshot(r.Context(), l.Ref, l.M, l.P.UID, ReasonManual)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusCreated, v)
	return nil
}

// RestoreResult is what a restore changed.
type RestoreResult struct {
	// Changed counts the elements the restore wrote.
	Changed int `json:"changed"`
	// Before is the version taken of the state the restore replaced.
	Before *Version `json:"before,omitempty"`
}

func (a *api) restoreVersion(w http.ResponseWriter, r *http.Request, l *loaded) error {
	var req struct{}
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 0); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("versionId")
	if !authz.ValidDocID(id) {
		return httpapi.NotFound("no version %q", id)
	}
	snap, err := getDoc(ctx, l.Ref.Collection(collVersions).Doc(id))
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if snap == nil {
		return httpapi.NotFound("no version %q", id)
	}
	var v Version
	if err := snap.DataTo(&v); err != nil {
		return httpapi.Unavailable(fmt.Errorf("decode version: %w", err))
	}
	rd, err := a.d.Storage.Bucket(a.d.Buckets.Canvases).Object(v.Object).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return httpapi.NotFound("version %q is no longer stored", id)
	}
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("read snapshot: %w", err))
	}
	doc, err := model.Decode(rd, maxSnapshot)
	_ = rd.Close()
	if err != nil {
		return httpapi.Unavailable(fmt.Errorf("decode snapshot %s: %w", id, err))
	}
	before, err := a.snapshot(ctx, l.Ref, l.M, l.P.UID, ReasonRestore)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	current, err := a.elements(ctx, l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	patches := restorePatches(current, doc.Elements, a.stampAfter(current))
	applied, err := a.applyPatches(ctx, l.Ref, l.P.UID, patches)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	httpapi.WriteJSON(w, http.StatusOK, RestoreResult{Changed: len(applied), Before: before})
	return nil
}

// stampAfter is a stamp of this instance later than every stamp of els,
// so what it writes wins over the state it was computed from.
func (a *api) stampAfter(els []*model.Element) model.Stamp {
	_, v := state(els)
	a.d.Clock.Observe(v)
	return a.d.Clock.Next()
}

// restorePatches turns current into target, stamped s: every property
// that differs is set (nil where target has none), elements missing from
// target are deleted, elements missing from current are created.
func restorePatches(current []*model.Element, target []model.Element, s model.Stamp) []model.Patch {
	cur := make(map[string]*model.Element, len(current))
	for _, e := range current {
		cur[e.ID] = e
	}
	var out []model.Patch
	seen := map[string]bool{}
	for i := range target {
		t := &target[i]
		seen[t.ID] = true
		c := cur[t.ID]
		p := model.Patch{ID: t.ID, Props: map[string]any{}, Stamps: map[string]model.Stamp{}}
		if c == nil {
			p.Kind, p.Owner = t.Kind, t.Owner
			c = &model.Element{}
		}
		for k, v := range t.Props {
			if old, ok := c.Props[k]; !ok && v == nil || ok && reflect.DeepEqual(old, v) {
				continue
			}
			p.Props[k], p.Stamps[k] = v, s
		}
		for k, old := range c.Props {
			if _, ok := t.Props[k]; !ok && old != nil {
				p.Props[k], p.Stamps[k] = nil, s
			}
		}
		if len(p.Props) > 0 || p.Kind != "" {
			out = append(out, p)
		}
	}
	for _, e := range current {
		if !seen[e.ID] && !e.Deleted() {
			out = append(out, model.Patch{ID: e.ID, Props: map[string]any{model.PropDeleted: true}, Stamps: map[string]model.Stamp{model.PropDeleted: s}})
		}
	}
	return out
}

// SnapshotDirty takes a version of every canvas whose first unsaved
// change is at least DirtyAge old (the scheduled entry point). A canvas
// that fails is logged and tried again on the next run.
func SnapshotDirty(ctx context.Context, d Deps) (int, error) {
	a := &api{d: d}
	cutoff := d.Now().Add(-d.DirtyAge).UTC()
	it := d.Firestore.CollectionGroup(collCanvases).Where("dirty_since", "<=", cutoff).Limit(500).Documents(ctx)
	defer it.Stop()
	n := 0
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("find changed canvases: %w", err)
		}
		org := snap.Ref.Parent.Parent.ID
		m, _, err := readMeta(snap, org)
		if err != nil {
			slog.WarnContext(ctx, "canvas: unreadable canvas skipped", "canvas_id", snap.Ref.ID, "err", err)
			continue
		}
		if m.DeletedAt != nil {
			if _, err := snap.Ref.Update(ctx, []firestore.Update{{Path: "dirty_since", Value: firestore.Delete}}); err != nil {
				slog.WarnContext(ctx, "canvas: clearing a trashed canvas's mark failed", "canvas_id", m.ID, "err", err)
			}
			continue
		}
		if _, err := a.snapshot(ctx, snap.Ref, m, "", ReasonAuto); err != nil {
			slog.WarnContext(ctx, "canvas: scheduled snapshot failed", "canvas_id", m.ID, "err", err)
			continue
		}
		n++
	}
}
