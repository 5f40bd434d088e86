// Package firestore is an in-memory emulator of Cloud Firestore's
// google.firestore.v1.Firestore gRPC API, wire-compatible with the official
// client libraries (connect with FIRESTORE_EMULATOR_HOST, or with an
// endpoint option and insecure transport credentials).
//
// One port serves both gRPC (HTTP/2 with prior knowledge) and a small
// HTTP/1.1 side:
//
//	GET    /                                                     "Ok"
//	GET    /v1/projects/{p}/databases/{d}/documents/{path}       a document, or a page of a collection, as REST JSON
//	DELETE /emulator/v1/projects/{p}/databases/{d}/documents     remove every document of a database
//	POST   /shutdown                                             acknowledged; the owner of the process stops it
//
// Every project and database exists on first use. Each database keeps an
// hour of document versions (reads at read_time, read-only transactions,
// listen resume tokens), like production without point-in-time recovery.
//
// Transactions are validated optimistically: a read-write transaction
// records the version of every document and the result of every query it
// read, and its commit fails with ABORTED if any of them changed; the client
// libraries retry ABORTED transactions. To keep retries rare under
// contention, a transactional document read waits for another live
// read-write transaction that read the same document to finish, like
// production's locks, but a wait that would close a cycle is skipped and no
// wait lasts over ten seconds, so transactions never deadlock.
//
// Listen streams fan out from the commit path without blocking it: a commit
// appends to a change log and wakes the listeners, and each listener folds
// the log into its targets on its own goroutine. Intermediate states between
// two wake-ups may be coalesced into one snapshot, as production may do.
//
// Composite indexes: with Options.Indexes (a firestore.indexes.json, read
// with ParseIndexConfig; the firestore command's --indexes flag) a query
// that production could serve only with a composite index fails with
// FAILED_PRECONDITION "The query requires an index." unless a declared
// index serves it, and the message shows the index to declare. Without
// it every query runs.
//
// Options.OnRead reports every document a lookup reads, with the
// transaction it was read in, so a test can count reads per transaction
// attempt (production bills them; its API reports no such thing).
//
// Timestamps are stored at microsecond precision, like production's
// (finer digits are dropped). Sums and averages of doubles are computed
// exactly and rounded once, so they do not depend on document order.
// PartitionQuery splits a collection group at every 128 or more documents.
//
// Production limits enforced: 1 MiB document size computed with
// production's storage-size rules, 10 MiB request size, 20 levels of map
// and array nesting, no arrays directly inside arrays, ids of at most 1500
// bytes that are not ".", ".." or __.*__, reserved top-level field names,
// 100 levels of subcollections, up to 30 values in in and
// array-contains-any filters and 10 in not-in, 30 disjunctions, 5
// aggregations per query, 1000 results for FindNearest.
//
// Known differences from production:
//   - No security rules: every request is allowed, with or without
//     credentials.
//   - Every query runs by scanning. Index requirements are checked only
//     when Options.Indexes is set, and then by rule rather than by
//     planning: automatic single-field indexes always exist, also for
//     collection group queries (production needs a single-field exemption
//     with collection group scope there), single-field exemptions
//     (fieldOverrides) are ignored, a composite index also serves its
//     ordering scanned backwards, equality fields may be split over
//     several composite indexes with the same ordering, and
//     FindNearest needs no index. Index limits (entry size, fields per
//     index) are not enforced.
//   - Transactions are validated at commit rather than locked: reads take
//     exclusive (not shared) wait-locks among transactions, waits that would
//     deadlock are skipped in favour of an ABORTED commit, conflicting
//     non-transactional writes never wait and always win, and the
//     270-second transaction lifetime is not enforced (idle transactions
//     are dropped after five minutes). A retried transaction gets no
//     priority.
//   - Queries in a read-write transaction are re-run at commit; any change
//     to their results aborts the transaction (production locks the ranges
//     instead).
//   - FindNearest is an exact search over all documents instead of an
//     approximate search over a vector index, and needs no index.
//   - Listen sends an existence filter only after a resume, never sends
//     RESET, and coalesces changes made between two wake-ups.
//   - read_time may be any time in the last hour; production also accepts
//     only whole minutes beyond 60 seconds in the past and supports
//     point-in-time recovery windows of 7 days.
//   - Explain options return a plan summary with no indexes and rough
//     execution statistics.
//   - Map values count as the sum of their field-name and value sizes
//     towards the document size limit, without document overhead.
//   - Field-level constraints that production reports with slightly
//     different wording (nesting depth, reserved names) use messages of
//     their own; the gRPC codes match.
//   - PartitionQuery returns exact split points (production samples its
//     indexes), accepts only a collection group query ordered by __name__
//     ascending with nothing else, and reads at read_time when given.
//   - Write (the streaming write API) and ExecutePipeline (pipelines of
//     Enterprise edition databases) are not implemented and return
//     UNIMPLEMENTED.
//   - Writes per second, document write rates and other quotas are not
//     limited.
//   - The HTTP side is not the full REST API: it offers only the read view
//     and the emulator endpoints listed above, and reports errors in
//     Google's JSON error format.
package firestore
