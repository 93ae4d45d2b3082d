"""The HR dashboard in a real headless Chromium: keyboard login, heatmap,
drill-down, trend, management and audit pages, axe-core on each, Nynorsk
at 320 px (tests/browser/dashboard.mjs)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
PASSWORD = "correct horse battery"


def mognad(*args, **kw):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300, **kw)
    assert r.returncode == 0, (args, r.stderr)
    return r


@test
def test_dashboard_in_chromium_with_axe():
    reset_db()
    mognad("survey", "load", "--dir", os.path.join(TOP, "surveys"))
    out = mognad("demo", "--units", UNITS, "--seed", "4").stdout
    rid = re.search(r"round (\d+) open", out).group(1)
    series = re.search(r"series (\d+)", out).group(1)
    mognad("user", "add", "--role", "admin", "ada", input=PASSWORD + "\n")
    assert psql("SELECT count(*) FROM units WHERE code = 'ITF'") == [["1"]]
    with Server() as s:
        r = subprocess.run(["node", os.path.join(TOP, "tests/browser/dashboard.mjs"), f"http://127.0.0.1:{s.port}",
                            "ada", PASSWORD, rid, series, "ITF"],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or os.environ.get("MG_VERBOSE"):
            print(r.stdout, r.stderr)
        assert r.returncode == 0, [l for l in r.stdout.splitlines() if l.startswith("FAIL")] or r.stderr


if __name__ == "__main__":
    run()
