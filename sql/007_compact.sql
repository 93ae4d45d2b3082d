-- Compacted aggregates. Submissions add to one of several shard rows per
-- key so that they do not queue on one row lock; readers sum over the
-- shards, so a key costs up to 8 rows to read (64 for alpha). The
-- scheduler now folds the shard rows into one row per key, shard -1, which
-- only this function writes: readers then meet one row per key plus the
-- shard rows of the submissions since the last pass.
--
-- Rows a submission holds locked are skipped (FOR UPDATE SKIP LOCKED) and
-- folded at a later pass, so folding never waits for a submission and
-- never deadlocks with one; a submission that meets a row being folded
-- waits for the fold to commit and then writes a new shard row. Sums move
-- inside one transaction, so a reader sees them before or after, never
-- twice or not at all. The caller serialises folds (an advisory lock).

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

    RETURN v_total;
END;
$$;
COMMENT ON FUNCTION mg_agg_compact() IS 'Folds aggregate shard rows into one row per key (shard -1); run by the scheduler under an advisory lock.';
