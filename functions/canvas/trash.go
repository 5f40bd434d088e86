package canvas

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/authz"
	model "pointsofyou.ai/studio/shared/canvas"
	"pointsofyou.ai/studio/shared/httpapi"
)

// maxTrash bounds the trash listing.
const maxTrash = 500

// TrashItem is a deleted element, restorable until ExpireAt.
type TrashItem struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Owner     string         `json:"owner"`
	DeletedAt time.Time      `json:"deleted_at"`
	ExpireAt  time.Time      `json:"expire_at"`
	Props     map[string]any `json:"props"`
}

// TrashList is a canvas's deleted elements, most recently deleted first.
type TrashList struct {
	Elements []TrashItem `json:"elements"`
}

func (a *api) listTrash(w http.ResponseWriter, r *http.Request, l *loaded) error {
	// The canvas as of now (element documents and the op log's last
	// seconds): a deletion made a moment ago is in the trash already.
	els, err := a.elements(r.Context(), l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	expiries, err := a.expiries(r.Context(), l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	now := a.d.Now()
	out := TrashList{Elements: []TrashItem{}}
	for _, e := range els {
		exp := expiry(expiries, e)
		if !e.Deleted() || !now.Before(exp) {
			continue
		}
		out.Elements = append(out.Elements, TrashItem{ID: e.ID, Kind: e.Kind, Owner: e.Owner, DeletedAt: deletedAt(e), ExpireAt: exp, Props: e.Props})
	}
	slices.SortFunc(out.Elements, func(x, y TrashItem) int { return y.DeletedAt.Compare(x.DeletedAt) })
	if len(out.Elements) > maxTrash {
		out.Elements = out.Elements[:maxTrash]
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// Restored is an element back from the trash: the change written.
type Restored struct {
	Patch model.Patch `json:"patch"`
}

func (a *api) restoreElement(w http.ResponseWriter, r *http.Request, l *loaded) error {
	var req struct{}
	if err := httpapi.DecodeOptionalJSON(w, r, &req, 0); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("elementId")
	if !authz.ValidDocID(id) {
		return httpapi.NotFound("no element %q", id)
	}
	els, err := a.elements(ctx, l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	i := slices.IndexFunc(els, func(e *model.Element) bool { return e.ID == id })
	if i < 0 {
		return httpapi.NotFound("no element %q", id)
	}
	e := els[i]
	if !e.Deleted() {
		return httpapi.Conflict("element %q is not in the trash", id)
	}
	expiries, err := a.expiries(ctx, l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !a.d.Now().Before(expiry(expiries, e)) {
		return httpapi.NotFound("element %q left the trash after %d days", id, model.TrashDays)
	}
	s := a.stampAfter([]*model.Element{e})
	applied, err := a.applyPatches(ctx, l.Ref, l.P.UID, []model.Patch{{
		ID: id, Props: map[string]any{model.PropDeleted: false}, Stamps: map[string]model.Stamp{model.PropDeleted: s},
	}})
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if len(applied) == 0 {
		// Someone restored or changed it in between: nothing of ours won.
		return httpapi.Conflict("element %q changed meanwhile", id)
	}
	httpapi.WriteJSON(w, http.StatusOK, Restored{Patch: applied[0]})
	return nil
}

// expiries are the expire_at of the canvas's deleted element documents:
// when Firestore's TTL removes each (set by whoever wrote the deletion).
func (a *api) expiries(ctx context.Context, ref *firestore.DocumentRef) (map[string]time.Time, error) {
	snaps, err := ref.Collection(collElements).WherePath([]string{model.FieldProps, model.PropDeleted}, "==", true).Documents(ctx).GetAll()
	if err != nil {
		return nil, fmt.Errorf("list trash: %w", err)
	}
	out := make(map[string]time.Time, len(snaps))
	for _, sn := range snaps {
		if t, ok := sn.Data()[model.FieldExpireAt].(time.Time); ok {
			out[sn.Ref.ID] = t.UTC()
		}
	}
	return out, nil
}

// expiry is when deleted element e leaves the trash: its document's
// expire_at, else (a deletion only the op log holds yet) 30 days after
// the deletion's stamp.
func expiry(expiries map[string]time.Time, e *model.Element) time.Time {
	if t, ok := expiries[e.ID]; ok {
		return t
	}
	return deletedAt(e).Add(trashFor)
}
