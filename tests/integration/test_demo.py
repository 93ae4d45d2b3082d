"""mognad demo: an empty database becomes a living example through the real
code paths (rounds, series scheduler, invitations, scoring, storing), the
indicators API returns every indicator for it, and it never touches a
database that holds data."""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")


def mognad(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=300)


def fresh():
    reset_db()
    r = mognad("survey", "load", "--dir", os.path.join(TOP, "surveys"))
    assert r.returncode == 0, r.stderr


def demo(*extra):
    links = os.path.join(tempfile.mkdtemp(), "links.csv")
    r = mognad("demo", "--units", UNITS, "--links", links, *extra)
    assert r.returncode == 0, r.stderr
    return r.stdout, links


def is_suppressed(v):
    return isinstance(v, dict) and v.get("suppressed") is True


@test
def test_demo_makes_three_rounds_of_a_series_with_every_indicator():
    fresh()
    out, links = demo("--admin", "admin", "--seed", "11")
    # The most recent closed round and the open one on one line (what other
    # tests parse), the series' first round on a line of its own.
    m = re.search(r"round (\d+) .* closed, (\d+) of (\d+) answered; round (\d+) open, (\d+) of (\d+) answered", out)
    assert m, out
    r1, resp1, inv1, r2, resp2, inv2 = map(int, m.groups())
    assert int(re.search(r"round (\d+) \"", out).group(1)) == r1, out
    m = re.search(r"began a year earlier with round (\d+) \(.*\), closed, (\d+) of (\d+) answered", out)
    assert m, out
    r0, resp0, inv0 = map(int, m.groups())
    rows = psql("SELECT id, state, seq, series_id IS NOT NULL, "
                "(SELECT count(*) FROM responses p WHERE p.round_id = r.id), "
                "(SELECT count(*) FROM invitations i WHERE i.round_id = r.id), "
                "(SELECT count(*) FROM invitations i WHERE i.round_id = r.id AND status = 'completed'), "
                "closes_at < now() - interval '300 days', "
                "(SELECT count(DISTINCT submitted_on) FROM responses p WHERE p.round_id = r.id) "
                "FROM rounds r ORDER BY id")
    assert rows == [[str(r0), "closed", "1", "t", str(resp0), str(inv0), str(resp0), "t", "1"],
                    [str(r1), "closed", "2", "t", str(resp1), str(inv1), str(resp1), "t", "1"],
                    [str(r2), "open", "3", "t", str(resp2), str(inv2), str(resp2), "f", "1"]], rows
    assert 0 < resp2 < inv2 and resp1 > resp2 and resp0 > resp2
    # The rounds are a year apart, each answered in its own first week.
    assert psql("SELECT bool_and(o.opens_at + interval '12 months' = n.opens_at) FROM rounds o "
                "JOIN rounds n ON n.seq = o.seq + 1") == [["t"]]
    assert psql("SELECT bool_and(p.submitted_on < r.closes_at) FROM responses p JOIN rounds r ON r.id = p.round_id "
                "WHERE r.state = 'closed'") == [["t"]]
    # People left and joined between the rounds: some invited in one round
    # only, or in two.
    once = psql("SELECT count(*) FILTER (WHERE c = 1), count(*) FILTER (WHERE c = 2), count(*) FILTER (WHERE c = 3) "
                "FROM (SELECT count(*) AS c FROM invitations GROUP BY pseudonym) x")[0]
    assert all(int(x) > 0 for x in once), once
    # Nothing about a person: generated ids never reach the database.
    dump = psql("SELECT string_agg(t::text, ' ') FROM (SELECT * FROM invitations) t")[0][0]
    assert "demo-0" not in dump and "example.org" not in dump

    # The links file: 0600, one line per person who has not answered.
    assert stat.S_IMODE(os.stat(links).st_mode) == 0o600
    lines = open(links, encoding="utf-8").read().splitlines()
    assert lines[0] == "email,link,language"
    assert len(lines) - 1 == inv2 - resp2, (len(lines), inv2, resp2)
    assert f"links of the {inv2 - resp2} who have not answered" in out

    # The admin's password is printed once and works.
    pw = re.search(r'admin account "admin", password (\S+) ', out).group(1)
    with Server() as s:
        r = s.request("POST", "/api/v1/session", body=json.dumps({"login": "admin", "password": pw}),
                      headers={"Content-Type": "application/json"})
        assert r.status == 201, r.body
        h = {"Cookie": r.header("Set-Cookie").split(";")[0]}
        # A link of someone who has not answered opens the survey.
        token = lines[1].split(",")[1].rsplit("/", 1)[1]
        r = s.get(f"/s/{token}")
        assert r.status == 303 and r.header("Location") == "/survey", r.status

        body = s.get(f"/api/v1/rounds/{r2}/indicators?depth=2&role=all", headers=h).json()
        top = body["units"][0]["subtree"]
        assert top["responded"] == resp2 and top["invited"] == inv2
        assert abs(top["response_rate"] - resp2 / inv2) < 1e-12
        # This year's round is open: counts only, its figures come at the close.
        pending = {"suppressed": True, "reason": "round_open"}
        assert top["index"] == pending and top["paired"] == pending and top["change"]["index"] == pending
        # Last year's round is closed: every figure, the change since the
        # round two years ago and the paired change included.
        body = s.get(f"/api/v1/rounds/{r1}/indicators?depth=2&role=all", headers=h).json()
        top = body["units"][0]["subtree"]
        assert top["responded"] == resp1 and top["invited"] == inv1
        assert {"mean", "sd", "ci95", "levels"} <= set(top["index"])
        assert abs(sum(top["index"]["levels"].values()) - 1) < 1e-9
        change = top["change"]["index"]
        assert isinstance(change["difference"], float) and len(change["ci95"]) == 2, change
        assert change["ci95"][0] < change["difference"] < change["ci95"][1], change
        paired = top["paired"]
        assert not is_suppressed(paired) and 0 < paired["n"] < resp1, paired
        assert isinstance(paired["mean_change"], float) and len(paired["ci95"]) == 2, paired
        # The units that improved show it: last year's index is above the
        # year before's at the top of the tree.
        assert change["difference"] > 0 and paired["mean_change"] > 0, (change, paired)
        # Some units' paired change is hidden (too few stayers, leavers or
        # joiners), some shown.
        cells = [u["subtree"]["paired"] for u in body["units"][1:]]
        assert any(is_suppressed(c) for c in cells) and any(not is_suppressed(c) for c in cells), cells
        areas = top["areas"]
        assert {"information", "ai", "safety", "leading_change", "org_capability"} <= set(areas)
        # The weakest area is the one the generator made weakest.
        staff_areas = {k: v["mean"] for k, v in areas.items() if not is_suppressed(v) and "mean" in v}
        assert min(staff_areas, key=staff_areas.get) == "ai", staff_areas
        assert all(not is_suppressed(v) and 0 <= v["regular"] <= 1 for v in top["services"].values())
        assert {"index", "areas"} <= set(top["gap"]) and "difference" in top["gap"]["index"]
        rel = body["reliability"]
        assert rel and all(0 < v["alpha"] < 1 for v in rel.values() if not is_suppressed(v)), rel
        # Small units are there, and hidden.
        hidden = [u["code"] for u in body["units"] if is_suppressed(u["alone"]["responded"])]
        assert hidden, "the demo should show suppression"
        trend = s.get(f"/api/v1/series/{body['round']['series']}/trend?role=all", headers=h).json()
        assert [r["round"]["id"] for r in trend["rounds"]] == [r0, r1, r2]
        first, last, now = (r["indicators"] for r in trend["rounds"])
        # Two closed rounds with figures, the second with its change and
        # paired change; this year's open round: counts, figures pending.
        assert [first["responded"], last["responded"], now["responded"]] == [resp0, resp1, resp2]
        assert "mean" in first["index"] and "mean" in last["index"], (first["index"], last["index"])
        assert abs(last["index"]["mean"] - first["index"]["mean"] - change["difference"]) < 1e-9
        assert last["change"] == top["change"] and last["paired"] == top["paired"]
        assert now["index"] == pending and now["change"]["index"] == pending and now["paired"] == pending

    # The kept aggregates are those of the stored responses.
    for kept_sql, fresh_sql in [
        ("SELECT round_id, unit_id, role, sum(n) FROM agg_responses GROUP BY 1, 2, 3 HAVING sum(n) <> 0 "
         "ORDER BY 1, 2, 3",
         "SELECT round_id, unit_id, role, count(*) FROM responses GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        ("SELECT round_id, unit_id, role, area_key, sum(n), sum(sum) FROM agg_scores "
         "GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4",
         "SELECT round_id, unit_id, role, area_key, count(*), sum(score) FROM ("
         " SELECT p.round_id, p.unit_id, p.role, a.area_key, a.score FROM responses p"
         " JOIN response_area_scores a ON a.response_id = p.id"
         " UNION ALL SELECT round_id, unit_id, role, '*', index_score FROM responses"
         " WHERE index_score IS NOT NULL) x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"),
        ("SELECT round_id, unit_id, role, sum(n) FROM agg_invited GROUP BY 1, 2, 3 HAVING sum(n) <> 0 "
         "ORDER BY 1, 2, 3",
         "SELECT round_id, unit_id, role, count(*) FROM invitations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
    ]:
        assert psql(kept_sql) == psql(fresh_sql), kept_sql


@test
def test_demo_is_reproducible_and_refuses_a_database_with_data():
    fresh()
    out1, _ = demo("--seed", "5")
    open1 = re.search(r"round (\d+) open", out1).group(1)
    ind1 = json.loads(mognad("indicators", "--round", open1, "--depth", "3").stdout)
    before = psql("SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM units), "
                  "(SELECT count(*) FROM rounds), (SELECT count(*) FROM users)")
    r = mognad("demo", "--units", UNITS)
    assert r.returncode == 1 and "already holds units or rounds" in r.stderr, r.stderr
    assert psql("SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM units), "
                "(SELECT count(*) FROM rounds), (SELECT count(*) FROM users)") == before
    fresh()
    out2, _ = demo("--seed", "5")
    open2 = re.search(r"round (\d+) open", out2).group(1)
    ind2 = json.loads(mognad("indicators", "--round", open2, "--depth", "3").stdout)
    strip = re.compile(r'"(id|previous_round|series)":\d+')
    a = strip.sub("", json.dumps(ind1, sort_keys=True, separators=(",", ":")))
    b = strip.sub("", json.dumps(ind2, sort_keys=True, separators=(",", ":")))
    diff = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), None)
    assert a == b, (a[diff - 200:diff + 80], b[diff - 200:diff + 80]) if diff is not None else (len(a), len(b))
    # The same people answered the same: only ids differ.
    assert re.sub(r"(series|round) \d+", "", "".join(out1.splitlines(True)[:3])) == \
        re.sub(r"(series|round) \d+", "", "".join(out2.splitlines(True)[:3]))


@test
def test_demo_usage_errors():
    for args, code, text in [([], 2, "--units"), (["--units", UNITS, "--seed", "x"], 2, "--seed"),
                             (["--units", UNITS, "--bogus"], 2, "unknown option"),
                             (["--units", "/nonexistent/units.csv"], 1, "units.csv")]:
        fresh()
        r = mognad("demo", *args)
        assert r.returncode == code and text in r.stderr, (args, r.returncode, r.stderr)
        assert psql("SELECT count(*) FROM rounds") == [["0"]]


COUNTS = ("SELECT (SELECT count(*) FROM units), (SELECT count(*) FROM rounds), (SELECT count(*) FROM responses), "
          "(SELECT count(*) FROM series), (SELECT count(*) FROM invitations), (SELECT count(*) FROM users)")


@test
def test_demo_is_all_or_nothing():
    fresh()
    # A links file that cannot be written stops the demo before the
    # database is touched, without a trace.
    bad = os.path.join(tempfile.mkdtemp(), "var", "demo-links.csv")
    r = mognad("demo", "--units", UNITS, "--links", bad, "--admin", "admin")
    assert r.returncode == 1 and f"cannot write {bad}" in r.stderr and "nothing was written" in r.stderr, r.stderr
    assert psql(COUNTS) == [["0"] * 6]
    assert not os.path.exists(os.path.dirname(bad))
    # A step failing at the very end (the admin account, after every
    # response is in) undoes all the others, and no links file appears.
    links = os.path.join(tempfile.mkdtemp(), "links.csv")
    r = mognad("demo", "--units", UNITS, "--links", links, "--admin", "Not A Login!")
    assert r.returncode == 1 and "cannot create the admin account" in r.stderr, r.stderr
    assert "password" not in r.stdout
    assert psql(COUNTS) == [["0"] * 6]
    assert os.listdir(os.path.dirname(links)) == []
    # The next demo succeeds in the same database.
    out, links = demo("--admin", "admin")
    assert "admin account \"admin\", password" in out
    counts = [int(x) for x in psql(COUNTS)[0]]
    assert counts[1] == 3 and counts[2] > 0 and counts[5] == 1, counts
    assert os.path.getsize(links) > 0


def run_sh(checkout):
    """server/scripts/run.sh (make run without the build) in `checkout`,
    against the test database; returns what it printed up to serving."""
    env = dict(os.environ, MOGNAD_LISTEN="127.0.0.1:0", MOGNAD_DATA_DIR=TOP)
    env.pop("MOGNAD_KEY_FILE", None)
    p = subprocess.Popen(["server/scripts/run.sh"], cwd=checkout, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = []
    try:
        for line in p.stdout:
            lines.append(line.rstrip("\n"))
            if "health:" in line:
                break
    finally:
        # Ctrl-C; a shell started with SIGINT ignored (a test run in the
        # background) cannot trap it, so SIGTERM after a while.
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(120)
    return "\n".join(lines)


@test
def test_make_run_with_database_url_keeps_other_links_and_tells_the_truth_about_admins():
    fresh()
    co = tempfile.mkdtemp()
    os.makedirs(os.path.join(co, "server/scripts"))
    os.makedirs(os.path.join(co, "build"))
    os.makedirs(os.path.join(co, "var"))
    subprocess.run(["cp", os.path.join(TOP, "server/scripts/run.sh"), os.path.join(co, "server/scripts/")],
                   check=True)
    os.symlink(os.path.join(TOP, "server/scripts/demo"), os.path.join(co, "server/scripts/demo"))
    os.symlink(os.path.join(TOP, "surveys"), os.path.join(co, "surveys"))
    os.symlink(os.path.abspath(BIN), os.path.join(co, "build/mognad"))
    db = psql("SELECT current_database()")[0][0]
    links = f"var/demo-links-{db}.csv"
    # The private cluster's file and an earlier file of this database's name.
    for name in ("var/demo-links.csv", links):
        with open(os.path.join(co, name), "w") as f:
            f.write("email,link,language\nold@example.org,http://old.example/s/x,sv\n")

    out = run_sh(co)
    assert "admin account \"admin\", password " in out and "the password printed above" in out, out
    assert f"links of those who have not answered, {links}" in out, out
    kept = re.search(rf"{re.escape(links)} was of an earlier database; kept as (\S+)", out)
    assert kept, out
    assert "old.example" in open(os.path.join(co, kept.group(1))).read()
    assert "old.example" in open(os.path.join(co, "var/demo-links.csv")).read()
    assert "old.example" not in open(os.path.join(co, links)).read()

    # No admin: the start says so and how to make one, not that a password
    # was printed.
    psql("TRUNCATE users CASCADE")
    out = run_sh(co)
    assert "no admin account that can sign in" in out and "user add --role admin" in out, out
    assert "password" not in out.replace("asks for its password", ""), out
    assert "admin account \"admin\"" not in out
    r = subprocess.run([BIN, "user", "add", "--role", "admin", "eva"], input="correct horse battery\n",
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = run_sh(co)
    assert "admin accounts: eva" in out, out


if __name__ == "__main__":
    run()
