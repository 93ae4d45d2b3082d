"""mognad invite and remind, and the modes end to end: a register becomes
personal links (CSV or mail) while the database gets hashes only; bad
registers are reported by line with nothing written; re-runs are
idempotent and follow moves; reminders go only to those who have not
answered; a pseudonymous response can be revised, an anonymous one is
single use and unlinkable; pg_dump of the database holds no identity."""
import atexit
import base64
import email
import email.policy
import email.utils
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402
from respondent import Browser, answer_all, best, worst  # noqa: E402

TMP = tempfile.mkdtemp(prefix="mognad-invite-")
atexit.register(shutil.rmtree, TMP, True)
DEMO = os.path.join(TOP, "server/scripts/demo/units.csv")
FIX = os.path.join(TOP, "tests/fixtures/csv")
REGISTER = os.path.join(FIX, "register.csv")
BASE = "https://enkat.region.example"
PEOPLE = {  # employee id: (e-mail, unit, role, language as the links give it)
    "E1001": ("anna.berg@region.example", "ITF-DRIFT", "staff", "sv"),
    "E1002": ("ola.nordmann@region.example", "ITF-DRIFT", "staff", "nn"),
    "E1003": ("chef.it@region.example", "ITF", "manager", "sv"),
    "E1004": ("bo@region.example", "HRF-LON", "staff", "en"),
    "E1005": ("kari.nordmann@region.example", "HRF", "staff", "nb"),
}


def mognad(*args, env=None, ok=True):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)
    if ok:
        assert r.returncode == 0, f"{args}: {r.stderr}"
    return r


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def setup_region():
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    mognad("units", "import", DEMO)


def round_of(mode, *extra, unit="REG", open_it=True):
    out = mognad("round", "create", "--name", mode, "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", mode, "--unit", unit, *extra).stdout
    rid = out.split()[-1]
    if open_it:
        mognad("round", "open", rid)
    return rid


def links(csv_text):
    """email -> (link, language) from the links CSV."""
    rows = csv_text.strip().splitlines()
    assert rows[0] == "email,link,language", rows[:1]
    return {r.split(",")[0]: (r.split(",")[1], r.split(",")[2]) for r in rows[1:]}


def token(link):
    """The token of a link (/s/TOKEN or /s/TOKEN/LANG)."""
    return link.rsplit("/s/", 1)[1].split("/")[0]


def token_hash(tok):
    """What the database may know of a link (mg_keys_token_hash)."""
    raw = base64.urlsafe_b64decode(tok + "=")
    return hashlib.blake2b(raw, digest_size=32, key=b"mognad-token-hash").hexdigest()


def invitations():
    return psql("SELECT encode(token_hash, 'hex'), u.code, i.role, s.audience, i.status, i.pseudonym IS NOT NULL "
                "FROM invitations i JOIN units u ON u.id = i.unit_id JOIN surveys s ON s.id = i.survey_id "
                "ORDER BY 1")


def snapshot():
    return psql("SELECT count(*), md5(string_agg(concat_ws('|', id, round_id, token_hash, unit_id, role, survey_id, "
                "status, pseudonym), ',' ORDER BY id)) FROM invitations")


def pg_dump():
    return subprocess.run(["pg_dump", "--data-only", "--no-owner", os.environ["DATABASE_URL"]],
                          capture_output=True, text=True, check=True).stdout


def assert_no_identities(dump, got):
    for eid, (addr, *_rest) in PEOPLE.items():
        assert eid not in dump, eid
        local = addr.split("@")[0]
        assert addr not in dump and (len(local) < 6 or local not in dump), addr
    assert "region.example" not in dump
    for link, _lang in got.values():
        assert token(link) not in dump


def fake_sendmail(name, fail_on=None):
    """A sendmail that saves each message in its own file (and exits 3 on
    message number `fail_on`)."""
    box = os.path.join(TMP, name)
    os.makedirs(box)
    fail = f'[ "$(ls {box} | wc -l)" -ge {fail_on} ] && {{ cat >/dev/null; exit 3; }}\n' if fail_on else ""
    script = write(name + ".sh", "#!/bin/sh\n[ \"$#\" = 1 ] && [ \"$1\" = -t ] || exit 9\n" + fail +
                   f"cat > \"$(mktemp {box}/m.XXXXXX)\"\n")
    os.chmod(script, 0o755)
    return script, box


def read_box(box):
    msgs = {}
    for f in os.listdir(box):
        raw = open(os.path.join(box, f), "rb").read()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        msgs[str(msg["To"])] = (msg, raw.decode("utf-8"))
    return msgs


@test
def test_invite_writes_links_and_stores_only_hashes():
    setup_region()
    rid = round_of("pseudonymous")
    r = mognad("invite", "--round", rid, "--base-url", BASE + "/", REGISTER)
    assert r.stderr.strip() == "5 invited (5 new, 0 changed unit or role), 0 answered already", r.stderr
    got = links(r.stdout)
    assert {addr: lang for addr, (_l, lang) in got.items()} == {p[0]: p[3] for p in PEOPLE.values()}
    assert all(re.fullmatch(r"https://enkat\.region\.example/s/[A-Za-z0-9_-]{43}(/(sv|nb|nn|en))?", link) for link, _ in got.values())
    # The register's language ends the link; a row without one has none.
    assert got["bo@region.example"][0].endswith("/en") and got["anna.berg@region.example"][0].endswith("/sv")
    assert got["chef.it@region.example"][0].count("/") == 4
    # The database: the hash of each link, the unit, role, survey and status.
    stored = invitations()
    by_hash = {row[0]: row[1:] for row in stored}
    assert len(stored) == 5
    for eid, (addr, unit, role, _lang) in PEOPLE.items():
        h = token_hash(token(got[addr][0]))
        assert by_hash[h] == [unit, role, role, "invited", "t"], (eid, by_hash.get(h))
    assert psql("SELECT count(DISTINCT pseudonym) FROM invitations")[0][0] == "5"
    assert_no_identities(pg_dump(), got)
    assert psql("SELECT detail->>'created' FROM audit_log WHERE action = 'round.invite'") == [["5"]]
    # The links work; a made-up one does not.
    with Server() as s:
        for link, _ in got.values():
            resp = s.get("/s/" + token(link))
            assert resp.status == 303 and resp.header("Location") == "/survey"
        assert s.get("/s/" + "A" * 43).status == 404
    # Without --base-url, links start with MOGNAD_PUBLIC_URL.
    r = mognad("invite", "--round", rid, REGISTER, env={"MOGNAD_PUBLIC_URL": "https://x.example/enkat/"})
    assert all(link.startswith("https://x.example/enkat/s/") for link, _ in links(r.stdout).values())


@test
def test_rerun_is_idempotent_and_follows_moves_and_new_people():
    setup_region()
    rid = round_of("pseudonymous")
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    before = snapshot()
    r = mognad("invite", "--round", rid, "--base-url", BASE, REGISTER)
    assert links(r.stdout) == got and "5 invited (0 new, 0 changed unit or role)" in r.stderr
    assert snapshot() == before
    # Bo moved to IT, Ola became a manager, Lisa is new.
    text = open(REGISTER, encoding="utf-8").read()
    text = text.replace("E1004;bo@region.example;HRF-LON", "E1004;bo@region.example;ITF")
    text = text.replace("E1002;ola.nordmann@region.example;ITF-DRIFT;staff", "E1002;ola.nordmann@region.example;"
                        "ITF-DRIFT;manager")
    text += "E1006;lisa@region.example;EKO-INK;staff;sv\n"
    r = mognad("invite", "--round", rid, "--base-url", BASE, write("moved.csv", text))
    assert "6 invited (1 new, 2 changed unit or role)" in r.stderr, r.stderr
    got2 = links(r.stdout)
    assert {k: v for k, v in got2.items() if k != "lisa@region.example"} == got, "the links stay the same"
    by_hash = {row[0]: row[1:] for row in invitations()}
    assert by_hash[token_hash(token(got["bo@region.example"][0]))][:2] == ["ITF", "staff"]
    assert by_hash[token_hash(token(got["ola.nordmann@region.example"][0]))][:3] == ["ITF-DRIFT", "manager", "manager"]
    # --new-only: just the people this run adds.
    r = mognad("invite", "--round", rid, "--base-url", BASE, "--new-only",
               write("newer.csv", text + "E1007;per@region.example;EKO;staff;\n"))
    assert list(links(r.stdout)) == ["per@region.example"]
    assert "7 invited (1 new, 0 changed unit or role)" in r.stderr and "links written for the 1 new" in r.stderr
    # People left out of a later register keep their invitations, and are counted.
    r = mognad("invite", "--round", rid, "--base-url", BASE, REGISTER)
    assert "2 earlier invitations of round %s are for people not in this register" % rid in r.stderr, r.stderr
    assert psql("SELECT count(*) FROM invitations")[0][0] == "7"


@test
def test_bad_register_rows_are_reported_by_line_and_nothing_is_written():
    setup_region()
    rid = round_of("pseudonymous", "--staff-survey", "staff", "--manager-survey", "none", unit="ITF")
    audit = psql("SELECT count(*) FROM audit_log")
    bad = os.path.join(FIX, "register_bad.csv")
    r = mognad("invite", "--round", rid, bad, ok=False)
    assert r.returncode == 1 and r.stdout == ""
    want = [f"{bad}:2: the e-mail address is not valid",
            f'{bad}:3: role "boss" is neither staff nor manager',
            f"{bad}:4: the employee id is empty",
            f'{bad}:5: unknown unit code "NOPE"',
            f'{bad}:6: language "de" is not sv, nb, nn or en',
            f"{bad}:8: the same employee id as on line 7",
            f"{bad}:9: the e-mail address is not valid",
            f"{bad}:10: the unit code is empty",
            f"{bad}:10: round {rid} has no manager survey",
            f"{bad}:11: the e-mail address is not valid",
            f"{bad}:13: unit HRF is outside the part of the organisation round {rid} covers",
            f"mognad invite: {bad}: nothing was written"]
    assert r.stderr.splitlines() == want, r.stderr
    # Personal data stays out of the messages.
    for secret in ["E2001", "E2005", "not-an-address", "region.example", "w w@"]:
        assert secret not in r.stderr, secret
    assert psql("SELECT count(*) FROM invitations")[0][0] == "0"
    assert psql("SELECT count(*) FROM audit_log") == audit
    # A header without the columns it needs.
    cols = write("cols.csv", "Anställningsnummer;email;unit_code;roll\n1;a@b.se;ITF;staff\n")
    r = mognad("invite", "--round", rid, cols, ok=False)
    assert r.returncode == 1
    assert (f'{cols}:1: the header has no column "employee_id", "role"; unknown column "anställningsnummer", '
            '"roll" (the columns are employee_id, email, unit_code, role and optionally language)') in r.stderr
    # The reader's own problems, by line, before anything else.
    r = mognad("invite", "--round", rid, write("quote.csv", 'employee_id;email;unit_code;role\n1;"a@b.se;ITF;staff\n'),
               ok=False)
    assert r.returncode == 1 and "quote.csv:2: the quote that opens a field here is never closed" in r.stderr
    # remind checks the rows the same way.
    r = mognad("remind", "--round", rid, bad, ok=False)
    assert r.returncode == 1 and f"{bad}:8: the same employee id as on line 7" in r.stderr
    assert f"{bad}:5:" not in r.stderr, "remind does not look units up"
    assert psql("SELECT count(*) FROM invitations")[0][0] == "0"


@test
def test_the_registers_language_wins_over_the_browsers_until_the_person_chooses():
    setup_region()
    rid = round_of("pseudonymous", "--language", "en")
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    link, lang = got["anna.berg@region.example"]
    assert lang == "sv" and link == f"{BASE}/s/{token(link)}/sv", link
    with Server() as s:
        # Anna's register row says sv; her browser prefers English.
        b = Browser(s, lang="en")
        assert b.get(link[len(BASE):]).status == 303
        for path in ("/survey", "/survey/page/1"):
            r = b.get(path)
            assert r.status == 200 and '<html lang="sv">' in r.text, (path, r.text[:200])
        # Her own choice on the page's language links wins from then on.
        assert '<html lang="en">' in b.get("/survey/page/1?lang=en").text
        assert '<html lang="en">' in b.get("/survey").text
        # Opening her link again keeps what she chose.
        assert b.get(link[len(BASE):]).status == 303
        assert '<html lang="en">' in b.get("/survey").text
        # Without a language in the register, the browser's is used.
        text = open(REGISTER, encoding="utf-8").read()
        header, *rows = text.strip().splitlines()
        plain = write("nolang.csv", "\r\n".join([header.rsplit(";", 1)[0]] + [r.rsplit(";", 1)[0] for r in rows]))
        got = links(mognad("invite", "--round", rid, "--base-url", BASE, plain).stdout)
        link = got["ola.nordmann@region.example"][0]
        assert link == f"{BASE}/s/{token(link)}", link
        b = Browser(s, lang="nb")
        assert b.get(link[len(BASE):]).status == 303
        assert '<html lang="nb">' in b.get("/survey").text


@test
def test_a_person_moved_after_starting_answers_for_the_new_unit_and_role():
    # Ola starts as staff in ITF-DRIFT; HR then runs a register in which
    # Ola is a manager in ITF. Ola's open session follows the invitation:
    # the manager survey, and the response counts for ITF as a manager.
    setup_region()
    rid = round_of("pseudonymous")
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    link = "/s/" + token(got["ola.nordmann@region.example"][0])
    with Server() as s:
        b = Browser(s, lang="en")
        assert b.get(link).status == 303
        page = b.get("/survey/page/1").text
        staff_pages = 0
        while b.get(f"/survey/page/{staff_pages + 1}").status == 200:
            staff_pages += 1
        assert b.post("/survey/page/1", {"csrf": b.csrf(page), "nav": "save"}).status == 204
        text = open(REGISTER, encoding="utf-8").read().replace(
            "E1002;ola.nordmann@region.example;ITF-DRIFT;staff", "E1002;ola.nordmann@region.example;ITF;manager")
        r = mognad("invite", "--round", rid, "--base-url", BASE, write("promoted.csv", text))
        assert "1 changed unit or role" in r.stderr, r.stderr
        csrf = answer_all(b, best)
        pages = 0
        while b.get(f"/survey/page/{pages + 1}").status == 200:
            pages += 1
        assert pages > staff_pages, (pages, staff_pages)
        r = b.post("/survey/submit", {"csrf": csrf})
        assert r.status in (200, 303), (r.status, r.text[:300])
    rows = psql("SELECT u.code, r.role, s.audience FROM responses r JOIN units u ON u.id = r.unit_id "
                "JOIN surveys s ON s.id = r.survey_id WHERE r.round_id = :'p1'", rid)
    assert rows == [["ITF", "manager", "manager"]], rows


@test
def test_invite_refuses_rounds_where_invitations_make_no_sense():
    setup_region()
    rid = round_of("open")
    r = mognad("invite", "--round", rid, REGISTER, ok=False)
    assert r.returncode == 1 and r.stdout == ""
    assert f"round {rid} is an open round: it has one link per unit (mognad round links {rid})" in r.stderr
    rid2 = round_of("anonymous")
    mognad("round", "close", rid2)
    r = mognad("invite", "--round", rid2, REGISTER, ok=False)
    assert r.returncode == 1 and f"round {rid2} is closed" in r.stderr
    r = mognad("remind", "--round", rid2, REGISTER, ok=False)
    assert r.returncode == 1 and f"round {rid2} is closed" in r.stderr
    r = mognad("invite", "--round", "99999", REGISTER, ok=False)
    assert r.returncode == 1 and "round 99999 does not exist" in r.stderr
    assert psql("SELECT count(*) FROM invitations")[0][0] == "0"
    for args in [[REGISTER], ["--round", rid2, "--out", "x.csv", "--sendmail", REGISTER], ["--round", "0", REGISTER],
                 ["--round", rid2, "--base-url", "ftp://x", REGISTER], ["--round", rid2], ["--round", rid2, "--bcc",
                                                                                          REGISTER]]:
        assert mognad("invite", *args, ok=False).returncode == 2, args
    assert mognad("remind", "--round", rid2, "--new-only", REGISTER, ok=False).returncode == 2


@test
def test_the_survey_names_the_last_day_to_answer_as_the_invitation_does():
    # The round closes at midnight starting 2099-01-01: the last day to
    # answer or change answers is 2098-12-31, written as each language does.
    setup_region()
    rid = round_of("pseudonymous")
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    link = "/s/" + token(next(iter(got.values()))[0])
    want = {"sv": "till och med 2098-12-31", "nb": "til og med 31.12.2098", "nn": "til og med 31.12.2098",
            "en": "up to and including 31 December 2098"}
    with Server() as s:
        for lang, text in want.items():
            b = Browser(s)
            assert b.get(link).status == 303
            page = b.get(f"/survey?lang={lang}").text
            assert text in page, (lang, re.findall(r"<li>[^<]*2098[^<]*</li>", page))
            assert "2099" not in page, lang


@test
def test_sendmail_gets_one_rfc5322_message_per_person_in_their_language():
    setup_region()
    rid = round_of("pseudonymous")
    script, box = fake_sendmail("box")
    r = mognad("invite", "--round", rid, "--base-url", BASE, "--sendmail", REGISTER, env={"MOGNAD_SENDMAIL": script})
    assert r.stdout == "" and "5 invited (5 new" in r.stderr
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    msgs = read_box(box)
    assert sorted(msgs) == sorted(p[0] for p in PEOPLE.values())
    subjects = {"sv": "Enkät om digital kompetens – din personliga länk",
                "nb": "Undersøkelse om digital kompetanse – din personlige lenke",
                "nn": "Undersøking om digital kompetanse – den personlege lenkja di",
                "en": "Digital competence survey – your personal link"}
    greeting = {"sv": "Hej!", "nb": "Hei!", "nn": "Hei!", "en": "Hello,"}
    # The round closes at midnight starting 2099-01-01: the last day is the 31st.
    last_day = {"sv": "till och med 2098-12-31", "nb": "til og med 31.12.2098", "nn": "til og med 31.12.2098",
                "en": "until and including 31 December 2098"}
    for addr, lang in ((p[0], p[3]) for p in PEOPLE.values()):
        msg, raw = msgs[addr]
        assert msg["Subject"] == subjects[lang], (lang, msg["Subject"])
        assert email.utils.parsedate_to_datetime(str(msg["Date"])) is not None
        assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
        assert msg["MIME-Version"] == "1.0" and msg["Content-Language"] == lang
        assert not msg.defects, msg.defects
        body = msg.get_content()
        assert body.startswith(greeting[lang]) and got[addr][0] in body.splitlines()
        assert last_day[lang] in " ".join(body.split()), body
        head = raw.split("\n\n", 1)[0]
        assert all(ord(ch) < 128 for ch in head), "headers are ASCII (RFC 2047)"
        assert max(len(line) for line in raw.splitlines()) <= 78
    assert "lenkja" in msgs["ola.nordmann@region.example"][0].get_content()
    assert "lenke" in msgs["kari.nordmann@region.example"][0].get_content()


@test
def test_a_failing_sendmail_is_reported_and_the_invitations_stay():
    setup_region()
    rid = round_of("anonymous")
    r = mognad("invite", "--round", rid, "--sendmail", REGISTER, env={"MOGNAD_SENDMAIL": "/nonexistent/sendmail"},
               ok=False)
    assert r.returncode == 1 and "cannot run /nonexistent/sendmail" in r.stderr
    assert psql("SELECT count(*) FROM invitations")[0][0] == "0"
    script, box = fake_sendmail("failing", fail_on=2)
    r = mognad("invite", "--round", rid, "--sendmail", REGISTER, env={"MOGNAD_SENDMAIL": script}, ok=False)
    assert r.returncode == 1
    assert "sendmail did not take the message for line 4 (2 messages before it were handed over)" in r.stderr
    assert f"{script} exited with status 3" in r.stderr
    assert len(os.listdir(box)) == 2
    assert psql("SELECT count(*) FROM invitations")[0][0] == "5"


@test
def test_remind_writes_only_those_who_have_not_answered():
    setup_region()
    rid = round_of("pseudonymous")
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    anna = token_hash(token(got["anna.berg@region.example"][0]))
    ola = token_hash(token(got["ola.nordmann@region.example"][0]))
    psql(f"UPDATE invitations SET status = 'completed' WHERE token_hash = '\\x{anna}'")
    psql(f"UPDATE invitations SET status = 'started' WHERE token_hash = '\\x{ola}'")
    before = snapshot()
    extra = write("extra.csv", open(REGISTER, encoding="utf-8").read() + "E1099;ny@region.example;HRF;staff;\n")
    r = mognad("remind", "--round", rid, "--base-url", BASE, extra)
    assert r.stderr.strip() == ("5 invited, 1 answered, 4 reminded; 1 row of the register was never invited "
                                "(mognad invite makes its links)"), r.stderr
    reminded = links(r.stdout)
    assert reminded == {k: v for k, v in got.items() if k != "anna.berg@region.example"}
    # To a file: private, the same content.
    out = os.path.join(TMP, "reminders.csv")
    mognad("remind", "--round", rid, "--base-url", BASE, "--out", out, REGISTER)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert links(open(out, encoding="utf-8").read()) == reminded
    assert not [f for f in os.listdir(TMP) if ".tmp-" in f]
    # By mail: reminder texts.
    script, box = fake_sendmail("reminders")
    mognad("remind", "--round", rid, "--base-url", BASE, "--sendmail", REGISTER, env={"MOGNAD_SENDMAIL": script})
    msgs = read_box(box)
    assert sorted(msgs) == sorted(reminded)
    assert msgs["ola.nordmann@region.example"][0]["Subject"] == "Påminning: undersøking om digital kompetanse"
    assert msgs["chef.it@region.example"][0]["Subject"] == "Påminnelse: enkät om digital kompetens"
    bo = msgs["bo@region.example"][0].get_content()
    assert bo.startswith("Hello,\n\nWe have not received your answers to the survey yet.")
    assert snapshot() == before, "remind changes nothing"
    # Each run is in the audit log, with counts and nothing personal.
    rows = psql("SELECT actor, detail::text FROM audit_log WHERE action = 'round.remind' ORDER BY id")
    assert len(rows) == 3, rows
    first = json.loads(rows[0][1])
    assert rows[0][0] == "cli" and first == {"round": int(rid), "invited": 5, "completed": 1, "reminded": 4}, rows
    assert not any("@" in r[1] or "E10" in r[1] for r in rows), rows


@test
def test_pseudonymous_round_revise_remind_and_anonymise():
    setup_region()
    rid = round_of("pseudonymous")
    got = links(mognad("invite", "--round", rid, "--base-url", BASE, REGISTER).stdout)
    anna_link = "/s/" + token(got["anna.berg@region.example"][0])
    with Server() as s:
        anna = Browser(s, lang="sv")
        assert anna.get(anna_link).status == 303
        csrf = answer_all(anna, best)
        assert anna.post("/survey/submit", {"csrf": csrf}).status == 303
        assert anna.get("/survey/profile").status == 200
        assert psql("SELECT index_score FROM responses")[0][0] == "100.000"
        # She comes back with her link on another device and revises.
        again = Browser(s, lang="sv")
        again.get(anna_link)
        assert "checked" in again.get("/survey/page/1").text, "her earlier answers come back"
        csrf = answer_all(again, worst)
        assert again.post("/survey/submit", {"csrf": csrf}).status == 303
        assert psql("SELECT count(*), min(index_score) FROM responses") == [["1", "0.000"]]
        assert psql("SELECT sum(n) FROM agg_responses")[0][0] == "1"
    r = mognad("remind", "--round", rid, "--base-url", BASE, REGISTER)
    assert "5 invited, 1 answered, 4 reminded" in r.stderr and "anna.berg" not in r.stdout
    assert_no_identities(pg_dump(), got)

    # Close; anonymise removes every pseudonym and the aggregates stay.
    before = psql("SELECT area_key, sum(n), sum(sum) FROM agg_scores GROUP BY 1 ORDER BY 1")
    mognad("round", "close", rid)
    psql("INSERT INTO series (name, every_months, duration_days) VALUES ('S', 12, 21)")
    psql(f"UPDATE rounds SET series_id = (SELECT id FROM series WHERE name = 'S'), seq = 1 WHERE id = {rid}")
    sid = psql("SELECT id FROM series WHERE name = 'S'")[0][0]
    out = mognad("anonymise", "--series", sid).stdout
    assert "1 response pseudonyms and 5 invitation pseudonyms removed" in out, out
    assert psql("SELECT count(*) FROM responses WHERE pseudonym IS NOT NULL")[0][0] == "0"
    assert psql("SELECT count(*) FROM invitations WHERE pseudonym IS NOT NULL")[0][0] == "0"
    assert psql("SELECT area_key, sum(n), sum(sum) FROM agg_scores GROUP BY 1 ORDER BY 1") == before


@test
def test_anonymous_round_single_use_unlinkable_and_no_identities_in_the_dump():
    setup_region()
    rid = round_of("anonymous")
    got = links(mognad("invite", "--round", rid, REGISTER).stdout)
    assert psql("SELECT count(*) FROM invitations WHERE pseudonym IS NOT NULL")[0][0] == "0"
    with Server() as s:
        for i, (_addr, (link, _lang)) in enumerate(sorted(got.items())):
            b = Browser(s, lang="en")
            path = "/s/" + token(link)
            assert b.get(path).status == 303
            csrf = answer_all(b, best if i % 2 else worst)
            resp = b.post("/survey/submit", {"csrf": csrf})
            assert resp.status == 200 and "only shown now" in resp.text
            assert Browser(s).get(path).status == 409, "the link is used up"
            assert b.post("/survey/submit", {"csrf": csrf}).status == 200
        assert psql("SELECT count(*) FROM anonymous_queue")[0][0] == "5"
        assert psql("SELECT count(*) FROM responses")[0][0] == "0"
        assert psql("SELECT count(*) FROM invitations WHERE status = 'completed'")[0][0] == "5"
    r = mognad("remind", "--round", rid, REGISTER)
    assert "5 invited, 5 answered, 0 reminded" in r.stderr and links(r.stdout) == {}
    mognad("round", "close", rid)
    assert psql("SELECT count(*) FROM anonymous_queue")[0][0] == "0"
    assert psql("SELECT count(*), count(pseudonym) FROM responses") == [["5", "0"]]
    # One transaction stored them all, so xmin says nothing of the order.
    assert psql("SELECT count(DISTINCT xmin::text) FROM responses")[0][0] == "1"
    inv_xmins = {row[0] for row in psql("SELECT xmin::text FROM invitations")}
    assert not inv_xmins & {row[0] for row in psql("SELECT xmin::text FROM responses")}

    dump = pg_dump()
    assert_no_identities(dump, got)
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
