// Package sessions is the live-session function: it schedules sessions
// from published journey versions, invites people (email with a join link
// and an RFC 5545 calendar file, reminders, updates on reschedule and
// cancellation), and runs them — the state machine scheduled → live →
// ended | cancelled, the facilitator's cursor through the journey's phases
// and elements, card draws (face up or face down, private picks, reveals),
// breakout rooms and homework. Entry points: "sessions" (HTTP API) and
// "sessions-reminders" (scheduled: reminders before the start).
//
// State lives in Firestore (layout in model.go); the realtime gateway
// listens to it. Every state change records its event, and any mail it
// causes, in the change's own transaction (shared/outbox): the change,
// its events and its mail commit together or not at all, and the relay
// publishes the events afterwards.
//
// Rights come from the caller's relation to the session, never from the
// token alone: the owner and co-facilitators control it while they are
// staff of its organisation, participants (members who accepted an
// invitation) take part, staff of the session's organisation may look,
// and its org_admins may also cancel it or hand it to another staff
// member (PUT …/owner); anyone else gets 404. Organisation roles are read
// from orgs/{org}/members/{uid} on every request, not from the token's
// claims, so a removed or demoted facilitator loses their sessions at once.
//
// Decisions where the specs leave a gap:
//   - A session copies its journey version's run of elements (Plan) when
//     it is scheduled: later journey edits and versions never change it.
//   - Every move of the live cursor names the step the facilitator saw
//     (from_step); a stale one is a 409, so two facilitators acting at
//     once never skip or repeat a step.
//   - An invitation is a random token (only its hash is stored) mailed
//     with the join link and an RFC 5545 calendar file; joining needs the
//     token and the invited, verified address. Reschedules and
//     cancellations mail the same calendar UID with a higher SEQUENCE.
//   - A card is one physical card: in a draw each is taken at most once
//     (a create-only claim per card), face up or face down. A pick is
//     private to its owner until the facilitator reveals it; before that,
//     the facilitator sees it only with the participant's
//     facilitator_visibility consent (default off).
//   - Breakout rooms hold 2–4 people; the timer informs, the facilitator
//     brings everyone back. Homework is between the facilitators and each
//     participant.
//   - Mail (with its calendar file) is written to the mail outbox in the
//     transaction of the change it announces: committed together, it is
//     neither lost nor sent for a change that did not happen.
//   - Mail people trigger counts against per-person and per-organisation
//     quotas (shared/mail.DefaultLimits), charged in the transaction that
//     records it: invitations and reschedules over the quota are refused
//     whole (429 with Retry-After). Cancellations are not charged (once
//     per session, never held back); reminders are the platform's own.
//   - An unchanged pending invitation (same session sequence and
//     language) is not mailed again within 10 minutes of the last mail;
//     the answer counts it in not_resent and says when it may be.
//   - Handing a session over makes the new owner the calendar organizer
//     when they make the change themselves, and leaves no organizer
//     otherwise (their address is not known to this function).
package sessions

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP      = "sessions"
	EntryReminders = "sessions-reminders"
)

// EnvPublicURL sets Deps.PublicURL.
const EnvPublicURL = "PUBLIC_URL"

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b, d := deps(p)
		d.Verifier = platform.Use(b, p.Verifier)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	functions.HTTP(EntryReminders, platform.Job(EntryReminders, func(p *platform.Platform) (func(context.Context) (map[string]int, error), error) {
		b, d := deps(p)
		return func(ctx context.Context) (map[string]int, error) {
			n, err := SendReminders(ctx, d)
			return map[string]int{"reminded": n}, err
		}, b.Err()
	}))
}

// deps is what both entry points use: Firestore, the outbox (events,
// consent-gated and pseudonymised, and mail, committed with each change),
// the consent checker and the public URL.
func deps(p *platform.Platform) (*platform.Build, Deps) {
	b := &platform.Build{}
	return b, Deps{
		Firestore: platform.Use(b, p.Firestore),
		Outbox:    platform.Use(b, p.Outbox),
		Consent:   platform.Use(b, p.Consent),
		PublicURL: platform.Use(b, p.EnvOf(EnvPublicURL)),
	}
}
