"""The command line: help, version, usage errors, configuration errors, migrate."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, db_url, psql, run, test  # noqa: E402


def mognad(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)


@test
def test_help_and_version():
    r = mognad("--help")
    assert r.returncode == 0 and "serve" in r.stdout and "migrate" in r.stdout and "MOGNAD_LISTEN" in r.stdout
    r = mognad("--version")
    assert r.returncode == 0 and r.stdout.startswith("mognad ")
    for cmd in ["serve", "migrate"]:
        r = mognad(cmd, "--help")
        assert r.returncode == 0 and r.stdout.startswith("Usage: mognad " + cmd), r.stdout


@test
def test_unknown_command_and_option_exit_2_with_one_line():
    for args in [("frobnicate",), ("--frobnicate",), ("migrate", "--bogus"), ("serve", "extra")]:
        r = mognad(*args)
        assert r.returncode == 2, (args, r.returncode)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert mognad().returncode == 2


@test
def test_bad_configuration_is_refused_with_the_variable_named():
    for var, val in [("MOGNAD_LISTEN", "localhost"), ("MOGNAD_LISTEN", "127.0.0.1:99999"),
                     ("MOGNAD_THREADS", "0"), ("MOGNAD_THREADS", "x"), ("MOGNAD_MAX_BODY", "12")]:
        r = mognad("serve", env={var: val})
        assert r.returncode == 2, (var, val, r.returncode)
        assert r.stderr.startswith("mognad serve: " + var + ":"), r.stderr


def scratch_db():
    name = "mognad_mig_%d" % os.getpid()
    psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{name}"')
    return name, db_url(name)


@test
def test_migrate_is_idempotent_and_refuses_changed_files():
    name, url = scratch_db()
    sqldir = tempfile.mkdtemp()
    try:
        for f in os.listdir(os.path.join(TOP, "sql")):
            shutil.copy(os.path.join(TOP, "sql", f), sqldir)
        env = {"DATABASE_URL": url}
        r = mognad("migrate", "--sql-dir", sqldir, env=env)
        assert r.returncode == 0 and "applied 001_core.sql" in r.stdout, r.stdout + r.stderr
        r = mognad("migrate", "--sql-dir", sqldir, env=env)
        assert r.returncode == 0 and "up to date" in r.stdout
        n = psql("SELECT count(*) FROM schema_migrations", url=url)[0][0]
        assert int(n) == len([f for f in os.listdir(sqldir) if f.endswith(".sql")])

        # A new migration is applied; a broken one rolls back entirely.
        with open(os.path.join(sqldir, "900_extra.sql"), "w") as f:
            f.write("CREATE TABLE mig_extra (x int);\n")
        assert mognad("migrate", "--sql-dir", sqldir, env=env).returncode == 0
        with open(os.path.join(sqldir, "901_broken.sql"), "w") as f:
            f.write("CREATE TABLE mig_half (x int);\nSELECT * FROM no_such_table;\n")
        r = mognad("migrate", "--sql-dir", sqldir, env=env)
        assert r.returncode == 1 and "901_broken.sql" in r.stderr, r.stderr
        assert psql("SELECT to_regclass('mig_half') IS NULL", url=url)[0][0] == "t"
        os.remove(os.path.join(sqldir, "901_broken.sql"))

        # Changing an applied file is refused.
        with open(os.path.join(sqldir, "900_extra.sql"), "a") as f:
            f.write("-- edited\n")
        r = mognad("migrate", "--sql-dir", sqldir, env=env)
        assert r.returncode == 1 and "900_extra.sql has changed" in r.stderr, r.stderr

        # A database migrated by a newer release is refused too.
        os.remove(os.path.join(sqldir, "900_extra.sql"))
        r = mognad("migrate", "--sql-dir", sqldir, env=env)
        assert r.returncode == 1 and "newer mognad" in r.stderr, r.stderr
    finally:
        shutil.rmtree(sqldir)
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@test
def test_schema_constraints_live_in_the_database():
    def fails(sql):
        try:
            psql("BEGIN;\n" + sql + "\nROLLBACK;")
        except AssertionError:
            return True
        return False

    assert fails("INSERT INTO rounds (name, mode, opens_at, closes_at, min_group_size) "
                 "VALUES ('r', 'open', now(), now() + interval '1 day', 2);")
    assert fails("INSERT INTO rounds (name, mode, opens_at, closes_at) "
                 "VALUES ('r', 'public', now(), now() + interval '1 day');")
    assert fails("INSERT INTO rounds (name, mode, opens_at, closes_at) "
                 "VALUES ('r', 'open', now(), now() - interval '1 day');")
    assert fails("INSERT INTO units (code, name, path) VALUES ('bad code', 'x', '1');")
    assert fails("INSERT INTO users (login, role) VALUES ('viewer', 'unit-viewer');")
    assert fails("INSERT INTO users (login, role, password_hash) VALUES ('a', 'admin', 'plaintext');")
    assert not fails("INSERT INTO units (code, name, path) VALUES ('R1-constraint-test', 'Region', '987654');")
    assert fails("INSERT INTO audit_log (actor, action) VALUES ('x', 'login'); "
                 "UPDATE audit_log SET actor = 'y';")


@test
def test_keygen_writes_0600_and_refuses_to_overwrite():
    d = tempfile.mkdtemp()
    try:
        path = os.path.join(d, "k")
        r = mognad("keygen", path)
        assert r.returncode == 0, r.stderr
        assert os.stat(path).st_mode & 0o777 == 0o600
        text = open(path).read()
        assert re.search(r"^token_key=[0-9a-f]{64}$", text, re.M)
        assert re.search(r"^pseudonym_key=[0-9a-f]{64}$", text, re.M)
        r = mognad("keygen", path)
        assert r.returncode == 1 and "already exists" in r.stderr
        assert open(path).read() == text
        assert mognad("keygen").returncode == 2
        # Two key files never share keys.
        assert mognad("keygen", path + "2").returncode == 0
        assert open(path + "2").read() != text
    finally:
        shutil.rmtree(d)


@test
def test_serve_refuses_missing_open_or_malformed_key_file():
    d = tempfile.mkdtemp()
    try:
        missing = os.path.join(d, "none")
        r = mognad("serve", env={"MOGNAD_KEY_FILE": missing, "MOGNAD_LISTEN": "127.0.0.1:0"})
        assert r.returncode == 1 and "mognad keygen" in r.stderr, r.stderr
        path = os.path.join(d, "k")
        assert mognad("keygen", path).returncode == 0
        os.chmod(path, 0o644)
        r = mognad("serve", env={"MOGNAD_KEY_FILE": path, "MOGNAD_LISTEN": "127.0.0.1:0"})
        assert r.returncode == 1 and "chmod 600" in r.stderr, r.stderr
        os.chmod(path, 0o600)
        with open(path, "a") as f:
            f.write("token_key=zz\n")
        r = mognad("serve", env={"MOGNAD_KEY_FILE": path, "MOGNAD_LISTEN": "127.0.0.1:0"})
        assert r.returncode == 1 and "line 6:" in r.stderr, r.stderr
        # The key itself never appears in an error.
        key = re.search(r"token_key=([0-9a-f]{64})", open(path).read()).group(1)
        assert key not in r.stderr
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    run()
