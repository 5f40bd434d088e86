// Package journal is the offline-first journal's backend. Entry points:
// "journal" (HTTP API, Hosting /api/journal/**) and "journal-embed"
// (a Firestore trigger that keeps each entry's embedding for search by
// meaning, so a push never waits for a model).
//
// Sync follows Replicache's model: a client pushes its queue of
// mutations, each applied exactly once and in order, and pulls what
// changed since its version cookie.
//
// Layout (Firestore):
//
//	users/{uid}/journal_entries/{entryId}  Entry (+ terms for search, body_rev, deleted_rev, expire_at on tombstones)
//	users/{uid}/journal_clients/{clientId} {last_mutation_id, version}: how far the client's queue is applied
//	users/{uid}/journal_meta/state         {version, entries, bytes}: the version cookie and the usage counters
//	users/{uid}/journal_vectors/{entryId}  the embedding of the entry's redacted title and body
//
// Decisions where the specs leave a gap:
//   - A push is one transaction when it fits (at most 200 distinct
//     entries and 6 MiB of written entries); a larger one is applied in
//     several, each advancing lastMutationID with its own writes and
//     recording its own journal.synced event. A push interrupted between
//     two is simply retried: the applied part is skipped.
//   - Every mutation that changes an entry bumps the user's version and
//     stamps the entry with it, so no two changes share a version and a
//     pull can stop anywhere (limit) and go on from the last one sent.
//     A chunk that only advances a client (no-ops) bumps the version once,
//     so other devices learn the client's new position.
//   - Typed words win over deletes: a delete whose base_rev predates the
//     latest body change is a no-op, and an edit of a deleted entry made
//     concurrently with the delete (base_rev before it) brings it back. So
//     both orders of a concurrent edit and delete end alike.
//   - An update that changes a body it did not see at base_rev without a
//     base_body cannot be merged; the incoming body is kept as a conflict
//     version rather than lost.
//   - resolveConflict sets the chosen body only when the body has not
//     changed since its base_rev; otherwise (words typed on another device
//     meanwhile) the chosen body becomes a conflict version beside them.
//     The listed conflict versions are dropped either way.
//   - Conflict version ids are made from the client and mutation ids, so
//     they are the same on every replica.
//   - A person outside any organisation syncs without journal.synced
//     events: analytics are per organisation.
//   - The facilitator view answers a participant of the session 403 and
//     anyone else without a part in it 404.
//   - Deleted entries do not count against the limits; restoring one (or
//     bringing it back by an edit) is refused like a create when it would
//     exceed them.
//   - Entries are private unless the client says otherwise, in a session
//     too (the requirements' in-session default of shared would break
//     privacy by default).
//   - Search by words matches every word of the query against a folded
//     (case, diacritics, Hebrew final letters), lightly stemmed set of
//     terms stored on the entry; the stemming is the same for the five
//     languages, so query and entry meet whatever their language.
//   - The facilitator view checks the session's facilitators from
//     membership documents and each participant's facilitator_visibility
//     consent on every request; conflict versions are never shown.
//   - The ZIP export is streamed entry by entry (a failure once it has
//     started aborts the download rather than ending a short archive);
//     the PDF is built whole. journal.exported counts the entries sent.
//   - MaxEntryBytes (800,000) bounds one entry with its conflict
//     versions, so its document always fits Firestore's 1 MiB; a change
//     over it is refused like the byte limit, and a pull stops early past
//     about 4 MiB of entries (more is set).
//   - AI prompt suggestions use the entry's text (redacted) only with the
//     person's coach_memory consent; they cost no credit and are limited
//     per instance (shared/ratelimit) to SuggestPerHour an hour a person.
//     When the model fails, the built-in prompts stand in.
package journal

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
	EntryHTTP  = "journal"
	EntryEmbed = "journal-embed"
)

func init() {
	functions.HTTP(EntryHTTP, platform.HTTP(EntryHTTP, func(p *platform.Platform) (http.Handler, error) {
		b, d := deps(p)
		d.Verifier = platform.Use(b, p.Verifier)
		d.Outbox = platform.Use(b, p.Outbox)
		d.Consent = platform.Use(b, p.Consent)
		d.Model = model(b, p, true)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return New(d)
	}))
	functions.CloudEvent(EntryEmbed, platform.CloudEvent(EntryEmbed, func(p *platform.Platform) (func(context.Context, cloudevents.Event) error, error) {
		b, d := deps(p)
		d.Model = model(b, p, false)
		if b.Err() != nil {
			return nil, b.Err()
		}
		return NewEmbedTrigger(d)
	}))
}

func deps(p *platform.Platform) (*platform.Build, Deps) {
	b := &platform.Build{}
	return b, Deps{Firestore: platform.Use(b, p.Firestore), EmbedModel: platform.Use(b, p.EnvOf(ai.EnvEmbedModel))}
}

// model is the Vertex client (with the generation model for the API).
func model(b *platform.Build, p *platform.Platform, generate bool) Model {
	m := platform.Models{Embed: platform.Use(b, p.EnvOf(ai.EnvEmbedModel))}
	if generate {
		m.Generate = platform.Use(b, p.EnvOf(ai.EnvGenerateModel))
	}
	if b.Err() != nil {
		return nil
	}
	c := platform.Use(b, func() (*ai.Client, error) { return p.Vertex(m) })
	if c == nil {
		return nil
	}
	return c
}
