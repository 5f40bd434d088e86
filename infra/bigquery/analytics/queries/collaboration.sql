-- collaboration: canvas work by month. A month's figures are about the
-- people who edited a canvas that month (k_people); under @k they are NULL.
WITH ops AS (
  SELECT FORMAT_TIMESTAMP('%Y-%m', occurred_at) AS month, actor, canvas_id
  FROM `{project}.{dataset}.events_unique`
  WHERE org_id = @org AND type = 'canvas.op' AND occurred_at >= @from AND occurred_at < @to
),
canvases AS (
  SELECT month, canvas_id, COUNT(DISTINCT actor) AS editors
  FROM ops
  WHERE canvas_id IS NOT NULL
  GROUP BY month, canvas_id
),
m AS (
  SELECT month, COUNT(*) AS n_ops, COUNT(actor) AS n_actor_ops, COUNT(DISTINCT actor) AS k_people
  FROM ops
  GROUP BY month
),
c AS (
  SELECT month, COUNTIF(editors >= 2) AS n_collaborative
  FROM canvases
  GROUP BY month
)
SELECT
  m.month AS month,
  CASE WHEN k_people >= @k THEN n_ops END AS canvas_ops,
  CASE WHEN k_people >= @k THEN k_people END AS people_on_canvases,
  CASE WHEN k_people >= @k THEN IFNULL(n_collaborative, 0) END AS collaborative_canvases,
  CASE WHEN k_people >= @k THEN ROUND(SAFE_DIVIDE(n_actor_ops, k_people), 1) END AS ops_per_person,
  k_people
FROM m LEFT JOIN c ON c.month = m.month
ORDER BY month
