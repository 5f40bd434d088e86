// Package events is the platform's domain-event envelope and its publisher.
//
// Every domain event (canvas.op, session.card_selected, journal.synced,
// coach.asked, media.uploaded, …) travels in one Envelope, published as a
// JSON object on the Pub/Sub topic "events". A BigQuery subscription writes
// each message as one row of analytics.events (infra/bigquery/analytics/
// events.json), whose columns are the envelope's fields; delivery is at
// least once, so queries dedupe on event_id.
//
// No personal data may reach a BigQuery row. That is enforced by structure,
// not by review:
//
//   - Payloads are Go structs registered per event type (Register). A
//     payload struct may only hold ids (ID), enums (Enum with an enum tag),
//     numbers, booleans, timestamps, and slices, pointers and structs of
//     those. Plain strings, named string types, byte slices, maps,
//     interfaces and types with their own JSON encoding are refused at
//     registration, so free text has no field to go in.
//   - ID values are opaque tokens (letters, digits, "_" and "-"); names with
//     spaces, emails and sentences do not match. Enum values must be one of
//     the values declared in the field's tag.
//   - The envelope's ids (org, session, canvas) are IDs too, event_id is a
//     UUID, and the type must be registered.
//   - The actor is never the uid: it is HMAC-SHA256 of the uid under a key
//     derived per organisation from a secret (PSEUDONYM_HMAC_KEY), so rows
//     can be erased per person without storing who the person is.
//   - Attributes are set by the publisher alone: type, org_id and
//     schema_version, for subscription filters.
//
// A Publisher is a Stamper (registry, consent gate, pseudonymous actor)
// followed by a Sender (Pub/Sub). Functions use the two halves apart,
// through shared/outbox: the Stamper when the event is recorded in the
// transaction of its change, the Sender when the relay publishes it.
//
// Publishing goes through a ConsentGate (purpose "analytics"). Events of a
// user without analytics consent are dropped, or, for types registered
// AggregateOnly, published without the actor. A gate error drops the event
// (fail closed). The gate is the consent service's checker
// (shared/consentvault.Checker: cached per instance, invalidated by a Firestore
// listener, deny on unknown); a publisher built without a gate falls back
// to DenyUnknownGate, which denies everyone.
package events
