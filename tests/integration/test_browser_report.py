"""The dashboard's downloads, the annual report printed to PDF, the blank
questionnaire and the paper entry in a real headless Chromium, with
axe-core on each page (tests/browser/report.mjs)."""
import csv
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
PASSWORD = "correct horse battery"


def mognad(*args, **kw):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300, **kw)
    assert r.returncode == 0, (args, r.stderr)
    return r


@test
def test_report_downloads_and_paper_in_chromium():
    reset_db()
    mognad("survey", "load", "--dir", os.path.join(TOP, "surveys"))
    # Seed 4: last year's round (the most recent closed one) hides an
    # administration, so its report has hidden values whose wording the
    # footnote must quote (with seed 3 every administration is shown).
    r = mognad("demo", "--units", UNITS, "--seed", "4")
    rid = re.search(r"round (\d+) open", r.stdout).group(1)
    closed = re.search(r"round (\d+) \"", r.stdout).group(1)
    out = mognad("round", "create", "--name", "Papper", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", "open", "--unit", "REG").stdout
    oid = out.split()[-1]
    mognad("round", "open", oid)
    mognad("user", "add", "--role", "analyst", "anna", input=PASSWORD + "\n")
    mognad("user", "add", "--role", "registrar", "rita", input=PASSWORD + "\n")
    admins = [n for _c, n, p in csv.reader(open(UNITS, encoding="utf-8"), delimiter=";") if p == "REG"]
    # MOGNAD_REPORT_PDFS keeps the printed reports for a look.
    pdfs = os.environ.get("MOGNAD_REPORT_PDFS") or tempfile.mkdtemp()
    os.makedirs(pdfs, exist_ok=True)
    with Server() as s:
        r = subprocess.run(["node", os.path.join(TOP, "tests/browser/report.mjs"), f"http://127.0.0.1:{s.port}",
                            "anna", PASSWORD, f"{rid},{closed}", oid, "|".join(admins), pdfs, "rita"],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or os.environ.get("MG_VERBOSE"):
            print(r.stdout, r.stderr)
            print("\n".join(s.lines[-30:]))
        assert r.returncode == 0, r.stdout.strip().splitlines()[-1] if r.stdout else r.stderr
    # The registrar's one questionnaire is stored on paper, audited as theirs.
    assert psql(f"SELECT channel, count(*) FROM responses WHERE round_id = {oid} GROUP BY 1") == [["paper", "1"]]
    assert psql("SELECT actor FROM audit_log WHERE action = 'response.paper'") == [["rita"]]


if __name__ == "__main__":
    run()
