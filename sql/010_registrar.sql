-- 010_registrar: paper entries cannot be used to unmask (issue 16, item 5).
--
-- 1. A role of its own for typing in paper questionnaires, the registrar,
--    who sees no figure and no count of any round; analysts and admins, who
--    see the figures, no longer type paper entries (separation of duties).
-- 2. Paper entries do not count towards releasing an anonymous batch. Were
--    they counted, 9 made-up paper entries and 1 web answer would fill a
--    batch of 10 and the one web respondent's answers would follow from the
--    unit's sums. A batch of an open round now goes out only when at least
--    p_min WEB entries wait; waiting paper entries go out with it (or at
--    the close, when everything that waits goes out).

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'analyst', 'unit-viewer', 'registrar'));
COMMENT ON COLUMN users.role IS 'admin, analyst (rounds, figures, exports), unit-viewer (figures of one unit''s subtree; unit_id set) or registrar (types in paper questionnaires of open rounds; sees no figure and no count).';

-- Moves round p_round's queued responses to responses, in random order,
-- and returns how many were moved. With p_min above 1 (an open round) only
-- once at least p_min web responses wait: paper responses are typed in by
-- HR and prove nothing about how many people are in the batch, so they do
-- not count towards it, though they go out with it. With p_min 1 or less
-- (the close) everything that waits goes out.
CREATE OR REPLACE FUNCTION mg_flush_anonymous(p_round bigint, p_min integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
    v_web integer;
    q record;
BEGIN
    PERFORM 1 FROM rounds WHERE id = p_round FOR UPDATE;
    SELECT count(*), count(*) FILTER (WHERE channel = 'web') INTO v_n, v_web
        FROM anonymous_queue WHERE round_id = p_round;
    IF v_n = 0 OR (p_min > 1 AND v_web < p_min) THEN
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
COMMENT ON FUNCTION mg_flush_anonymous(bigint, integer) IS 'Stores round p_round''s queued anonymous responses in one shuffled batch: when at least p_min web responses wait (paper entries do not count, but go out with the batch), or everything when p_min <= 1 (the close).';
