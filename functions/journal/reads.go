package journal

import (
	"context"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/httpapi"
)

func (a *api) getEntry(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("entryId")
	e, err := a.readEntry(r.Context(), p.UID, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, e)
	return nil
}

// readEntry reads the caller's own entry id (404 for anything else).
func (a *api) readEntry(ctx context.Context, uid, id string) (*Entry, error) {
	if !validEntryID(id) {
		return nil, httpapi.NotFound("no entry %q", id)
	}
	snap, err := a.entries(uid).Doc(id).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, httpapi.NotFound("no entry %q", id)
	}
	if err != nil {
		return nil, httpapi.Unavailable(fmt.Errorf("read entry: %w", err))
	}
	e := &Entry{}
	if err := snap.DataTo(e); err != nil {
		return nil, httpapi.Unavailable(fmt.Errorf("decode entry: %w", err))
	}
	e.normalizeLists()
	return e, nil
}

func (a *api) usage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var meta metaDoc
	snap, err := a.metaRef(p.UID).Get(r.Context())
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return httpapi.Unavailable(err)
	default:
		if err := snap.DataTo(&meta); err != nil {
			return httpapi.Unavailable(err)
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, usageOf(p.Tier, meta.Entries, meta.Bytes))
	return nil
}
