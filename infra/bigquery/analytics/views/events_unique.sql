-- events_unique: one row per event_id. Pub/Sub delivers at least once, so
-- the events table may hold one event several times; every report reads
-- this view, never the table. Copies of an event are one envelope (same
-- event_id, type, time, org, actor, ids and payload; only the Pub/Sub
-- metadata differs), so grouping by event_id with ANY_VALUE of the rest
-- loses nothing. org_id and occurred_at are grouping keys too, so a
-- filter on them reaches the table through the view (partition pruning
-- and clustering keep working), and grouping is cheaper than a window.
SELECT
  event_id,
  ANY_VALUE(type) AS type,
  occurred_at,
  org_id,
  ANY_VALUE(actor) AS actor,
  ANY_VALUE(session_id) AS session_id,
  ANY_VALUE(canvas_id) AS canvas_id,
  ANY_VALUE(payload) AS payload,
  ANY_VALUE(schema_version) AS schema_version
FROM `{project}.{dataset}.events`
GROUP BY event_id, occurred_at, org_id
