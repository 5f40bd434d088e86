package sessions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
)

// Scheduling limits.
const (
	schedMinMinutes        = 15
	schedMaxMinutes        = 720
	schedMaxCoFacilitators = 5
	schedMaxTitle          = 200
	schedMaxDescription    = 4000
	schedPageSize          = 20
)

// collSettings holds per-session documents the API keeps for itself;
// settings/calendar is calendarDoc (the calendar organizer).
const (
	collSettings   = "settings"
	docCalendar    = "calendar"
	icsUIDDomain   = "pointsofyou.ai"
	localStartForm = "2006-01-02T15:04"
)

// calendarDoc is settings/calendar: who sends the session's calendar
// entries. It lives beside the session, not in it, so that no writer of
// the Session document can drop it.
type calendarDoc struct {
	OrganizerUID   string `firestore:"organizer_uid"`
	OrganizerEmail string `firestore:"organizer_email"`
}

func (a *api) scheduleRoutes() []httpapi.Route {
	return []httpapi.Route{
		route(http.MethodPost, "/v1/sessions", a.authed(a.createSession)),
		route(http.MethodGet, "/v1/sessions", a.authed(a.listSessions)),
		route(http.MethodGet, "/v1/me/sessions", a.authed(a.mySessions)),
		route(http.MethodGet, "/v1/sessions/{sessionId}", a.session(a.getSession)),
		route(http.MethodPatch, "/v1/sessions/{sessionId}", a.session(a.patchSession, facilitators...)),
		route(http.MethodPost, "/v1/sessions/{sessionId}/reschedule", a.session(a.reschedule, facilitators...)),
		route(http.MethodPost, "/v1/sessions/{sessionId}/cancel", a.managed(a.cancel)),
		route(http.MethodPut, "/v1/sessions/{sessionId}/owner", a.managed(a.setOwner)),
		route(http.MethodGet, "/v1/sessions/{sessionId}/calendar.ics", a.session(a.calendarFile, RelFacilitator, RelParticipant)),
	}
}

// scheduleUnprocessable is a well-formed request the current state cannot honour
// (an unpublished journey), naming the field.
func scheduleUnprocessable(field, format string, args ...any) *httpapi.Error {
	f := httpapi.Field(field, format, args...)
	return &httpapi.Error{Status: http.StatusUnprocessableEntity, Slug: "unprocessable", Title: "Unprocessable request",
		Detail: f.Field + ": " + f.Detail, Fields: []httpapi.FieldError{f}}
}

// parseStart reads start_at: RFC 3339 with an offset, or a local wall
// time (2026-12-03T18:30[:00]) in loc. A wall time that does not exist
// (skipped by a DST change) is refused; an ambiguous one (repeated) is
// the one Go's time.Date picks.
func parseStart(field, s string, loc *time.Location) (time.Time, *httpapi.FieldError) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{localStartForm, localStartForm + ":05"} {
		w, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if loc == nil {
			return time.Time{}, nil // time_zone's own error is enough
		}
		t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
		if t.Hour() != w.Hour() || t.Minute() != w.Minute() || t.Day() != w.Day() {
			f := httpapi.Field(field, "%s does not exist in %s: the clocks skip that hour (daylight saving time); pick another time", s, loc)
			return time.Time{}, &f
		}
		return t, nil
	}
	f := httpapi.Field(field, "must be an RFC 3339 time with an offset (2026-12-03T18:30:00+01:00) or a local time (2026-12-03T18:30) read in time_zone")
	return time.Time{}, &f
}

// loadZone reads an IANA zone name; "Local" and "" are not zones.
func loadZone(fields *[]httpapi.FieldError, field, name string) *time.Location {
	if strings.TrimSpace(name) == "" {
		*fields = append(*fields, httpapi.Field(field, "is required (an IANA time zone such as Europe/Berlin)"))
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" || len(name) > 64 {
		*fields = append(*fields, httpapi.Field(field, "%q is not an IANA time zone (such as Europe/Berlin)", name))
		return nil
	}
	return loc
}

// checkMeeting validates the external meeting. A Zoom start link carries
// the host's key (zak), which the platform must never hold.
func checkMeeting(fields *[]httpapi.FieldError, m *Meeting) {
	if m == nil {
		return
	}
	httpapi.OneOf(fields, "meeting.provider", m.Provider, "zoom", "meet", "teams", "other")
	httpapi.MaxLen(fields, "meeting.meeting_id", m.MeetingID, 64)
	httpapi.Text(fields, "meeting.meeting_id", m.MeetingID, httpapi.SingleLine)
	httpapi.MaxLen(fields, "meeting.passcode", m.Passcode, 64)
	httpapi.Text(fields, "meeting.passcode", m.Passcode, httpapi.SingleLine)
	if m.URL == "" {
		*fields = append(*fields, httpapi.Field("meeting.url", "is required"))
		return
	}
	u, err := url.Parse(m.URL)
	switch {
	case len(m.URL) > 2000:
		*fields = append(*fields, httpapi.Field("meeting.url", "is longer than 2000 characters"))
	case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(m.URL, " \r\n\t"):
		*fields = append(*fields, httpapi.Field("meeting.url", "must be an https URL without credentials"))
	case strings.HasPrefix(u.Path, "/s/") && (m.Provider == "zoom" || strings.Contains(u.Host, "zoom")),
		u.Query().Has("zak"):
		*fields = append(*fields, httpapi.Field("meeting.url", "is a start link holding the host key: a host key is a secret the platform never stores; use the join link (…/j/…)"))
	}
}

// scheduleReq is POST /v1/sessions.
type scheduleReq struct {
	JourneyID       string   `json:"journey_id"`
	JourneyVersion  *int     `json:"journey_version"`
	Title           *string  `json:"title"`
	Description     string   `json:"description"`
	StartAt         string   `json:"start_at"`
	TimeZone        string   `json:"time_zone"`
	DurationMinutes *int     `json:"duration_minutes"`
	Capacity        *int     `json:"capacity"`
	Meeting         *Meeting `json:"meeting"`
	CoFacilitators  []string `json:"co_facilitators"`

	loc   *time.Location
	start time.Time
}

func (r *scheduleReq) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	httpapi.Required(&f, "journey_id", r.JourneyID)
	if r.JourneyID != "" && !authz.ValidDocID(r.JourneyID) {
		f = append(f, httpapi.Field("journey_id", "is not a journey id"))
	}
	if r.JourneyVersion != nil && *r.JourneyVersion < 1 {
		f = append(f, httpapi.Field("journey_version", "must be 1 or more"))
	}
	if r.Title != nil {
		checkTitle(&f, *r.Title)
	}
	checkDescription(&f, r.Description)
	r.loc = loadZone(&f, "time_zone", r.TimeZone)
	if strings.TrimSpace(r.StartAt) == "" {
		f = append(f, httpapi.Field("start_at", "is required"))
	} else if t, fe := parseStart("start_at", r.StartAt, r.loc); fe != nil {
		f = append(f, *fe)
	} else {
		r.start = t
	}
	if r.DurationMinutes != nil && (*r.DurationMinutes < schedMinMinutes || *r.DurationMinutes > schedMaxMinutes) {
		f = append(f, httpapi.Field("duration_minutes", "must be between %d and %d", schedMinMinutes, schedMaxMinutes))
	}
	if r.Capacity != nil && (*r.Capacity < 1 || *r.Capacity > MaxCapacity) {
		f = append(f, httpapi.Field("capacity", "must be between 1 and %d", MaxCapacity))
	}
	checkMeeting(&f, r.Meeting)
	checkCoFacilitators(&f, r.CoFacilitators)
	return f
}

// checkTitle validates a session title: one line of text, since it
// becomes a mail subject and a calendar SUMMARY.
func checkTitle(f *[]httpapi.FieldError, title string) {
	httpapi.Required(f, "title", title)
	httpapi.MaxLen(f, "title", title, schedMaxTitle)
	httpapi.Text(f, "title", title, httpapi.SingleLine)
}

// checkDescription validates a session description (multi-line text).
func checkDescription(f *[]httpapi.FieldError, d string) {
	httpapi.MaxLen(f, "description", d, schedMaxDescription)
	httpapi.Text(f, "description", d, httpapi.MultiLine)
}

func checkCoFacilitators(f *[]httpapi.FieldError, uids []string) {
	if len(uids) > schedMaxCoFacilitators {
		*f = append(*f, httpapi.Field("co_facilitators", "at most %d co-facilitators", schedMaxCoFacilitators))
	}
	seen := map[string]bool{}
	for i, u := range uids {
		switch {
		case !authz.ValidDocID(u):
			*f = append(*f, httpapi.Field(fmt.Sprintf("co_facilitators[%d]", i), "is not a user id"))
		case seen[u]:
			*f = append(*f, httpapi.Field(fmt.Sprintf("co_facilitators[%d]", i), "is listed twice"))
		}
		seen[u] = true
	}
}

// staffCoFacilitators checks that each uid is a staff member of org other
// than the owner.
func (a *api) staffCoFacilitators(ctx context.Context, org, owner string, uids []string) error {
	store := authz.NewFirestoreStore(a.d.Firestore)
	var f []httpapi.FieldError
	for i, u := range uids {
		field := fmt.Sprintf("co_facilitators[%d]", i)
		if u == owner {
			f = append(f, httpapi.Field(field, "is the session's facilitator"))
			continue
		}
		m, ok, err := store.OrgMember(ctx, org, u)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if !ok || !slices.Contains([]string{auth.RoleFacilitator, auth.RoleEducator, auth.RoleOrgAdmin}, m.Role) {
			f = append(f, httpapi.Field(field, "is not a facilitator, educator or admin of your organisation"))
		}
	}
	if len(f) > 0 {
		return httpapi.Invalid(f...)
	}
	return nil
}

// schedPlanOf is the run of a journey: every element of each non-skipped
// phase, in order.
func schedPlanOf(j *journey.Journey) []Step {
	var plan []Step
	for pi, ph := range j.Phases {
		if ph.Skipped {
			continue
		}
		for ei, el := range ph.Elements {
			plan = append(plan, Step{Phase: ph.Phase, PhaseIndex: pi, ElementIndex: ei, ElementID: el.ID, Title: el.Title, Minutes: el.DurationMinutes})
		}
	}
	return plan
}

func schedPlanMinutes(plan []Step) int {
	total := 0
	for _, s := range plan {
		total += s.Minutes
	}
	return total
}

// publishedJourney reads the requested (or latest) published version.
func (a *api) publishedJourney(ctx context.Context, org, id string, version *int) (*journey.Journey, int, error) {
	jref := a.d.Firestore.Collection(collOrgs).Doc(org).Collection(journey.JourneysCollection).Doc(id)
	snap, err := jref.Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, 0, scheduleUnprocessable("journey_id", "no journey %q in your organisation", id)
	}
	if err != nil {
		return nil, 0, httpapi.Unavailable(err)
	}
	n := 0
	if version != nil {
		n = *version
	} else {
		latest, _ := snap.DataAt("latest_version")
		if v, ok := latest.(int64); ok {
			n = int(v)
		}
		if n < 1 {
			return nil, 0, scheduleUnprocessable("journey_id", "the journey was never published; publish it first")
		}
	}
	vsnap, err := jref.Collection(journey.VersionsCollection).Doc(journey.VersionDocID(n)).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, 0, scheduleUnprocessable("journey_version", "the journey has no published version %d", n)
	}
	if err != nil {
		return nil, 0, httpapi.Unavailable(err)
	}
	var v journey.Version
	if err := vsnap.DataTo(&v); err != nil {
		return nil, 0, httpapi.Unavailable(fmt.Errorf("decode journey version: %w", err))
	}
	return &v.Journey, n, nil
}

func (a *api) createSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.IsStaff() || !authz.ValidDocID(p.Org) {
		return httpapi.Forbidden("only facilitators, educators and admins of an organisation schedule sessions")
	}
	if err := a.currentStaff(r.Context(), p, p.Org); err != nil {
		return err
	}
	var req scheduleReq
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	now := a.d.Now()
	if !req.start.After(now) {
		return httpapi.Invalid(httpapi.Field("start_at", "must be in the future"))
	}
	ctx := r.Context()
	if err := a.staffCoFacilitators(ctx, p.Org, p.UID, req.CoFacilitators); err != nil {
		return err
	}
	j, version, err := a.publishedJourney(ctx, p.Org, req.JourneyID, req.JourneyVersion)
	if err != nil {
		return err
	}
	plan := schedPlanOf(j)
	if len(plan) == 0 {
		return scheduleUnprocessable("journey_id", "the journey version has no elements to run")
	}
	need := schedPlanMinutes(plan)
	minutes := max(DefaultMinutes, j.SessionMinutes, need)
	if req.DurationMinutes != nil {
		minutes = *req.DurationMinutes
		if minutes < need {
			return httpapi.Invalid(httpapi.Field("duration_minutes", "is shorter than the journey's %d minutes", need))
		}
	}
	minutes = min(minutes, schedMaxMinutes)
	title := j.Name
	if req.Title != nil {
		title = strings.TrimSpace(*req.Title)
	}
	if title == "" {
		title = "Session"
	}
	capacity := DefaultCapacity
	if req.Capacity != nil {
		capacity = *req.Capacity
	}
	co := req.CoFacilitators
	if co == nil {
		co = []string{}
	}
	utc := now.UTC()
	s := Session{
		Org: p.Org, Title: title, Description: req.Description, JourneyID: req.JourneyID, JourneyVersion: version,
		Status: StatusScheduled, StartAt: req.start.UTC(), TimeZone: req.TimeZone, DurationMinutes: minutes,
		Capacity: capacity, Meeting: req.Meeting, Facilitator: p.UID, CoFacilitators: co, Plan: plan,
		CreatedAt: utc, CreatedBy: p.UID, UpdatedAt: utc,
	}
	s.ID = a.d.NewID()
	ref := a.sessionRef(p.Org, s.ID)
	err = a.inTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Create(ref, s); err != nil {
			return err
		}
		if err := tx.Set(ref.Collection(collMembers).Doc(p.UID), map[string]any{"role": authz.ResourceOwner, "uid": p.UID}); err != nil {
			return err
		}
		for _, u := range co {
			if err := tx.Set(ref.Collection(collMembers).Doc(u), map[string]any{"role": authz.ResourceEditor, "uid": u}); err != nil {
				return err
			}
		}
		if err := tx.Set(ref.Collection(collSettings).Doc(docCalendar), calendarDoc{OrganizerUID: p.UID, OrganizerEmail: p.Email}); err != nil {
			return err
		}
		return tx.Create(a.d.Firestore.Collection(collIndex).Doc(s.ID), map[string]any{"org": p.Org})
	})
	if err != nil {
		return err
	}
	a.emit(ctx, events.TypeSessionScheduled, p.Org, s.ID, p.UID, events.SessionScheduled{
		JourneyID: events.ID(s.JourneyID), JourneyVersion: version, DurationMinutes: minutes, Capacity: capacity,
		HasMeetingLink: s.Meeting != nil && s.Meeting.URL != "", LeadDays: int(s.StartAt.Sub(now) / (24 * time.Hour)),
	})
	w.Header().Set("Location", "/v1/sessions/"+s.ID)
	httpapi.WriteJSON(w, http.StatusCreated, s)
	return nil
}

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

// schedCursor is an opaque cursor: the last item's sort key.
type schedCursor struct {
	At   time.Time `json:"t,omitzero"`
	ID   string    `json:"i"`
	Path string    `json:"p,omitempty"`
}

// idPage reads one page of q in document-id order from the request's
// page_token, optionally filtered by the query parameter field (one of
// allowed, checked); it returns at most schedPageSize documents and the
// token of the next page ("" on the last).
func idPage(r *http.Request, q firestore.Query, field string, allowed ...string) ([]*firestore.DocumentSnapshot, string, error) {
	qv := r.URL.Query()
	if v := qv.Get(field); v != "" {
		var f []httpapi.FieldError
		if httpapi.OneOf(&f, field, v, allowed...); len(f) > 0 {
			return nil, "", httpapi.Invalid(f...)
		}
		q = q.Where(field, "==", v)
	}
	tok, err := schedDecodeCursor(qv.Get("page_token"))
	if err != nil {
		return nil, "", err
	}
	q = q.OrderBy(firestore.DocumentID, firestore.Asc)
	if tok != nil {
		q = q.StartAfter(tok.ID)
	}
	snaps, err := q.Limit(schedPageSize + 1).Documents(r.Context()).GetAll()
	if err != nil {
		return nil, "", httpapi.Unavailable(err)
	}
	if len(snaps) > schedPageSize {
		return snaps[:schedPageSize], schedEncodeCursor(schedCursor{ID: snaps[schedPageSize-1].Ref.ID}), nil
	}
	return snaps, "", nil
}

func schedEncodeCursor(t schedCursor) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func schedDecodeCursor(s string) (*schedCursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var t schedCursor
	if err != nil || len(s) > 1000 || json.Unmarshal(b, &t) != nil || !authz.ValidDocID(t.ID) {
		return nil, httpapi.Invalid(httpapi.Field("page_token", "is not a token from an earlier page"))
	}
	return &t, nil
}

// schedSessionPage is a page of sessions.
type schedSessionPage struct {
	Sessions      []*Session `json:"sessions"`
	NextPageToken string     `json:"next_page_token,omitempty"`
}

func (a *api) listSessions(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.IsStaff() || !authz.ValidDocID(p.Org) {
		return httpapi.Forbidden("only staff of an organisation list its sessions; see /v1/me/sessions")
	}
	if err := a.currentStaff(r.Context(), p, p.Org); err != nil {
		return err
	}
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
	tok, err := schedDecodeCursor(qv.Get("page_token"))
	if err != nil {
		return err
	}
	if len(f) > 0 {
		return httpapi.Invalid(f...)
	}
	q = q.OrderBy("start_at", firestore.Asc).OrderBy(firestore.DocumentID, firestore.Asc)
	if tok != nil {
		q = q.StartAfter(tok.At, tok.ID)
	}
	snaps, err := q.Limit(schedPageSize + 1).Documents(r.Context()).GetAll()
	if err != nil {
		return httpapi.Unavailable(err)
	}
	page := schedSessionPage{Sessions: []*Session{}}
	for i, snap := range snaps {
		if i == schedPageSize {
			last := page.Sessions[schedPageSize-1]
			page.NextPageToken = schedEncodeCursor(schedCursor{At: last.StartAt, ID: last.ID})
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
	tok, err := schedDecodeCursor(r.URL.Query().Get("page_token"))
	if err != nil {
		return err
	}
	q := a.d.Firestore.CollectionGroup(collMembers).Where("uid", "==", p.UID).OrderBy(firestore.DocumentID, firestore.Asc)
	if tok != nil {
		ref := a.d.Firestore.Doc(tok.Path)
		if ref == nil || !isSessionMember(ref) || ref.ID != p.UID {
			return httpapi.Invalid(httpapi.Field("page_token", "is not a token from an earlier page"))
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
	for len(refs) < schedPageSize {
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
		role, _ := snap.Data()["role"].(string)
		refs = append(refs, snap.Ref.Parent.Parent)
		roles = append(roles, role)
		if len(refs) == schedPageSize {
			out.NextPageToken = schedEncodeCursor(schedCursor{ID: p.UID, Path: strings.SplitN(snap.Ref.Path, "/documents/", 2)[1]})
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
		role, _ := snap.Data()["role"].(string)
		out[snap.Ref.Parent.Parent.ID] = slices.Contains(staffRoles, role)
	}
	return out, nil
}

// isSessionMember reports a path orgs/{org}/sessions/{id}/members/{uid}.
func isSessionMember(ref *firestore.DocumentRef) bool {
	s := ref.Parent.Parent
	return ref.Parent.ID == collMembers && s != nil && s.Parent.ID == collSessions &&
		s.Parent.Parent != nil && s.Parent.Parent.Parent.ID == collOrgs && s.Parent.Parent.Parent.Parent == nil
}

// patchReq is PATCH /v1/sessions/{id}; absent fields are kept, a null
// meeting removes it.
type patchReq struct {
	Title          *string         `json:"title"`
	Description    *string         `json:"description"`
	Capacity       *int            `json:"capacity"`
	Meeting        json.RawMessage `json:"meeting"`
	CoFacilitators *[]string       `json:"co_facilitators"`

	meeting *Meeting
}

func (r *patchReq) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	if r.Title == nil && r.Description == nil && r.Capacity == nil && r.Meeting == nil && r.CoFacilitators == nil {
		return []httpapi.FieldError{httpapi.Field("(body)", "name at least one of title, description, capacity, meeting, co_facilitators")}
	}
	if r.Title != nil {
		checkTitle(&f, *r.Title)
	}
	if r.Description != nil {
		checkDescription(&f, *r.Description)
	}
	if r.Capacity != nil && (*r.Capacity < 1 || *r.Capacity > MaxCapacity) {
		f = append(f, httpapi.Field("capacity", "must be between 1 and %d", MaxCapacity))
	}
	if r.Meeting != nil && string(r.Meeting) != "null" {
		var m Meeting
		if err := httpapi.DecodeBytes(r.Meeting, &m); err != nil {
			var he *httpapi.Error
			if errors.As(err, &he) && len(he.Fields) > 0 {
				for _, fe := range he.Fields {
					f = append(f, httpapi.Field("meeting."+fe.Field, "%s", fe.Detail))
				}
			} else {
				f = append(f, httpapi.Field("meeting", "must be an object or null"))
			}
		} else {
			r.meeting = &m
			checkMeeting(&f, &m)
		}
	}
	if r.CoFacilitators != nil {
		checkCoFacilitators(&f, *r.CoFacilitators)
	}
	return f
}

// sessionClosed refuses changes to a session that is over.
func sessionClosed(s *Session) error {
	if s.Status == StatusEnded || s.Status == StatusCancelled {
		return httpapi.Conflict("the session is %s", s.Status)
	}
	return nil
}

func (a *api) patchSession(w http.ResponseWriter, r *http.Request, l0 *loaded) error {
	var req patchReq
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	ctx := r.Context()
	if req.CoFacilitators != nil {
		if err := a.staffCoFacilitators(ctx, l0.Org(), l0.S.Facilitator, *req.CoFacilitators); err != nil {
			return err
		}
	}
	var out *Session
	err := a.inTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		l, err := a.load(ctx, tx, l0.P, l0.ID(), facilitators...)
		if err != nil {
			return err
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		s := *l.S
		now := a.d.Now().UTC()
		ups := []firestore.Update{{Path: "updated_at", Value: now}}
		if req.Title != nil {
			s.Title = strings.TrimSpace(*req.Title)
			ups = append(ups, firestore.Update{Path: "title", Value: s.Title})
		}
		if req.Description != nil {
			s.Description = *req.Description
			ups = append(ups, firestore.Update{Path: "description", Value: s.Description})
		}
		if req.Capacity != nil {
			if *req.Capacity < s.Joined {
				return httpapi.Invalid(httpapi.Field("capacity", "is below the %d participants who joined", s.Joined))
			}
			s.Capacity = *req.Capacity
			ups = append(ups, firestore.Update{Path: "capacity", Value: s.Capacity})
		}
		if req.Meeting != nil {
			s.Meeting = req.meeting
			ups = append(ups, firestore.Update{Path: "meeting", Value: s.Meeting})
		}
		var writes []func() error
		if req.CoFacilitators != nil {
			next := *req.CoFacilitators
			for _, u := range s.CoFacilitators {
				if !slices.Contains(next, u) {
					writes = append(writes, func() error { return tx.Delete(l.sub(collMembers).Doc(u)) })
				}
			}
			for _, u := range next {
				writes = append(writes, func() error {
					return tx.Set(l.sub(collMembers).Doc(u), map[string]any{"role": authz.ResourceEditor, "uid": u})
				})
			}
			s.CoFacilitators = append([]string{}, next...)
			ups = append(ups, firestore.Update{Path: "co_facilitators", Value: s.CoFacilitators})
		}
		for _, wr := range writes {
			if err := wr(); err != nil {
				return err
			}
		}
		s.UpdatedAt = now
		out = &s
		return tx.Update(l.Ref, ups)
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionView(out, RelFacilitator))
	return nil
}

// rescheduleReq is POST /v1/sessions/{id}/reschedule.
type rescheduleReq struct {
	StartAt         string `json:"start_at"`
	TimeZone        string `json:"time_zone"`
	DurationMinutes *int   `json:"duration_minutes"`
}

func (a *api) reschedule(w http.ResponseWriter, r *http.Request, l0 *loaded) error {
	var req rescheduleReq
	if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	var f []httpapi.FieldError
	zone := req.TimeZone
	if zone == "" {
		zone = l0.S.TimeZone
	}
	loc := loadZone(&f, "time_zone", zone)
	var start time.Time
	if strings.TrimSpace(req.StartAt) == "" {
		f = append(f, httpapi.Field("start_at", "is required"))
	} else if t, fe := parseStart("start_at", req.StartAt, loc); fe != nil {
		f = append(f, *fe)
	} else {
		start = t
	}
	if req.DurationMinutes != nil && (*req.DurationMinutes < schedMinMinutes || *req.DurationMinutes > schedMaxMinutes) {
		f = append(f, httpapi.Field("duration_minutes", "must be between %d and %d", schedMinMinutes, schedMaxMinutes))
	}
	if len(f) > 0 {
		return httpapi.Invalid(f...)
	}
	now := a.d.Now()
	if !start.After(now) {
		return httpapi.Invalid(httpapi.Field("start_at", "must be in the future"))
	}
	ctx := r.Context()
	var out *Session
	err := a.inTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		l, err := a.load(ctx, tx, l0.P, l0.ID(), facilitators...)
		if err != nil {
			return err
		}
		if l.S.Status != StatusScheduled {
			return httpapi.Conflict("only a scheduled session can be rescheduled; this one is %s", l.S.Status)
		}
		// Every reschedule mails every invitee: it counts against the mail
		// quota like invitations, or a loop of reschedules would flood them.
		invitees, err := tx.Documents(l.sub(collInvitations).Where("status", "in", []string{InvitePending, InviteAccepted}).Select("status")).GetAll()
		if err != nil {
			return err
		}
		if err := a.d.MailQuota.Reserve(tx, l.Org(), l0.P.UID, len(invitees), now); err != nil {
			return quotaProblem(err)
		}
		s := *l.S
		if req.DurationMinutes != nil {
			if need := schedPlanMinutes(s.Plan); *req.DurationMinutes < need {
				return httpapi.Invalid(httpapi.Field("duration_minutes", "is shorter than the journey's %d minutes", need))
			}
			s.DurationMinutes = *req.DurationMinutes
		}
		s.StartAt, s.TimeZone, s.Sequence, s.UpdatedAt, s.RemindedAt = start.UTC(), zone, s.Sequence+1, now.UTC(), nil
		out = &s
		// The reminder is due again for the new time.
		return tx.Update(l.Ref, []firestore.Update{
			{Path: "start_at", Value: s.StartAt}, {Path: "time_zone", Value: s.TimeZone},
			{Path: "duration_minutes", Value: s.DurationMinutes}, {Path: "sequence", Value: s.Sequence},
			{Path: "reminded_at", Value: nil}, {Path: "updated_at", Value: s.UpdatedAt},
		})
	})
	if err != nil {
		return err
	}
	a.emit(ctx, events.TypeSessionRescheduled, out.Org, out.ID, l0.P.UID, events.SessionRescheduled{Sequence: out.Sequence, DurationMinutes: out.DurationMinutes})
	mailInvitees(ctx, a.d, out, mailUpdate)
	httpapi.WriteJSON(w, http.StatusOK, sessionView(out, RelFacilitator))
	return nil
}

// cancelReq is POST /v1/sessions/{id}/cancel: no fields.
type cancelReq struct{}

func (a *api) cancel(w http.ResponseWriter, r *http.Request, l0 *loaded) error {
	var req cancelReq
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, &req, 0); err != nil {
			return err
		}
	}
	ctx := r.Context()
	var out *Session
	wasLive := false
	after := func() {}
	err := a.inTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		l, err := a.loadManaged(ctx, tx, l0.P, l0.ID())
		if err != nil {
			return err
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		wasLive = l.S.Status == StatusLive
		if wasLive {
			if after, err = a.endBreakouts(ctx, tx, l, "session_ended"); err != nil {
				return err
			}
		}
		s := *l.S
		now := a.d.Now().UTC()
		// Cancellation mail is not charged to the mail quota: a session is
		// cancelled once, its invitees were charged when invited, and a
		// cancellation must never be held back.
		//
		// A cancelled session is over: the organisation's retention of
		// session data counts from ended_at (functions/consent).
		s.Status, s.Sequence, s.UpdatedAt, s.EndedAt = StatusCancelled, s.Sequence+1, now, &now
		out = &s
		return tx.Update(l.Ref, []firestore.Update{{Path: "status", Value: s.Status}, {Path: "sequence", Value: s.Sequence},
			{Path: "updated_at", Value: now}, {Path: "ended_at", Value: now}})
	})
	if err != nil {
		return err
	}
	if after != nil {
		after()
	}
	a.emit(ctx, events.TypeSessionCancelled, out.Org, out.ID, l0.P.UID, events.SessionCancelled{Sequence: out.Sequence, WasLive: wasLive})
	mailInvitees(ctx, a.d, out, mailCancel)
	httpapi.WriteJSON(w, http.StatusOK, sessionView(out, RelFacilitator))
	return nil
}

// ownerReq is PUT /v1/sessions/{id}/owner.
type ownerReq struct {
	UID string `json:"uid"`
}

func (r *ownerReq) Validate() []httpapi.FieldError {
	if !authz.ValidDocID(r.UID) {
		return []httpapi.FieldError{httpapi.Field("uid", "is not a user id")}
	}
	return nil
}

// setOwner hands the session to another current staff member of its
// organisation: the organisation's admins use it to take over the
// sessions of someone who left, and an owner to pass one on. The previous
// owner loses control; calendar entries name the new owner as organizer when that is the
// caller, and no organizer otherwise (the address is not known here).
func (a *api) setOwner(w http.ResponseWriter, r *http.Request, l0 *loaded) error {
	var req ownerReq
	if err := httpapi.DecodeJSON(w, r, &req, 1<<10); err != nil {
		return err
	}
	ctx := r.Context()
	var out *Session
	err := a.inTx(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		l, err := a.loadManaged(ctx, tx, l0.P, l0.ID())
		if err != nil {
			return err
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		role, err := a.orgRoleOf(ctx, tx, l.Org(), req.UID)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		if !slices.Contains(staffRoles, role) {
			return httpapi.Invalid(httpapi.Field("uid", "is not a current facilitator, educator or admin of the session's organisation"))
		}
		s := *l.S
		out = &s
		if s.Facilitator == req.UID {
			return nil
		}
		prev := s.Facilitator
		s.Facilitator = req.UID
		s.CoFacilitators = slices.DeleteFunc(slices.Clone(s.CoFacilitators), func(u string) bool { return u == req.UID })
		if s.CoFacilitators == nil {
			s.CoFacilitators = []string{}
		}
		s.UpdatedAt = a.d.Now().UTC()
		if authz.ValidDocID(prev) {
			if err := tx.Delete(l.sub(collMembers).Doc(prev)); err != nil {
				return err
			}
		}
		if err := tx.Set(l.sub(collMembers).Doc(req.UID), map[string]any{"role": authz.ResourceOwner, "uid": req.UID}); err != nil {
			return err
		}
		cal := calendarDoc{OrganizerUID: req.UID}
		if req.UID == l0.P.UID {
			cal.OrganizerEmail = l0.P.Email
		}
		if err := tx.Set(l.sub(collSettings).Doc(docCalendar), cal); err != nil {
			return err
		}
		return tx.Update(l.Ref, []firestore.Update{{Path: "facilitator", Value: s.Facilitator},
			{Path: "co_facilitators", Value: s.CoFacilitators}, {Path: "updated_at", Value: s.UpdatedAt}})
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionView(out, RelFacilitator))
	return nil
}

// calendarFile is the session's current calendar entry.
func (a *api) calendarFile(w http.ResponseWriter, r *http.Request, l *loaded) error {
	cal, err := readCalendar(r.Context(), l.Ref)
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
