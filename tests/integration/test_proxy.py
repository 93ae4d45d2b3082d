"""Behind a TLS reverse proxy: MOGNAD_TRUSTED_PROXIES, X-Forwarded-For and
X-Forwarded-Proto believed only from a trusted peer, and single sign-on for
HR (MOGNAD_SSO_HEADER, MOGNAD_LOCAL_PASSWORDS=0) through a stand-in proxy
on loopback: a small Python proxy that connects to mognad from 127.0.0.2
(the trusted address) while the test's own requests come from 127.0.0.1,
so a forged header from a non-proxy address is seen as such."""
import http.client
import http.server
import json
import os
import socketserver
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, Server, psql, reset_db, run, test  # noqa: E402

PASSWORD = "correct horse battery"
PROXY_ADDR = "127.0.0.2"
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


def mognad(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=60)


def add_user(login, role, unit=None):
    args = ["user", "add", "--role", role] + (["--unit", unit] if unit else []) + [login]
    r = mognad(*args, stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr


def reset():
    reset_db()
    psql("INSERT INTO units (code, name, path) VALUES ('REG', 'Region', '1'), ('HR', 'HR', '1.2')")


class Proxy:
    """What nginx with auth_request / Apache with mod_auth_openidc does for
    mognad: drops whatever X-Remote-User the client sent, sets it to the
    signed-in user (self.user, None when nobody signed in), appends the
    client to X-Forwarded-For and says X-Forwarded-Proto: https."""

    def __init__(self, upstream_port):
        proxy = self
        self.user = None

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP and k.lower() != "x-remote-user"}
                prior = self.headers.get("X-Forwarded-For")
                headers["X-Forwarded-For"] = (prior + ", " if prior else "") + self.client_address[0]
                headers["X-Forwarded-Proto"] = "https"
                if proxy.user:
                    headers["X-Remote-User"] = proxy.user
                c = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=15,
                                               source_address=(PROXY_ADDR, 0))
                try:
                    c.request(self.command, self.path, body=body, headers=headers)
                    r = c.getresponse()
                    data = r.read()
                    self.send_response(r.status)
                    for k, v in r.getheaders():
                        if k.lower() not in HOP and k.lower() != "content-length":
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    c.close()

            do_GET = do_POST = do_DELETE = do_PATCH = _forward

        class TServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.httpd = TServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            from mgtest import Response
            return Response(r.status, r.getheaders(), data)
        finally:
            c.close()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def from_addr(s, addr, method, path, body=None, headers=None):
    """A request to server `s` whose TCP peer is `addr` (127.0.0.x)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=15, source_address=(addr, 0))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        from mgtest import Response
        return Response(r.status, r.getheaders(), data)
    finally:
        c.close()


def login_body(user, password=PASSWORD):
    return json.dumps({"login": user, "password": password})


JSON = {"Content-Type": "application/json"}


def cookies(r, name):
    return [v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith(name + "=")]


@test
def test_forwarded_proto_makes_cookies_secure_only_from_a_trusted_proxy():
    reset()
    add_user("anna", "analyst")
    env = {"MOGNAD_TRUSTED_PROXIES": f"{PROXY_ADDR}, 10.0.0.0/8"}
    with Server(env=env) as s:
        forged = dict(JSON, **{"X-Forwarded-Proto": "https"})
        r = s.request("POST", "/api/v1/session", body=login_body("anna"), headers=forged)
        assert r.status == 201 and "Secure" not in r.header("Set-Cookie"), r.header("Set-Cookie")
        r = from_addr(s, PROXY_ADDR, "POST", "/api/v1/session", login_body("anna"), forged)
        assert r.status == 201 and "; Secure" in r.header("Set-Cookie"), r.header("Set-Cookie")
        r = from_addr(s, PROXY_ADDR, "POST", "/api/v1/session", login_body("anna"), JSON)
        assert r.status == 201 and "Secure" not in r.header("Set-Cookie")
        # The login page's double-submit cookie too.
        r = from_addr(s, PROXY_ADDR, "GET", "/hr/login", headers={"X-Forwarded-Proto": "https"})
        assert all("; Secure" in c for c in cookies(r, "mognad_login")), r.headers
    with Server(env={"MOGNAD_TLS_PROXY": "1"}) as s:
        r = s.request("POST", "/api/v1/session", body=login_body("anna"), headers=JSON)
        assert "; Secure" in r.header("Set-Cookie")


@test
def test_forged_forwarded_for_from_a_non_proxy_does_not_escape_throttling():
    reset()
    env = {"MOGNAD_TRUSTED_PROXIES": PROXY_ADDR}
    with Server(env=env) as s:
        # From 127.0.0.1 (no proxy) a client that makes up a new
        # X-Forwarded-For each time is still one address: throttled.
        statuses = []
        for i in range(7):
            r = s.request("POST", "/api/v1/session", body=login_body(f"nobody{i}", "wrong password!"),
                          headers=dict(JSON, **{"X-Forwarded-For": f"198.51.100.{i}"}))
            statuses.append(r.status)
        assert statuses[:4] == [401] * 4 and 429 in statuses[4:], statuses
        n_forged = int(psql("SELECT count(*) FROM login_failures")[0][0])
        # One key per login that was tried, and one for the one address.
        assert n_forged == statuses.count(401) + 1, (n_forged, statuses)
        psql("TRUNCATE login_failures")
        # Through the trusted proxy each forwarded client is its own address.
        statuses = []
        for i in range(7):
            r = from_addr(s, PROXY_ADDR, "POST", "/api/v1/session", login_body(f"someone{i}", "wrong password!"),
                          dict(JSON, **{"X-Forwarded-For": f"6.6.6.6, 203.0.113.{i}"}))
            statuses.append(r.status)
        assert statuses == [401] * 7, statuses
        assert int(psql("SELECT count(*) FROM login_failures")[0][0]) == 7 + 7
    # The forwarded addresses are used for throttling only, never logged.
    assert "203.0.113." not in s.log() and "198.51.100." not in s.log()
    assert not psql("SELECT 1 FROM audit_log WHERE detail::text LIKE '%203.0.113%'")


SSO_ENV = {"MOGNAD_TRUSTED_PROXIES": PROXY_ADDR, "MOGNAD_SSO_HEADER": "X-Remote-User",
           "MOGNAD_LOCAL_PASSWORDS": "0"}


@test
def test_sso_header_from_the_proxy_gives_an_hr_session_with_the_users_role_and_unit():
    reset()
    add_user("hanna", "analyst")
    add_user("viggo", "unit-viewer", unit="HR")
    with Server(env=SSO_ENV) as s:
        p = Proxy(s.port)
        try:
            p.user = "hanna"
            r = p.request("GET", "/hr")
            assert r.status == 200, (r.status, r.text[:300])
            (cookie,) = cookies(r, "mognad_hr")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "; Secure" in cookie
            jar = {"Cookie": cookie.split(";")[0]}
            r = p.request("GET", "/api/v1/session", headers=jar)
            assert r.status == 200 and r.json()["login"] == "hanna" and r.json()["role"] == "analyst"
            assert not cookies(r, "mognad_hr"), "the session is reused, not made again"
            # A change needs the session's CSRF token, as after a password login.
            csrf = r.json()["csrf_token"]
            r = p.request("DELETE", "/api/v1/session", headers=dict(jar, **{"X-CSRF-Token": csrf}))
            assert r.status == 200, r.body
            # The unit-viewer's role and unit apply.
            p.user = "viggo"
            r = p.request("GET", "/api/v1/session")
            assert r.status == 200 and r.json()["role"] == "unit-viewer" and r.json()["unit"] == "HR", r.body
            # Another user behind the same browser: the proxy's word counts.
            r = p.request("GET", "/api/v1/session", headers=jar)
            assert r.json()["login"] == "viggo"
            # No sign-on at the proxy (it drops the client's header): no session.
            p.user = None
            r = p.request("GET", "/api/v1/session", headers={"X-Remote-User": "hanna"})
            assert r.status == 401 and not cookies(r, "mognad_hr")
            # An unknown or disabled login: as without the header.
            p.user = "mallory"
            r = p.request("GET", "/hr")
            assert r.status == 303 and r.header("Location") == "/hr/login" and not cookies(r, "mognad_hr")
            assert mognad("user", "disable", "hanna").returncode == 0
            p.user = "hanna"
            assert p.request("GET", "/api/v1/session").status == 401
        finally:
            p.close()
    rows = psql("SELECT actor, action, detail->>'via' FROM audit_log WHERE action LIKE 'login%' ORDER BY id")
    assert ["hanna", "login", "sso"] in rows and ["viggo", "login", "sso"] in rows, rows
    assert ["unknown", "login.failed", "sso"] in rows and ["hanna", "login.failed", "sso"] in rows, rows
    assert sum(1 for r in rows if r[:2] == ["hanna", "login"]) == 1, rows


@test
def test_sso_header_forged_from_a_non_proxy_address_is_ignored():
    reset()
    add_user("hanna", "admin")
    with Server(env=SSO_ENV) as s:
        forged = {"X-Remote-User": "hanna", "X-Forwarded-For": PROXY_ADDR, "X-Forwarded-Proto": "https"}
        r = s.get("/hr", headers=forged)
        assert r.status == 303 and r.header("Location") == "/hr/login" and not cookies(r, "mognad_hr")
        r = s.get("/api/v1/session", headers=forged)
        assert r.status == 401 and not cookies(r, "mognad_hr"), r.status
        r = s.get("/api/v1/rounds", headers=forged)
        assert r.status == 401
        # The same from the proxy's address works (the header is believed there).
        assert from_addr(s, PROXY_ADDR, "GET", "/api/v1/session", headers=forged).status == 200
    assert psql("SELECT count(*) FROM user_sessions")[0][0] == "1"


@test
def test_local_passwords_off_refuses_password_login_clearly():
    reset()
    add_user("anna", "analyst")
    with Server(env=SSO_ENV) as s:
        r = s.request("POST", "/api/v1/session", body=login_body("anna"), headers=JSON)
        assert r.status == 403 and "single sign-on" in r.json()["error"]["message"], r.body
        r = s.get("/hr/login?lang=en")
        assert r.status == 403 and "Password login is switched off" in r.text, r.status
        assert 'type="password"' not in r.text
        r = s.request("POST", "/hr/login?lang=en", body="login=anna&password=x&csrf=y",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 403 and "single sign-on" in r.text
    assert psql("SELECT count(*) FROM user_sessions")[0][0] == "0"
    # With passwords on (the default), the same login works.
    with Server(env={"MOGNAD_TRUSTED_PROXIES": PROXY_ADDR, "MOGNAD_SSO_HEADER": "X-Remote-User"}) as s:
        assert s.request("POST", "/api/v1/session", body=login_body("anna"), headers=JSON).status == 201


@test
def test_bad_proxy_settings_stop_serve_naming_the_variable():
    for env, name in [({"MOGNAD_TRUSTED_PROXIES": "proxy.example.org"}, "MOGNAD_TRUSTED_PROXIES"),
                      ({"MOGNAD_SSO_HEADER": "X-Remote-User"}, "MOGNAD_SSO_HEADER"),
                      ({"MOGNAD_LOCAL_PASSWORDS": "0"}, "MOGNAD_LOCAL_PASSWORDS")]:
        e = dict(os.environ, MOGNAD_LISTEN="127.0.0.1:0", **env)
        r = subprocess.run([BIN, "serve"], env=e, capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and name in r.stderr, (env, r.returncode, r.stderr)
    assert "MOGNAD_TRUSTED_PROXIES" in mognad("serve", "--help").stdout


run()
