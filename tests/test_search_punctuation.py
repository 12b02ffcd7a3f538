"""Search queries written with punctuation: abbreviations (สพฐ.), grades (ม.6), exam names
(O-NET) match what a reader means; punctuation alone matches nothing and raises nothing."""

from __future__ import annotations

import pytest

from archive import matches, search, store
from crawler.items import Article
from crawler.sources import Source

ARTICLES = {
    "grade": "นักเรียนชั้น ม.6 สอบ O-NET พร้อมกันทั่วประเทศ",
    "grade-spaced": "ผลสอบของนักเรียน ม. ๖ ปีนี้ดีขึ้น",
    "room": "ห้อง ม.6/1 ได้รางวัล",
    "more": "ศธ. เพิ่ม 6 โรงเรียนในโครงการ",  # ม closes เพิ่ม: no grade here
    "month": "ประชุมเดือน ม.ค. 2567 ที่ สพฐ.",
    "agency-word": "สำนักงาน สพฐ แถลงข่าว",  # no dot, still the agency
    "network": "ระบบ ONET และ o-network ของโรงเรียน",  # ONET: no hyphen, another spelling
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("punct") / "archive.db"
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="t", name="ทดสอบ", url="https://t.go.th/")])
    for key, body in ARTICLES.items():
        store.save_article(
            db, Article(url=f"https://t.go.th/{key}", source="t", title=key, body_text=body)
        )
    yield db
    db.close()


def found(db, query: str) -> set[str]:
    expression = search.match_expression(query)
    if not expression:
        return set()
    sql = (
        "select url from articles where rowid in"
        f" (select rowid from {search.INDEX} where {search.INDEX} match ?)"
    )
    return {row[0].rsplit("/", 1)[1] for row in db.execute(sql, [expression])}


def test_a_grade_is_not_the_end_of_another_word(db):
    assert found(db, "ม.6") == {"grade", "grade-spaced", "room"}
    assert found(db, "ม.6/1") == {"room"}


def test_an_exam_name_with_a_hyphen(db):
    # "o-network" contains "o-net", so a substring search finds it too; ONET does not.
    assert found(db, "O-NET") == found(db, "o-net") == {"grade", "network"}
    assert found(db, "O-NET ม.6") == {"grade"}


def test_an_abbreviation_with_or_without_its_dot(db):
    assert found(db, "สพฐ.") == {"month", "agency-word"}
    assert found(db, "สพฐ") == {"month", "agency-word"}
    assert found(db, "ม.ค.") == {"month"}


@pytest.mark.parametrize("query", [".", "...", "-", "/", "( )", '" "', "-- !!", "“ ”"])
def test_punctuation_alone_is_an_empty_result_not_an_error(db, query):
    assert search.match_expression(query) == ""
    assert search.match_expression(query, ranked=True) == ""
    assert found(db, query) == set()


def test_an_empty_expression_matches_nothing_in_the_kept_matches(tmp_path):
    path = tmp_path / "archive.db"
    store.open_db(path).close()
    assert len(matches.match(str(path), "").found) == 0


def ranked_found(db, query: str) -> set[str]:
    """Articles the ranked expression matches (it keeps the grams phrase beside the anchor)."""
    sql = (
        "select url from articles where rowid in"
        f" (select rowid from {search.INDEX} where {search.INDEX} match ?)"
    )
    expression = search.match_expression(query, ranked=True)
    return {row[0].rsplit("/", 1)[1] for row in db.execute(sql, [expression])}


@pytest.mark.parametrize("query", ["ม.6", "ม. 6", "ม.6/1", "O-NET", "o-net", "ม.6 สอบ"])
def test_an_anchor_ending_in_a_prefix_filters_alone(db, query):
    # The filtering expression leaves out the grams phrase of such a term (the anchor implies
    # it) and finds what the grams phrase and the anchor together find.
    for term in query.split():
        if search.anchor_phrase(term) and search.anchor_phrase(term).endswith("*"):
            assert "grams" not in search.term_expression(term)
            assert "grams" in search.term_expression(term, ranked=True)
    assert found(db, query) == ranked_found(db, query)


def test_a_closed_anchor_keeps_the_grams_phrase():
    # "ม.6." ends with its run: newmm's first word 6 does not say the run is 6 alone.
    assert "grams" in search.term_expression("ม.6.")
