package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/authz"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/ics"
	"pointsofyou.ai/studio/shared/mail"
	"pointsofyou.ai/studio/shared/outbox"
	"pointsofyou.ai/studio/shared/privacy"
	"pointsofyou.ai/studio/shared/txn"
)

// Invitation statuses.
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteRevoked  = "revoked"
)

// Invitation limits.
const (
	maxInviteEmails = 100
	maxEmailLen     = 254
	// resendCooldown: an unchanged pending invitation (same session
	// version, same language) is not mailed again sooner than this after
	// the last mail, however often it is asked for.
	resendCooldown = 10 * time.Minute
)

// Invitation is orgs/{org}/sessions/{id}/invitations/{inviteId}. Only a
// hash of the join token is stored; the token itself travels in the mail.
// An invitee becomes a participant (participants/{uid}) when accepting;
// until then the pending invitation is the only record of them.
type Invitation struct {
	ID         string     `json:"id" firestore:"-"`
	Email      string     `json:"email" firestore:"email"`
	EmailLC    string     `json:"-" firestore:"email_lc"`
	TokenHash  string     `json:"-" firestore:"token_hash"`
	Status     string     `json:"status" firestore:"status"`
	Locale     string     `json:"locale,omitempty" firestore:"locale"`
	SentAt     time.Time  `json:"sent_at" firestore:"sent_at"`
	Sequence   int        `json:"sequence" firestore:"sequence"`
	UID        string     `json:"uid,omitempty" firestore:"uid"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty" firestore:"accepted_at"`
	InvitedBy  string     `json:"-" firestore:"invited_by"`
}

func (a *api) inviteRoutes() []httpapi.Route {
	return []httpapi.Route{
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/invitations", sessionStaff, withPrincipal(a.invite)),
		httpapi.Handle(http.MethodGet, "/v1/sessions/{sessionId}/invitations", sessionStaff, a.session(a.listInvitations, facilitators)),
		httpapi.Handle(http.MethodDelete, "/v1/sessions/{sessionId}/invitations/{inviteId}", sessionStaff, withPrincipal(a.revokeInvitation)),
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/join", sessionAny, withPrincipal(a.join)),
		httpapi.Handle(http.MethodPost, "/v1/sessions/{sessionId}/leave", sessionAny, withPrincipal(a.leave)),
		httpapi.Handle(http.MethodGet, "/v1/sessions/{sessionId}/participants", sessionStaff, a.session(a.listParticipants, only(RelFacilitator, RelOrgStaff))),
		httpapi.Handle(http.MethodDelete, "/v1/sessions/{sessionId}/participants/{uid}", sessionStaff, withPrincipal(a.removeParticipant)),
	}
}

// inviteReq is POST /v1/sessions/{id}/invitations.
type inviteReq struct {
	Emails []string `json:"emails"`
	Locale string   `json:"locale"`

	unique []string // normalised (privacy.NormalEmail) and deduplicated
}

func (r *inviteReq) Validate() []httpapi.FieldError {
	var f []httpapi.FieldError
	switch {
	case len(r.Emails) == 0:
		f = append(f, httpapi.Field("emails", "name 1 to %d addresses", maxInviteEmails))
	case len(r.Emails) > maxInviteEmails:
		f = append(f, httpapi.Field("emails", "has %d addresses; at most %d per request", len(r.Emails), maxInviteEmails))
	}
	seen := map[string]bool{}
	for i, e := range r.Emails {
		e = strings.TrimSpace(e)
		if a, err := netmail.ParseAddress(e); err != nil || a.Address != e || len(e) > maxEmailLen || strings.ContainsAny(e, "\"\\") {
			f = append(f, httpapi.Field(fmt.Sprintf("emails[%d]", i), "is not a bare email address (name@example.com)"))
			continue
		}
		if lc := privacy.NormalEmail(e); !seen[lc] {
			seen[lc] = true
			r.unique = append(r.unique, lc)
		}
	}
	if r.Locale != "" {
		httpapi.OneOf(&f, "locale", r.Locale, "en", "es", "fr", "de", "he")
	}
	return f
}

// newJoinToken is a random join token and the hash stored for it.
func newJoinToken(rand io.Reader) (token, hash string, err error) {
	var b [32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// outgoing is an invitation mail, recorded with the invitation.
type outgoing struct {
	inv   Invitation
	token string
}

// inviteResult answers POST …/invitations (tokens are only mailed).
type inviteResult struct {
	Invited int `json:"invited"`
	Resent  int `json:"resent"`
	Skipped int `json:"skipped"` // already accepted
	// NotResent counts unchanged pending invitations mailed less than
	// resendCooldown ago: they were not mailed again; ResendAfter is when
	// all of them may be, and Notice says so in words.
	NotResent   int          `json:"not_resent"`
	ResendAfter *time.Time   `json:"resend_after,omitempty"`
	Notice      string       `json:"notice,omitempty"`
	Invitations []Invitation `json:"invitations"`
}

func (a *api) invite(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req inviteReq
	bad := httpapi.DecodeJSON(w, r, &req, 0)
	ctx := r.Context()
	var res inviteResult
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		res = inviteResult{Invitations: []Invitation{}}
		var mails []outgoing
		if bad != nil {
			return bad
		}
		if err := sessionClosed(l.S); err != nil {
			return err
		}
		existing := map[string]Invitation{}
		var snaps []*firestore.DocumentSnapshot
		lc := lowerAll(req.unique)
		for len(lc) > 0 {
			// Firestore takes at most 30 values in one "in" filter.
			chunk := lc[:min(30, len(lc))]
			lc = lc[len(chunk):]
			got, err := tx.Documents(l.sub(collInvitations).Where("email_lc", "in", chunk)).GetAll()
			if err != nil {
				return err
			}
			snaps = append(snaps, got...)
		}
		for _, s := range snaps {
			var inv Invitation
			if err := s.DataTo(&inv); err != nil {
				return err
			}
			inv.ID = s.Ref.ID
			if prev, ok := existing[inv.EmailLC]; !ok || prev.Status != InviteAccepted {
				existing[inv.EmailLC] = inv
			}
		}
		now := a.d.Now().UTC()
		for _, email := range req.unique {
			inv, ok := existing[privacy.NormalEmail(email)]
			if ok && inv.Status == InviteAccepted {
				res.Skipped++
				res.Invitations = append(res.Invitations, inv)
				continue
			}
			if ok && inv.Status == InvitePending && inv.Sequence == l.S.Sequence && inv.Locale == req.Locale &&
				now.Sub(inv.SentAt) < resendCooldown {
				res.NotResent++
				if at := inv.SentAt.Add(resendCooldown); res.ResendAfter == nil || at.After(*res.ResendAfter) {
					res.ResendAfter = &at
				}
				res.Invitations = append(res.Invitations, inv)
				continue
			}
			token, hash, err := newJoinToken(a.d.Rand)
			if err != nil {
				return err
			}
			if ok && inv.Status == InvitePending {
				res.Resent++
			} else {
				res.Invited++
				if !ok {
					inv = Invitation{ID: a.d.NewID(), Email: email, EmailLC: privacy.NormalEmail(email)}
				}
			}
			// One stored before addresses were normalised is normalised now.
			inv.Email = privacy.NormalEmail(inv.Email)
			inv.EmailLC = inv.Email
			// A fresh token each time: the previous link stops working.
			inv.TokenHash, inv.Status, inv.SentAt, inv.Sequence, inv.InvitedBy = hash, InvitePending, now, l.S.Sequence, p.UID
			inv.Locale = req.Locale
			res.Invitations = append(res.Invitations, inv)
			mails = append(mails, outgoing{inv: inv, token: token})
		}
		var cal calendarDoc
		if len(mails) > 0 {
			// The last read: Reserve writes.
			var err error
			if cal, err = readCalendar(ctx, tx, l.Ref); err != nil {
				return err
			}
		}
		// Every mail is charged before anything is written: over the
		// quota, the request is refused whole.
		if err := a.d.MailQuota.Reserve(tx, l.Org(), p.UID, len(mails), now); err != nil {
			return quotaProblem(err)
		}
		for _, m := range mails {
			if err := tx.Set(l.sub(collInvitations).Doc(m.inv.ID), m.inv); err != nil {
				return err
			}
		}
		if err := out.Event(events.Event{Type: events.TypeSessionInvited, OrgID: l.Org(), SessionID: l.ID(), UID: p.UID,
			Payload: events.SessionInvited{Invited: res.Invited, Resent: res.Resent}}); err != nil {
			return err
		}
		for _, m := range mails {
			link := a.d.PublicURL + "/join/" + url.PathEscape(l.ID()) + "?token=" + url.QueryEscape(m.token)
			if _, err := sessionMail(ctx, a.d, out, l.S, cal, m.inv.Email, m.inv.Locale, mailInvite, link); err != nil {
				return err
			}
		}
		if res.NotResent > 0 {
			res.Notice = fmt.Sprintf("%d invitation(s) were mailed less than %d minutes ago and were not mailed again; "+
				"ask again after resend_after, or change the language to send now", res.NotResent, int(resendCooldown/time.Minute))
		}
		return nil
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}

// quotaProblem answers a mail quota refusal with 429 and Retry-After.
func quotaProblem(err error) error {
	var qe *mail.QuotaError
	if errors.As(err, &qe) {
		return httpapi.TooManyRequests(qe.RetryAfterSeconds(), "%s; try again later", qe.Detail())
	}
	return err
}

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = privacy.NormalEmail(s)
	}
	return out
}

func (a *api) listInvitations(w http.ResponseWriter, r *http.Request, l *loaded) error {
	snaps, next, err := idPage(r, l.sub(collInvitations).Query, invitationPages, "status", InvitePending, InviteAccepted, InviteRevoked)
	if err != nil {
		return err
	}
	out := struct {
		Invitations   []Invitation `json:"invitations"`
		NextPageToken string       `json:"next_page_token,omitempty"`
	}{Invitations: []Invitation{}, NextPageToken: next}
	for _, s := range snaps {
		var inv Invitation
		if err := s.DataTo(&inv); err != nil {
			return httpapi.Unavailable(err)
		}
		inv.ID = s.Ref.ID
		out.Invitations = append(out.Invitations, inv)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *api) revokeInvitation(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id := r.PathValue("inviteId")
	ctx := r.Context()
	err := a.store().Update(ctx, p, r.PathValue("sessionId"), facilitators, func(tx *firestore.Transaction, out *outbox.Tx, l *loaded) error {
		if !authz.ValidDocID(id) {
			return httpapi.NotFound("no invitation %q", id)
		}
		ref := l.sub(collInvitations).Doc(id)
		snap, err := tx.Get(ref)
		if status.Code(err) == codes.NotFound {
			return httpapi.NotFound("no invitation %q", id)
		}
		if err != nil {
			return err
		}
		switch st, _ := snap.Data()["status"].(string); st {
		case InviteRevoked:
			return nil
		case InviteAccepted:
			return httpapi.Conflict("the invitation was accepted; remove the participant instead")
		}
		if err := tx.Update(ref, []firestore.Update{{Path: "status", Value: InviteRevoked}, {Path: "token_hash", Value: ""}}); err != nil {
			return err
		}
		// The invitee has no user id yet: the event names none.
		return out.Event(events.Event{Type: events.TypeSessionParticipantChanged, OrgID: l.Org(), SessionID: l.ID(), UID: p.UID,
			Payload: events.SessionParticipantChanged{State: PartRemoved}})
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readCalendar reads settings/calendar (empty when the session was made
// without one), in tx when given.
func readCalendar(ctx context.Context, tx *firestore.Transaction, sessionRef *firestore.DocumentRef) (calendarDoc, error) {
	var c calendarDoc
	snap, err := txn.Get(ctx, tx, sessionRef.Collection(collSettings).Doc(docCalendar))
	if status.Code(err) == codes.NotFound {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	err = snap.DataTo(&c)
	return c, err
}

// Kinds of session mail.
type mailKind int

const (
	mailInvite mailKind = iota
	mailUpdate
	mailCancel
	mailReminder
)

// sessionICS is the session's calendar entry: REQUEST while it is on,
// CANCEL once cancelled; attendee, when given, is the addressee (RSVP).
func sessionICS(d Deps, s *Session, cal calendarDoc, attendee *string) ([]byte, string, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start := s.StartAt.In(loc)
	joinURL := d.PublicURL + "/join/" + url.PathEscape(s.ID)
	desc := s.Description
	if s.Meeting != nil && s.Meeting.URL != "" {
		desc = strings.TrimSpace(desc + "\n\nMeeting: " + s.Meeting.URL)
	}
	desc = strings.TrimSpace(desc + "\n\nStudio: " + joinURL)
	ev := ics.Event{
		UID: s.ID + "@" + icsUIDDomain, Sequence: s.Sequence, Start: start,
		End: start.Add(time.Duration(s.DurationMinutes) * time.Minute), Summary: s.Title, Description: desc,
		Location: "Points of You AI Studio", URL: joinURL, Stamp: d.Now(), Created: s.CreatedAt, LastModified: s.UpdatedAt,
	}
	if s.Meeting != nil && s.Meeting.URL != "" {
		ev.Location = s.Meeting.URL
	}
	if cal.OrganizerEmail != "" {
		ev.Organizer = ics.Person{Email: cal.OrganizerEmail}
	}
	if attendee != nil {
		ev.Attendees = []ics.Person{{Email: *attendee, RSVP: true}}
	}
	method := ics.MethodRequest
	if s.Status == StatusCancelled {
		method, ev.Status = ics.MethodCancel, ics.StatusCancelled
	} else {
		ev.Alarms = []time.Duration{15 * time.Minute}
	}
	data, err := (&ics.Calendar{Method: method, Events: []ics.Event{ev}}).Marshal()
	if err != nil && ev.Organizer.Email != "" {
		// An organizer address the format refuses is left out rather
		// than failing the whole entry.
		ev.Organizer = ics.Person{}
		data, err = (&ics.Calendar{Method: method, Events: []ics.Event{ev}}).Marshal()
	}
	return data, method, err
}

// sessionMail records in out a mail to one person about s, with the
// session's calendar entry attached; link is the join link of an
// invitation ("" otherwise). A message the mail check refuses (an address
// stored before today's checks) is left out and logged without the
// address, so one bad address never holds the change back. It reports
// whether the mail was recorded.
func sessionMail(ctx context.Context, d Deps, out *outbox.Tx, s *Session, cal calendarDoc, to, locale string, kind mailKind, link string) (bool, error) {
	title := strings.Join(strings.Fields(s.Title), " ")
	t := textsFor(locale)
	k := t.kind(kind)
	mk := map[mailKind]string{mailInvite: "session_invitation", mailUpdate: "session_update",
		mailCancel: "session_cancellation", mailReminder: "session_reminder"}[kind]
	subject := k[0] + ": " + title
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n%s: %s\n%s: %d %s\n", k[1], title, t.when, t.localTime(s), t.duration, s.DurationMinutes, t.minutes)
	if kind != mailCancel {
		if s.Meeting != nil && s.Meeting.URL != "" {
			fmt.Fprintf(&b, "%s: %s\n", t.meeting, s.Meeting.URL)
			if s.Meeting.MeetingID != "" {
				fmt.Fprintf(&b, "%s: %s\n", t.meetID, s.Meeting.MeetingID)
			}
			if s.Meeting.Passcode != "" {
				fmt.Fprintf(&b, "%s: %s\n", t.passcode, s.Meeting.Passcode)
			}
		}
		if link != "" {
			fmt.Fprintf(&b, "\n%s: %s\n", t.join, link)
		} else {
			fmt.Fprintf(&b, "\n%s: %s/join/%s\n", t.open, d.PublicURL, url.PathEscape(s.ID))
		}
	}
	data, method, err := sessionICS(d, s, cal, &to)
	msg := mail.Message{To: to, Subject: subject, Text: b.String(), Kind: mk}
	if err == nil {
		msg.Attachments = []mail.Attachment{{Filename: "invite.ics", ContentType: "text/calendar; charset=utf-8; method=" + method, Content: string(data)}}
	} else {
		slog.WarnContext(ctx, "sessions: calendar file not built", "session_id", s.ID, "err", err)
	}
	if err := mail.Check(msg); err != nil {
		slog.WarnContext(ctx, "sessions: mail left out", "session_id", s.ID, "kind", mk, "err", err)
		return false, nil
	}
	return true, out.Mail(msg)
}

// invitees are the people mailed about a change of a session: its
// pending and accepted invitees (revoked and removed people are left
// out), with its calendar settings.
type invitees struct {
	cal    calendarDoc
	people []invitee
}

type invitee struct{ email, locale string }

// readInvitees reads the invitees of the session at ref in tx. Call it
// with the transaction's other reads, before its first write.
func readInvitees(ctx context.Context, tx *firestore.Transaction, ref *firestore.DocumentRef) (invitees, error) {
	var iv invitees
	snaps, err := tx.Documents(ref.Collection(collInvitations).Where("status", "in", []string{InvitePending, InviteAccepted}).
		Select("email", "locale")).GetAll()
	if err != nil {
		return iv, fmt.Errorf("read invitees: %w", err)
	}
	for _, snap := range snaps {
		email, _ := snap.Data()["email"].(string)
		if email == "" {
			continue
		}
		locale, _ := snap.Data()["locale"].(string)
		iv.people = append(iv.people, invitee{email, locale})
	}
	if len(iv.people) == 0 {
		return iv, nil
	}
	if iv.cal, err = readCalendar(ctx, tx, ref); err != nil {
		return iv, fmt.Errorf("read calendar settings: %w", err)
	}
	return iv, nil
}

// mail records a mail of kind about s to every invitee in out and
// returns how many it recorded.
func (iv invitees) mail(ctx context.Context, d Deps, out *outbox.Tx, s *Session, kind mailKind) (int, error) {
	n := 0
	for _, p := range iv.people {
		ok, err := sessionMail(ctx, d, out, s, iv.cal, p.email, p.locale, kind, "")
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
