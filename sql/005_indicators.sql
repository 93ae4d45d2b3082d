-- 005_indicators: what the indicators need beyond the aggregates of 003.
--
-- * Shards are picked from the transaction id instead of at random, and
--   rows are touched in key order: a revision (remove, then add, in one
--   transaction) stays on one shard, and two transactions on the same
--   shard queue rather than deadlock.
-- * Cronbach's alpha is a round-wide figure, so every submission of a
--   round touches its rows: they get 64 shards rather than 8.
-- * Invitations are counted per round, unit and role by a trigger, so a
--   response rate (and the privacy rule's "nobody was invited here") costs
--   the same however many people were invited.
--
-- The statistics computed from the aggregates are in C (server/stats.c),
-- the privacy rule applied to them is in C (server/privacy.c), and
-- docs/indicators.md explains every figure in plain words.

ALTER TABLE agg_alpha DROP CONSTRAINT agg_alpha_shard_check;
ALTER TABLE agg_alpha ADD CONSTRAINT agg_alpha_shard_check CHECK (shard BETWEEN 0 AND 63);

-- Invitations per round, unit and role, kept by a trigger on invitations,
-- so response rates (and the privacy rule's "nobody was invited here")
-- cost the same however many people were invited.
CREATE TABLE agg_invited (
    round_id bigint NOT NULL REFERENCES rounds (id),
    unit_id  bigint NOT NULL REFERENCES units (id),
    role     text NOT NULL CHECK (role IN ('staff', 'manager')),
    shard    smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
    n        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id, role, shard)
);
COMMENT ON TABLE agg_invited IS 'Number of invitations per round, unit and role (kept by the invitations_agg triggers). Counts only: no token, no status.';

INSERT INTO agg_invited (round_id, unit_id, role, shard, n)
SELECT round_id, unit_id, role, 0, count(*) FROM invitations GROUP BY 1, 2, 3;

CREATE FUNCTION mg_agg_invitation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_shard smallint := (txid_current() % 8)::smallint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO agg_invited AS a (round_id, unit_id, role, shard, n)
        VALUES (OLD.round_id, OLD.unit_id, OLD.role, v_shard, -1)
        ON CONFLICT (round_id, unit_id, role, shard) DO UPDATE SET n = a.n - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO agg_invited AS a (round_id, unit_id, role, shard, n)
        VALUES (NEW.round_id, NEW.unit_id, NEW.role, v_shard, 1)
        ON CONFLICT (round_id, unit_id, role, shard) DO UPDATE SET n = a.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_agg AFTER INSERT OR DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION mg_agg_invitation();
CREATE TRIGGER invitations_agg_move AFTER UPDATE OF round_id, unit_id, role ON invitations
    FOR EACH ROW WHEN ((OLD.round_id, OLD.unit_id, OLD.role) IS DISTINCT FROM (NEW.round_id, NEW.unit_id, NEW.role))
    EXECUTE FUNCTION mg_agg_invitation();

-- Adds (p_sign = 1) or removes (p_sign = -1) one stored response: called
-- after a response and its rows are inserted, and before they are deleted.
CREATE OR REPLACE FUNCTION mg_agg_response(p_response uuid, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r responses%ROWTYPE;
    v_shard smallint := (txid_current() % 8)::smallint;
    v_alpha_shard smallint := (txid_current() % 64)::smallint;
    v_regular integer;
BEGIN
    IF p_sign IS NULL OR p_sign NOT IN (1, -1) THEN
        RAISE EXCEPTION 'mg_agg_response: sign must be 1 or -1, not %', p_sign;
    END IF;
    SELECT * INTO r FROM responses WHERE id = p_response;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mg_agg_response: no response %', p_response;
    END IF;

    INSERT INTO agg_responses AS a (round_id, unit_id, role, shard, n, paper)
    VALUES (r.round_id, r.unit_id, r.role, v_shard, p_sign, CASE WHEN r.channel = 'paper' THEN p_sign ELSE 0 END)
    ON CONFLICT (round_id, unit_id, role, shard)
    DO UPDATE SET n = a.n + EXCLUDED.n, paper = a.paper + EXCLUDED.paper;

    -- Area scores and the index ('*'), with their levels.
    INSERT INTO agg_scores AS a (round_id, unit_id, role, area_key, shard, n, sum, sumsq)
    SELECT r.round_id, r.unit_id, r.role, s.area_key, v_shard, p_sign, p_sign * s.score, p_sign * s.score * s.score
    FROM (SELECT area_key, score FROM response_area_scores WHERE response_id = p_response
          UNION ALL
          SELECT '*', r.index_score WHERE r.index_score IS NOT NULL) s
    ORDER BY s.area_key
    ON CONFLICT (round_id, unit_id, role, area_key, shard)
    DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;

    INSERT INTO agg_levels AS a (round_id, unit_id, role, area_key, level, shard, n)
    SELECT r.round_id, r.unit_id, r.role, s.area_key, s.level, v_shard, p_sign
    FROM (SELECT area_key, level FROM response_area_scores WHERE response_id = p_response
          UNION ALL
          SELECT '*', r.level WHERE r.level IS NOT NULL) s
    ORDER BY s.area_key, s.level
    ON CONFLICT (round_id, unit_id, role, area_key, level, shard)
    DO UPDATE SET n = a.n + EXCLUDED.n;

    -- Base services: the survey's frequency items.
    SELECT (definition #>> '{scales,frequency,regular_from}')::integer INTO v_regular
    FROM surveys WHERE id = r.survey_id;
    INSERT INTO agg_services AS a (round_id, unit_id, role, service, shard, answered, regular)
    SELECT r.round_id, r.unit_id, r.role, i.definition ->> 'service', v_shard, p_sign,
           CASE WHEN ans.value >= v_regular THEN p_sign ELSE 0 END
    FROM response_answers ans
    JOIN (SELECT d AS definition FROM surveys v, jsonb_array_elements(v.definition -> 'items') d
          WHERE v.id = r.survey_id AND d ->> 'type' = 'frequency') i ON i.definition ->> 'key' = ans.item_key
    WHERE ans.response_id = p_response AND NOT ans.dont_know
    ORDER BY i.definition ->> 'service'
    ON CONFLICT (round_id, unit_id, role, service, shard)
    DO UPDATE SET answered = a.answered + EXCLUDED.answered, regular = a.regular + EXCLUDED.regular;

    -- Reliability: areas of more than one item whose every item this
    -- response scored.
    INSERT INTO agg_alpha AS a (round_id, survey_id, area_key, item_key, shard, n, sum, sumsq)
    SELECT r.round_id, r.survey_id, x.area_key, x.item_key, v_alpha_shard, p_sign, p_sign * x.score, p_sign * x.score * x.score
    FROM (
        SELECT si.area_key, si.key AS item_key, ans.score AS score
        FROM survey_items si JOIN response_answers ans ON ans.item_key = si.key AND ans.response_id = p_response
        WHERE si.survey_id = r.survey_id AND ans.score IS NOT NULL
          AND si.area_key IN (SELECT c.area_key FROM survey_items c
                              LEFT JOIN response_answers ca ON ca.item_key = c.key AND ca.response_id = p_response
                              WHERE c.survey_id = r.survey_id
                              GROUP BY c.area_key HAVING count(*) = count(ca.score) AND count(*) > 1)
        UNION ALL
        SELECT si.area_key, '*', sum(ans.score)
        FROM survey_items si JOIN response_answers ans ON ans.item_key = si.key AND ans.response_id = p_response
        WHERE si.survey_id = r.survey_id
        GROUP BY si.area_key
        HAVING count(*) = (SELECT count(*) FROM survey_items c WHERE c.survey_id = r.survey_id AND c.area_key = si.area_key)
           AND count(ans.score) = count(*) AND count(*) > 1
    ) x
    ORDER BY x.area_key, x.item_key
    ON CONFLICT (round_id, survey_id, area_key, item_key, shard)
    DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;
END $$;
COMMENT ON FUNCTION mg_agg_response(uuid, integer) IS 'Adds (+1) or removes (-1) one stored response to or from the agg_* tables; reads only that response''s rows.';

COMMENT ON TABLE agg_responses IS 'Number of stored responses per round, unit (the unit alone, not its subtree) and role, in shards summed by readers. Holds counts only: nothing about any one response.';
COMMENT ON COLUMN agg_responses.paper IS 'How many of them came in on paper.';
COMMENT ON TABLE agg_scores IS 'Per round, unit, role and area (''*'': the maturity index): how many scores, their sum and their sum of squares. Sufficient for mean, standard deviation and confidence interval; no single score can be read back.';
COMMENT ON TABLE agg_levels IS 'Per round, unit, role and area (''*'': the index): how many responses reached each level of the staircase.';
COMMENT ON TABLE agg_services IS 'Per round, unit, role and base service: how many answered its frequency item (not "not relevant") and how many of them use it regularly (at or above the scale''s regular_from).';
COMMENT ON TABLE agg_alpha IS 'For Cronbach''s alpha per round and area: over responses that scored every item of the area, each item''s count, sum and sum of squares, and (item_key ''*'') those of the area total. Organisation-wide only; no unit, no role.';
COMMENT ON TABLE agg_invited IS 'Number of invitations per round, unit and role (kept by the invitations_agg triggers). Counts only: no token, no status.';
