"""The dashboard's downloads, annual report and paper channel: downloads
equal `mognad export` for the same round, role and language, microdata
only for admins, every download audited with the user's id; paper
responses checked like the web form, stored with channel paper (open
rounds directly, anonymous rounds through the queue), counted, audited
without answers, and refused in pseudonymous rounds."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
PASSWORD = "correct horse battery"
STATE = {}


def mognad(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (args, r.stderr)
    return r


def world():
    """The demo (a pseudonymous series of three rounds), an open and an
    anonymous round over the same tree, an analyst and an admin."""
    if STATE:
        return STATE
    reset_db()
    mognad("survey", "load", "--dir", os.path.join(TOP, "surveys"))
    r = mognad("demo", "--units", UNITS, "--seed", "3")
    STATE["round"] = int(re.search(r"round (\d+) open", r.stdout).group(1))
    STATE["closed"] = int(re.search(r"round (\d+) \"", r.stdout).group(1))
    for mode in ("open", "anonymous"):
        out = mognad("round", "create", "--name", f"Paper {mode}", "--opens", "2026-01-01", "--closes",
                     "2099-01-01", "--mode", mode, "--unit", "REG").stdout
        rid = out.split()[-1]
        mognad("round", "open", rid)
        STATE[mode] = int(rid)
    for login, role in (("anna", "analyst"), ("adam", "admin")):
        r = subprocess.run([BIN, "user", "add", "--role", role, login], input=PASSWORD + "\n",
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        STATE[login] = int(psql(f"SELECT id FROM users WHERE login = '{login}'")[0][0])
    STATE["dir"] = tempfile.mkdtemp()
    return STATE


def login(s, user):
    r = s.get("/hr/login")
    pre = next(v for k, v in r.headers if k.lower() == "set-cookie"
               and v.startswith("mognad_hr_login=")).split(";")[0]
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    body = urllib.parse.urlencode({"login": user, "password": PASSWORD, "csrf": token})
    r = s.request("POST", "/hr/login", body=body,
                  headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre})
    assert r.status == 303, (r.status, r.body[:300])
    session = next(v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith("mognad_hr="))
    h = {"Cookie": session.split(";")[0]}
    page = s.get("/hr", headers=h)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return h, csrf


def cli_export(rid, *args):
    path = os.path.join(world()["dir"], "cli-%d-%s" % (rid, "-".join(a.strip("-") for a in args)))
    mognad("export", "--round", str(rid), *args, "--out", path)
    return open(path, "rb").read()


def audits(action):
    return psql(f"SELECT user_id, actor, detail::text FROM audit_log WHERE action = '{action}' ORDER BY id")


@test
def test_indicator_downloads_equal_the_cli_export_and_are_audited():
    w = world()
    rid = w["round"]
    with Server() as s:
        h, _ = login(s, "anna")
        page = s.get(f"/hr/rounds/{rid}?role=staff&lang=nb", headers=h).text
        assert f'/hr/rounds/{rid}/export?format=csv&amp;role=staff&amp;lang=nb' in page
        assert "microdata" not in page, "an analyst is not offered microdata"
        before = len(audits("export.indicators"))
        for fmt, lang, role, args in [("csv", "en", "all", ["--format", "csv"]),
                                      ("csv-excel", "sv", "staff", ["--format", "csv", "--semicolon"]),
                                      ("json", "nn", "manager", ["--format", "json"])]:
            r = s.get(f"/hr/rounds/{rid}/export?format={fmt}&role={role}&lang={lang}", headers=h)
            assert r.status == 200, (fmt, r.status, r.body[:300])
            disp = r.header("Content-Disposition")
            assert disp.startswith("attachment; filename=\"round-%d-" % rid), disp
            want = cli_export(rid, *args, "--role", role, "--lang", lang)
            assert r.body == want, (fmt, len(r.body), len(want))
            if fmt.startswith("csv"):
                assert r.body.startswith(b"\xef\xbb\xbf") and r.header("Content-Type").startswith("text/csv")
        # A unit's drill-down downloads that unit's subtree.
        page = s.get(f"/hr/rounds/{rid}/units/HSF?role=all&lang=sv", headers=h).text
        assert "unit=HSF" in page
        r = s.get(f"/hr/rounds/{rid}/export?format=csv&role=all&lang=sv&unit=HSF", headers=h)
        assert r.status == 200 and r.body == cli_export(rid, "--format", "csv", "--unit", "HSF", "--lang", "sv")
        # Excel: a workbook with the same cells as the CLI's.
        r = s.get(f"/hr/rounds/{rid}/export?format=xlsx&role=all&lang=en", headers=h)
        assert r.status == 200 and r.body[:2] == b"PK"
        got = zipfile.ZipFile(io.BytesIO(r.body))
        want = zipfile.ZipFile(io.BytesIO(cli_export(rid, "--format", "xlsx", "--lang", "en")))
        for name in want.namelist():
            if name.startswith("xl/"):
                assert got.read(name) == want.read(name), name
        after = audits("export.indicators")
        mine = [a for a in after[before:] if a[2] and '"dashboard"' in a[2]]
        assert len(mine) == 5, after[before:]
        for uid, actor, detail in mine:
            d = json.loads(detail)
            assert int(uid) == w["anna"] and actor == "anna" and d["round"] == rid and not d["microdata"]
        assert r.status == 200
        # Nonsense is refused.
        assert s.get(f"/hr/rounds/{rid}/export?format=pdf", headers=h).status == 400
        assert s.get(f"/hr/rounds/{rid}/export?format=csv&role=boss", headers=h).status == 400
        assert s.get("/hr/rounds/99999/export?format=csv", headers=h).status == 404


@test
def test_microdata_only_for_admins_equal_to_the_cli_and_audited():
    w = world()
    rid = w["closed"]
    with Server() as s:
        h, _ = login(s, "anna")
        for fmt in ("csv", "codebook", "sav"):
            assert s.get(f"/hr/rounds/{rid}/microdata?format={fmt}", headers=h).status == 403
        h, _ = login(s, "adam")
        page = s.get(f"/hr/rounds/{rid}?lang=en", headers=h).text
        assert f"/hr/rounds/{rid}/microdata?format=sav&amp;lang=en" in page
        before = len(audits("export.microdata"))
        path = os.path.join(w["dir"], "md.csv")
        mognad("export", "--round", str(rid), "--format", "csv", "--microdata", "--lang", "en", "--out", path)
        r = s.get(f"/hr/rounds/{rid}/microdata?format=csv&lang=en", headers=h)
        assert r.status == 200 and r.body == open(path, "rb").read()
        assert r.header("Content-Disposition") == f'attachment; filename="round-{rid}-microdata-en.csv"'
        r = s.get(f"/hr/rounds/{rid}/microdata?format=codebook&lang=en", headers=h)
        assert r.status == 200 and r.body == open(path + ".codebook.csv", "rb").read()
        rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"))))
        assert len(rows) > 5
        spath = os.path.join(w["dir"], "md.sav")
        mognad("export", "--round", str(rid), "--format", "sav", "--lang", "en", "--out", spath)
        r = s.get(f"/hr/rounds/{rid}/microdata?format=sav&lang=en", headers=h)
        want = open(spath, "rb").read()
        assert r.status == 200 and r.body[:4] == b"$FL2" and len(r.body) == len(want)
        after = audits("export.microdata")[before:]
        mine = [a for a in after if '"dashboard"' in a[2]]
        assert len(mine) == 3, after
        for uid, actor, detail in mine:
            d = json.loads(detail)
            assert int(uid) == w["adam"] and d["microdata"] and d["rows"] > 0
        # An open round offers no microdata yet, and refuses them.
        page = s.get(f"/hr/rounds/{w['round']}?lang=en", headers=h).text
        assert "/microdata?" not in page and "once the round has closed" in page
        r = s.get(f"/hr/rounds/{w['round']}/microdata?format=csv&lang=en", headers=h)
        assert r.status == 409 and r.json()["error"]["code"] == "round_not_closed", (r.status, r.body[:200])


def paper_form(s, h, rid, unit="REG", role="staff", lang="en"):
    page = s.get(f"/hr/rounds/{rid}/paper?unit={unit}&role={role}&lang={lang}", headers=h)
    assert page.status == 200, (page.status, page.body[:300])
    return page.text


def answers_of(page):
    """Every question on the page with its first offered choice."""
    out = {}
    for name, value in re.findall(r'<input type="radio" name="(a\.[a-z0-9_]+)" value="([^"]+)"', page):
        out.setdefault(name, value)
    return out


def post(s, h, csrf, rid, fields):
    body = urllib.parse.urlencode({"csrf": csrf, **fields})
    return s.request("POST", f"/hr/rounds/{rid}/paper?lang=en", body=body,
                     headers={**h, "Content-Type": "application/x-www-form-urlencoded"})


def counts(page):
    return {k: int(v) for k, v in re.findall(r'<dd id="count-([a-z]+)">(\d+)</dd>', page)}


@test
def test_paper_entry_is_validated_stored_on_paper_counted_and_audited():
    w = world()
    rid = w["open"]
    with Server() as s:
        h, csrf = login(s, "anna")
        page = paper_form(s, h, rid)
        answers = answers_of(page)
        assert len(answers) > 10
        before = counts(page)
        assert before["paper"] == 0
        base = {"unit": "REG", "role": "staff"}
        # An answer the item does not accept, and a field that is no question.
        key = next(iter(answers))
        r = post(s, h, csrf, rid, {**base, **answers, key: "9"})
        assert r.status == 400 and "not one of its choices" in r.text
        r = post(s, h, csrf, rid, {**base, **answers, "a.no_such_item": "1"})
        assert r.status == 400 and "is not a question" in r.text
        r = post(s, h, csrf, rid, {**answers, "unit": "NOPE", "role": "staff"})
        assert r.status == 400
        # A missing answer: 422 with an error summary, the others kept.
        partial = dict(list(answers.items())[1:])
        r = post(s, h, csrf, rid, {**base, **partial})
        assert r.status == 422 and 'id="error-summary"' in r.text and f'href="#q-{key[2:]}"' in r.text
        assert 'checked' in r.text
        # Without the CSRF token nothing happens.
        r = s.request("POST", f"/hr/rounds/{rid}/paper", body=urllib.parse.urlencode({**base, **answers}),
                      headers={**h, "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 403
        assert psql(f"SELECT count(*) FROM responses WHERE round_id = {rid}")[0][0] == "0"
        # A complete response is stored on paper, linked to nobody.
        r = post(s, h, csrf, rid, {**base, **answers})
        assert r.status == 303 and "saved=stored" in r.header("Location"), (r.status, r.body[:300])
        rows = psql(f"SELECT channel, pseudonym IS NULL, role FROM responses WHERE round_id = {rid}")
        assert rows == [["paper", "t", "staff"]], rows
        after = counts(s.get(r.header("Location"), headers=h).text)
        assert after["paper"] == before["paper"] + 1 and after["all"] == before["all"] + 1
        a = audits("response.paper")
        assert len(a) == 1 and int(a[0][0]) == w["anna"]
        d = json.loads(a[0][2])
        assert d == {"round": rid, "unit": "REG", "role": "staff"}, d
        # The managers' questionnaire for a department.
        page = paper_form(s, h, rid, unit="HSF", role="manager")
        r = post(s, h, csrf, rid, {"unit": "HSF", "role": "manager", **answers_of(page)})
        assert r.status == 303
        assert psql(f"SELECT count(*) FROM responses WHERE round_id = {rid} AND channel = 'paper'")[0][0] == "2"


@test
def test_anonymous_paper_goes_through_the_queue_and_pseudonymous_is_refused():
    w = world()
    rid = w["anonymous"]
    with Server() as s:
        h, csrf = login(s, "anna")
        answers = answers_of(paper_form(s, h, rid))
        r = post(s, h, csrf, rid, {"unit": "REG", "role": "staff", **answers})
        assert r.status == 303 and "saved=queued" in r.header("Location")
        assert psql(f"SELECT channel FROM anonymous_queue WHERE round_id = {rid}") == [["paper"]]
        assert counts(s.get(r.header("Location"), headers=h).text)["queued"] == 1
        mognad("round", "close", str(rid))
        assert psql(f"SELECT channel, pseudonym IS NULL FROM responses WHERE round_id = {rid}") == [["paper", "t"]]
        # Closed now: no more paper.
        r = post(s, h, csrf, rid, {"unit": "REG", "role": "staff", **answers})
        assert r.status == 410
        # Pseudonymous rounds refuse paper entry.
        pr = w["round"]
        page = s.get(f"/hr/rounds/{pr}/paper?lang=sv", headers=h)
        assert page.status == 409 and 'id="paper-refused"' in page.text
        n = psql(f"SELECT count(*) FROM responses WHERE round_id = {pr}")[0][0]
        r = post(s, h, csrf, pr, {"unit": "REG", "role": "staff", **answers})
        assert r.status == 409
        assert psql(f"SELECT count(*) FROM responses WHERE round_id = {pr}")[0][0] == n


@test
def test_report_and_blank_questionnaire_pages():
    w = world()
    rid = w["round"]
    with Server() as s:
        h, _ = login(s, "anna")
        for lang in ("sv", "nb", "nn", "en"):
            r = s.get(f"/hr/rounds/{rid}/report?lang={lang}", headers=h)
            assert r.status == 200
            assert f'<html lang="{lang}"' in r.text
        admins = [c for c, _n, p in csv.reader(open(UNITS, encoding="utf-8"), delimiter=";") if p == "REG"]
        sheets = re.findall(r'data-sheet="([^"]+)"', r.text)
        assert sheets[:2] == ["title", "summary"] and sorted(sheets[2:]) == sorted(admins), sheets
        assert "<svg" in r.text and "hidden" in r.text
        sid = psql(f"SELECT survey_id FROM round_surveys WHERE round_id = {rid} AND audience = 'staff'")[0][0]
        r = s.get(f"/hr/surveys/{sid}/paper?lang=nn", headers=h)
        assert r.status == 200 and 'class="box"' in r.text and "<input" not in r.text.split("<main")[1]
        n_items = len(json.load(open(os.path.join(TOP, "surveys/staff.json")))["items"])
        assert len(re.findall(r'data-item="', r.text)) == n_items


if __name__ == "__main__":
    run()
