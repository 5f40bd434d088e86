package sessions

// Homework: orgs/{org}/sessions/{sid}/homework/{homeworkId}, one document
// per person and item.
//
// Decisions where the requirements leave a gap:
//   - Homework is between the facilitators and the person it belongs to:
//     org staff who do not facilitate the session get 403 on the list and
//     404 on items; a participant sees and edits only their own.
//   - A participant may change status and notes; facilitators everything
//     (uid, title, due, notes, status). Any status may follow any other,
//     except that only a facilitator may reopen dropped homework.
//   - due is a date (YYYY-MM-DD) or an RFC 3339 time (kept in UTC); an
//     empty due in a PATCH clears it.
//   - Homework may be assigned, changed and deleted in every session
//     status but cancelled (it is typically assigned at or after the end).
//   - Each item stores its session and organisation so that "my
//     homework" is one collection-group query.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/outbox"
)

// Homework statuses.
const (
	HomeworkOpen       = "open"
	HomeworkInProgress = "in_progress"
	HomeworkDone       = "done"
	HomeworkDropped    = "dropped"
)

var homeworkStatuses = []string{HomeworkOpen, HomeworkInProgress, HomeworkDone, HomeworkDropped}

// Homework limits.
const (
	MaxHomeworkTitle = 200
	MaxHomeworkNotes = 2000
	// maxHomeworkBatch keeps one assignment inside a transaction's 500 writes.
	maxHomeworkBatch = 500
	homeworkPageSize = 20
)

// homework is one item of one person.
type homework struct {
	ID        string    `json:"id" firestore:"-"`
	SessionID string    `json:"session_id" firestore:"session_id"`
	Org       string    `json:"org_id" firestore:"org"`
	UID       string    `json:"uid" firestore:"uid"`
	Title     string    `json:"title" firestore:"title"`
	Due       string    `json:"due,omitempty" firestore:"due"`
	Notes     string    `json:"notes,omitempty" firestore:"notes"`
	Status    string    `json:"status" firestore:"status"`
	CreatedAt time.Time `json:"created_at" firestore:"created_at"`
	CreatedBy string    `json:"-" firestore:"created_by"`
	UpdatedAt time.Time `json:"updated_at" firestore:"updated_at"`
}

func (a *api) homeworkRoutes() []httpapi.Route {
	const base = "/v1/sessions/{sessionId}/homework"
	return []httpapi.Route{
		httpapi.Handle(http.MethodPost, base, sessionStaff, withPrincipal(a.assignHomework)),
		httpapi.Handle(http.MethodGet, base, sessionAny, a.session(a.listHomework, anyone)),
		httpapi.Handle(http.MethodPatch, base+"/{homeworkId}", sessionAny, withPrincipal(a.patchHomework)),
		httpapi.Handle(http.MethodDelete, base+"/{homeworkId}", sessionStaff, withPrincipal(a.deleteHomework)),
		httpapi.Handle(http.MethodGet, "/v1/me/homework", signedIn, withPrincipal(a.myHomework)),
	}
}

// normalDue normalises a due date: YYYY-MM-DD as is, an RFC 3339 time in UTC.
func normalDue(s string) (string, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.RFC3339), true
	}
	return "", false
}

// checkText checks a free-text field: at most max characters, no control
// characters (newlines and tabs allowed when multiline).
func checkText(fs *[]httpapi.FieldError, name, v string, max int, multiline bool) {
	httpapi.MaxLen(fs, name, v, max)
	kind := httpapi.SingleLine
	if multiline {
		kind = httpapi.MultiLine
	}
	httpapi.Text(fs, name, v, kind)
}

// assignHomeworkReq is the body of POST …/homework: one of uid, uids or
// all names who gets the item.
type assignHomeworkReq struct {
	UID   string   `json:"uid"`
	UIDs  []string `json:"uids"`
	All   bool     `json:"all"`
	Title string   `json:"title"`
	Due   string   `json:"due"`
	Notes string   `json:"notes"`
}

func (q *assignHomeworkReq) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	n := 0
	for _, set := range []bool{q.UID != "", q.UIDs != nil, q.All} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		fs = append(fs, httpapi.Field("uid", "is required (or uids, or all: true)"))
	case n > 1:
		fs = append(fs, httpapi.Field("uid", "give one of uid, uids and all"))
	case q.UID != "" && !authz.ValidDocID(q.UID):
		fs = append(fs, httpapi.Field("uid", "is not a valid uid"))
	case q.UIDs != nil && (len(q.UIDs) == 0 || len(q.UIDs) > maxHomeworkBatch):
		fs = append(fs, httpapi.Field("uids", "must list 1…%d uids", maxHomeworkBatch))
	case q.UIDs != nil:
		for i, u := range q.UIDs {
			if !authz.ValidDocID(u) {
				fs = append(fs, httpapi.Field(fmt.Sprintf("uids[%d]", i), "is not a valid uid"))
			} else if j := slices.Index(q.UIDs, u); j < i {
				fs = append(fs, httpapi.Field(fmt.Sprintf("uids[%d]", i), "repeats uids[%d]", j))
			}
		}
	}
	q.Title = strings.TrimSpace(q.Title)
	httpapi.Required(&fs, "title", q.Title)
	checkText(&fs, "title", q.Title, MaxHomeworkTitle, false)
	checkText(&fs, "notes", q.Notes, MaxHomeworkNotes, true)
	if q.Due != "" {
		d, ok := normalDue(q.Due)
		if !ok {
			fs = append(fs, httpapi.Field("due", "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
		}
		q.Due = d
	}
	return fs
}

// homeworkWritable refuses changes to the homework of a cancelled session.
func homeworkWritable(s *Session) error {
	if s.Status == StatusCancelled {
		return httpapi.Conflict("the session is cancelled; its homework cannot change")
	}
	return nil
}

// checkParticipants checks that every uid is a participant of the session
// (any state but removed); field names the offending entries.
func checkParticipants(tx *firestore.Transaction, l *loaded, uids []string, field func(i int) string) error {
	refs := make([]*firestore.DocumentRef, len(uids))
	for i, u := range uids {
		refs[i] = l.sub(collParticipants).Doc(u)
	}
	snaps, err := tx.GetAll(refs)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	var fs []httpapi.FieldError
	for i, s := range snaps {
		if !s.Exists() || s.Data()["state"] == PartRemoved {
			fs = append(fs, httpapi.Field(field(i), "is not a participant of this session"))
		}
	}
	if len(fs) > 0 {
		return unprocessable(fs...)
	}
	return nil
}

func (a *api) assignHomework(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req assignHomeworkReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	ctx := r.Context()
	var (
		items []homework
		l     *loaded
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l, items = lt, nil
		if bad != nil {
			return bad
		}
		if err := homeworkWritable(l.S); err != nil {
			return err
		}
		var uids []string
		switch {
		case req.All:
			snaps, err := tx.Documents(l.sub(collParticipants)).GetAll()
			if err != nil {
				return httpapi.Unavailable(err)
			}
			for _, s := range snaps {
				if s.Data()["state"] != PartRemoved {
					uids = append(uids, s.Ref.ID)
				}
			}
			if len(uids) == 0 {
				return unprocessable(httpapi.Field("all", "the session has no participants"))
			}
			if len(uids) > maxHomeworkBatch {
				return unprocessable(httpapi.Field("all", "the session has %d participants; assign at most %d at once", len(uids), maxHomeworkBatch))
			}
		case req.UID != "":
			uids = []string{req.UID}
			if err := checkParticipants(tx, l, uids, func(int) string { return "uid" }); err != nil {
				return err
			}
		default:
			uids = req.UIDs
			if err := checkParticipants(tx, l, uids, func(i int) string { return fmt.Sprintf("uids[%d]", i) }); err != nil {
				return err
			}
		}
		now := a.d.Now().UTC()
		for _, u := range uids {
			h := homework{ID: a.d.NewID(), SessionID: l.ID(), Org: l.Org(), UID: u, Title: req.Title, Due: req.Due,
				Notes: req.Notes, Status: HomeworkOpen, CreatedAt: now, CreatedBy: l.P.UID, UpdatedAt: now}
			if err := tx.Create(l.sub(collHomework).Doc(h.ID), h); err != nil {
				return err
			}
			if err := homeworkEvent(out, l, h, "assigned"); err != nil {
				return err
			}
			items = append(items, h)
		}
		return nil
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"homework": items})
	return nil
}

// homeworkEvent records the change of h by the caller in out.
func homeworkEvent(out *outbox.Tx, l *loaded, h homework, change string) error {
	return out.Event(events.Event{Type: events.TypeSessionHomeworkChanged, OrgID: l.Org(), SessionID: l.ID(), UID: l.P.UID,
		Payload: events.SessionHomeworkChanged{HomeworkID: events.ID(h.ID), Change: events.Enum(change), Status: events.Enum(h.Status)}})
}

// homeworkPage is one page of a homework list.
type homeworkPage struct {
	Homework      []homework `json:"homework"`
	NextPageToken string     `json:"next_page_token,omitempty"`
}

// homeworkStatusFilter reads the optional status query parameter.
func homeworkStatusFilter(r *http.Request) (string, error) {
	st := r.URL.Query().Get("status")
	if st != "" && !slices.Contains(homeworkStatuses, st) {
		return "", httpapi.Invalid(httpapi.Field("status", "must be one of %v", homeworkStatuses))
	}
	return st, nil
}

// readHomeworkPage runs q (already limited to a page and one more) and cuts the
// page; token makes the next page's token from the last document.
func readHomeworkPage(ctx context.Context, q firestore.Query, token func(*firestore.DocumentSnapshot) string) (homeworkPage, error) {
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return homeworkPage{}, httpapi.Unavailable(err)
	}
	page := homeworkPage{Homework: []homework{}}
	if len(snaps) > homeworkPageSize {
		snaps = snaps[:homeworkPageSize]
		page.NextPageToken = token(snaps[len(snaps)-1])
	}
	for _, s := range snaps {
		var h homework
		if err := s.DataTo(&h); err != nil {
			return homeworkPage{}, httpapi.Unavailable(err)
		}
		h.ID = s.Ref.ID
		page.Homework = append(page.Homework, h)
	}
	return page, nil
}

func (a *api) listHomework(w http.ResponseWriter, r *http.Request, l *loaded) error {
	ctx := r.Context()
	uid := r.URL.Query().Get("uid")
	switch l.Rel {
	case RelParticipant:
		if uid != "" && uid != l.P.UID {
			return httpapi.Forbidden("participants see only their own homework")
		}
		uid = l.P.UID
	case RelFacilitator:
		if uid != "" && !authz.ValidDocID(uid) {
			return httpapi.Invalid(httpapi.Field("uid", "is not a valid uid"))
		}
	default:
		return httpapi.Forbidden("homework is shared only between the session's facilitators and each participant")
	}
	st, err := homeworkStatusFilter(r)
	if err != nil {
		return err
	}
	coll := l.sub(collHomework)
	q := coll.Query
	if uid != "" {
		q = q.Where("uid", "==", uid)
	}
	if st != "" {
		q = q.Where("status", "==", st)
	}
	q = q.OrderBy("created_at", firestore.Desc).Limit(homeworkPageSize + 1)
	if q, err = pageAfter(r, q, coll, homeworkPages); err != nil {
		return err
	}
	page, err := readHomeworkPage(ctx, q, func(s *firestore.DocumentSnapshot) string { return homeworkPages.Encode(s.Ref.ID) })
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

// patchHomeworkReq changes an item; absent fields stay as they are.
type patchHomeworkReq struct {
	UID    *string `json:"uid"`
	Title  *string `json:"title"`
	Due    *string `json:"due"`
	Notes  *string `json:"notes"`
	Status *string `json:"status"`
}

func (q *patchHomeworkReq) Validate() []httpapi.FieldError {
	var fs []httpapi.FieldError
	if q.UID == nil && q.Title == nil && q.Due == nil && q.Notes == nil && q.Status == nil {
		return []httpapi.FieldError{httpapi.Field("(body)", "changes nothing: give uid, title, due, notes or status")}
	}
	if q.UID != nil && !authz.ValidDocID(*q.UID) {
		fs = append(fs, httpapi.Field("uid", "is not a valid uid"))
	}
	if q.Title != nil {
		*q.Title = strings.TrimSpace(*q.Title)
		httpapi.Required(&fs, "title", *q.Title)
		checkText(&fs, "title", *q.Title, MaxHomeworkTitle, false)
	}
	if q.Notes != nil {
		checkText(&fs, "notes", *q.Notes, MaxHomeworkNotes, true)
	}
	if q.Due != nil && *q.Due != "" {
		d, ok := normalDue(*q.Due)
		if !ok {
			fs = append(fs, httpapi.Field("due", "must be a date (YYYY-MM-DD), an RFC 3339 time, or empty to clear it"))
		}
		*q.Due = d
	}
	if q.Status != nil {
		httpapi.OneOf(&fs, "status", *q.Status, homeworkStatuses...)
	}
	return fs
}

// readHomework reads item id of session l in tx, as the caller may see
// it: another person's item, or any item for org staff, does not exist.
func readHomework(tx *firestore.Transaction, l *loaded, id string) (*homework, *firestore.DocumentRef, error) {
	if !authz.ValidDocID(id) {
		return nil, nil, httpapi.NotFound("no homework %q", id)
	}
	ref := l.sub(collHomework).Doc(id)
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return nil, nil, httpapi.NotFound("no homework %q", id)
	}
	if err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	var h homework
	if err := snap.DataTo(&h); err != nil {
		return nil, nil, httpapi.Unavailable(err)
	}
	h.ID = id
	if l.Rel == RelFacilitator || (l.Rel == RelParticipant && h.UID == l.P.UID) {
		return &h, ref, nil
	}
	return nil, nil, httpapi.NotFound("no homework %q", id)
}

func (a *api) patchHomework(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("homeworkId")
	var req patchHomeworkReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	ctx := r.Context()
	var (
		h *homework
		l *loaded
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), anyone, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l = lt
		if bad != nil {
			return bad
		}
		var ref *firestore.DocumentRef
		var err error
		if h, ref, err = readHomework(tx, l, id); err != nil {
			return err
		}
		if err := homeworkWritable(l.S); err != nil {
			return err
		}
		facilitator := l.Rel == RelFacilitator
		if !facilitator && (req.UID != nil || req.Title != nil || req.Due != nil) {
			return httpapi.Forbidden("participants may change only the status and notes of their homework")
		}
		if !facilitator && h.Status == HomeworkDropped && req.Status != nil && *req.Status != HomeworkDropped {
			return httpapi.Forbidden("only a facilitator may reopen dropped homework")
		}
		if req.UID != nil && *req.UID != h.UID {
			if err := checkParticipants(tx, l, []string{*req.UID}, func(int) string { return "uid" }); err != nil {
				return err
			}
		}
		now := a.d.Now().UTC()
		ups := []firestore.Update{{Path: "updated_at", Value: now}}
		set := func(path string, v *string, dst *string) {
			if v != nil {
				*dst = *v
				ups = append(ups, firestore.Update{Path: path, Value: *v})
			}
		}
		set("uid", req.UID, &h.UID)
		set("title", req.Title, &h.Title)
		set("due", req.Due, &h.Due)
		set("notes", req.Notes, &h.Notes)
		set("status", req.Status, &h.Status)
		h.UpdatedAt = now
		if err := tx.Update(ref, ups); err != nil {
			return err
		}
		return homeworkEvent(out, l, *h, "updated")
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, h)
	return nil
}

func (a *api) deleteHomework(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("homeworkId")
	ctx := r.Context()
	var (
		h *homework
		l *loaded
	)
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, lt *loaded) error {
		l = lt
		var ref *firestore.DocumentRef
		var err error
		if h, ref, err = readHomework(tx, l, id); err != nil {
			return err
		}
		if err := homeworkWritable(l.S); err != nil {
			return err
		}
		if err := tx.Delete(ref); err != nil {
			return err
		}
		return homeworkEvent(out, l, *h, "deleted")
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// myHomework lists the caller's homework across sessions and
// organisations, newest first.
func (a *api) myHomework(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	st, err := homeworkStatusFilter(r)
	if err != nil {
		return err
	}
	if !authz.ValidDocID(p.UID) {
		return httpapi.Forbidden("this account has no homework")
	}
	q := a.d.Firestore.CollectionGroup(collHomework).Where("uid", "==", p.UID)
	if st != "" {
		q = q.Where("status", "==", st)
	}
	q = q.OrderBy("created_at", firestore.Desc).Limit(homeworkPageSize + 1)
	var after string
	if found, err := myHomeworkPages.Param(r, &after); err != nil {
		return err
	} else if found {
		snap, err := a.myHomeworkAfter(ctx, p, after)
		if err != nil {
			return err
		}
		q = q.StartAfter(snap)
	}
	page, err := readHomeworkPage(ctx, q, func(s *firestore.DocumentSnapshot) string {
		return myHomeworkPages.Encode(homeworkPath(s.Ref))
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

// homeworkPath is orgs/{org}/sessions/{sid}/homework/{id} of ref.
func homeworkPath(ref *firestore.DocumentRef) string {
	s := ref.Parent.Parent
	return strings.Join([]string{collOrgs, s.Parent.Parent.ID, collSessions, s.ID, collHomework, ref.ID}, "/")
}

// myHomeworkAfter reads the document at path, the key of a "my homework"
// page token; it must be the caller's own item.
func (a *api) myHomeworkAfter(ctx context.Context, p *auth.Principal, path string) (*firestore.DocumentSnapshot, error) {
	bad := badPageToken()
	parts := strings.Split(path, "/")
	if len(parts) != 6 || parts[0] != collOrgs || parts[2] != collSessions || parts[4] != collHomework ||
		!authz.ValidOrgID(parts[1]) || !authz.ValidDocID(parts[3]) || !authz.ValidDocID(parts[5]) {
		return nil, bad
	}
	snap, err := a.store().sessionRef(parts[1], parts[3]).Collection(collHomework).Doc(parts[5]).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, bad
	}
	if err != nil {
		return nil, httpapi.Unavailable(err)
	}
	if uid, _ := snap.Data()["uid"].(string); uid != p.UID {
		return nil, bad
	}
	return snap, nil
}
