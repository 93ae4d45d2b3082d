"""mognad units import|list|headcount: the demo region imports; every bad
row is reported with its line and nothing is written; renames keep their
history; moves rewrite the paths of whole subtrees; a second import of the
same file changes nothing; expected headcounts per round."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, psql, reset_db, run, test  # noqa: E402

DEMO = os.path.join(TOP, "server/scripts/demo/units.csv")
FIX = os.path.join(TOP, "tests/fixtures/csv")
TMP = tempfile.mkdtemp(prefix="mognad-units-")
atexit.register(shutil.rmtree, TMP, True)


def mognad(*args, ok=True):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)
    if ok:
        assert r.returncode == 0, f"{args}: {r.stderr}"
    return r


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def snapshot():
    """Everything an import or a headcount may change."""
    return psql("SELECT (SELECT count(*) FROM units), "
                "(SELECT md5(string_agg(concat_ws('|', id, code, name, parent_id, path), ',' ORDER BY id)) FROM units), "
                "(SELECT md5(string_agg(concat_ws('|', unit_id, name, valid_from), ',' ORDER BY unit_id, valid_from)) "
                "FROM unit_names), "
                "(SELECT md5(string_agg(concat_ws('|', round_id, unit_id, expected_headcount), ',' "
                "ORDER BY round_id, unit_id)) FROM round_units), "
                "(SELECT count(*) FROM audit_log)")


def paths_consistent():
    """Every path is the parent's path plus the unit's own id."""
    return psql("SELECT count(*) FROM units u LEFT JOIN units p ON p.id = u.parent_id "
                "WHERE u.path <> COALESCE(p.path || u.id::text, u.id::text::ltree)")[0][0] == "0"


def demo():
    reset_db()
    return mognad("units", "import", DEMO)


@test
def test_demo_region_imports_as_a_tree():
    r = demo()
    assert r.stdout.strip() == "35 created, 0 renamed, 0 moved, 0 unchanged; 0 units not in the file left as they were"
    assert psql("SELECT count(*), count(*) FILTER (WHERE parent_id IS NULL) FROM units") == [["35", "1"]]
    assert paths_consistent()
    depth = dict(psql("SELECT code, nlevel(path) FROM units"))
    assert depth["REG"] == "1" and depth["HSF"] == "2" and depth["HSF-NARA"] == "3" and depth["HSF-VARD"] == "4"
    # Every unit starts its name history today.
    assert psql("SELECT count(*) FROM unit_names WHERE valid_from = current_date")[0][0] == "35"
    audit = json.loads(psql("SELECT detail FROM audit_log WHERE action = 'units.import'")[0][0])
    assert audit["created"] == 35 and audit["rows"] == 35 and audit["not_in_file"] == 0
    # HR checks the import.
    out = mognad("units", "list").stdout.splitlines()
    assert out[0].split() == ["code", "name", "parent", "depth"]
    assert len(out) == 36
    vard = next(line for line in out if line.startswith("HSF-VARD "))
    assert vard.split()[-2:] == ["HSF-NARA", "4"] and "Vårdcentralen Norra" in vard
    # Siblings by name: Akutsjukvård before Närsjukvård before Psykiatri.
    order = [line.split()[0] for line in out[1:]]
    assert order.index("HSF-AKUT") < order.index("HSF-NARA") < order.index("HSF-VARD") < order.index("HSF-PSYK")
    tree = mognad("units", "list", "--tree").stdout.splitlines()
    assert tree[0] == "Region Mellansjö (REG)"
    assert "            Vårdcentralen Norra (HSF-VARD)" in tree
    assert "    IT-förvaltningen (ITF)" in tree


@test
def test_every_bad_row_is_reported_by_line_and_nothing_is_written():
    demo()
    before = snapshot()
    bad = os.path.join(FIX, "units_bad.csv")
    r = mognad("units", "import", bad, ok=False)
    assert r.returncode == 1
    want = [
        f'{bad}:2: unit NEW1 has an unknown parent "NOPE" (neither in the file nor in the database)',
        f"{bad}:3: unit NEW2 has an empty name",
        f'{bad}:4: code "bad code!" is not a unit code',
        f"{bad}:6: code NEW3 appears twice (first on line 5)",
        f"{bad}:7: unit C1 would be its own ancestor (parent chain C1 -> C2 -> C1)",
        f"{bad}:8: unit C2 would be its own ancestor (parent chain C2 -> C1 -> C2)",
        f"{bad}:9: unit ITF would be its own ancestor (parent chain ITF -> ITF-DRIFT -> ITF)",
        f"{bad}:10: unit SELF cannot be its own parent",
        f"{bad}:11: the name of unit LONG is longer than 200 characters",
        f"{bad}:12: the code is empty",
        f"{bad}:14: the name of unit MULTI holds a line break or another control character",
        f"mognad units: {bad}: nothing was written",
    ]
    lines = r.stderr.splitlines()
    for w, line in zip(want, lines):
        assert line.startswith(w), (w, line)
    assert len(lines) == len(want), lines
    # Line 13 (a child of the unit with the empty name) and line 16 are fine:
    # no cascade of messages from one mistake.
    assert ":13:" not in r.stderr and ":16:" not in r.stderr
    assert snapshot() == before


@test
def test_broken_files_are_reported_before_the_database_is_touched():
    demo()
    before = snapshot()
    r = mognad("units", "import", write("quote.csv", 'code;name;parent_code\nX;"open;REG\nY;Y;REG\n'), ok=False)
    assert r.returncode == 1
    assert f"{TMP}/quote.csv:2: the quote that opens a field here is never closed" in r.stderr
    latin1 = os.path.join(FIX, "units_latin1.csv")
    r = mognad("units", "import", latin1, ok=False)
    assert r.returncode == 1 and f"{latin1}:2: byte 0xF6 is not UTF-8" in r.stderr
    r = mognad("units", "import", write("cols.csv", "Kod;Namn;parent_code\nA;B;\n"), ok=False)
    assert r.returncode == 1
    assert (f'{TMP}/cols.csv:1: the header has no column "code", "name"; unknown column "kod", "namn" '
            "(the columns are code, name, parent_code)") in r.stderr
    r = mognad("units", "import", write("fields.csv", "code;name;parent_code\nA;B\nC;D;;E\n"), ok=False)
    assert f"{TMP}/fields.csv:2: 2 fields where the header has 3" in r.stderr
    assert f"{TMP}/fields.csv:3: 4 fields where the header has 3" in r.stderr
    r = mognad("units", "import", os.path.join(TMP, "missing.csv"), ok=False)
    assert r.returncode == 1 and "missing.csv: No such file or directory" in r.stderr
    assert mognad("units", "import", ok=False).returncode == 2
    assert mognad("units", "list", "--flat", ok=False).returncode == 2
    assert snapshot() == before


@test
def test_a_runaway_parent_chain_is_refused():
    demo()
    before = snapshot()
    # REG is level 1, so D31 would be level 33.
    rows = "".join(f"D{i};Nivå {i + 2};{'REG' if i == 0 else f'D{i - 1}'}\n" for i in range(33))
    chain = write("deep.csv", "code;name;parent_code\n" + rows)
    r = mognad("units", "import", chain, ok=False)
    assert r.returncode == 1
    assert r.stderr.splitlines()[:2] == [
        f"{chain}:33: unit D31 would be 33 levels deep; the tree has at most 32 levels",
        f"{chain}:34: unit D32 would be 34 levels deep; the tree has at most 32 levels"]
    assert snapshot() == before
    assert mognad("units", "import", write("ok.csv", "code;name;parent_code\n" + rows.rsplit("D31;", 1)[0])) \
        .stdout.startswith("31 created")


@test
def test_move_rewrites_the_paths_of_the_whole_subtree():
    demo()
    ids = dict(psql("SELECT code, id::text FROM units"))
    reorg = os.path.join(FIX, "units_reorg.csv")
    out = mognad("units", "import", reorg).stdout
    assert out.strip() == ("1 created, 1 renamed, 1 moved, 1 unchanged; "
                           "33 units not in the file left as they were"), out
    paths = dict(psql("SELECT code, path::text FROM units"))
    assert paths["HSF-NARA"] == f"{ids['REG']}.{ids['RSF']}.{ids['HSF-NARA']}"
    # The children moved along, and the new unit went under a moved child.
    assert paths["HSF-VARD"] == paths["HSF-NARA"] + "." + ids["HSF-VARD"]
    assert paths["HSF-VARS"] == paths["HSF-NARA"] + "." + ids["HSF-VARS"]
    assert paths["NYA"].startswith(paths["HSF-VARD"] + ".")
    assert psql("SELECT p.code FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = 'HSF-NARA'") == [["RSF"]]
    assert paths_consistent()
    # A move to the top: the unit becomes a root, its subtree follows.
    out = mognad("units", "import", write("root.csv", "code;name;parent_code\nRSF;Regionstabsförvaltningen;\n")).stdout
    assert out.startswith("0 created, 0 renamed, 1 moved, 0 unchanged")
    paths = dict(psql("SELECT code, path::text FROM units"))
    assert paths["RSF"] == ids["RSF"] and paths["HSF-VARD"].startswith(ids["RSF"] + "." + ids["HSF-NARA"] + ".")
    assert paths_consistent()


@test
def test_rename_keeps_the_history_of_names():
    demo()
    uid = psql("SELECT id FROM units WHERE code = 'HSF-NARA'")[0][0]
    # The unit has had its name for a while.
    psql(f"UPDATE unit_names SET valid_from = current_date - 400 WHERE unit_id = {uid}")
    mognad("units", "import", os.path.join(FIX, "units_reorg.csv"))
    assert psql(f"SELECT name FROM units WHERE id = {uid}") == [["Närsjukvård, primärvård"]]
    hist = psql(f"SELECT name, valid_from = current_date FROM unit_names WHERE unit_id = {uid} ORDER BY valid_from")
    assert hist == [["Närsjukvård", "f"], ["Närsjukvård, primärvård", "t"]]
    # A second rename on the same day replaces today's name only.
    out = mognad("units", "import", write("again.csv", "code;name;parent_code\nHSF-NARA;Nära vård;RSF\n")).stdout
    assert out.startswith("0 created, 1 renamed, 0 moved, 0 unchanged")
    hist = psql(f"SELECT name FROM unit_names WHERE unit_id = {uid} ORDER BY valid_from")
    assert hist == [["Närsjukvård"], ["Nära vård"]]
    # A name of 200 characters (400 bytes in UTF-8) is allowed.
    name = "Å" * 200
    mognad("units", "import", write("long.csv", f"code;name;parent_code\nHSF-NARA;{name};RSF\n"))
    assert psql(f"SELECT length(name) FROM units WHERE id = {uid}") == [["200"]]


@test
def test_importing_the_same_file_twice_changes_nothing():
    demo()
    reorg = os.path.join(FIX, "units_reorg.csv")
    mognad("units", "import", reorg)
    before = snapshot()
    out = mognad("units", "import", reorg).stdout
    assert out.startswith("0 created, 0 renamed, 0 moved, 3 unchanged; 33 units not in the file"), out
    after = snapshot()
    assert after[0][:4] == before[0][:4], "units, names and headcounts unchanged"
    assert int(after[0][4]) == int(before[0][4]) + 1, "one audit row for the run"
    assert mognad("units", "import", DEMO).stdout.startswith("0 created, 1 renamed, 1 moved, 34 unchanged")


def open_round(unit="REG"):
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"))
    out = mognad("round", "create", "--name", "Öppen", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", "open", "--unit", unit).stdout
    return out.split()[-1]


def headcounts(rid):
    return dict(psql(f"SELECT u.code, ru.expected_headcount FROM round_units ru JOIN units u ON u.id = ru.unit_id "
                     f"WHERE ru.round_id = {rid} AND ru.expected_headcount IS NOT NULL"))


@test
def test_headcount_sets_and_updates_expected_headcounts():
    demo()
    rid = open_round()
    r = mognad("units", "headcount", "--round", rid, os.path.join(FIX, "headcount.csv"))
    assert r.stdout.strip() == f"expected headcount set for 3 units of round {rid}"
    assert headcounts(rid) == {"ITF": "40", "ITF-DRIFT": "12", "HRF": "0"}
    # Insert or update: the unit links of the round stay as they are.
    mognad("round", "links", rid)
    links = psql(f"SELECT count(link_hash) FROM round_units WHERE round_id = {rid}")[0][0]
    mognad("units", "headcount", f"--round={rid}", write("hc.csv", "unit_code,headcount\nITF,41\nEKO,9\n"))
    assert headcounts(rid) == {"ITF": "41", "ITF-DRIFT": "12", "HRF": "0", "EKO": "9"}
    assert psql(f"SELECT count(link_hash) FROM round_units WHERE round_id = {rid}")[0][0] == links
    assert psql("SELECT detail->>'units' FROM audit_log WHERE action = 'round.headcount' ORDER BY id DESC LIMIT 1") \
        == [["2"]]
    # A closed round's response rates were released: its headcounts stay.
    mognad("round", "close", rid)
    r = mognad("units", "headcount", f"--round={rid}", write("hc2.csv", "unit_code,headcount\nITF,80\n"), ok=False)
    assert r.returncode == 1 and "is closed" in r.stderr, r.stderr
    assert headcounts(rid)["ITF"] == "41"


@test
def test_headcount_reports_every_bad_row_and_writes_nothing():
    demo()
    rid = open_round()
    mognad("units", "headcount", "--round", rid, os.path.join(FIX, "headcount.csv"))
    before = snapshot()
    bad = os.path.join(FIX, "headcount_bad.csv")
    r = mognad("units", "headcount", "--round", rid, bad, ok=False)
    assert r.returncode == 1
    want = [f'{bad}:2: unknown unit code "NOPE"',
            f'{bad}:3: headcount "-1" is not a whole number from 0 to 10000000',
            f'{bad}:4: headcount "tolv" is not a whole number',
            f"{bad}:5: unit ITF appears twice (first on line 4)",
            f'{bad}:6: headcount "" is not a whole number',
            f'{bad}:7: headcount "99999999999" is not a whole number',
            f"mognad units: {bad}: nothing was written"]
    lines = r.stderr.splitlines()
    assert len(lines) == len(want), lines
    for w, line in zip(want, lines):
        assert line.startswith(w), (w, line)
    assert snapshot() == before
    # A unit outside the round's part of the tree, a round that does not exist.
    rid2 = open_round(unit="ITF")
    before = snapshot()
    r = mognad("units", "headcount", "--round", rid2, write("out.csv", "unit_code;headcount\nITF-SUP;3\nHRF;5\n"),
               ok=False)
    assert f"{TMP}/out.csv:3: unit HRF is outside the part of the organisation round {rid2} covers" in r.stderr
    assert ":2:" not in r.stderr
    r = mognad("units", "headcount", "--round", "99999", os.path.join(FIX, "headcount.csv"), ok=False)
    assert r.returncode == 1 and "round 99999 does not exist" in r.stderr
    assert mognad("units", "headcount", "--round", "x", os.path.join(FIX, "headcount.csv"), ok=False).returncode == 2
    assert mognad("units", "headcount", os.path.join(FIX, "headcount.csv"), ok=False).returncode == 2
    assert snapshot() == before


if __name__ == "__main__":
    run()
