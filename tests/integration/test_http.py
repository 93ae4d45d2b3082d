"""HTTP core: routing, bodies, static files, headers, health, shutdown."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import Server, Skip, run, test  # noqa: E402

SECURITY = {
    "Content-Security-Policy": None,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def assert_security_headers(r):
    for name, want in SECURITY.items():
        got = r.header(name)
        assert got, f"{name} missing"
        if want:
            assert got == want, f"{name}: {got}"
    csp = r.header("Content-Security-Policy")
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def assert_json_error(r, status, code):
    assert r.status == status, f"status {r.status}, want {status}: {r.body[:200]}"
    assert r.header("Content-Type") == "application/json", r.header("Content-Type")
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert_security_headers(r)


@test
def test_healthz_is_200_with_database_up():
    with Server() as s:
        r = s.get("/healthz")
        assert r.status == 200
        assert r.json() == {"status": "ok", "database": "up"}
        assert_security_headers(r)


@test
def test_unknown_api_path_is_json_404():
    with Server() as s:
        assert_json_error(s.get("/api/v1/nothing-here"), 404, "not_found")


@test
def test_unknown_page_is_html_404():
    with Server() as s:
        r = s.get("/no/such/page")
        assert r.status == 404
        assert r.header("Content-Type").startswith("text/html")
        assert '<html lang="en">' in r.text and "<h1>" in r.text
        assert_security_headers(r)


@test
def test_wrong_method_is_405_with_allow():
    with Server() as s:
        r = s.request("DELETE", "/healthz")
        assert_json_error(r, 405, "method_not_allowed")
        assert r.header("Allow") == "GET, HEAD", r.header("Allow")
        r = s.get("/api/v1/_test/echo/x")
        assert r.status == 405 and r.header("Allow") == "POST, PUT", r.header("Allow")


@test
def test_head_answers_like_get_without_body():
    with Server() as s:
        r = s.request("HEAD", "/healthz")
        assert r.status == 200 and r.body == b""


@test
def test_json_body_is_parsed_and_path_params_decoded():
    with Server() as s:
        r = s.request("POST", "/api/v1/_test/echo/r%C3%A5d%20x?lang=nn&q=a%2Bb+c",
                      body='{"a": [1, 2], "s": "\u00e5"}',
                      headers={"Content-Type": "application/json; charset=utf-8"})
        assert r.status == 200, r.body
        j = r.json()
        assert j["json"] == {"a": [1, 2], "s": "\u00e5"}
        assert j["name"] == "r\u00e5d x"
        assert j["query"] == {"lang": "nn", "q": "a+b c"}


@test
def test_form_body_is_decoded():
    with Server() as s:
        r = s.request("POST", "/api/v1/_test/echo/f", body="a=1&b=%E2%82%AC+x&c&&d=",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 200, r.body
        assert r.json()["form"] == {"a": "1", "b": "\u20ac x", "c": "", "d": ""}


@test
def test_bad_bodies_are_400_or_415():
    with Server() as s:
        ct = {"Content-Type": "application/json"}
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body="{", headers=ct), 400, "bad_json")
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body='{"a":1} trailing', headers=ct), 400, "bad_json")
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body=b'{"a":"\xff"}', headers=ct), 400, "bad_json")
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body=b'{"a":"\x00"}', headers=ct), 400, "bad_json")
        deep = "[" * 5000 + "]" * 5000
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body=deep, headers=ct), 400, "bad_json")
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body="<x/>",
                                    headers={"Content-Type": "application/xml"}), 415, "unsupported_media_type")
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body="a=%zz",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "bad_form")
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body="a=%00",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "bad_form")
        assert_json_error(s.get("/healthz?x=%ff"), 400, "bad_form")
        # PUT accepts JSON only.
        assert_json_error(s.request("PUT", "/api/v1/_test/echo/x", body="a=1",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}), 415, "unsupported_media_type")


@test
def test_body_over_limit_is_413():
    with Server(env={"MOGNAD_MAX_BODY": "2048"}) as s:
        ct = {"Content-Type": "application/json"}
        big = '{"a":"' + "x" * 3000 + '"}'
        assert_json_error(s.request("POST", "/api/v1/_test/echo/x", body=big, headers=ct), 413, "body_too_large")
        ok = '{"a":"' + "x" * 1000 + '"}'
        assert s.request("POST", "/api/v1/_test/echo/x", body=ok, headers=ct).status == 200
        # Chunked: no Content-Length, the limit applies as the body arrives.
        chunks = b"".join(b"%x\r\n%s\r\n" % (500, b"y" * 500) for _ in range(8)) + b"0\r\n\r\n"
        raw = s.raw(b"POST /api/v1/_test/echo/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks)
        assert raw.startswith(b"HTTP/1.1 413"), raw[:100]
        assert b'"body_too_large"' in raw


@test
def test_overlong_url_is_414():
    with Server() as s:
        assert_json_error(s.get("/api/" + "a" * 3000), 414, "uri_too_long")


@test
def test_static_file_has_type_etag_and_304():
    with Server() as s:
        r = s.get("/static/css/mognad.css")
        assert r.status == 200
        assert r.header("Content-Type") == "text/css; charset=utf-8"
        with open(os.path.join(os.path.dirname(__file__), "../../web/css/mognad.css"), "rb") as f:
            assert r.body == f.read()
        etag = r.header("ETag")
        assert etag and etag.startswith('"')
        assert r.header("Cache-Control") == "no-cache"
        assert_security_headers(r)
        r2 = s.get("/static/css/mognad.css", headers={"If-None-Match": etag})
        assert r2.status == 304 and r2.body == b""
        assert s.get("/static/css/mognad.css", headers={"If-None-Match": '"other"'}).status == 200


@test
def test_static_never_escapes_web_root():
    root = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(root, "css"))
        with open(os.path.join(root, "css", "a.css"), "w") as f:
            f.write("a{}")
        with open(os.path.join(root, ".hidden"), "w") as f:
            f.write("secret")
        os.symlink("/etc/passwd", os.path.join(root, "passwd"))
        os.symlink(os.path.join(root, "css", "a.css"), os.path.join(root, "inside.css"))
        with Server(env={"MOGNAD_WEB_ROOT": root}) as s:
            assert s.get("/static/css/a.css").status == 200
            assert s.get("/static/inside.css").status == 200  # a link that stays inside
            for path in ["/static/../Makefile", "/static/%2e%2e/Makefile", "/static/css/%2e%2e/%2e%2e/etc/passwd",
                         "/static/%2e%2e%2fMakefile", "/static/css%2fa.css", "/static/css/a.css%00.png",
                         "/static/passwd", "/static/.hidden", "/static/css", "/static/css/",
                         "/static/css/..%5c..%5cetc", "/static/%ff.css", "/static//etc/passwd"]:
                raw = s.raw(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                status = raw.split(b" ", 2)[1]
                assert status in (b"404", b"400"), f"{path}: {raw[:60]}"
                assert b"root:" not in raw and b"secret" not in raw, path
    finally:
        shutil.rmtree(root)


@test
def test_every_response_carries_security_headers():
    with Server() as s:
        for method, path in [("GET", "/"), ("GET", "/healthz"), ("GET", "/nope"), ("DELETE", "/"),
                             ("GET", "/static/css/mognad.css"), ("GET", "/api/x")]:
            assert_security_headers(s.request(method, path))


@test
def test_access_log_has_one_line_per_request_without_query():
    with Server() as s:
        s.get("/healthz?secret=abc123")
        s.get("/nope")
        time.sleep(0.2)
        lines = [l for l in s.lines if " access " in l]
        assert any('"GET /healthz" 200' in l for l in lines), lines
        assert any('"GET /nope" 404' in l for l in lines), lines
        assert "abc123" not in s.log()
        assert all("ms" in l for l in lines)


@test
def test_healthz_503_while_database_down_then_recovers():
    pg_dir = os.environ.get("MOGNAD_TEST_PG_DIR")
    if not pg_dir:
        raise Skip("needs the throwaway cluster (DATABASE_URL points elsewhere)")
    script = os.path.join(os.path.dirname(__file__), "../../server/scripts/pg.sh")
    with Server() as s:
        assert s.get("/healthz").status == 200
        subprocess.run([script, "stop", pg_dir], check=True, capture_output=True)
        try:
            r = s.get("/healthz")
            assert r.status == 503, r.status
            assert r.header("Retry-After") == "5"
            assert r.json()["database"] == "down"
            assert s.get("/healthz").status == 503  # and stays up
        finally:
            subprocess.run([script, "start", pg_dir], check=True, capture_output=True,
                           env=dict(os.environ, MOGNAD_PG_FAST="1"))
        r = s.get("/healthz")
        assert r.status == 200, r.body
        assert s.proc.poll() is None


@test
def test_sigterm_lets_request_in_flight_finish():
    s = Server()
    try:
        import socket
        c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        body = b'{"slow": true}'
        c.sendall(b"POST /api/v1/_test/echo/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
        time.sleep(0.3)
        s.proc.send_signal(15)
        time.sleep(0.3)
        assert s.proc.poll() is None, "server exited with a request in flight"
        c.sendall(body[5:])
        reply = c.recv(65536)
        c.close()
        assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
        rc = s.proc.wait(20)
        assert rc == 0, rc
        # New connections are refused after the signal.
        try:
            socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
            refused = False
        except OSError:
            refused = True
        assert refused
    finally:
        s.kill()


if __name__ == "__main__":
    run()
