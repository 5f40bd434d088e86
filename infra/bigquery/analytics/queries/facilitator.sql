-- facilitator: one row per session of @sessions (the caller's, from
-- Firestore) that started in the period. Figures cover the whole session,
-- not the part inside the period, so moving from/to cannot split one; a
-- session with fewer than @k people (k_people) shows none.
WITH s AS (
  SELECT
    session_id,
    MIN(occurred_at) AS started_at,
    COUNT(DISTINCT actor) AS k_people,
    COUNTIF(type = 'session.card_selected') AS n_cards,
    COUNTIF(type = 'canvas.op') AS n_ops,
    COUNTIF(type = 'journal.synced') AS n_syncs
  FROM `{project}.{dataset}.events_unique`
  WHERE org_id = @org AND session_id IN UNNEST(@sessions)
  GROUP BY session_id
)
SELECT
  session_id,
  started_at,
  CASE WHEN k_people >= @k THEN k_people END AS participants,
  CASE WHEN k_people >= @k THEN n_cards END AS cards_selected,
  CASE WHEN k_people >= @k THEN n_ops END AS canvas_ops,
  CASE WHEN k_people >= @k THEN n_syncs END AS journal_syncs,
  k_people
FROM s
WHERE started_at >= @from AND started_at < @to
ORDER BY started_at, session_id
