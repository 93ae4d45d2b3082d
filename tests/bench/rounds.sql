-- rounds.sql: a yearly pseudonymous series with two rounds over the whole
-- tree: last year's (closed) and this year's (open for six more weeks).
-- Prints r1|r2|series (psql -At). Needs :tag.
WITH s AS (
    INSERT INTO series (name, every_months, duration_days) VALUES ('Bench ' || :'tag', 12, 60) RETURNING id
), r AS (
    INSERT INTO rounds (name, series_id, seq, mode, opens_at, closes_at, state, root_unit_id)
    SELECT 'Bench ' || :'tag' || ' ' || k, s.id, k, 'pseudonymous',
           date_trunc('day', now()) - interval '20 days' - (2 - k) * interval '12 months' + interval '7 hours',
           date_trunc('day', now()) + interval '40 days' - (2 - k) * interval '12 months' + interval '7 hours',
           CASE WHEN k = 1 THEN 'closed' ELSE 'open' END,
           (SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1)
    FROM s, generate_series(1, 2) k
    RETURNING id, seq, series_id
), t AS (
    UPDATE series SET template_round_id = r.id FROM r WHERE series.id = r.series_id AND r.seq = 1
), rs AS (
    INSERT INTO round_surveys (round_id, audience, survey_id)
    SELECT r.id, a, (SELECT max(id) FROM surveys WHERE key = a AND audience = a)
    FROM r, unnest(ARRAY['staff', 'manager']) a
)
SELECT max(id) FILTER (WHERE seq = 1) AS r1, max(id) FILTER (WHERE seq = 2) AS r2, max(series_id) AS series FROM r;
