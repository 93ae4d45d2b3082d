"""`make install`: the installed binary runs from anywhere without the
source tree (no MOGNAD_DATA_DIR), migrates, loads the installed surveys,
serves the installed static files, and its manual page covers every
command; `make uninstall` takes it all away again."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, BUILD, TOP, http_get, psql, run, test  # noqa: E402
from mgdeploy import mognad, scratch_database  # noqa: E402

PREFIX = "/usr/local"


def make(target, destdir):
    """`make TARGET PREFIX=/usr/local DESTDIR=...` for the build under test."""
    out = os.path.dirname(os.path.abspath(BIN))
    args = ["make", "--no-print-directory", "-C", TOP, target, f"PREFIX={PREFIX}", f"DESTDIR={destdir}"]
    if BUILD == "asan":
        args += ["SAN=1", "BUILD=" + os.path.relpath(os.path.dirname(out), TOP)]
    else:
        args += ["BUILD=" + os.path.relpath(out, TOP)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{' '.join(args)}:\n{r.stdout}\n{r.stderr}"


def outside_env():
    """The test environment without anything that points into the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("MOGNAD_DATA_DIR", "MOGNAD_WEB_ROOT")}
    return env


def help_commands(text):
    section = text.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


def help_variables(text):
    return re.findall(r"^  ([A-Z][A-Z_]+) ", text.split("Environment:", 1)[1], re.M)


def serve(binary, env, cwd):
    """Starts the installed `mognad serve` on a free port; returns the
    process, its port and its stderr lines."""
    env = dict(env, MOGNAD_LISTEN="127.0.0.1:0")
    p = subprocess.Popen([binary, "serve"], env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    lines, ready, port = [], threading.Event(), []

    def read():
        for raw in p.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port.append(int(m.group(1)))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(20) or not port:
        p.kill()
        raise AssertionError("installed server did not start:\n" + "\n".join(lines))
    return p, port[0], lines


@test
def test_installed_binary_runs_without_the_source_tree():
    dest = tempfile.mkdtemp(prefix="mognad-destdir-")
    cwd = tempfile.mkdtemp(prefix="mognad-elsewhere-")
    try:
        make("install", dest)
        root = dest + PREFIX
        binary = os.path.join(root, "bin/mognad")
        data = os.path.join(root, "share/mognad")
        for f in ["bin/mognad", "share/mognad/sql/001_core.sql", "share/mognad/surveys/staff.json",
                  "share/mognad/web/css/mognad.css", "share/man/man1/mognad.1",
                  "share/doc/mognad/deploy.md", "share/doc/mognad/examples/mognad.service",
                  "share/doc/mognad/examples/mognad.env.example",
                  "share/doc/mognad/examples/nginx.conf.example"]:
            assert os.path.isfile(os.path.join(root, f)), f
        assert os.access(binary, os.X_OK)
        assert sorted(os.listdir(os.path.join(data, "sql"))) == sorted(
            f for f in os.listdir(os.path.join(TOP, "sql")) if f.endswith(".sql"))
        # Mark the installed stylesheet so serving it proves which copy is used.
        css = os.path.join(data, "web/css/mognad.css")
        with open(css, "a", encoding="utf-8") as f:
            f.write("\n/* installed copy */\n")

        env = outside_env()
        r = subprocess.run([binary, "--version"], capture_output=True, text=True, env=env, cwd=cwd)
        assert r.returncode == 0 and re.fullmatch(r"mognad \d+\.\d+\.\d+\n", r.stdout), r
        help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, env=env,
                                   cwd=cwd).stdout

        with scratch_database("install") as url:
            r = mognad(url, "migrate", binary=binary, env=env, cwd=cwd)
            n = len(os.listdir(os.path.join(data, "sql")))
            assert f"{n} migration(s) applied" in r.stdout, r.stdout
            assert psql("SELECT count(*) FROM schema_migrations", url=url) == [[str(n)]]
            r = mognad(url, "survey", "load", "--dir", os.path.join(data, "surveys"), binary=binary,
                       env=env, cwd=cwd)
            assert "loaded staff v" in r.stdout and "loaded manager v" in r.stdout, r.stdout

            p, port, lines = serve(binary, dict(env, DATABASE_URL=url), cwd)
            try:
                status, body = http_get(port, "/healthz")
                assert status == 200 and b'"database":"up"' in body, (status, body)
                status, body = http_get(port, "/static/css/mognad.css")
                assert status == 200 and body == open(css, "rb").read(), status
            finally:
                p.terminate()
                rc = p.wait(30)
            assert rc == 0, "\n".join(lines)

        # The manual page renders and covers every command and variable.
        page = os.path.join(root, "share/man/man1/mognad.1")
        r = subprocess.run(["man", "-l", page], capture_output=True, text=True,
                           env=dict(env, MANWIDTH="100", MAN_KEEP_FORMATTING="", PAGER="cat"))
        assert r.returncode == 0 and "EXIT STATUS" in r.stdout, r.stderr
        text = re.sub(r"\s+", " ", r.stdout)
        commands = help_commands(help_text)
        assert len(commands) >= 10, commands
        for c in commands:
            assert f"mognad {c}" in text, f"the manual page does not describe 'mognad {c}'"
        for v in help_variables(help_text):
            assert v in text, f"the manual page does not describe {v}"
        for section in ("SYNOPSIS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"):
            assert section in r.stdout, section
        lint = subprocess.run(["groff", "-mandoc", "-ww", "-z", page], capture_output=True, text=True)
        assert lint.returncode == 0 and lint.stderr == "", lint.stderr
        if shutil.which("mandoc"):
            lint = subprocess.run(["mandoc", "-Tlint", page], capture_output=True, text=True)
            problems = [l for l in lint.stderr.splitlines() if "mandoc.db" not in l]
            assert not problems, problems

        make("uninstall", dest)
        left = [os.path.join(d, f) for d, _, files in os.walk(dest) for f in files]
        assert left == [], left
    finally:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(cwd, ignore_errors=True)


run()
