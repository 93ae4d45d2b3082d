"""Indicators: the hand-made fixture against independently worked-out
values, aggregates through revision, anonymisation and retention, the API's
parameters and scopes, and attacks on the privacy rule through the API."""
import fractions
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../fixtures/indicators"))
from mgtest import BIN, TOP, Server, Skip, psql, reset_db, run, test  # noqa: E402
from expected import score_response  # noqa: E402  (scoring rules only; needs no mpmath)

FIXTURES = os.path.join(TOP, "tests/fixtures/indicators")
FX = json.load(open(os.path.join(FIXTURES, "fixture.json"), encoding="utf-8"))
EXP = json.load(open(os.path.join(FIXTURES, "expected.json"), encoding="utf-8"))
PASSWORD = "correct horse battery"
EPS = 1e-6
TMP_DIR = __import__("tempfile").mkdtemp(prefix="mognad-ind-")
ROLES = ("staff", "manager", "all")


def mognad(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=60)


def sql_text(s):
    return "NULL" if s is None else "'" + str(s).replace("'", "''") + "'"


def sql_num(x):
    return "NULL" if x is None else repr(float(x))


# ---- loading ------------------------------------------------------------------

def insert_units(units):
    """units: [(code, name, parent_code)] with parents first; ids 1.."""
    ids, paths, rows = {}, {}, []
    for i, (code, name, parent) in enumerate(units, 1):
        ids[code] = i
        paths[code] = (paths[parent] + "." if parent else "") + str(i)
        rows.append(f"({i}, {sql_text(code)}, {sql_text(name)}, {ids[parent] if parent else 'NULL'}, "
                    f"'{paths[code]}')")
    psql("INSERT INTO units (id, code, name, parent_id, path) OVERRIDING SYSTEM VALUE VALUES "
         + ", ".join(rows))
    return ids


def insert_surveys(surveys):
    ids = {}
    for aud in ("staff", "manager"):
        d = surveys[aud]
        ids[aud] = int(psql(f"INSERT INTO surveys (key, version, audience, sha256, definition) VALUES "
                            f"({sql_text(d['key'])}, 1, '{aud}', repeat('{'a' if aud == 'staff' else 'b'}', 64), "
                            f"{sql_text(json.dumps(d))}::jsonb) RETURNING id")[0][0])
        psql("INSERT INTO survey_areas (survey_id, key, scope, weight, position) VALUES "
             + ", ".join(f"({ids[aud]}, '{a['key']}', '{a['scope']}', {a['weight']}, {i})"
                         for i, a in enumerate(d["areas"])))
        psql("INSERT INTO survey_items (survey_id, key, area_key, type, position) VALUES "
             + ", ".join(f"({ids[aud]}, '{it['key']}', '{it['area']}', '{it['type']}', {i})"
                         for i, it in enumerate(d["items"])))
    return ids


def insert_round(name, k, mode="pseudonymous", series=None, seq=None, root="NULL", surveys=None, state="closed"):
    """A round with its surveys; closed unless `state` says otherwise, since
    figures of what people answered are released when a round closes."""
    rid = int(psql(f"INSERT INTO rounds (name, series_id, seq, mode, min_group_size, opens_at, closes_at, state, "
                   f"root_unit_id) VALUES ({sql_text(name)}, {series or 'NULL'}, {seq or 'NULL'}, '{mode}', {k}, "
                   f"'2027-03-01', '2027-03-22', '{state}', {root}) RETURNING id")[0][0])
    for aud, sid in (surveys or {}).items():
        psql(f"INSERT INTO round_surveys (round_id, audience, survey_id) VALUES ({rid}, '{aud}', {sid})")
    return rid


def invite_sql(rid, unit_id, role, survey_id, n, tag):
    """The statement adding n invitations with token hashes made from `tag`."""
    return (f"INSERT INTO invitations (round_id, token_hash, unit_id, role, survey_id) "
            f"SELECT {rid}, sha256(convert_to({sql_text(tag)} || g::text, 'UTF8')), {unit_id}, '{role}', "
            f"{survey_id} FROM generate_series(1, {n}) g;")


def invite(rid, unit_id, role, survey_id, n, tag):
    if n:
        psql(invite_sql(rid, unit_id, role, survey_id, n, tag))


def aggregate(ids):
    """Adds the responses `ids` to the aggregates as the submit path does
    (one call each), in one psql run."""
    if ids:
        psql("\n".join(f"SELECT mg_agg_response('{i}', 1);" for i in ids))


def response_sql(rid, survey_id, unit_id, role, person, scores, answers=None, channel="web"):
    """One INSERT statement storing a response and its rows, returning its id."""
    pseud = f"sha256(convert_to({sql_text(person)}, 'UTF8'))" if person else "NULL"
    parts = [f"WITH r AS (INSERT INTO responses (round_id, survey_id, unit_id, role, pseudonym, channel, index_score, "
             f"level) VALUES ({rid}, {survey_id}, {unit_id}, '{role}', {pseud}, '{channel}', "
             f"{sql_num(scores['index'])}, {sql_text(scores['level'])}) RETURNING id)"]
    if answers:
        vals = []
        for key, a in answers.items():
            s = scores["items"][key]
            if a == "dk":
                vals.append(f"('{key}', NULL::smallint, NULL, true, {sql_num(s)}::numeric)")
            elif isinstance(a, str):
                vals.append(f"('{key}', NULL::smallint, '{a}', false, {sql_num(s)}::numeric)")
            else:
                vals.append(f"('{key}', {a}::smallint, NULL, false, {sql_num(s)}::numeric)")
        parts.append(", a AS (INSERT INTO response_answers (response_id, item_key, value, option_key, dont_know, "
                     "score) SELECT r.id, v.* FROM r, (VALUES " + ", ".join(vals) + ") v)")
    if scores["areas"]:
        vals = [f"('{k}', {sql_num(v['score'])}::numeric, '{v['level']}')" for k, v in scores["areas"].items()]
        parts.append(", s AS (INSERT INTO response_area_scores (response_id, area_key, score, level) "
                     "SELECT r.id, v.* FROM r, (VALUES " + ", ".join(vals) + ") v)")
    parts.append(" SELECT id FROM r;")
    return "".join(parts)


def load_fixture():
    """The fixture: units, surveys, a series of two pseudonymous rounds,
    invitations and 32 responses added to the aggregates one by one, as
    the submit path does."""
    reset_db()
    units = insert_units(FX["units"])
    surveys = insert_surveys(FX["surveys"])
    series = int(psql("INSERT INTO series (name, every_months, duration_days) VALUES ('Mätning', 12, 21) "
                      "RETURNING id")[0][0])
    rounds = {}
    for seq in (1, 2):
        rounds[seq] = insert_round(f"Mätning {2026 + seq}", FX["k"], series=series, seq=seq,
                                   root=units["REG"], surveys=surveys, state="open")
        for code, role, n in FX["invited"][str(seq)]:
            invite(rounds[seq], units[code], role, surveys[role], n, f"r{seq}-{code}-{role}-")
    scores = {(s["round"], s["person"]): s for s in EXP["scores"]}
    # Round by round, as people answer them: a pair of responses is counted
    # when the later one arrives.
    for seq in (1, 2):
        mine = [r for r in FX["responses"] if r["round"] == seq]
        stmts = [response_sql(rounds[seq], surveys[r["role"]], units[r["unit"]], r["role"], r["person"],
                              scores[(seq, r["person"])], r["answers"]) for r in mine]
        ids = psql("\n".join(stmts))
        assert len(ids) == len(mine)
        aggregate([rid for (rid,) in ids])
    # Closed together once both exist (a scheduler closing in on a series
    # whose only round is closed would make the next one itself).
    psql(f"UPDATE rounds SET state = 'closed' WHERE series_id = {series}")
    return {"units": units, "surveys": surveys, "series": series, "rounds": rounds}


# ---- sessions -------------------------------------------------------------------

def add_user(login, role, unit=None):
    r = mognad("user", "add", "--role", role, *(["--unit", unit] if unit else []), login, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr


def session(s, login):
    r = s.request("POST", "/api/v1/session", body=json.dumps({"login": login, "password": PASSWORD}),
                  headers={"Content-Type": "application/json"})
    assert r.status == 201, r.body
    return {"Cookie": r.header("Set-Cookie").split(";")[0]}


def get(s, h, path, status=200):
    r = s.get(path, headers=h)
    assert r.status == status, (path, r.status, r.body[:500])
    return r.json()


# ---- comparing with the expected values -------------------------------------------

def is_suppressed(v):
    if isinstance(v, dict) and "suppressed" in v:
        assert v == {"suppressed": True, "reason": v.get("reason")}, v
        assert v["reason"] in ("fewer_than_k", "complementary", "round_open"), v
        return True
    return False


def compare(got, want, path, hidden):
    """Every figure shown must equal the expected one; records hidden ones."""
    if is_suppressed(got):
        hidden[path] = got["reason"]
        return
    if isinstance(got, dict):
        assert isinstance(want, dict), (path, got, want)
        for k, v in got.items():
            if k == "previous_round":
                continue
            if k == "paper":
                # The fixture has no paper responses: none, or hidden with the group.
                assert v == 0 or is_suppressed(v), (path, v)
                continue
            assert k in want, (path, k, got)
            compare(v, want[k], f"{path}.{k}", hidden)
    elif isinstance(got, list):
        assert isinstance(want, list) and len(got) == len(want), (path, got, want)
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, f"{path}[{i}]", hidden)
    elif got is None:
        assert want is None, (path, want)
    else:
        assert want is not None and abs(got - want) <= EPS, (path, got, want)


def check_round(s, h, rid, seq, hidden):
    for role in ROLES:
        body = get(s, h, f"/api/v1/rounds/{rid}/indicators?unit=REG&depth=2&role={role}")
        assert body["round"]["id"] == rid and body["round"]["k"] == FX["k"] and body["role"] == role
        assert [u["code"] for u in body["units"]] == ["REG", "ADM", "D1", "D2", "IT"]
        for u in body["units"]:
            for kind in ("subtree", "alone"):
                key = f"{seq}/{u['code']}/{kind}/{role}"
                want = EXP["cells"][key]
                got = dict(u[kind])
                if seq == 1:
                    assert got.pop("change") is None and got.pop("paired") is None
                compare(got, want, key, hidden)
        rel = body["reliability"]
        assert set(rel) == set(EXP["alpha"][str(seq)]), rel
        for area, want in EXP["alpha"][str(seq)].items():
            assert rel[area]["n"] == want["n"] and rel[area]["items"] == want["items"]
            assert abs(rel[area]["alpha"] - want["alpha"]) <= EPS, (area, rel[area], want)


@test
def test_fixture_indicators_equal_the_independently_worked_out_values():
    fx = load_fixture()
    add_user("anna", "analyst")
    with Server() as s:
        h = session(s, "anna")
        hidden = {}
        for seq in (1, 2):
            check_round(s, h, fx["rounds"][seq], seq, hidden)
        # Enough of it is shown for the comparison to mean something.
        body = get(s, h, f"/api/v1/rounds/{fx['rounds'][2]}/indicators?unit=REG&depth=2")
    reg = body["units"][0]["subtree"]
    assert reg["responded"] == 18 and reg["invited"] == 22 and reg["paired"]["n"] == 14
    assert reg["change"]["index"]["p"] > 0 and "ci95" in reg["gap"]["index"]
    d1 = body["units"][2]["subtree"]
    assert d1["change"]["index"]["difference"] and d1["paired"]["n"] == 5
    # The suppression worked out by hand (k = 3), counts of responses:
    # - the region alone holds its director only: fewer than k;
    # - REG minus ADM minus IT would give the director, so the smaller of
    #   ADM (11) and IT (6) is hidden too;
    # - ADM alone has nobody invited and nobody answering: shown as empty;
    # - for staff and managers apart only the whole region is shown: every
    #   unit has one or two managers, and all minus staff would give them.
    for seq in ("1", "2"):
        assert hidden[f"{seq}/REG/alone/all.responded"] == "fewer_than_k"
        assert hidden[f"{seq}/IT/subtree/all.responded"] == "complementary"
        assert hidden[f"{seq}/IT/alone/all.responded"] == "complementary"
        for u in ("D1", "D2", "ADM"):
            assert f"{seq}/{u}/subtree/all.responded" not in hidden
            assert hidden[f"{seq}/{u}/subtree/manager.responded"] == "fewer_than_k"
            assert hidden[f"{seq}/{u}/subtree/staff.responded"] == "complementary"
        assert f"{seq}/REG/subtree/staff.responded" not in hidden
        assert f"{seq}/REG/subtree/manager.responded" not in hidden
    # Staff are not asked the managers' areas: their empty group hides
    # nothing, so the region's managers show their own areas.
    for seq in ("1", "2"):
        assert f"{seq}/REG/subtree/manager.areas.lead" not in hidden
        assert f"{seq}/REG/subtree/manager.areas.org" not in hidden
    adm = body["units"][1]["alone"]
    assert adm["responded"] == 0 and adm["invited"] == 0 and adm["response_rate"] is None
    # Paired change: D2 has 4 pairs but 2 new respondents, IT 2 new ones:
    # each hidden, while D1 (no new respondent) and the region are shown.
    assert hidden["2/D2/subtree/all.paired"] == "fewer_than_k"
    assert hidden["2/IT/subtree/all.paired"] in ("fewer_than_k", "complementary")
    assert "2/D1/subtree/all.paired" not in hidden and "2/REG/subtree/all.paired" not in hidden


@test
def test_pairs_follow_revisions_in_either_round_and_any_order():
    """agg_paired is kept as responses come and go; it must always equal
    the join of the two rounds' responses, whichever round changes and in
    whichever order a person's two responses arrive."""
    fx = load_fixture()
    r1, r2 = fx["rounds"][1], fx["rounds"][2]
    staff, unit = fx["surveys"]["staff"], fx["units"]["D1"]
    assert_pairs_match()
    model = next(r for r in FX["responses"] if r["round"] == 1 and r["role"] == "staff")

    def store(rid, person, level):
        answers = {k: (level if k.startswith("s") else v) for k, v in model["answers"].items()}
        scores = score_response(FX["surveys"]["staff"], answers)
        new = psql(response_sql(rid, staff, unit, "staff", person, scores, answers))[0][0]
        psql(f"SELECT mg_agg_response('{new}', 1)")
        return new

    # A revision in the earlier round while its partner is in the later one.
    old = psql(f"SELECT p.id FROM responses p JOIN responses c ON c.pseudonym = p.pseudonym AND c.role = p.role "
               f"WHERE p.round_id = {r1} AND c.round_id = {r2} AND p.role = 'staff' "
               f"AND p.index_score IS NOT NULL AND c.index_score IS NOT NULL ORDER BY p.pseudonym LIMIT 1")[0][0]
    person = psql(f"SELECT encode(pseudonym, 'hex') FROM responses WHERE id = '{old}'")[0][0]
    psql(f"SELECT mg_delete_response('{old}')")
    assert_pairs_match()
    new = psql(response_sql(r1, staff, unit, "staff", None, score_response(FX["surveys"]["staff"], model["answers"]),
                            model["answers"]))[0][0]
    psql(f"UPDATE responses SET pseudonym = decode('{person}', 'hex') WHERE id = '{new}'")
    psql(f"SELECT mg_agg_response('{new}', 1)")
    assert_pairs_match()
    # Someone answers the later round first, then the earlier one.
    store(r2, "late-1", 4)
    assert_pairs_match()
    store(r1, "late-1", 1)
    assert_pairs_match()
    # And leaves the later round again.
    gone = psql(f"SELECT id FROM responses WHERE round_id = {r2} "
                f"AND pseudonym = sha256(convert_to('late-1', 'UTF8'))")[0][0]
    psql(f"SELECT mg_delete_response('{gone}')")
    assert_pairs_match()
    # Folding changes no pair.
    psql("SELECT mg_agg_compact()")
    assert_pairs_match()


@test
def test_revision_anonymise_and_retention_keep_the_figures():
    fx = load_fixture()
    r2 = fx["rounds"][2]
    add_user("anna", "analyst")
    person = next(r for r in FX["responses"] if r["round"] == 2 and r["person"] == "d1s0")
    with Server() as s:
        h = session(s, "anna")
        path = f"/api/v1/rounds/{r2}/indicators?unit=REG&depth=2"
        before = get(s, h, path)
        # d1s0 revises: every answer at the top. As submit does: the old
        # response leaves the aggregates and the tables, the new one comes.
        answers = {k: (4 if k.startswith("s") else 5 if k == "f1" else "b") for k in person["answers"]}
        scores = score_response(FX["surveys"]["staff"], answers)
        old = psql(f"SELECT id FROM responses WHERE round_id = {r2} "
                   f"AND pseudonym = sha256(convert_to('d1s0', 'UTF8'))")[0][0]
        psql(f"SELECT mg_delete_response('{old}')")
        new = psql(response_sql(r2, fx["surveys"]["staff"], fx["units"]["D1"], "staff", "d1s0", scores, answers))[0][0]
        psql(f"SELECT mg_agg_response('{new}', 1)")
        assert_aggregates_match()
        assert_pairs_match()
        after = get(s, h, path)
        # The region's index mean now is the mean of the stored scores.
        fresh = float(psql(f"SELECT avg(index_score) FROM responses WHERE round_id = {r2}")[0][0])
        assert abs(after["units"][0]["subtree"]["index"]["mean"] - fresh) <= EPS
        assert after["units"][0]["subtree"]["index"]["mean"] > before["units"][0]["subtree"]["index"]["mean"]
        assert after["units"][0]["subtree"]["responded"] == 18
        # Anonymising the finished series changes no figure, the paired
        # change included: its pairs were counted when the responses came.
        # The scheduler made the series' next round (its rounds are closed):
        # close it, so the series is finished and can be anonymised.
        for _ in range(3):
            psql(f"UPDATE rounds SET state = 'closed' WHERE series_id = {fx['series']} AND state <> 'closed'")
            r = mognad("anonymise", "--series", str(fx["series"]))
            if "not finished" not in r.stderr:
                break
        assert r.returncode == 0, r.stderr
        anon = get(s, h, path)
        assert anon["units"][0]["subtree"]["paired"]["n"] == 14
        assert anon["units"] == after["units"] and anon["reliability"] == after["reliability"]
        assert_aggregates_match()
        # Retention deletes response rows and keeps the aggregates: every
        # figure stays, which also shows the indicators read aggregates only.
        psql("DELETE FROM responses")
        kept = get(s, h, path)
        assert kept == anon
        ov_before = get(s, h, f"/api/v1/rounds/{r2}/overview")
        assert ov_before["units"][0]["responded"] == 18


PAIRS_KEPT = """SELECT round_id, unit_id, role, sum(n), sum(sum), sum(sumsq) FROM agg_paired
                GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3"""
PAIRS_FRESH = """SELECT c.round_id, c.unit_id, c.role, count(*), sum(c.index_score - p.index_score),
                        sum((c.index_score - p.index_score) * (c.index_score - p.index_score))
                   FROM rounds rc JOIN rounds rp ON rp.series_id = rc.series_id AND rp.seq = rc.seq - 1
                   JOIN responses c ON c.round_id = rc.id AND c.pseudonym IS NOT NULL
                    AND c.index_score IS NOT NULL
                   JOIN responses p ON p.round_id = rp.id AND p.pseudonym = c.pseudonym AND p.role = c.role
                    AND p.index_score IS NOT NULL
                  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""


def assert_pairs_match():
    """The kept pairs equal a join of the two rounds' responses now."""
    kept, fresh = psql(PAIRS_KEPT), psql(PAIRS_FRESH)
    assert kept == fresh and kept, (kept, fresh)


def assert_aggregates_match():
    """The kept aggregates equal what the response rows give now."""
    checks = [
        ("SELECT round_id, unit_id, role, area_key, sum(n), sum(sum), sum(sumsq) FROM agg_scores "
         "GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4",
         "SELECT round_id, unit_id, role, area_key, count(*), sum(score), sum(score * score) FROM ("
         " SELECT p.round_id, p.unit_id, p.role, a.area_key, a.score FROM responses p"
         " JOIN response_area_scores a ON a.response_id = p.id"
         " UNION ALL SELECT round_id, unit_id, role, '*', index_score FROM responses"
         " WHERE index_score IS NOT NULL) x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"),
        ("SELECT round_id, unit_id, role, sum(n) FROM agg_responses GROUP BY 1, 2, 3 HAVING sum(n) <> 0 "
         "ORDER BY 1, 2, 3",
         "SELECT round_id, unit_id, role, count(*) FROM responses GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        ("SELECT round_id, unit_id, role, area_key, level, sum(n) FROM agg_levels GROUP BY 1, 2, 3, 4, 5 "
         "HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5",
         "SELECT round_id, unit_id, role, area_key, level, count(*) FROM ("
         " SELECT p.round_id, p.unit_id, p.role, a.area_key, a.level FROM responses p"
         " JOIN response_area_scores a ON a.response_id = p.id"
         " UNION ALL SELECT round_id, unit_id, role, '*', level FROM responses WHERE level IS NOT NULL) x"
         " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"),
        ("SELECT round_id, unit_id, role, service, sum(answered), sum(regular) FROM agg_services "
         "GROUP BY 1, 2, 3, 4 HAVING sum(answered) <> 0 ORDER BY 1, 2, 3, 4",
         "SELECT p.round_id, p.unit_id, p.role, 'e_signature', count(*), count(*) FILTER (WHERE a.value >= 3) "
         "FROM responses p JOIN response_answers a ON a.response_id = p.id AND a.item_key = 'f1' "
         "AND NOT a.dont_know GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        ("SELECT round_id, area_key, item_key, sum(n), sum(sum), sum(sumsq) FROM agg_alpha "
         "GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3",
         "WITH c AS (SELECT p.id, p.round_id, i.area_key FROM responses p JOIN survey_items i "
         " ON i.survey_id = p.survey_id LEFT JOIN response_answers a ON a.response_id = p.id AND a.item_key = i.key "
         " GROUP BY 1, 2, 3 HAVING count(*) = count(a.score) AND count(*) > 1) "
         "SELECT round_id, area_key, item_key, count(*), sum(score), sum(score * score) FROM ("
         " SELECT c.round_id, c.area_key, a.item_key, a.score FROM c JOIN survey_items i ON i.area_key = c.area_key"
         " JOIN responses p ON p.id = c.id AND i.survey_id = p.survey_id"
         " JOIN response_answers a ON a.response_id = c.id AND a.item_key = i.key"
         " UNION ALL SELECT c.round_id, c.area_key, '*', sum(a.score) FROM c JOIN responses p ON p.id = c.id"
         " JOIN survey_items i ON i.survey_id = p.survey_id AND i.area_key = c.area_key"
         " JOIN response_answers a ON a.response_id = c.id AND a.item_key = i.key GROUP BY c.id, 1, 2) x"
         " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
    ]
    for kept_sql, fresh_sql in checks:
        kept, fresh = psql(kept_sql), psql(fresh_sql)
        assert kept == fresh, (kept_sql, kept, fresh)


# ---- the API's surface --------------------------------------------------------------

@test
def test_parameters_scopes_and_errors():
    fx = load_fixture()
    r2 = fx["rounds"][2]
    add_user("anna", "analyst")
    add_user("vera", "unit-viewer", unit="ADM")
    with Server() as s:
        assert s.get(f"/api/v1/rounds/{r2}/indicators").status == 401
        a = session(s, "anna")
        v = session(s, "vera")
        for q, field in [("role=boss", "role"), ("depth=x", "depth"), ("depth=21", "depth"), ("depth=-1", "depth"),
                         ("colour=red", "colour"), ("unit=", "unit"), ("role=all&role=staff", "role")]:
            r = s.get(f"/api/v1/rounds/{r2}/indicators?{q}", headers=a)
            assert r.status == 400 and r.json()["error"]["field"] == field, (q, r.status, r.body)
        r = s.get(f"/api/v1/rounds/{r2}/overview?unit=REG", headers=a)
        assert r.status == 400 and r.json()["error"]["field"] == "unit"
        assert s.get("/api/v1/rounds/999999/indicators", headers=a).status == 404
        assert s.get("/api/v1/rounds/abc/overview", headers=a).status == 404
        assert s.get("/api/v1/series/999999/trend", headers=a).status == 404
        r = s.get(f"/api/v1/rounds/{r2}/indicators?unit=NOPE", headers=a)
        assert r.status == 404 and r.json()["error"]["field"] == "unit"
        # Default: the round's unit, one level of children.
        body = get(s, a, f"/api/v1/rounds/{r2}/indicators")
        assert [(u["code"], u["depth"]) for u in body["units"]] == [("REG", 0), ("ADM", 1), ("IT", 1)]
        # A unit-viewer of ADM: their subtree and nothing else; a unit
        # outside it and a unit that does not exist get the same answer.
        body = get(s, v, f"/api/v1/rounds/{r2}/indicators?depth=3")
        assert [u["code"] for u in body["units"]] == ["ADM", "D1", "D2"]
        assert get(s, v, f"/api/v1/rounds/{r2}/indicators?unit=D1")["units"][0]["code"] == "D1"
        outside = s.get(f"/api/v1/rounds/{r2}/indicators?unit=IT", headers=v)
        missing = s.get(f"/api/v1/rounds/{r2}/indicators?unit=NOPE", headers=v)
        above = s.get(f"/api/v1/rounds/{r2}/indicators?unit=REG", headers=v)
        assert outside.status == missing.status == above.status == 403
        assert outside.body == missing.body == above.body
        assert s.get(f"/api/v1/series/{fx['series']}/trend?unit=IT", headers=v).status == 403
        ov = get(s, v, f"/api/v1/rounds/{r2}/overview")
        assert [u["code"] for u in ov["units"]] == ["ADM", "D1", "D2"]
        # What a viewer sees is what an analyst sees for the same cells.
        full = get(s, a, f"/api/v1/rounds/{r2}/indicators?unit=ADM&depth=3")
        assert full["units"] == get(s, v, f"/api/v1/rounds/{r2}/indicators?depth=3")["units"]


@test
def test_overview_and_trend_agree_with_the_indicators():
    fx = load_fixture()
    add_user("anna", "analyst")
    with Server() as s:
        a = session(s, "anna")
        for role in ROLES:
            for seq in (1, 2):
                rid = fx["rounds"][seq]
                ind = get(s, a, f"/api/v1/rounds/{rid}/indicators?unit=REG&depth=5&role={role}")
                ov = get(s, a, f"/api/v1/rounds/{rid}/overview?role={role}")
                assert [a_["key"] for a_ in ov["areas"]] == ["a1", "a2", "lead", "org"]
                cells = {u["code"]: u["subtree"] for u in ind["units"]}
                assert [u["code"] for u in ov["units"]] == ["REG", "ADM", "IT", "D1", "D2"]
                for u in ov["units"]:
                    c = cells[u["code"]]
                    assert u["responded"] == c["responded"]
                    for area, got in u["areas"].items():
                        want = c["areas"][area]
                        brief = {key: want[key] for key in ("n", "mean") if key in want}
                        assert got == (want if is_suppressed(want) else brief), (u["code"], area, got, want)
                    want = c["index"]
                    assert u["index"] == want if is_suppressed(want) else u["index"].get("mean") == want.get("mean")
            trend = get(s, a, f"/api/v1/series/{fx['series']}/trend?unit=D1&role={role}")
            # (The scheduler adds the series' next round, scheduled, after the two.)
            assert all(r["round"]["state"] == "scheduled" for r in trend["rounds"][2:])
            trend["rounds"] = trend["rounds"][:2]
            assert trend["unit"] == "D1" and [r["round"]["seq"] for r in trend["rounds"]] == [1, 2]
            for r in trend["rounds"]:
                ind = get(s, a, f"/api/v1/rounds/{r['round']['id']}/indicators?unit=D1&depth=0&role={role}")
                assert r["indicators"] == ind["units"][0]["subtree"]


@test
def test_cli_prints_the_json_of_the_api():
    fx = load_fixture()
    if "unknown command" in mognad("indicators", "--help").stderr:
        raise Skip("server/main.c does not list the indicators command yet")
    add_user("anna", "analyst")
    rid = fx["rounds"][2]
    with Server() as s:
        a = session(s, "anna")
        for q, args in [("unit=ADM&depth=1&role=staff", ["--unit", "ADM", "--depth", "1", "--role", "staff"]),
                        ("", [])]:
            api = get(s, a, f"/api/v1/rounds/{rid}/indicators?{q}")
            r = mognad("indicators", "--round", str(rid), *args)
            assert r.returncode == 0, r.stderr
            assert json.loads(r.stdout) == api
    for args, code, text in [(["--round", "x"], 2, "--round"), (["--round", str(rid), "--role", "boss"], 2, "--role"),
                             (["--round", str(rid), "--depth", "99"], 2, "--depth"), ([], 2, "--round"),
                             (["--round", "999999"], 1, "no round"), (["--round", str(rid), "--unit", "NOPE"], 1,
                                                                      "no unit")]:
        r = mognad("indicators", *args)
        assert r.returncode == code and text in r.stderr, (args, r.returncode, r.stderr)


# ---- attacks on the privacy rule ---------------------------------------------------

def rank_basis(vectors):
    """Row-reduced basis over the rationals."""
    basis = []  # (pivot, row)
    for v in vectors:
        v = reduce_vec(basis, [fractions.Fraction(x) for x in v])
        if any(v):
            p = next(i for i, x in enumerate(v) if x)
            v = [x / v[p] for x in v]
            basis = [(q, [a - r[p] * b for a, b in zip(r, v)]) for q, r in basis]
            basis.append((p, v))
    return basis


def reduce_vec(basis, v):
    v = list(v)
    for p, row in basis:
        if v[p]:
            c = v[p]
            v = [a - c * b for a, b in zip(v, row)]
    return v


def in_span(basis, v):
    return not any(reduce_vec(basis, [fractions.Fraction(x) for x in v]))


def build_attack_world(seed, k):
    """A tree with small children and small manager groups, responses and
    invitations; returns what the test needs to know the truth."""
    rnd = random.Random(seed)
    reset_db()
    units = [("ORG", "Organisation", None)]
    for i in range(rnd.randint(6, 12)):
        parent = rnd.choice([u[0] for u in units])
        units.append((f"U{i}", f"Enhet {i}", parent))
    ids = insert_units(units)
    surveys = insert_surveys(FX["surveys"])
    rid = insert_round("Attack", k, mode="anonymous", root=ids["ORG"], surveys=surveys)
    truth = {}
    stmts, invites = [], []
    for code, _, _ in units:
        for role in ("staff", "manager"):
            if role == "manager":
                n = rnd.choice([0, 1, 1, 2, 3, k])
            else:
                n = rnd.choice([0, 1, 2, k - 1, k, k + 2, 2 * k, 3 * k])
            extra = rnd.choice([0, 0, 1, 3])
            pop = n + extra if (n or rnd.random() < 0.5) else 0
            scores = [round(rnd.uniform(0, 100), 3) for _ in range(n)]
            truth[(code, role)] = {"n": n, "pop": pop, "sum": sum(scores)}
            if pop:
                invites.append(invite_sql(rid, ids[code], role, surveys[role], pop, f"{seed}-{code}-{role}-"))
            for x in scores:
                stmts.append(response_sql(rid, surveys[role], ids[code], role, None,
                                          {"index": x, "level": "foundation", "areas": {}, "items": {}}))
    if invites:
        psql("\n".join(invites))
    if stmts:
        aggregate([resp for (resp,) in psql("\n".join(stmts))])
    parent = {c: p for c, _, p in units}
    return rid, [u[0] for u in units], parent, truth


def atoms_of(code, kind, role, codes, parent):
    def below(u, anc):
        while u is not None:
            if u == anc:
                return True
            u = parent[u]
        return False
    vec = []
    for u in codes:
        inside = u == code if kind == "alone" else below(u, code)
        for r in ("staff", "manager"):
            vec.append(1 if inside and role in (r, "all") else 0)
    return vec


def mass(vec, codes, truth):
    n = pop = 0
    s = 0.0
    for i, x in enumerate(vec):
        if x:
            t = truth[(codes[i // 2], ("staff", "manager")[i % 2])]
            n += t["n"]
            pop += t["pop"]
            s += t["sum"]
    return n, pop, s


def protected(n, pop, k):
    """A group the rule protects: fewer than k respondents, unless nobody
    could have responded at all."""
    return n < k and not (n == 0 and pop == 0)


def series_world(k, prev, cur, state="closed"):
    """A series of two pseudonymous rounds over ORG with units A and B;
    prev and cur: {unit: [person, ...]} who answered each round (staff).
    Returns the round ids, the persons' scores and the API path base."""
    reset_db()
    ids = insert_units([("ORG", "Organisation", None), ("A", "Enhet A", "ORG"), ("B", "Enhet B", "ORG"),
                        ("C", "Enhet C", "ORG")])
    surveys = insert_surveys(FX["surveys"])
    series = int(psql("INSERT INTO series (name, every_months, duration_days) VALUES ('S', 12, 21) "
                      "RETURNING id")[0][0])
    rnd = random.Random(7)
    rounds, score = [], {}
    for seq, who in ((1, prev), (2, cur)):
        rid = insert_round(f"S{seq}", k, series=series, seq=seq, root=ids["ORG"], surveys=surveys, state="open")
        rounds.append(rid)
        stmts = []
        for code, people in who.items():
            invite(rid, ids[code], "staff", surveys["staff"], len(people), f"s{seq}-{code}-")
            for person in people:
                score[(seq, person)] = x = round(rnd.uniform(10, 90), 3)
                stmts.append(response_sql(rid, surveys["staff"], ids[code], "staff", person,
                                          {"index": x, "level": "foundation", "areas": {}, "items": {}}))
        aggregate([r for (r,) in psql("\n".join(stmts))])
    psql(f"UPDATE rounds SET state = 'closed' WHERE id = {rounds[0]}")
    if state == "closed":
        psql(f"UPDATE rounds SET state = 'closed' WHERE id = {rounds[1]}")
    return series, rounds, score


@test
def test_attack_the_paired_change_does_not_give_away_who_left_or_joined():
    """The issue's attack: a unit with 6 respondents last round and 5 this
    round, all 5 pairs: 6 x mean1 - 5 x (mean2 - paired) is the leaver's
    index. Stayers, leavers and joiners are each a group of at least k or
    none, in every cell the trend, the indicators and the change show."""
    k = 5
    a_prev = [f"a{i}" for i in range(6)]
    b_all = [f"b{i}" for i in range(20)]
    c_all = [f"c{i}" for i in range(8)]  # the same 8 both times: its paired change is shown
    series, (r1, r2), score = series_world(k, {"A": a_prev, "B": b_all, "C": c_all},
                                           {"A": a_prev[:5], "B": b_all[:17] + ["n1", "n2", "n3"], "C": c_all})
    add_user("anna", "analyst")
    with Server() as s:
        h = session(s, "anna")
        checked = 0
        for code in ("ORG", "A", "B", "C"):
            cur = get(s, h, f"/api/v1/rounds/{r2}/indicators?unit={code}&depth=0")["units"][0]
            prev = get(s, h, f"/api/v1/rounds/{r1}/indicators?unit={code}&depth=0")["units"][0]
            trend = get(s, h, f"/api/v1/series/{series}/trend?unit={code}")
            assert trend["rounds"][1]["indicators"]["paired"] == cur["subtree"]["paired"]
            for kind in ("subtree", "alone"):
                if cur.get(kind) is None:
                    continue
                c, p = cur[kind], prev[kind]
                pd = c["paired"]
                if is_suppressed(pd) or is_suppressed(c["responded"]) or is_suppressed(p["responded"]):
                    continue
                leavers, joiners = p["responded"] - pd["n"], c["responded"] - pd["n"]
                assert leavers == 0 or leavers >= k, (code, kind, leavers)
                assert joiners == 0 or joiners >= k, (code, kind, joiners)
                checked += 1
        # A's one leaver: A's paired change is hidden, and so is what would
        # give it back (the whole organisation minus B).
        a = get(s, h, f"/api/v1/rounds/{r2}/indicators?unit=A&depth=0")["units"][0]["subtree"]
        assert is_suppressed(a["paired"]), a["paired"]
        org = get(s, h, f"/api/v1/rounds/{r2}/indicators?unit=ORG&depth=1")
        shown = [u["code"] for u in org["units"] if not is_suppressed(u["subtree"]["paired"])]
        assert "A" not in shown and not ("ORG" in shown and "B" in shown), shown
        # B: 17 stayers, 3 leavers and 3 joiners: hidden too (k = 5).
        assert "B" not in shown
        # C (8 stayers, nobody left or joined) is shown: the check above met it.
        assert "C" in shown and checked > 0, (shown, checked)


@test
def test_paper_counts_are_shown_only_where_paper_and_web_each_hold_k():
    """How many answers came on paper, per unit: a count of its own (and
    the web answers are the rest), so each is none or at least k, in every
    cell and every difference of shown cells, within the responses' decision."""
    k = 5
    reset_db()
    ids = insert_units([("ORG", "Organisation", None), ("A", "Enhet A", "ORG"), ("B", "Enhet B", "ORG"),
                        ("C", "Enhet C", "ORG")])
    surveys = insert_surveys(FX["surveys"])
    rid = insert_round("Papper", k, mode="anonymous", root=ids["ORG"], surveys=surveys)
    plan = {"A": (6, 5), "B": (8, 2), "C": (12, 0)}  # web, paper
    stmts = []
    for code, (web, paper) in plan.items():
        invite(rid, ids[code], "staff", surveys["staff"], web + paper, f"p-{code}-")
        for i in range(web + paper):
            stmts.append(response_sql(rid, surveys["staff"], ids[code], "staff", None,
                                      {"index": 50.0, "level": "foundation", "areas": {}, "items": {}},
                                      channel="paper" if i < paper else "web"))
    aggregate([r for (r,) in psql("\n".join(stmts))])
    add_user("anna", "analyst")
    with Server() as s:
        h = session(s, "anna")
        body = get(s, h, f"/api/v1/rounds/{rid}/indicators?unit=ORG&depth=1")
    cells = {}
    for u in body["units"]:
        for kind in ("subtree", "alone"):
            c = u.get(kind)
            if c and not is_suppressed(c["paper"]):
                assert not is_suppressed(c["responded"]), "paper shown where the group is not"
                cells[(u["code"], kind)] = (c["paper"], c["responded"] - c["paper"])
    truth = {"ORG": (7, 26), "A": (5, 6), "B": (2, 8), "C": (0, 12)}
    for (code, kind), (paper, web) in cells.items():
        if kind == "subtree":
            assert (paper, web) == truth[code], (code, paper, web)
        assert paper == 0 or paper >= k and web == 0 or web >= k, (code, kind, paper, web)
    # B's 2 on paper are hidden, and so is what would give them back.
    assert ("B", "subtree") not in cells
    assert not (("ORG", "subtree") in cells and ("A", "subtree") in cells and ("C", "subtree") in cells)
    # The whole minus any set of shown units leaves none or at least k.
    import itertools
    if ("ORG", "subtree") in cells:
        p0, w0 = cells[("ORG", "subtree")]
        kids = [c for c in ("A", "B", "C") if (c, "subtree") in cells]
        for n in range(1, len(kids) + 1):
            for sub in itertools.combinations(kids, n):
                dp = p0 - sum(cells[(c, "subtree")][0] for c in sub)
                dw = w0 - sum(cells[(c, "subtree")][1] for c in sub)
                assert (dp == 0 or dp >= k) and (dw == 0 or dw >= k), (sub, dp, dw)
    assert cells, "some paper count is shown"


@test
def test_an_open_round_shows_counts_and_no_figure_until_it_closes():
    """Two reads of an open round: the figures never change, because none
    is shown; the counts are (who took part is known to HR through the
    reminder list anyway). After the close, the figures come once, and the
    round cannot be reopened."""
    k = 3
    people = {"A": [f"a{i}" for i in range(7)], "B": [f"b{i}" for i in range(9)]}
    series, (r1, r2), score = series_world(k, people, people, state="open")
    add_user("anna", "analyst")
    with Server() as s:
        h = session(s, "anna")
        path = f"/api/v1/rounds/{r2}/indicators?unit=ORG&depth=1"
        first = get(s, h, path)
        for u in first["units"]:
            c = u["subtree"]
            assert c["responded"] == len(people.get(u["code"], [])) or u["code"] == "ORG"
            for key in ("index",):
                assert c[key] == {"suppressed": True, "reason": "round_open"}, c[key]
            assert all(v == {"suppressed": True, "reason": "round_open"} for v in c["areas"].values())
            assert c["paired"] == {"suppressed": True, "reason": "round_open"}
            assert c["change"]["index"] == {"suppressed": True, "reason": "round_open"}
            assert c["gap"]["index"]["suppressed"] is True
        assert all(v == {"suppressed": True, "reason": "round_open"} for v in first["reliability"].values())
        ov = get(s, h, f"/api/v1/rounds/{r2}/overview")
        assert all(u["index"] == {"suppressed": True, "reason": "round_open"} for u in ov["units"])
        # One more answer in A: the count moves, nothing else is there to move.
        sid = int(psql("SELECT survey_id FROM round_surveys WHERE round_id = %d AND audience = 'staff'" % r2)[0][0])
        aid = int(psql("SELECT id FROM units WHERE code = 'A'")[0][0])
        aggregate([psql(response_sql(r2, sid, aid, "staff", "late",
                                     {"index": 99.0, "level": "foundation", "areas": {}, "items": {}}))[0][0]])
        second = get(s, h, path)
        for u1, u2 in zip(first["units"], second["units"]):
            a, b = dict(u1["subtree"]), dict(u2["subtree"])
            a.pop("responded"), b.pop("responded"), a.pop("response_rate"), b.pop("response_rate")
            assert a == b, u1["code"]
        # The microdata wait for the close too.
        r = mognad("export", "--round", str(r2), "--format", "csv", "--microdata", "--out", "/tmp/mg-open.csv")
        assert r.returncode == 1 and "closed" in r.stderr, r.stderr
    # Closed: the figures are there; a closed round with answers stays closed.
    psql(f"UPDATE rounds SET state = 'closed' WHERE id = {r2}")
    with Server() as s:
        h = session(s, "anna")
        closed = get(s, h, f"/api/v1/rounds/{r2}/indicators?unit=ORG&depth=1")
        assert "mean" in closed["units"][0]["subtree"]["index"]
    r = mognad("round", "open", str(r2), "--reopen", "--closes", "2099-06-01")
    assert r.returncode == 1 and "cannot be reopened" in r.stderr, r.stderr


def microdata_groups(rid, codes, parent, truth, cells):
    """The atom sets of the microdata file's row groups, checked against
    the file: every row where the placement puts it, every group whole."""
    import csv as csv_
    path = os.path.join(TMP_DIR, f"md-{rid}.csv")
    r = mognad("export", "--round", str(rid), "--format", "csv", "--microdata", "--out", path)
    assert r.returncode == 0, r.stderr
    rows = list(csv_.DictReader(open(path, encoding="utf-8-sig", newline="")))
    code_of = {"staff": "1", "manager": "2", "all": ""}

    def shown(code, kind, role):
        c = cells.get((code, kind, role))
        return c is not None and c["count"] is not None and c["count"] > 0

    placed = {}
    for u in codes:
        kids = any(parent[c] == u for c in codes)
        for r_ in ("staff", "manager"):
            spot = None
            for role in (r_, "all"):
                x = u
                while x is not None and spot is None:
                    if x == u and kids and shown(x, "alone", role):
                        spot = (x, "1", code_of[role])
                    elif shown(x, "subtree", role):
                        spot = (x, "1" if x == u and not kids else "2", code_of[role])
                    x = parent[x]
                if spot:
                    break
            if spot:
                placed.setdefault(spot, []).append((u, r_))
    in_file = {}
    for row in rows:
        key = (row["unit"], row["unit_scope"], row["role"])
        n, total = in_file.get(key, (0, 0.0))
        in_file[key] = (n + 1, total + (float(row["index"]) if row["index"] else 0.0))
    vecs = []
    for key, atoms in placed.items():
        n = sum(truth[a]["n"] for a in atoms)
        if n == 0:
            continue
        assert key in in_file and in_file[key][0] == n, (key, n, in_file.get(key))
        assert abs(in_file[key][1] - sum(truth[a]["sum"] for a in atoms)) < 0.01 * n, key
        vecs.append([1 if (c, r_) in atoms else 0 for c in codes for r_ in ("staff", "manager")])
    assert sum(v[0] for v in in_file.values()) == sum(len(x) for x in [rows])
    assert set(in_file) <= {k_ for k_, atoms in placed.items()}, set(in_file) - set(placed)
    return vecs


@test
def test_attack_nothing_hidden_can_be_derived_from_what_the_api_shows():
    for seed in range(6):
        k = (3, 5)[seed % 2]
        rid, codes, parent, truth = build_attack_world(1000 + seed, k)
        add_user("anna", "analyst")
        with Server() as s:
            a = session(s, "anna")
            cells = {}  # (code, kind, role) -> {"count": n or None, "index": (n, mean) or None}
            for role in ROLES:
                # Every unit the API offers, from each unit down and from the top.
                for code in codes:
                    body = get(s, a, f"/api/v1/rounds/{rid}/indicators?unit={code}&depth=0&role={role}")
                    u = body["units"][0]
                    for kind in ("subtree", "alone"):
                        c = u[kind]
                        shown = {"count": None if is_suppressed(c["responded"]) else c["responded"],
                                 "index": None if is_suppressed(c["index"]) else (c["index"]["n"],
                                                                                 c["index"].get("mean"))}
                        key = (code, kind, role)
                        assert cells.setdefault(key, shown) == shown, "the same cell differs between calls"
                top = get(s, a, f"/api/v1/rounds/{rid}/indicators?unit=ORG&depth=20&role={role}")
                for u in top["units"]:
                    c = u["subtree"]
                    assert (None if is_suppressed(c["responded"]) else c["responded"]) == \
                        cells[(u["code"], "subtree", role)]["count"]
                ov = get(s, a, f"/api/v1/rounds/{rid}/overview?role={role}")
                for u in ov["units"]:
                    got = None if is_suppressed(u["responded"]) else u["responded"]
                    assert got == cells[(u["code"], "subtree", role)]["count"]
        # What is shown is true, and every shown group is big enough.
        vis_count, vis_index = [], []
        for (code, kind, role), shown in cells.items():
            vec = atoms_of(code, kind, role, codes, parent)
            n, pop, total = mass(vec, codes, truth)
            if shown["count"] is not None:
                assert shown["count"] == n and not protected(n, pop, k), (code, kind, role, n, pop)
                vis_count.append(vec)
            if shown["index"] is not None:
                assert shown["index"][0] == n and not protected(n, pop, k)
                if n:
                    assert abs(shown["index"][1] * n - total) < 1e-6
                vis_index.append(vec)
        # The research microdata of the same round: each (unit, scope, role)
        # group of rows is known with its count and index sum, so its set of
        # atoms joins what the attacker holds. Where the rows go follows
        # from the counts shown (mg_privacy_microdata_place), checked here.
        groups = microdata_groups(rid, codes, parent, truth, cells)
        vis_count += groups
        vis_index += groups
        # The attack: every cell, every atom and every difference of two
        # cells that holds a protected group must be out of reach of the
        # shown cells and the microdata, for the counts and the index sums.
        candidates = [atoms_of(c, kd, r, codes, parent) for (c, kd, r) in cells]
        dim = 2 * len(codes)
        targets = []
        for x in candidates:
            for y in candidates + [[0] * dim]:
                if all(b <= a_ for a_, b in zip(x, y)):
                    targets.append([a_ - b for a_, b in zip(x, y)])
        targets += [[1 if i == j else 0 for i in range(dim)] for j in range(dim)]
        for basis_name, vis in (("count", vis_count), ("index", vis_index)):
            basis = rank_basis(vis)
            attacked = 0
            for t in targets:
                if not any(t):
                    continue
                n, pop, _ = mass(t, codes, truth)
                if protected(n, pop, k):
                    attacked += 1
                    assert not in_span(basis, t), (seed, basis_name, t, n)
            assert attacked > 0, "the attack found nothing to attack"
        hidden = sum(1 for c in cells.values() if c["count"] is None)
        assert 0 < hidden < len(cells), (seed, hidden, len(cells))


if __name__ == "__main__":
    run()
