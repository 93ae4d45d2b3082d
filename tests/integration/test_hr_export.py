"""The dashboard's downloads, annual report and paper channel: downloads
equal `mognad export` for the same round, role and language, microdata
only for admins, every download audited with the user's id; paper
responses typed in by a registrar only (who is refused every other route
and sees no figure and no count), checked like the web form, stored with
channel paper (open rounds directly, anonymous rounds through the queue,
where they do not count towards releasing a batch), audited without
answers, and refused in pseudonymous rounds."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, route_body, route_table, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
PASSWORD = "correct horse battery"
STATE = {}


def mognad(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (args, r.stderr)
    return r


def world():
    """The demo (a pseudonymous series of three rounds), an open and an
    anonymous round over the same tree, an analyst, an admin and a
    registrar."""
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
    for login, role in (("anna", "analyst"), ("adam", "admin"), ("rita", "registrar")):
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
    # The registrar's first page is the list of rounds to type into.
    home = "/hr/paper" if user == "rita" else "/hr"
    assert r.header("Location") == home, (user, r.header("Location"))
    session = next(v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith("mognad_hr="))
    h = {"Cookie": session.split(";")[0]}
    page = s.get(home, headers=h)
    assert page.status == 200, (user, page.status)
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
        assert r.status == 409 and b"round" in r.body.lower(), (r.status, r.body[:200])


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


def token_of(page):
    """The entry form's one-time token."""
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def post(s, h, csrf, rid, fields):
    body = urllib.parse.urlencode({"csrf": csrf, **fields})
    return s.request("POST", f"/hr/rounds/{rid}/paper?lang=en", body=body,
                     headers={**h, "Content-Type": "application/x-www-form-urlencoded"})


def no_counts(page, digits=True):
    """A registrar's page shows no count: no figure, no count list, and
    outside the forms (the questions and units) no number but dates."""
    assert 'id="count-' not in page and "data-figure" not in page and "<dd" not in page, page[:500]
    main = re.sub(r"<form.*?</form>", " ", page.split("<main", 1)[1], flags=re.S)
    text = re.sub(r"<[^>]+>", " ", main)
    # What digits remain are dates (YYYY-MM-DD) only.
    assert not digits or not re.findall(r"(?<![\d-])\d+(?![\d-])", text), re.findall(r"(?<![\d-])\d+(?![\d-])", text)


@test
def test_paper_entry_is_validated_stored_on_paper_and_audited():
    w = world()
    rid = w["open"]
    with Server() as s:
        h, csrf = login(s, "rita")
        page = paper_form(s, h, rid)
        no_counts(page)
        answers = answers_of(page)
        assert len(answers) > 10
        base = {"unit": "REG", "role": "staff", "form_token": token_of(page)}
        # An answer the item does not accept, and a field that is no question.
        key = next(iter(answers))
        r = post(s, h, csrf, rid, {**base, **answers, key: "9"})
        assert r.status == 400 and "not one of its choices" in r.text
        r = post(s, h, csrf, rid, {**base, **answers, "a.no_such_item": "1"})
        assert r.status == 400 and "is not a question" in r.text
        r = post(s, h, csrf, rid, {**answers, "unit": "NOPE", "role": "staff", "form_token": base["form_token"]})
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
        saved = s.get(r.header("Location"), headers=h)
        assert saved.status == 200 and 'id="paper-status"' in saved.text
        no_counts(saved.text)
        # Audited with the registrar who typed it in, never the answers.
        a = audits("response.paper")
        assert len(a) == 1 and int(a[0][0]) == w["rita"] and a[0][1] == "rita"
        d = json.loads(a[0][2])
        assert d == {"round": rid, "unit": "REG", "role": "staff"}, d
        # The managers' questionnaire for a department.
        page = paper_form(s, h, rid, unit="HSF", role="manager")
        r = post(s, h, csrf, rid, {"unit": "HSF", "role": "manager", "form_token": token_of(page), **answers_of(page)})
        assert r.status == 303
        assert psql(f"SELECT count(*) FROM responses WHERE round_id = {rid} AND channel = 'paper'")[0][0] == "2"


@test
def test_paper_form_posted_twice_is_stored_once():
    w = world()
    with Server() as s:
        h, csrf = login(s, "rita")
        for rid, table in ((w["open"], "responses"), (w["anonymous"], "anonymous_queue")):
            n = lambda: int(psql(f"SELECT count(*) FROM {table} WHERE round_id = {rid}")[0][0])  # noqa: E731
            before = n()
            page = paper_form(s, h, rid, lang="sv")
            form = {"unit": "REG", "role": "staff", "form_token": token_of(page), **answers_of(page)}
            # A double click without JavaScript: the same form twice.
            first = post(s, h, csrf, rid, form)
            assert first.status == 303, (first.status, first.body[:300])
            again = s.request("POST", f"/hr/rounds/{rid}/paper?lang=sv", body=urllib.parse.urlencode(
                {"csrf": csrf, **form}), headers={**h, "Content-Type": "application/x-www-form-urlencoded"})
            assert again.status == 409, (again.status, again.body[:300])
            assert '<html lang="sv">' in again.text and "redan sparad" in again.text
            # The page offers a fresh form for the next questionnaire.
            assert token_of(again.text) != form["form_token"]
            assert n() == before + 1, (table, n(), before)
            # A token this session was never given, or none, stores nothing
            # and shows the answers again on a new form.
            for bad in ("A" * 43, ""):
                r = post(s, h, csrf, rid, {**form, "form_token": bad})
                assert r.status == 403 and "checked" in r.text, (r.status, r.body[:300])
                assert token_of(r.text) not in (bad, form["form_token"])
            assert n() == before + 1
        # Another session cannot use this session's form, nor a form of
        # another round.
        page = paper_form(s, h, w["open"])
        form = {"unit": "REG", "role": "staff", "form_token": token_of(page), **answers_of(page)}
        h2, csrf2 = login(s, "rita")
        n0 = psql(f"SELECT count(*) FROM responses WHERE round_id = {w['open']}")[0][0]
        assert post(s, h2, csrf2, w["open"], form).status == 403
        assert post(s, h, csrf, w["anonymous"], form).status == 403
        assert psql(f"SELECT count(*) FROM responses WHERE round_id = {w['open']}")[0][0] == n0
        assert post(s, h, csrf, w["open"], form).status == 303
        # The next test counts the anonymous round's queue from nothing.
        psql(f"DELETE FROM anonymous_queue WHERE round_id = {w['anonymous']}")


@test
def test_anonymous_paper_goes_through_the_queue_and_pseudonymous_is_refused():
    w = world()
    rid = w["anonymous"]
    with Server() as s:
        h, csrf = login(s, "rita")
        page = paper_form(s, h, rid)
        answers = {**answers_of(page), "form_token": token_of(page)}
        r = post(s, h, csrf, rid, {"unit": "REG", "role": "staff", **answers})
        assert r.status == 303 and "saved=queued" in r.header("Location")
        assert psql(f"SELECT channel FROM anonymous_queue WHERE round_id = {rid}") == [["paper"]]
        no_counts(s.get(r.header("Location"), headers=h).text)
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



@test
def test_only_the_registrar_types_paper_entries():
    w = world()
    rid = w["open"]
    routes = [(m, p) for m, p, f in route_table() if "MG_ROUTE_PAPER" in f]
    assert ("GET", "/hr/rounds/{id}/paper") in routes and ("POST", "/hr/rounds/{id}/paper") in routes
    with Server() as s:
        # The registrar's form, posted by an analyst or an admin in their
        # own session: refused before anything is looked at.
        hr, _ = login(s, "rita")
        page = paper_form(s, hr, rid)
        n = psql(f"SELECT count(*) FROM responses WHERE round_id = {rid}")[0][0]
        for user in ("anna", "adam"):
            h, csrf = login(s, user)
            assert s.get("/hr/paper", headers=h).status == 403
            r = s.get(f"/hr/rounds/{rid}/paper?unit=REG&role=staff", headers=h)
            assert r.status == 403 and 'name="form_token"' not in r.text, (user, r.status)
            r = post(s, h, csrf, rid, {"unit": "REG", "role": "staff", "form_token": token_of(page),
                                       **answers_of(page)})
            assert r.status == 403, (user, r.status)
            # The round page offers the blank questionnaires, not paper entry.
            r = s.get(f"/hr/rounds/{rid}?lang=en", headers=h)
            assert r.status == 200 and 'data-blank="staff"' in r.text and f"/hr/rounds/{rid}/paper" not in r.text
        assert psql(f"SELECT count(*) FROM responses WHERE round_id = {rid}")[0][0] == n
    assert psql("SELECT role FROM users WHERE login = 'rita'") == [["registrar"]]


@test
def test_registrar_sees_no_figure_and_no_count_on_any_route():
    w = world()
    series = psql(f"SELECT series_id FROM rounds WHERE id = {w['closed']}")[0][0]
    sid = psql(f"SELECT survey_id FROM round_surveys WHERE round_id = {w['open']} AND audience = 'staff'")[0][0]
    routes = [r for r in route_table() if re.search(r"MG_ROUTE_(VIEWER|ANALYST|ADMIN|PAPER)", r[2])]
    assert len(routes) >= 30, len(routes)
    with Server() as s:
        h, csrf = login(s, "rita")
        # Every route of the ladder (viewer, analyst, admin) refuses the
        # registrar; the paper routes alone admit it.
        for method, pattern, flags in routes:
            path = (pattern.replace("{id}", str(series) if "/series/" in pattern else
                                    sid if "/surveys/" in pattern else str(w["open"]))
                    .replace("{code}", "REG"))
            if path.endswith("/export"):
                path += "?format=json"
            if path.endswith("/microdata"):
                path += "?format=csv"
            hdr = dict(h)
            body = None
            if method != "GET":
                hdr["X-CSRF-Token"] = csrf
                hdr["Content-Type"], body = route_body(flags, csrf)
            if "MG_ROUTE_PAPER" in flags:
                if (method, pattern) in (("POST", "/hr/logout"), ("DELETE", "/api/v1/session")):
                    continue  # would end the session the walk uses
                r = s.request(method, path, body=body, headers=hdr)
                assert r.status in (200, 400), (method, path, r.status, r.body[:300])
                if path.startswith("/api/"):
                    assert set(r.json()) <= {"login", "role", "unit", "csrf_token", "expires_at", "idle_expires_at"}, r.json()
                else:
                    # The blank questionnaire says how many minutes it takes.
                    no_counts(r.text, digits="/surveys/" not in pattern)
                continue
            r = s.request(method, path, body=body, headers=hdr)
            if (method, pattern) == ("GET", "/hr"):
                # The way in leads to the paper rounds.
                assert r.status == 303 and r.header("Location") == "/hr/paper", (r.status, r.body[:200])
                continue
            assert r.status == 403, (method, path, r.status, r.body[:300])
            assert not re.search(r"\b(responded|response_rate|invited|mean)\b", r.text), (path, r.text[:300])
        # The list of rounds to type into: the open round, each with its
        # name, mode and closing date only; not the pseudonymous round nor
        # closed ones (the anonymous round was closed above).
        page = s.get("/hr/paper?lang=en", headers=h)
        no_counts(page.text)
        listed = {int(x) for x in re.findall(r'<tr data-round="(\d+)">', page.text)}
        assert listed == {w["open"]}, (listed, w)
        assert f'href="/hr/rounds/{w["open"]}/paper?lang=en"' in page.text
        assert 'href="/hr/paper"' in page.text and 'href="/hr/manage"' not in page.text
        # The user bar leads to it in every language.
        for lang in ("sv", "nb", "nn", "en"):
            r = s.get(f"/hr/rounds/{w['open']}/paper?lang={lang}", headers=h)
            assert r.status == 200 and f'<html lang="{lang}"' in r.text
            assert 'href="/hr/rounds/%d"' % w["open"] not in r.text
            no_counts(r.text)


@test
def test_paper_entries_do_not_release_an_anonymous_batch():
    """9 paper entries and 1 web answer in an anonymous round release
    nothing: a batch goes out once at least max(k, 10) web answers wait,
    the paper entries with it."""
    w = world()
    out = mognad("round", "create", "--name", "Paper batch", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", "anonymous", "--unit", "REG").stdout
    rid = int(out.split()[-1])
    mognad("round", "open", str(rid))
    assert psql(f"SELECT greatest(min_group_size, 10) FROM rounds WHERE id = {rid}")[0][0] == "10"
    queued = lambda: psql(f"SELECT channel, count(*) FROM anonymous_queue WHERE round_id = {rid} "  # noqa: E731
                          "GROUP BY 1 ORDER BY 1")
    stored = lambda: psql(f"SELECT channel, count(*) FROM responses WHERE round_id = {rid} "  # noqa: E731
                          "GROUP BY 1 ORDER BY 1")

    def web(n):
        # A web submission's queue row (respond.c's stmt_submit_queue)
        # with the answers of a paper one.
        psql(f"INSERT INTO anonymous_queue (round_id, survey_id, unit_id, role, payload) "
             f"SELECT q.round_id, q.survey_id, q.unit_id, q.role, q.payload FROM "
             f"(SELECT * FROM anonymous_queue WHERE round_id = {rid} AND channel = 'paper' LIMIT 1) q "
             f"CROSS JOIN generate_series(1, {n})")

    with Server(env={"MOGNAD_SCHEDULER_INTERVAL_MS": "100"}) as s:
        h, csrf = login(s, "rita")
        for _ in range(9):
            page = paper_form(s, h, rid, unit="HSF")
            r = post(s, h, csrf, rid, {"unit": "HSF", "role": "staff", "form_token": token_of(page),
                                       **answers_of(page)})
            assert r.status == 303 and "saved=queued" in r.header("Location"), (r.status, r.body[:200])
        web(1)
        time.sleep(1.5)
        assert queued() == [["paper", "9"], ["web", "1"]], queued()
        assert stored() == [], stored()
        # 9 web answers: still short of 10 web answers.
        web(8)
        time.sleep(1.5)
        assert queued() == [["paper", "9"], ["web", "9"]] and stored() == [], (queued(), stored())
        # The tenth web answer: the batch goes out, the paper entries in it.
        web(1)
        deadline = time.time() + 10
        while queued() and time.time() < deadline:
            time.sleep(0.2)
        assert queued() == [] and stored() == [["paper", "9"], ["web", "10"]], (queued(), stored())
    # At the close everything that waits goes out, paper alone too.
    page_rows = psql(f"SELECT count(*) FROM responses WHERE round_id = {rid}")[0][0]
    with Server(env={"MOGNAD_SCHEDULER_INTERVAL_MS": "3600000"}) as s:
        h, csrf = login(s, "rita")
        page = paper_form(s, h, rid)
        assert post(s, h, csrf, rid, {"unit": "REG", "role": "staff", "form_token": token_of(page),
                                      **answers_of(page)}).status == 303
    mognad("round", "close", str(rid))
    assert psql(f"SELECT count(*) FROM responses WHERE round_id = {rid}")[0][0] == str(int(page_rows) + 1)
    assert queued() == []


if __name__ == "__main__":
    run()
