-- 001_core: the data model of design.md: units, surveys, series, rounds,
-- invitations, responses, HR users, sessions and the audit log.
--
-- The rule for every table that holds respondent data: no name, e-mail,
-- employee id, IP address or time finer than a day. Comments say what a
-- table holds and, for response data, what it deliberately does not.

CREATE EXTENSION IF NOT EXISTS ltree;

CREATE FUNCTION mg_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

-- Units -------------------------------------------------------------------

CREATE TABLE units (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code      text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name      text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    parent_id bigint REFERENCES units (id),
    path      ltree NOT NULL UNIQUE,
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX units_path_gist ON units USING gist (path);
CREATE INDEX units_parent ON units (parent_id);
COMMENT ON TABLE units IS 'The organisation tree (organisation, administration, department, unit), imported from CSV.';
COMMENT ON COLUMN units.code IS 'Stable code from the organisation''s register; results follow the code across renames.';
COMMENT ON COLUMN units.path IS 'Materialised path of unit ids from the root (labels are ids, so renames never move a subtree).';

CREATE TABLE unit_names (
    unit_id    bigint NOT NULL REFERENCES units (id),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    valid_from date NOT NULL DEFAULT current_date,
    PRIMARY KEY (unit_id, valid_from)
);
COMMENT ON TABLE unit_names IS 'Name history of each unit, so reports of past rounds can show the name the unit had then.';

-- Surveys -----------------------------------------------------------------

CREATE TABLE surveys (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key        text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    version    integer NOT NULL CHECK (version > 0),
    audience   text NOT NULL CHECK (audience IN ('staff', 'manager')),
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    definition jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
    loaded_on  date NOT NULL DEFAULT current_date,
    UNIQUE (key, version),
    UNIQUE (id, audience)
);
CREATE TRIGGER surveys_immutable BEFORE UPDATE ON surveys
    FOR EACH ROW EXECUTE FUNCTION mg_forbid_change();
COMMENT ON TABLE surveys IS 'Loaded survey versions. Immutable: a changed survey is a new version; sha256 is of the file as loaded.';

CREATE TABLE survey_areas (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    key       text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    scope     text NOT NULL CHECK (scope IN ('individual', 'organisation')),
    weight    numeric NOT NULL CHECK (weight > 0),
    position  integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (survey_id, key),
    UNIQUE (survey_id, position)
);
CREATE TRIGGER survey_areas_immutable BEFORE UPDATE ON survey_areas
    FOR EACH ROW EXECUTE FUNCTION mg_forbid_change();
COMMENT ON TABLE survey_areas IS 'Competence areas of a survey version (from its definition), for set-based aggregation.';

CREATE TABLE survey_items (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    key       text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    area_key  text NOT NULL,
    type      text NOT NULL CHECK (type IN ('likert', 'frequency', 'choice')),
    position  integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (survey_id, key),
    FOREIGN KEY (survey_id, area_key) REFERENCES survey_areas (survey_id, key)
);
CREATE TRIGGER survey_items_immutable BEFORE UPDATE ON survey_items
    FOR EACH ROW EXECUTE FUNCTION mg_forbid_change();
COMMENT ON TABLE survey_items IS 'Items of a survey version (from its definition), for set-based aggregation.';

-- Series and rounds ---------------------------------------------------------

CREATE TABLE series (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                       text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    every_months               integer NOT NULL CHECK (every_months BETWEEN 1 AND 60),
    duration_days              integer NOT NULL CHECK (duration_days BETWEEN 1 AND 366),
    pseudonym_retention_months integer CHECK (pseudonym_retention_months >= 0),
    response_retention_months  integer CHECK (response_retention_months >= 0),
    anonymised_on              date,
    created_at                 timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE series IS 'A repeat measurement: rounds made from a template every every_months months.';
COMMENT ON COLUMN series.pseudonym_retention_months IS 'Pseudonyms are removed this long after the last round closes (NULL: kept until anonymised by hand).';
COMMENT ON COLUMN series.response_retention_months IS 'Response rows are deleted this long after their round closes; aggregates stay (NULL: kept).';

CREATE TABLE rounds (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    series_id        bigint REFERENCES series (id),
    seq              integer CHECK (seq > 0),
    mode             text NOT NULL CHECK (mode IN ('pseudonymous', 'anonymous', 'open')),
    min_group_size   integer NOT NULL DEFAULT 5 CHECK (min_group_size >= 3),
    opens_at         timestamptz NOT NULL,
    closes_at        timestamptz NOT NULL,
    state            text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'open', 'closed')),
    default_language text NOT NULL DEFAULT 'sv' CHECK (default_language IN ('sv', 'nb', 'nn', 'en')),
    root_unit_id     bigint REFERENCES units (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_at > opens_at),
    CHECK ((series_id IS NULL) = (seq IS NULL)),
    UNIQUE (series_id, seq)
);
COMMENT ON TABLE rounds IS 'One measurement: surveys per audience, a window, a mode and the minimum group size k.';
COMMENT ON COLUMN rounds.min_group_size IS 'k: no figure is shown for fewer respondents than this (never below 3).';

ALTER TABLE series ADD COLUMN template_round_id bigint REFERENCES rounds (id);

CREATE TABLE round_surveys (
    round_id  bigint NOT NULL REFERENCES rounds (id),
    audience  text NOT NULL CHECK (audience IN ('staff', 'manager')),
    survey_id bigint NOT NULL,
    PRIMARY KEY (round_id, audience),
    FOREIGN KEY (survey_id, audience) REFERENCES surveys (id, audience)
);
COMMENT ON TABLE round_surveys IS 'The survey each audience of a round answers.';

CREATE TABLE round_units (
    round_id           bigint NOT NULL REFERENCES rounds (id),
    unit_id            bigint NOT NULL REFERENCES units (id),
    expected_headcount integer CHECK (expected_headcount >= 0),
    link_hash          bytea UNIQUE CHECK (octet_length(link_hash) = 32),
    PRIMARY KEY (round_id, unit_id)
);
COMMENT ON TABLE round_units IS 'Per round and unit: the open link''s hash (open mode) and the expected headcount HR gave, so response rates exist without a register.';

-- Invitations, respondent sessions, responses --------------------------------

CREATE TABLE invitations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id   bigint NOT NULL REFERENCES rounds (id),
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    unit_id    bigint NOT NULL REFERENCES units (id),
    role       text NOT NULL CHECK (role IN ('staff', 'manager')),
    survey_id  bigint NOT NULL REFERENCES surveys (id),
    status     text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'started', 'completed')),
    pseudonym  bytea CHECK (octet_length(pseudonym) = 32)
);
CREATE INDEX invitations_round ON invitations (round_id, unit_id, role);
COMMENT ON TABLE invitations IS 'One row per invited person and round. Holds no name, e-mail, employee id or link: only the hash of the token, so links can be recomputed from the register but not read from here.';
COMMENT ON COLUMN invitations.pseudonym IS 'Pseudonymous rounds only: keyed hash of the employee id, carried to the response. NULL in anonymous rounds.';

CREATE TABLE respondent_sessions (
    token_hash    bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    round_id      bigint NOT NULL REFERENCES rounds (id),
    invitation_id bigint REFERENCES invitations (id) ON DELETE CASCADE,
    unit_id       bigint NOT NULL REFERENCES units (id),
    role          text NOT NULL CHECK (role IN ('staff', 'manager')),
    survey_id     bigint NOT NULL REFERENCES surveys (id),
    draft         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(draft) = 'object'),
    expires_on    date NOT NULL
);
COMMENT ON TABLE respondent_sessions IS 'A respondent''s browser session (cookie hash) with the draft answers. No IP, user agent or time finer than a day.';

CREATE TABLE responses (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    round_id     bigint NOT NULL REFERENCES rounds (id),
    survey_id    bigint NOT NULL REFERENCES surveys (id),
    unit_id      bigint NOT NULL REFERENCES units (id),
    role         text NOT NULL CHECK (role IN ('staff', 'manager')),
    pseudonym    bytea CHECK (octet_length(pseudonym) = 32),
    channel      text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'paper')),
    submitted_on date NOT NULL DEFAULT current_date,
    index_score  numeric(6, 3) CHECK (index_score BETWEEN 0 AND 100),
    level        text,
    UNIQUE (round_id, pseudonym)
);
CREATE INDEX responses_round_unit ON responses (round_id, unit_id, role);
COMMENT ON TABLE responses IS 'One submitted survey. Holds no name, e-mail, employee id, invitation id, IP address or time finer than a day; the random id carries no order.';
COMMENT ON COLUMN responses.pseudonym IS 'Pseudonymous rounds only: keyed BLAKE2b hash of the employee id, the same in every round of a series; removed by mognad anonymise.';
COMMENT ON COLUMN responses.submitted_on IS 'The day of the last submission, never the time.';

CREATE TABLE response_answers (
    response_id uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_key    text NOT NULL,
    value       smallint,
    option_key  text,
    dont_know   boolean NOT NULL DEFAULT false,
    score       numeric(6, 3) CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (response_id, item_key),
    CHECK (num_nonnulls(value, option_key) + dont_know::int = 1)
);
COMMENT ON TABLE response_answers IS 'The answers of a response: a scale value, a choice option or "don''t know", with the item''s 0-100 score (NULL when excluded from scoring).';

CREATE TABLE response_area_scores (
    response_id uuid NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    area_key    text NOT NULL,
    score       numeric(6, 3) NOT NULL CHECK (score BETWEEN 0 AND 100),
    level       text NOT NULL,
    PRIMARY KEY (response_id, area_key)
);
COMMENT ON TABLE response_area_scores IS 'Area scores and staircase levels of a response (areas with too few answers have no row).';

-- HR users, sessions, audit -------------------------------------------------

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._@-]{0,99}$'),
    role          text NOT NULL CHECK (role IN ('admin', 'analyst', 'unit-viewer')),
    unit_id       bigint REFERENCES units (id),
    password_hash text CHECK (password_hash LIKE '$argon2id$%'),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'unit-viewer') = (unit_id IS NOT NULL))
);
COMMENT ON TABLE users IS 'HR accounts (not respondents). password_hash is argon2id; NULL when the account logs in through single sign-on only.';

CREATE TABLE user_sessions (
    token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   bytea NOT NULL CHECK (octet_length(csrf_token) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE user_sessions IS 'Logged-in HR sessions, by hash of the cookie token, with idle and absolute expiry computed from the two times.';

CREATE TABLE audit_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    user_id bigint REFERENCES users (id),
    actor   text NOT NULL,
    action  text NOT NULL CHECK (action ~ '^[a-z][a-z_.]*$'),
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION mg_forbid_change();
COMMENT ON TABLE audit_log IS 'Append-only record of HR actions: logins, failed logins, exports, round, series and user changes. Never holds secrets.';
