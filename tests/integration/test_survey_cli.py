"""mognad survey check|load|list: the validator's messages on broken files
(each names the file, the JSON path and the problem, all of them), and
loading versions immutably."""
import copy
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
TMP = tempfile.mkdtemp(prefix="mognad-surveys-")


def mognad(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def write(name, content):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(content if isinstance(content, bytes) else json.dumps(content, ensure_ascii=False).encode())
    return path


def check_lines(name, content):
    path = write(name, content)
    r = mognad("survey", "check", path)
    assert r.returncode == 1, (name, r.returncode, r.stdout)
    lines = r.stderr.strip().splitlines()
    assert all(line.startswith(path + ": $") for line in lines), lines
    return [line[len(path) + 2:] for line in lines]


def broken(mutate):
    d = copy.deepcopy(EXAMPLE)
    mutate(d)
    return d


# Each case: a change to the README's example and the exact lines expected.
CASES = [
    ("unknown_area", lambda d: d["items"][1].update(area="safty"),
     ['$.items[1].area: unknown area "safty"']),
    ("missing_language", lambda d: d["areas"][0]["name"].pop("nn"),
     ["$.areas[0].name.nn: required field is missing"]),
    ("empty_and_padded_text", lambda d: (d["title"].update(sv=""), d["intro"].update(en=" Hello")),
     ["$.title.sv: must not be empty", "$.intro.en: has white space at the start or end"]),
    ("duplicate_item_key", lambda d: d["items"][2].update(key=d["items"][0]["key"]),
     [f'$.items[2].key: item "{EXAMPLE["items"][0]["key"]}" is defined twice']),
    ("unordered_scale", lambda d: d["scales"]["skill"]["points"][2].update(value=2),
     ["$.scales.skill.points[2].value: values must increase: 2 follows 2"]),
    ("wrong_point_count", lambda d: d["scales"]["attitude"]["points"].pop(),
     ["$.scales.attitude.points: the attitude scale has 5 points, not 4"]),
    ("levels_unordered", lambda d: d["levels"][1].update({"from": 0}),
     ["$.levels[1].from: thresholds must increase: 0 follows 0"]),
    ("correct_not_an_option", lambda d: next(i for i in d["items"] if i["type"] == "choice").update(correct="zz"),
     [f'$.items[{next(n for n, i in enumerate(EXAMPLE["items"]) if i["type"] == "choice")}].correct: '
      '"zz" is not one of the options']),
    ("weight_zero", lambda d: d["areas"][1].update(weight=0),
     ["$.areas[1].weight: must be a number above 0"]),
    ("unknown_field", lambda d: d.update(colour="blue"),
     ['$.colour: unknown field "colour"']),
    ("organisation_area_in_staff_survey", lambda d: d["areas"][1].update(scope="organisation"),
     ["$.areas[1].scope: organisation areas are for manager surveys only",
      '$.areas: at least one area must be of scope "individual"'] if len(EXAMPLE["areas"]) == 2 and
     EXAMPLE["areas"][0]["scope"] == "organisation" else
     ["$.areas[1].scope: organisation areas are for manager surveys only"]),
    ("reverse_on_choice", lambda d: next(i for i in d["items"] if i["type"] == "choice").update(reverse=True),
     [f'$.items[{next(n for n, i in enumerate(EXAMPLE["items"]) if i["type"] == "choice")}].reverse: '
      'only likert items can be reversed']),
    ("suggestions_for_unknown_level", lambda d: d["areas"][0]["suggestions"].update(expert=[d["title"]]),
     ['$.areas[0].suggestions.expert: "expert" is not a level']),
    ("version_zero", lambda d: d.update(version=0), ["$.version: must be at least 1"]),
    ("languages_twice", lambda d: d.update(languages=["sv", "nb", "nb", "en"]),
     ['$.languages[2]: "nb" is listed twice']),
]


@test
def test_shipped_surveys_and_the_readme_example_pass():
    r = mognad("survey", "check", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"),
               write("example.json", EXAMPLE))
    assert r.returncode == 0, r.stderr
    assert "staff.json: ok (staff v1, 8 areas, 42 items)" in r.stdout
    assert "manager.json: ok (manager v1, 11 areas, 63 items)" in r.stdout


@test
def test_each_broken_file_gets_its_path_and_message():
    for name, mutate, expected in CASES:
        got = check_lines(name + ".json", broken(mutate))
        assert got == expected, (name, got)


@test
def test_every_error_of_a_file_is_reported():
    def many(d):
        d["items"][1]["area"] = "safty"
        d["areas"][0]["weight"] = -1
        d["title"].pop("en")
        d["minutes"] = "ten"
    got = check_lines("many.json", broken(many))
    assert got == ['$.title.en: required field is missing', '$.minutes: must be an integer, not a string',
                   '$.areas[0].weight: must be a number above 0', '$.items[1].area: unknown area "safty"'], got


@test
def test_not_json_at_all():
    raw = json.dumps(EXAMPLE).encode()
    assert check_lines("bom.json", b"\xef\xbb\xbf" + raw) == [
        "$: the file starts with a byte order mark; save it as UTF-8 without one"]
    assert check_lines("latin1.json", raw.replace(b'"key"', b'"k\xe9y"', 1)) == [
        "$: the file is not valid UTF-8 text"]
    assert check_lines("truncated.json", b'{"key": "x",\n  "version": ') == [
        "$: not valid JSON (at line 2, column 13)"]
    assert check_lines("deep.json", b"[" * 100 + b"]" * 100) == ["$: nested deeper than 16 levels"]
    assert check_lines("dup.json", b'{"key": "a", "key": "b"}')[0] == '$: field "key" appears more than once'
    assert check_lines("array.json", b"[]") == ["$: a survey is an object, not an array"]
    assert check_lines("trailing.json", raw + b" x") == ["$: text follows the JSON value"]


@test
def test_load_is_immutable_and_idempotent():
    reset_db()
    staff = os.path.join(TOP, "surveys/staff.json")
    r = mognad("survey", "load", staff, os.path.join(TOP, "surveys/manager.json"))
    assert r.returncode == 0, r.stderr
    assert re.search(r"^loaded staff v1 \(sha256 [0-9a-f]{12}\.\.\.\)$", r.stdout, re.M), r.stdout
    assert psql("SELECT count(*) FROM survey_items WHERE survey_id = (SELECT id FROM surveys WHERE key = 'staff')"
                )[0][0] == "42"
    assert psql("SELECT count(*) FROM survey_areas")[0][0] == str(8 + 11)
    assert psql("SELECT count(*) FROM audit_log WHERE action = 'survey.load'")[0][0] == "2"
    # The same file again: nothing changes.
    r = mognad("survey", "load", staff)
    assert r.returncode == 0 and r.stdout.startswith("unchanged staff v1"), r.stdout
    assert psql("SELECT count(*) FROM surveys")[0][0] == "2"
    # A changed file under the same version: refused, nothing written.
    changed = json.load(open(staff, encoding="utf-8"))
    changed["minutes"] += 1
    r = mognad("survey", "load", write("staff-changed.json", changed))
    assert r.returncode == 1 and 'raise "version"' in r.stderr, r.stderr
    assert psql("SELECT count(*) FROM surveys")[0][0] == "2"
    # Raised version: loaded beside the first.
    changed["version"] = 2
    r = mognad("survey", "load", write("staff-v2.json", changed))
    assert r.returncode == 0 and "loaded staff v2" in r.stdout
    # One broken file among good ones: nothing loaded.
    r = mognad("survey", "load", write("bad.json", broken(lambda d: d.update(version=0))),
               write("ok.json", EXAMPLE))
    assert r.returncode == 1 and "nothing loaded" in r.stderr
    assert psql("SELECT count(*) FROM surveys WHERE key = 'example'")[0][0] == "0"
    r = mognad("survey", "list")
    assert r.returncode == 0 and re.search(r"staff\s+2\s+staff\s+8\s+42", r.stdout), r.stdout


@test
def test_usage_errors():
    assert mognad("survey").returncode == 2
    assert mognad("survey", "check").returncode == 2
    assert mognad("survey", "frobnicate").returncode == 2
    assert mognad("survey", "check", "--nope").returncode == 2
    r = mognad("survey", "check", os.path.join(TMP, "missing.json"))
    assert r.returncode == 1 and "cannot read the file" in r.stderr


if __name__ == "__main__":
    run()
