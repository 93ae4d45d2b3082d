-- invitations.sql: the invitations of bench.map's rounds: one per response
-- (completed, with its pseudonym) and about three non-respondents to every
-- seven respondents (invited or started), so response rates are about 70%.
-- The counting trigger is off during the bulk insert; agg_invited is then
-- built with GROUP BY, as the trigger would have counted.
ALTER TABLE invitations DISABLE TRIGGER invitations_agg;
CREATE TEMP TABLE inv AS
SELECT m.round_id, m.person, m.unit_id, m.role, 'completed' AS status, m.pseudonym FROM bench.map m
UNION ALL
SELECT m.round_id, m.person + 1000000000, m.unit_id, m.role,
       CASE WHEN m.n % 10 = 0 THEN 'started' ELSE 'invited' END,
       sha256(convert_to('bench:' || :'tag' || ':nr:' || m.person, 'UTF8'))
FROM bench.map m WHERE m.n % 7 < 3;
INSERT INTO invitations (round_id, token_hash, unit_id, role, survey_id, status, pseudonym)
SELECT i.round_id, sha256(convert_to('bench-token:' || :'tag' || ':' || i.round_id || ':' || i.person, 'UTF8')),
       i.unit_id, i.role, rs.survey_id, i.status, i.pseudonym
FROM inv i JOIN round_surveys rs ON rs.round_id = i.round_id AND rs.audience = i.role;
ALTER TABLE invitations ENABLE TRIGGER invitations_agg;
INSERT INTO agg_invited AS a (round_id, unit_id, role, shard, n)
SELECT round_id, unit_id, role, (person % 8)::smallint, count(*) FROM inv GROUP BY 1, 2, 3, 4
ON CONFLICT (round_id, unit_id, role, shard) DO UPDATE SET n = a.n + EXCLUDED.n;
DROP TABLE inv;
