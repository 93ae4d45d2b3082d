"""Review, submit and the personal profile: the stored response, idempotent
submits, closed rounds, and what the session keeps afterwards."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../lib"))
from mgtest import Server, psql, run, test  # noqa: E402
from respondent import ITEMS, SURVEY, Browser, answer_all, best, fixture, open_link, worst  # noqa: E402

def counts():
    return psql("SELECT (SELECT count(*) FROM responses), (SELECT count(*) FROM response_answers), "
                "(SELECT count(*) FROM response_area_scores)")[0]


def assert_aggregates_match():
    """The kept aggregates equal what the response rows give now."""
    kept = psql("""SELECT round_id, unit_id, role, area_key, sum(n), sum(sum), sum(sumsq) FROM agg_scores
                   GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4""")
    fresh = psql("""SELECT round_id, unit_id, role, area_key, count(*), sum(score), sum(score * score) FROM (
                      SELECT p.round_id, p.unit_id, p.role, a.area_key, a.score FROM responses p
                      JOIN response_area_scores a ON a.response_id = p.id
                      UNION ALL SELECT round_id, unit_id, role, '*', index_score FROM responses
                      WHERE index_score IS NOT NULL) x GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""")
    assert kept == fresh, (kept, fresh)
    kept = psql("SELECT round_id, unit_id, role, sum(n) FROM agg_responses GROUP BY 1, 2, 3 "
                "HAVING sum(n) <> 0 ORDER BY 1, 2, 3")
    fresh = psql("SELECT round_id, unit_id, role, count(*) FROM responses GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
    assert kept == fresh, (kept, fresh)


@test
def test_open_round_submit_stores_scores_and_shows_the_profile_once():
    rid = fixture()
    with Server() as s:
        b = Browser(s, lang="en")
        b.get(open_link(rid))
        csrf = answer_all(b, best)
        review = b.get("/survey/review")
        assert review.status == 200 and "Check your answers" in review.text
        assert "Not answered" not in review.text
        assert review.text.count("<dt>") == len(ITEMS)
        r = b.post("/survey/submit", {"csrf": csrf})
        assert r.status == 200, r.status
        assert "Your competence profile" in r.text and "<strong>100</strong> / 100" in r.text
        assert 'role="img"' in r.text and "<table class=\"profile\">" in r.text
        assert "only shown now" in r.text, "anonymous-style note for an open round"
        n_areas = len(SURVEY["areas"])
        assert counts() == [str(1), str(len(ITEMS)), str(n_areas)]
        row = psql("SELECT index_score, level, pseudonym IS NULL, channel, submitted_on = current_date, "
                   "role FROM responses")[0]
        assert row == ["100.000", "specialised", "t", "web", "t", "staff"]
        assert psql("SELECT count(*) FROM response_answers WHERE score <> 100")[0][0] == "0"
        # The session keeps nothing of the response.
        assert psql("SELECT draft::text FROM respondent_sessions")[0][0] == '{"submitted": true}'
        # Submitting again (a double click, a reload) stores nothing more.
        r = b.post("/survey/submit", {"csrf": csrf})
        assert r.status == 200 and "Thank you" in r.text
        assert b.get("/survey/page/1").text.count("Thank you") >= 1
        assert b.get("/survey/profile").status == 200
        assert counts()[0] == "1"
        # A new visitor with the same unit link answers again (open mode).
        b2 = Browser(s, lang="sv")
        b2.get(open_link(rid))
        csrf2 = answer_all(b2, worst)
        r = b2.post("/survey/submit", {"csrf": csrf2})
        assert r.status == 200 and "Din kompetensprofil" in r.text
        assert "Förslag för dig" in r.text
        assert counts()[0] == "2"
        assert psql("SELECT min(index_score), min(level) FROM responses")[0] == ["0.000", "foundation"]
        assert_aggregates_match()


@test
def test_submit_with_missing_answers_shows_them_and_stores_nothing():
    rid = fixture()
    with Server() as s:
        b = Browser(s, lang="nn")
        b.get(open_link(rid))
        skipped = list(ITEMS)[3]
        csrf = answer_all(b, best, skip={skipped})
        r = b.post("/survey/submit", {"csrf": csrf})
        assert r.status == 422
        assert 'class="error-summary"' in r.text and "1 spørsmål er ikkje svara på" in r.text
        assert f'id="q-{skipped}" class="missing"' in r.text
        assert counts()[0] == "0"
        # Without the form token: refused, nothing stored.
        assert b.post("/survey/submit", {}).status == 403
        assert counts()[0] == "0"


@test
def test_submit_after_close_is_gone_and_stores_nothing():
    rid = fixture()
    with Server() as s:
        b = Browser(s, lang="en")
        b.get(open_link(rid))
        csrf = answer_all(b, best)
        psql(f"UPDATE rounds SET state = 'closed' WHERE id = {rid}")
        r = b.post("/survey/submit", {"csrf": csrf})
        assert r.status == 410 and "closed" in r.text
        assert counts()[0] == "0"


@test
def test_profile_scores_follow_the_rules():
    """Mixed answers: the stored area scores are the means the README
    defines, worked out here from the survey file."""
    rid = fixture()
    with Server() as s:
        b = Browser(s, lang="en")
        b.get(open_link(rid))
        # Alternate best and worst answers, item by item.
        order = {k: i for i, k in enumerate(ITEMS)}
        csrf = answer_all(b, lambda k, o: best(k, o) if order[k] % 2 == 0 else worst(k, o))
        assert b.post("/survey/submit", {"csrf": csrf}).status == 200
    expected = {}
    for area in SURVEY["areas"]:
        keys = [k for k, i in ITEMS.items() if i["area"] == area["key"]]
        scores = [100.0 if order[k] % 2 == 0 else 0.0 for k in keys]
        expected[area["key"]] = sum(scores) / len(scores)
    got = {k: float(v) for k, v in psql("SELECT area_key, score FROM response_area_scores")}
    assert got.keys() == expected.keys()
    for k in expected:
        assert abs(got[k] - round(expected[k], 3)) < 1e-9, (k, got[k], expected[k])
    weights = {a["key"]: a["weight"] for a in SURVEY["areas"] if a["scope"] == "individual"}
    index = sum(weights[k] * expected[k] for k in weights) / sum(weights.values())
    assert abs(float(psql("SELECT index_score FROM responses")[0][0]) - round(index, 3)) < 1e-9
    assert_aggregates_match()


if __name__ == "__main__":
    run()
