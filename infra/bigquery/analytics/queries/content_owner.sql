-- content-owner: uses of the caller's items (@items) by item and month.
-- A cell picked by fewer than @k people shows no figures.
SELECT
  card_id AS item_id,
  FORMAT_TIMESTAMP('%Y-%m', occurred_at) AS month,
  CASE WHEN COUNT(DISTINCT actor) >= @k THEN COUNT(*) END AS uses,
  CASE WHEN COUNT(DISTINCT actor) >= @k THEN COUNT(DISTINCT actor) END AS people,
  COUNT(DISTINCT actor) AS k_people
FROM `{project}.{dataset}.card_selections`
WHERE org_id = @org AND card_id IN UNNEST(@items) AND occurred_at >= @from AND occurred_at < @to
GROUP BY item_id, month
ORDER BY item_id, month
