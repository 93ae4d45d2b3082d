-- Storing responses: one function for every channel, and the queue that
-- keeps an anonymous response apart from the invitation it came from.

-- Stores one scored response from its payload and adds it to the
-- aggregates (mg_agg_response, sql/003_indicators.sql). The payload is
-- what the scoring module computed:
--   {"index": 71.296 | null, "level": "advanced" | null,
--    "answers": [{"item": "s1", "value": 3, "score": 66.667},
--                {"item": "q1", "option": "b", "score": 100},
--                {"item": "s2", "dk": true, "score": null}, ...],
--    "areas": [{"area": "a1", "score": 63.889, "level": "intermediate"}, ...]}
-- The id is random and submitted_on is the day only.
CREATE FUNCTION mg_store_response(p_round bigint, p_survey bigint, p_unit bigint, p_role text,
                                  p_pseudonym bytea, p_channel text, p_payload jsonb)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO responses (round_id, survey_id, unit_id, role, pseudonym, channel, index_score, level)
    VALUES (p_round, p_survey, p_unit, p_role, p_pseudonym, p_channel,
            (p_payload ->> 'index')::numeric, p_payload ->> 'level')
    RETURNING id INTO v_id;
    INSERT INTO response_answers (response_id, item_key, value, option_key, dont_know, score)
    SELECT v_id, a ->> 'item', (a ->> 'value')::smallint, a ->> 'option',
           COALESCE((a ->> 'dk')::boolean, false), (a ->> 'score')::numeric
    FROM jsonb_array_elements(p_payload -> 'answers') AS a;
    INSERT INTO response_area_scores (response_id, area_key, score, level)
    SELECT v_id, s ->> 'area', (s ->> 'score')::numeric, s ->> 'level'
    FROM jsonb_array_elements(p_payload -> 'areas') AS s;
    PERFORM mg_agg_response(v_id, 1);
    RETURN v_id;
END $$;

-- Removes a stored response (a pseudonymous respondent's earlier
-- submission) from the aggregates and the tables.
CREATE FUNCTION mg_delete_response(p_id uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mg_agg_response(p_id, -1);
    DELETE FROM responses WHERE id = p_id;
END $$;

-- Anonymous responses wait here until a batch of them is moved to
-- responses in random order by one transaction (mg_flush_anonymous): the
-- submission's transaction also marks the invitation completed, so a
-- response written there would share its transaction id (xmin) and its
-- place in the heap with that update. No id, no time, nothing that says
-- which invitation a payload came from.
CREATE TABLE anonymous_queue (
    round_id  bigint NOT NULL REFERENCES rounds (id),
    survey_id bigint NOT NULL REFERENCES surveys (id),
    unit_id   bigint NOT NULL REFERENCES units (id),
    role      text NOT NULL CHECK (role IN ('staff', 'manager')),
    payload   jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object')
);
CREATE INDEX anonymous_queue_round ON anonymous_queue (round_id);
COMMENT ON TABLE anonymous_queue IS 'Anonymous responses waiting to be stored in a shuffled batch, so no transaction id or heap order links a response to its invitation.';

-- Moves round p_round's queued responses to responses, in random order,
-- when at least p_min are waiting; returns how many were moved.
CREATE FUNCTION mg_flush_anonymous(p_round bigint, p_min integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
    q record;
BEGIN
    PERFORM 1 FROM rounds WHERE id = p_round FOR UPDATE;
    SELECT count(*) INTO v_n FROM anonymous_queue WHERE round_id = p_round;
    IF v_n = 0 OR v_n < p_min THEN
        RETURN 0;
    END IF;
    FOR q IN
        WITH moved AS (DELETE FROM anonymous_queue WHERE round_id = p_round RETURNING *)
        SELECT * FROM moved ORDER BY random()
    LOOP
        PERFORM mg_store_response(q.round_id, q.survey_id, q.unit_id, q.role, NULL, 'web', q.payload);
    END LOOP;
    RETURN v_n;
END $$;
