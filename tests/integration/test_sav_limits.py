""".sav export at the format's byte limits: unit names as long as the
product allows (200 characters, up to 800 bytes) are written whole, and the
round name (file label, 64 bytes), item texts (variable labels, 255 bytes)
and answer labels (value labels, 120 bytes) are cut at a character
boundary when they are longer, never failing the export. Read back with
libreadstat's readstat and extract_metadata."""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

UNITS = os.path.join(TOP, "server/scripts/demo/units.csv")
PASSWORD = "correct horse battery"
# Unit names at and beyond the short-string limit of 255 bytes.
NAMES = ["ö" * 106,              # 212 bytes: the name the export used to fail on
         "ö" * 127 + "a",        # 255 bytes
         "ö" * 128,              # 256 bytes
         "😀" * 200,             # 800 bytes: the longest name there can be
         "a" * 200]
# Texts whose cut falls inside a two-byte character, and texts at the limit.
ROUND = "a" + "ö" * 199          # file label: 64 bytes, so "a" + 31 "ö"
ITEM_LONG = "a" + "ö" * 200      # variable label: 255 bytes, so "a" + 127 "ö"
ITEM_AT = "ö" * 127 + "a"        # exactly 255 bytes: whole
POINT_LONG = "a" + "ö" * 100     # value label: 120 bytes, so "a" + 59 "ö"
POINT_AT = "ö" * 60              # exactly 120 bytes: whole
STATE = {}


def mognad(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)


def world():
    if STATE:
        return STATE
    reset_db()
    d = tempfile.mkdtemp()
    STATE["dir"] = d
    staff = json.load(open(os.path.join(TOP, "surveys/staff.json"), encoding="utf-8"))
    staff["items"][0]["text"]["sv"] = ITEM_LONG
    staff["items"][1]["text"]["sv"] = ITEM_AT
    STATE["items"] = (staff["items"][0]["key"], staff["items"][1]["key"])
    scale = staff["items"][0]["scale"]
    staff["scales"][scale]["points"][0]["label"]["sv"] = POINT_LONG
    staff["scales"][scale]["points"][1]["label"]["sv"] = POINT_AT
    os.mkdir(os.path.join(d, "surveys"))
    with open(os.path.join(d, "surveys/staff.json"), "w", encoding="utf-8") as f:
        json.dump(staff, f, ensure_ascii=False)
    shutil.copy(os.path.join(TOP, "surveys/manager.json"), os.path.join(d, "surveys"))
    r = mognad("survey", "load", "--dir", os.path.join(d, "surveys"))
    assert r.returncode == 0, r.stderr
    # The demo's units under long names (a closed round keeps the names it
    # closed with, so they are given before the demo closes its round).
    rows = list(csv.reader(open(UNITS, encoding="utf-8"), delimiter=";"))
    units = os.path.join(d, "units.csv")
    with open(units, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(rows[0])
        # Each administration (a child of the root) and every unit below it
        # share one length, the lengths taking turns over the eight
        # administrations: wherever the microdata place a row inside one,
        # its name has that length.
        admin_of, nth = {}, {}
        for code, _, parent in rows[1:]:
            if parent == rows[1][0]:
                nth[code] = len(nth)
                admin_of[code] = code
            elif parent:
                admin_of[code] = admin_of[parent]
            name = NAMES[nth[admin_of[code]] % len(NAMES)] if code in admin_of else NAMES[0]
            w.writerow([code, name, parent])
    r = mognad("demo", "--units", units, "--seed", "3", "--links", os.path.join(d, "links.csv"))
    assert r.returncode == 0, r.stderr
    # Microdata are of a closed round: last year's.
    STATE["round"] = int(re.search(r"round (\d+) \"", r.stdout).group(1))
    psql(f"UPDATE rounds SET name = :'p1' WHERE id = {STATE['round']}", ROUND)
    return STATE


def export(*args):
    w = world()
    ext = "sav" if "sav" in args else "csv"
    path = os.path.join(w["dir"], "out-" + "-".join(a.strip("-") for a in args) + "." + ext)
    r = mognad("export", "--round", str(w["round"]), "--lang", "sv", "--out", path, *args)
    assert r.returncode == 0, r.stderr
    return path


@test
def test_sav_holds_unit_names_of_every_length_whole():
    sav = export("--format", "sav")
    back = subprocess.run(["readstat", sav, "-"], capture_output=True, text=True)
    assert back.returncode == 0, back.stderr
    sav_rows = list(csv.DictReader(io.StringIO(back.stdout)))
    raw = open(export("--format", "csv", "--microdata"), "rb").read()
    csv_rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    assert len(sav_rows) == len(csv_rows) > 0
    assert [r["unit_name"] for r in sav_rows] == [r["unit_name"] for r in csv_rows]
    assert [r["unit"] for r in sav_rows] == [r["unit"] for r in csv_rows]
    shown = {r["unit_name"] for r in sav_rows}
    assert shown <= set(NAMES), shown - set(NAMES)
    lengths = {len(n.encode()) for n in shown}
    # Which units label rows follows from the round's privacy decision (rows
    # go under the smallest unit shown for their role): the names beyond
    # the 255-byte short-string limit must be among them, whole.
    assert {212, 256, 800} <= lengths, (lengths, sorted({(r["unit"], len(r["unit_name"].encode()))
                                                         for r in csv_rows}))


@test
def test_sav_labels_are_cut_at_the_limits_on_a_character_boundary():
    w = world()
    sav = export("--format", "sav")
    meta_path = os.path.join(w["dir"], "meta.json")
    m = subprocess.run(["extract_metadata", sav, meta_path], capture_output=True, text=True)
    assert m.returncode == 0, m.stderr
    meta = json.load(open(meta_path, encoding="utf-8"))
    # The file label is bytes 109-172 of the header, padded with spaces
    # (extract_metadata does not show it); it must decode as UTF-8.
    head = open(sav, "rb").read(176)
    assert head[:4] == b"$FL2"
    assert head[109:173].rstrip(b" ").decode("utf-8") == "a" + "ö" * 31, head[109:173]
    var = {v["name"]: v for v in meta["variables"]}
    long_key, at_key = w["items"]
    assert var[long_key]["label"] == "a" + "ö" * 127
    assert var[at_key]["label"] == ITEM_AT
    labels = [c["label"] for c in var[long_key]["categories"]]
    assert labels[:2] == ["a" + "ö" * 59, POINT_AT], labels


@test
def test_dashboard_download_of_the_sav_answers_200():
    w = world()
    r = subprocess.run([BIN, "user", "add", "--role", "admin", "adam"], input=PASSWORD + "\n",
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rid = w["round"]
    with Server() as s:
        r = s.get("/hr/login")
        pre = next(v for k, v in r.headers if k.lower() == "set-cookie"
                   and v.startswith("mognad_hr_login=")).split(";")[0]
        token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        body = urllib.parse.urlencode({"login": "adam", "password": PASSWORD, "csrf": token})
        r = s.request("POST", "/hr/login", body=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre})
        assert r.status == 303, r.status
        h = {"Cookie": next(v for k, v in r.headers if k.lower() == "set-cookie"
                            and v.startswith("mognad_hr=")).split(";")[0]}
        r = s.get(f"/hr/rounds/{rid}/microdata?format=sav&lang=sv", headers=h)
        assert r.status == 200 and r.body[:4] == b"$FL2", (r.status, r.body[:200])


if __name__ == "__main__":
    run()
