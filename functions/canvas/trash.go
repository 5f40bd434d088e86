package canvas

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"google.golang.org/api/iterator"

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
	it := l.Ref.Collection(collElements).WherePath([]string{model.FieldProps, model.PropDeleted}, "==", true).Limit(maxTrash).Documents(r.Context())
	defer it.Stop()
	now := a.d.Now()
	out := TrashList{Elements: []TrashItem{}}
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return httpapi.Unavailable(fmt.Errorf("list trash: %w", err))
		}
		e, err := elementFromDoc(snap)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		del, exp := deletedAt(e), expiry(snap.Data(), e)
		if !e.Deleted() || !now.Before(exp) {
			continue
		}
		out.Elements = append(out.Elements, TrashItem{ID: e.ID, Kind: e.Kind, Owner: e.Owner, DeletedAt: del, ExpireAt: exp, Props: e.Props})
	}
	slices.SortFunc(out.Elements, func(x, y TrashItem) int { return y.DeletedAt.Compare(x.DeletedAt) })
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
	snap, err := getDoc(ctx, l.Ref.Collection(collElements).Doc(id))
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if snap == nil {
		return httpapi.NotFound("no element %q", id)
	}
	e, err := elementFromDoc(snap)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	if !e.Deleted() {
		return httpapi.Conflict("element %q is not in the trash", id)
	}
	if !a.d.Now().Before(expiry(snap.Data(), e)) {
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

// expiry is when Firestore's TTL removes deleted element e: its document's
// expire_at (set by whoever wrote the deletion), else 30 days after the
// deletion's stamp.
func expiry(data map[string]any, e *model.Element) time.Time {
	if t, ok := data[model.FieldExpireAt].(time.Time); ok {
		return t.UTC()
	}
	return deletedAt(e).Add(trashFor)
}
