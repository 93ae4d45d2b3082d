"""A closed round keeps the unit tree it closed with (sql/009_round_tree.sql):
moving a unit out of its parent, renaming the parent and creating a unit
after the close change neither the closed round's indicators (every unit,
role and depth), nor its exports, nor its dashboard pages, byte for byte;
the next round reads the new tree; a series' trend reads each round on its
own tree; a reopened round keeps its first tree; the migration backfills
the rounds closed before it."""
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
sys.path.insert(0, os.path.dirname(__file__))
import mgtest  # noqa: E402
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402
from mgdeploy import mognad as mognad_at, scratch_database  # noqa: E402

# The login helpers of the dashboard tests and the fixture helpers of the
# indicators tests, without their tests.
_before = list(mgtest._tests)
import test_dashboard as td  # noqa: E402
import test_indicators as ti  # noqa: E402
mgtest._tests[:] = _before

TMP = tempfile.mkdtemp(prefix="mognad-round-tree-")
K = 5
BEFORE = """code,name,parent_code
AA,Region AA,
AA-ONE,Avdelning ett,AA
AA-ONE-S,Sektion S,AA-ONE
AA-TWO,Avdelning två,AA
"""
# AA-ONE-S moves up to AA, AA-ONE is renamed, AA-NEW is new under AA-ONE.
AFTER = """code,name,parent_code
AA,Region AA,
AA-ONE,Avdelning ett (ny),AA
AA-ONE-S,Sektion S,AA
AA-TWO,Avdelning två,AA
AA-NEW,Ny enhet,AA-ONE
"""
# Responses per unit and role in each round.
PEOPLE = {("AA-ONE", "staff"): 8, ("AA-ONE-S", "staff"): 3, ("AA-TWO", "staff"): 6, ("AA-TWO", "manager"): 5}


def mognad(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout


def import_units(text):
    path = os.path.join(TMP, "units.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    mognad("units", "import", path)


def unit_ids():
    return {c: int(i) for c, i in psql("SELECT code, id FROM units")}


def survey_ids():
    return {a: int(i) for a, i in psql("SELECT audience, max(id) FROM surveys GROUP BY audience")}


def respond(rid, people, seed):
    """Stores and aggregates responses (index and area scores) the way the
    submit path does, `people[(code, role)]` of them per unit and role."""
    rng = random.Random(seed)
    units, surveys = unit_ids(), survey_ids()
    stmts = []
    for (code, role), n in sorted(people.items()):
        sid = surveys[role]
        areas = [a for (a,) in psql(f"SELECT key FROM survey_areas WHERE survey_id = {sid} ORDER BY position")]
        level = psql(f"SELECT definition -> 'levels' -> 0 ->> 'key' FROM surveys WHERE id = {sid}")[0][0]
        ti.invite(rid, units[code], role, sid, n + 2, f"t{rid}-{code}-{role}-")
        for i in range(n):
            scores = [round(rng.uniform(10, 95), 3) for _ in areas]
            payload = {"index": round(sum(scores) / len(scores), 3), "level": level, "answers": [],
                       "areas": [{"area": a, "score": s, "level": level} for a, s in zip(areas, scores)]}
            stmts.append(f"SELECT mg_store_response({rid}, {sid}, {units[code]}, '{role}', "
                         f"sha256(convert_to('p-{code}-{role}-{i}', 'UTF8')), 'web', "
                         f"{ti.sql_text(json.dumps(payload))}::jsonb);")
    psql("\n".join(stmts))


def setup():
    """Units as BEFORE, the surveys, a series whose first round has
    responses; returns (series, round)."""
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    import_units(BEFORE)
    series = int(psql("INSERT INTO series (name, every_months, duration_days) VALUES ('Mätning', 12, 21) "
                      "RETURNING id")[0][0])
    rid = ti.insert_round("Mätning 2027", K, series=series, seq=1, surveys=survey_ids(), state="open")
    respond(rid, PEOPLE, 1)
    ti.add_user("anna", "analyst")
    ti.add_user("admin", "admin")
    return series, rid


def tree_of(rid):
    return psql("SELECT unit_id, code, name, parent_id, path::text FROM round_tree WHERE round_id = :'p1' "
                "ORDER BY unit_id", str(rid))


def page_text(s, h, path):
    text = td.page(s, h, path)
    # The only part of a page that changes between two reads.
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', text)


def everything(s, api, h, rid):
    """Every artefact of round `rid` a user can read, as bytes or text."""
    out = {}
    codes = ["AA", "AA-ONE", "AA-ONE-S", "AA-TWO", "AA-NEW"]
    for role in ("all", "staff", "manager"):
        out[("overview", role)] = s.get(f"/api/v1/rounds/{rid}/overview?role={role}", headers=api).body
        for depth in range(4):
            out[("round", role, depth)] = s.get(f"/api/v1/rounds/{rid}/indicators?role={role}&depth={depth}",
                                                headers=api).body
            for code in codes:
                r = s.get(f"/api/v1/rounds/{rid}/indicators?unit={code}&role={role}&depth={depth}", headers=api)
                out[("unit", code, role, depth)] = (r.status, r.body)
        out[("export", role)] = mognad("export", "--round", str(rid), "--format", "csv", "--role", role)
        r = s.get(f"/hr/rounds/{rid}/export?format=csv&role={role}", headers=h)
        out[("http-export", role)] = (r.status, r.body)
    md = os.path.join(TMP, "md.csv")
    mognad("export", "--round", str(rid), "--format", "csv", "--microdata", "--out", md)
    out["microdata"] = open(md, "rb").read()
    out["codebook"] = open(md + ".codebook.csv", "rb").read()
    out["heatmap"] = page_text(s, h, f"/hr/rounds/{rid}?lang=en")
    for code in ("AA", "AA-ONE", "AA-ONE-S", "AA-TWO"):
        out[("page", code)] = page_text(s, h, f"/hr/rounds/{rid}/units/{code}?lang=en")
    out["report"] = page_text(s, h, f"/hr/rounds/{rid}/report?lang=en")
    return out


def by_code(body):
    return {u["code"]: u for u in body["units"]}


@test
def test_a_closed_round_keeps_its_tree_through_moves_renames_and_new_units():
    series, r1 = setup()
    mognad("round", "close", str(r1))
    units = unit_ids()
    # Closing wrote the tree as it was, in the transaction of the close.
    assert {row[1]: row[3] for row in tree_of(r1)} == {
        "AA": "", "AA-ONE": str(units["AA"]), "AA-ONE-S": str(units["AA-ONE"]), "AA-TWO": str(units["AA"])}
    with Server() as s:
        api = ti.session(s, "anna")
        h, _ = td.login(s, "admin")
        before = everything(s, api, h, r1)
        closed = json.loads(before[("round", "all", 3)])
        cells = by_code(closed)
        assert cells["AA-ONE"]["subtree"]["responded"] == 11 and cells["AA-ONE"]["parent"] == "AA"
        assert cells["AA-ONE-S"]["parent"] == "AA-ONE" and cells["AA-ONE-S"]["subtree"]["responded"]["suppressed"]
        assert before[("unit", "AA-NEW", "all", 0)][0] == 404

        import_units(AFTER)
        assert unit_ids()["AA-ONE-S"] == units["AA-ONE-S"]  # a move keeps the unit's id
        after = everything(s, api, h, r1)
        for key in before:
            assert after[key] == before[key], key
        assert "Avdelning ett (ny)" not in after[("page", "AA-ONE")] and "Ny enhet" not in after["heatmap"]
        assert "Ny enhet" not in after[("export", "all")] and "AA-NEW" not in after["report"]

        # The next round (the scheduler made it when round 1 closed) reads
        # the live tree.
        r2 = int(psql(f"SELECT id FROM rounds WHERE series_id = {series} AND seq = 2")[0][0])
        people = dict(PEOPLE)
        people[("AA-NEW", "staff")] = 5
        respond(r2, people, 2)
        body = ti.get(s, api, f"/api/v1/rounds/{r2}/indicators?depth=3")
        cells2 = by_code(body)
        assert cells2["AA-ONE-S"]["parent"] == "AA" and cells2["AA-ONE"]["name"] == "Avdelning ett (ny)"
        assert cells2["AA-NEW"]["parent"] == "AA-ONE" and cells2["AA-ONE"]["subtree"]["responded"] == 13
        # Its figures come at the close; closing it keeps round 1 as it was
        # and takes the new tree.
        mognad("round", "close", str(r2))
        assert everything(s, api, h, r1) == before
        assert {row[1]: row[3] for row in tree_of(r2)}["AA-ONE-S"] == str(units["AA"])
        body = ti.get(s, api, f"/api/v1/rounds/{r2}/indicators?depth=3")
        cells2 = by_code(body)
        assert cells2["AA-ONE-S"]["parent"] == "AA" and cells2["AA-ONE"]["subtree"]["responded"] == 13
        # Its change since round 1 compares with AA-ONE as released then
        # (11 people), not as round 1 would be on today's tree (8).
        prev_mean = cells["AA-ONE"]["subtree"]["index"]["mean"]
        cur_mean = cells2["AA-ONE"]["subtree"]["index"]["mean"]
        change = cells2["AA-ONE"]["subtree"]["change"]["index"]
        assert abs(change["difference"] - (cur_mean - prev_mean)) < 1e-9, (change, cur_mean, prev_mean)
        # A unit round 1 did not have: nothing to compare with.
        assert cells2["AA-NEW"]["subtree"]["change"]["index"] is None

        # The trend reads each round on its own tree.
        trend = ti.get(s, api, f"/api/v1/series/{series}/trend?unit=AA-ONE")
        # (The scheduler may have made round 3 since round 2 closed.)
        first, second = trend["rounds"][:2]
        assert first["indicators"] == cells["AA-ONE"]["subtree"]
        assert second["indicators"] == cells2["AA-ONE"]["subtree"]
        trend = ti.get(s, api, f"/api/v1/series/{series}/trend?unit=AA-NEW")
        assert trend["rounds"][0]["indicators"] is None
        assert trend["rounds"][1]["indicators"] == cells2["AA-NEW"]["subtree"]
        text = page_text(s, h, f"/hr/series/{series}/trend?unit=AA-NEW&lang=en")
        rows = re.findall(r'<tr data-round="(\d+)">(.*?)</tr>', text, re.S)
        assert [int(r[0]) for r in rows][:2] == [r1, r2] and "Not available" in rows[0][1], rows
        assert page_text(s, h, f"/hr/series/{series}/trend?unit=AA-ONE&lang=en")



@test
def test_a_reopened_round_closes_again_on_its_first_tree():
    _, r1 = setup()
    mognad("round", "close", str(r1))
    first = tree_of(r1)
    import_units(AFTER)
    # A closed round with answers is not reopened: its figures were released.
    r = subprocess.run([BIN, "round", "open", str(r1), "--reopen", "--closes", "2099-01-01"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "cannot be reopened" in r.stderr, r.stderr
    assert tree_of(r1) == first
    # The trigger still keeps the first tree should a round be closed twice
    # (a round without answers can be reopened; here the state is set).
    psql(f"UPDATE rounds SET state = 'open', closes_at = '2099-01-01' WHERE id = {r1}")
    # Open again: the live tree, as for any open round.
    with Server() as s:
        api = ti.session(s, "anna")
        body = ti.get(s, api, f"/api/v1/rounds/{r1}/indicators?depth=3")
        assert by_code(body)["AA-ONE-S"]["parent"] == "AA"
        mognad("round", "close", str(r1))
        # Closed again: every unit where the first close left it; only the
        # unit created since is added, under its parent there.
        again = tree_of(r1)
        assert again[:len(first)] == first and [row[1] for row in again[len(first):]] == ["AA-NEW"]
        cells = by_code(ti.get(s, api, f"/api/v1/rounds/{r1}/indicators?depth=3"))
        assert cells["AA-ONE-S"]["parent"] == "AA-ONE" and cells["AA-ONE"]["name"] == "Avdelning ett"
        assert cells["AA-ONE"]["subtree"]["responded"] == 11
        # The tree of a closed round cannot be edited.
        try:
            psql(f"UPDATE round_tree SET name = 'x' WHERE round_id = {r1}")
            raise AssertionError("round_tree was updated")
        except AssertionError as e:
            assert "immutable" in str(e), e


@test
def test_the_scheduler_closes_a_round_with_its_tree():
    _, r1 = setup()
    psql(f"UPDATE rounds SET opens_at = now() - interval '2 days', closes_at = now() - interval '1 day' "
         f"WHERE id = {r1}")
    with Server(env={"MOGNAD_SCHEDULER_INTERVAL_MS": "200"}) as s:
        api = ti.session(s, "anna")
        for _ in range(100):
            if psql(f"SELECT state FROM rounds WHERE id = {r1}")[0][0] == "closed":
                break
            __import__("time").sleep(0.1)
        assert sorted(row[1] for row in tree_of(r1)) == ["AA", "AA-ONE", "AA-ONE-S", "AA-TWO"]
        before = s.get(f"/api/v1/rounds/{r1}/indicators?depth=3", headers=api).body
        import_units(AFTER)
        assert s.get(f"/api/v1/rounds/{r1}/indicators?depth=3", headers=api).body == before


@test
def test_the_migration_backfills_rounds_closed_before_it():
    sql_dir = tempfile.mkdtemp(prefix="mognad-sql-008-")
    for f in sorted(glob.glob(os.path.join(TOP, "sql", "[0-9][0-9][0-9]_*.sql"))):
        if os.path.basename(f)[:3] < "009":
            shutil.copy(f, sql_dir)
    with scratch_database("roundtree") as url:
        mognad_at(url, "migrate", "--sql-dir", sql_dir)
        psql("INSERT INTO units (id, code, name, parent_id, path) OVERRIDING SYSTEM VALUE VALUES "
             "(1, 'AA', 'Region AA', NULL, '1'), (2, 'AA-ONE', 'Avdelning ett', 1, '1.2'), "
             "(3, 'AA-ONE-S', 'Sektion S', 2, '1.2.3')", url=url)
        psql("INSERT INTO rounds (name, mode, opens_at, closes_at, state) VALUES "
             "('closed', 'pseudonymous', '2026-01-01', '2026-02-01', 'closed'), "
             "('open', 'pseudonymous', '2026-01-01', '2099-02-01', 'open')", url=url)
        mognad_at(url, "migrate")
        rows = psql("SELECT r.name, t.unit_id, t.code, t.name, t.parent_id, t.path::text FROM round_tree t "
                    "JOIN rounds r ON r.id = t.round_id ORDER BY 1, 2", url=url)
        assert rows == [["closed", "1", "AA", "Region AA", "", "1"],
                        ["closed", "2", "AA-ONE", "Avdelning ett", "1", "1.2"],
                        ["closed", "3", "AA-ONE-S", "Sektion S", "2", "1.2.3"]], rows
        # Backfilled rows are the closed round's tree from then on.
        psql("UPDATE units SET parent_id = 1, path = '1.3' WHERE id = 3", url=url)
        assert psql("SELECT code, parent_id FROM mg_round_tree(1) ORDER BY id", url=url) == [
            ["AA", ""], ["AA-ONE", "1"], ["AA-ONE-S", "2"]]
        assert psql("SELECT code, parent_id FROM mg_round_tree(2) ORDER BY id", url=url) == [
            ["AA", ""], ["AA-ONE", "1"], ["AA-ONE-S", "1"]]


if __name__ == "__main__":
    run()
