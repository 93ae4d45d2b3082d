-- 002_login_throttle: failed HR logins, for a growing delay per account and
-- per client address. Keys are keyed hashes, so neither logins nor
-- addresses can be read from here.

CREATE TABLE login_failures (
    key_hash bytea PRIMARY KEY CHECK (octet_length(key_hash) = 32),
    failures integer NOT NULL CHECK (failures > 0),
    last_at  timestamptz NOT NULL
);
COMMENT ON TABLE login_failures IS 'Consecutive failed HR logins per account or client address (keyed hash), cleared by a successful login or after a quiet hour.';
