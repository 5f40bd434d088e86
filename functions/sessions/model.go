package sessions

import (
	"time"

	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/sessionaccess"
)

// Firestore layout (all under the session's organisation):
//
//	orgs/{org}/sessions/{sessionId}                     Session
//	orgs/{org}/sessions/{sessionId}/members/{uid}       SessionMember: owner | editor (co-facilitator) | participant
//	orgs/{org}/sessions/{sessionId}/participants/{uid}  Participant (state machine invited → joined → left)
//	orgs/{org}/sessions/{sessionId}/invitations/{id}    Invitation (by email, with a join token)
//	orgs/{org}/sessions/{sessionId}/draws/{drawId}      card draws, their picks below
//	orgs/{org}/sessions/{sessionId}/breakouts/{id}      breakout rounds
//	orgs/{org}/sessions/{sessionId}/homework/{id}       homework items
//	session_index/{sessionId}                           sessionIndex: where a session lives, for callers of other orgs
//
// A participant may belong to another organisation than the session's: every
// route finds the session by id (the caller's organisation first, then the
// index) and authorises through the membership document, never the token.

// Session statuses.
const (
	StatusScheduled = "scheduled"
	StatusLive      = "live"
	StatusEnded     = "ended"
	StatusCancelled = "cancelled"
)

// Participant states.
const (
	PartInvited = "invited"
	PartJoined  = "joined"
	PartLeft    = "left"
	PartRemoved = "removed"
)

// Defaults and limits.
const (
	DefaultCapacity = 50
	MaxCapacity     = 500
	DefaultMinutes  = 60
)

// Collections.
const (
	collOrgs         = "orgs"
	collSessions     = "sessions"
	collMembers      = "members"
	collParticipants = "participants"
	collInvitations  = "invitations"
	collDraws        = "draws"
	collPicks        = "picks"
	collBreakouts    = "breakouts"
	collHomework     = "homework"
	// collUsers is the accounts function's users/{uid} profiles (read only).
	collUsers = "users"
	collIndex = "session_index"
)

// Meeting is the external video meeting the session runs beside. A host
// key is never stored: it is a secret the platform has no use for.
type Meeting struct {
	Provider  string `json:"provider,omitempty" firestore:"provider"` // zoom | meet | teams | other
	URL       string `json:"url,omitempty" firestore:"url"`
	MeetingID string `json:"meeting_id,omitempty" firestore:"meeting_id"`
	Passcode  string `json:"passcode,omitempty" firestore:"passcode"`
}

// Step is one stop of the live session's run through its journey version:
// the non-skipped phases' elements in order. It is copied from the
// version when the session is scheduled, so later journey edits never
// change a scheduled session.
type Step struct {
	Phase        string `json:"phase" firestore:"phase"`
	PhaseIndex   int    `json:"phase_index" firestore:"phase_index"`
	ElementIndex int    `json:"element_index" firestore:"element_index"`
	ElementID    string `json:"element_id" firestore:"element_id"`
	Title        string `json:"title" firestore:"title"`
	Minutes      int    `json:"minutes" firestore:"minutes"`
}

// Plan is a session's run through its journey version, step by step.
type Plan []Step

// Minutes is the planned time of all steps.
func (p Plan) Minutes() int {
	total := 0
	for _, s := range p {
		total += s.Minutes
	}
	return total
}

// Cursor is where a live session is. Step indexes Session.Plan; Moves
// counts every change, so a client's "advance from step N" is checked
// against the step it saw.
type Cursor struct {
	Step      int       `json:"step" firestore:"step"`
	Moves     int       `json:"moves" firestore:"moves"`
	ChangedAt time.Time `json:"changed_at" firestore:"changed_at"`
	ChangedBy string    `json:"-" firestore:"changed_by"`
}

// Session is orgs/{org}/sessions/{id}.
type Session struct {
	ID              string    `json:"id" firestore:"-"`
	Org             string    `json:"org_id" firestore:"org"`
	Title           string    `json:"title" firestore:"title"`
	Description     string    `json:"description,omitempty" firestore:"description"`
	JourneyID       string    `json:"journey_id" firestore:"journey_id"`
	JourneyVersion  int       `json:"journey_version" firestore:"journey_version"`
	Status          string    `json:"status" firestore:"status"`
	StartAt         time.Time `json:"start_at" firestore:"start_at"`
	TimeZone        string    `json:"time_zone" firestore:"time_zone"` // IANA name
	DurationMinutes int       `json:"duration_minutes" firestore:"duration_minutes"`
	Capacity        int       `json:"capacity" firestore:"capacity"`
	Meeting         *Meeting  `json:"meeting,omitempty" firestore:"meeting"`
	// Facilitator owns the session; CoFacilitators share its controls.
	Facilitator    string   `json:"facilitator" firestore:"facilitator"`
	CoFacilitators []string `json:"co_facilitators" firestore:"co_facilitators"`
	// Sequence is the calendar SEQUENCE: +1 on every reschedule or
	// cancellation, sent with the same UID.
	Sequence int  `json:"sequence" firestore:"sequence"`
	Plan     Plan `json:"plan" firestore:"plan"`
	// Current is set while live (and kept after the end).
	Current *Cursor `json:"current,omitempty" firestore:"current"`
	// Joined counts participants in state joined (capacity check).
	Joined int `json:"joined" firestore:"joined"`
	// RemindedAt is when the reminder went out (nil: not yet).
	RemindedAt *time.Time `json:"-" firestore:"reminded_at"`
	StartedAt  *time.Time `json:"started_at,omitempty" firestore:"started_at"`
	EndedAt    *time.Time `json:"ended_at,omitempty" firestore:"ended_at"`
	CreatedAt  time.Time  `json:"created_at" firestore:"created_at"`
	CreatedBy  string     `json:"-" firestore:"created_by"`
	UpdatedAt  time.Time  `json:"updated_at" firestore:"updated_at"`
}

// Participant is orgs/{org}/sessions/{id}/participants/{uid}.
type Participant struct {
	// UID is also stored, so data-subject requests find the document
	// (shared/privacy: collection group "participants", field "uid").
	UID          string     `json:"uid" firestore:"uid"`
	State        string     `json:"state" firestore:"state"`
	InvitationID string     `json:"invitation_id,omitempty" firestore:"invitation_id"`
	DisplayName  string     `json:"display_name,omitempty" firestore:"display_name"`
	JoinedAt     *time.Time `json:"joined_at,omitempty" firestore:"joined_at"`
	LeftAt       *time.Time `json:"left_at,omitempty" firestore:"left_at"`
	UpdatedAt    time.Time  `json:"updated_at" firestore:"updated_at"`
}

// SessionMember is orgs/{org}/sessions/{id}/members/{uid}: the role
// shared/authz reads (owner | editor | participant) and the uid, which
// collection-group queries (the caller's sessions, data-subject requests)
// filter on.
type SessionMember struct {
	authz.Member
	UID string `firestore:"uid"`
}

// newMember is uid's membership document with role.
func newMember(uid, role string) SessionMember {
	return SessionMember{Member: authz.Member{Role: role}, UID: uid}
}

// sessionIndex is session_index/{id}: the organisation a session lives in.
type sessionIndex struct {
	Org string `firestore:"org"`
}

// Relation is what the caller is to a session (shared/sessionaccess).
type Relation = sessionaccess.Relation

// Relations, weakest first.
const (
	RelNone        = sessionaccess.None
	RelOrgStaff    = sessionaccess.OrgStaff    // staff of the session's organisation (read-only)
	RelParticipant = sessionaccess.Participant // a member with role participant
	RelFacilitator = sessionaccess.Facilitator // the owner or a co-facilitator
)
