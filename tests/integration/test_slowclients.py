"""Slow and greedy clients: stalled headers and bodies are closed by the
connection timeout (MOGNAD_TIMEOUT), a body trickled in byte by byte by
the body timeout (MOGNAD_BODY_TIMEOUT), connections beyond
MOGNAD_MAX_CONNECTIONS and beyond MOGNAD_MAX_PER_CLIENT from one address
are refused cleanly, and the service stays up for everyone else."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import Server, run, test  # noqa: E402

QUIET = {"MOGNAD_SCHEDULER_INTERVAL_MS": "3600000"}


def connect(s, source="127.0.0.1"):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind((source, 0))
    c.connect(("127.0.0.1", s.port))
    return c


def closed_after(c, limit):
    """Seconds until the server closes `c` (EOF or reset), or None when it
    is still open after `limit` seconds. Whatever the server sends first is
    returned too."""
    t0 = time.monotonic()
    got = b""
    c.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - t0, got
        if not chunk:
            return time.monotonic() - t0, got
        got += chunk
    return None, got


def refused(c):
    """True when the server closed a fresh connection at once."""
    t, got = closed_after(c, 0.8)
    return t is not None and got == b""


def healthy(s, source="127.0.0.1"):
    c = connect(s, source)
    try:
        c.settimeout(10)
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply.startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        c.close()


@test
def test_stalled_headers_and_bodies_are_closed_by_the_timeout():
    with Server(env={**QUIET, "MOGNAD_TIMEOUT": "2"}) as s:
        stalled = {
            "nothing sent": b"",
            "half a request line": b"GET /heal",
            "headers without their end": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n",
            "a body shorter than its length": (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                                               b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                                               b'{"login": "a'),
            "a chunked body without its end": (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                                               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                               b"\r\n5\r\n{\"a\":"),
            "idle keep-alive after a reply": b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        }
        conns = {}
        for what, data in stalled.items():
            c = connect(s)
            c.sendall(data)
            conns[what] = c
        t0 = time.monotonic()
        for what, c in conns.items():
            t, got = closed_after(c, 8 - (time.monotonic() - t0))
            elapsed = time.monotonic() - t0
            assert t is not None, f"{what}: still open after 8 s with MOGNAD_TIMEOUT=2"
            assert elapsed >= 1.5, f"{what}: closed after {elapsed:.1f} s, before the timeout"
            if what.startswith("idle"):
                assert got.startswith(b"HTTP/1.1 200"), got[:100]
            else:
                assert b"200 OK" not in got, (what, got[:200])
            c.close()
        # Every stalled connection is gone and the server answers.
        assert healthy(s)
        # The timeout is idle time: a client that keeps sending is served.
        c = connect(s)
        for part in [b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"Connection: close\r\n", b"\r\n"]:
            c.sendall(part)
            time.sleep(1)
        t, got = closed_after(c, 5)
        assert got.startswith(b"HTTP/1.1 200"), got[:100]
        c.close()


@test
def test_a_body_trickled_byte_by_byte_is_cut_off_by_the_body_timeout():
    with Server(env={**QUIET, "MOGNAD_TIMEOUT": "30", "MOGNAD_BODY_TIMEOUT": "2"}) as s:
        c = connect(s)
        c.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 400\r\n\r\n")
        t0 = time.monotonic()
        cut = None
        # A byte every 0.3 s: never idle for long, 400 bytes would take 2 minutes.
        for i in range(60):
            try:
                c.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                cut = time.monotonic() - t0
                break
            c.settimeout(0.3)
            try:
                if c.recv(65536) == b"":
                    cut = time.monotonic() - t0
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                cut = time.monotonic() - t0
                break
        c.close()
        assert cut is not None, "the trickled body was still accepted after 18 s with MOGNAD_BODY_TIMEOUT=2"
        assert 1.5 <= cut <= 8, cut
        assert "request body took over 2 s" in s.log(), s.log()[-1000:]
        # A body that arrives in time is served.
        r = s.request("POST", "/api/v1/session", body='{"login": "x", "password": "y"}',
                      headers={"Content-Type": "application/json"})
        assert r.status == 401, r.status
        assert healthy(s)


@test
def test_connections_beyond_the_limit_are_refused_and_the_service_recovers():
    # One worker thread: libmicrohttpd splits the limit over its pool.
    with Server(env={**QUIET, "MOGNAD_MAX_CONNECTIONS": "8", "MOGNAD_THREADS": "1",
                     "MOGNAD_TIMEOUT": "4"}) as s:
        hogs = [connect(s) for _ in range(8)]
        time.sleep(0.3)
        extra = [connect(s) for _ in range(4)]
        assert all(refused(c) for c in extra), "connections beyond the limit were kept"
        assert not healthy(s), "a ninth connection was served"
        # One hog leaves: there is room again.
        hogs.pop().close()
        time.sleep(0.3)
        assert healthy(s)
        # The idle hogs are closed by the timeout; then everyone is served.
        time.sleep(5)
        assert all(closed_after(c, 0.5)[0] is not None for c in hogs), "idle hogs outlived the timeout"
        for c in hogs + extra:
            c.close()
        assert all(healthy(s) for _ in range(20))
        assert s.proc.poll() is None
        assert any("connection limit" in l.lower() for l in s.lines), s.log()[-2000:]


@test
def test_the_pool_limit_holds_with_several_threads():
    with Server(env={**QUIET, "MOGNAD_MAX_CONNECTIONS": "8", "MOGNAD_THREADS": "4"}) as s:
        conns = [connect(s) for _ in range(20)]
        time.sleep(0.3)
        kept = [c for c in conns if not refused(c)]
        # Workers accepting at the same instant may each pass the count
        # once (see accept_policy in server/http.c): at most one per thread.
        assert 1 <= len(kept) <= 8 + 4, len(kept)
        for c in conns:
            c.close()
        time.sleep(0.3)
        assert all(healthy(s) for _ in range(10))


@test
def test_one_client_is_capped_and_others_are_still_served():
    with Server(env={**QUIET, "MOGNAD_MAX_PER_CLIENT": "4", "MOGNAD_THREADS": "1",
                     "MOGNAD_MAX_CONNECTIONS": "64"}) as s:
        greedy = [connect(s, "127.0.0.1") for _ in range(4)]
        time.sleep(0.3)
        more = [connect(s, "127.0.0.1") for _ in range(6)]
        assert all(refused(c) for c in more), "a fifth connection from one address was kept"
        assert not healthy(s, "127.0.0.1")
        # Another address is served while the greedy one holds its four.
        assert all(healthy(s, "127.0.0.2") for _ in range(5))
        # A greedy connection still works: its requests are answered.
        greedy[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        t, got = closed_after(greedy[0], 5)
        assert got.startswith(b"HTTP/1.1 200"), got[:100]
        for c in greedy + more:
            c.close()
        time.sleep(0.3)
        assert healthy(s, "127.0.0.1")


@test
def test_bad_limits_stop_the_server_with_one_line():
    import subprocess
    from mgtest import BIN
    for var, value in [("MOGNAD_MAX_PER_CLIENT", "0"), ("MOGNAD_MAX_PER_CLIENT", "lots"),
                       ("MOGNAD_MAX_CONNECTIONS", "0"), ("MOGNAD_TIMEOUT", "0"), ("MOGNAD_TIMEOUT", "3601"),
                       ("MOGNAD_BODY_TIMEOUT", "0"), ("MOGNAD_BODY_TIMEOUT", "2m")]:
        r = subprocess.run([BIN, "serve"], env={**os.environ, "MOGNAD_LISTEN": "127.0.0.1:0", var: value},
                           capture_output=True, text=True, timeout=20)
        assert r.returncode == 2, (var, value, r.returncode, r.stderr)
        assert var in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=20)
    assert "MOGNAD_MAX_PER_CLIENT" in r.stdout + r.stderr


if __name__ == "__main__":
    run()
