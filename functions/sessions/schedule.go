package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/journey"
	"pointsofyou.ai/studio/shared/outbox"
)

// Scheduling limits.
const (
	minSessionMinutes = 15
	maxSessionMinutes = 720
	maxCoFacilitators = 5
	maxTitle          = 200
	maxDescription    = 4000
	listPageSize      = 20
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
		httpapi.Handle(http.MethodPost, "/v1/sessions", orgStaff, withPrincipal(a.createSession)),
		httpapi.Handle(http.MethodGet, "/v1/sessions", orgStaff, withPrincipal(a.listSessions)),
		httpapi.Handle(http.MethodGet, "/v1/me/sessions", signedIn, withPrincipal(a.mySessions)),
		httpapi.Handle(http.MethodGet, "/v1/sessions/{sessionId}", sessionAny, a.session(a.getSession, anyone)),
		httpapi.Handle(http.MethodPatch, "/v1/sessions/{sessionId}", sessionStaff, withPrincipal(a.patchSession)),
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/reschedule", sessionStaff, withPrincipal(a.reschedule)),
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/cancel", sessionStaff, withPrincipal(a.cancel)),
		httpapi.Handle(http.MethodPut, "/v1/sessions/{sessionId}/owner", sessionStaff, withPrincipal(a.setOwner)),
		httpapi.Handle(http.MethodGet, "/v1/sessions/{sessionId}/calendar.ics", sessionAny, a.session(a.calendarFile, only(RelFacilitator, RelParticipant))),
	}
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
	if r.DurationMinutes != nil && (*r.DurationMinutes < minSessionMinutes || *r.DurationMinutes > maxSessionMinutes) {
		f = append(f, httpapi.Field("duration_minutes", "must be between %d and %d", minSessionMinutes, maxSessionMinutes))
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
	httpapi.MaxLen(f, "title", title, maxTitle)
	httpapi.Text(f, "title", title, httpapi.SingleLine)
}

// checkDescription validates a session description (multi-line text).
func checkDescription(f *[]httpapi.FieldError, d string) {
	httpapi.MaxLen(f, "description", d, maxDescription)
	httpapi.Text(f, "description", d, httpapi.MultiLine)
}

func checkCoFacilitators(f *[]httpapi.FieldError, uids []string) {
	if len(uids) > maxCoFacilitators {
		*f = append(*f, httpapi.Field("co_facilitators", "at most %d co-facilitators", maxCoFacilitators))
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

// planOf is the run of a journey: every element of each non-skipped
// phase, in order.
func planOf(j *journey.Journey) Plan {
	var plan Plan
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

// publishedJourney reads the requested (or latest) published version of
// journey id; what the caller can fix is a 422 naming the field.
func (a *api) publishedJourney(ctx context.Context, org, id string, version *int) (*journey.Journey, int, error) {
	n := 0
	if version != nil {
		n = *version
	}
	v, err := journey.ReadPublished(ctx, a.d.Firestore, org, id, n)
	switch {
	case errors.Is(err, journey.ErrNoJourney):
		return nil, 0, unprocessable(httpapi.Field("journey_id", "no journey %q in your organisation", id))
	case errors.Is(err, journey.ErrNotPublished):
		return nil, 0, unprocessable(httpapi.Field("journey_id", "the journey was never published; publish it first"))
	case errors.Is(err, journey.ErrNoVersion):
		return nil, 0, unprocessable(httpapi.Field("journey_version", "the journey has no published version %d", n))
	case err != nil:
		return nil, 0, httpapi.Unavailable(err)
	}
	return &v.Journey, v.Version, nil
}

func (a *api) createSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
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
	plan := planOf(j)
	if len(plan) == 0 {
		return unprocessable(httpapi.Field("journey_id", "the journey version has no elements to run"))
	}
	need := plan.Minutes()
	minutes := max(DefaultMinutes, j.SessionMinutes, need)
	if req.DurationMinutes != nil {
		minutes = *req.DurationMinutes
		if minutes < need {
			return httpapi.Invalid(httpapi.Field("duration_minutes", "is shorter than the journey's %d minutes", need))
		}
	}
	minutes = min(minutes, maxSessionMinutes)
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
	ref := a.store().sessionRef(p.Org, s.ID)
	err = a.store().Run(ctx, func(ctx context.Context, tx *firestore.Transaction, out *outbox.Tx) error {
		if err := tx.Create(ref, s); err != nil {
			return err
		}
		if err := tx.Set(ref.Collection(collMembers).Doc(p.UID), newMember(p.UID, authz.ResourceOwner)); err != nil {
			return err
		}
		for _, u := range co {
			if err := tx.Set(ref.Collection(collMembers).Doc(u), newMember(u, authz.ResourceEditor)); err != nil {
				return err
			}
		}
		if err := tx.Set(ref.Collection(collSettings).Doc(docCalendar), calendarDoc{OrganizerUID: p.UID, OrganizerEmail: p.Email}); err != nil {
			return err
		}
		if err := tx.Create(a.d.Firestore.Collection(collIndex).Doc(s.ID), sessionIndex{Org: p.Org}); err != nil {
			return err
		}
		return out.Event(events.Event{Type: events.TypeSessionScheduled, OrgID: p.Org, SessionID: s.ID, UID: p.UID,
			Payload: events.SessionScheduled{
				JourneyID: events.ID(s.JourneyID), JourneyVersion: version, DurationMinutes: minutes, Capacity: capacity,
				HasMeetingLink: s.Meeting != nil && s.Meeting.URL != "", LeadDays: int(s.StartAt.Sub(now) / (24 * time.Hour)),
			}})
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/sessions/"+s.ID)
	httpapi.WriteJSON(w, http.StatusCreated, s)
	return nil
}
