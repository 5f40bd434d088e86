package sessions

// Paging: the page tokens of the API's lists. Each list has its own codec,
// so a token of one list (or an edited one) is refused by every other;
// the keys a token carries are still checked as path values would be.

import (
	"net/http"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
)

var (
	// sessionPages: GET /v1/sessions, after (start_at, id); start_at is
	// RFC 3339 with nanoseconds.
	sessionPages = httpapi.NewCursor("sessions.sessions")
	// mySessionPages: GET /v1/me/sessions, after the path of the caller's
	// session membership document.
	mySessionPages = httpapi.NewCursor("sessions.my-sessions")
	// The lists of a session, after a document id.
	invitationPages  = httpapi.NewCursor("sessions.invitations")
	participantPages = httpapi.NewCursor("sessions.participants")
	breakoutPages    = httpapi.NewCursor("sessions.breakouts")
	drawPages        = httpapi.NewCursor("sessions.draws")
	homeworkPages    = httpapi.NewCursor("sessions.homework")
	// myHomeworkPages: GET /v1/me/homework, after the path of a homework
	// item of the caller.
	myHomeworkPages = httpapi.NewCursor("sessions.my-homework")
)

// badPageToken answers a token whose keys no page of this list ends at.
func badPageToken() error {
	return httpapi.Invalid(httpapi.Field(httpapi.PageParam, "is not a token this API returned"))
}

// idPage reads one page of q in document-id order from the request's
// page_token (of pages), optionally filtered by the query parameter field
// (one of allowed, checked); it returns at most listPageSize documents and
// the token of the next page ("" on the last).
func idPage(r *http.Request, q firestore.Query, pages httpapi.Cursor, field string, allowed ...string) ([]*firestore.DocumentSnapshot, string, error) {
	if v := r.URL.Query().Get(field); v != "" {
		var f []httpapi.FieldError
		if httpapi.OneOf(&f, field, v, allowed...); len(f) > 0 {
			return nil, "", httpapi.Invalid(f...)
		}
		q = q.Where(field, "==", v)
	}
	var after string
	found, err := pages.Param(r, &after)
	if err != nil {
		return nil, "", err
	}
	q = q.OrderBy(firestore.DocumentID, firestore.Asc)
	if found {
		if !authz.ValidDocID(after) {
			return nil, "", badPageToken()
		}
		q = q.StartAfter(after)
	}
	snaps, err := q.Limit(listPageSize + 1).Documents(r.Context()).GetAll()
	if err != nil {
		return nil, "", httpapi.Unavailable(err)
	}
	if len(snaps) > listPageSize {
		return snaps[:listPageSize], pages.Encode(snaps[listPageSize-1].Ref.ID), nil
	}
	return snaps, "", nil
}

// pageAfter continues q after the document of coll that r's page_token
// (of pages) names; the token carries its id.
func pageAfter(r *http.Request, q firestore.Query, coll *firestore.CollectionRef, pages httpapi.Cursor) (firestore.Query, error) {
	var id string
	found, err := pages.Param(r, &id)
	if err != nil || !found {
		return q, err
	}
	if !authz.ValidDocID(id) {
		return q, badPageToken()
	}
	snap, err := coll.Doc(id).Get(r.Context())
	if status.Code(err) == codes.NotFound {
		return q, badPageToken()
	}
	if err != nil {
		return q, httpapi.Unavailable(err)
	}
	return q.StartAfter(snap), nil
}
