-- check.sql: after bulk.sql stored a small sample in rounds :r1 and :r2,
-- rebuilds their aggregates the slow, authoritative way (mg_agg_response
-- per response) and compares the sums over shards with the bulk ones.
-- Prints "agg check: N differences"; then removes the sample entirely.
-- agg_paired is not compared here: replaying every response with both
-- rounds stored would count each pair twice (a pair is counted when its
-- second response arrives); test_indicators.py checks it.
CREATE TEMP TABLE bulk_agg AS
SELECT 'responses' AS t, round_id, unit_id::text AS u, role AS r, '' AS k1, '' AS k2,
       sum(n)::numeric AS a, sum(paper)::numeric AS b, 0::numeric AS c
FROM agg_responses WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4
UNION ALL
SELECT 'scores', round_id, unit_id::text, role, area_key, '', sum(n), sum(sum), sum(sumsq)
FROM agg_scores WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4, 5
UNION ALL
SELECT 'levels', round_id, unit_id::text, role, area_key, level, sum(n), 0, 0
FROM agg_levels WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4, 5, 6
UNION ALL
SELECT 'services', round_id, unit_id::text, role, service, '', sum(answered), sum(regular), 0
FROM agg_services WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4, 5
UNION ALL
SELECT 'alpha', round_id, survey_id::text, '', area_key, item_key, sum(n), sum(sum), sum(sumsq)
FROM agg_alpha WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 5, 6;

DELETE FROM agg_responses WHERE round_id IN (:r1, :r2);
DELETE FROM agg_scores WHERE round_id IN (:r1, :r2);
DELETE FROM agg_levels WHERE round_id IN (:r1, :r2);
DELETE FROM agg_services WHERE round_id IN (:r1, :r2);
DELETE FROM agg_alpha WHERE round_id IN (:r1, :r2);
DELETE FROM agg_paired WHERE round_id IN (:r1, :r2);
SELECT count(mg_agg_response(id, 1)) AS sample_responses FROM responses WHERE round_id IN (:r1, :r2) \gset

CREATE TEMP TABLE slow_agg AS
SELECT 'responses' AS t, round_id, unit_id::text AS u, role AS r, '' AS k1, '' AS k2,
       sum(n)::numeric AS a, sum(paper)::numeric AS b, 0::numeric AS c
FROM agg_responses WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4
UNION ALL
SELECT 'scores', round_id, unit_id::text, role, area_key, '', sum(n), sum(sum), sum(sumsq)
FROM agg_scores WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4, 5
UNION ALL
SELECT 'levels', round_id, unit_id::text, role, area_key, level, sum(n), 0, 0
FROM agg_levels WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4, 5, 6
UNION ALL
SELECT 'services', round_id, unit_id::text, role, service, '', sum(answered), sum(regular), 0
FROM agg_services WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 4, 5
UNION ALL
SELECT 'alpha', round_id, survey_id::text, '', area_key, item_key, sum(n), sum(sum), sum(sumsq)
FROM agg_alpha WHERE round_id IN (:r1, :r2) GROUP BY 2, 3, 5, 6;

SELECT (SELECT count(*) FROM (SELECT * FROM bulk_agg EXCEPT ALL SELECT * FROM slow_agg) x)
     + (SELECT count(*) FROM (SELECT * FROM slow_agg EXCEPT ALL SELECT * FROM bulk_agg) y) AS diffs,
       (SELECT count(*) FROM slow_agg) AS rows_compared \gset
\echo agg check: :sample_responses sample responses, :rows_compared aggregate rows compared, :diffs differences

-- Remove the sample.
DELETE FROM agg_responses WHERE round_id IN (:r1, :r2);
DELETE FROM agg_scores WHERE round_id IN (:r1, :r2);
DELETE FROM agg_levels WHERE round_id IN (:r1, :r2);
DELETE FROM agg_services WHERE round_id IN (:r1, :r2);
DELETE FROM agg_alpha WHERE round_id IN (:r1, :r2);
DELETE FROM agg_paired WHERE round_id IN (:r1, :r2);
DELETE FROM responses WHERE round_id IN (:r1, :r2);
UPDATE series SET template_round_id = NULL WHERE id = :series;
DELETE FROM round_surveys WHERE round_id IN (:r1, :r2);
DELETE FROM rounds WHERE id IN (:r1, :r2);
DELETE FROM series WHERE id = :series;
DROP TABLE bulk_agg, slow_agg;
