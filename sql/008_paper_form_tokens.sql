-- One-time tokens of the paper entry form: each form an analyst is shown
-- carries one, so posting the same form twice (a double click without
-- JavaScript) stores the paper response once.

CREATE TABLE paper_form_tokens (
    token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    session_hash bytea NOT NULL REFERENCES user_sessions (token_hash) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id),
    used         boolean NOT NULL DEFAULT false
);
CREATE INDEX paper_form_tokens_session ON paper_form_tokens (session_hash);
COMMENT ON TABLE paper_form_tokens IS 'The paper entry forms shown to an HR session: a hash (mg_keys_token_hash) of each form''s random token, bound to the round and the session (gone with it). Deliberately holds no response id, unit, role or time: a used token says only that its form was stored once.';
COMMENT ON COLUMN paper_form_tokens.used IS 'True once the form''s response was stored; a repeat post of it stores nothing.';
