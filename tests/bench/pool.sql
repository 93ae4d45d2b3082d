-- pool.sql: the pool of scored responses (from gen_pool, scored by
-- server/scoring.c), broken up exactly as mg_store_response breaks up a
-- payload (sql/004_submit.sql), plus each pool response's contribution to
-- the service and alpha aggregates, computed as mg_agg_response computes
-- them (sql/005_indicators.sql). Reads the pool (COPY text) on stdin.
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.pool (pid int PRIMARY KEY, role text NOT NULL, answers jsonb NOT NULL, payload jsonb NOT NULL,
                         survey_id bigint);
\copy bench.pool (pid, role, answers, payload) FROM pstdin
UPDATE bench.pool p SET survey_id = (SELECT max(s.id) FROM surveys s WHERE s.key = p.role AND s.audience = p.role);

CREATE TABLE bench.pool_resp AS
SELECT pid, role, survey_id, (payload ->> 'index')::numeric::numeric(6, 3) AS index_score, payload ->> 'level' AS level
FROM bench.pool;
CREATE TABLE bench.pool_answers AS
SELECT p.pid, a ->> 'item' AS item_key, (a ->> 'value')::smallint AS value, a ->> 'option' AS option_key,
       COALESCE((a ->> 'dk')::boolean, false) AS dont_know, (a ->> 'score')::numeric::numeric(6, 3) AS score
FROM bench.pool p, jsonb_array_elements(p.payload -> 'answers') AS a;
CREATE TABLE bench.pool_areas AS
SELECT p.pid, s ->> 'area' AS area_key, (s ->> 'score')::numeric::numeric(6, 3) AS score, s ->> 'level' AS level
FROM bench.pool p, jsonb_array_elements(p.payload -> 'areas') AS s;

-- Base services: the survey's frequency items, answered (not "don't know").
CREATE TABLE bench.pool_services AS
SELECT a.pid, d ->> 'service' AS service,
       CASE WHEN a.value >= (v.definition #>> '{scales,frequency,regular_from}')::integer THEN 1 ELSE 0 END AS regular
FROM bench.pool_answers a
JOIN bench.pool p ON p.pid = a.pid
JOIN surveys v ON v.id = p.survey_id
CROSS JOIN LATERAL jsonb_array_elements(v.definition -> 'items') d
WHERE d ->> 'type' = 'frequency' AND d ->> 'key' = a.item_key AND NOT a.dont_know;

-- Alpha: areas of more than one item whose every item the response scored.
CREATE TABLE bench.pool_alpha AS
WITH complete AS (
    SELECT p.pid, c.area_key
    FROM bench.pool p
    JOIN survey_items c ON c.survey_id = p.survey_id
    LEFT JOIN bench.pool_answers ca ON ca.pid = p.pid AND ca.item_key = c.key
    GROUP BY p.pid, c.area_key
    HAVING count(*) = count(ca.score) AND count(*) > 1)
SELECT p.pid, p.survey_id, si.area_key, si.key AS item_key, a.score
FROM bench.pool p
JOIN survey_items si ON si.survey_id = p.survey_id
JOIN bench.pool_answers a ON a.pid = p.pid AND a.item_key = si.key
JOIN complete c ON c.pid = p.pid AND c.area_key = si.area_key
WHERE a.score IS NOT NULL
UNION ALL
SELECT p.pid, p.survey_id, si.area_key, '*', sum(a.score)
FROM bench.pool p
JOIN survey_items si ON si.survey_id = p.survey_id
JOIN bench.pool_answers a ON a.pid = p.pid AND a.item_key = si.key
GROUP BY p.pid, p.survey_id, si.area_key
HAVING count(*) = (SELECT count(*) FROM survey_items c WHERE c.survey_id = p.survey_id AND c.area_key = si.area_key)
   AND count(a.score) = count(*) AND count(*) > 1;

CREATE INDEX ON bench.pool_answers (pid);
CREATE INDEX ON bench.pool_areas (pid);
ANALYZE bench.pool, bench.pool_resp, bench.pool_answers, bench.pool_areas, bench.pool_services, bench.pool_alpha;
