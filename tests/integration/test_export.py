"""mognad export: indicators as CSV (comma and semicolon), Excel and JSON
read back and compared with the API; research microdata as CSV with a
codebook and as SPSS .sav read back with libreadstat's tools, never with a
unit of fewer than k respondents of a role, a pseudonym or a date; every
export in the audit log."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
PASSWORD = "correct horse battery"
TRICKY = 'IT, drift; "support" & co'
STATE = {}


def mognad(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)


def world():
    """The demo (real surveys, three rounds), with a unit name full of
    separators; built once for the file."""
    if STATE:
        return STATE
    reset_db()
    assert mognad("survey", "load", "--dir", os.path.join(TOP, "surveys")).returncode == 0
    # ITF's name full of separators, given before the demo closes its round
    # (a closed round keeps the names it closed with).
    rows = list(csv.reader(open(UNITS, encoding="utf-8"), delimiter=";"))
    units = os.path.join(tempfile.mkdtemp(), "units.csv")
    with open(units, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=";").writerows([r_[:1] + [TRICKY] + r_[2:] if r_[0] == "ITF" else r_ for r_ in rows])
    r = mognad("demo", "--units", units, "--seed", "3")
    assert r.returncode == 0, r.stderr
    STATE["round"] = int(re.search(r"round (\d+) open", r.stdout).group(1))
    STATE["closed"] = int(re.search(r"round (\d+) \"", r.stdout).group(1))
    STATE["first"] = int(re.search(r"began a year earlier with round (\d+)", r.stdout).group(1))
    r = subprocess.run([BIN, "user", "add", "--role", "analyst", "anna"], input=PASSWORD + "\n",
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    STATE["dir"] = tempfile.mkdtemp()
    return STATE


def api(path):
    with Server() as s:
        r = s.request("POST", "/api/v1/session", body=json.dumps({"login": "anna", "password": PASSWORD}),
                      headers={"Content-Type": "application/json"})
        assert r.status == 201, r.body
        got = s.get(path, headers={"Cookie": r.header("Set-Cookie").split(";")[0]})
        assert got.status == 200, got.body
        return got.json()


def hidden(v):
    return isinstance(v, dict) and v.get("suppressed") is True


def out(name):
    return os.path.join(world()["dir"], name)


def audit_count(action):
    return int(psql(f"SELECT count(*) FROM audit_log WHERE action = '{action}'")[0][0])


def check_overview_rows(rows, ind, word, num):
    """rows: the CSV/XLSX overview rows (after the header); num parses a
    number cell. Compares with the API's subtree cells."""
    units = ind["units"]
    assert [r[0] for r in rows] == [u["code"] for u in units]
    areas = [a["key"] for a in ind["areas"]]
    for r, u in zip(rows, units):
        c = u["subtree"]
        assert r[1] == u["name"]
        if hidden(c["responded"]):
            assert r[5] == word and r[6] == word and r[7] == word, r
        else:
            assert num(r[5]) == c["responded"] and num(r[6]) == c["invited"]
            assert abs(num(r[7]) - 100 * c["response_rate"]) <= 0.05 + 1e-9
        if hidden(c["index"]):
            assert r[8] == word
        else:
            assert abs(num(r[8]) - c["index"]["mean"]) <= 0.005 + 1e-9
            assert abs(num(r[9]) - c["index"]["ci95"][0]) <= 0.005 + 1e-9
            assert abs(num(r[10]) - c["index"]["ci95"][1]) <= 0.005 + 1e-9
        for i, key in enumerate(areas):
            cell = c["areas"][key]
            got = r[11 + i]
            if hidden(cell):
                assert got == word, (u["code"], key, got)
            elif "mean" in cell:
                assert abs(num(got) - cell["mean"]) <= 0.005 + 1e-9, (u["code"], key, got, cell)
            else:
                assert got in ("", None), (u["code"], key, got)


@test
def test_indicators_csv_comma_and_semicolon_match_the_api():
    w = world()
    rid = w["closed"]
    ind = api(f"/api/v1/rounds/{rid}/indicators?depth=20&role=all")
    assert any(hidden(u["subtree"]["responded"]) for u in ind["units"]), "the demo should hide a unit"
    before = audit_count("export.indicators")
    r = mognad("export", "--round", str(rid), "--format", "csv", "--lang", "en", "--out", out("ind.csv"))
    assert r.returncode == 0, r.stderr
    raw = open(out("ind.csv"), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert oct(os.stat(out("ind.csv")).st_mode & 0o777) == "0o600"
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    assert rows[0][:3] == ["Unit code", "Unit", "Parent unit"]
    assert "Artificial intelligence (AI)" in rows[0] or any("AI" in h for h in rows[0])
    # The name with a comma, a semicolon and quotes survives the round trip.
    assert [r_ for r_ in rows if r_[0] == "ITF"][0][1] == TRICKY
    check_overview_rows(rows[1:], ind, "hidden", float)

    # Semicolons and decimal commas for Swedish Excel, texts in Swedish.
    r = mognad("export", "--round", str(rid), "--format", "csv", "--semicolon", "--lang", "sv")
    assert r.returncode == 0, r.stderr
    text = r.stdout.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0][:2] == ["Enhetskod", "Enhet"]
    assert re.search(r";\"?\d+,\d\"?;", text), "decimal commas expected"
    check_overview_rows(rows[1:], ind, "dolt", lambda s: float(s.replace(",", ".")))
    assert audit_count("export.indicators") == before + 2


@test
def test_indicators_xlsx_has_numbers_as_numbers_and_marked_hidden_cells():
    import openpyxl
    w = world()
    rid = w["closed"]
    ind = api(f"/api/v1/rounds/{rid}/indicators?depth=20&role=staff")
    r = mognad("export", "--round", str(rid), "--format", "xlsx", "--role", "staff", "--lang", "nb",
               "--out", out("ind.xlsx"))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out("ind.xlsx"))
    assert wb.sheetnames == ["Oversikt", "Områder", "Nivåer", "Fellestjenester", "Ledere og medarbeidere",
                             "Endring", "Reliabilitet", "Om tallene"]
    ws = wb["Oversikt"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "Enhetskode"
    # Numbers are numbers; hidden cells are the word, in a patterned cell.
    data = rows[1:]
    numeric = [v for row in data for v in row[4:] if v is not None and v != "skjult"]
    assert numeric and all(isinstance(v, (int, float)) for v in numeric)
    hidden_cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == "skjult"]
    assert hidden_cells and all(c.fill.fill_type == "lightUp" for c in hidden_cells)
    # Same figures as the API (the overview has no role column).
    fake = [[row[0], row[1], row[2], row[3], None] + row[4:] for row in data]
    check_overview_rows([[("" if v is None else v) for v in row] for row in fake], ind, "skjult", float)
    about = [[c.value for c in row] for row in wb["Om tallene"].iter_rows()]
    assert any(row[0] and "færre enn" in str(row[0]) for row in about)
    k = ind["round"]["k"]
    assert any(row[0] == "Minste gruppestørrelse" and row[1] == k for row in about)
    # The levels sheet: shares in per cent that add up to 100 for a shown cell.
    lv = [[c.value for c in row] for row in wb["Nivåer"].iter_rows()]
    shown = [row for row in lv[1:] if isinstance(row[3], (int, float)) and row[3] > 0]
    assert shown and all(abs(sum(x for x in row[4:] if isinstance(x, (int, float))) - 100) < 1e-6 for row in shown)


@test
def test_xlsx_sheets_freeze_their_header_keep_the_area_order_and_explain_a_first_round():
    import openpyxl
    w = world()
    wrong = []
    for rid, first in ((w["round"], False), (w["closed"], False), (w["first"], True)):
        ind = api(f"/api/v1/rounds/{rid}/indicators?depth=1&role=all")
        path = out(f"order-{rid}.xlsx")
        r = mognad("export", "--round", str(rid), "--format", "xlsx", "--lang", "sv", "--out", path)
        assert r.returncode == 0, r.stderr
        wb = openpyxl.load_workbook(path)
        # Every data sheet keeps its header row in view.
        for ws in wb.worksheets[:-1]:
            if ws.freeze_panes not in ("A2", "C2"):
                wrong.append(f"round {rid}: {ws.title} has no frozen header ({ws.freeze_panes})")
        # Reliability lists the areas in the survey's order, like the areas sheet.
        names = [c.value for c in wb["Reliabilitet"]["A"][1:] if c.value]
        order = [row[2].value for row in wb["Områden"].iter_rows(min_row=2) if row[0].value == ind["units"][0]["code"]]
        assert names and len(names) == len(ind["reliability"]), names
        if names != [n for n in order if n in names]:
            wrong.append(f"round {rid}: reliability in the order {names}, areas in {order}")
        # A first round's change sheet says why it is empty.
        change = [[c.value for c in row] for row in wb["Förändring"].iter_rows(min_row=2)]
        note = "Det finns ingen tidigare mätning att jämföra med."
        if first:
            assert ind["round"]["previous_round"] is None
            if not change or change[0][0] != note:
                wrong.append(f"round {rid}: the first round's change sheet has no note: {change[:2]}")
        else:
            assert ind["round"]["previous_round"] is not None
            assert all(note not in row for row in change) and len(change) > 2
    assert not wrong, "\n".join(wrong)


@test
def test_json_export_is_the_api():
    w = world()
    rid = w["round"]
    r = mognad("export", "--round", str(rid), "--format", "json", "--unit", "EKO")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == api(f"/api/v1/rounds/{rid}/indicators?unit=EKO&depth=20&role=all")


def read_microdata_csv(path):
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def unit_paths():
    rows = psql("SELECT u.code, p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id")
    return {c: (p or None) for c, p in rows}


def microdata(name, *args):
    """The microdata CSV of the closed round (with extra arguments)."""
    r = mognad("export", "--round", str(world()["closed"]), "--format", "csv", "--microdata", "--lang", "en",
               *args, "--out", out(name))
    assert r.returncode == 0, r.stderr
    return r, read_microdata_csv(out(name))


def subtree_of(parents, code):
    return {c for c in parents if c == code or under(parents, c, code)}


def under(parents, code, top):
    x = code
    while x and x != top:
        x = parents[x]
    return x == top


def placed_inside(rows, parents, code, kind, role):
    """Rows the file places inside the cell (code, kind, role): their label
    lies in it, and for a role cell, their role is shown as that role."""
    n = 0
    for row in rows:
        if kind == "alone":
            inside = row["unit"] == code and row["unit_scope"] == "1"
        else:
            inside = under(parents, row["unit"], code)
        if inside and (role == "all" or row["role"] == ("1" if role == "staff" else "2")):
            n += 1
    return n


@test
def test_microdata_holds_no_pseudonym_date_or_channel_and_groups_of_k():
    w = world()
    rid = w["closed"]
    before = audit_count("export.microdata")
    r, rows = microdata("micro.csv")
    m = re.search(r"(\d+) responses written", r.stderr)
    assert len(rows) == int(m.group(1)) > 0 and "left out" not in r.stderr
    cols = set(rows[0])
    bad = [c for c in cols if re.search(r"pseudonym|date|submitted|^id$|_id$|email|employee|^channel$|^lang", c)]
    assert not bad, bad
    text = open(out("micro.csv"), encoding="utf-8-sig").read()
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    for (p,) in psql(f"SELECT encode(pseudonym, 'hex') FROM responses WHERE round_id = {rid} LIMIT 50"):
        assert p not in text
    # Every (unit, scope, role) group of rows holds at least k; some rows
    # have their role left out, where the role's group is too small.
    k = int(psql(f"SELECT min_group_size FROM rounds WHERE id = {rid}")[0][0])
    groups = {}
    for row in rows:
        key = (row["unit"], row["unit_scope"], row["role"])
        groups[key] = groups.get(key, 0) + 1
    assert all(v >= k for v in groups.values()), groups
    # Each row is under its own unit or one above it: the labels' true
    # counts hold the rows; the index sums are the stored ones.
    parents = unit_paths()
    truth = psql(f"SELECT u.code, p.role, count(*) FROM responses p JOIN units u ON u.id = p.unit_id "
                 f"WHERE p.round_id = {rid} GROUP BY 1, 2")
    for (label, scope, role), count in groups.items():
        units = {label} if scope == "1" else subtree_of(parents, label)
        assert count <= sum(int(c) for code, rl, c in truth
                            if code in units and role in ("", "1" if rl == "staff" else "2"))
    total = sum(float(row["index"]) for row in rows if row["index"])
    stored = float(psql(f"SELECT COALESCE(sum(index_score), 0) FROM responses WHERE round_id = {rid}")[0][0])
    assert abs(total - stored) < 1e-6, "the demo's whole organisation is shown: every row is in the file"
    # The codebook describes every column and its codes.
    book = read_microdata_csv(out("micro.csv.codebook.csv"))
    assert {b["variable"] for b in book} == cols
    assert {"1": "Staff member", "2": "Manager"} == {b["code"]: b["meaning of the code"] for b in book
                                                     if b["variable"] == "role" and b["code"]}
    dk = [b for b in book if b["variable"] == "base_esign_use" and b["code"] == "-1"]
    assert dk and dk[0]["meaning of the code"] == "Not relevant in my job"
    # -1 is declared missing as in the .sav, and no other code is.
    assert all(b["missing value"] == "yes" for b in book if b["code"] == "-1")
    assert all(b["missing value"] == "" for b in book if b["code"] != "-1")
    assert sum(1 for b in book if b["missing value"] == "yes") > 10
    assert audit_count("export.microdata") == before + 1


@test
def test_attack_microdata_with_the_indicators_and_other_filters_leaves_no_small_group():
    """The issue's attack: a shown indicator cell minus the rows the file
    places inside it must leave nobody or at least k, for every unit, kind
    and role, in the full file and in the files of any --unit or --role;
    and a filtered file only selects rows of the full one."""
    w = world()
    rid = w["closed"]
    k = int(psql(f"SELECT min_group_size FROM rounds WHERE id = {rid}")[0][0])
    parents = unit_paths()
    _, full = microdata("full.csv")
    cells = {}
    for role in ("all", "staff", "manager"):
        ind = api(f"/api/v1/rounds/{rid}/indicators?depth=20&role={role}")
        for u in ind["units"]:
            for kind in ("subtree", "alone"):
                c = u.get(kind)
                if c is not None and not hidden(c["responded"]):
                    cells[(u["code"], kind, role)] = c["responded"]
    assert len(cells) > 50
    checked = 0
    files = [("full", full)]
    for code in ("EKO", "EKO-INK", "ITF", "HSF"):
        if code in parents:
            files.append((code, microdata(f"u-{code}.csv", "--unit", code)[1]))
    for role in ("staff", "manager"):
        files.append((role, microdata(f"r-{role}.csv", "--role", role)[1]))
    key = lambda row: tuple(sorted(row.items()))  # noqa: E731
    whole = {}
    for row in full:
        whole[key(row)] = whole.get(key(row), 0) + 1
    for name, rows in files:
        # A filter selects rows of the one placement: same labels, same roles.
        mine = {}
        for row in rows:
            mine[key(row)] = mine.get(key(row), 0) + 1
        assert all(whole.get(x, 0) >= n for x, n in mine.items()), f"{name}: a row the full file places elsewhere"
        for (code, kind, role), n in cells.items():
            left = n - placed_inside(rows, parents, code, kind, role)
            assert left == 0 or left >= k, (name, code, kind, role, n, left)
            checked += 1
    assert checked > 100, checked
    # The role filter keeps only rows whose role is shown.
    assert all(row["role"] == "1" for row in files[-2][1]) and all(row["role"] == "2" for row in files[-1][1])


@test
def test_microdata_of_an_open_round_is_refused():
    w = world()
    r = mognad("export", "--round", str(w["round"]), "--format", "csv", "--microdata", "--out", out("open.csv"))
    assert r.returncode == 1 and "closed" in r.stderr, r.stderr
    assert not os.path.exists(out("open.csv"))


@test
def test_sav_reads_back_with_labels_and_the_same_rows():
    w = world()
    rid = w["closed"]
    r = mognad("export", "--round", str(rid), "--format", "sav", "--lang", "sv", "--out", out("micro.sav"))
    assert r.returncode == 0, r.stderr
    meta_path = out("micro.json")
    m = subprocess.run(["extract_metadata", out("micro.sav"), meta_path], capture_output=True, text=True)
    assert m.returncode == 0, m.stderr
    meta = {v["name"]: v for v in json.load(open(meta_path, encoding="utf-8"))["variables"]}
    assert meta["role"]["label"].startswith("Roll")
    assert {c["code"]: c["label"] for c in meta["role"]["categories"]} == {1.0: "Medarbetare", 2.0: "Chef"}
    assert meta["info_search"]["label"].startswith("Jag kan hitta den information")
    assert [c["label"] for c in meta["info_search"]["categories"]][:2] == ["Inte alls", "Med hjälp"]
    assert meta["index"]["label"] == "Digitalt kompetensindex (0–100)"
    assert meta["unit"]["type"] == "STRING"
    # The rows, converted back to CSV by readstat, are those of the CSV export.
    back = subprocess.run(["readstat", out("micro.sav"), "-"], capture_output=True, text=True)
    assert back.returncode == 0, back.stderr
    sav_rows = list(csv.DictReader(io.StringIO(back.stdout)))
    r = mognad("export", "--round", str(rid), "--format", "csv", "--microdata", "--out", out("micro2.csv"))
    assert r.returncode == 0, r.stderr
    csv_rows = read_microdata_csv(out("micro2.csv"))
    assert len(sav_rows) == len(csv_rows) > 0
    for a, b in zip(sav_rows, csv_rows):
        assert a["unit"] == b["unit"] and a["unit_name"] == b["unit_name"]
        for col in ("role", "index", "info_search", "s_info_search", "a_ai"):
            x, y = a[col], b[col]
            if y == "":
                assert x in ("", "."), (col, x)
            else:
                assert abs(float(x) - float(y)) < 1e-9, (col, x, y)


@test
def test_export_refuses_bad_arguments_and_leaves_no_file():
    w = world()
    rid = str(w["round"])
    cases = [([], 2, "--round"), (["--round", rid], 2, "--format"),
             (["--round", rid, "--format", "pdf"], 2, "--format"),
             (["--round", rid, "--format", "xlsx"], 2, "--out"),
             (["--round", rid, "--format", "sav"], 2, "--out"),
             (["--round", rid, "--format", "json", "--microdata"], 2, "--microdata"),
             (["--round", rid, "--format", "csv", "--lang", "de"], 2, "--lang"),
             (["--round", rid, "--format", "csv", "--role", "boss"], 2, "--role"),
             (["--round", "x", "--format", "csv"], 2, "--round"),
             (["--round", "999999", "--format", "csv", "--out", out("none.csv")], 1, "no round"),
             (["--round", rid, "--format", "csv", "--unit", "NOPE", "--out", out("none.csv")], 1, "no unit"),
             (["--round", "999999", "--format", "sav", "--out", out("none.sav")], 1, "no round")]
    before = int(psql("SELECT count(*) FROM audit_log")[0][0])
    for args, code, text in cases:
        r = mognad("export", *args)
        assert r.returncode == code and text in r.stderr, (args, r.returncode, r.stderr)
    assert not [f for f in os.listdir(w["dir"]) if f.startswith("none")], os.listdir(w["dir"])
    assert int(psql("SELECT count(*) FROM audit_log")[0][0]) == before


if __name__ == "__main__":
    run()
