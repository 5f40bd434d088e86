package sessions

// Reading sessions: one session, the organisation's sessions, the
// caller's own sessions across organisations, and a session's calendar file.

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// sessionView is the session as rel sees it: participants do not get the
// co-facilitators' user ids (staff names are not theirs to enumerate).
func sessionView(s *Session, rel Relation) *Session {
	out := *s
	if rel == RelParticipant {
		out.CoFacilitators = []string{}
	}
	if out.CoFacilitators == nil {
		out.CoFacilitators = []string{}
	}
	return &out
}

func (a *api) getSession(w http.ResponseWriter, r *http.Request, l *loaded) error {
	httpapi.WriteJSON(w, http.StatusOK, sessionView(l.S, l.Rel))
	return nil
}

// sessionPage is a page of sessions.
type sessionPage struct {
	Sessions      []*Session `json:"sessions"`
	NextPageToken string     `json:"next_page_token,omitempty"`
}

func (a *api) listSessions(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	qv := r.URL.Query()
	var f []httpapi.FieldError
	q := a.d.Firestore.Collection(collOrgs).Doc(p.Org).Collection(collSessions).Query
	if st := qv.Get("status"); st != "" {
		httpapi.OneOf(&f, "status", st, StatusScheduled, StatusLive, StatusEnded, StatusCancelled)
		q = q.Where("status", "==", st)
	}
	for _, k := range []string{"from", "to"} {
		v := qv.Get(k)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			f = append(f, httpapi.Field(k, "must be an RFC 3339 time with an offset"))
			continue
		}
		op := ">="
		if k == "to" {
			op = "<"
		}
		q = q.Where("start_at", op, t.UTC())
	}
	var at, after string
	found, err := sessionPages.Param(r, &at, &after)
	if err != nil {
		return err
	}
	var afterAt time.Time
	if found {
		if afterAt, err = time.Parse(time.RFC3339Nano, at); err != nil || !authz.ValidDocID(after) {
			return badPageToken()
		}
	}
	if len(f) > 0 {
		return httpapi.Invalid(f...)
	}
	q = q.OrderBy("start_at", firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc)
	if found {
		q = q.StartAfter(afterAt, after)
	}
	snaps, err := q.Limit(listPageSize + 1).Documents(r.Context()).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	page := sessionPage{Sessions: []*Session{}}
	for i, snap := range snaps {
		if i == listPageSize {
			last := page.Sessions[listPageSize-1]
			page.NextPageToken = sessionPages.Encode(last.StartAt.UTC().Format(time.RFC3339Nano), last.ID)
			break
		}
		var s Session
		if err := snap.DataTo(&s); err != nil {
			return httpapi.Unavailable(err)
		}
		s.ID = snap.Ref.ID
		page.Sessions = append(page.Sessions, sessionView(&s, RelOrgStaff))
	}
	httpapi.WriteJSON(w, http.StatusOK, page)
	return nil
}

// mySession is one of the caller's sessions with the caller's part in it.
type mySession struct {
	*Session
	Role string `json:"role"` // owner | editor | participant
}

// mySessions lists the sessions the caller is a member of, in any
// organisation (a collection-group query on members). The page follows
// the membership documents' order; a page is sorted by start time.
func (a *api) mySessions(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !authz.ValidDocID(p.UID) {
		return httpapi.Forbidden("no user id")
	}
	var after string
	found, err := mySessionPages.Param(r, &after)
	if err != nil {
		return err
	}
	q := a.d.Firestore.CollectionGroup(collMembers).Where("uid", "==", p.UID).OrderBy(firestore.DocumentID, firestore.Asc)
	if found {
		// The token names one of the caller's own session memberships.
		ref := a.d.Firestore.Doc(after)
		if ref == nil || !isSessionMember(ref) || ref.ID != p.UID ||
			!authz.ValidOrgID(ref.Parent.Parent.Parent.Parent.ID) || !authz.ValidDocID(ref.Parent.Parent.ID) {
			return badPageToken()
		}
		q = q.StartAfter(ref)
	}
	ctx := r.Context()
	out := struct {
		Sessions      []mySession `json:"sessions"`
		NextPageToken string      `json:"next_page_token,omitempty"`
	}{Sessions: []mySession{}}
	it := q.Documents(ctx)
	defer it.Stop()
	var refs []*firestore.DocumentRef
	var roles []string
	for len(refs) < listPageSize {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if !isSessionMember(snap.Ref) {
			continue // org and canvas memberships share the collection name
		}
		var m SessionMember
		if err := snap.DataTo(&m); err != nil {
			return httpapi.Unavailable(err)
		}
		refs = append(refs, snap.Ref.Parent.Parent)
		roles = append(roles, m.Role)
		if len(refs) == listPageSize {
			out.NextPageToken = mySessionPages.Encode(strings.SplitN(snap.Ref.Path, "/documents/", 2)[1])
		}
	}
	if len(refs) > 0 {
		// Running a session needs current staff membership of its
		// organisation: a former facilitator's sessions are not theirs.
		staffOf, err := a.staffOrgs(ctx, p.UID, refs, roles)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		snaps, err := a.d.Firestore.GetAll(ctx, refs)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		for i, snap := range snaps {
			if !snap.Exists() || (roles[i] != authz.ResourceParticipant && !staffOf[refs[i].Parent.Parent.ID]) {
				continue
			}
			var s Session
			if err := snap.DataTo(&s); err != nil {
				return httpapi.Unavailable(err)
			}
			s.ID = snap.Ref.ID
			rel := RelParticipant
			if roles[i] != authz.ResourceParticipant {
				rel = RelFacilitator
			}
			out.Sessions = append(out.Sessions, mySession{Session: sessionView(&s, rel), Role: roles[i]})
		}
	}
	slices.SortStableFunc(out.Sessions, func(x, y mySession) int { return x.StartAt.Compare(y.StartAt) })
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// staffOrgs reads uid's current role in the organisation of every session
// of refs the caller facilitates (roles[i] not participant) and reports
// in which of them uid is staff.
func (a *api) staffOrgs(ctx context.Context, uid string, refs []*firestore.DocumentRef, roles []string) (map[string]bool, error) {
	var mrefs []*firestore.DocumentRef
	seen := map[string]bool{}
	for i, ref := range refs {
		org := ref.Parent.Parent.ID
		if roles[i] == authz.ResourceParticipant || seen[org] {
			continue
		}
		seen[org] = true
		mrefs = append(mrefs, a.d.Firestore.Collection(collOrgs).Doc(org).Collection(collMembers).Doc(uid))
	}
	out := map[string]bool{}
	if len(mrefs) == 0 {
		return out, nil
	}
	snaps, err := a.d.Firestore.GetAll(ctx, mrefs)
	if err != nil {
		return nil, err
	}
	for _, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		var m authz.Member
		if err := snap.DataTo(&m); err != nil {
			return nil, err
		}
		out[snap.Ref.Parent.Parent.ID] = sessionaccess.IsStaff(m.Role)
	}
	return out, nil
}

// isSessionMember reports a path orgs/{org}/sessions/{id}/members/{uid}.
func isSessionMember(ref *firestore.DocumentRef) bool {
	s := ref.Parent.Parent
	return ref.Parent.ID == collMembers && s != nil && s.Parent.ID == collSessions &&
		s.Parent.Parent != nil && s.Parent.Parent.Parent.ID == collOrgs && s.Parent.Parent.Parent.Parent == nil
}

// calendarFile is the session's current calendar entry.
func (a *api) calendarFile(w http.ResponseWriter, r *http.Request, l *loaded) error {
	cal, err := readCalendar(r.Context(), nil, l.Ref)
	if err != nil {
		return httpapi.Unavailable(err)
	}
	var attendee *string
	if l.Rel == RelParticipant && l.P.Email != "" {
		attendee = &l.P.Email
	}
	data, method, err := sessionICS(a.d, l.S, cal, attendee)
	if err != nil {
		return httpapi.Internal(err)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8; method="+method)
	w.Header().Set("Content-Disposition", `attachment; filename="session.ics"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}
