-- map.sql: who answered what, as bench.map: :n responses over rounds :r1
-- (first half) and :r2 (second half) of a pseudonymous series. Three in
-- four people of the first round answer the second too (the same
-- pseudonym, so pairs exist); the rest of the second round is new people.
-- A person's unit, role and answers are hashes of their number: about 1
-- in 12 is a manager, 1 in 20 sits in a department, the rest in sections.
DROP TABLE IF EXISTS bench.map;
CREATE TABLE bench.map AS
WITH p AS (
    SELECT (SELECT array_agg(u.id ORDER BY u.id) FROM units u
            WHERE NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)) AS leaves,
           (SELECT array_agg(u.id ORDER BY u.id) FROM units u
            WHERE nlevel(u.path) = 3 AND EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)) AS depts,
           (SELECT count(*) FROM bench.pool WHERE role = 'staff') AS nstaff,
           (SELECT count(*) FROM bench.pool WHERE role = 'manager') AS nmgr,
           (SELECT min(pid) FROM bench.pool WHERE role = 'staff') AS staff0,
           (SELECT min(pid) FROM bench.pool WHERE role = 'manager') AS mgr0,
           (SELECT opens_at::date FROM rounds WHERE id = :r1) AS day1,
           (SELECT opens_at::date FROM rounds WHERE id = :r2) AS day2
), r AS (
    SELECT g AS n,
           CASE WHEN g <= :n / 2 THEN :r1 ELSE :r2 END::bigint AS round_id,
           CASE WHEN g <= :n / 2 THEN g
                WHEN (g - :n / 2) % 4 = 0 THEN :n + g
                ELSE g - :n / 2 END::bigint AS person,
           CASE WHEN g <= :n / 2 THEN 1 ELSE 2 END AS seq
    FROM generate_series(1, :n) g
), h AS (
    SELECT r.*, hashint8(r.person * 16 + 1) & 2147483647 AS h1, hashint8(r.person * 16 + 2) & 2147483647 AS h2,
           hashint8(r.person * 16 + 3) & 2147483647 AS h3, hashint8(r.person * 16 + r.seq + 4) & 2147483647 AS h4
    FROM r
)
SELECT h.n, gen_random_uuid() AS id, h.round_id, h.person,
       CASE WHEN h.h3 % 20 = 0 THEN p.depts[1 + h.h2 % array_length(p.depts, 1)]
            ELSE p.leaves[1 + h.h2 % array_length(p.leaves, 1)] END AS unit_id,
       CASE WHEN h.h1 % 12 = 0 AND p.nmgr > 0 THEN 'manager' ELSE 'staff' END AS role,
       (CASE WHEN h.h1 % 12 = 0 AND p.nmgr > 0 THEN p.mgr0 + h.h4 % p.nmgr ELSE p.staff0 + h.h4 % p.nstaff END)::int AS pid,
       sha256(convert_to('bench:' || :'tag' || ':' || h.person, 'UTF8')) AS pseudonym,
       (CASE WHEN h.seq = 1 THEN p.day1 ELSE p.day2 END) + (h.h4 % 21)::int AS day
FROM h, p;
ANALYZE bench.map;
