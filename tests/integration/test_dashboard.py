"""The HR dashboard pages: login and logout with CSRF, redirects, scopes
of a unit-viewer, and that every figure shown (and every figure hidden)
is the one the indicators API gives for the same round."""
import html
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
sys.path.insert(0, os.path.dirname(__file__))
import mgtest  # noqa: E402
from mgtest import Server, run, test  # noqa: E402

# The fixture loader of the indicators tests (units REG > ADM > D1, D2 and
# REG > IT; a series of two rounds, k = 3), without its tests.
_before = list(mgtest._tests)
import test_indicators as ti  # noqa: E402
mgtest._tests[:] = _before

PASSWORD = ti.PASSWORD


def login_cookie(r):
    """The login form's own cookie (the page may also set the language's)."""
    return next(v for k, v in r.headers if k.lower() == "set-cookie"
                and v.startswith("mognad_hr_login=")).split(";")[0]


def login(s, user, password=PASSWORD):
    """Logs in through the form; returns the cookie header and the page's
    CSRF token."""
    r = s.get("/hr/login")
    assert r.status == 200, r.status
    pre = login_cookie(r)
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    body = urllib.parse.urlencode({"login": user, "password": password, "csrf": token})
    r = s.request("POST", "/hr/login", body=body,
                  headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre})
    assert r.status == 303 and r.header("Location") == "/hr", (r.status, r.body[:300])
    cookies = [v for k, v in r.headers if k.lower() == "set-cookie"]
    session = next(c for c in cookies if c.startswith("mognad_hr="))
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/" in session
    h = {"Cookie": session.split(";")[0]}
    page = s.get("/hr", headers=h)
    assert page.status == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return h, csrf


def page(s, h, path, status=200):
    r = s.get(path, headers=h)
    assert r.status == status, (path, r.status, r.body[:400])
    assert r.header("Content-Type").startswith("text/html")
    return r.text


def check_shell(text):
    """lang attribute, a title, labelled form fields, no inline script or style."""
    assert re.search(r'<html lang="(sv|nb|nn|en)">', text), text[:200]
    assert re.search(r"<title>[^<]+</title>", text)
    for m in re.finditer(r'<(input|select)([^>]*)>', text):
        attrs = m.group(2)
        if 'type="hidden"' in attrs:
            continue
        fid = re.search(r'id="([^"]+)"', attrs).group(1)
        assert f'<label for="{fid}">' in text, fid
    assert " style=" not in text and "<script>" not in text
    for svg in re.findall(r"<svg.*?</svg>", text, re.S):
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg


def cells(text):
    """The heatmap: {(unit, column): ("value", float) | ("hidden", reason) | ("empty",)}."""
    out = {}
    for m in re.finditer(r'<td data-unit="([^"]+)" data-col="([^"]+)" class="cell ([^"]+)"([^>]*)>', text):
        unit, col, cls, rest = html.unescape(m.group(1)), m.group(2), m.group(3), m.group(4)
        if cls == "suppressed":
            out[(unit, col)] = ("hidden", re.search(r'data-reason="([^"]+)"', rest).group(1))
        elif cls == "empty":
            out[(unit, col)] = ("empty",)
        else:
            out[(unit, col)] = ("value", float(re.search(r'data-value="([^"]+)"', rest).group(1)))
    return out


def api_cells(body):
    out = {}
    for u in body["units"]:
        cols = {"responded": u["responded"], "index": u["index"]}
        cols.update(u.get("areas", {}))
        for col, v in cols.items():
            if isinstance(v, dict) and v.get("suppressed"):
                out[(u["code"], col)] = ("hidden", v["reason"])
            elif isinstance(v, (int, float)):
                out[(u["code"], col)] = ("value", float(v))
            elif v.get("mean") is None:
                out[(u["code"], col)] = ("empty",)
            else:
                out[(u["code"], col)] = ("value", v["mean"])
    return out


@test
def test_login_logout_and_redirects():
    ti.load_fixture()
    ti.add_user("anna", "analyst")
    with Server() as s:
        for path in ("/hr", "/hr/rounds/1", "/hr/rounds/1/units/D1", "/hr/series/1/trend"):
            r = s.get(path)
            assert r.status == 303 and r.header("Location") == "/hr/login", (path, r.status)
        form = s.get("/hr/login?lang=en")
        check_shell(form.text)
        assert '<html lang="en">' in form.text and 'autocomplete="current-password"' in form.text
        pre = login_cookie(form)
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        post = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre}
        # The same message for a wrong password and an unknown login.
        msgs = []
        for user, pw in (("anna", "wrong password!"), ("nobody", PASSWORD)):
            r = s.request("POST", "/hr/login", headers=post,
                          body=urllib.parse.urlencode({"login": user, "password": pw, "csrf": token}))
            assert r.status == 401, (r.status, r.body[:300])
            assert not any(v.startswith("mognad_hr=") for k, v in r.headers if k.lower() == "set-cookie")
            msgs.append(re.search(r'role="alert">(.*?)</div>', r.text, re.S).group(1))
        assert msgs[0] == msgs[1]
        # A login form without its token, or with another one, is refused.
        r = s.request("POST", "/hr/login", headers={"Content-Type": "application/x-www-form-urlencoded"},
                      body=urllib.parse.urlencode({"login": "anna", "password": PASSWORD}))
        assert r.status == 403
        r = s.request("POST", "/hr/login", headers=post,
                      body=urllib.parse.urlencode({"login": "anna", "password": PASSWORD, "csrf": "x" * len(token)}))
        assert r.status == 403
        h, csrf = login(s, "anna")
        # The session works for the JSON API too: it is the same cookie.
        assert s.get("/api/v1/session", headers=h).json()["login"] == "anna"
        # Logout needs the CSRF token.
        form_h = dict(h, **{"Content-Type": "application/x-www-form-urlencoded"})
        r = s.request("POST", "/hr/logout", headers=form_h, body="")
        assert r.status == 403 and r.header("Content-Type").startswith("text/html")
        r = s.request("POST", "/hr/logout", headers=form_h, body="csrf=" + "A" * len(csrf))
        assert r.status == 403
        assert s.get("/hr", headers=h).status == 200
        r = s.request("POST", "/hr/logout", headers=form_h, body=urllib.parse.urlencode({"csrf": csrf}))
        assert r.status == 303 and r.header("Location") == "/hr/login"
        assert "Max-Age=0" in r.header("Set-Cookie")
        assert s.get("/hr", headers=h).status == 303


@test
def test_login_is_throttled_like_the_api():
    ti.load_fixture()
    ti.add_user("anna", "analyst")
    with Server() as s:
        form = s.get("/hr/login")
        pre = login_cookie(form)
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        post = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre}
        statuses = []
        for _ in range(6):
            r = s.request("POST", "/hr/login", headers=post,
                          body=urllib.parse.urlencode({"login": "anna", "password": "wrong password!", "csrf": token}))
            statuses.append(r.status)
        assert 429 in statuses, statuses


@test
def test_rounds_list_and_heatmap_show_what_the_api_shows():
    fx = ti.load_fixture()
    ti.add_user("anna", "analyst")
    with Server() as s:
        h, _ = login(s, "anna")
        api = ti.session(s, "anna")
        text = page(s, h, "/hr?lang=en")
        check_shell(text)
        for seq, rid in fx["rounds"].items():
            assert f'href="/hr/rounds/{rid}"' in text
            rate = ti.get(s, api, f"/api/v1/rounds/{rid}/indicators?depth=0")["units"][0]["subtree"]["response_rate"]
            row = re.search(rf'<tr data-round="{rid}">.*?</tr>', text, re.S).group(0)
            assert f"{round(rate * 100)}%" in row, row
        rid = fx["rounds"][2]
        for role in ("all", "staff", "manager"):
            text = page(s, h, f"/hr/rounds/{rid}?role={role}")
            check_shell(text)
            body = ti.get(s, api, f"/api/v1/rounds/{rid}/overview?role={role}")
            got, want = cells(text), api_cells(body)
            assert set(got) == set(want), (set(got) ^ set(want))
            for key, w in want.items():
                g = got[key]
                if w[0] == "value":
                    assert g[0] == "value" and abs(g[1] - w[1]) < 1e-5, (role, key, g, w)
                else:
                    assert g == w, (role, key, g, w)
            # Shown rounded to one decimal, with a decimal comma in Swedish.
            reg = body["units"][0]["index"]
            if "mean" in reg:
                assert f"{reg['mean']:.1f}".replace(".", ",") in text
        # Exactly the hidden cells are hidden; some are, for the test to mean something.
        hidden = [k for k, v in cells(page(s, h, f"/hr/rounds/{rid}")).items() if v[0] == "hidden"]
        assert hidden and ("IT", "index") in hidden
        # The key explains both reasons.
        assert "(a)" in text and "(b)" in text


@test
def test_heatmap_sorts_by_any_column_with_hidden_last():
    fx = ti.load_fixture()
    ti.add_user("anna", "analyst")
    rid = fx["rounds"][2]
    with Server() as s:
        h, _ = login(s, "anna")
        tree = re.findall(r'<tr data-unit="([^"]+)">', page(s, h, f"/hr/rounds/{rid}"))
        assert tree == ["REG", "ADM", "D1", "D2", "IT"], tree
        for col in ("index", "a1", "responded"):
            for d in ("desc", "asc"):
                text = page(s, h, f"/hr/rounds/{rid}?sort={col}&dir={d}")
                order = re.findall(r'<tr data-unit="([^"]+)">', text)
                c = cells(text)
                vals = [c[(u, col)] for u in order]
                shown = [v[1] for v in vals if v[0] == "value"]
                assert shown == sorted(shown, reverse=(d == "desc")), (col, d, vals)
                first_hidden = next((i for i, v in enumerate(vals) if v[0] != "value"), len(vals))
                assert all(v[0] != "value" for v in vals[first_hidden:]), (col, d, vals)
                assert 'aria-sort="%s"' % ("descending" if d == "desc" else "ascending") in text
        names = re.findall(r'<tr data-unit="([^"]+)">', page(s, h, f"/hr/rounds/{rid}?sort=name&dir=asc"))
        assert names == ["ADM", "D1", "D2", "IT", "REG"], names  # Administrationen, Avdelning ett, ... Region


@test
def test_drill_down_figures_equal_the_api():
    fx = ti.load_fixture()
    ti.add_user("anna", "analyst")
    rid = fx["rounds"][2]
    with Server() as s:
        h, _ = login(s, "anna")
        api = ti.session(s, "anna")
        for code in ("REG", "ADM", "D1", "IT"):
            body = ti.get(s, api, f"/api/v1/rounds/{rid}/indicators?unit={code}&depth=1")
            cell = body["units"][0]["subtree"]
            text = page(s, h, f"/hr/rounds/{rid}/units/{code}?lang=en")
            check_shell(text)
            assert text.count("<svg") >= 2
            fig = re.search(r'<li data-figure="responded">.*?</li>', text, re.S).group(0)
            if isinstance(cell["responded"], dict):
                assert "suppressed" in fig
            else:
                assert f"<strong>{cell['responded']}</strong>" in fig
            # Means per area in the table beside the chart.
            for key, v in [("index", cell["index"])] + list(cell["areas"].items()):
                row = re.search(rf'<tr data-area="{key}">.*?</tr>', text, re.S).group(0)
                if v.get("suppressed"):
                    assert f'data-reason="{v["reason"]}"' in row, row
                elif v.get("mean") is not None:
                    assert f'>{v["mean"]:.1f}</td>' in row, (row, v)
                    assert f"{v['ci95'][0]:.1f} – {v['ci95'][1]:.1f}".replace("-", "\u2212") in row, (row, v)
            # Change since the previous round, with its significance.
            ch = cell["change"]["index"]
            row = re.search(r'<tr data-change="index">.*?</tr>', text, re.S).group(0)
            if ch.get("suppressed"):
                assert "suppressed" in row
            else:
                assert f'{ch["difference"]:.1f}'.replace("-", "\u2212") in row and (("Yes" if ch["p"] < 0.05 else "No") in row)
            # Reliability of the round.
            for area, rel in body["reliability"].items():
                if rel.get("alpha") is not None:
                    row = re.search(rf'<tr data-area="{area}">[^\n]*alpha[^\n]*</tr>', text).group(0)
                    # A minus sign (U+2212) in English too.
                    assert f'{rel["alpha"]:.2f}'.replace("-", "\u2212") in row, row
            # Children with links.
            for child in body["units"][1:]:
                assert f'href="/hr/rounds/{rid}/units/{child["code"]}?role=all"' in text
        # Breadcrumbs follow the tree.
        text = page(s, h, f"/hr/rounds/{rid}/units/D1")
        crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', text, re.S).group(0)
        assert crumbs.index("units/REG") < crumbs.index("units/ADM") < crumbs.index('aria-current="page"')
        # No previous round in the first one.
        assert 'class="no-previous"' in page(s, h, f"/hr/rounds/{fx['rounds'][1]}/units/D1")
        assert page(s, h, "/hr/rounds/999999/units/D1", 404)


@test
def test_unit_viewer_sees_only_their_subtree():
    fx = ti.load_fixture()
    ti.add_user("dora", "unit-viewer", "D1")
    rid = fx["rounds"][2]
    # A round for IT only, outside D1's part of the tree.
    other = ti.insert_round("Bara IT", 3, root=fx["units"]["IT"], surveys=fx["surveys"])
    with Server() as s:
        h, _ = login(s, "dora")
        text = page(s, h, "/hr")
        assert f'href="/hr/rounds/{rid}"' in text and f'href="/hr/rounds/{other}"' not in text
        text = page(s, h, f"/hr/rounds/{rid}")
        assert set(re.findall(r'<tr data-unit="([^"]+)">', text)) == {"D1"}
        assert "Region Testby" not in text and "IT-enheten" not in text
        text = page(s, h, f"/hr/rounds/{rid}/units/D1")
        assert "units/REG" not in text and "units/ADM" not in text
        for path in (f"/hr/rounds/{rid}/units/D2", f"/hr/rounds/{rid}/units/REG", f"/hr/rounds/{rid}/units/NOPE",
                     f"/hr/rounds/{other}", f"/hr/rounds/{other}/units/IT", f"/hr/series/{fx['series']}/trend?unit=IT"):
            r = s.get(path, headers=h)
            assert r.status == 403, (path, r.status)
            body = r.text
            check_shell(body)
            # The logout form's random CSRF token may contain "D2" by chance.
            body = re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', body)
            for name in ("Region Testby", "Administrationen", "Avdelning", "IT-enheten", "D2", "REG"):
                assert name not in body, (path, name)
            main = re.search(r"<main.*?</main>", body, re.S).group(0)
            assert not re.search(r"\d", re.sub(r"<[^>]+>", "", main)), main


def round_routes():
    """Every route of server/routes.c whose path names a round or a series:
    (method, pattern, flags text)."""
    return [r for r in mgtest.route_table() if re.search(r"/(rounds|series)/\{id\}", r[1])]


@test
def test_unit_viewer_is_refused_every_route_of_a_round_outside_their_unit():
    fx = ti.load_fixture()
    ti.add_user("dora", "unit-viewer", "D1")
    other = ti.insert_round("Bara IT-rundan", 3, mode="anonymous", root=fx["units"]["IT"], surveys=fx["surveys"])
    series = int(mgtest.psql("INSERT INTO series (name, every_months, duration_days) VALUES ('Bara IT-serien', 12, 21) "
                             "RETURNING id")[0][0])
    ti.insert_round("Bara IT-serierunda", 3, series=series, seq=1, root=fx["units"]["IT"], surveys=fx["surveys"])
    routes = round_routes()
    # The table has them all: pages, API, exports, report, paper, management.
    assert len(routes) >= 20 and any("/export" in p for _, p, _ in routes), routes
    for _, pattern, flags in routes:
        assert ("MG_ROUTE_SERIES" if "/series/" in pattern else "MG_ROUTE_ROUND") in flags, pattern
    with Server() as s:
        h, csrf = login(s, "dora")
        api = ti.session(s, "dora")
        for method, pattern, flags in routes:
            is_series = "/series/" in pattern
            path = pattern.replace("{id}", str(series if is_series else other)).replace("{code}", "IT")
            if path.endswith("/export") or path.endswith("/microdata"):
                path += "?format=json" if path.endswith("/export") else "?format=csv"
            hdr = dict(api if path.startswith("/api/") else h)
            body = None
            if method != "GET":
                hdr["X-CSRF-Token"] = csrf if path.startswith("/hr/") else hdr.get("X-CSRF-Token", "")
                hdr["Content-Type"], body = mgtest.route_body(flags, csrf)
            if path.startswith("/api/"):
                # The API session's own CSRF token.
                tok = ti.get(s, api, "/api/v1/session").get("csrf_token")
                if method != "GET" and tok:
                    hdr["X-CSRF-Token"] = tok
            r = s.request(method, path, body=body, headers=hdr)
            assert r.status == 403, (method, path, r.status, r.body[:300])
            if path.startswith("/api/"):
                assert r.header("Content-Type").startswith("application/json"), path
                assert set(r.json()) == {"error"} and r.json()["error"]["code"], (path, r.body)
            else:
                assert r.header("Content-Type").startswith("text/html"), path
                check_shell(r.text)
            for leak in ("Bara IT", "anonym", "IT-enheten", '"k"', '"state"', '"mode"', '"series"'):
                assert leak not in r.text, (method, path, leak, r.text[:300])
        # The rounds list does not name them either, and a round of the
        # viewer's own tree is still served.
        text = page(s, h, "/hr")
        assert "Bara IT" not in text
        assert ti.get(s, api, f"/api/v1/rounds/{fx['rounds'][2]}/overview")["round"]["id"] == fx["rounds"][2]
        assert ti.get(s, api, f"/api/v1/series/{fx['series']}/trend")["series"]["id"] == fx["series"]


@test
def test_trend_lists_the_rounds_of_the_series():
    fx = ti.load_fixture()
    ti.add_user("anna", "analyst")
    with Server() as s:
        h, _ = login(s, "anna")
        api = ti.session(s, "anna")
        body = ti.get(s, api, f"/api/v1/series/{fx['series']}/trend?unit=D1")
        text = page(s, h, f"/hr/series/{fx['series']}/trend?unit=D1&lang=nb")
        check_shell(text)
        assert '<html lang="nb">' in text and "<svg" in text and "<polyline" in text
        rows = re.findall(r'<tr data-round="(\d+)">(.*?)</tr>', text, re.S)
        assert [int(r[0]) for r in rows] == [e["round"]["id"] for e in body["rounds"]]
        for (_, row), e in zip(rows, body["rounds"]):
            idx = e["indicators"]["index"]
            if e["round"]["state"] != "closed":
                # The series' next round (made by the scheduler): no figures yet.
                assert idx["reason"] == "round_open" and 'data-reason="round_open"' in row, row
                continue
            assert f'{idx["mean"]:.1f}'.replace(".", ",") in row
        ch = body["rounds"][1]["indicators"]["change"]["index"]
        assert f'{ch["difference"]:.1f}'.replace(".", ",").replace("-", "\u2212") in rows[1][1]


if __name__ == "__main__":
    run()
