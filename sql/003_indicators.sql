-- Aggregates for the indicators: sufficient statistics per round, unit and
-- role, kept up to date as responses arrive, are revised or leave, so an
-- overview costs the same at a thousand or a million responses.
--
-- Sums are numeric, so they are exact: scores have three decimals, and a
-- revised response leaves no rounding behind when it is taken out.
--
-- Every table has a `shard` column: a submission adds to one of eight
-- rows chosen at random, so simultaneous submissions in one unit do not
-- queue on one row lock. Readers sum over shards; a removal may land on
-- another shard than the addition did, which the sums do not mind.

-- Responses per round, unit and role (whatever they answered).
CREATE TABLE agg_responses (
    round_id bigint NOT NULL REFERENCES rounds (id),
    unit_id  bigint NOT NULL REFERENCES units (id),
    role     text NOT NULL CHECK (role IN ('staff', 'manager')),
    shard    smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
    n        bigint NOT NULL DEFAULT 0,
    paper    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id, role, shard)
);

-- Scores: area_key is an area of the survey, or '*' for the maturity index.
-- n, sum and sum of squares give the mean, standard deviation and CI.
CREATE TABLE agg_scores (
    round_id bigint NOT NULL REFERENCES rounds (id),
    unit_id  bigint NOT NULL REFERENCES units (id),
    role     text NOT NULL CHECK (role IN ('staff', 'manager')),
    area_key text NOT NULL,
    shard    smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
    n        bigint NOT NULL DEFAULT 0,
    sum      numeric NOT NULL DEFAULT 0,
    sumsq    numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id, role, area_key, shard)
);

-- The staircase: how many reached each level, per area and for the index.
CREATE TABLE agg_levels (
    round_id bigint NOT NULL REFERENCES rounds (id),
    unit_id  bigint NOT NULL REFERENCES units (id),
    role     text NOT NULL CHECK (role IN ('staff', 'manager')),
    area_key text NOT NULL,
    level    text NOT NULL,
    shard    smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
    n        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id, role, area_key, level, shard)
);

-- Base-service adoption: per frequency item, how many answered (not
-- "don't know") and how many at or above the scale's regular_from.
CREATE TABLE agg_services (
    round_id bigint NOT NULL REFERENCES rounds (id),
    unit_id  bigint NOT NULL REFERENCES units (id),
    role     text NOT NULL CHECK (role IN ('staff', 'manager')),
    service  text NOT NULL,
    shard    smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
    answered bigint NOT NULL DEFAULT 0,
    regular  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, unit_id, role, service, shard)
);

-- Cronbach's alpha per area for the whole round: over the responses that
-- scored every item of the area (complete cases), each item's sum and sum
-- of squares, and (item_key '*') those of the area total.
CREATE TABLE agg_alpha (
    round_id bigint NOT NULL REFERENCES rounds (id),
    survey_id bigint NOT NULL REFERENCES surveys (id),
    area_key text NOT NULL,
    item_key text NOT NULL,
    shard    smallint NOT NULL CHECK (shard BETWEEN 0 AND 7),
    n        bigint NOT NULL DEFAULT 0,
    sum      numeric NOT NULL DEFAULT 0,
    sumsq    numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, survey_id, area_key, item_key, shard)
);

-- Adds (p_sign = 1) or removes (p_sign = -1) one stored response.
CREATE FUNCTION mg_agg_response(p_response uuid, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r responses%ROWTYPE;
    v_shard smallint := floor(random() * 8)::smallint;
    v_regular integer;
BEGIN
    IF p_sign NOT IN (1, -1) THEN
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
    ON CONFLICT (round_id, unit_id, role, area_key, shard)
    DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;

    INSERT INTO agg_levels AS a (round_id, unit_id, role, area_key, level, shard, n)
    SELECT r.round_id, r.unit_id, r.role, s.area_key, s.level, v_shard, p_sign
    FROM (SELECT area_key, level FROM response_area_scores WHERE response_id = p_response
          UNION ALL
          SELECT '*', r.level WHERE r.level IS NOT NULL) s
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
    ON CONFLICT (round_id, unit_id, role, service, shard)
    DO UPDATE SET answered = a.answered + EXCLUDED.answered, regular = a.regular + EXCLUDED.regular;

    -- Reliability: areas whose every item this response scored.
    INSERT INTO agg_alpha AS a (round_id, survey_id, area_key, item_key, shard, n, sum, sumsq)
    SELECT r.round_id, r.survey_id, x.area_key, x.item_key, v_shard, p_sign, p_sign * x.score, p_sign * x.score * x.score
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
    ON CONFLICT (round_id, survey_id, area_key, item_key, shard)
    DO UPDATE SET n = a.n + EXCLUDED.n, sum = a.sum + EXCLUDED.sum, sumsq = a.sumsq + EXCLUDED.sumsq;
END $$;
