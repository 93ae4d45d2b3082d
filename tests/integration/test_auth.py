"""HR accounts: login, sessions, CSRF, throttling, roles; the rounds API behind them."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, Server, psql, reset_db, run, test  # noqa: E402

PASSWORD = "correct horse battery"


def mognad(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin, timeout=60)


def reset():
    reset_db()
    psql("""INSERT INTO units (code, name, path) VALUES ('REG', 'Region', '1');
            INSERT INTO surveys (key, version, audience, sha256, definition)
                VALUES ('staff', 1, 'staff', repeat('a', 64), '{}');""")


def add_user(login, role, unit=None, password=PASSWORD):
    args = ["user", "add", "--role", role] + (["--unit", unit] if unit else []) + [login]
    r = mognad(*args, stdin=password + "\n")
    assert r.returncode == 0, r.stderr


def login(s, user, password=PASSWORD):
    r = s.request("POST", "/api/v1/session", body=json.dumps({"login": user, "password": password}),
                  headers={"Content-Type": "application/json"})
    return r


def session(s, user):
    r = login(s, user)
    assert r.status == 201, r.body
    cookie = r.header("Set-Cookie").split(";")[0]
    return {"Cookie": cookie, "X-CSRF-Token": r.json()["csrf_token"]}


@test
def test_user_cli_hashes_with_argon2id_and_validates():
    reset()
    add_user("anna", "analyst")
    h = psql("SELECT password_hash FROM users WHERE login = 'anna'")[0][0]
    assert h.startswith("$argon2id$") and PASSWORD not in h
    r = mognad("user", "add", "--role", "analyst", "bob", stdin="short\n")
    assert r.returncode == 1 and "at least 12 characters" in r.stderr
    r = mognad("user", "add", "--role", "unit-viewer", "vera", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "needs --unit" in r.stderr
    r = mognad("user", "add", "--role", "boss", "x", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "role: must be" in r.stderr
    r = mognad("user", "add", "--role", "analyst", "anna", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "exists already" in r.stderr
    r = mognad("user", "add", "--role", "analyst", "Anna Bad", stdin=PASSWORD + "\n")
    assert r.returncode == 1 and "login:" in r.stderr
    assert "anna" in mognad("user", "list").stdout
    assert psql("SELECT count(*) FROM audit_log WHERE action = 'user.add'")[0][0] == "1"


@test
def test_login_logout_and_same_message_for_unknown_login():
    reset()
    add_user("anna", "analyst")
    with Server() as s:
        r = login(s, "anna")
        assert r.status == 201, r.body
        cookie = r.header("Set-Cookie")
        assert cookie.startswith("mognad_hr=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Secure" not in cookie
        body = r.json()
        assert body["login"] == "anna" and body["role"] == "analyst" and len(body["csrf_token"]) == 43
        h = {"Cookie": cookie.split(";")[0]}
        assert s.get("/api/v1/session", headers=h).json()["login"] == "anna"
        wrong = login(s, "anna", "wrong password!!")
        unknown = login(s, "nobody", "wrong password!!")
        assert wrong.status == unknown.status == 401
        assert wrong.json() == unknown.json()
        # Logout needs the CSRF token, then the cookie is dead.
        assert s.request("DELETE", "/api/v1/session", headers=h).status == 403
        h["X-CSRF-Token"] = body["csrf_token"]
        r = s.request("DELETE", "/api/v1/session", headers=h)
        assert r.status == 200 and "Max-Age=0" in r.header("Set-Cookie")
        assert s.get("/api/v1/session", headers=h).status == 401
        log = s.log()
        assert PASSWORD not in log and body["csrf_token"] not in log and cookie.split(";")[0][10:] not in log
    actions = [a[0] for a in psql("SELECT action FROM audit_log WHERE action LIKE 'log%' ORDER BY id")]
    assert actions == ["login", "login.failed", "login.failed", "logout"], actions
    assert psql("SELECT count(*) FROM user_sessions")[0][0] == "0"


@test
def test_secure_cookie_behind_tls_proxy():
    reset()
    add_user("anna", "analyst")
    with Server(env={"MOGNAD_TLS_PROXY": "1"}) as s:
        assert "; Secure" in login(s, "anna").header("Set-Cookie")


@test
def test_login_throttling_grows_per_account():
    reset()
    add_user("anna", "analyst")
    with Server() as s:
        for _ in range(4):
            assert login(s, "anna", "not the password").status == 401
        r = login(s, "anna")  # even the right password waits now
        assert r.status == 429, r.status
        assert int(r.header("Retry-After")) >= 1
        assert r.json()["error"]["code"] == "too_many_attempts"
        # After the wait (moved back in the database) the right password works.
        psql("UPDATE login_failures SET last_at = last_at - interval '10 minutes'")
        assert login(s, "anna").status == 201
    stored = psql("SELECT encode(key_hash, 'hex') FROM login_failures")
    assert all("anna" not in k[0] and "127.0.0.1" not in k[0] for k in stored)


@test
def test_session_expires_when_idle_or_old_and_when_disabled():
    reset()
    add_user("anna", "analyst")
    with Server() as s:
        h = session(s, "anna")
        assert s.get("/api/v1/rounds", headers=h).status == 200
        psql("UPDATE user_sessions SET last_seen_at = now() - interval '31 minutes'")
        assert s.get("/api/v1/rounds", headers=h).status == 401
        h = session(s, "anna")
        psql("UPDATE user_sessions SET created_at = now() - interval '13 hours'")
        assert s.get("/api/v1/rounds", headers=h).status == 401
        h = session(s, "anna")
        assert mognad("user", "disable", "anna").returncode == 0
        assert s.get("/api/v1/rounds", headers=h).status == 401
        assert login(s, "anna").status == 401


@test
def test_roles_and_csrf_on_the_rounds_api():
    reset()
    add_user("anna", "analyst")
    add_user("vera", "unit-viewer", unit="REG")
    with Server() as s:
        assert s.get("/api/v1/rounds").status == 401
        v = session(s, "vera")
        r = s.get("/api/v1/rounds", headers=v)
        assert r.status == 403 and set(r.json()) == {"error"}
        a = session(s, "anna")
        spec = {"name": "Baseline", "opens": "2027-03-01", "closes": "2027-03-22", "mode": "anonymous", "k": 6}
        body = json.dumps(spec)
        ct = {"Content-Type": "application/json"}
        no_csrf = {"Cookie": a["Cookie"], **ct}
        assert s.request("POST", "/api/v1/rounds", body=body, headers=no_csrf).status == 403
        bad_csrf = {**no_csrf, "X-CSRF-Token": v["X-CSRF-Token"]}
        assert s.request("POST", "/api/v1/rounds", body=body, headers=bad_csrf).status == 403
        r = s.request("POST", "/api/v1/rounds", body=body, headers={**a, **ct})
        assert r.status == 201, r.body
        rnd = r.json()["round"]
        assert rnd["name"] == "Baseline" and rnd["k"] == 6 and rnd["surveys"]["staff"]["version"] == 1
        rid = rnd["id"]
        assert s.get(f"/api/v1/rounds/{rid}", headers=a).json()["round"]["state"] == "scheduled"
        assert s.get("/api/v1/rounds/999999", headers=a).status == 404
        assert s.get("/api/v1/rounds/abc", headers=a).status == 404
        # Errors name the field.
        for spec2, field in [({**spec, "k": 2}, "k"), ({**spec, "k": "5"}, "k"), ({**spec, "mode": "x"}, "mode"),
                             ({**spec, "closes": "2027-02-01"}, "closes"), ({**spec, "colour": 1}, "colour"),
                             ({**spec, "name": 5}, "name")]:
            r = s.request("POST", "/api/v1/rounds", body=json.dumps(spec2), headers={**a, **ct})
            assert r.status == 400, (spec2, r.status)
            assert r.json()["error"]["field"] == field, (spec2, r.body)
        r = s.request("PATCH", f"/api/v1/rounds/{rid}", body='{"name": "Renamed"}', headers={**a, **ct})
        assert r.status == 200 and r.json()["round"]["name"] == "Renamed"
        r = s.request("POST", f"/api/v1/rounds/{rid}/open", headers=a)
        assert r.status == 200 and r.json()["round"]["state"] == "open", r.body
        r = s.request("POST", f"/api/v1/rounds/{rid}/close", headers=a)
        assert r.json()["round"]["state"] == "closed"
        r = s.request("POST", f"/api/v1/rounds/{rid}/open", headers=a)
        assert r.status == 409 and "reopen" in r.json()["error"]["message"]
        r = s.request("POST", "/api/v1/series", headers={**a, **ct}, body=json.dumps(
            {"name": "Yearly", "every": "12months", "duration": "21days", "template": rid}))
        assert r.status == 201 and r.json()["series"]["every_months"] == 12, r.body
        assert len(s.get("/api/v1/series", headers=a).json()["series"]) == 1
    who = psql("SELECT DISTINCT actor FROM audit_log WHERE action LIKE 'round.%' OR action LIKE 'series.%'")
    assert who == [["anna"]], who


if __name__ == "__main__":
    run()
