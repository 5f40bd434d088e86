package journal

import (
	"net/http"
	"strings"
	"testing"

	"pointsofyou.ai/studio/internal/apitest"
	"pointsofyou.ai/studio/shared/consentvault"
)

// TestFacilitatorNeverSeesPrivate: a facilitator never sees a private
// entry, nor a shared one after consent is withdrawn. Every response the
// facilitators get is recorded and scanned for the private texts.
func TestFacilitatorNeverSeesPrivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const (
		privateText  = "PRIVATE-MARK only for me"
		sharedText   = "SHARED-MARK for my facilitator"
		otherSession = "OTHERSESSION-MARK"
		conflictText = "CONFLICT-MARK"
		deletedText  = "DELETED-MARK"
	)
	fv := string(consentvault.FacilitatorVisibility)
	a, b := e.device(partA), e.device(partB)
	inSession := func(vis string) func(*CreateArgs) {
		return func(c *CreateArgs) { c.Mode, c.SessionID, c.Visibility = ModeInSession, sessionA, vis }
	}
	shared, deleted := newEntryID(), newEntryID()
	a.pushOK(
		a.mut(MutCreate, create(newEntryID(), "p", privateText, inSession(""))), // default: private
		a.mut(MutCreate, create(newEntryID(), "p2", privateText, inSession(VisibilityPrivate))),
		a.mut(MutCreate, create(shared, "s", sharedText, inSession(VisibilityFacilitator))),
		a.mut(MutCreate, create(newEntryID(), "o", otherSession, func(c *CreateArgs) {
			c.Mode, c.SessionID, c.Visibility = ModeInSession, "session-other", VisibilityFacilitator
		})),
		a.mut(MutCreate, create(deleted, "d", deletedText, inSession(VisibilityFacilitator))),
		a.mut(MutDelete, DeleteArgs{ID: deleted, BaseRev: 1}),
		// A conflict version on the shared entry is never shown.
		a.mut(MutUpdate, UpdateArgs{ID: shared, BaseRev: 1, Body: ptr(sharedText + " v2")}),
		a.mut(MutUpdate, UpdateArgs{ID: shared, BaseRev: 1, Body: ptr(conflictText)}),
	)
	b.pushOK(b.mut(MutCreate, create(newEntryID(), "b", privateText+" of B", inSession(VisibilityFacilitator))))

	var recorded []apitest.Response
	view := func(tok string, code int) []SharedEntry {
		t.Helper()
		r := e.do("GET", "/v1/sessions/"+sessionA+"/entries", tok, nil).Want(t, code)
		recorded = append(recorded, r)
		var out struct{ Entries []SharedEntry }
		if code == http.StatusOK {
			r.JSON(t, &out)
		}
		return out.Entries
	}
	// Without consent: nothing.
	if got := view(facA, http.StatusOK); len(got) != 0 {
		t.Fatalf("without consent: %+v", got)
	}
	// With A's consent: exactly A's shared entry of this session.
	e.consent.Set(uid(partA), fv, true)
	got := view(facA, http.StatusOK)
	if len(got) != 1 || got[0].Entry.ID != shared || got[0].UID != uid(partA) || got[0].DisplayName != "Noa "+partA || len(got[0].Entry.Conflicts) != 0 {
		t.Fatalf("with consent: %+v", got)
	}
	// Not a facilitator of the session: its participants (of its
	// organisation or another, found through the index) 403, anyone else
	// 404.
	view(partA, http.StatusForbidden)
	view(partB, http.StatusForbidden)
	for _, tok := range []string{adminA, facB, stranger} {
		view(tok, http.StatusNotFound)
	}
	// A makes the entry private again: gone.
	a.pushOK(a.mut(MutUpdate, UpdateArgs{ID: shared, BaseRev: 3, Visibility: ptr(VisibilityPrivate)}))
	if got := view(facA, http.StatusOK); len(got) != 0 {
		t.Fatalf("after unsharing: %+v", got)
	}
	a.pushOK(a.mut(MutUpdate, UpdateArgs{ID: shared, BaseRev: 4, Visibility: ptr(VisibilityFacilitator)}))
	if got := view(facA, http.StatusOK); len(got) != 1 {
		t.Fatalf("shared again: %+v", got)
	}
	// Consent withdrawn: nothing, at once.
	e.consent.Set(uid(partA), fv, false)
	if got := view(facA, http.StatusOK); len(got) != 0 {
		t.Fatalf("after withdrawal: %+v", got)
	}
	for i, r := range recorded {
		body := string(r.Body)
		for _, mark := range []string{privateText, otherSession, conflictText, deletedText} {
			if strings.Contains(body, mark) {
				t.Fatalf("response %d carries %q: %s", i, mark, body)
			}
		}
		if i >= len(recorded)-1 && strings.Contains(body, "SHARED-MARK") {
			t.Fatalf("after withdrawal the shared text was sent: %s", body)
		}
	}
	t.Logf("%d facilitator responses recorded and scanned; none carried a private, conflict, deleted or other-session text", len(recorded))
}

func TestFacilitatorViewParticipantIsForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do("GET", "/v1/sessions/"+sessionA+"/entries", partA, nil).Want(t, http.StatusForbidden)
	e.do("GET", "/v1/sessions/no-such-session/entries", facA, nil).Want(t, http.StatusNotFound)
}
