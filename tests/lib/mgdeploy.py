"""mgdeploy: helpers of the deployment tests (install, upgrade, backup):
scratch databases on the test server, the CLI against one of them, the
aggregates and indicators of a database, and aggregation done afresh."""
import contextlib
import json
import os
import subprocess

from mgtest import BIN, TOP, db_url, psql

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
AGG_TABLES = ["agg_responses", "agg_scores", "agg_levels", "agg_services", "agg_alpha", "agg_invited", "agg_paired"]


@contextlib.contextmanager
def scratch_database(tag):
    """A new empty database on the test server, dropped afterwards; yields
    its URL."""
    name = f"mognad_{tag}_{os.getpid()}"
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield db_url(name)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mognad(url, *args, binary=None, env=None, cwd=None, check=True, timeout=300):
    """Runs the CLI against database `url` with the environment `env` (by
    default the test's); returns the CompletedProcess."""
    e = dict(env if env is not None else os.environ)
    e["DATABASE_URL"] = url
    r = subprocess.run([binary or BIN, *args], capture_output=True, text=True, env=e, cwd=cwd,
                       timeout=timeout)
    if check:
        assert r.returncode == 0, f"mognad {' '.join(args)} exited {r.returncode}:\n{r.stderr}"
    return r


def demo(url, links, seed="7"):
    """Surveys and `mognad demo` on the database of `url`; returns the ids
    of its three rounds: the two closed ones (two years ago, last year) and
    the open one."""
    mognad(url, "survey", "load", "--dir", os.path.join(TOP, "surveys"))
    mognad(url, "demo", "--units", UNITS, "--links", links, "--seed", seed)
    rounds = [r[0] for r in psql("SELECT id FROM rounds ORDER BY id", url=url)]
    assert len(rounds) == 3, rounds
    return rounds


def indicators(url, round_id, role="all"):
    """The parsed JSON of `mognad indicators --round R --depth 3`."""
    r = mognad(url, "indicators", "--round", str(round_id), "--depth", "3", "--role", role)
    return json.loads(r.stdout)


def agg_sums(url):
    """Every aggregate table summed over its shards, in key order: what the
    indicators are computed from, independent of how rows are sharded."""
    out = {}
    for table in AGG_TABLES:
        cols = psql("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = :'p1' ORDER BY ordinal_position", table, url=url)
        if not cols:
            continue
        cols = [c[0] for c in cols]
        keys, values = cols[:cols.index("shard")], cols[cols.index("shard") + 1:]
        k = ", ".join(keys)
        v = ", ".join(f"sum({c})" for c in values)
        nonzero = " OR ".join(f"sum({c}) <> 0" for c in values)
        out[table] = psql(f"SELECT {k}, {v} FROM {table} GROUP BY {k} HAVING {nonzero} ORDER BY {k}",
                          url=url)
    return out


def reaggregate(url):
    """Throws the aggregates away and builds them again from the stored
    responses and invitations with the current schema's functions."""
    # Replaying every response would count each pair twice (a pair is
    # counted when its second response is stored, and here both are), so
    # the pairs come from mg_paired_from_responses, as the migration fills
    # agg_paired.
    psql("BEGIN; TRUNCATE " + ", ".join(AGG_TABLES) + ";"
         " SELECT count(mg_agg_response(id, 1)) FROM (SELECT id FROM responses ORDER BY id) r;"
         " INSERT INTO agg_invited (round_id, unit_id, role, shard, n)"
         " SELECT round_id, unit_id, role, 0, count(*) FROM invitations GROUP BY 1, 2, 3;"
         " TRUNCATE agg_paired;"
         " INSERT INTO agg_paired (round_id, unit_id, role, shard, n, sum, sumsq)"
         " SELECT round_id, unit_id, role, 0, n, sum, sumsq FROM mg_paired_from_responses();"
         " COMMIT;", url=url)
