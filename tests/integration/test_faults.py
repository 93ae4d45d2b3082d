"""Faults under load, on loopback, in bounded loops: the server killed with
SIGKILL while respondents submit, PostgreSQL stopped and started under the
server, and a database error in the middle of a submission. Every answered
submission is stored exactly once and whole; nothing half-written; 503 with
Retry-After while the database is away; recovery without a restart."""
import os
import queue
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, Skip, psql, reset_db, run, test  # noqa: E402
from respondent import Browser, answer_all, best, worst  # noqa: E402

DEMO = os.path.join(TOP, "server/scripts/demo/units.csv")
PG = os.path.join(TOP, "server/scripts/pg.sh")
ENV = {"MOGNAD_SCHEDULER_INTERVAL_MS": "3600000", "MOGNAD_TIMEOUT": "5"}
UNITS = ["ITF-DRIFT", "HRF-LON", "ITF", "HRF"]


def mognad(*args, stdin=None):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=120)
    assert r.returncode == 0, f"{args}: {r.stderr}"
    return r.stdout


def region_round(people, mode="pseudonymous"):
    """A round of `mode` with `people` invitations; returns (round id, [links])."""
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    mognad("units", "import", DEMO)
    rid = mognad("round", "create", "--name", "F", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", mode, "--unit", "REG").split()[-1]
    mognad("round", "open", rid)
    reg = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mognad-faults-{os.getpid()}.csv")
    with open(reg, "w") as f:
        f.write("employee_id,email,unit_code,role\n")
        for i in range(people):
            f.write(f"F{i:04d},p{i}@x.example,{UNITS[i % len(UNITS)]},staff\n")
    try:
        rows = mognad("invite", "--round", rid, "--base-url", "http://x", reg).strip().splitlines()[1:]
    finally:
        os.unlink(reg)
    return rid, ["/s/" + r.split(",")[1].rsplit("/s/", 1)[1] for r in rows]


def assert_whole_and_aggregated():
    """No half-written response; aggregates equal a fresh aggregation."""
    assert psql("SELECT count(*) FROM responses p WHERE NOT EXISTS "
                "(SELECT 1 FROM response_answers a WHERE a.response_id = p.id)")[0][0] == "0"
    assert psql("SELECT count(*) FROM responses p WHERE NOT EXISTS "
                "(SELECT 1 FROM response_area_scores a WHERE a.response_id = p.id)")[0][0] == "0"
    assert psql("SELECT count(*) FROM (SELECT round_id, pseudonym FROM responses WHERE pseudonym IS NOT NULL "
                "GROUP BY 1, 2 HAVING count(*) > 1) d")[0][0] == "0", "a person stored twice"
    # Each stored response completed its invitation, in the same transaction.
    assert psql("SELECT (SELECT count(*) FROM responses) = (SELECT count(*) FROM invitations "
                "WHERE status = 'completed')")[0][0] == "t"
    kept = psql("""SELECT round_id, unit_id, role, area_key, sum(n), sum(sum), sum(sumsq) FROM agg_scores
                   GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4""")
    fresh = psql("""SELECT round_id, unit_id, role, area_key, count(*), sum(score), sum(score * score) FROM (
                      SELECT p.round_id, p.unit_id, p.role, a.area_key, a.score FROM responses p
                      JOIN response_area_scores a ON a.response_id = p.id
                      UNION ALL SELECT round_id, unit_id, role, '*', index_score FROM responses
                      WHERE index_score IS NOT NULL) x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""")
    assert kept == fresh, (kept, fresh)
    kept = psql("SELECT round_id, unit_id, role, sum(n) FROM agg_responses GROUP BY 1, 2, 3 "
                "HAVING sum(n) <> 0 ORDER BY 1, 2, 3")
    fresh = psql("SELECT round_id, unit_id, role, count(*) FROM responses GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
    assert kept == fresh, (kept, fresh)


class Current:
    """The server the workers talk to now; replaced after a kill."""

    def __init__(self, s):
        self.s = s
        self.lock = threading.Lock()


def submit_one(server, link, pick):
    """One person through the real pages; True when the answer was a 303
    to the profile (the submission is confirmed)."""
    b = Browser(server, lang="en")
    if b.get(link).status != 303:
        return False
    csrf = answer_all(b, pick)
    r = b.post("/survey/submit", {"csrf": csrf})
    return r.status == 303 and r.header("Location") == "/survey/profile"


@test
def test_sigkill_during_submissions_loses_no_confirmed_answer_and_writes_nothing_half():
    rid, links = region_round(240)
    kill_at = [20, 80, 150]  # confirmed submissions before each kill
    todo = queue.Queue()
    for i, link in enumerate(links):
        todo.put((i, link))
    confirmed, lock = set(), threading.Lock()
    interrupted = []
    cur = Current(Server(env=ENV))
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            try:
                i, link = todo.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                ok = submit_one(cur.s, link, best if i % 2 else worst)
            except Exception:
                ok = False  # the server went away mid-way: try this person again
                interrupted.append(i)
                time.sleep(0.05)  # no busy loop while it is down
            if ok:
                with lock:
                    confirmed.add(i)
            else:
                todo.put((i, link))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    kills = 0
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            time.sleep(0.02)
            if kills < len(kill_at) and len(confirmed) >= kill_at[kills]:
                cur.s.proc.kill()  # SIGKILL: no shutdown code runs
                cur.s.proc.wait()
                kills += 1
                # Between the kill and the restart nothing half-written is visible.
                assert_whole_and_aggregated()
                cur.s = Server(env=ENV)
            with lock:
                if len(confirmed) == len(links):
                    break
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    try:
        assert kills == len(kill_at), "the load ended before the kills"
        assert interrupted, "no kill hit a person in the middle of answering"
        assert len(confirmed) == len(links), f"only {len(confirmed)} of {len(links)} confirmed"
        assert_whole_and_aggregated()
        n = int(psql("SELECT count(*) FROM responses WHERE round_id = :'p1'", rid)[0][0])
        assert n == len(links), f"{n} responses for {len(links)} confirmed people"
        # Each confirmed person finds their own submission again through their link.
        for i in sorted(confirmed)[:12]:
            b = Browser(cur.s, lang="en")
            assert b.get(links[i]).status == 303
            r = b.get("/survey/profile")
            assert r.status == 200, (i, r.status)
            figure = re.search(r'class="index-figure"><strong>(\d+)</strong>', r.text).group(1)
            assert figure == ("100" if i % 2 else "0"), (i, figure)
    finally:
        cur.s.stop()
    print(f"    sigkill: {kills} kills, {len(interrupted)} attempts cut off or refused and retried, "
          f"{len(confirmed)} confirmed, each stored once and whole")


@test
def test_postgresql_stopped_and_started_under_load_gives_503_then_recovers():
    pg_dir = os.environ.get("MOGNAD_TEST_PG_DIR")
    if not pg_dir:
        raise Skip("needs the throwaway cluster (MOGNAD_TEST_PG_DIR; DATABASE_URL points elsewhere)")
    rid, links = region_round(8)
    mognad("user", "add", "--role", "analyst", "anna", stdin="correct horse battery\n")
    with Server(env=ENV) as s:
        import json
        r = s.request("POST", "/api/v1/session", body=json.dumps({"login": "anna", "password": "correct horse battery"}),
                      headers={"Content-Type": "application/json"})
        hr = {"Cookie": r.header("Set-Cookie").split(";")[0]}
        b = Browser(s, lang="en")
        assert b.get(links[0]).status == 303
        pid = s.proc.pid
        seen, stop = {}, threading.Event()

        def load():
            while not stop.is_set():
                for path, h in [("/healthz", {}), ("/api/v1/rounds", hr), ("/survey/page/1", None)]:
                    try:
                        r = b.get(path) if h is None else s.get(path, headers=h)
                        seen.setdefault((path, r.status), 0)
                        seen[(path, r.status)] += 1
                    except Exception as e:  # noqa: BLE001
                        seen.setdefault((path, type(e).__name__), 0)
                        seen[(path, type(e).__name__)] += 1
                time.sleep(0.05)

        threads = [threading.Thread(target=load, daemon=True) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            for cycle in range(2):
                time.sleep(0.5)
                subprocess.run([PG, "stop", pg_dir], check=True, capture_output=True)
                try:
                    time.sleep(0.5)
                    r = s.get("/api/v1/rounds", headers=hr)
                    assert r.status == 503 and r.header("Retry-After"), (r.status, r.body[:200])
                    assert r.json()["error"]["code"] == "unavailable", r.body
                    r = b.get("/survey/page/1")
                    assert r.status == 503 and r.header("Retry-After"), (r.status, r.body[:200])
                    assert r.header("Content-Type").startswith("text/html") and "<h1>" in r.text
                    r = s.get("/healthz")
                    assert r.status == 503 and r.header("Retry-After") == "5", r.status
                    r = b.get(links[1])
                    assert r.status == 503 and r.header("Retry-After"), r.status
                finally:
                    subprocess.run([PG, "start", pg_dir], check=True, capture_output=True,
                                   env=dict(os.environ, MOGNAD_PG_FAST="1"))
                # Recovery without a restart: every route answers again within seconds.
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    if (s.get("/healthz").status == 200 and s.get("/api/v1/rounds", headers=hr).status == 200
                            and b.get("/survey/page/1").status == 200):
                        break
                    time.sleep(0.2)
                else:
                    raise AssertionError("no recovery within 20 s")
        finally:
            stop.set()
            for t in threads:
                t.join(10)
        assert s.proc.pid == pid and s.proc.poll() is None
        bad = {k: v for k, v in seen.items() if not (k[1] in (200, 503))}
        assert not bad, f"answers other than 200 and 503 under load: {bad} (all: {seen})"
        # And a full submission works afterwards on the same server.
        csrf = answer_all(b, best)
        assert b.post("/survey/submit", {"csrf": csrf}).status == 303
        assert_whole_and_aggregated()


@test
def test_database_error_in_the_middle_of_a_submission_rolls_back_and_keeps_the_draft():
    rid, links = region_round(3)
    # Test-only: a trigger that fails the answers' insert, after the response row went in.
    psql("""CREATE FUNCTION mg_test_fault() RETURNS trigger LANGUAGE plpgsql AS
            $$BEGIN RAISE EXCEPTION 'test fault'; END$$;
            CREATE TRIGGER mg_test_fault BEFORE INSERT ON response_area_scores
            FOR EACH ROW EXECUTE FUNCTION mg_test_fault();""")
    try:
        with Server(env=ENV) as s:
            b = Browser(s, lang="en")
            assert b.get(links[0]).status == 303
            csrf = answer_all(b, best)
            draft_before = psql("SELECT draft::text FROM respondent_sessions")[0][0]
            aggs = psql("SELECT coalesce(sum(n), 0) FROM agg_responses")
            r = b.post("/survey/submit", {"csrf": csrf})
            assert r.status in (500, 503), r.status
            assert r.header("Content-Type").startswith("text/html") and "<h1>" in r.text, r.text[:300]
            assert "test fault" not in r.text and "response_area_scores" not in r.text
            # Nothing stored, the draft kept, the invitation not completed.
            assert psql("SELECT count(*) FROM responses")[0][0] == "0"
            assert psql("SELECT count(*) FROM response_answers")[0][0] == "0"
            assert psql("SELECT coalesce(sum(n), 0) FROM agg_responses") == aggs
            assert psql("SELECT draft::text FROM respondent_sessions")[0][0] == draft_before
            assert psql("SELECT count(*) FROM invitations WHERE status = 'completed'")[0][0] == "0"
            assert "checked" in b.get("/survey/page/1").text, "the answers are still there"
            # The fault gone, the kept draft submits.
            psql("DROP TRIGGER mg_test_fault ON response_area_scores")
            r = b.post("/survey/submit", {"csrf": csrf})
            assert r.status == 303 and r.header("Location") == "/survey/profile", r.status
            assert_whole_and_aggregated()
            assert psql("SELECT count(*) FROM responses")[0][0] == "1"
            assert any("test fault" in l for l in s.lines), "the cause is logged"
    finally:
        psql("DROP TRIGGER IF EXISTS mg_test_fault ON response_area_scores; DROP FUNCTION IF EXISTS mg_test_fault()")


if __name__ == "__main__":
    run()
