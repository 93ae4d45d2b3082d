"""mgtest: a small harness for mognad's integration tests.

Starts `mognad serve` on a free port against the test database, speaks
HTTP to it, runs SQL through psql, and reports "N passed, N failed".
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

BIN = os.environ.get("MOGNAD_BIN", os.path.join(os.path.dirname(__file__), "../../build/mognad"))
BUILD = os.environ.get("MOGNAD_BUILD", "normal")
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
_tests = []


class Skip(Exception):
    pass


def test(fn):
    _tests.append(fn)
    return fn


def reset_db():
    """Empties every table but schema_migrations (no row triggers fire)."""
    tables = [r[0] for r in psql("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                                 "AND tablename <> 'schema_migrations'")]
    psql("TRUNCATE " + ", ".join(tables) + " CASCADE")


def psql(sql, *params, url=None):
    """Runs one SQL statement with psql variables :'p1'.. bound to params;
    returns the rows as lists of strings."""
    url = url or os.environ["DATABASE_URL"]
    args = ["psql", url, "-qtAX", "-v", "ON_ERROR_STOP=1", "-F", "\t"]
    for i, p in enumerate(params, 1):
        args += ["-v", f"p{i}={p}"]
    out = subprocess.run(args, input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"psql failed: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line != ""]


class PsqlSession:
    """One psql process kept open for many queries (a snapshot of the
    database around each of hundreds of requests): no process start and
    connection per query. Rows come back as lists of strings."""

    END = "__mg_end_of_result__"

    def __init__(self, url=None):
        self.proc = subprocess.Popen(["psql", url or os.environ["DATABASE_URL"], "-qtAX", "-F", "\t"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)

    def query(self, sql):
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo " + self.END + "\n")
        self.proc.stdin.flush()
        rows = []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == self.END:
                return rows
            if line.startswith(("ERROR:", "psql:", "FATAL:")):
                raise AssertionError(f"psql failed: {line}")
            if line:
                rows.append(line.split("\t"))
        raise AssertionError("psql ended: " + "\n".join(r[0] for r in rows))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(10)


def db_url(name, url=None):
    """The connection URL of database `name` on the server of `url`."""
    import urllib.parse
    p = urllib.parse.urlsplit(url or os.environ["DATABASE_URL"])
    return f"{p.scheme}://{p.netloc}/{name}" + (f"?{p.query}" if p.query else "")


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "db_url":
    print(db_url(sys.argv[3], sys.argv[2]))
    sys.exit(0)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        import json
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8")


class Server:
    """A `mognad serve` process on a kernel-chosen port."""

    def __init__(self, env=None, args=None):
        e = dict(os.environ)
        e.update({"MOGNAD_LISTEN": "127.0.0.1:0", "MOGNAD_DATA_DIR": TOP,
                  "MOGNAD_TEST_ROUTES": "1"})
        if BUILD == "asan":
            e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=23")
            e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=24")
        e.update(env or {})
        self.proc = subprocess.Popen([BIN, "serve"] + (args or []), env=e,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        self.lines = []
        self._ready = threading.Event()
        self.port = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(20) or self.port is None:
            self.kill()
            raise AssertionError("server did not start:\n" + "\n".join(self.lines))
        self.host = "127.0.0.1"

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                self._ready.set()
        self._ready.set()

    def log(self):
        return "\n".join(self.lines)

    def request(self, method, path, body=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.putrequest(method, path, skip_accept_encoding=True)
            hdrs = dict(headers or {})
            if body is not None and "Content-Length" not in hdrs:
                hdrs["Content-Length"] = str(len(body))
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders()
            if body:
                conn.send(body)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, r.getheaders(), data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def raw(self, data, read_timeout=5):
        """Sends raw bytes and returns the raw reply (for malformed
        requests): until the server closes, a whole response with a
        Content-Length has come, or `read_timeout` passes."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout)
        try:
            s.sendall(data)
            got = b""
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                if not c:
                    break
                got += c
                head, sep, body = got.partition(b"\r\n\r\n")
                m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I) if sep else None
                if m and len(body) >= int(m.group(1)):
                    break
            return got
        finally:
            s.close()

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (0 expected)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        rc = self.stop()
        if exc[0] is None:
            assert rc == 0, f"server exited {rc}:\n{self.log()[-4000:]}"
            sanitizer = [l for l in self.lines if "ERROR: AddressSanitizer" in l
                         or "runtime error:" in l or "LeakSanitizer" in l]
            assert not sanitizer, "sanitizer report:\n" + self.log()[-6000:]
        return False


def http_get(port, path):
    """A plain GET on 127.0.0.1:port (a server the test did not start with
    Server): (status, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def route_table():
    """Every route of server/routes.c: (method, pattern, flags text)."""
    text = open(os.path.join(TOP, "server/routes.c"), encoding="utf-8").read()
    return [(m.group(1), m.group(2), m.group(3))
            for m in re.finditer(r'\{"([A-Z]+)", "([^"]+)", \w+,\s*([^}]*)\}', text)]


def route_body(flags, csrf):
    """The Content-Type and an empty body of the kind a route's flags say
    the dispatcher parses (multipart, form or JSON), carrying `csrf`."""
    if "MG_ROUTE_MULTIPART" in flags:
        return ("multipart/form-data; boundary=XyZ",
                '--XyZ\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n' + csrf + "\r\n--XyZ--\r\n")
    if "MG_ROUTE_FORM_BODY" in flags:
        return "application/x-www-form-urlencoded", urllib.parse.urlencode({"csrf": csrf})
    return "application/json", "{}"


def run():
    suite = os.path.basename(sys.argv[0])
    only = os.environ.get("MOGNAD_TEST_NAME", "")
    passed = failed = skipped = 0
    for fn in _tests:
        if only and only not in fn.__name__:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            skipped += 1
            print(f"  skip {fn.__name__}: {e}")
            continue
        except Exception:
            failed += 1
            print(f"  FAIL {fn.__name__}")
            print("    " + traceback.format_exc().replace("\n", "\n    "))
            continue
        passed += 1
        if os.environ.get("MG_VERBOSE"):
            print(f"  ok   {fn.__name__} ({time.monotonic() - t0:.2f}s)")
    print(f"{'integration[' + BUILD + '] ' + suite:<44} {passed:3d} passed, {failed} failed"
          + (f", {skipped} skipped" if skipped else ""))
    results = os.environ.get("MG_RESULTS")
    if results:
        with open(results, "a") as f:
            f.write(f"{suite}[{BUILD}] {passed} {failed} {skipped}\n")
    sys.exit(1 if failed else 0)
