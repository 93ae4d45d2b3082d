-- The paper channel for anonymous rounds: a paper response typed in by an
-- analyst waits in anonymous_queue like a web submission and keeps its
-- channel when the shuffled batch is stored.

ALTER TABLE anonymous_queue
    ADD COLUMN channel text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'paper'));
COMMENT ON COLUMN anonymous_queue.channel IS 'How the response came in: web, or paper typed in by an analyst. Says nothing about who answered.';

CREATE OR REPLACE FUNCTION mg_flush_anonymous(p_round bigint, p_min integer) RETURNS integer
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
        PERFORM mg_store_response(q.round_id, q.survey_id, q.unit_id, q.role, NULL, q.channel, q.payload);
    END LOOP;
    RETURN v_n;
END $$;
