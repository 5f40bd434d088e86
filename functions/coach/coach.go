// Package coach is the AI coach and the facilitator's copilot. Entry
// points: "coach" (HTTP API, Hosting /api/coach/**) and "coach-stream"
// (the same ask, streamed as server-sent events straight to the browser:
// Hosting buffers the responses of rewrites). Both run one pipeline
// (ask.go), in this order:
//
//	validate → load the conversation → coach_memory consent → safety →
//	PII redaction → retrieval (licensed, at or below the caller's tier) →
//	prompt → the model → attribution → credits and content-use counting,
//	stored with the question and the answer in one transaction → event
//
// Layout (Firestore):
//
//	users/{uid}/coach_conversations/{c}               Conversation (+ expire_at: a year after the last message)
//	users/{uid}/coach_conversations/{c}/messages/{m}  Message (+ uid, expire_at)
//	users/{uid}/ai_credits/{yyyy-mm}                  the month's credits: {used, limit}
//	orgs/{org}/sessions/{s}/coach_alerts/{a}          a safety alert for the session's facilitators: uid, category, time (never text)
//	orgs/{org}/sessions/{s}/copilot/{id}              a copilot suggestion (+ uid of the facilitator who asked)
//	orgs/{org}/sessions/{s}/copilot_state/latest      the latest suggestion and when a fresh one may be asked
//
// Decisions where the specs leave a gap:
//   - Consent to coach_memory is checked on every ask. With it, the prompt
//     carries a short summary of the caller's latest earlier
//     conversations (their titles and last turns, redacted) and of their
//     latest journal entries (Deps.Journal); without it, only the
//     current conversation's last turns. Withdrawing keeps the
//     conversations (they are the person's own) but the next answer
//     forgets the others.
//   - Every text that reaches a model is redacted (shared/pii) with the
//     caller's name and the display names of their organisation's people
//     (cached a minute per organisation); the stored question keeps the
//     original: it is the person's own data. Placeholders are restored in
//     the answer, also chunk by chunk while streaming.
//   - A message that needs escalation (shared/safety) gets the fixed
//     escalation answer with resources: no model call, no credit. In a
//     session-linked conversation an alert names the person and the
//     category to the session's facilitators, never the text.
//   - Retrieval reads chunks of the official library and of the caller's
//     organisation at or below the caller's tier. Items whose licence
//     allows AI use go to the model as text; other usable items only as
//     their title and themes ("theme" sources); expired licences never.
//     A second search without the tier filter finds closer items above
//     the tier, reported as an upgrade hint (tier and count, never text).
//   - An answer costs one credit of users/{uid}/ai_credits/{month}
//     (limits by tier: free 50, professional 500, enterprise 2000,
//     official 5000). Credits are checked before the model is called and
//     again in the transaction that stores the question and the answer;
//     a race lost there is a 402 with nothing stored. Official items sent
//     as text are counted in the content-usage log (purpose "coach") in
//     the same transaction; an item over its 1,000 uses this month is
//     left out of the prompt before the model is called. The coach's uses
//     are logged and counted but never refused by the person's own
//     content-use quota: credits govern the coach.
//   - A streamed answer extracts the "answer" string of the model's JSON
//     as it arrives (the schema puts it first), so the first words come
//     with the model's first chunk; a model failure mid-stream is an
//     error event and nothing is stored or charged.
//   - Citation markers ([source: ID]) stay in the answer's text: the app
//     turns them into links to the listed sources.
//   - The copilot gives a session's facilitators at most one new
//     suggestion per session every 30 seconds (an earlier ask returns the
//     latest again, without a model call or a credit). It reads the
//     session's current phase and the cards picked so far that the
//     facilitator may see (revealed, or with the participant's
//     facilitator_visibility consent), never a participant's text or
//     name, and suggests cards and questions from the library at the
//     organisation's tier. Its asks cost the facilitator's credits; when
//     the model is unavailable a fixed text stands in (no credit).
package coach

import (
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"pointsofyou.ai/studio/shared/ai"
	"pointsofyou.ai/studio/shared/platform"
)

// Entry point names, as declared in infra/topology.yaml.
const (
	EntryHTTP   = "coach"
	EntryStream = "coach-stream"
)

// Variables, as declared in infra/topology.yaml.
const (
	EnvStreamURL      = "COACH_STREAM_URL"
	EnvAllowedOrigins = "ALLOWED_ORIGINS"
)

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b, d := deps(p)
		d.StreamURL = platform.Use(b, p.EnvOf(EnvStreamURL))
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	functions.HTTP(EntryStream, platform.HTTP(EntryStream, func(p *platform.Platform) (http.Handler, error) {
		b, d := deps(p)
		origins := platform.Use(b, p.EnvOf(EnvAllowedOrigins))
		if b.Err() != nil {
			return nil, b.Err()
		}
		d.AllowedOrigins = platform.List(origins)
		d.LoopbackAliases = p.Config().IsDemo()
		return NewStream(d)
	}))
}

// deps is what both entry points use.
func deps(p *platform.Platform) (*platform.Build, Deps) {
	b := &platform.Build{}
	models := platform.Models{
		Generate: platform.Use(b, p.EnvOf(ai.EnvGenerateModel)),
		Embed:    platform.Use(b, p.EnvOf(ai.EnvEmbedModel)),
	}
	d := Deps{
		Verifier:  platform.Use(b, p.Verifier),
		Firestore: platform.Use(b, p.Firestore),
		Outbox:    platform.Use(b, p.Outbox),
		Consent:   platform.Use(b, p.Consent),
	}
	if c := platform.Use(b, func() (*ai.Client, error) { return p.Vertex(models) }); c != nil {
		d.Model = c
	}
	if d.Firestore != nil {
		d.Journal = firestoreJournal{d.Firestore}
	}
	return b, d
}
