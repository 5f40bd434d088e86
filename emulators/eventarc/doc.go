// Package eventarc is the local Eventarc emulator: it delivers the triggers
// declared in infra/topology.yaml to the functions as CloudEvents in the
// formats Google's Eventarc uses, with Eventarc's retry semantics.
//
//   - Pub/Sub triggers: one subscription per trigger
//     (projects/{p}/subscriptions/eventarc-{region}-{function}-sub, with the
//     trigger's filter) in the Pub/Sub emulator, created through the official
//     client. Each message becomes a google.cloud.pubsub.topic.v1.messagePublished
//     event whose data is Google's MessagePublishedData JSON.
//   - Storage triggers: one subscription per trigger on the topic where the
//     storage emulator publishes GCS notifications, filtered on the
//     notification's bucketId and eventType. Each notification becomes a
//     google.cloud.storage.object.v1.{finalized,deleted,archived,metadataUpdated}
//     event whose data is the object resource (StorageObjectData JSON).
//   - Firestore triggers: a FirestoreSource (NewFirestoreSource, passed in
//     Options.Sources) follows the Firestore emulator's change feed. Each
//     committed document write is matched against every firestore trigger
//     (project, database id — "(default)" unless declared —, path pattern
//     with {wildcards}, * and **, and event: created, updated, deleted or
//     written) and becomes a google.cloud.firestore.document.v1.<event>
//     CloudEvent as production sends it: source
//     //firestore.googleapis.com/projects/{p}/databases/{d}, subject
//     documents/{path}, dataschema, the database, namespace, document,
//     location and project extensions, datacontenttype application/protobuf
//     and the DocumentEventData protobuf as data (value, old_value and, for
//     updates, update_mask). shared/firestoreevent decodes it.
//   - Schedule triggers: each function with a schedule trigger gets a
//     Cloud Scheduler job named after it. Its cron (5-field unix-cron,
//     see ParseCron) is evaluated in the trigger's time_zone (default
//     Etc/UTC) on Options.Now; at each due time the function's URL gets a
//     plain HTTP POST as Cloud Scheduler's HTTP target sends it: body {},
//     Content-Type application/json, User-Agent Google-Cloud-Scheduler,
//     X-CloudScheduler: true, X-CloudScheduler-JobName and
//     X-CloudScheduler-ScheduleTime (RFC 3339, UTC). A 2xx answer succeeds;
//     a function declared with retry: true gets up to 3 retries of the
//     same slot (retry_count in terraform, fewer if MaxAttempts is set)
//     with the MinBackoff/MaxBackoff backoff, others one attempt. Attempts
//     are recorded as deliveries of type google.cloud.scheduler.job.v1.executed
//     whose eventId is the schedule time. Server.RunScheduleNow and
//     POST /_internal/schedules/{function}:run run a job at once, as
//     gcloud scheduler jobs run does. Options.After (default time.After)
//     times the jobs, so tests can drive them with an injected clock.
//   - Other producers plug in as a Source, or call Server.Deliver directly.
//
// Events are POSTed in binary content mode (ce-* headers, JSON body). A 2xx
// answer acknowledges the event. A function declared with retry: true gets
// redeliveries with exponential backoff (MinBackoff doubling up to
// MaxBackoff, 10 s and 600 s by default as in production) until it answers
// 2xx, MaxAttempts is reached or the event is older than MaxEventAge (24 h
// by default); a function without retry gets one attempt and a failed event
// is dropped, as in production. Every attempt is recorded: Server.Deliveries
// and GET /_internal/deliveries (filters: function, eventId) show them;
// GET /_internal/triggers lists the wired subscriptions and schedules, and
// GET /_internal/healthz answers when the server runs.
//
// Known differences from production:
//   - Retries are timed by the emulator while it holds the Pub/Sub lease,
//     not by Pub/Sub push redelivery: the backoff has no jitter, and an event
//     whose retries were interrupted by Close is nacked and redelivered,
//     with a fresh attempt count, on the next run.
//   - Missing topics are created when a trigger is wired; production refuses
//     a trigger on a topic that does not exist. A subscription whose filter
//     changed in the topology is deleted and recreated.
//   - Storage event ids are derived from bucket, object, generation, event
//     type (and metageneration for metadata updates) instead of being
//     assigned by the service; they are stable across redeliveries, as
//     production's are, but differ from production's values.
//   - Events carry no Authorization (OIDC) header, no traceparent and no
//     Eventarc-specific extension attributes; only the documented ce-*
//     attributes (id, source, specversion, type, time, subject, and for
//     Firestore dataschema and the Firestore extensions) are sent.
//   - The MessagePublishedData payload carries both messageId/publishTime
//     and the message_id/publish_time spellings, as Pub/Sub push does;
//     empty attributes are omitted.
//   - MaxEventAge counts from the first delivery attempt rather than from
//     the event's time, so that another emulator's injected or skewed clock
//     cannot make a fresh event look expired.
//   - Per-attempt request timeout is the function's timeout_seconds
//     (default 60 s); HTTP status codes are not distinguished: every non-2xx
//     answer or transport error is a failure.
//   - The delivery log keeps the most recent 10,000 attempts.
//   - HTTP triggers are not handled here (functions are called directly).
//   - Schedules: there is no Cloud Scheduler API (no create, pause, resume
//     or delete; jobs follow the topology). Requests carry no OIDC
//     Authorization header. The attempt deadline is the function's timeout
//     clamped to 15 s-30 min, as deployed, but answers are not otherwise
//     interpreted. A slot that falls due while the previous run is still
//     retrying is skipped; runs missed while the emulator was stopped are
//     not caught up; max_doublings and jitter are not modelled. Wall times
//     a DST change skips never fire and wall times it repeats fire in both
//     occurrences. RunScheduleNow answers once the attempts end, whereas
//     gcloud scheduler jobs run returns at once. An expression that never
//     matches within five years (30 February) never fires.
//   - Firestore events: ids are derived from the document name and commit
//     time (UUID-shaped, stable across retries) rather than assigned by the
//     service; a write that changes nothing, an import and a clear of the
//     emulator raise no event; events of one document may arrive in any
//     order, as in production, but are never dropped while the emulators
//     run (the feed is buffered without bound). The update_mask lists
//     changed leaf paths inside maps ("a.b") rather than the top-level
//     field. The .withAuthContext event types and their authtype/authid
//     extensions are not produced, and the 10 MiB event size limit is not
//     applied. Location is Options.Region, not a multi-region name.
package eventarc
