-- Cheaper reads of the aggregates, in two parts.
--
-- 1. Folded shards. Submissions add to one of several shard rows per
-- key so that they do not queue on one row lock; readers sum over the
-- shards, so a key costs up to 8 rows to read (64 for alpha). The
-- scheduler now folds the shard rows into one row per key, shard -1, which
-- only mg_agg_compact writes: readers then meet one row per key plus the
-- shard rows of the submissions since the last pass.
--
-- Rows a submission holds locked are skipped (FOR UPDATE SKIP LOCKED) and
-- folded at a later pass, so folding never waits for a submission and
-- never deadlocks with one; a submission that meets a row being folded
-- waits for the fold to commit and then writes a new shard row. Sums move
-- inside one transaction, so a reader sees them before or after, never
-- twice or not at all. The caller serialises folds (an advisory lock).
--
-- 2. The paired change as an aggregate (agg_paired). It used to be a join
-- of two rounds' responses by pseudonym per request (seconds at a million
-- responses). Now a pair is counted when the second of its two responses
-- is stored and uncounted when either leaves while the other is stored.

ALTER TABLE agg_responses DROP CONSTRAINT agg_responses_shard_check;
ALTER TABLE agg_responses ADD CONSTRAINT agg_responses_shard_check CHECK (shard BETWEEN -1 AND 7);
ALTER TABLE agg_scores DROP CONSTRAINT agg_scores_shard_check;
ALTER TABLE agg_scores ADD CONSTRAINT agg_scores_shard_check CHECK (shard BETWEEN -1 AND 7);
ALTER TABLE agg_levels DROP CONSTRAINT agg_levels_shard_check;
ALTER TABLE agg_levels ADD CONSTRAINT agg_levels_shard_check CHECK (shard BETWEEN -1 AND 7);
ALTER TABLE agg_services DROP CONSTRAINT agg_services_shard_check;
ALTER TABLE agg_services ADD CONSTRAINT agg_services_shard_check CHECK (shard BETWEEN -1 AND 7);
ALTER TABLE agg_alpha DROP CONSTRAINT agg_alpha_shard_check;
ALTER TABLE agg_alpha ADD CONSTRAINT agg_alpha_shard_check CHECK (shard BETWEEN -1 AND 63);
ALTER TABLE agg_invited DROP CONSTRAINT agg_invited_shard_check;
ALTER TABLE agg_invited ADD CONSTRAINT agg_invited_shard_check CHECK (shard BETWEEN -1 AND 7);

-- The within-person change of the maturity index between a round and the
-- previous round of its series (both pseudonymous): per unit (of the later
-- response) and role, the number of pairs and the sums of the differences
-- and of their squares.
CREATE TABLE agg_paired (
    round_id bigint NOT NULL REFERENCES rounds (id),
    unit_id  bigint NOT NULL REFERENCES units (id),
    role     text NOT NULL CHECK (role IN ('staff', 'manager')),
    shard    smallint NOT NULL CHECK (shard BETWEEN -1 AND 7),
    n        bigint NOT NULL DEFAULT 0,
    sum      numeric NOT NULL DEFAULT 0,
    sumsq    numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id, role, shard)
);
COMMENT ON TABLE agg_paired IS 'Paired change of the index per round, unit and role: count and sums of within-person differences from the previous round of the series. No pseudonym.';

-- The pairs response p_response makes, added (p_sign 1) or removed (-1):
-- with its person's response of the previous round (the change counts for
-- this round) and with that of the next round (it counts for that round).
-- A pair is counted once: when the second of its responses is stored.
CREATE FUNCTION mg_agg_paired(p_response uuid, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r responses%ROWTYPE;
    cur rounds%ROWTYPE;
    v_shard smallint := (txid_current() % 8)::smallint;
    v_other bigint;
    o record;
BEGIN
    SELECT * INTO r FROM responses WHERE id = p_response;
    IF NOT FOUND OR r.pseudonym IS NULL OR r.index_score IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO cur FROM rounds WHERE id = r.round_id;
    IF cur.series_id IS NULL OR cur.mode <> 'pseudonymous' THEN
        RETURN;
    END IF;
    -- One person's two rounds in two transactions at once would each miss
    -- the other's response: they take turns.
    PERFORM pg_advisory_xact_lock(hashtextextended(encode(r.pseudonym, 'hex'), 7));

    SELECT id INTO v_other FROM rounds
     WHERE series_id = cur.series_id AND seq < cur.seq AND mode = 'pseudonymous'
       AND seq = (SELECT max(seq) FROM rounds WHERE series_id = cur.series_id AND seq < cur.seq);
    IF FOUND THEN
        SELECT index_score INTO o FROM responses
         WHERE round_id = v_other AND pseudonym = r.pseudonym AND role = r.role AND index_score IS NOT NULL;
        IF FOUND THEN
            INSERT INTO agg_paired AS a (round_id, unit_id, role, shard, n, sum, sumsq)
            VALUES (r.round_id, r.unit_id, r.role, v_shard, p_sign, p_sign * (r.index_score - o.index_score),
                    p_sign * (r.index_score - o.index_score) * (r.index_score - o.index_score))
            ON CONFLICT (round_id, unit_id, role, shard)
            DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;
        END IF;
    END IF;

    SELECT id INTO v_other FROM rounds
     WHERE series_id = cur.series_id AND seq > cur.seq AND mode = 'pseudonymous'
       AND seq = (SELECT min(seq) FROM rounds WHERE series_id = cur.series_id AND seq > cur.seq);
    IF FOUND THEN
        SELECT unit_id, index_score INTO o FROM responses
         WHERE round_id = v_other AND pseudonym = r.pseudonym AND role = r.role AND index_score IS NOT NULL;
        IF FOUND THEN
            INSERT INTO agg_paired AS a (round_id, unit_id, role, shard, n, sum, sumsq)
            VALUES (v_other, o.unit_id, r.role, v_shard, p_sign, p_sign * (o.index_score - r.index_score),
                    p_sign * (o.index_score - r.index_score) * (o.index_score - r.index_score))
            ON CONFLICT (round_id, unit_id, role, shard)
            DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;
        END IF;
    END IF;
END;
$$;

-- mg_agg_response keeps its body under a new name; the name every caller
-- uses now also keeps the pairs.
ALTER FUNCTION mg_agg_response(uuid, integer) RENAME TO mg_agg_response_sums;
CREATE FUNCTION mg_agg_response(p_response uuid, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mg_agg_response_sums(p_response, p_sign);
    PERFORM mg_agg_paired(p_response, p_sign);
END;
$$;
COMMENT ON FUNCTION mg_agg_response(uuid, integer) IS 'Adds (+1) or removes (-1) one stored response to or from the agg_* tables, pairs included; reads only that response''s rows and its person''s neighbouring responses.';

-- Every pair of the stored responses of the rounds `p_rounds` (all rounds
-- when NULL), from scratch: the join the indicators used to run per
-- request. For filling agg_paired in bulk (below, the bench's loader, and
-- the tests' re-aggregation); mg_agg_paired keeps it one response at a time.
CREATE FUNCTION mg_paired_from_responses(p_rounds bigint[] DEFAULT NULL)
RETURNS TABLE (round_id bigint, unit_id bigint, role text, n bigint, sum numeric, sumsq numeric)
LANGUAGE sql STABLE AS $$
SELECT c.round_id, c.unit_id, c.role, count(*), sum(c.index_score - p.index_score),
       sum((c.index_score - p.index_score) * (c.index_score - p.index_score))
  FROM rounds rc
  JOIN rounds rp ON rp.series_id = rc.series_id AND rp.mode = 'pseudonymous'
   AND rp.seq = (SELECT max(seq) FROM rounds x WHERE x.series_id = rc.series_id AND x.seq < rc.seq)
  JOIN responses c ON c.round_id = rc.id AND c.pseudonym IS NOT NULL AND c.index_score IS NOT NULL
  JOIN responses p ON p.round_id = rp.id AND p.pseudonym = c.pseudonym AND p.role = c.role
   AND p.index_score IS NOT NULL
 WHERE rc.mode = 'pseudonymous' AND (p_rounds IS NULL OR rc.id = ANY (p_rounds))
 GROUP BY 1, 2, 3
$$;

-- The pairs of the responses stored so far.
INSERT INTO agg_paired (round_id, unit_id, role, shard, n, sum, sumsq)
SELECT round_id, unit_id, role, -1, n, sum, sumsq FROM mg_paired_from_responses();

-- Folds every unlocked shard row into its key's row -1; returns how many
-- shard rows it folded.
CREATE FUNCTION mg_agg_compact() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_total bigint := 0;
    v_n bigint;
BEGIN
    WITH picked AS (
        SELECT round_id, unit_id, role, shard FROM agg_responses WHERE shard >= 0 FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_responses WHERE (round_id, unit_id, role, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_responses AS a (round_id, unit_id, role, shard, n, paper)
        SELECT round_id, unit_id, role, -1, sum(n), sum(paper) FROM gone GROUP BY 1, 2, 3
        ON CONFLICT (round_id, unit_id, role, shard)
        DO UPDATE SET n = a.n + EXCLUDED.n, paper = a.paper + EXCLUDED.paper
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    WITH picked AS (
        SELECT round_id, unit_id, role, area_key, shard FROM agg_scores WHERE shard >= 0
        FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_scores WHERE (round_id, unit_id, role, area_key, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_scores AS a (round_id, unit_id, role, area_key, shard, n, sum, sumsq)
        SELECT round_id, unit_id, role, area_key, -1, sum(n), sum(sum), sum(sumsq) FROM gone GROUP BY 1, 2, 3, 4
        ON CONFLICT (round_id, unit_id, role, area_key, shard)
        DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    WITH picked AS (
        SELECT round_id, unit_id, role, area_key, level, shard FROM agg_levels WHERE shard >= 0
        FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_levels WHERE (round_id, unit_id, role, area_key, level, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_levels AS a (round_id, unit_id, role, area_key, level, shard, n)
        SELECT round_id, unit_id, role, area_key, level, -1, sum(n) FROM gone GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (round_id, unit_id, role, area_key, level, shard)
        DO UPDATE SET n = a.n + EXCLUDED.n
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    WITH picked AS (
        SELECT round_id, unit_id, role, service, shard FROM agg_services WHERE shard >= 0
        FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_services WHERE (round_id, unit_id, role, service, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_services AS a (round_id, unit_id, role, service, shard, answered, regular)
        SELECT round_id, unit_id, role, service, -1, sum(answered), sum(regular) FROM gone GROUP BY 1, 2, 3, 4
        ON CONFLICT (round_id, unit_id, role, service, shard)
        DO UPDATE SET answered = a.answered + EXCLUDED.answered, regular = a.regular + EXCLUDED.regular
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    WITH picked AS (
        SELECT round_id, survey_id, area_key, item_key, shard FROM agg_alpha WHERE shard >= 0
        FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_alpha WHERE (round_id, survey_id, area_key, item_key, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_alpha AS a (round_id, survey_id, area_key, item_key, shard, n, sum, sumsq)
        SELECT round_id, survey_id, area_key, item_key, -1, sum(n), sum(sum), sum(sumsq) FROM gone
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (round_id, survey_id, area_key, item_key, shard)
        DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    WITH picked AS (
        SELECT round_id, unit_id, role, shard FROM agg_invited WHERE shard >= 0 FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_invited WHERE (round_id, unit_id, role, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_invited AS a (round_id, unit_id, role, shard, n)
        SELECT round_id, unit_id, role, -1, sum(n) FROM gone GROUP BY 1, 2, 3
        ON CONFLICT (round_id, unit_id, role, shard) DO UPDATE SET n = a.n + EXCLUDED.n
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    WITH picked AS (
        SELECT round_id, unit_id, role, shard FROM agg_paired WHERE shard >= 0 FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM agg_paired WHERE (round_id, unit_id, role, shard) IN (SELECT * FROM picked)
        RETURNING *
    ), folded AS (
        INSERT INTO agg_paired AS a (round_id, unit_id, role, shard, n, sum, sumsq)
        SELECT round_id, unit_id, role, -1, sum(n), sum(sum), sum(sumsq) FROM gone GROUP BY 1, 2, 3
        ON CONFLICT (round_id, unit_id, role, shard)
        DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq
    )
    SELECT count(*) INTO v_n FROM gone;
    v_total := v_total + v_n;

    RETURN v_total;
END;
$$;
COMMENT ON FUNCTION mg_agg_compact() IS 'Folds aggregate shard rows into one row per key (shard -1); run by the scheduler under an advisory lock.';
