"""Backup and restore as docs/deploy.md describes them: pg_dump -Fc of a
database with data, pg_restore into a fresh database, and the restored one
gives the same indicators, is up to date for `mognad migrate`, and (with
the same key file) the links people already hold still work."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import Server, psql, run, test  # noqa: E402
from mgdeploy import agg_sums, demo, indicators, mognad, scratch_database  # noqa: E402


def sh(*args):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{' '.join(args)} exited {r.returncode}:\n{r.stderr}"
    return r


@test
def test_pg_dump_and_pg_restore_give_the_same_indicators_and_working_links():
    tmp = tempfile.mkdtemp(prefix="mognad-backup-")
    dump = os.path.join(tmp, "mognad.dump")
    links = os.path.join(tmp, "links.csv")
    with scratch_database("backup") as src, scratch_database("restore") as dst:
        mognad(src, "migrate")
        rounds = demo(src, links)
        # The documented backup: custom format, no owner or privileges so it
        # restores under another role too.
        sh("pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", dump, "--dbname", src)
        assert os.path.getsize(dump) > 0
        sh("pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", "--single-transaction",
           "--dbname", dst, dump)

        assert "database is up to date" in mognad(dst, "migrate").stdout
        for rid in rounds:
            for role in ("all", "staff", "manager"):
                assert indicators(src, rid, role) == indicators(dst, rid, role), (rid, role)
        assert agg_sums(src) == agg_sums(dst)
        count = "SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM invitations), " \
                "(SELECT count(*) FROM survey_items), (SELECT count(*) FROM units)"
        assert psql(count, url=src) == psql(count, url=dst)

        # The restored database with the same key file: a link from before
        # the backup opens the survey, and the sequences go on (a new round).
        token = open(links, encoding="utf-8").read().splitlines()[1].split(",")[1].rsplit("/", 1)[1]
        with Server(env={"DATABASE_URL": dst}) as s:
            r = s.get(f"/s/{token}")
            assert r.status == 303 and r.header("Location") == "/survey", r.status
            assert s.get("/healthz").status == 200
        out = mognad(dst, "round", "create", "--name", "After restore", "--opens", "2099-01-01",
                     "--closes", "2099-02-01", "--mode", "anonymous").stdout
        assert int(out.split()[-1]) > max(int(r) for r in rounds), out


run()
