-- adoption: the organisation by month. Each figure is shown only when the
-- people it is about (its k_ column: distinct pseudonymous actors) number
-- at least @k; otherwise it is NULL. Events without an actor (aggregate-only
-- events of people without analytics consent) add to counts but never to
-- the people a figure is about, so they can only make a figure disappear.
WITH ev AS (
  SELECT FORMAT_TIMESTAMP('%Y-%m', occurred_at) AS month, type, actor, session_id
  FROM `{project}.{dataset}.events_unique`
  WHERE org_id = @org AND occurred_at >= @from AND occurred_at < @to
),
-- One row per month and actor (NULL: every event without one), so each
-- people count below is a plain COUNTIF rather than a distinct count.
per_actor AS (
  SELECT
    month,
    actor,
    COUNTIF(session_id IS NOT NULL) AS n_session_events,
    COUNTIF(type = 'session.card_selected') AS n_cards,
    COUNTIF(type = 'canvas.op') AS n_ops,
    COUNTIF(type = 'journal.synced') AS n_syncs,
    COUNTIF(type = 'coach.asked') AS n_asks
  FROM ev
  GROUP BY month, actor
),
sessions AS (
  SELECT month, COUNT(DISTINCT session_id) AS n_sessions
  FROM ev
  WHERE session_id IS NOT NULL
  GROUP BY month
),
m AS (
  SELECT
    month,
    COUNTIF(actor IS NOT NULL) AS k_active_people,
    COUNTIF(actor IS NOT NULL AND n_session_events > 0) AS k_sessions,
    SUM(n_cards) AS n_cards,
    COUNTIF(actor IS NOT NULL AND n_cards > 0) AS k_cards,
    SUM(n_ops) AS n_ops,
    COUNTIF(actor IS NOT NULL AND n_ops > 0) AS k_ops,
    SUM(n_syncs) AS n_syncs,
    COUNTIF(actor IS NOT NULL AND n_syncs > 0) AS k_syncs,
    SUM(n_asks) AS n_asks,
    COUNTIF(actor IS NOT NULL AND n_asks > 0) AS k_asks
  FROM per_actor
  GROUP BY month
)
SELECT
  month,
  CASE WHEN k_active_people >= @k THEN k_active_people END AS active_people,
  CASE WHEN k_active_people >= @k AND k_sessions >= @k THEN IFNULL(n_sessions, 0) END AS sessions,
  CASE WHEN k_active_people >= @k AND k_sessions >= @k THEN k_sessions END AS participants,
  CASE WHEN k_active_people >= @k AND k_cards >= @k THEN n_cards END AS cards_selected,
  CASE WHEN k_active_people >= @k AND k_ops >= @k THEN n_ops END AS canvas_ops,
  CASE WHEN k_active_people >= @k AND k_syncs >= @k THEN n_syncs END AS journal_syncs,
  CASE WHEN k_active_people >= @k AND k_asks >= @k THEN n_asks END AS coach_asks,
  k_active_people, k_sessions, k_cards, k_ops, k_syncs, k_asks
FROM m LEFT JOIN sessions USING (month)
ORDER BY month
