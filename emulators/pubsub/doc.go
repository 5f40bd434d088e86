// Package pubsub is the local Pub/Sub emulator of the suite (port 8085).
//
// It wraps Google's in-memory fake, cloud.google.com/go/pubsub/v2/pstest,
// which serves the Publisher, Subscriber and SchemaService gRPC APIs that the
// official client libraries speak, and adds what the fake lacks:
//
//   - push delivery: every subscription with a push endpoint gets its
//     messages POSTed in Pub/Sub's push format (wrapped JSON, or the raw
//     payload for no-wrapper subscriptions), acked on 102/200/201/202/204 and
//     redelivered with exponential backoff on any other answer, a transport
//     error or a timeout (the subscription's ack deadline);
//   - BigQuery subscriptions: with Options.BigQuery set (the BigQuery
//     emulator), a worker per subscription with a BigQueryConfig table pulls
//     batches of up to 500 messages, hands them to BigQueryWriter, acks what
//     was written, and nacks the messages the writer rejected (*RowErrors)
//     with backoff; a batch the writer could not take at all is written
//     again with backoff, keeping its lease, without counting a delivery;
//   - dead-lettering for push and BigQuery subscriptions, with the
//     attributes production adds (CloudPubSubDeadLetterSourceDeliveryCount,
//     …SourceSubscription, …SourceSubscriptionProject,
//     …SourceTopicPublishTime);
//   - Apply, which creates the topics and subscriptions declared in
//     infra/topology.yaml;
//   - test hooks: Deliveries lists every push attempt and BigQuery write
//     and its outcome, and Fake returns the pstest server with its own
//     hooks (Messages, SetTimeNowFunc, reactors).
//
// The BigQuery side is a contract between two emulators: BigQueryWriter
// (implemented by the BigQuery emulator) says how messages become rows and
// how a writer reports failures — nil for all written, *RowErrors (indexes
// into the batch) for rejected messages, any other error for "nothing
// written"; ParseBigQueryTable reads BigQueryConfig.Table.
//
// Push and BigQuery delivery work as in-process pull clients of the fake: a
// worker per subscription pulls, delivers, then acks, or nacks once its
// backoff has passed. So pstest's bookkeeping (Messages() delivery and ack counts,
// filters, ordering) stays the single source of truth.
//
// Known differences from production.
//
// Inherited from pstest:
//   - Everything lives in memory; nothing survives Close. Retention is a fixed
//     10 minutes for unacked messages whatever the subscription says; acked
//     messages are never retained, snapshots are unsupported and Seek to a
//     time re-adds messages without their payload.
//   - No IAM, no quotas, no message size or request limits, no schema
//     validation of published messages, no exactly-once guarantees.
//   - The minimum ack deadline is not enforced (production: 10 s), and
//     dead-letter policies are not range-checked (production: 5 to 100
//     attempts).
//   - Delivery counts are kept per message, not per subscription: a message
//     delivered to two subscriptions of one topic counts both. Pull
//     subscriptions' dead-lettering (done by pstest on the next pull after
//     the last attempt) therefore may forward early, and it forwards the
//     message without the CloudPubSubDeadLetter* attributes and under the
//     same message id.
//   - Ordering keys are ordered by publish time; messages published in the
//     same clock instant (a frozen injected clock) lose their order.
//   - Filters support pstest's subset of the filter language.
//
// Ours:
//   - The push workers find push subscriptions by listing subscriptions every
//     Options.PollInterval (200 ms) and on Refresh, so a push subscription
//     created through the API starts delivering up to that much later.
//   - Each push worker pulls every 20 ms; delivery latency is up to that.
//   - The workers lease messages with ModifyAckDeadline while they wait out
//     a backoff, so those calls appear in pstest's Message.Modacks; a push
//     subscription's messages should not also be pulled by a client (in
//     production they cannot be).
//   - Backoff is exactly min·2^(n-1) capped at max (production adds jitter and
//     adapts), multiplied by Options.BackoffScale. Without a retry policy,
//     push redelivery uses production's push backoff range (100 ms to 60 s);
//     with one, its bounds default to 10 s and 600 s.
//   - 102 counts as success as in production, but Go's HTTP client treats a
//     1xx answer as interim and waits for the final one.
//   - Push requests carry no OIDC token (PushConfig.OidcToken is ignored) and
//     no flow control beyond 100 requests in flight per subscription.
//   - For no-wrapper subscriptions with write_metadata, the metadata and the
//     attributes are sent as x-goog-pubsub-* headers and attribute headers as
//     named; header canonicalisation may change their case.
//   - Without Options.BigQuery, BigQuery subscriptions behave as pull
//     subscriptions. With it, the mapping of messages to rows is the
//     writer's (see BigQueryWriter); the table is not checked when the
//     subscription is created (production refuses a missing table or an
//     incompatible schema then), a missing table shows up as write retries
//     instead, and the subscription's state stays ACTIVE. Without a retry
//     policy a rejected message is retried after 100 ms doubling to 60 s
//     (production redelivers at once); a whole-batch failure backs off from
//     1 s to 60 s. BigQuery workers are found by the same periodic scan as
//     push workers. Cloud Storage subscriptions behave as pull
//     subscriptions.
//   - Reactors (error injection) registered on pstest also apply to the push
//     workers' own Pull, Acknowledge, ModifyAckDeadline, Publish and
//     ListSubscriptions calls.
package pubsub
