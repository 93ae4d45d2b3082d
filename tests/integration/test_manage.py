"""Round management in the browser (/hr/manage) and the audit log: create
with the API's checks shown next to the field, open and close with the
CSRF token, unit-viewers refused, an uploaded register giving exactly the
links `mognad invite` gives (and the reminders `mognad remind` gives), bad
registers reported by line without personal data, uploads over the limit
refused, and `mognad audit`."""
import datetime
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
sys.path.insert(0, os.path.dirname(__file__))
import mgtest  # noqa: E402
from mgtest import Server, psql, run, test  # noqa: E402

_before = list(mgtest._tests)
import test_indicators as ti  # noqa: E402
import test_dashboard as td  # noqa: E402
mgtest._tests[:] = _before

BASE = "https://survey.example.org"
ENV = {"MOGNAD_PUBLIC_URL": BASE}
FORM = "application/x-www-form-urlencoded"


def day(offset):
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def post(s, h, path, fields):
    return s.request("POST", path, body=urllib.parse.urlencode(fields), headers=dict(h, **{"Content-Type": FORM}))


def multipart(fields, filename=None, data=None, file_field="register"):
    boundary = "----mognadtest7MA4YWxkTrZu0gW"
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    if filename is not None:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                   f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def upload(s, h, rid, csrf, data, what="invite", filename="register.csv"):
    body, ct = multipart({"csrf": csrf, "what": what}, filename, data)
    return s.request("POST", f"/hr/manage/rounds/{rid}/register", body=body, headers=dict(h, **{"Content-Type": ct}))


def error_fields(text):
    summary = re.search(r'<div class="error-summary"[^>]*autofocus>(.*?)</div>', text, re.S)
    assert summary, text[:2000]
    return re.findall(r'href="#([^"]+)"', summary.group(1))


def round_state(rid):
    return psql(f"SELECT state FROM rounds WHERE id = {int(rid)}")[0][0]


def create_round(s, h, csrf, **over):
    fields = {"csrf": csrf, "name": "Webbomgång", "opens": day(10), "closes": day(40), "mode": "pseudonymous",
              "k": "3", "unit": "REG", "language": "sv", "staff_survey": ti.FX["surveys"]["staff"]["key"],
              "manager_survey": ti.FX["surveys"]["manager"]["key"]}
    fields.update(over)
    r = post(s, h, "/hr/manage/rounds", fields)
    assert r.status == 303, (r.status, r.body[:3000])
    m = re.match(r"/hr/manage/rounds/(\d+)\?done=created$", r.header("Location"))
    assert m, r.header("Location")
    return int(m.group(1))


def setup_users():
    ti.load_fixture()
    ti.add_user("anna", "analyst")
    ti.add_user("adam", "admin")
    ti.add_user("vera", "unit-viewer", "D1")


@test
def test_create_round_with_errors_next_to_fields_then_open_and_close():
    setup_users()
    with Server(env=ENV) as s:
        h, csrf = td.login(s, "anna")
        text = td.page(s, h, "/hr/manage?lang=en")
        td.check_shell(text)
        # The fixture's rounds are all in a series: no template to offer yet.
        assert 'action="/hr/manage/rounds"' in text and 'id="new-series"' in text
        assert "<fieldset" in text and "<legend>" in text
        # Each bad field: 400, the summary links to the field, the field
        # carries its message, and the other values are kept.
        good = {"csrf": csrf, "name": "Ny mätning", "opens": day(10), "closes": day(40), "mode": "anonymous",
                "k": "5", "unit": "ADM", "language": "nn", "staff_survey": ti.FX["surveys"]["staff"]["key"]}
        for over, field in (({"opens": "1 mars"}, "r-opens"), ({"closes": day(5)}, "r-closes"),
                            ({"k": "2"}, "r-k"), ({"unit": "NOPE"}, "r-unit"), ({"name": ""}, "r-name"),
                            ({"staff_survey": "nosuch"}, "r-staff")):
            r = post(s, h, "/hr/manage/rounds?lang=en", dict(good, **over))
            assert r.status == 400, (over, r.status)
            assert error_fields(r.text) == [field], (over, error_fields(r.text))
            assert f'id="{field}-error"' in r.text
            assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text), field
            td.check_shell(r.text)
            assert 'value="anonymous" checked' in r.text and 'value="nn" lang="nn" selected' in r.text
            if "unit" not in over:
                assert '<option value="ADM" selected>' in r.text
        # Swedish by default.
        r = post(s, h, "/hr/manage/rounds", dict(good, opens="x"))
        assert "Ange ett datum som 2027-03-01" in r.text
        # Nothing was created by the refused forms.
        assert psql("SELECT count(*) FROM rounds WHERE name = 'Ny mätning'")[0][0] == "0"

        # Without the CSRF token, or with another one: refused, nothing made.
        r = post(s, h, "/hr/manage/rounds", {k: v for k, v in good.items() if k != "csrf"})
        assert r.status == 403 and r.header("Content-Type").startswith("text/html")
        r = post(s, h, "/hr/manage/rounds", dict(good, csrf="A" * len(csrf)))
        assert r.status == 403
        assert psql("SELECT count(*) FROM rounds WHERE name = 'Ny mätning'")[0][0] == "0"

        rid = create_round(s, h, csrf, name="Ny mätning")
        text = td.page(s, h, f"/hr/manage/rounds/{rid}?done=created")
        td.check_shell(text)
        assert 'role="status"' in text and 'data-state="scheduled"' in text
        assert round_state(rid) == "scheduled"
        # Open: CSRF needed.
        assert post(s, h, f"/hr/manage/rounds/{rid}/open", {}).status == 403
        assert round_state(rid) == "scheduled"
        r = post(s, h, f"/hr/manage/rounds/{rid}/open", {"csrf": csrf})
        assert r.status == 303 and r.header("Location") == f"/hr/manage/rounds/{rid}?done=opened"
        assert round_state(rid) == "open"
        # Opening again: a conflict shown on the page.
        r = post(s, h, f"/hr/manage/rounds/{rid}/open", {"csrf": csrf})
        assert r.status == 409 and 'class="error-summary"' in r.text
        # Close: a confirmation page, then the POST.
        text = td.page(s, h, f"/hr/manage/rounds/{rid}/close")
        td.check_shell(text)
        assert f'action="/hr/manage/rounds/{rid}/close"' in text and 'name="csrf"' in text
        assert round_state(rid) == "open"
        assert post(s, h, f"/hr/manage/rounds/{rid}/close", {"csrf": "x"}).status == 403
        r = post(s, h, f"/hr/manage/rounds/{rid}/close", {"csrf": csrf})
        assert r.status == 303 and round_state(rid) == "closed"

        # A series from the round; its checks too.
        r = post(s, h, "/hr/manage/series", {"csrf": csrf, "name": "Varje år", "template": rid, "every": "0",
                                              "duration": "21"})
        assert r.status == 400 and error_fields(r.text) == ["s-every"]
        r = post(s, h, "/hr/manage/series", {"csrf": csrf, "name": "Varje år", "template": rid, "every": "12",
                                              "duration": "400"})
        assert r.status == 400 and error_fields(r.text) == ["s-duration"]
        r = post(s, h, "/hr/manage/series", {"csrf": csrf, "name": "Varje år", "template": rid, "every": "12",
                                              "duration": "21", "pseudonym_retention": "6"})
        assert r.status == 303 and r.header("Location") == "/hr/manage?done=series", (r.status, r.body[:2000])
        assert psql("SELECT every_months, duration_days, pseudonym_retention_months FROM series "
                    "WHERE name = 'Varje år'") == [["12", "21", "6"]]
        r = post(s, h, "/hr/manage/series", {"csrf": csrf, "name": "Varje år", "template": rid, "every": "12",
                                              "duration": "21"})
        assert r.status in (400, 409) and error_fields(r.text) == ["s-name"]

        # Every change is in the audit log under the analyst's login, linked
        # to her user row.
        rows = psql("SELECT a.actor, a.action FROM audit_log a JOIN users u ON u.id = a.user_id "
                    "AND u.login = a.actor WHERE a.action LIKE 'round.%' OR a.action LIKE 'series.%' ORDER BY a.id")
        assert ["anna", "round.create"] in rows and ["anna", "round.open"] in rows
        assert ["anna", "round.close"] in rows and ["anna", "series.create"] in rows


@test
def test_counts_come_from_the_indicators_with_hidden_cells_hidden():
    fx = ti.load_fixture()
    ti.add_user("anna", "analyst")
    with Server(env=ENV) as s:
        h, _ = td.login(s, "anna")
        api = ti.session(s, "anna")
        rid = fx["rounds"][2]
        text = td.page(s, h, f"/hr/manage/rounds/{rid}?lang=en")
        td.check_shell(text)
        body = ti.get(s, api, f"/api/v1/rounds/{rid}/indicators?depth=20")
        hidden = 0
        for u in body["units"]:
            row = re.search(rf'<tr data-unit="{re.escape(u["code"])}">(.*?)</tr>', text, re.S).group(1)
            for col in ("invited", "responded"):
                cell = re.search(rf'<td class="num {col}">(.*?)</td>', row, re.S).group(1)
                v = u["subtree"][col]
                if isinstance(v, dict):
                    hidden += 1
                    assert 'class="suppressed"' in cell and not re.search(r"\d{2,}", html.unescape(cell).replace(
                        str(body["round"]["k"]), "")), cell
                elif v is None:
                    assert cell == "–"
                else:
                    assert cell == str(int(v)), (u["code"], col, cell, v)
        assert hidden > 0


@test
def test_unit_viewers_get_403_and_the_audit_page_is_for_admins():
    setup_users()
    with Server(env=ENV) as s:
        hv, cv = td.login(s, "vera")
        assert 'href="/hr/manage"' not in td.page(s, hv, "/hr")
        for path in ("/hr/manage", "/hr/manage/rounds/1", "/hr/manage/rounds/1/close", "/hr/audit"):
            assert s.get(path, headers=hv).status == 403, path
        r = post(s, hv, "/hr/manage/rounds", {"csrf": cv, "name": "x", "opens": day(1), "closes": day(9),
                                               "mode": "open"})
        assert r.status == 403
        body, ct = multipart({"csrf": cv, "what": "invite"}, "r.csv", b"employee_id,email,unit_code,role\n")
        r = s.request("POST", "/hr/manage/rounds/1/register", body=body, headers=dict(hv, **{"Content-Type": ct}))
        assert r.status == 403
        ha, _ = td.login(s, "anna")
        assert 'href="/hr/manage"' in td.page(s, ha, "/hr") and 'href="/hr/audit"' not in td.page(s, ha, "/hr")
        assert s.get("/hr/audit", headers=ha).status == 403
        hd, _ = td.login(s, "adam")
        assert 'href="/hr/audit"' in td.page(s, hd, "/hr")
        td.check_shell(td.page(s, hd, "/hr/audit"))
        # Without a session: the login page.
        r = s.get("/hr/manage")
        assert r.status == 303 and r.header("Location") == "/hr/login"


REGISTER = ("employee_id;email;unit_code;role;language\r\n"
            "E-1001;ada.lind@example.org;D1;staff;\r\n"
            "E-1002;bo.ek@example.org;D2;Manager;en\r\n"
            "E-1003;cia.berg@example.org;IT;staff;nn\r\n").encode()


def cli(*args):
    """stdout as bytes decoded without newline translation (the CSV has CRLF)."""
    r = subprocess.run([mgtest.BIN, *args], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode()


@test
def test_register_upload_gives_the_links_and_reminders_of_the_command_line():
    setup_users()
    with Server(env=ENV) as s:
        h, csrf = td.login(s, "anna")
        rid = create_round(s, h, csrf, unit="")
        assert post(s, h, f"/hr/manage/rounds/{rid}/open", {"csrf": csrf}).status == 303
        text = td.page(s, h, f"/hr/manage/rounds/{rid}")
        assert 'enctype="multipart/form-data"' in text and 'type="file"' in text
        r = upload(s, h, rid, csrf, REGISTER)
        assert r.status == 200, (r.status, r.body[:3000])
        assert r.header("Content-Type") == "text/csv; charset=utf-8"
        assert r.header("Content-Disposition") == f'attachment; filename="invitations-round-{rid}.csv"'
        assert r.header("Cache-Control") == "no-store"
        assert r.body.startswith(b"\xef\xbb\xbf")
        web = r.body[3:].decode()
        assert web.count(BASE + "/s/") == 3
        with tempfile.NamedTemporaryFile("wb", suffix=".csv") as f:
            f.write(REGISTER)
            f.flush()
            assert web == cli("invite", "--round", str(rid), "--base-url", BASE, f.name)
            # One answers: the reminders leave them out, as remind does.
            token = re.search(r"ada\.lind@example\.org,[^,]*/s/([^,\r]+)", web).group(1)
            assert psql(f"SELECT count(*) FROM invitations WHERE round_id = {rid}") == [["3"]]
            psql(f"UPDATE invitations SET status = 'completed' WHERE id = "
                 f"(SELECT min(id) FROM invitations WHERE round_id = {rid})")
            r = upload(s, h, rid, csrf, REGISTER, what="remind")
            assert r.status == 200 and r.body.startswith(b"\xef\xbb\xbf")
            assert r.header("Content-Disposition") == f'attachment; filename="reminders-round-{rid}.csv"'
            assert r.body[3:].decode() == cli("remind", "--round", str(rid), "--base-url", BASE, f.name)
            assert r.body[3:].decode().count(BASE + "/s/") == 2
        # The register is neither stored nor logged.
        dump = "\n".join("\t".join(row) for row in psql(
            "SELECT coalesce(string_agg(detail::text, ' '), '') FROM audit_log"))
        for secret in ("E-1001", "ada.lind", "bo.ek@", token):
            assert secret not in dump and secret not in s.log(), secret
        linked = psql("SELECT a.actor, a.action FROM audit_log a JOIN users u ON u.id = a.user_id")
        assert ["anna", "round.invite"] in linked and ["anna", "round.remind"] in linked


@test
def test_bad_registers_and_bad_uploads_are_refused_clearly():
    setup_users()
    with Server(env=dict(ENV, MOGNAD_MAX_UPLOAD="4096")) as s:
        h, csrf = td.login(s, "anna")
        rid = create_round(s, h, csrf)
        bad = ("employee_id,email,unit_code,role\n"
               "P-77,per.holm@example.org,D1,staff\n"
               "Q-88,not-an-address,D1,staff\n"
               "P-77,per2.holm@example.org,NOPE,boss\n").encode()
        r = upload(s, h, rid, csrf, bad)
        assert r.status == 400 and r.header("Content-Type").startswith("text/html")
        td.check_shell(r.text)
        assert error_fields(r.text) == ["g-file"]
        for line in ("Rad 3", "Rad 4"):
            assert line in r.text, line
        for secret in ("P-77", "Q-88", "per.holm", "not-an-address", "per2.holm"):
            assert secret not in r.text and secret not in s.log(), secret
        assert psql(f"SELECT count(*) FROM invitations WHERE round_id = {rid}") == [["0"]]
        # A missing column is named, with the header's line.
        r = upload(s, h, rid, csrf, b"employee_id,email,role\nX,x@example.org,staff\n")
        assert r.status == 400 and "Rad 1" in r.text and "unit_code" in r.text
        # No file, an empty file: 400.
        body, ct = multipart({"csrf": csrf, "what": "invite"})
        r = s.request("POST", f"/hr/manage/rounds/{rid}/register", body=body, headers=dict(h, **{"Content-Type": ct}))
        assert r.status == 400 and error_fields(r.text) == ["g-file"]
        assert upload(s, h, rid, csrf, b"").status == 400
        # The CSRF token is a field of the multipart form.
        body, ct = multipart({"what": "invite"}, "r.csv", REGISTER)
        r = s.request("POST", f"/hr/manage/rounds/{rid}/register", body=body, headers=dict(h, **{"Content-Type": ct}))
        assert r.status == 403
        # Another type: 415; a malformed multipart body: 400.
        r = s.request("POST", f"/hr/manage/rounds/{rid}/register", body=urllib.parse.urlencode({"csrf": csrf}),
                      headers=dict(h, **{"Content-Type": FORM}))
        assert r.status == 415
        r = s.request("POST", f"/hr/manage/rounds/{rid}/register", body=b"garbage",
                      headers=dict(h, **{"Content-Type": "multipart/form-data"}))
        assert r.status == 400
        # Over MOGNAD_MAX_UPLOAD: 413, by Content-Length and while a chunked body arrives.
        cookie = h["Cookie"].encode()
        body, ct = multipart({"csrf": csrf, "what": "invite"}, "big.csv", b"employee_id,email,unit_code,role\n" +
                             b"x" * 8000)
        raw = s.raw(b"POST /hr/manage/rounds/%d/register HTTP/1.1\r\nHost: x\r\nCookie: %s\r\nContent-Type: %s\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (rid, cookie, ct.encode(), len(body)))
        assert raw.startswith(b"HTTP/1.1 413"), raw[:200]
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1000]), body[i:i + 1000]) for i in range(0, len(body), 1000))
        raw = s.raw(b"POST /hr/manage/rounds/%d/register HTTP/1.1\r\nHost: x\r\nCookie: %s\r\nContent-Type: %s\r\n"
                    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % (rid, cookie, ct.encode())
                    + chunks + b"0\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 413"), raw[:200]
        # The same size is fine for the upload limit but not for other routes' (MOGNAD_MAX_BODY).
        small = b"employee_id,email,unit_code,role\nE-1,e1@example.org,D1,staff\n"
        assert upload(s, h, rid, csrf, small).status == 200


@test
def test_open_round_unit_links_download():
    setup_users()
    with Server(env=ENV) as s:
        h, csrf = td.login(s, "anna")
        rid = create_round(s, h, csrf, mode="open", unit="ADM")
        text = td.page(s, h, f"/hr/manage/rounds/{rid}")
        assert f'action="/hr/manage/rounds/{rid}/links"' in text and 'type="file"' not in text
        assert post(s, h, f"/hr/manage/rounds/{rid}/links", {}).status == 403
        r = post(s, h, f"/hr/manage/rounds/{rid}/links", {"csrf": csrf})
        assert r.status == 200 and r.header("Content-Type") == "text/csv; charset=utf-8"
        assert r.header("Content-Disposition").startswith("attachment;")
        lines = r.body[3:].decode().splitlines()
        assert r.body.startswith(b"\xef\xbb\xbf") and lines[0] == "unit_code,unit_name,link"
        assert [l.split(",")[0] for l in lines[1:]] == ["ADM", "D1", "D2"]
        assert all(f",{BASE}/o/" in l for l in lines[1:])
        # A register upload is refused for an open round.
        assert upload(s, h, rid, csrf, REGISTER).status == 409


@test
def test_audit_command_and_page():
    setup_users()
    with Server(env=ENV) as s:
        form = s.get("/hr/login")
        pre = td.login_cookie(form)
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        for user in ("anna", "nobody-here"):
            r = s.request("POST", "/hr/login", headers={"Content-Type": FORM, "Cookie": pre},
                          body=urllib.parse.urlencode({"login": user, "password": "wrong secret 123", "csrf": token}))
            assert r.status == 401
        h, csrf = td.login(s, "adam")
        create_round(s, h, csrf, name="Granskad")
        out = ti.mognad("audit", "--json")
        assert out.returncode == 0, out.stderr
        entries = json.loads(out.stdout)
        actions = [e["action"] for e in entries]
        assert actions[0] == "round.create" and "login" in actions and actions.count("login.failed") == 2
        assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
        assert {"user.add"} <= set(actions)
        failed = [e for e in entries if e["action"] == "login.failed"]
        assert {e["actor"] for e in failed} == {"anna", "unknown"}
        for secret in ("wrong secret 123", ti.PASSWORD, csrf, "nobody-here"):
            assert secret not in out.stdout
        out = ti.mognad("audit", "--action", "login.", "--json")
        assert {e["action"] for e in json.loads(out.stdout)} == {"login.failed"}
        out = ti.mognad("audit", "--action", "round", "--limit", "1")
        lines = out.stdout.splitlines()
        assert out.returncode == 0 and len(lines) == 1 and lines[0].split("\t")[2] == "round.create"
        assert lines[0].split("\t")[1] == "adam" and json.loads(lines[0].split("\t")[3])["name"] == "Granskad"
        assert ti.mognad("audit", "--since", day(1)).stdout == ""
        assert len(json.loads(ti.mognad("audit", "--since", day(0), "--json").stdout)) == len(entries)
        assert ti.mognad("audit", "--since", "yesterday").returncode == 2
        assert ti.mognad("audit", "--action", "Login%").returncode == 2
        assert ti.mognad("audit", "--limit", "0").returncode == 2
        assert ti.mognad("audit", "--bogus").returncode == 2
        assert ti.mognad("audit", "--since", "2027-02-30").returncode == 1
        assert "Usage: mognad audit" in ti.mognad("audit", "--help").stdout
        # The page: newest first, filters, and errors next to the field.
        text = td.page(s, h, "/hr/audit?lang=en")
        td.check_shell(text)
        ids = [int(i) for i in re.findall(r'<tr data-id="(\d+)">', text)]
        assert ids == sorted(ids, reverse=True) and len(ids) == len(entries)
        text = td.page(s, h, "/hr/audit?action=round")
        # Adam's round, and the series' next round the scheduler made.
        assert set(re.findall(r'<td class="action"><code>([^<]+)</code>', text)) == {"round.create"}
        r = s.get("/hr/audit?since=1.3.2027", headers=h)
        assert r.status == 400 and error_fields(r.text) == ["a-since"]
        # Pages of 50.
        psql("INSERT INTO audit_log (actor, action) SELECT 'cli', 'units.import' FROM generate_series(1, 60)")
        text = td.page(s, h, "/hr/audit")
        assert len(re.findall(r'<tr data-id=', text)) == 50 and 'rel="next"' in text and 'rel="prev"' not in text
        text = td.page(s, h, "/hr/audit?page=2")
        assert 'rel="prev"' in text


if __name__ == "__main__":
    run()
