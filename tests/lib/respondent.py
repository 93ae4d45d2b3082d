"""Helpers for tests of the respondent's side: a fixture round with the
real staff survey, its open link, and a cookie-keeping browser."""
import json
import os
import re
import subprocess
import urllib.parse

from mgtest import BIN, TOP, psql, reset_db  # noqa: E402


def mognad(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)
    assert r.returncode == 0, f"{args}: {r.stderr}"
    return r.stdout


def fixture(mode="open", opens="2026-01-01", closes="2099-01-01"):
    """The real staff survey, a small tree and an open round with links."""
    reset_db()
    psql("""INSERT INTO units (code, name, path) VALUES ('REG', 'Region', '1');""")
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    out = mognad("round", "create", "--name", "R", "--opens", opens, "--closes", closes, "--mode", mode,
                 "--unit", "REG")
    rid = out.split()[-1]
    if opens < "2026-06":
        mognad("round", "open", rid)
    return rid


def open_link(rid):
    out = mognad("round", "links", rid)
    return "/o/" + out.strip().splitlines()[1].rsplit("/o/", 1)[1]


class Browser:
    """Keeps cookies like a browser would, for one server."""

    def __init__(self, server, lang=None):
        self.s = server
        self.cookies = {}
        self.lang = lang

    def _headers(self, extra=None):
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.lang:
            h["Accept-Language"] = self.lang
        return h

    def _keep(self, r):
        for k, v in r.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return r

    def get(self, path):
        return self._keep(self.s.get(path, headers=self._headers()))

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields)
        return self._keep(self.s.request("POST", path, body=body, headers=self._headers(
            {"Content-Type": "application/x-www-form-urlencoded"})))

    def csrf(self, page):
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def items_on(page):
    return list(dict.fromkeys(re.findall(r'name="a\.([a-z0-9_]+)"', page)))


def choices_on(page):
    """Each item of a page with the values it offers, in order."""
    out = {}
    for key, value in re.findall(r'name="a\.([a-z0-9_]+)" value="([^"]+)"', page):
        out.setdefault(key, []).append(value)
    return out


SURVEY = json.load(open(os.path.join(TOP, "surveys/staff.json"), encoding="utf-8"))
ITEMS = {i["key"]: i for i in SURVEY["items"]}
# Every item of both surveys (the manager survey holds the staff items).
ALL_ITEMS = {i["key"]: i for i in json.load(open(os.path.join(TOP, "surveys/manager.json"), encoding="utf-8"))["items"]}


def best(key, offered):
    """The answer that scores 100 on item `key`."""
    item = ALL_ITEMS[key]
    if item["type"] == "choice":
        return item["correct"]
    values = [v for v in offered if v != "dk"]
    return values[0] if item.get("reverse") else values[-1]


def worst(key, offered):
    item = ALL_ITEMS[key]
    if item["type"] == "choice":
        return next(o["key"] for o in item["options"] if o["key"] != item["correct"])
    values = [v for v in offered if v != "dk"]
    return values[-1] if item.get("reverse") else values[0]


def answer_all(b, pick, skip=()):
    """Answers every page with `pick(key, offered)`; returns the CSRF token."""
    n, csrf = 1, None
    while True:
        r = b.get(f"/survey/page/{n}")
        if r.status == 404:
            return csrf
        assert r.status == 200, r.status
        csrf = b.csrf(r.text)
        fields = {"csrf": csrf, "nav": "save"}
        for key, offered in choices_on(r.text).items():
            if key not in skip:
                fields["a." + key] = pick(key, offered)
        assert b.post(f"/survey/page/{n}", fields).status == 204
        n += 1
