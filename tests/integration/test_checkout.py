"""The two commands from a checkout the postgres user cannot reach: a copy
of this tree in a `mktemp -d` directory (mode 700, like /root and Debian's
home directories), where `make run` serves the demo, a second `make run`
finds the same cluster again, `make test` passes (the replica test, which
starts clusters of its own, stands for the rest), and `make clean-db`
deletes the cluster. Nothing in the copy's parents changes mode."""
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, http_get, run, test  # noqa: E402

# What a newcomer's shell has: none of the test run's settings.
DROP = ("DATABASE_URL", "MOGNAD_", "MG_RESULTS", "PG")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROP)}
    env.update(extra)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_checkout(dest):
    """The tree as a clone has it (tracked and new files, not ignored ones),
    plus the builds and the browser tests' packages so nothing is rebuilt."""
    files = subprocess.run(["git", "-C", TOP, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = os.path.join(TOP, f)
        if not os.path.lexists(src):
            continue  # deleted in the work tree, not yet committed
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, f), follow_symlinks=False)
    build = os.path.dirname(os.path.abspath(BIN))
    subprocess.run(["cp", "-a", build, os.path.join(dest, "build")], check=True)
    nm = os.path.join(TOP, "tests/browser/node_modules")
    if os.path.isdir(nm):
        subprocess.run(["cp", "-a", nm, os.path.join(dest, "tests/browser/")], check=True)


class MakeRun:
    """`make run` in the background, its output collected line by line."""

    def __init__(self, checkout, port):
        self.lines = []
        self.started = threading.Event()
        self.p = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=checkout,
                                  env=clean_env(MOGNAD_LISTEN=f"127.0.0.1:{port}"),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.port = port

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))
            if "mognad is starting" in line:
                self.started.set()
        self.started.set()

    def text(self):
        return "\n".join(self.lines)

    def wait_serving(self, timeout=300):
        assert self.started.wait(timeout), "make run did not get to serving:\n" + self.text()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.p.poll() is None, "make run ended:\n" + self.text()
            try:
                if http_get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not answer /healthz:\n" + self.text())

    def stop(self):
        """Ctrl-C: SIGINT to the whole process group, as a terminal sends it."""
        os.killpg(self.p.pid, signal.SIGINT)
        try:
            rc = self.p.wait(30)
        except subprocess.TimeoutExpired:
            # A shell started with SIGINT ignored (a test run in the
            # background) cannot trap it: SIGTERM, which make run traps too.
            os.killpg(self.p.pid, signal.SIGTERM)
            rc = self.p.wait(120)
        assert "run: stopping PostgreSQL" in self.text(), self.text()
        return rc


def data_dir(text):
    m = re.search(r"its data is in (\S+)", text)
    assert m, text
    return m.group(1)


@test
def test_make_run_and_make_test_from_a_private_directory():
    base = tempfile.mkdtemp(prefix="mognad-checkout-")  # mode 700, like /root
    assert stat.S_IMODE(os.stat(base).st_mode) == 0o700
    checkout = os.path.join(base, "mognad")
    cluster = None
    try:
        copy_checkout(checkout)
        first = MakeRun(checkout, free_port())
        try:
            first.wait_serving()
            status, body = http_get(first.port, "/hr/login")
            assert status == 200 and b"<form" in body, status
            assert 'admin account "admin", password ' in first.text(), first.text()
        finally:
            first.stop()
        cluster = data_dir(first.text())
        if os.geteuid() == 0:
            # postgres cannot reach the checkout: the cluster lives in its
            # home, var/pg links there, and the start said so.
            assert os.path.islink(os.path.join(checkout, "var/pg")), first.text()
            assert os.path.realpath(os.path.join(checkout, "var/pg")) == cluster
            assert not cluster.startswith(base), cluster
            assert "var/pg links there" in first.text()
        assert os.path.isfile(os.path.join(cluster, "data/PG_VERSION"))
        assert not os.path.exists(os.path.join(cluster, "postmaster.pid")) and \
            not os.path.exists(os.path.join(cluster, "data/postmaster.pid")), "PostgreSQL still runs"
        assert stat.S_IMODE(os.stat(base).st_mode) == 0o700, "the checkout's parent changed mode"

        # A second start finds the same cluster and its data: no new demo.
        second = MakeRun(checkout, free_port())
        try:
            second.wait_serving()
            assert data_dir(second.text()) == cluster, second.text()
            assert 'admin account "admin", password ' not in second.text(), second.text()
            assert http_get(second.port, "/hr/login")[0] == 200
        finally:
            second.stop()

        # make test from the same checkout (the replica test starts clusters
        # of its own; one build is enough to show where they live).
        r = subprocess.run(["make", "--no-print-directory", "test"], cwd=checkout, capture_output=True,
                           text=True, timeout=900,
                           env=clean_env(MOGNAD_TEST_ONLY="test_replica", MOGNAD_TEST_BUILDS="normal"))
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
        m = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
        assert r.returncode == 0 and m and int(m.group(1)) > 0 and m.group(2) == "0", \
            f"make test in the copy:\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"

        # make clean-db deletes the cluster and the link to it.
        r = subprocess.run(["make", "--no-print-directory", "clean-db"], cwd=checkout, capture_output=True,
                           text=True, timeout=120, env=clean_env())
        assert r.returncode == 0, r.stderr
        assert not os.path.lexists(os.path.join(checkout, "var/pg"))
        assert not os.path.exists(cluster), cluster
        cluster = None
    finally:
        if cluster and os.path.isdir(cluster):
            subprocess.run([os.path.join(checkout, "server/scripts/pg.sh"), "remove",
                            os.path.join(checkout, "var/pg")], capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    run()
