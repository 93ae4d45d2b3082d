"""Units, invitations, reminders and the modes, end to end: import the demo
region, invite a register, answer pseudonymously (and revise) and
anonymously, remind, close, anonymise, and prove what pg_dump of the
database does not contain."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402
from respondent import Browser, answer_all, best, worst  # noqa: E402

TMP = tempfile.mkdtemp(prefix="mognad-invite-")
DEMO = os.path.join(TOP, "server/scripts/demo/units.csv")


def mognad(*args, env=None, ok=True):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)
    if ok:
        assert r.returncode == 0, f"{args}: {r.stderr}"
    return r


def write(name, text, bom=False, crlf=False):
    path = os.path.join(TMP, name)
    data = text.replace("\n", "\r\n") if crlf else text
    with open(path, "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + data.encode())
    return path


def setup_region():
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    mognad("units", "import", DEMO)


def round_of(mode):
    out = mognad("round", "create", "--name", mode, "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", mode, "--unit", "REG").stdout
    rid = out.split()[-1]
    mognad("round", "open", rid)
    return rid


REGISTER = """employee_id;email;unit_code;role;language
E1001;anna.berg@region.example;ITF-DRIFT;staff;sv
E1002;ola.nordmann@region.example;ITF-DRIFT;staff;nn
E1003;chef.it@region.example;ITF;manager;
E1004;bo@region.example;HRF;staff;en
"""


def links(csv_text):
    return {line.split(",")[0]: line.split(",")[1] for line in csv_text.strip().splitlines()[1:]}


@test
def test_units_import_reports_every_bad_row_and_writes_nothing():
    setup_region()
    before = psql("SELECT count(*), md5(string_agg(code || name || path::text, ',' ORDER BY code)) FROM units")
    bad = write("bad.csv", "code,name,parent_code\n"
                           "NEW1,Ny enhet,NOPE\n"
                           "NEW2,,REG\n"
                           "bad code!,Fel,REG\n"
                           "NEW3,Tre,REG\n"
                           "NEW3,Tre igen,REG\n"
                           "C1,Cykel ett,C2\n"
                           "C2,Cykel två,C1\n"
                           "ITF,IT-förvaltningen,ITF-DRIFT\n")
    r = mognad("units", "import", bad, ok=False)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    for want in [f"{bad}:2: unit NEW1 has an unknown parent \"NOPE\"",
                 f"{bad}:3: unit NEW2 has an empty name",
                 f"{bad}:4: code \"bad code!\" is not a unit code",
                 f"{bad}:6: code NEW3 appears twice (first on line 5)",
                 f"{bad}:7: unit C1 would be its own ancestor",
                 f"{bad}:8: unit C2 would be its own ancestor",
                 f"{bad}:9: unit ITF would be its own ancestor"]:
        assert any(line.startswith(want) for line in lines), (want, lines)
    assert "nothing was written" in r.stderr
    assert psql("SELECT count(*), md5(string_agg(code || name || path::text, ',' ORDER BY code)) FROM units") == before
    # A broken CSV: the line of the problem.
    r = mognad("units", "import", write("quote.csv", 'code;name;parent_code\nX;"open;REG\n'), ok=False)
    assert r.returncode == 1 and "quote.csv:2: a quoted field is never closed" in r.stderr


@test
def test_units_rename_move_idempotent_bom_crlf():
    setup_region()
    assert mognad("units", "import", DEMO).stdout.startswith("0 created, 0 renamed, 0 moved")
    # Rename and move, from a file with a BOM, CRLF and commas.
    f = write("change.csv", "code,name,parent_code\nITF-DRIFT,\"Drift, nät och infrastruktur\",HRF\nNYA,Nya enheten,ITF-DRIFT\n",
              bom=True, crlf=True)
    out = mognad("units", "import", f).stdout
    assert out.startswith("1 created, 1 renamed, 1 moved, 0 unchanged"), out
    paths = dict(psql("SELECT code, path::text FROM units"))
    ids = dict(psql("SELECT code, id::text FROM units"))
    assert paths["ITF-DRIFT"] == paths["HRF"] + "." + ids["ITF-DRIFT"]
    assert paths["NYA"] == paths["ITF-DRIFT"] + "." + ids["NYA"], "the subtree moved along"
    # The name history: renamed today, so today's entry holds the new name;
    # a name from an earlier day stays beside it.
    psql("UPDATE unit_names SET valid_from = current_date - 30 WHERE unit_id = %s" % ids["ITF-DRIFT"])
    f2 = write("again.csv", "code;name;parent_code\nITF-DRIFT;Driftenheten;HRF\n")
    assert mognad("units", "import", f2).stdout.startswith("0 created, 1 renamed")
    assert psql("SELECT name FROM unit_names WHERE unit_id = %s ORDER BY valid_from" % ids["ITF-DRIFT"]) == \
        [["Drift, nät och infrastruktur"], ["Driftenheten"]]
    assert mognad("units", "import", f).stdout.startswith("0 created, 1 renamed, 0 moved, 1 unchanged")
    assert mognad("units", "import", f).stdout.startswith("0 created, 0 renamed, 0 moved, 2 unchanged")
    rid = round_of("open")
    r = mognad("units", "headcount", "--round", rid, write("hc.csv", "unit_code;headcount\nITF;40\nHRF;12\n"))
    assert "2 units" in r.stdout
    assert psql(f"SELECT expected_headcount FROM round_units ru JOIN units u ON u.id = ru.unit_id "
                f"WHERE round_id = {rid} AND code = 'ITF'")[0][0] == "40"
    r = mognad("units", "headcount", "--round", rid, write("hc2.csv", "unit_code;headcount\nNOPE;4\nHRF;-1\n"), ok=False)
    assert "hc2.csv:2: unknown unit code \"NOPE\"" in r.stderr and "hc2.csv:3: headcount \"-1\"" in r.stderr


@test
def test_invite_pseudonymous_revise_remind_and_anonymise():
    setup_region()
    rid = round_of("pseudonymous")
    psql(f"UPDATE rounds SET series_id = NULL WHERE id = {rid}")
    reg = write("register.csv", REGISTER)
    r = mognad("invite", "--round", rid, "--base-url", "https://enkat.region.example", reg)
    assert "4 invited (4 new" in r.stderr, r.stderr
    got = links(r.stdout)
    assert set(got) == {"anna.berg@region.example", "ola.nordmann@region.example", "chef.it@region.example",
                        "bo@region.example"}
    assert all(re.fullmatch(r"https://enkat\.region\.example/s/[A-Za-z0-9_-]{43}", v) for v in got.values())
    assert r.stdout.splitlines()[2].endswith(",nn")
    # Again: the same links, nothing new. A moved person is updated.
    r2 = mognad("invite", "--round", rid, "--base-url", "https://enkat.region.example",
                write("register2.csv", REGISTER.replace("E1004;bo@region.example;HRF", "E1004;bo@region.example;ITF")))
    assert links(r2.stdout) == got and "4 invited (0 new, 1 changed unit or role)" in r2.stderr, r2.stderr
    # Bad rows: reported by line, nothing written, no personal data echoed.
    n = psql("SELECT count(*) FROM invitations")[0][0]
    r3 = mognad("invite", "--round", rid, write("bad.csv", "employee_id,email,unit_code,role\n"
                                                           "E9,not-an-address,ITF,staff\nE10,x@y.se,ITF,boss\n"
                                                           ",z@y.se,ITF,staff\nE11,q@y.se,NOPE,staff\n"), ok=False)
    assert "bad.csv:2: the e-mail address is not valid" in r3.stderr and "not-an-address" not in r3.stderr
    assert "bad.csv:3: the role must be staff or manager" in r3.stderr
    assert "bad.csv:4: the employee id is empty" in r3.stderr
    assert psql("SELECT count(*) FROM invitations")[0][0] == n
    r4 = mognad("invite", "--round", rid, write("unknown.csv", "employee_id,email,unit_code,role\nE11,q@y.se,NOPE,staff\n"),
                ok=False)
    assert 'line 2: unknown unit code "NOPE"' in r4.stderr and psql("SELECT count(*) FROM invitations")[0][0] == n

    with Server() as s:
        anna = Browser(s, lang="sv")
        assert anna.get(got["anna.berg@region.example"].split("example", 1)[1]).status == 303
        csrf = answer_all(anna, best)
        assert anna.post("/survey/submit", {"csrf": csrf}).status == 303
        assert anna.get("/survey/profile").status == 200
        first = psql("SELECT index_score FROM responses")[0][0]
        assert first == "100.000"
        # She comes back with her link on another device and revises.
        again = Browser(s, lang="sv")
        again.get(got["anna.berg@region.example"].split("example", 1)[1])
        page = again.get("/survey/page/1").text
        assert "checked" in page, "her earlier answers come back"
        csrf = answer_all(again, worst)
        assert again.post("/survey/submit", {"csrf": csrf}).status == 303
        assert psql("SELECT count(*), min(index_score) FROM responses") == [["1", "0.000"]]
        assert psql("SELECT sum(n) FROM agg_responses")[0][0] == "1"
        assert psql("SELECT sum(sum) FROM agg_scores WHERE area_key = '*'")[0][0] == "0.000"

    # Remind: everyone but Anna.
    r = mognad("remind", "--round", rid, "--base-url", "https://enkat.region.example", reg)
    assert "4 invited, 1 answered, 3 reminded" in r.stderr, r.stderr
    assert "anna.berg" not in r.stdout and len(links(r.stdout)) == 3
    # By mail: one RFC 5322 message per person, in their language.
    mails = os.path.join(TMP, "mails")
    os.makedirs(mails, exist_ok=True)
    fake = write("sendmail.sh", f"#!/bin/sh\n[ \"$1\" = -t ] || exit 9\ncat > $(mktemp {mails}/m.XXXXXX)\n")
    os.chmod(fake, 0o755)
    mognad("remind", "--round", rid, "--sendmail", reg, env={"MOGNAD_SENDMAIL": fake})
    texts = [open(os.path.join(mails, f), encoding="utf-8").read() for f in os.listdir(mails)]
    assert len(texts) == 3
    ola = next(t for t in texts if "ola.nordmann" in t)
    assert re.search(r"^To: ola\.nordmann@region\.example$", ola, re.M) and re.search(r"^Subject: ", ola, re.M)
    assert "MIME-Version: 1.0" in ola

    # Close; anonymise removes every pseudonym and the aggregates stay.
    before = psql("SELECT area_key, sum(n), sum(sum) FROM agg_scores GROUP BY 1 ORDER BY 1")
    mognad("round", "close", rid)
    psql("INSERT INTO series (name, every_months, duration_days) VALUES ('S', 12, 21)")
    psql(f"UPDATE rounds SET series_id = (SELECT id FROM series WHERE name = 'S'), seq = 1 WHERE id = {rid}")
    sid = psql("SELECT id FROM series WHERE name = 'S'")[0][0]
    out = mognad("anonymise", "--series", sid).stdout
    assert "1 response pseudonyms and 4 invitation pseudonyms removed" in out, out
    assert psql("SELECT count(*) FROM responses WHERE pseudonym IS NOT NULL")[0][0] == "0"
    assert psql("SELECT count(*) FROM invitations WHERE pseudonym IS NOT NULL")[0][0] == "0"
    assert psql("SELECT count(*) FROM respondent_sessions")[0][0] == "0"
    assert psql("SELECT area_key, sum(n), sum(sum) FROM agg_scores GROUP BY 1 ORDER BY 1") == before
    r = mognad("anonymise", "--series", "999", ok=False)
    assert r.returncode == 1 and "no series 999" in r.stderr


@test
def test_anonymous_mode_single_use_shuffled_batches_and_data_minimisation():
    setup_region()
    rid = round_of("anonymous")
    reg = write("register.csv", REGISTER)
    got = links(mognad("invite", "--round", rid, reg).stdout)
    with Server() as s:
        for i, (email, link) in enumerate(sorted(got.items())):
            b = Browser(s, lang="en")
            path = "/s/" + link.rsplit("/s/", 1)[1]
            assert b.get(path).status == 303
            csrf = answer_all(b, best if i % 2 else worst)
            r = b.post("/survey/submit", {"csrf": csrf})
            assert r.status == 200 and "only shown now" in r.text
            # The same link again: used.
            assert Browser(s).get(path).status == 409
            # The same session again: nothing more stored.
            assert b.post("/survey/submit", {"csrf": csrf}).status == 200
        # Queued, not yet in responses: nothing ties a response to the
        # transaction that completed its invitation.
        assert psql("SELECT count(*) FROM anonymous_queue")[0][0] == "4"
        assert psql("SELECT count(*) FROM responses")[0][0] == "0"
        assert psql("SELECT count(*) FROM invitations WHERE status = 'completed'")[0][0] == "4"
    mognad("round", "close", rid)
    assert psql("SELECT count(*) FROM anonymous_queue")[0][0] == "0"
    assert psql("SELECT count(*), count(pseudonym) FROM responses") == [["4", "0"]]
    # One transaction stored them all, so xmin says nothing of the order.
    assert psql("SELECT count(DISTINCT xmin::text) FROM responses")[0][0] == "1"
    inv_xmins = {r[0] for r in psql("SELECT xmin::text FROM invitations")}
    assert not inv_xmins & {r[0] for r in psql("SELECT xmin::text FROM responses")}

    # The whole database, dumped: no employee id, e-mail, token or name of a
    # person; no time finer than a day in the tables of respondents.
    dump = subprocess.run(["pg_dump", "--data-only", "--no-owner", os.environ["DATABASE_URL"]],
                          capture_output=True, text=True, check=True).stdout
    for secret in ["E1001", "E1002", "E1003", "E1004", "anna.berg", "ola.nordmann", "region.example", "bo@"]:
        assert secret not in dump, secret
    for link in got.values():
        assert link.rsplit("/s/", 1)[1] not in dump
    tables = ["responses", "response_answers", "response_area_scores", "invitations", "respondent_sessions",
              "anonymous_queue"]
    for t in tables:
        cols = psql("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :'p1'", t)
        assert not [c for c in cols if "timestamp" in c[1] or c[1] == "inet" or c[0] in ("ip", "email")], (t, cols)
        block = re.search(rf"COPY public\.{t} \(.*?\n\\\.\n", dump, re.S)
        if block:
            assert not re.search(r"\d{2}:\d{2}:\d{2}", block.group(0)), t


if __name__ == "__main__":
    run()
