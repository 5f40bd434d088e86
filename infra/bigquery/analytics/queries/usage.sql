-- usage: what the organisation used and paid, by month. AI interactions
-- (coach questions) and content uses are figures about people: each is
-- shown only when at least @k distinct pseudonymous actors stand behind it.
-- Billing figures (invoices paid, failed payments, seats) are about the
-- organisation's subscription, never a person, so they are always shown.
WITH ev AS (
  SELECT FORMAT_TIMESTAMP('%Y-%m', occurred_at) AS month, type, actor, payload
  FROM `{project}.{dataset}.events_unique`
  WHERE org_id = @org AND occurred_at >= @from AND occurred_at < @to
    AND type IN ('coach.asked', 'content.used', 'billing.invoice_paid', 'billing.payment_failed', 'billing.subscription_changed')
),
per_actor AS (
  SELECT
    month,
    actor,
    COUNTIF(type = 'coach.asked') AS n_ai,
    COUNTIF(type = 'content.used') AS n_content
  FROM ev
  WHERE type IN ('coach.asked', 'content.used')
  GROUP BY month, actor
),
people AS (
  SELECT
    month,
    SUM(n_ai) AS n_ai,
    COUNTIF(actor IS NOT NULL AND n_ai > 0) AS k_ai,
    SUM(n_content) AS n_content,
    COUNTIF(actor IS NOT NULL AND n_content > 0) AS k_content
  FROM per_actor
  GROUP BY month
),
billing AS (
  SELECT
    month,
    COUNTIF(type = 'billing.invoice_paid') AS invoices_paid,
    SUM(IF(type = 'billing.invoice_paid', CAST(JSON_VALUE(payload, '$.amount_paid') AS INT64), 0)) AS paid_cents,
    MAX(IF(type = 'billing.invoice_paid', JSON_VALUE(payload, '$.currency'), NULL)) AS currency,
    COUNTIF(type = 'billing.payment_failed') AS failed_payments,
    MAX(IF(type = 'billing.subscription_changed', CAST(JSON_VALUE(payload, '$.seats') AS INT64), NULL)) AS seats
  FROM ev
  WHERE type LIKE 'billing.%'
  GROUP BY month
),
months AS (
  SELECT month FROM people UNION DISTINCT SELECT month FROM billing
)
SELECT
  month,
  CASE WHEN k_ai >= @k THEN n_ai END AS ai_interactions,
  CASE WHEN k_content >= @k THEN n_content END AS content_uses,
  IFNULL(invoices_paid, 0) AS invoices_paid,
  IFNULL(paid_cents, 0) / 100 AS amount_paid,
  UPPER(currency) AS currency,
  IFNULL(failed_payments, 0) AS failed_payments,
  seats,
  IFNULL(k_ai, 0) AS k_ai, IFNULL(k_content, 0) AS k_content
FROM months LEFT JOIN people USING (month) LEFT JOIN billing USING (month)
ORDER BY month
