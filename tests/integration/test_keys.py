"""Key rotation: `mognad keygen --rotate FILE` makes a new token key and keeps
the old one as previous_token_key (the pseudonym key stays). Links already
sent keep working (the database holds only an unkeyed hash of each link);
invite, remind and round links give the links of the key a round's people
were invited under, so nobody is invited twice and reminders carry the links
people hold; new rounds get links under the new key."""
import atexit
import base64
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import BIN, TOP, Server, psql, reset_db, run, test  # noqa: E402

TMP = tempfile.mkdtemp(prefix="mognad-keys-")
atexit.register(shutil.rmtree, TMP, True)
DEMO = os.path.join(TOP, "server/scripts/demo/units.csv")
REGISTER = os.path.join(TOP, "tests/fixtures/csv/register.csv")


def mognad(*args, key=None, ok=True):
    e = dict(os.environ)
    if key:
        e["MOGNAD_KEY_FILE"] = key
    r = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)
    if ok:
        assert r.returncode == 0, f"{args}: {r.stderr}"
    return r


def keyfile(name):
    path = os.path.join(TMP, name)
    if os.path.exists(path):
        os.unlink(path)
    mognad("keygen", path)
    return path


def read_keys(path):
    out = {}
    for line in open(path):
        if line.startswith("#") or "=" not in line:
            continue
        k, v = line.strip().split("=", 1)
        out.setdefault(k, []).append(v)
    return out


def invitation_token(key_hex, round_id, employee_id):
    """mg_keys_invitation_token, independently."""
    h = hashlib.blake2b(digest_size=32, key=bytes.fromhex(key_hex))
    h.update(b"mognad-invitation\0" + int(round_id).to_bytes(8, "big") + employee_id.encode())
    return base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()


def links(text):
    rows = text.strip().splitlines()
    assert rows[0] == "email,link,language", rows[:1]
    return {r.split(",")[0]: r.split(",")[1] for r in rows[1:]}


@test
def test_keygen_rotate_keeps_the_old_token_key_and_the_pseudonym_key():
    path = keyfile("rotate.key")
    before = read_keys(path)
    r = mognad("keygen", "--rotate", path)
    assert "rotated" in r.stdout
    after = read_keys(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert after["pseudonym_key"] == before["pseudonym_key"]
    assert after["token_key"] != before["token_key"]
    assert after["previous_token_key"] == before["token_key"]
    mognad("keygen", "--rotate", path)
    again = read_keys(path)
    assert again["previous_token_key"] == after["token_key"] + before["token_key"], "newest first"
    for _ in range(10):
        mognad("keygen", "--rotate", path)
    assert len(read_keys(path)["previous_token_key"]) == 8, "the oldest beyond eight is dropped"
    assert not os.path.exists(path + ".rotate")
    # The server reads the rotated file.
    mognad("round", "list", key=path)
    # Refusals: no file, a file others can read, no FILE.
    r = mognad("keygen", "--rotate", os.path.join(TMP, "missing.key"), ok=False)
    assert r.returncode == 1 and "missing" in r.stderr
    os.chmod(path, 0o644)
    r = mognad("keygen", "--rotate", path, ok=False)
    assert r.returncode == 1 and "chmod 600" in r.stderr
    os.chmod(path, 0o600)
    assert mognad("keygen", "--rotate", ok=False).returncode == 2


@test
def test_links_sent_before_a_rotation_keep_working_and_reminders_keep_them():
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    mognad("units", "import", DEMO)
    key = keyfile("live.key")
    rid = mognad("round", "create", "--name", "Before", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", "pseudonymous", "--unit", "REG", key=key).stdout.split()[-1]
    mognad("round", "open", rid, key=key)
    sent = links(mognad("invite", "--round", rid, REGISTER, key=key).stdout)
    old_key = read_keys(key)["token_key"][0]
    assert sent["anna.berg@region.example"].endswith("/s/" + invitation_token(old_key, rid, "E1001") + "/sv")
    invited = psql("SELECT count(*), md5(string_agg(token_hash::text, ',' ORDER BY id)) FROM invitations")
    pseudonyms = psql("SELECT md5(string_agg(pseudonym::text, ',' ORDER BY id)) FROM invitations")

    mognad("keygen", "--rotate", key)
    new_key = read_keys(key)["token_key"][0]
    assert new_key != old_key

    # Reminders carry the very links people hold, and a second invite of
    # the same register adds nobody.
    assert links(mognad("remind", "--round", rid, REGISTER, key=key).stdout) == sent
    assert links(mognad("invite", "--round", rid, REGISTER, key=key).stdout) == sent
    assert psql("SELECT count(*), md5(string_agg(token_hash::text, ',' ORDER BY id)) FROM invitations") == invited
    assert psql("SELECT md5(string_agg(pseudonym::text, ',' ORDER BY id)) FROM invitations") == pseudonyms

    # A link sent before the rotation opens the survey on a server with the new key.
    with Server(env={"MOGNAD_KEY_FILE": key}) as s:
        for link in sent.values():
            tok = link.rsplit("/s/", 1)[1]
            r = s.get("/s/" + tok)
            assert r.status == 303 and r.header("Location") == "/survey", r.status

    # A new round: links under the new key only.
    rid2 = mognad("round", "create", "--name", "After", "--opens", "2026-01-01", "--closes", "2099-01-01",
                  "--mode", "pseudonymous", "--unit", "REG", key=key).stdout.split()[-1]
    mognad("round", "open", rid2, key=key)
    fresh = links(mognad("invite", "--round", rid2, REGISTER, key=key).stdout)
    tokens = {l.rsplit("/s/", 1)[1].split("/")[0] for l in fresh.values()}
    assert invitation_token(new_key, rid2, "E1001") in tokens
    assert invitation_token(old_key, rid2, "E1001") not in tokens

    # Without the previous key (the old file lost), reminders could not
    # give the links people hold: what --rotate avoids.
    lost = read_keys(key)
    bare = os.path.join(TMP, "bare.key")
    with open(bare, "w") as f:
        f.write(f"token_key={lost['token_key'][0]}\npseudonym_key={lost['pseudonym_key'][0]}\n")
    os.chmod(bare, 0o600)
    r = mognad("remind", "--round", rid, REGISTER, key=bare)
    assert r.stdout.strip().splitlines() == ["email,link,language"], r.stdout


@test
def test_unit_links_survive_a_rotation():
    reset_db()
    mognad("survey", "load", os.path.join(TOP, "surveys/staff.json"), os.path.join(TOP, "surveys/manager.json"))
    psql("INSERT INTO units (code, name, path) VALUES ('REG', 'Region', '1')")
    key = keyfile("open.key")
    rid = mognad("round", "create", "--name", "Open", "--opens", "2026-01-01", "--closes", "2099-01-01",
                 "--mode", "open", "--unit", "REG", key=key).stdout.split()[-1]
    mognad("round", "open", rid, key=key)
    before = mognad("round", "links", rid, key=key).stdout
    mognad("keygen", "--rotate", key)
    assert mognad("round", "links", rid, key=key).stdout == before
    link = "/o/" + before.strip().splitlines()[1].rsplit("/o/", 1)[1]
    with Server(env={"MOGNAD_KEY_FILE": key}) as s:
        assert s.get(link).status == 303


run()
