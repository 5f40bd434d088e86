// Package bigquery is a local BigQuery emulator: the REST API v2 subset the
// official Go client (cloud.google.com/go/bigquery) uses, executed by an
// embedded analytical SQL engine (DuckDB) behind a GoogleSQL rewriter.
//
// Use it in process:
//
//	srv, err := bigquery.NewServer(bigquery.Options{})
//	defer srv.Close()
//	client, err := bq.NewClient(ctx, "demo-project",
//		option.WithEndpoint(srv.Endpoint()), // http://host:port/bigquery/v2/
//		option.WithoutAuthentication())
//
// Supported: datasets insert/get/list/patch/update/delete (deleteContents);
// tables insert/get/list/patch/update/delete with nested and repeated
// schemas and views; tabledata.insertAll with insertId de-duplication and
// per-row errors; tabledata.list with paging; jobs.query, jobs.insert (query
// jobs, destination tables, write and create dispositions, dry runs),
// jobs.get/list/cancel/delete and jobs.getQueryResults with paging; DML
// (INSERT, UPDATE, DELETE, MERGE) with numDmlAffectedRows; named and
// positional query parameters of scalar, ARRAY and STRUCT types;
// Export/Import of datasets and tables; and WriteMessages, the hook the
// Pub/Sub emulator uses for BigQuery subscriptions.
//
// Each project is an engine catalog and each dataset a schema in it, so
// `project.dataset.table`, dataset.table and (with a default dataset) bare
// table names resolve as in BigQuery.
//
// Known differences from production:
//   - Only GoogleSQL; legacy SQL is rejected. Only single statements: no
//     scripts, procedural language, sessions, transactions or temporary
//     functions. Wildcard tables, INFORMATION_SCHEMA, ML, GIS functions,
//     SELECT AS STRUCT/VALUE and table-valued functions are unsupported.
//   - Functions are mapped to the engine's equivalents; edge cases can
//     differ: error-raising functions (CAST overflow, division by zero,
//     OFFSET out of range) return NULL or the engine's error text; ARRAY_AGG
//     keeps NULL elements instead of failing; FARM_FINGERPRINT is a
//     deterministic 64-bit hash but not FarmHash; APPROX_* functions use the
//     engine's sketches; WEEK parts other than SUNDAY and MONDAY are
//     unsupported; time zones other than UTC work only where passed
//     explicitly; JSON_VALUE paths follow the engine's JSONPath subset.
//   - BIGNUMERIC is stored with 38 digits (scale 18), not 76.
//   - GEOGRAPHY is stored as WKT text; query results report it as STRING.
//   - Unaliased expressions are named f0_, f1_, … by a heuristic; columns
//     named after engine keywords may need backticks.
//   - Query results are held in memory in the job; there are no anonymous
//     destination tables, no query cache, no slot or byte statistics
//     (totalBytesProcessed is 0) and no location other than "US" is enforced.
//   - Load, copy and extract jobs are not supported; partitioning,
//     clustering, expiration and labels are stored but have no effect.
//   - Schema updates through tables.patch may add top-level columns and
//     relax REQUIRED; adding fields inside RECORDs is unsupported.
//   - No authentication or IAM; dataset access entries are stored only.
//   - insertId de-duplication is exact within Options.DedupeWindow (best
//     effort in production); the streaming buffer is not modelled, so DML
//     can change freshly streamed rows at once.
//   - CURRENT_TIMESTAMP() and friends come from Options.Now, fixed per
//     statement.
//   - Export/Import keeps datasets, tables and rows, not jobs.
//   - Errors carry BigQuery's shape and reasons, but messages of query
//     errors come from the engine.
package bigquery
