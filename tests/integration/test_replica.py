"""Read replica: a primary and a hot standby in the test run's temporary
directory, like the rest of `make test` (pg.sh start and
pg.sh standby: pg_basebackup of Debian's PostgreSQL 15), `mognad serve`
with MOGNAD_DATABASE_URL_RO pointing at the standby.

- Dashboard and indicator reads run on the standby (its statement log shows
  them under application_name "mognad-ro"); writes (a response, an export's
  audit entry) go to the primary and never to the standby.
- While the standby lags within MOGNAD_REPLICA_MAX_LAG, the dashboard shows
  the standby's state: older, but the whole of one earlier moment.
- Past the limit, reads go to the primary until the standby catches up;
  then they go back to it.
- A standby that cannot be reached, or a URL that is not a standby, leaves
  every read on the primary and the dashboard working."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import TOP, Server, psql, run, test  # noqa: E402
from mgdeploy import UNITS, mognad  # noqa: E402
from respondent import Browser, answer_all, best  # noqa: E402

PG = os.path.join(TOP, "server/scripts/pg.sh")
# tests/run.sh's temporary directory (mode 755, so the postgres user can
# reach it from any checkout); run alone, pg.sh keeps the clusters where
# that user can reach them and `pg.sh remove` deletes them.
BASE = os.path.join(os.environ.get("MOGNAD_TEST_TMP") or tempfile.mkdtemp(prefix="mognad-replica-"),
                    f"replica-{os.getpid()}")
PRIMARY, STANDBY = os.path.join(BASE, "p"), os.path.join(BASE, "s")


def pg(*args, fast=False):
    env = dict(os.environ, MOGNAD_PG_FAST="1" if fast else "0")
    r = subprocess.run([PG, *args], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, f"pg.sh {' '.join(args)}: {r.stderr}"
    return r.stdout.strip()


class Setup:
    """The two clusters, the demo organisation on the primary and what
    the tests share."""

    def __init__(self):
        shutil.rmtree(BASE, ignore_errors=True)
        os.makedirs(BASE)
        os.chmod(BASE, 0o755)
        self.p = pg("start", PRIMARY, fast=True)
        # No fsync (a throwaway cluster), but commits flushed before they
        # are acknowledged, as in production: the flush position the server
        # and caught_up() compare with then covers every answered request.
        psql("ALTER SYSTEM SET synchronous_commit = on", url=self.p)
        psql("SELECT pg_reload_conf()", url=self.p)
        mognad(self.p, "migrate")
        mognad(self.p, "survey", "load", "--dir", os.path.join(TOP, "surveys"))
        links = os.path.join(BASE, "links.csv")
        out = mognad(self.p, "demo", "--units", UNITS, "--links", links, "--seed", "7",
                     "--admin", "admin").stdout
        self.password = re.search(r'admin account "admin", password (\S+) ', out).group(1)
        self.links = ["/s/" + line.split(",")[1].rsplit("/s/", 1)[1]
                      for line in open(links, encoding="utf-8").read().splitlines()[1:]]
        self.round = psql("SELECT id FROM rounds WHERE state = 'open'", url=self.p)[0][0]
        # The standby after the data: pg_basebackup copies it, streaming
        # keeps it up to date. Its log names the client of each statement.
        self.s = pg("standby", STANDBY, PRIMARY)
        psql("ALTER SYSTEM SET log_statement = 'all'", url=self.s)
        psql("ALTER SYSTEM SET log_line_prefix = '[%a] '", url=self.s)
        psql("SELECT pg_reload_conf()", url=self.s)
        self.log = os.path.join(STANDBY, "postgres.log")

    def close(self):
        for d in (STANDBY, PRIMARY):
            subprocess.run([PG, "remove", d], capture_output=True, timeout=120)
        shutil.rmtree(BASE, ignore_errors=True)

    def caught_up(self, timeout=30):
        lsn = psql("SELECT pg_current_wal_flush_lsn()", url=self.p)[0][0]
        deadline = time.monotonic() + timeout
        while psql("SELECT pg_last_wal_replay_lsn() >= :'p1'::pg_lsn", lsn, url=self.s)[0][0] != "t":
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)

    def pause(self):
        psql("SELECT pg_wal_replay_pause()", url=self.s)
        deadline = time.monotonic() + 30
        while psql("SELECT pg_get_wal_replay_pause_state()", url=self.s)[0][0] != "paused":
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.05)

    def resume(self):
        psql("SELECT pg_wal_replay_resume()", url=self.s)
        self.caught_up()

    def log_size(self):
        return os.path.getsize(self.log)

    def log_since(self, offset, timeout=5):
        """Lines the standby logged after `offset` (the log is written by
        the backend as it runs the statement; allow it a moment)."""
        with open(self.log, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            return f.read().splitlines()

    def responses(self):
        return int(psql("SELECT count(*) FROM responses WHERE round_id = :'p1'", self.round, url=self.p)[0][0])

    def answer(self, server):
        """One more person answers the open round through `server`."""
        link = self.links.pop()
        b = Browser(server, lang="sv")
        r = b.get(link)
        assert r.status == 303, (r.status, r.text[:300])
        assert b.get("/survey").status == 200
        csrf = answer_all(b, best)
        n = self.responses()
        r = b.post("/survey/submit", {"csrf": csrf})
        assert r.status in (200, 303), (r.status, r.text[:400], server.log()[-1500:])
        assert self.responses() == n + 1


S = None


def setup():
    global S
    if S is None:
        S = Setup()
    return S


def login(server, password):
    r = server.request("POST", "/api/v1/session", body=json.dumps({"login": "admin", "password": password}),
                       headers={"Content-Type": "application/json"})
    assert r.status == 201, (r.status, r.body)
    return {"Cookie": r.header("Set-Cookie").split(";")[0]}


def indicators(server, hr, rid):
    r = server.get(f"/api/v1/rounds/{rid}/indicators?depth=1", headers=hr)
    assert r.status == 200, (r.status, r.body, server.log()[-1500:])
    return r.json()


def responded(ind):
    return ind["units"][0]["subtree"]["responded"]


def health(server):
    r = server.get("/healthz")
    assert r.status == 200, (r.status, r.body)
    return r.json()


def wait_health(server, state, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        h = health(server)
        if h.get("replica") == state:
            return h
        assert time.monotonic() < deadline, f"replica never became {state}: {h}\n{server.log()[-1500:]}"
        time.sleep(0.2)


def ro_statements(lines, pattern):
    return [l for l in lines if l.startswith("[mognad-ro]") and re.search(pattern, l)]


@test
def test_dashboard_reads_come_from_the_standby_and_show_one_earlier_moment_while_it_lags():
    s = setup()
    s.resume()
    env = {"DATABASE_URL": s.p, "MOGNAD_DATABASE_URL_RO": s.s, "MOGNAD_REPLICA_MAX_LAG": "3600"}
    with Server(env=env) as a:
        hr = login(a, s.password)
        assert wait_health(a, "current")["replica_lag_s"] == 0

        # The indicators and the dashboard pages are read on the standby.
        before = s.log_size()
        ind = indicators(a, hr, s.round)
        assert responded(ind) == s.responses()
        for path in (f"/hr/rounds/{s.round}", f"/hr/rounds/{s.round}/units/REG", "/hr"):
            r = a.get(path, headers=hr)
            assert r.status == 200, (path, r.status, r.text[:300])
        lines = s.log_since(before)
        assert ro_statements(lines, r"execute .*indicators\.c"), lines[-20:]
        assert ro_statements(lines, r"execute .*dashboard\.c|execute .*rounds\.c"), lines[-20:]

        # Replay stops; a person answers through the same server: the
        # write goes to the primary.
        s.pause()
        try:
            n = s.responses()
            s.answer(a)
            # The dashboard still shows the standby's state: all of it
            # from the moment replay stopped, not a mix.
            stale = indicators(a, hr, s.round)
            assert stale == ind, "the lagging standby gave other figures than before the response"
            h = health(a)
            assert h["replica"] == "current" and h["replica_lag_s"] >= 0, h
            # A download reads on the standby and writes its audit entry
            # on the primary.
            audits = int(psql("SELECT count(*) FROM audit_log WHERE action = 'export.indicators'", url=s.p)[0][0])
            r = a.get(f"/hr/rounds/{s.round}/export?format=csv", headers=hr)
            assert r.status == 200, (r.status, r.body[:300])
            assert int(psql("SELECT count(*) FROM audit_log WHERE action = 'export.indicators'",
                            url=s.p)[0][0]) == audits + 1
        finally:
            s.resume()
        # Replay has resumed: the dashboard catches up with it.
        assert responded(indicators(a, hr, s.round)) == n + 1
    # Nothing tried to write on the standby (it would have failed there).
    errors = [l for l in s.log_since(0) if l.startswith("[mognad-ro]") and "ERROR" in l]
    assert not errors, errors[:5]


@test
def test_a_standby_past_the_lag_limit_is_left_for_the_primary_until_it_catches_up():
    s = setup()
    s.resume()
    env = {"DATABASE_URL": s.p, "MOGNAD_DATABASE_URL_RO": s.s, "MOGNAD_REPLICA_MAX_LAG": "1"}
    with Server(env=env) as b:
        hr = login(b, s.password)
        wait_health(b, "current")
        s.pause()
        try:
            n = s.responses()
            s.answer(b)
            # More than a second behind the primary: the reads go there.
            h = wait_health(b, "behind")
            assert h["replica_lag_s"] is None or h["replica_lag_s"] >= 1, h
            before = s.log_size()
            assert responded(indicators(b, hr, s.round)) == n + 1
            assert b.get(f"/hr/rounds/{s.round}", headers=hr).status == 200
            assert not ro_statements(s.log_since(before), r"execute .*indicators\.c")
            assert re.search(r"read replica .*behind .*reads go to the primary", b.log()), b.log()[-1500:]
        finally:
            s.resume()
        # Caught up: back to the standby.
        wait_health(b, "current")
        before = s.log_size()
        assert responded(indicators(b, hr, s.round)) == n + 1
        assert ro_statements(s.log_since(before), r"execute .*indicators\.c")
        assert "read replica in use" in b.log()


@test
def test_an_unreachable_standby_or_a_url_that_is_no_standby_leaves_reads_on_the_primary():
    s = setup()
    n = s.responses()
    nowhere = f"postgresql:///mognad?host={BASE}/nowhere&user=mognad&connect_timeout=2"
    for url, state, said in ((nowhere, "unreachable", "read replica cannot be reached"),
                             (s.p, "not_standby", "MOGNAD_DATABASE_URL_RO is not a standby")):
        env = {"DATABASE_URL": s.p, "MOGNAD_DATABASE_URL_RO": url}
        with Server(env=env) as c:
            hr = login(c, s.password)
            assert responded(indicators(c, hr, s.round)) == n
            for path in (f"/hr/rounds/{s.round}", "/hr"):
                assert c.get(path, headers=hr).status == 200
            h = wait_health(c, state)
            assert h["status"] == "ok" and h["replica_lag_s"] is None, h
            assert said in c.log(), c.log()[-1500:]
            # The primary behind a wrong URL is still only read: sessions of
            # the replica pool are read-only.
            if url == s.p:
                rows = psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mognad-ro'",
                            url=s.p)
                assert int(rows[0][0]) >= 1


@test
def test_without_a_replica_health_says_nothing_about_one():
    s = setup()
    with Server(env={"DATABASE_URL": s.p}) as d:
        h = health(d)
        assert "replica" not in h and h["database"] == "up", h


try:
    run()
finally:
    if S is not None:
        S.close()
