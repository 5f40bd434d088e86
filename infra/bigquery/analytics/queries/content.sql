-- content: popularity of content items over the period. The period is
-- built only from (item, month) cells picked by at least @k people: a cell
-- under @k adds nothing to its item, so no choice of from/to can isolate
-- a month (or the people) of a suppressed cell by subtracting two answers.
-- Items with no such cell come back with k_people 0; the function leaves
-- them out and counts them.
WITH sel AS (
  SELECT card_id, FORMAT_TIMESTAMP('%Y-%m', occurred_at) AS month, actor
  FROM `{project}.{dataset}.card_selections`
  WHERE org_id = @org AND card_id IS NOT NULL AND occurred_at >= @from AND occurred_at < @to
),
cells AS (
  SELECT card_id, month
  FROM sel
  GROUP BY card_id, month
  HAVING COUNT(DISTINCT actor) >= @k
),
items AS (
  SELECT
    sel.card_id AS item_id,
    COUNTIF(cells.card_id IS NOT NULL) AS n_selections,
    COUNT(DISTINCT IF(cells.card_id IS NOT NULL, sel.actor, NULL)) AS k_people
  FROM sel LEFT JOIN cells ON cells.card_id = sel.card_id AND cells.month = sel.month
  GROUP BY item_id
)
SELECT
  item_id,
  CASE WHEN k_people >= @k THEN n_selections END AS selections,
  CASE WHEN k_people >= @k THEN k_people END AS people,
  k_people
FROM items
ORDER BY k_people >= @k DESC, selections DESC, item_id
