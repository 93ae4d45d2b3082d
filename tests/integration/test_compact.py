"""Compacted aggregates (sql/007_compact.sql): the scheduler folds the
shard rows of the aggregates into one row per key while submissions keep
coming, and the sums stay exactly those of the stored responses: no
submission lost or counted twice, no deadlock, no failed submission."""
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import Server, psql, run, test  # noqa: E402
from mgdeploy import AGG_TABLES, agg_sums, reaggregate  # noqa: E402
from respondent import Browser, answer_all, best, fixture, open_link, worst  # noqa: E402

URL = os.environ.get("DATABASE_URL")


def shard_rows():
    """Rows of each aggregate table that are not folded yet."""
    return {t: int(psql(f"SELECT count(*) FROM {t} WHERE shard >= 0")[0][0]) for t in AGG_TABLES}


def wait_folded(server, timeout=30):
    import time
    deadline = time.monotonic() + timeout
    while any(shard_rows().values()):
        assert time.monotonic() < deadline, (shard_rows(), server.log()[-1500:])
        time.sleep(0.1)


@test
def test_the_scheduler_folds_shards_while_people_answer_and_the_sums_stay_exact():
    rid = fixture()
    link = open_link(rid)
    errors = []

    with Server(env={"MOGNAD_SCHEDULER_INTERVAL_MS": "50"}) as s:
        def respondent(i):
            try:
                b = Browser(s, lang="sv")
                assert b.get(link).status == 303
                csrf = answer_all(b, best if i % 2 else worst)
                r = b.post("/survey/submit", {"csrf": csrf})
                assert r.status in (200, 303), r.status
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"respondent {i}: {e!r}")

        threads = []
        for wave in range(4):
            threads = [threading.Thread(target=respondent, args=(wave * 10 + i,)) for i in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert not errors, errors[:3]
        assert psql("SELECT count(*) FROM responses WHERE round_id = :'p1'", rid)[0][0] == "40"
        # The scheduler has folded everything: no shard row is left, so
        # each key is one row (the primary key allows one per shard).
        wait_folded(s)
        log = s.log()
        assert "deadlock" not in log and "folding the aggregates failed" not in log, log[-2000:]
    kept = agg_sums(URL)
    reaggregate(URL)
    assert kept == agg_sums(URL), "folded aggregates differ from a fresh aggregation"


@test
def test_folding_races_with_additions_and_removals_without_losing_any():
    """Three sessions add and remove responses to the aggregates (+1 then
    -1, as a revision does) while a fourth folds as fast as it can: the
    sums end where they began."""
    rid = fixture()
    link = open_link(rid)
    with Server() as s:
        for i in range(6):
            b = Browser(s, lang="en")
            assert b.get(link).status == 303
            assert b.post("/survey/submit", {"csrf": answer_all(b, best if i % 2 else worst)}).status in (200, 303)
    ids = [r[0] for r in psql("SELECT id FROM responses WHERE round_id = :'p1' ORDER BY id", rid)]
    psql("SELECT mg_agg_compact()")
    before = agg_sums(URL)

    def churn(offset):
        sql = "".join(f"SELECT mg_agg_response('{ids[(offset + j) % len(ids)]}', 1);"
                      f"SELECT mg_agg_response('{ids[(offset + j) % len(ids)]}', -1);\n" for j in range(150))
        return subprocess.Popen(["psql", URL, "-qtAX", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True), sql

    fold = "".join("BEGIN; SELECT pg_advisory_xact_lock(30794449230327905); SELECT mg_agg_compact(); COMMIT;\n"
                   for _ in range(150))
    procs = [churn(k) for k in range(3)]
    folder = subprocess.Popen(["psql", URL, "-qtAX", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    outs = []
    feeders = [threading.Thread(target=lambda p=p, q=q: outs.append(p.communicate(q, timeout=300)))
               for p, q in procs + [(folder, fold)]]
    for t in feeders:
        t.start()
    for t in feeders:
        t.join()
    for p, _ in procs + [(folder, None)]:
        assert p.returncode == 0, [o[1] for o in outs]
    psql("SELECT mg_agg_compact()")
    assert not any(shard_rows().values()), shard_rows()
    assert agg_sums(URL) == before, "the sums moved"


run()
