-- me: the caller's own activity by month. @actor is the caller's pseudonym
-- in @org, computed by the function; the rows describe that person only,
-- so nothing is suppressed.
SELECT
  FORMAT_TIMESTAMP('%Y-%m', occurred_at) AS month,
  COUNT(DISTINCT session_id) AS sessions,
  COUNTIF(type = 'session.card_selected') AS cards_selected,
  COUNTIF(type = 'canvas.op') AS canvas_ops,
  COUNTIF(type = 'journal.synced') AS journal_syncs,
  COUNTIF(type = 'coach.asked') AS coach_asks
FROM `{project}.{dataset}.events_unique`
WHERE org_id = @org AND actor = @actor AND occurred_at >= @from AND occurred_at < @to
GROUP BY month
ORDER BY month
