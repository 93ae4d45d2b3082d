"""Rounds and series from the command line, and the scheduler in `mognad serve`."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, Server, psql, reset_db, run, test  # noqa: E402


def mognad(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)


def ok(*args):
    r = mognad(*args)
    assert r.returncode == 0, f"{args}: {r.returncode} {r.stderr}"
    return r.stdout


def fails(code, text, *args):
    r = mognad(*args)
    assert r.returncode == code, f"{args}: exit {r.returncode}, want {code}: {r.stderr}"
    assert text in r.stderr, f"{args}: {r.stderr!r} lacks {text!r}"
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def fixture():
    """A two-unit tree and a staff and manager survey, made directly in SQL
    (the loaders have their own tests)."""
    reset_db()
    psql("""
    INSERT INTO units (code, name, path) VALUES ('REG', 'Region', '1');
    INSERT INTO units (code, name, parent_id, path)
        SELECT 'IT', 'IT-förvaltningen', id, text2ltree(id::text || '.2') FROM units WHERE code = 'REG';
    INSERT INTO surveys (key, version, audience, sha256, definition) VALUES
        ('staff', 1, 'staff', repeat('a', 64), '{}'),
        ('staff', 2, 'staff', repeat('b', 64), '{}'),
        ('manager', 1, 'manager', repeat('c', 64), '{}');
    """)


def create(*extra, name="Baseline 2027", opens="2027-03-01", closes="2027-03-22", mode="pseudonymous"):
    out = ok("round", "create", "--name", name, "--opens", opens, "--closes", closes, "--mode", mode, *extra)
    return int(out.split()[-1])


@test
def test_round_create_show_list():
    fixture()
    rid = create("--k", "7", "--unit", "REG", "--language", "nn")
    import json
    r = json.loads(ok("round", "show", rid.__str__(), "--json"))
    assert r["name"] == "Baseline 2027" and r["state"] == "scheduled" and r["mode"] == "pseudonymous"
    assert r["k"] == 7 and r["language"] == "nn" and r["unit"] == "REG"
    assert r["opens_at"].startswith("2027-") and r["closes_at"].startswith("2027-03-2")
    assert r["surveys"] == {"staff": {"key": "staff", "version": 2}, "manager": {"key": "manager", "version": 1}}
    rid2 = create("--staff-survey", "staff:1", "--manager-survey", "none", name="Staff only")
    r2 = json.loads(ok("round", "show", str(rid2), "--json"))
    assert r2["surveys"] == {"staff": {"key": "staff", "version": 1}} and r2["k"] == 5
    listing = ok("round", "list")
    assert "Baseline 2027" in listing and "Staff only" in listing
    assert len(json.loads(ok("round", "list", "--json"))) == 2
    assert psql("SELECT count(*) FROM audit_log WHERE action = 'round.create' AND actor = 'cli'")[0][0] == "2"


@test
def test_round_list_columns_line_up_for_every_state():
    fixture()
    scheduled = create(name="Later")
    opened = create(name="Now", opens="2020-01-01", closes="2099-01-01", mode="open")
    ok("round", "open", str(opened))
    closed = create(name="Before", opens="2020-01-01", closes="2099-02-01", mode="anonymous")
    ok("round", "open", str(closed))
    ok("round", "close", str(closed))
    lines = ok("round", "list").splitlines()
    states = {l.split()[1] for l in lines[1:]}
    assert states == {"scheduled", "open", "closed"}, lines
    # Every column starts where its header starts, whatever the state.
    head = lines[0]
    starts = [head.index(h) for h in ("state", "mode", "opens", "closes", "name")]
    for line in lines[1:]:
        for at in starts:
            assert line[at - 1] == " " and line[at] != " ", (line, at, head)
    assert str(scheduled) in " ".join(lines)


@test
def test_round_create_refuses_bad_input_with_a_precise_message():
    fixture()
    base = ["round", "create", "--name", "X", "--opens", "2027-03-01", "--closes", "2027-03-22"]
    fails(1, "mode: must be pseudonymous, anonymous or open", *base, "--mode", "public")
    fails(1, "mode: must be", *base)
    fails(2, "--k: the minimum group size must be a number of at least 3", *base, "--mode", "open", "--k", "2")
    fails(1, "closes: must be after opens", "round", "create", "--name", "X", "--opens", "2027-03-22",
          "--closes", "2027-03-01", "--mode", "open")
    fails(1, "opens: is not a date or time", "round", "create", "--name", "X", "--opens", "tomorrow",
          "--closes", "2027-03-01", "--mode", "open")
    fails(1, "opens/closes: not a valid date or time", "round", "create", "--name", "X", "--opens", "2027-13-01",
          "--closes", "2027-14-01", "--mode", "open")
    fails(1, "unit: no unit has the code \"NOPE\"", *base, "--mode", "open", "--unit", "NOPE")
    fails(1, "staff_survey: no staff survey \"staff\" version 9", *base, "--mode", "open", "--staff-survey", "staff:9")
    fails(1, "language: must be sv, nb, nn or en", *base, "--mode", "open", "--language", "de")
    fails(1, "name: is required", "round", "create", "--opens", "2027-03-01", "--closes", "2027-03-22", "--mode", "open")
    fails(2, "unknown option '--colour'", *base, "--mode", "open", "--colour", "red")
    fails(2, "'close' does not take --name", "round", "close", "1", "--name", "x")
    fails(2, "needs one ROUND id", "round", "open")
    fails(1, "round 999999 does not exist", "round", "close", "999999")
    assert psql("SELECT count(*) FROM rounds")[0][0] == "0"


@test
def test_round_open_close_reopen_rules():
    fixture()
    rid = str(create(opens="2026-01-01", closes="2099-01-01"))
    ok("round", "open", rid)
    fails(1, "is already open", "round", "open", rid)
    ok("round", "close", rid)
    fails(1, "is already closed", "round", "close", rid)
    fails(1, "is closed; reopening needs --reopen", "round", "open", rid)
    # Closing set closes_at to now, so reopening needs a new closing time.
    fails(1, "closing time has passed", "round", "open", rid, "--reopen")
    fails(1, "closes: must be in the future", "round", "open", rid, "--reopen", "--closes", "2020-01-01")
    ok("round", "open", rid, "--reopen", "--closes", "2099-06-01")
    assert psql(f"SELECT state FROM rounds WHERE id = {rid}")[0][0] == "open"
    actions = [r[0] for r in psql(f"SELECT action FROM audit_log WHERE detail->>'round' = '{rid}' ORDER BY id")]
    assert actions == ["round.create", "round.open", "round.close", "round.reopen"], actions


@test
def test_round_with_invitations_or_responses_keeps_mode_and_surveys():
    fixture()
    rid = str(create())
    ok("round", "set", rid, "--mode", "anonymous", "--k", "6", "--name", "Renamed")
    assert psql(f"SELECT mode, min_group_size, name FROM rounds WHERE id = {rid}")[0] == ["anonymous", "6", "Renamed"]
    psql(f"""INSERT INTO invitations (round_id, token_hash, unit_id, role, survey_id)
             SELECT {rid}, decode(repeat('11', 32), 'hex'), u.id, 'staff', s.id
             FROM units u, surveys s WHERE u.code = 'IT' AND s.key = 'staff' AND s.version = 2""")
    fails(1, "has invitations; its mode can no longer change", "round", "set", rid, "--mode", "open")
    ok("round", "set", rid, "--staff-survey", "staff:1")
    psql(f"""INSERT INTO responses (round_id, survey_id, unit_id, role)
             SELECT {rid}, s.id, u.id, 'staff' FROM units u, surveys s
             WHERE u.code = 'IT' AND s.key = 'staff' AND s.version = 1""")
    fails(1, "has responses; its surveys and mode can no longer change", "round", "set", rid, "--staff-survey", "staff:2")
    fails(1, "surveys: a round needs a staff or a manager survey", "round", "set", create(name="b").__str__(),
          "--staff-survey", "none", "--manager-survey", "none")
    ok("round", "set", rid, "--closes", "2027-04-01")
    fails(1, "closes: must be after opens", "round", "set", rid, "--closes", "2026-01-01")


@test
def test_round_list_hides_a_response_count_below_k():
    fixture()
    rid = str(create("--k", "5"))
    # Stored and counted as the submit path does (the list reads the
    # aggregates).
    insert = (f"WITH r AS (INSERT INTO responses (round_id, survey_id, unit_id, role) "
              f"SELECT {rid}, s.id, u.id, 'staff' FROM units u, surveys s "
              f"WHERE u.code = 'IT' AND s.key = 'staff' AND s.version = 1 RETURNING id) "
              f"SELECT mg_agg_response(id, 1) FROM r")
    psql(insert)
    psql(insert)
    import json
    rows = {r["id"]: r for r in json.loads(ok("round", "list", "--json"))}
    assert rows[int(rid)]["responded"] == {"suppressed": True, "reason": "fewer_than_k"}
    line = [l for l in ok("round", "list").splitlines() if l.split()[0] == rid][0]
    assert " <5 " in line and " 2 " not in line, line
    for _ in range(3):
        psql(insert)
    rows = {r["id"]: r for r in json.loads(ok("round", "list", "--json"))}
    assert rows[int(rid)]["responded"] == 5


@test
def test_series_create_validates_and_attaches_template():
    fixture()
    rid = str(create())
    fails(1, "every: \"fortnightly\" is not a period", "series", "create", "--name", "S", "--every", "fortnightly",
          "--duration", "21days", "--template", rid)
    fails(1, "duration: \"3 fortnights\" is not a length", "series", "create", "--name", "S", "--every", "12months",
          "--duration", "3 fortnights", "--template", rid)
    fails(1, "a round must close before the next one opens", "series", "create", "--name", "S", "--every", "1month",
          "--duration", "40days", "--template", rid)
    fails(1, "template: round 999999 does not exist", "series", "create", "--name", "S", "--every", "1year",
          "--duration", "3weeks", "--template", "999999")
    out = ok("series", "create", "--name", "Digital kompetens", "--every", "12months", "--duration", "21days",
             "--template", rid, "--pseudonym-retention", "6months")
    sid = out.split()[-1]
    assert psql(f"SELECT series_id, seq FROM rounds WHERE id = {rid}")[0] == [sid, "1"]
    fails(1, "exists already", "series", "create", "--name", "Digital kompetens", "--every", "1year",
          "--duration", "3weeks", "--template", rid)
    fails(1, "belongs to another series", "series", "create", "--name", "Other", "--every", "1year",
          "--duration", "3weeks", "--template", rid)
    assert psql("SELECT count(*) FROM series")[0][0] == "1"
    assert "Digital kompetens" in ok("series", "list")


@test
def test_open_round_links_are_stable_and_only_hashed_in_the_database():
    fixture()
    rid = str(create(mode="open"))
    out1 = ok("round", "links", rid)
    out2 = ok("round", "links", rid)
    assert out1 == out2
    lines = out1.strip().splitlines()
    assert lines[0] == "unit_code,unit_name,link"
    rows = [l.split(",") for l in lines[1:]]
    assert [r[0] for r in rows] == ["REG", "IT"], rows
    import re
    for r in rows:
        assert re.fullmatch(r"http://127\.0\.0\.1:8080/o/[A-Za-z0-9_-]{43}", r[2]), r
    assert len({r[2] for r in rows}) == 2
    stored = psql(f"SELECT encode(link_hash, 'hex') FROM round_units WHERE round_id = {rid}")
    assert len(stored) == 2
    dump = " ".join(x[0] for x in stored)
    for r in rows:
        assert r[2].rsplit("/", 1)[1] not in dump
    fails(1, "not through unit links", "round", "links", str(create(name="P")))
    assert "/o/" in mognad("round", "links", rid, env={"MOGNAD_PUBLIC_URL": "https://survey.example.org/"}).stdout
    assert "https://survey.example.org/o/" in mognad("round", "links", rid,
                                                      env={"MOGNAD_PUBLIC_URL": "https://survey.example.org/"}).stdout


def set_clock(path, when):
    with open(path + ".tmp", "w") as f:
        f.write(when + "\n")
    os.replace(path + ".tmp", path)


def wait_for(pred, what, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


@test
def test_scheduler_acts_exactly_once_with_two_servers():
    fixture()
    clock = tempfile.mktemp()
    set_clock(clock, "2027-02-01T00:00:00Z")
    rid = str(create(opens="2027-03-01T08:00:00Z", closes="2027-03-22T16:00:00Z"))
    missed = str(create(name="Missed", opens="2026-01-01", closes="2026-01-20"))
    ok("series", "create", "--name", "Yearly", "--every", "12months", "--duration", "21days", "--template", rid)
    env = {"MOGNAD_TEST_CLOCK_FILE": clock, "MOGNAD_SCHEDULER_INTERVAL_MS": "100"}
    state = lambda r: psql(f"SELECT state FROM rounds WHERE id = {r}")[0][0]  # noqa: E731
    try:
        with Server(env=env) as a, Server(env=env) as b:
            time.sleep(0.5)
            assert state(rid) == "scheduled"
            set_clock(clock, "2027-03-01T08:00:01Z")
            wait_for(lambda: state(rid) == "open", "the round to open")
            set_clock(clock, "2027-03-22T16:00:00Z")
            wait_for(lambda: state(rid) == "closed", "the round to close")
            wait_for(lambda: psql("SELECT count(*) FROM rounds WHERE seq = 2")[0][0] == "1", "the next round")
            time.sleep(0.6)  # several more passes on both servers
            assert state(missed) == "scheduled", "a round whose window passed must not open late"
            both = a.log() + b.log()
            assert "opened round " + rid in both
        counts = psql(f"""SELECT action, count(*) FROM audit_log WHERE actor = 'scheduler'
                          GROUP BY action ORDER BY action""")
        assert counts == [["round.close", "1"], ["round.create", "1"], ["round.open", "1"]], counts
        nxt = psql("""SELECT r.name, r.mode, r.min_group_size, r.opens_at AT TIME ZONE 'UTC',
                             r.closes_at AT TIME ZONE 'UTC', r.state,
                             (SELECT count(*) FROM round_surveys WHERE round_id = r.id)
                      FROM rounds r WHERE seq = 2""")[0]
        assert nxt == ["Yearly 2028-03", "pseudonymous", "5", "2028-03-01 08:00:00", "2028-03-22 08:00:00",
                       "scheduled", "2"], nxt
    finally:
        os.unlink(clock)


@test
def test_scheduler_catches_up_after_downtime_without_opening_past_windows():
    fixture()
    rid = str(create(opens="2027-03-01T08:00:00Z", closes="2027-03-22T16:00:00Z"))
    ok("series", "create", "--name", "Yearly", "--every", "1year", "--duration", "3weeks", "--template", rid)
    clock = tempfile.mktemp()
    # The server was down from before the round until three and a half years later.
    set_clock(clock, "2030-09-01T00:00:00Z")
    try:
        with Server(env={"MOGNAD_TEST_CLOCK_FILE": clock, "MOGNAD_SCHEDULER_INTERVAL_MS": "100"}):
            wait_for(lambda: psql("SELECT count(*) FROM rounds WHERE seq = 2")[0][0] == "1", "the next round")
            time.sleep(0.5)
        rows = psql(f"SELECT seq, state, opens_at AT TIME ZONE 'UTC' FROM rounds WHERE series_id IS NOT NULL ORDER BY seq")
        # The first round's window passed while the server was down: it is
        # not opened late (HR decides about it); the series goes on with the
        # first window still ahead, not with the three that were missed.
        assert rows == [["1", "scheduled", "2027-03-01 08:00:00"], ["2", "scheduled", "2031-03-01 08:00:00"]], rows
    finally:
        os.unlink(clock)


@test
def test_retention_removes_pseudonyms_then_response_rows_and_keeps_aggregates():
    fixture()
    rid = str(create(opens="2027-03-01T08:00:00Z", closes="2027-03-22T16:00:00Z", mode="pseudonymous"))
    ok("series", "create", "--name", "Kept", "--every", "1year", "--duration", "3weeks", "--template", rid,
       "--pseudonym-retention", "6months", "--response-retention", "24months")
    payload = '{"index": 50, "level": "intermediate", "answers": [], "areas": []}'
    for i in range(3):
        psql(f"SELECT mg_store_response({rid}, (SELECT survey_id FROM round_surveys WHERE round_id = {rid} "
             f"AND audience = 'staff'), (SELECT id FROM units WHERE code = 'REG'), 'staff', "
             f"decode(repeat('0{i}', 32), 'hex'), 'web', :'p1'::jsonb)", payload)
    psql(f"UPDATE rounds SET state = 'closed' WHERE id = {rid}")
    psql("UPDATE series SET anonymised_on = current_date")  # no next rounds in this test
    aggregates = psql("SELECT area_key, sum(n), sum(sum) FROM agg_scores GROUP BY 1")
    clock = tempfile.mktemp()
    try:
        set_clock(clock, "2028-01-01T00:00:00Z")
        with Server(env={"MOGNAD_TEST_CLOCK_FILE": clock, "MOGNAD_SCHEDULER_INTERVAL_MS": "100"}):
            wait_for(lambda: psql("SELECT count(pseudonym) FROM responses")[0][0] == "0", "pseudonyms removed")
            assert psql("SELECT count(*) FROM responses")[0][0] == "3", "rows stay until their own retention"
            set_clock(clock, "2029-04-01T00:00:00Z")
            wait_for(lambda: psql("SELECT count(*) FROM responses")[0][0] == "0", "responses deleted")
        assert psql("SELECT area_key, sum(n), sum(sum) FROM agg_scores GROUP BY 1") == aggregates == [["*", "3", "150.000"]]
        assert psql("SELECT count(*) FROM audit_log WHERE action IN ('retention.pseudonyms', 'retention.responses')"
                    )[0][0] == "2"
    finally:
        os.unlink(clock)


@test
def test_scheduler_log_escapes_a_round_name_with_line_breaks_and_terminal_codes():
    fixture()
    clock = tempfile.mktemp()
    set_clock(clock, "2027-02-01T00:00:00Z")
    name = "Log test\nmognad ERROR forged\x1b[2J\x1b]0;owned\x07\r\u009b31m"
    rid = str(create(name=name, opens="2027-03-01T08:00:00Z", closes="2027-03-22T16:00:00Z"))
    assert psql(f"SELECT name = :'p1' FROM rounds WHERE id = {rid}", name) == [["t"]]
    try:
        with Server(env={"MOGNAD_TEST_CLOCK_FILE": clock, "MOGNAD_SCHEDULER_INTERVAL_MS": "100"}) as s:
            set_clock(clock, "2027-03-01T08:00:01Z")
            wait_for(lambda: psql(f"SELECT state FROM rounds WHERE id = {rid}")[0][0] == "open", "the round to open")
            wait_for(lambda: "opened round " + rid in s.log(), "the log line")
        raw = "\n".join(s.lines)
        assert not [l for l in s.lines if l.startswith("mognad ERROR forged")], raw
        assert "\x1b" not in raw and "\x07" not in raw and "\r" not in raw and "\u009b" not in raw, repr(raw)
        opened = [l for l in s.lines if "opened round " + rid in l]
        assert opened == [f"mognad INFO scheduler: opened round {rid} "
                          "(Log test\\nmognad ERROR forged\\x1b[2J\\x1b]0;owned\\x07\\r\\u009b31m)"], opened
    finally:
        os.unlink(clock)


if __name__ == "__main__":
    run()
