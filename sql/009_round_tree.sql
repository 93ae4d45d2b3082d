-- 008_round_tree: a closed round keeps the unit tree it closed with.
--
-- The figures of a round are decided (suppression, roll-up, microdata
-- generalisation) on a unit tree. Were a closed round read on the tree as
-- it is now, moving a unit out of a parent after the close would make a
-- second decision for the parent beside the one released at the close,
-- and the moved unit's people would follow by subtraction (issue 16, item
-- 7). So closing a round copies the tree into round_tree, and every reader
-- of a closed round reads that copy (mg_round_tree); open and scheduled
-- rounds read the live tree, so later moves, renames and new units change
-- the next round only.

CREATE TABLE round_tree (
    round_id  bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    unit_id   bigint NOT NULL,
    code      text NOT NULL,
    name      text NOT NULL,
    parent_id bigint,
    path      ltree NOT NULL,
    PRIMARY KEY (round_id, unit_id),
    FOREIGN KEY (round_id, parent_id) REFERENCES round_tree (round_id, unit_id),
    UNIQUE (round_id, code)
);
COMMENT ON TABLE round_tree IS 'The unit tree as it was when each round first closed: the tree that round''s figures were decided on. Written by the rounds_tree trigger, never changed. Self-contained (no reference to units), so it resolves a unit that later moves, is renamed or leaves the live tree. Holds the organisation only, nothing about any respondent.';
COMMENT ON COLUMN round_tree.round_id IS 'The closed round whose tree this is.';
COMMENT ON COLUMN round_tree.unit_id IS 'units.id of the unit (ids are stable across imports).';
COMMENT ON COLUMN round_tree.code IS 'The unit''s code (stable across imports: a later round finds the same unit by it).';
COMMENT ON COLUMN round_tree.name IS 'The unit''s name when the round closed.';
COMMENT ON COLUMN round_tree.parent_id IS 'The unit''s parent when the round closed (NULL: a top unit).';
COMMENT ON COLUMN round_tree.path IS 'units.path when the round closed: unit ids from the top, for subtree tests and tree order.';
CREATE TRIGGER round_tree_immutable BEFORE UPDATE ON round_tree
    FOR EACH ROW EXECUTE FUNCTION mg_forbid_change();

-- Copies the live tree for round p_round when it closes. A round that is
-- reopened and closed again keeps the tree of its FIRST close: the figures
-- released then were computed on it, and a second decision on another
-- tree is exactly what lets one subtract the other. Only units created
-- since (which may hold the responses of the reopened weeks) are added,
-- each under its parent's place in the snapshot; no unit already in it
-- moves or changes its name. The caller holds the round's row lock (the
-- UPDATE that closes it), so two closes of one round cannot both copy.
CREATE FUNCTION mg_round_tree_take(p_round bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    u record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM round_tree WHERE round_id = p_round) THEN
        -- Parents before children, for the self-referencing foreign key.
        INSERT INTO round_tree (round_id, unit_id, code, name, parent_id, path)
        SELECT p_round, l.id, l.code, l.name, l.parent_id, l.path FROM units l ORDER BY nlevel(l.path), l.id;
        RETURN;
    END IF;
    FOR u IN SELECT l.id, l.code, l.name, l.parent_id FROM units l
             WHERE NOT EXISTS (SELECT 1 FROM round_tree t WHERE t.round_id = p_round AND t.unit_id = l.id)
             ORDER BY nlevel(l.path), l.id
    LOOP
        INSERT INTO round_tree (round_id, unit_id, code, name, parent_id, path)
        SELECT p_round, u.id, u.code, u.name, u.parent_id,
               COALESCE((SELECT t.path FROM round_tree t WHERE t.round_id = p_round AND t.unit_id = u.parent_id)
                        || u.id::text, u.id::text::ltree);
    END LOOP;
END $$;
COMMENT ON FUNCTION mg_round_tree_take(bigint) IS 'Snapshots the live unit tree for a round at its first close; a later close only adds units created since.';

-- Every way a round closes (the scheduler, `mognad round close`, the API
-- and dashboard, a round inserted already closed) goes through this
-- trigger, in the transaction that closes it: there is no close without
-- its tree.
CREATE FUNCTION mg_rounds_tree_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mg_round_tree_take(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER rounds_tree_close AFTER UPDATE OF state ON rounds
    FOR EACH ROW WHEN (NEW.state = 'closed' AND OLD.state <> 'closed')
    EXECUTE FUNCTION mg_rounds_tree_trigger();
CREATE TRIGGER rounds_tree_insert AFTER INSERT ON rounds
    FOR EACH ROW WHEN (NEW.state = 'closed')
    EXECUTE FUNCTION mg_rounds_tree_trigger();

-- The tree round p_round's figures are read on: its snapshot when it is
-- closed, the live tree while it is scheduled or open (a reopened round
-- too: it reads the live tree until it closes again, and then its first
-- snapshot once more). Columns as in units; order by nlevel(path), id
-- for parents before children. Unknown round: the live tree.
CREATE FUNCTION mg_round_tree(p_round bigint)
RETURNS TABLE (id bigint, code text, name text, parent_id bigint, path ltree)
LANGUAGE sql STABLE AS $$
    SELECT t.unit_id, t.code, t.name, t.parent_id, t.path
    FROM round_tree t JOIN rounds r ON r.id = t.round_id AND r.state = 'closed'
    WHERE t.round_id = p_round
    UNION ALL
    SELECT u.id, u.code, u.name, u.parent_id, u.path FROM units u
    WHERE NOT EXISTS (SELECT 1 FROM round_tree t JOIN rounds r ON r.id = t.round_id AND r.state = 'closed'
                      WHERE t.round_id = p_round)
$$;
COMMENT ON FUNCTION mg_round_tree(bigint) IS 'The unit tree of a round: round_tree for a closed round, units otherwise.';

-- Rounds closed before this migration: the tree as it is now is the best
-- record there is of the tree they closed with.
SELECT mg_round_tree_take(id) FROM rounds WHERE state = 'closed' ORDER BY id;
