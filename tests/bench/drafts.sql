-- drafts.sql: every respondent session of round :r2 whose draft is still
-- empty gets a full survey as its draft (a pool response's answers, as the
-- page posts would have saved them), ready for POST /survey/submit.
WITH c AS (SELECT role, min(pid) AS p0, count(*) AS np FROM bench.pool GROUP BY role)
UPDATE respondent_sessions s
SET draft = jsonb_build_object('answers', p.answers, 'submitted', false)
FROM c, bench.pool p
WHERE s.round_id = :r2 AND s.draft -> 'answers' = '{}'::jsonb AND c.role = s.role
  AND p.pid = c.p0 + (hashtext(encode(s.token_hash, 'hex')) & 2147483647) % c.np;
