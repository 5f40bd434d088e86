package canvas

import "time"

// Meta is the canvas document orgs/{org}/canvases/{canvas} (everything but
// its elements). canvas_index/{canvas} names its org.
type Meta struct {
	ID    string `json:"id" firestore:"-"`
	Org   string `json:"org" firestore:"org"`
	Title string `json:"title" firestore:"title"`
	// Owner created the canvas; always an editor ("owner" role).
	Owner string `json:"owner" firestore:"owner"`
	// SessionID ties the canvas to a live session ("" for a personal one).
	SessionID string `json:"session_id,omitempty" firestore:"session_id"`
	// Visibility is private (the owner only, whatever else is set) or
	// shared.
	Visibility string `json:"visibility" firestore:"visibility"`
	// Shares gives named people a role (viewer | editor), optionally until
	// a time. Keys are uids.
	Shares map[string]Share `json:"shares,omitempty" firestore:"shares"`
	// SessionRole gives every participant of the session a role ("" none,
	// viewer, editor): the group canvas of a live session.
	SessionRole string `json:"session_role,omitempty" firestore:"session_role"`
	// TemplateID is the library canvas template it was made from.
	TemplateID string    `json:"template_id,omitempty" firestore:"template_id,omitempty"`
	CreatedAt  time.Time `json:"created_at" firestore:"created_at"`
	UpdatedAt  time.Time `json:"updated_at" firestore:"updated_at"`
	// DeletedAt puts the whole canvas in the trash.
	DeletedAt *time.Time `json:"deleted_at,omitempty" firestore:"deleted_at,omitempty"`
	// DirtySince is the first change after the last snapshot (nil: none):
	// the scheduled snapshot takes one once it is 30 minutes old.
	DirtySince *time.Time `json:"-" firestore:"dirty_since,omitempty"`
}

// Share is one person's role on a shared canvas.
type Share struct {
	Role    string     `json:"role" firestore:"role"`
	Expires *time.Time `json:"expires_at,omitempty" firestore:"expires_at,omitempty"`
}

// SessionRel is what a person is to the canvas's session, as read from
// the session (current staff facilitators only) and its members.
type SessionRel int

// Relations to the canvas's session.
const (
	SessionNone        SessionRel = iota
	SessionParticipant            // a participant of the session
	SessionFacilitator            // its owner or a co-facilitator, while current staff of its org
)

// Subject is who asks, with what the rule needs to know about them.
type Subject struct {
	UID string
	// Session is the subject's relation to m.SessionID.
	Session SessionRel
	// OwnerConsents is whether the canvas owner's facilitator_visibility
	// consent holds in the session's org (read only when it matters: the
	// subject is a facilitator of the session and not the owner).
	OwnerConsents bool
	// OwnerIsFacilitator is whether the owner is a facilitator of the
	// session (a facilitator's canvas is the group's, not a private one).
	OwnerIsFacilitator bool
}

// Decide is the access rule, evaluated on every subscribe and op and
// cached per subscriber until the canvas document or the subject's
// membership changes or until the returned time (zero: no expiry):
//
//   - a canvas in the trash: nobody;
//   - the owner: owner;
//   - private: nobody else;
//   - shared: the best of — a share (until it expires); session_role for
//     the session's participants; editor for the session's facilitators
//     on a facilitator's canvas; viewer for the session's facilitators on
//     a participant's canvas while the participant's
//     facilitator_visibility consent holds.
func Decide(m *Meta, s Subject, now time.Time) (role string, until time.Time) {
	if m == nil || m.DeletedAt != nil || s.UID == "" {
		return RoleNone, time.Time{}
	}
	if s.UID == m.Owner {
		return RoleOwner, time.Time{}
	}
	if m.Visibility != Shared {
		return RoleNone, time.Time{}
	}
	role = RoleNone
	if sh, ok := m.Shares[s.UID]; ok && validRole(sh.Role) {
		if sh.Expires == nil {
			role = sh.Role
		} else if now.Before(*sh.Expires) {
			role, until = sh.Role, *sh.Expires
		}
	}
	if m.SessionID != "" {
		switch s.Session {
		case SessionParticipant:
			if validRole(m.SessionRole) {
				role = stronger(role, m.SessionRole)
			}
		case SessionFacilitator:
			if s.OwnerIsFacilitator {
				role = stronger(role, RoleEditor)
			} else if s.OwnerConsents {
				role = stronger(role, RoleViewer)
			}
		}
	}
	if role != RoleNone && rank(role) > rank(m.Shares[s.UID].Role) {
		// A stronger role from the session does not expire with the share.
		until = time.Time{}
	}
	return role, until
}

// CanEdit reports a role that may send ops.
func CanEdit(role string) bool { return role == RoleEditor || role == RoleOwner }

// CanView reports a role that may subscribe.
func CanView(role string) bool { return role != RoleNone }

func validRole(r string) bool { return r == RoleViewer || r == RoleEditor }

func rank(r string) int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleOwner:
		return 3
	}
	return 0
}

func stronger(a, b string) string {
	if rank(b) > rank(a) {
		return b
	}
	return a
}
