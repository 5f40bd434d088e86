package journal

import (
	"context"
	"fmt"
	"net/http"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/consentvault"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// SharedEntry is one entry a participant shares with the session's
// facilitators.
type SharedEntry struct {
	Entry       Entry  `json:"entry"`
	UID         string `json:"uid"`
	DisplayName string `json:"display_name"`
}

// sessionDoc is what the facilitator view reads of
// orgs/{org}/sessions/{id} (functions/sessions writes it).
type sessionDoc struct {
	Facilitator    string   `firestore:"facilitator"`
	CoFacilitators []string `firestore:"co_facilitators"`
}

// sessionEntries is the facilitator view: for the session's facilitators
// only, the entries of that session its participants marked
// shared_with_facilitator, of participants whose facilitator_visibility
// consent holds now (checked on every request). Nothing else, ever: not
// private entries, not conflict versions, not other sessions' entries.
func (a *api) sessionEntries(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id := r.PathValue("sessionId")
	org, ref, err := a.facilitatedSession(ctx, p, id)
	if err != nil {
		return err
	}
	out := []SharedEntry{}
	it := ref.Collection("members").Where("role", "==", "participant").Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			return httpapi.Unavailable(fmt.Errorf("session members: %w", err))
		}
		uid := snap.Ref.ID
		ok, err := a.d.Consent.Allowed(ctx, uid, org, string(consentvault.FacilitatorVisibility))
		if err != nil || !ok {
			continue // any doubt about consent is a no
		}
		shared, err := a.sharedEntries(ctx, uid, id)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if len(shared) == 0 {
			continue
		}
		name := displayName(ctx, ref, uid)
		for _, e := range shared {
			out = append(out, SharedEntry{Entry: e, UID: uid, DisplayName: name})
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"entries": out})
	return nil
}

// facilitatedSession finds session id (the caller's organisation first,
// then the index) and checks that the caller facilitates it now, from
// membership documents (shared/sessionaccess). Anything else is 404.
func (a *api) facilitatedSession(ctx context.Context, p *auth.Principal, id string) (string, *firestore.DocumentRef, error) {
	notFound := httpapi.NotFound("no session %q", id)
	if !authz.ValidDocID(id) {
		return "", nil, notFound
	}
	fs := a.d.Firestore
	snap, err := sessionaccess.Find(ctx, fs, p.Org, id)
	if err != nil {
		return "", nil, httpapi.Unavailable(err)
	}
	if snap == nil {
		return "", nil, notFound
	}
	org := snap.Ref.Parent.Parent.ID
	var s sessionDoc
	if err := snap.DataTo(&s); err != nil {
		return "", nil, httpapi.Unavailable(err)
	}
	rel, _, err := sessionaccess.Of(ctx, fs, nil, sessionaccess.Session{Ref: snap.Ref, Org: org, Facilitator: s.Facilitator, CoFacilitators: s.CoFacilitators}, p.UID)
	if err != nil {
		return "", nil, httpapi.Unavailable(err)
	}
	switch rel {
	case sessionaccess.Facilitator:
	case sessionaccess.Participant: // knows the session, may not see others' entries
		return "", nil, httpapi.Forbidden("only the session's facilitators see the entries shared with them")
	default:
		return "", nil, notFound
	}
	return org, snap.Ref, nil
}

// sharedEntries are uid's live entries of session that are shared with
// its facilitators, without their conflict versions.
func (a *api) sharedEntries(ctx context.Context, uid, session string) ([]Entry, error) {
	it := a.entries(uid).Where("session_id", "==", session).Documents(ctx)
	defer it.Stop()
	var out []Entry
	for {
		snap, err := it.Next()
		if err == iterator.Done {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("shared entries: %w", err)
		}
		var e Entry
		if err := snap.DataTo(&e); err != nil {
			return nil, fmt.Errorf("decode entry: %w", err)
		}
		if e.Deleted || e.Visibility != VisibilityFacilitator || e.SessionID != session {
			continue
		}
		e.normalizeLists()
		e.Conflicts = []Conflict{}
		out = append(out, e)
	}
}

// displayName is the participant's name as the session shows it.
func displayName(ctx context.Context, session *firestore.DocumentRef, uid string) string {
	snap, err := session.Collection("participants").Doc(uid).Get(ctx)
	if err != nil {
		return ""
	}
	n, _ := snap.Data()["display_name"].(string)
	return n
}
