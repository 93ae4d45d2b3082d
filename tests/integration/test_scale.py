"""Several servers: two `mognad serve` processes against one PostgreSQL
behind Debian's nginx on loopback (round robin, run in the foreground with a
generated configuration in a temporary directory). A respondent's pages
alternate between the servers and the survey completes; an HR session works
on both; with one test clock shared by both, the scheduler opens and closes
a round exactly once."""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, Response, Server, Skip, psql, run, test  # noqa: E402
from respondent import Browser, answer_all, best, fixture, mognad, open_link  # noqa: E402

PASSWORD = "correct horse battery"


def nginx_binary():
    for p in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if p and os.access(p, os.X_OK):
            return p
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx in the foreground (daemon off) on a free loopback port, round
    robin over `ports`, everything it writes under a temporary directory."""

    def __init__(self, ports):
        binary = nginx_binary()
        if not binary:
            raise Skip("nginx is not installed (apt-get install nginx, or server/scripts/deps.sh)")
        self.dir = tempfile.mkdtemp(prefix="mognad-nginx-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp = "".join(f"    {k}_temp_path {self.dir}/{k};\n" for k in
                       ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        upstream = "".join(f"        server 127.0.0.1:{p};\n" for p in ports)
        conf = f"""{user}worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 128; }}
http {{
    log_format upstream '$request_method $upstream_addr $status';
    access_log {self.dir}/access.log upstream;
{temp}    upstream mognad {{
{upstream}    }}
    server {{
        listen 127.0.0.1:{self.port};
        client_max_body_size 1m;
        location / {{
            proxy_pass http://mognad;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_503;
        }}
    }}
}}
"""
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen([binary, "-e", os.path.join(self.dir, "error.log"), "-p", self.dir,
                                      "-c", self.conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if self.proc.poll() is not None:
                raise AssertionError("nginx did not start: " + self.proc.stderr.read().decode()
                                     + self.error_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("nginx did not listen:\n" + self.error_log())

    def error_log(self):
        try:
            return open(os.path.join(self.dir, "error.log")).read()
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=15):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body.encode() if isinstance(body, str) else body,
                      headers=headers or {})
            r = c.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def access(server, pattern):
    """mognad access-log lines of `server` matching the regex `pattern`."""
    return [l for l in server.lines if " access \"" in l and re.search(pattern, l)]


@test
def test_two_servers_behind_nginx_share_respondents_hr_sessions_and_one_scheduler():
    if not nginx_binary():
        raise Skip("nginx is not installed (apt-get install nginx, or server/scripts/deps.sh)")
    rid = fixture()
    link = open_link(rid)
    r = subprocess.run([BIN, "user", "add", "--role", "analyst", "anna"], input=PASSWORD + "\n",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    # A round the scheduler is to open and close, on a clock both share.
    later = mognad("round", "create", "--name", "Later", "--opens", "2031-03-01", "--closes", "2031-04-01",
                   "--mode", "open", "--unit", "REG").split()[-1]
    tmp = tempfile.mkdtemp(prefix="mognad-scale-")
    clock = os.path.join(tmp, "clock")
    open(clock, "w").close()  # empty: the real time
    env = {"MOGNAD_TEST_CLOCK_FILE": clock, "MOGNAD_SCHEDULER_INTERVAL_MS": "50",
           "MOGNAD_TRUSTED_PROXIES": "127.0.0.1"}
    with Server(env=env) as a, Server(env=env) as b:
        front = Nginx([a.port, b.port])
        try:
            # The respondent: every page through nginx, the survey completes.
            br = Browser(front, lang="en")
            assert br.get(link).status == 303
            r = br.get("/survey")
            assert r.status == 200, (r.status, r.headers, r.text[:500], a.log()[-1500:], b.log()[-1500:])
            csrf = answer_all(br, best)
            r = br.post("/survey/submit", {"csrf": csrf})
            assert r.status == 200, (r.status, r.text[:400])
            assert br.get("/survey/profile").status == 200
            pages = [access(s, r'"(GET|POST) /survey') for s in (a, b)]
            total = len(pages[0]) + len(pages[1])
            assert total >= 10 and min(len(pages[0]), len(pages[1])) >= total // 2 - 1, \
                (len(pages[0]), len(pages[1]))
            assert psql("SELECT count(*) FROM responses WHERE round_id = :'p1'", rid)[0][0] == "1"
            upstreams = [l.split()[1] for l in open(os.path.join(front.dir, "access.log"))]
            assert {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"} <= set(upstreams), set(upstreams)

            # HR: one login, the session works on both servers.
            r = front.request("POST", "/api/v1/session", body=json.dumps({"login": "anna", "password": PASSWORD}),
                              headers={"Content-Type": "application/json"})
            assert r.status == 201, r.body
            hr = {"Cookie": r.header("Set-Cookie").split(";")[0]}
            for _ in range(3):
                r = front.get("/api/v1/session", headers=hr)
                assert r.status == 200 and r.json()["login"] == "anna"
            for _ in range(3):
                assert front.get("/hr", headers=hr).status == 200
            for s in (a, b):
                assert access(s, r'"GET /api/v1/session" 200') and access(s, r'"GET /hr" 200'), s.log()[-2000:]

            # The scheduler: both servers run it every 50 ms on the same clock.
            def transition(now, state, action):
                with open(clock, "w") as f:
                    f.write(now + "\n")
                deadline = time.monotonic() + 10
                while psql("SELECT state FROM rounds WHERE id = :'p1'", later)[0][0] != state:
                    assert time.monotonic() < deadline, f"round {later} did not become {state}"
                    time.sleep(0.05)
                time.sleep(0.5)  # ten more passes of each server
                audit = psql("SELECT count(*) FROM audit_log WHERE action = :'p1' AND detail->>'round' = :'p2'",
                             action, later)[0][0]
                assert audit == "1", (action, audit)
                verb = "opened" if action == "round.open" else "closed"
                logged = [l for s in (a, b) for l in s.lines if f"scheduler: {verb} round {later} " in l]
                assert len(logged) == 1, logged

            transition("2031-03-01T00:00:01Z", "open", "round.open")
            transition("2031-04-01T00:00:01Z", "closed", "round.close")
            # The fixture round (closes 2099) was left alone.
            assert psql("SELECT state FROM rounds WHERE id = :'p1'", rid)[0][0] == "open"
        finally:
            front.stop()
    shutil.rmtree(tmp, ignore_errors=True)


run()
