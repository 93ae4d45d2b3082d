-- bulk.sql: stores every response of bench.map (one row per response: its
-- id, round, unit, role, pool response, pseudonym, day) with its answers and
-- area scores, and adds them to the aggregates in bulk with
-- INSERT ... SELECT ... GROUP BY: the same sums mg_agg_response would make
-- one response at a time (gen.sh checks this on a sample). Shards: the
-- response number modulo 8 (64 for alpha), so readers meet several shards.
INSERT INTO responses (id, round_id, survey_id, unit_id, role, pseudonym, channel, submitted_on, index_score, level)
SELECT m.id, m.round_id, r.survey_id, m.unit_id, m.role, m.pseudonym, 'web', m.day, r.index_score, r.level
FROM bench.map m JOIN bench.pool_resp r USING (pid);

INSERT INTO response_answers (response_id, item_key, value, option_key, dont_know, score)
SELECT m.id, a.item_key, a.value, a.option_key, a.dont_know, a.score
FROM bench.map m JOIN bench.pool_answers a USING (pid);

INSERT INTO response_area_scores (response_id, area_key, score, level)
SELECT m.id, s.area_key, s.score, s.level
FROM bench.map m JOIN bench.pool_areas s USING (pid);

CREATE TEMP TABLE cnt AS
SELECT round_id, unit_id, role, (n % 8)::smallint AS shard, pid, count(*) AS c
FROM bench.map GROUP BY 1, 2, 3, 4, 5;
CREATE TEMP TABLE cnt64 AS
SELECT m.round_id, r.survey_id, (m.n % 64)::smallint AS shard, m.pid, count(*) AS c
FROM bench.map m JOIN bench.pool_resp r USING (pid) GROUP BY 1, 2, 3, 4;
ANALYZE cnt, cnt64;

INSERT INTO agg_responses AS a (round_id, unit_id, role, shard, n, paper)
SELECT round_id, unit_id, role, shard, sum(c), 0 FROM cnt GROUP BY 1, 2, 3, 4
ON CONFLICT (round_id, unit_id, role, shard)
DO UPDATE SET n = a.n + EXCLUDED.n, paper = a.paper + EXCLUDED.paper;

INSERT INTO agg_scores AS a (round_id, unit_id, role, area_key, shard, n, sum, sumsq)
SELECT c.round_id, c.unit_id, c.role, s.area_key, c.shard, sum(c.c), sum(c.c * s.score), sum(c.c * s.score * s.score)
FROM cnt c
JOIN (SELECT pid, area_key, score FROM bench.pool_areas
      UNION ALL
      SELECT pid, '*', index_score FROM bench.pool_resp WHERE index_score IS NOT NULL) s USING (pid)
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (round_id, unit_id, role, area_key, shard)
DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;

INSERT INTO agg_levels AS a (round_id, unit_id, role, area_key, level, shard, n)
SELECT c.round_id, c.unit_id, c.role, s.area_key, s.level, c.shard, sum(c.c)
FROM cnt c
JOIN (SELECT pid, area_key, level FROM bench.pool_areas
      UNION ALL
      SELECT pid, '*', level FROM bench.pool_resp WHERE level IS NOT NULL) s USING (pid)
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (round_id, unit_id, role, area_key, level, shard)
DO UPDATE SET n = a.n + EXCLUDED.n;

INSERT INTO agg_services AS a (round_id, unit_id, role, service, shard, answered, regular)
SELECT c.round_id, c.unit_id, c.role, s.service, c.shard, sum(c.c), sum(c.c * s.regular)
FROM cnt c JOIN bench.pool_services s USING (pid)
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (round_id, unit_id, role, service, shard)
DO UPDATE SET answered = a.answered + EXCLUDED.answered, regular = a.regular + EXCLUDED.regular;

INSERT INTO agg_alpha AS a (round_id, survey_id, area_key, item_key, shard, n, sum, sumsq)
SELECT c.round_id, c.survey_id, x.area_key, x.item_key, c.shard, sum(c.c), sum(c.c * x.score), sum(c.c * x.score * x.score)
FROM cnt64 c JOIN bench.pool_alpha x ON x.pid = c.pid AND x.survey_id = c.survey_id
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (round_id, survey_id, area_key, item_key, shard)
DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;

DROP TABLE cnt, cnt64;

-- The paired change, as sql/007_compact.sql fills agg_paired (the tests
-- check that against the pairs mg_agg_response keeps).
INSERT INTO agg_paired AS a (round_id, unit_id, role, shard, n, sum, sumsq)
SELECT round_id, unit_id, role, 0, n, sum, sumsq
FROM mg_paired_from_responses(ARRAY(SELECT DISTINCT round_id FROM bench.map))
ON CONFLICT (round_id, unit_id, role, shard)
DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;
