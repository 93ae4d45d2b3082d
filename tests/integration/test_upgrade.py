"""Upgrading: a database made by the previous release's migrations and
filled through the CLI is migrated to the current sql/ without changing a
single figure, and keeps working (a new submission is aggregated exactly as
a fresh aggregation of every response would be)."""
import glob
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import TOP, Server, psql, run, test  # noqa: E402
from mgdeploy import agg_sums, demo, indicators, mognad, reaggregate, scratch_database  # noqa: E402
from respondent import Browser, answer_all, best  # noqa: E402

# The migrations of the previous release (0.1 before the indicators work:
# 005_indicators.sql and `mognad indicators` came together, so that
# release cannot print indicators; its aggregates are what it records).
PREVIOUS_RELEASE = ("001", "002", "003", "004")


def previous_sql_dir():
    d = tempfile.mkdtemp(prefix="mognad-prev-sql-")
    for f in sorted(glob.glob(os.path.join(TOP, "sql", "[0-9][0-9][0-9]_*.sql"))):
        if os.path.basename(f)[:3] in PREVIOUS_RELEASE:
            shutil.copy(f, d)
    assert len(os.listdir(d)) == len(PREVIOUS_RELEASE), os.listdir(d)
    return d


@test
def test_upgrade_from_previous_release_keeps_every_figure_and_accepts_new_answers():
    old_sql = previous_sql_dir()
    links = os.path.join(tempfile.mkdtemp(), "links.csv")
    current = len(glob.glob(os.path.join(TOP, "sql", "[0-9][0-9][0-9]_*.sql")))
    with scratch_database("upgrade") as old, scratch_database("upgfresh") as fresh:
        # The previous release's schema, filled through the CLI.
        r = mognad(old, "migrate", "--sql-dir", old_sql)
        assert f"{len(PREVIOUS_RELEASE)} migration(s) applied" in r.stdout, r.stdout
        assert psql("SELECT to_regclass('agg_invited') IS NULL", url=old) == [["t"]]
        r0, r1, r2 = demo(old, links)
        before = agg_sums(old)
        responses = psql("SELECT round_id, count(*), sum(index_score) FROM responses GROUP BY 1 ORDER BY 1",
                         url=old)
        assert [x[0] for x in responses] == [r0, r1, r2] and all(int(x[1]) > 0 for x in responses)

        # Upgrade: every newer migration, once; then a no-op.
        r = mognad(old, "migrate")
        assert f"{current - len(PREVIOUS_RELEASE)} migration(s) applied" in r.stdout, r.stdout
        assert "database is up to date" in mognad(old, "migrate").stdout
        now = agg_sums(old)
        assert now == {**before, "agg_invited": now["agg_invited"], "agg_paired": now["agg_paired"]}
        # 007 backfills the pairs of the demo's rounds (a pseudonymous series):
        # each round with the one before.
        assert {row[0] for row in now["agg_paired"]} == {r1, r2}, now["agg_paired"]
        assert psql("SELECT round_id, count(*), sum(index_score) FROM responses GROUP BY 1 ORDER BY 1",
                    url=old) == responses
        # The invitation counts 005 backfills match the invitations.
        assert agg_sums(old)["agg_invited"] == psql(
            "SELECT round_id, unit_id, role, count(*) FROM invitations GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", url=old)

        # The indicators of the upgraded database are those of the same demo
        # (same seed, same key file) made on the current schema directly...
        mognad(fresh, "migrate")
        assert demo(fresh, os.path.join(tempfile.mkdtemp(), "links.csv")) == [r0, r1, r2]
        upgraded = {rid: {role: indicators(old, rid, role) for role in ("all", "staff", "manager")}
                    for rid in (r0, r1, r2)}
        for rid in (r0, r1, r2):
            for role in ("all", "staff", "manager"):
                assert upgraded[rid][role] == indicators(fresh, rid, role), (rid, role)
        assert upgraded[r1]["all"]["units"][0]["subtree"]["responded"] == int(responses[1][1])

        # ...and those of aggregating every response afresh.
        reaggregate(old)
        for rid in (r0, r1, r2):
            assert indicators(old, rid) == upgraded[rid]["all"], rid

        # A new submission in the open round after the upgrade.
        token = open(links, encoding="utf-8").read().splitlines()[1].split(",")[1].rsplit("/", 1)[1]
        with Server(env={"DATABASE_URL": old}) as s:
            b = Browser(s, lang="en")
            assert b.get(f"/s/{token}").status == 303
            csrf = answer_all(b, best)
            r = b.post("/survey/submit", {"csrf": csrf})
            # Pseudonymous: the profile can be shown again, so submit redirects to it.
            assert r.status == 303 and r.header("Location") == "/survey/profile", r.status
            r = b.get("/survey/profile")
            assert r.status == 200 and "Your competence profile" in r.text, r.status
        after = indicators(old, r2)
        assert after["units"][0]["subtree"]["responded"] == upgraded[r2]["all"]["units"][0]["subtree"]["responded"] + 1
        kept = agg_sums(old)
        reaggregate(old)
        assert agg_sums(old) == kept
        assert indicators(old, r2) == after
        assert indicators(old, r1) == upgraded[r1]["all"]
        assert indicators(old, r0) == upgraded[r0]["all"]


@test
def test_migrate_refuses_a_database_newer_than_its_sql_dir():
    """Downgrading is not supported: an older release refuses, changing nothing."""
    with scratch_database("downgrade") as url:
        mognad(url, "migrate")
        r = mognad(url, "migrate", "--sql-dir", previous_sql_dir(), check=False)
        assert r.returncode == 1 and re.search(r"made by a newer mognad", r.stderr), r.stderr


run()
