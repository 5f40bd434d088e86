// Package insights gives a live session's facilitators figures about how
// the group works on its canvases, recommendations drawn from them and a
// retrospective after the end. Entry points:
//
//   - "insights": the HTTP API (Hosting /api/insights/**), facilitators
//     of the session only: the live view (long poll), accept or dismiss a
//     recommendation, the retrospective as JSON and as PDF.
//   - "insights-events": Pub/Sub events (canvas.op and session.*) that
//     make a session's figures due for an update.
//   - "insights-consent": users/{uid}/consent/state written; a withdrawn
//     canvas_insights consent removes the person from every session.
//
// The metrics themselves are shared/insights (pure, no I/O); this package
// feeds it the op log, the phase timeline, consent and card themes, and
// stores what it returns.
//
// Layout (Firestore):
//
//	orgs/{org}/sessions/{s}/insights/live           insights.Live (+ uids, version +1 per write)
//	orgs/{org}/sessions/{s}/insights/state          the engine's state, op-log cursors, phases, texts (+ uids)
//	orgs/{org}/sessions/{s}/insights/retrospective  the retrospective stored at the end (+ uids, summaries by language)
//	orgs/{org}/sessions/{s}/insights/feedback       the facilitators' accept/dismiss by recommendation id
//
// Decisions where the specs leave a gap:
//   - Events only say that something changed: a flush reads the op log
//     itself (orgs/{org}/canvases/{c}/ops since the cursor minus the
//     engine's LateTolerance), so a lost or repeated event never loses or
//     double-counts an op. Events of one session arriving within Window
//     share one flush, and flushes of a session are at least MinGap apart
//     (Firestore's one write a second per document); an event's handler
//     returns when the flush that includes it is stored, so its
//     acknowledgement means "processed".
//   - A canvas.op event can arrive before the gateway has written its
//     op-log entry; when the newest entry read is older than the event,
//     another flush follows (up to CatchUp times).
//   - Consent is read in the flush's transaction from the consent state
//     documents, so a withdrawal racing a flush either happens before
//     (the person is not shared) or makes the transaction retry.
//   - The model writes recommendation texts from the engine's prompt facts
//     only (numbers, kinds, theme words, anonymous labels "P1"); a label
//     becomes the {subject} placeholder the app fills with the name, so no
//     name is stored either. It is asked only when the set of open
//     recommendations (or the facilitator's language) changed; otherwise,
//     and whenever it fails or is slow, the stored or the engine's
//     fallback texts stand.
//   - The phase timeline is the first planned phase at the start, the
//     phases of session.step_changed events and every current phase a
//     flush read from the session (kept in the state, since an event may
//     arrive after ops of the phase it starts).
//   - A withdrawal of canvas_insights flushes each session naming the
//     person: the flush reads consent in its transaction and forgets
//     anyone no longer sharing; a stored retrospective is rewritten from
//     the new view, its summary from the fallback (no model call on the
//     way, so it stays within seconds).
//   - Participants without consent are listed as {uid, shared:false}, as
//     the view's contract asks; no figure, recommendation, list of uids or
//     prompt ever names them.
//   - Flushes of one session from different instances are serialised by
//     the state document's transaction; the one-write-a-second spacing is
//     kept per instance.
//   - The retrospective summary is written from aggregates (counts,
//     percentages, theme words); it is stored per language at the end and
//     made on demand for another language.
//   - Everyone who is not a facilitator of the session, and every unknown
//     session, is answered 404.
package insights

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP    = "insights"
	EntryEvents  = "insights-events"
	EntryConsent = "insights-consent"
)

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b, d := deps(p)
		d.Verifier = platform.Use(b, p.Verifier)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	functions.CloudEvent(EntryEvents, platform.CloudEvent(EntryEvents, func(p *platform.Platform) (func(context.Context, cloudevents.Event) error, error) {
		b, d := deps(p)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return NewEventTrigger(d)
	}))
	functions.CloudEvent(EntryConsent, platform.CloudEvent(EntryConsent, func(p *platform.Platform) (func(context.Context, cloudevents.Event) error, error) {
		b := &platform.Build{}
		d := Deps{Firestore: platform.Use(b, p.Firestore)}
		if b.Err() != nil {
			return nil, b.Err()
		}
		return NewConsentTrigger(d)
	}))
}

// deps is what every entry point uses.
func deps(p *platform.Platform) (*platform.Build, Deps) {
	b := &platform.Build{}
	models := platform.Models{Generate: platform.Use(b, p.EnvOf(ai.EnvGenerateModel))}
	d := Deps{Firestore: platform.Use(b, p.Firestore)}
	if b.Err() != nil {
		return b, d
	}
	if c := platform.Use(b, func() (*ai.Client, error) { return p.Vertex(models) }); c != nil {
		d.Model = c
	}
	return b, d
}
