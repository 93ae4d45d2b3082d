"""The respondent's pages: links, cookies, languages, pages, validation, drafts."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import Server, psql, run, test  # noqa: E402
from respondent import Browser, choices_on, fixture, items_on, mognad, open_link  # noqa: E402,F401


@test
def test_link_becomes_cookie_and_redirect_without_logging_the_token():
    rid = fixture()
    link = open_link(rid)
    with Server() as s:
        b = Browser(s)
        r = b.get(link)
        assert r.status == 303 and r.header("Location") == "/survey"
        cookies = [v for k, v in r.headers if k.lower() == "set-cookie"]
        session = [c for c in cookies if c.startswith("mognad_r=")][0]
        assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/" in session
        assert r.header("Referrer-Policy") == "no-referrer"
        r = b.get("/survey")
        assert r.status == 200 and "<h1>Digital kompetens i arbetet</h1>" in r.text
        token = link.rsplit("/", 1)[1]
        assert token not in s.log() and "GET /o/{token}" in s.log()
    stored = psql("SELECT count(*) FROM respondent_sessions")[0][0]
    assert stored == "1"


@test
def test_bad_and_closed_links_get_friendly_pages():
    rid = fixture()
    link = open_link(rid)
    with Server() as s:
        r = s.get("/o/" + "A" * 43)
        assert r.status == 404 and "Länken fungerar inte" in r.text
        r = s.get("/s/short")
        assert r.status == 404 and '<html lang="sv">' in r.text
        r = s.get("/survey", headers={"Accept-Language": "en"})
        assert r.status == 401 and "Open the survey with your link" in r.text
        mognad("round", "close", rid)
        r = s.get(link)
        assert r.status == 410 and "Enkäten är stängd" in r.text


@test
def test_languages_follow_accept_language_and_the_switch():
    rid = fixture()
    link = open_link(rid)
    with Server() as s:
        b = Browser(s, lang="nn-NO,nn;q=0.9,en;q=0.5")
        b.get(link)
        r = b.get("/survey")
        assert '<html lang="nn">' in r.text and "Digital kompetanse i arbeidet" in r.text
        assert 'hreflang="sv"' in r.text and 'aria-current="true">Norsk nynorsk' in r.text
        r = b.get("/survey?lang=nb")
        assert '<html lang="nb">' in r.text and b.cookies.get("mognad_lang") == "nb"
        r = b.get("/survey/page/1")
        assert '<html lang="nb">' in r.text, "the choice is remembered"
        b2 = Browser(s, lang="no")
        b2.get(link)
        assert '<html lang="nb">' in b2.get("/survey").text
        b3 = Browser(s, lang="de-DE")
        b3.get(link)
        assert '<html lang="sv">' in b3.get("/survey").text, "the round's language when none fits"


@test
def test_pages_validate_keep_answers_and_show_an_error_summary():
    rid = fixture()
    link = open_link(rid)
    with Server() as s:
        b = Browser(s, lang="en")
        b.get(link)
        page = b.get("/survey/page/1").text
        assert re.search(r"<fieldset class=\"question\" id=\"q-[a-z_]+\">\s*<legend>", page)
        assert 'type="radio"' in page and '<label class="option">' in page
        items = items_on(page)
        assert len(items) >= 3
        csrf = b.csrf(page)
        # Missing answers: 422, an error summary linking to each question.
        first = choices_on(page)[items[0]][1]
        r = b.post("/survey/page/1", {"csrf": csrf, "nav": "next", "a." + items[0]: first})
        assert r.status == 422, r.status
        assert 'class="error-summary" role="alert"' in r.text
        for key in items[1:]:
            assert f'href="#q-{key}"' in r.text and f'id="err-{key}"' in r.text
        assert f'value="{first}" checked' in r.text, "the answer given is kept"
        # A value out of range, an item of another page, a made-up item: 400, nothing stored.
        before = psql("SELECT draft::text FROM respondent_sessions")[0][0]
        for field, value in [("a." + items[0], "9"), ("a." + items[0], "dk' OR 1=1"),
                             ("a.safety_passwords", "2"), ("a.no_such_item", "1")]:
            r = b.post("/survey/page/1", {"csrf": csrf, "nav": "next", field: value})
            assert r.status == 400, (field, value, r.status)
            assert "dk' OR" not in r.text, "echoed input is escaped"
        assert psql("SELECT draft::text FROM respondent_sessions")[0][0] == before
        # Without the form token: refused.
        r = b.post("/survey/page/1", {"nav": "next", "a." + items[0]: "3"})
        assert r.status == 403
        # All answered: on to page 2; Back keeps answers.
        fields = {"csrf": csrf, "nav": "next"}
        fields.update({"a." + k: v[-1] if v[-1] != "dk" else v[0] for k, v in choices_on(page).items()})
        r = b.post("/survey/page/1", fields)
        assert r.status == 303 and r.header("Location") == "/survey/page/2"
        r = b.post("/survey/page/2", {"csrf": csrf, "nav": "back"})
        assert r.status == 303 and r.header("Location") == "/survey/page/1"
        page = b.get("/survey/page/1").text
        assert page.count("checked") == len(items)
        # respond.js autosave: 204, stored.
        p2 = choices_on(b.get("/survey/page/2").text)
        k2 = next(iter(p2))
        r = b.post("/survey/page/2", {"csrf": csrf, "nav": "save", "a." + k2: p2[k2][0]})
        assert r.status == 204
        assert psql("SELECT jsonb_typeof(draft->'answers') FROM respondent_sessions")[0][0] == "object"
        n = int(psql("SELECT count(*) FROM jsonb_object_keys((SELECT draft->'answers' FROM respondent_sessions))")[0][0])
        assert n == len(items) + 1


@test
def test_round_not_yet_open_says_when():
    fixture(opens="2098-01-01", closes="2098-02-01")
    psql("UPDATE rounds SET state = 'open'")
    link = open_link(psql("SELECT id FROM rounds")[0][0])
    psql("UPDATE rounds SET state = 'scheduled'")
    with Server() as s:
        b = Browser(s, lang="sv")
        assert b.get(link).status == 303
        r = b.get("/survey")
        assert r.status == 200 and "Du kan svara från och med 2098-01-01" in r.text


@test
def test_accessibility_statement_in_every_language():
    with Server() as s:
        for lang, words in [("sv", "Rapportera ett problem"), ("nb", "Meld fra om et problem"),
                            ("nn", "Meld frå om eit problem"), ("en", "Report a problem")]:
            r = s.get("/accessibility?lang=" + lang)
            assert r.status == 200 and f'<html lang="{lang}">' in r.text and words in r.text
        with Server(env={"MOGNAD_ACCESSIBILITY_CONTACT": "digital@region.example <script>"}) as s2:
            r = s2.get("/accessibility?lang=en")
            assert "digital@region.example &lt;script&gt;" in r.text


if __name__ == "__main__":
    run()
