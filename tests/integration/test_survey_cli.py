"""mognad survey check|load|list: exit codes and output of check on good and
broken files (the fixtures of tests/fixtures/surveys with their expected
lines), and loading versions immutably: the same file twice is a no-op, a
changed file under a loaded version is refused with nothing written, a
broken file writes nothing, concurrent loads of one file both succeed."""
import copy
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, psql, reset_db, run, test  # noqa: E402

README = open(os.path.join(TOP, "surveys/README.md"), encoding="utf-8").read()
EXAMPLE = json.loads(re.search(r"```json\n(.*?)```", README, re.S).group(1))
STAFF = os.path.join(TOP, "surveys/staff.json")
MANAGER = os.path.join(TOP, "surveys/manager.json")
FIXTURES = sorted(glob.glob(os.path.join(TOP, "tests/fixtures/surveys/*.json")))
TMP = tempfile.mkdtemp(prefix="mognad-surveys-")


def no_sanitizer_report(r):
    assert "Sanitizer" not in r.stderr and "runtime error:" not in r.stderr, r.stderr[-4000:]


def mognad(*args, env=None, cwd=None):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)
    no_sanitizer_report(r)
    return r


def write(name, content):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(content if isinstance(content, bytes) else json.dumps(content, ensure_ascii=False).encode())
    return path


def check_lines(name, content):
    """The problems of `content` as "$.path: problem" lines (exit 1)."""
    path = write(name, content)
    r = mognad("survey", "check", path)
    assert r.returncode == 1 and r.stdout == "", (name, r.returncode, r.stdout)
    lines = r.stderr.strip().splitlines()
    assert all(line.startswith(path + ": $") for line in lines), lines
    return [line[len(path) + 2:] for line in lines]


def example(**changes):
    d = copy.deepcopy(EXAMPLE)
    d.update(changes)
    return d


def counts():
    return psql("SELECT (SELECT count(*) FROM surveys), (SELECT count(*) FROM survey_areas), "
                "(SELECT count(*) FROM survey_items), "
                "(SELECT count(*) FROM audit_log WHERE action = 'survey.load')")[0]


@test
def test_check_passes_the_shipped_surveys_without_a_database():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MOGNAD_KEY_FILE")}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    ex = write("example.json", EXAMPLE)
    r = mognad("survey", "check", "surveys/staff.json", "surveys/manager.json", ex, env=env, cwd=TOP)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.splitlines() == ["surveys/staff.json: ok (staff v1, 8 areas, 42 items)",
                                     "surveys/manager.json: ok (manager v1, 11 areas, 63 items)",
                                     f"{ex}: ok (example v1, 2 areas, 3 items)"], r.stdout


@test
def test_check_prints_exactly_the_expected_lines_of_each_broken_fixture():
    assert len(FIXTURES) >= 12
    for path in FIXTURES:
        rel = os.path.relpath(path, TOP)
        r = mognad("survey", "check", rel, cwd=TOP)
        expected = open(path[:-5] + ".expected", encoding="utf-8").read()
        assert r.returncode == 1 and r.stdout == "", (rel, r.returncode, r.stdout)
        assert r.stderr == expected, (rel, r.stderr)


@test
def test_check_reports_every_file_and_fails_when_one_fails():
    bad = os.path.relpath(FIXTURES[0], TOP)
    r = mognad("survey", "check", "surveys/staff.json", bad, cwd=TOP)
    assert r.returncode == 1
    assert r.stdout == "surveys/staff.json: ok (staff v1, 8 areas, 42 items)\n", r.stdout
    assert r.stderr and all(line.startswith(bad + ": $") for line in r.stderr.splitlines()), r.stderr


@test
def test_every_problem_of_a_file_is_reported_in_document_order():
    d = example(minutes="ten")
    d["items"][1]["area"] = "safty"
    d["areas"][0]["weight"] = -1
    d["title"].pop("en")
    assert check_lines("many.json", d) == [
        "$.title.en: required field is missing", "$.minutes: must be an integer, not a string",
        "$.areas[0].weight: must be a number above 0, not -1", '$.items[1].area: unknown area "safty"']


@test
def test_bytes_that_are_not_strict_json():
    raw = json.dumps(EXAMPLE).encode()
    assert check_lines("bom.json", b"\xef\xbb\xbf" + raw) == [
        "$: the file starts with a byte order mark; save it as UTF-8 without one"]
    assert check_lines("latin1.json", raw.replace(b'"key"', b'"k\xe9y"', 1)) == [
        "$: not valid UTF-8 at line 1, column 4; save the file as UTF-8"]
    assert check_lines("truncated.json", b'{"key": "x",\n  "version": ') == [
        "$: not valid JSON at line 2, column 14: the file ends where a value should be"]
    assert check_lines("deep.json", b"[" * 100 + b"]" * 100) == [
        "$: nested deeper than 8 levels at line 1, column 9; a survey needs 6"]
    assert check_lines("dup.json", raw.replace(b'"version": 1', b'"version": 1, "version": 2', 1)) == [
        '$.version: field "version" is given more than once']
    assert check_lines("array.json", b"[]") == ["$: a survey is an object, not an array"]
    assert check_lines("trailing.json", raw + b" x") == [
        f"$: not valid JSON at line 1, column {len(raw) + 2}: text follows the JSON value"]
    assert check_lines("empty.json", b"") == ["$: the file is empty"]


@test
def test_load_stores_the_file_as_an_immutable_version():
    reset_db()
    r = mognad("survey", "load", STAFF, MANAGER)
    assert r.returncode == 0, r.stderr
    staff_bytes = open(STAFF, "rb").read()
    sha = hashlib.sha256(staff_bytes).hexdigest()
    assert r.stdout.splitlines() == [f"loaded staff v1 (sha256 {sha[:12]}...)",
                                     f"loaded manager v1 (sha256 {hashlib.sha256(open(MANAGER, 'rb').read()).hexdigest()[:12]}...)"]
    row = psql("SELECT id, audience, sha256, definition FROM surveys WHERE key = 'staff' AND version = 1")[0]
    assert row[1] == "staff" and row[2] == sha
    staff = json.loads(staff_bytes)
    assert json.loads(row[3]) == staff
    areas = psql("SELECT key, scope, weight::float, position FROM survey_areas WHERE survey_id = :'p1' "
                 "ORDER BY position", row[0])
    assert areas == [[a["key"], a["scope"], str(float(a["weight"])).rstrip("0").rstrip("."), str(i)]
                     for i, a in enumerate(staff["areas"])], areas
    items = psql("SELECT key, area_key, type, position FROM survey_items WHERE survey_id = :'p1' ORDER BY position",
                 row[0])
    assert items == [[it["key"], it["area"], it["type"], str(i)] for i, it in enumerate(staff["items"])]
    audit = psql("SELECT actor, detail ->> 'survey', detail ->> 'version', detail ->> 'sha256' FROM audit_log "
                 "WHERE action = 'survey.load' ORDER BY id")
    assert audit[0] == ["cli", "staff", "1", sha] and len(audit) == 2, audit
    # The tables refuse changes.
    try:
        psql("UPDATE surveys SET audience = 'manager' WHERE key = 'staff'")
        raise AssertionError("surveys accepted an UPDATE")
    except AssertionError as e:
        assert "psql failed" in str(e), e


@test
def test_loading_the_same_file_again_changes_nothing():
    reset_db()
    assert mognad("survey", "load", STAFF).returncode == 0
    before = counts()
    r = mognad("survey", "load", STAFF)
    sha = hashlib.sha256(open(STAFF, "rb").read()).hexdigest()
    assert r.returncode == 0 and r.stdout == f"unchanged staff v1 (sha256 {sha[:12]}...)\n", r.stdout
    assert counts() == before


@test
def test_a_changed_file_under_a_loaded_version_is_refused_with_nothing_written():
    reset_db()
    assert mognad("survey", "load", STAFF).returncode == 0
    before = counts()
    changed = json.load(open(STAFF, encoding="utf-8"))
    changed["minutes"] += 1
    path = write("staff-changed.json", changed)
    # Alone, and together with a new file that would load: nothing is written.
    for args in ([path], [write("fresh.json", example(key="fresh")), path]):
        r = mognad("survey", "load", *args)
        old = hashlib.sha256(open(STAFF, "rb").read()).hexdigest()[:12]
        new = hashlib.sha256(open(path, "rb").read()).hexdigest()[:12]
        assert r.returncode == 1 and r.stdout == "", r.stdout
        assert 'raise "version"' in r.stderr and old in r.stderr and new in r.stderr, r.stderr
        assert r.stderr.startswith(path + ": staff version 1 is already loaded from another file"), r.stderr
        assert counts() == before
    # With the version raised it loads beside the first.
    changed["version"] = 2
    r = mognad("survey", "load", write("staff-v2.json", changed))
    assert r.returncode == 0 and r.stdout.startswith("loaded staff v2"), r.stdout
    assert psql("SELECT version FROM surveys WHERE key = 'staff' ORDER BY version") == [["1"], ["2"]]


@test
def test_two_different_files_with_one_version_in_one_load_are_refused():
    reset_db()
    a = write("same-a.json", example(key="same"))
    b = write("same-b.json", example(key="same", minutes=3))
    r = mognad("survey", "load", a, b)
    assert r.returncode == 1 and "raise \"version\"" in r.stderr and a in r.stderr, r.stderr
    assert counts() == ["0", "0", "0", "0"]


@test
def test_loading_a_broken_file_writes_nothing():
    reset_db()
    bad = os.path.relpath(FIXTURES[0], TOP)
    r = mognad("survey", "load", STAFF, bad, cwd=TOP)
    assert r.returncode == 1 and r.stdout == "", r.stdout
    assert r.stderr.endswith("mognad survey: nothing loaded\n") and bad + ": $" in r.stderr, r.stderr
    assert counts() == ["0", "0", "0", "0"]
    r = mognad("survey", "load", os.path.join(TMP, "missing.json"))
    assert r.returncode == 1 and "cannot read the file: No such file or directory" in r.stderr, r.stderr
    assert counts() == ["0", "0", "0", "0"]


@test
def test_concurrent_loads_of_one_file_all_succeed():
    reset_db()
    for version in range(1, 4):
        path = write(f"race-{version}.json", example(key="race", version=version))
        procs = [subprocess.Popen([BIN, "survey", "load", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(6)]
        outs = [(*p.communicate(timeout=120), p.returncode) for p in procs]
        assert all(rc == 0 and "Sanitizer" not in err for _, err, rc in outs), outs
        words = sorted(out.split()[0] for out, _, _ in outs)
        assert words == ["loaded"] + ["unchanged"] * 5, outs
    assert psql("SELECT count(*) FROM surveys WHERE key = 'race'") == [["3"]]
    assert psql("SELECT count(*) FROM audit_log WHERE action = 'survey.load'") == [["3"]]


@test
def test_load_dir_loads_every_survey_of_a_directory_or_none():
    reset_db()
    d = tempfile.mkdtemp(dir=TMP)
    for src in (STAFF, MANAGER):
        with open(src, "rb") as f, open(os.path.join(d, os.path.basename(src)), "wb") as g:
            g.write(f.read())
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("not a survey")
    r = mognad("survey", "load", "--dir", d)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert [line.split()[:3] for line in r.stdout.splitlines()] == [["loaded", "manager", "v1"],
                                                                     ["loaded", "staff", "v1"]], r.stdout
    r = mognad("survey", "load", "--dir", d)
    assert r.returncode == 0 and [line.split()[0] for line in r.stdout.splitlines()] == ["unchanged"] * 2
    # A broken file in the directory: nothing of it is loaded.
    reset_db()
    with open(os.path.join(d, "zz.json"), "w") as f:
        json.dump(example(key="zz", version=0), f)
    r = mognad("survey", "load", "--dir", d)
    assert r.returncode == 1 and r.stdout == "", r.stdout
    assert r.stderr.splitlines() == [f"{d}/zz.json: $.version: must be at least 1", f"{d}: nothing loaded"]
    assert counts() == ["0", "0", "0", "0"]
    r = mognad("survey", "load", "--dir", os.path.join(d, "missing"))
    assert r.returncode == 1 and "cannot read the directory" in r.stderr, r.stderr
    assert mognad("survey", "load", "--dir").returncode == 2


@test
def test_list_shows_the_loaded_versions():
    reset_db()
    assert mognad("survey", "load", STAFF, MANAGER).returncode == 0
    r = mognad("survey", "list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["id", "key", "version", "audience", "areas", "items", "sha256", "loaded"]
    sha = hashlib.sha256(open(MANAGER, "rb").read()).hexdigest()[:12]
    assert re.search(rf"^\s*\d+\s+manager\s+1\s+manager\s+11\s+63\s+{sha}\.\.\.\s+\d{{4}}-\d\d-\d\d$",
                     lines[1]), lines
    assert re.search(r"^\s*\d+\s+staff\s+1\s+staff\s+8\s+42\s", lines[2]), lines
    assert len(lines) == 3


@test
def test_usage_errors_exit_2():
    for args in ([], ["frobnicate"], ["check"], ["load"], ["check", "--nope", STAFF], ["list", "x"]):
        r = mognad("survey", *args)
        assert r.returncode == 2 and "mognad survey:" in r.stderr, (args, r.returncode, r.stderr)
    r = mognad("survey", "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: mognad survey check FILE...")
    r = mognad("survey", "check", os.path.join(TMP, "missing.json"))
    assert r.returncode == 1 and "missing.json: cannot read the file" in r.stderr


if __name__ == "__main__":
    run()
