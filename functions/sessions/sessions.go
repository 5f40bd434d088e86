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
// listens to it. Every state change emits an event through shared/events.
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
//   - Mail is written to the outbox after the transaction commits; a
//     crash in between loses a mail rather than sending it twice.
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
	"fmt"
	"net/http"
	"os"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/auth"
	"pointsofyou.ai/studio/shared/config"
	sc "pointsofyou.ai/studio/shared/consent"
	"pointsofyou.ai/studio/shared/events"
	"pointsofyou.ai/studio/shared/httpapi"
	"pointsofyou.ai/studio/shared/instance"
	"pointsofyou.ai/studio/shared/logging"
	"pointsofyou.ai/studio/shared/mail"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP      = "sessions"
	EntryReminders = "sessions-reminders"
)

// EnvPublicURL overrides Deps.PublicURL.
const EnvPublicURL = "PUBLIC_URL"

func init() {
	// Clients are built from the environment once per instance, on first
	// use, so a configuration error is a 503 rather than a crash loop.
	deps := instance.New(newDeps)
	api := instance.New(func() (http.Handler, error) {
		d, err := deps.Get()
		if err != nil {
			return nil, err
		}
		v, err := auth.NewFirebaseVerifier(context.Background(), config.FromEnv(nil))
		if err != nil {
			return nil, err
		}
		d.Verifier = v
		return New(d)
	})
	functions.HTTP(EntryHTTP, instance.HTTP(api))
	// A scheduled entry point is an HTTP function that Cloud Scheduler
	// calls with a POST; only its own service account may invoke it.
	functions.HTTP(EntryReminders, httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodPost {
			return httpapi.MethodNotAllowed("scheduled jobs run on POST")
		}
		d, err := deps.Get()
		if err != nil {
			return httpapi.Unavailable(err)
		}
		n, err := SendReminders(r.Context(), d)
		if err != nil {
			return httpapi.Unavailable(err)
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]int{"reminded": n})
		return nil
	}).ServeHTTP)
}

// newDeps builds the clients both entry points use.
func newDeps() (Deps, error) {
	cfg := config.FromEnv(nil)
	if err := cfg.Check(config.EnvFirestoreHost, config.EnvAuthHost, config.EnvPubSubHost); err != nil {
		return Deps{}, err
	}
	logging.Setup(cfg.Project)
	ctx := context.Background()
	fs, err := firestore.NewClient(ctx, cfg.Project)
	if err != nil {
		return Deps{}, fmt.Errorf("firestore client: %w", err)
	}
	pseudo, err := events.PseudonymizerFromEnv(cfg.Project, os.Getenv)
	if err != nil {
		fs.Close()
		return Deps{}, err
	}
	checker := sc.NewChecker(sc.NewStore(fs, nil), fs, sc.CheckerOptions{})
	ps, err := pubsub.NewClient(ctx, cfg.Project)
	if err != nil {
		checker.Close()
		fs.Close()
		return Deps{}, fmt.Errorf("pubsub client: %w", err)
	}
	pub, err := events.NewPublisher(ps, events.Topic, events.PublisherOptions{Registry: events.Standard(), Pseudonyms: pseudo, Gate: checker})
	if err != nil {
		checker.Close()
		ps.Close()
		fs.Close()
		return Deps{}, err
	}
	return Deps{
		Firestore: fs, Events: pub, Mail: mail.NewOutbox(fs, nil), Consent: checker,
		PublicURL: os.Getenv(EnvPublicURL),
	}, nil
}
