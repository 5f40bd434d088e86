-- card_selections: the card picks of live sessions, de-duplicated, with
-- the picked item's id out of the payload. A pick without analytics
-- consent is never recorded, so every row has an actor.
SELECT org_id, occurred_at, actor, session_id, JSON_VALUE(payload, '$.card_id') AS card_id
FROM `{project}.{dataset}.events_unique`
WHERE type = 'session.card_selected'
