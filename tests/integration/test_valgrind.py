"""valgrind memcheck of `mognad serve` through a scripted session (a
respondent from invitation link to profile; HR login, indicators API,
dashboard pages, logout), then SIGTERM: no memory error and no byte
definitely lost. Suppressions, if ever needed: tests/valgrind.supp."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, BUILD, TOP, Response, Skip, psql, reset_db, run, test  # noqa: E402
from respondent import Browser, answer_all, best  # noqa: E402

PASSWORD = "correct horse battery"
SUPP = os.path.join(TOP, "tests/valgrind.supp")


class Valgrinded:
    """`mognad serve` under memcheck, with the request helpers Browser uses."""

    def __init__(self, log):
        args = ["valgrind", "--tool=memcheck", "--error-exitcode=99", "--leak-check=full",
                "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite", "--track-origins=yes",
                "--num-callers=30", f"--log-file={log}"]
        if os.path.exists(SUPP):
            args.append(f"--suppressions={SUPP}")
        env = dict(os.environ, MOGNAD_LISTEN="127.0.0.1:0", MOGNAD_DATA_DIR=TOP, MOGNAD_THREADS="2",
                   MOGNAD_SCHEDULER_INTERVAL_MS="3600000", MOGNAD_TIMEOUT="120")
        self.proc = subprocess.Popen(args + [BIN, "serve"], env=env, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL)
        self.lines, self.port, ready = [], None, threading.Event()

        def read():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not ready.wait(180) or not self.port:
            self.proc.kill()
            raise AssertionError("server under valgrind did not start:\n" + "\n".join(self.lines))

    def request(self, method, path, body=None, headers=None, timeout=180):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            c.putrequest(method, path, skip_accept_encoding=True)
            h = dict(headers or {})
            if body is not None:
                h.setdefault("Content-Length", str(len(body)))
            for k, v in h.items():
                c.putheader(k, v)
            c.endheaders()
            if body:
                c.send(body)
            r = c.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)


def mognad(*args, stdin=None):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=120)
    assert r.returncode == 0, f"{args}: {r.stderr}"
    return r.stdout


@test
def test_serve_under_memcheck_has_no_errors_and_no_definite_leaks():
    if not shutil.which("valgrind"):
        raise Skip("valgrind is not installed (server/scripts/deps.sh installs it)")
    if BUILD == "asan":
        raise Skip("valgrind cannot run an AddressSanitizer build; runs with the normal build")
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    mognad("units", "import", os.path.join(TOP, "server/scripts/demo/units.csv"))
    rid = mognad("round", "create", "--name", "V", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", "pseudonymous", "--unit", "REG", "--k", "3").split()[-1]
    mognad("round", "open", rid)
    rows = mognad("invite", "--round", rid, "--base-url", "http://x",
                  os.path.join(TOP, "tests/fixtures/csv/register.csv")).strip().splitlines()[1:]
    links = ["/s/" + r.split(",")[1].rsplit("/s/", 1)[1] for r in rows]
    mognad("user", "add", "--role", "admin", "vera", stdin=PASSWORD + "\n")

    tmp = tempfile.mkdtemp(prefix="mognad-valgrind-")
    log = os.path.join(tmp, "memcheck.log")
    s = Valgrinded(log)
    try:
        # Respondents: link, welcome, every page, review, submit, profile.
        for link in links[:3]:
            b = Browser(s, lang="sv")
            assert b.get(link).status == 303
            assert b.get("/survey").status == 200
            csrf = answer_all(b, best)
            assert b.get("/survey/review").status == 200
            r = b.post("/survey/submit", {"csrf": csrf})
            assert r.status == 303, r.status
            assert b.get("/survey/profile").status == 200
        # A few refusals walk the error paths too.
        assert s.get("/s/not-a-token").status == 404
        assert s.request("POST", "/api/v1/session", body="{", headers={"Content-Type": "application/json"}).status == 400
        assert s.get("/nowhere").status == 404
        # HR: login, indicators, dashboard pages, logout.
        r = s.request("POST", "/api/v1/session", body=json.dumps({"login": "vera", "password": PASSWORD}),
                      headers={"Content-Type": "application/json"})
        assert r.status == 201, r.body
        h = {"Cookie": r.header("Set-Cookie").split(";")[0], "X-CSRF-Token": r.json()["csrf_token"]}
        assert s.get("/api/v1/session", headers=h).status == 200
        assert s.get("/api/v1/rounds", headers=h).status == 200
        assert s.get(f"/api/v1/rounds/{rid}/indicators", headers=h).status == 200
        assert s.get(f"/api/v1/rounds/{rid}/overview", headers=h).status == 200
        for page in ["/hr", f"/hr/rounds/{rid}", f"/hr/rounds/{rid}/units/REG"]:
            assert s.get(page, headers={"Cookie": h["Cookie"]}).status == 200, page
        # Exports through the API, where the build has them.
        for path in [f"/api/v1/rounds/{rid}/export?format=csv", f"/api/v1/rounds/{rid}/export?format=json"]:
            assert s.get(path, headers=h).status in (200, 404, 405), path
        assert s.request("DELETE", "/api/v1/session", headers=h).status in (200, 204)
        assert s.get("/api/v1/session", headers=h).status == 401
    finally:
        if s.proc.poll() is None:
            s.proc.send_signal(signal.SIGTERM)
        try:
            rc = s.proc.wait(180)
        except subprocess.TimeoutExpired:
            s.proc.kill()
            rc = s.proc.wait()
        s.reader.join(5)
    report = open(log, encoding="utf-8", errors="replace").read()
    shutil.rmtree(tmp, True)
    summary = [l.split("== ", 1)[-1] for l in report.splitlines()
               if "ERROR SUMMARY" in l or "definitely lost" in l or "All heap blocks" in l]
    print("    valgrind: " + "; ".join(summary))
    assert rc == 0, f"exit {rc} (99: memcheck found errors):\n{report[-8000:]}"
    assert re.search(r"ERROR SUMMARY: 0 errors", report), report[-8000:]
    m = re.search(r"definitely lost: ([\d,]+) bytes", report)
    assert m is None or m.group(1) == "0", report[-8000:]


if __name__ == "__main__":
    run()
