"""CSV injection: a unit (or an e-mail address) whose text a spreadsheet
would take for a formula leaves the system in every CSV the product writes
as a quoted text starting with ' (OWASP's rule), while negative numbers in
numeric columns stay numbers. Each file is written by the command and read
back with Python's csv module."""
import csv
import io
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
# Administrations of the demo, large enough to be shown in every export.
EVIL = {"HSF": '=HYPERLINK("http://evil.example/";"Press")',
        "ITF": "+cmd|' /C calc'!A0",
        "HRF": "@SUM(1+1)",
        "RSF": "-2+3"}
DANGER = ("=", "+", "-", "@", "\t", "\r")
STATE = {}


def mognad(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=300)


def world():
    if STATE:
        return STATE
    reset_db()
    assert mognad("survey", "load", "--dir", os.path.join(TOP, "surveys")).returncode == 0
    STATE["dir"] = tempfile.mkdtemp()
    STATE["links"] = os.path.join(STATE["dir"], "demo-links.csv")
    # The names are given before the demo closes its first round (a closed
    # round keeps the names it closed with).
    import csv as csv_
    rows = list(csv_.reader(open(UNITS, encoding="utf-8"), delimiter=";"))
    units = os.path.join(STATE["dir"], "units.csv")
    with open(units, "w", encoding="utf-8", newline="") as f:
        csv_.writer(f, delimiter=";").writerows([r_[:1] + [EVIL[r_[0]]] + r_[2:] if r_[0] in EVIL else r_
                                                 for r_ in rows])
    r = mognad("demo", "--units", units, "--seed", "3", "--links", STATE["links"])
    assert r.returncode == 0, r.stderr
    STATE["round"] = int(re.search(r"round (\d+) open", r.stdout).group(1))
    STATE["closed"] = int(re.search(r"round (\d+) \"", r.stdout).group(1))
    return STATE


def read(path, sep=","):
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=sep))


def is_number(s, comma=False):
    try:
        float(s.replace(",", ".") if comma else s)
        return True
    except ValueError:
        return False


def check_cells(rows, comma=False):
    """No cell starts with a character a spreadsheet runs, except a
    number; returns the number of negative numbers seen."""
    negative = 0
    for row in rows:
        for cell in row:
            if cell.startswith(DANGER):
                assert is_number(cell, comma), (cell, row[:3])
                negative += 1
    return negative


def check_names(rows, column, every=True):
    """The evil names appear only behind a ' in `column` (every one of
    them, or with `every` False at least one: microdata shows a unit only
    where k respondents of a role are)."""
    got = {r[column] for r in rows[1:]}
    shown = [name for name in EVIL.values() if "'" + name in got]
    assert shown if not every else len(shown) == len(EVIL), sorted(got)
    assert not [name for name in EVIL.values() if name in got]


@test
def test_indicator_csvs_neutralise_formulas_in_both_separators():
    w = world()
    for sep, extra in ((",", []), (";", ["--semicolon"])):
        path = os.path.join(w["dir"], f"ind{len(extra)}.csv")
        r = mognad("export", "--round", str(w["round"]), "--format", "csv", "--lang", "sv", "--out", path, *extra)
        assert r.returncode == 0, r.stderr
        rows = read(path, sep)
        check_names(rows, 1)
        check_cells(rows, comma=bool(extra))
        # The parent column names a code, the figures stay numbers.
        assert any(re.fullmatch(r"\d+(,\d)?" if extra else r"\d+(\.\d)?", r[7]) for r in rows[1:])


@test
def test_microdata_csv_and_codebook_neutralise_formulas_and_keep_negative_codes():
    w = world()
    path = os.path.join(w["dir"], "micro.csv")
    for extra in ([], ["--semicolon"]):
        r = mognad("export", "--round", str(w["closed"]), "--format", "csv", "--microdata", "--lang", "en",
                   "--out", path, *extra)
        assert r.returncode == 0, r.stderr
        sep = ";" if extra else ","
        rows = read(path, sep)
        col = rows[0].index("unit_name")
        check_names(rows, col, every=False)
        # "Don't know" is -1, a number written as a number.
        assert check_cells(rows, comma=bool(extra)) > 0
        assert any(c == "-1" for row in rows[1:] for c in row)
        book = read(path + ".codebook.csv", sep)
        check_cells(book, comma=bool(extra))
        assert any(c == "-1" for row in book for c in row)
        assert not [c for row in book for c in row if c in EVIL.values()]


@test
def test_link_csvs_neutralise_formulas():
    w = world()
    # The demo's links of the people who have not answered.
    check_cells(read(w["links"]))
    # An open round's unit links name the units.
    r = mognad("round", "create", "--name", "Öppen", "--opens", "2020-01-01", "--closes", "2099-01-01",
               "--mode", "open")
    assert r.returncode == 0, r.stderr
    rid = r.stdout.split()[-1]
    assert mognad("round", "open", rid).returncode == 0
    r = mognad("round", "links", rid)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
    assert rows[0] == ["unit_code", "unit_name", "link"]
    check_names(rows, 1)
    check_cells(rows)
    # Invitation and reminder links: an e-mail address may start with = or +.
    reg = os.path.join(w["dir"], "register.csv")
    with open(reg, "w", encoding="utf-8") as f:
        f.write("employee_id,email,unit_code,role\n"
                "x1,=1+1@example.org,ITF-SUP,staff\n"
                "x2,+cmd@example.org,ITF-SUP,staff\n"
                "x3,-x@example.org,ITF-SUP,manager\n")
    for cmd in ("invite", "remind"):
        r = mognad(cmd, "--round", str(w["round"]), reg)
        assert r.returncode == 0, r.stderr
        rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
        assert rows[0] == ["email", "link", "language"], rows[0]
        assert sorted(r_[0] for r_ in rows[1:]) == ["'+cmd@example.org", "'-x@example.org", "'=1+1@example.org"]
        check_cells(rows)


if __name__ == "__main__":
    run()
