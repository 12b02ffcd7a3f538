"""Thai full-text search: substring recall, whole-word ranking, digits, re-indexing."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from archive import search, segment, store
from crawler.items import Article
from crawler.sources import Source
from crawler.thai.text import searchable_text

DATA = Path(__file__).parent / "data"

# Hand-made articles whose matches are known exactly: key -> (title, body).
CRAFTED = {
    "whole": ("ผลการสอบ O-NET ปีการศึกษา ๒๕๖๗", "นักเรียนทั่วประเทศร่วมกิจกรรม\nศธ. ประกาศผลวันนี้"),
    # Four times the letters of สอบ, never the word: plain letter-pair bm25 would rank it first.
    "inside": ("ตรวจสอบงบประมาณ", "สตง. ตรวจสอบ ตรวจสอบการใช้งบประมาณ ปี 2567\nผู้ตรวจสอบรายงาน"),
    "latin": ("Thailand 4.0 กับ STEM Education", "โครงการ Stem ศึกษาในโรงเรียน"),
    "boundary": ("ประชุมที่เชียงใหม่", "ศึกษาธิการจังหวัดเชียงใหม่ประชุมครูทั้งจังหวัด"),
}
SAME_DAY = "2019-08-22"  # ties in the default sort: pages must still be complete


def url(key: str) -> str:
    return f"https://www.example.go.th/news/{key}"


def sample_articles() -> list[Article]:
    with (DATA / "search-sample.jsonl").open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return [
        Article(
            url=r["source_url"],
            source="thaigov",
            title=r["title"],
            body_text=r["body"],
            published_at=r["date"],
        )
        for r in records
    ]


def crafted_articles() -> list[Article]:
    return [
        Article(url=url(key), source="thaigov", title=title, body_text=body, published_at=SAME_DAY)
        for key, (title, body) in CRAFTED.items()
    ]


def build(path: Path):
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="thaigov", name="ทำเนียบรัฐบาล", url="https://x.go.th/")])
    for article in crafted_articles() + sample_articles():
        store.save_article(db, article)
    return db


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db = build(tmp_path_factory.mktemp("search") / "archive.db")
    yield db
    db.close()


def found(db, query: str) -> set[str]:
    expression = search.match_expression(query)
    if not expression:  # nothing searchable: the Datasette plugin returns no rows
        return set()
    sql = (
        "select url from articles where rowid in"
        f" (select rowid from {search.INDEX} where {search.INDEX} match ?)"
    )
    return {row[0] for row in db.execute(sql, [expression])}


def crafted_found(db, query: str) -> set[str]:
    return {key for key in CRAFTED if url(key) in found(db, query)}


def ranked(db, query: str) -> list[str]:
    sql = f"select url from {search.VIEW} where search_index match ? order by relevance"
    return [row[0] for row in db.execute(sql, [search.match_expression(query, ranked=True)])]


def scan(db, query: str) -> set[str]:
    """The ground truth: every term is a substring of the searchable text."""
    terms = [searchable_text(t).lower() for t in query.split()]
    rows = db.execute("select url, title, body_text from articles").fetchall()
    texts = {u: searchable_text(f"{t}\n{b}").lower() for u, t, b in rows}
    return {u for u, text in texts.items() if all(term in text for term in terms)}


def test_grams_give_every_character_a_token():
    assert search.grams("ครูใหญ่ ศธ.") == "ครู รูใ ูให ใหญ หญ่ ญ่ ่ ศธ ธ"
    assert search.term_grams("ครูใหญ่") == (["ครู", "รูใ", "ูให", "ใหญ", "หญ่"], False)
    assert search.term_grams("ศธ") == (["ศธ"], True)  # a prefix: ศธ inside ศธ.xxx too
    assert search.term_grams("ม.ค.") == (["ม", "ค"], False)
    assert search.runs("Thailand 4.0") == ["thailand", "4", "0"]


def test_two_character_words(db):
    assert crafted_found(db, "ปี") == {"whole", "inside"}
    assert crafted_found(db, "ศธ") == {"whole"}
    assert crafted_found(db, "งบ") == {"inside"}


def test_query_across_word_boundaries(db):
    assert crafted_found(db, "ธิการจังหวัดเชียง") == {"boundary"}
    assert crafted_found(db, "ใหม่ประชุมครู") == {"boundary"}


def test_thai_and_arabic_digits_find_each_other(db):
    assert crafted_found(db, "2567") == {"whole", "inside"}
    assert crafted_found(db, "๒๕๖๗") == {"whole", "inside"}


def test_latin_is_case_insensitive(db):
    for query in ("stem", "STEM", "Stem", "THAILAND 4.0"):
        assert crafted_found(db, query) == {"latin"}, query


def test_space_separated_terms_are_anded(db):
    assert crafted_found(db, "ครู เชียงใหม่") == {"boundary"}
    assert crafted_found(db, "ครู สตง") == set()


def test_single_character_and_punctuation(db):
    assert "inside" in crafted_found(db, "ต")
    assert search.match_expression("... -- !!") == ""


def test_fts_syntax_in_queries_is_inert(db):
    for query in ('"', "ครู OR", "NEAR(ครู", "ครู*", "a:b", "^ครู"):
        found(db, query)  # must not raise an FTS5 syntax error


def test_whole_word_ranks_above_word_inside_longer_word(db):
    order = ranked(db, "สอบ")
    assert order.index(url("whole")) < order.index(url("inside"))


def test_recall_matches_substring_scan_for_query_set(db):
    queries = [q for q in (DATA / "search-queries.txt").read_text("utf-8").splitlines()]
    queries = [q for q in queries if q.strip() and not q.startswith("#")]
    assert len(queries) >= 50
    for query in queries:
        truth = scan(db, query)
        assert truth <= found(db, query), query
        if all(search.runs(t) == [searchable_text(t).lower()] for t in query.split()):
            assert found(db, query) == truth, query  # exact when no punctuation is involved


def test_update_reindexes_the_same_row(tmp_path, index_kind):
    db = build(tmp_path / "archive.db")
    assert search.deletes_by_rowid(db) == (index_kind == "by_rowid")
    edited = Article(url=url("latin"), source="thaigov", title="ข่าวแก้ไข", body_text="ภูเก็ตใหม่")
    assert store.save_article(db, edited) == "updated"
    assert crafted_found(db, "stem") == set()
    assert crafted_found(db, "ภูเก็ตใหม่") == {"latin"}
    if index_kind == "old_text":
        assert db.execute(f"select count(*) from {search.PENDING}").fetchone()[0] == 0
    db.execute(f"insert into {search.INDEX}({search.INDEX}) values ('integrity-check')")
    assert store.save_article(db, edited) == "unchanged"
    assert crafted_found(db, "ภูเก็ตใหม่") == {"latin"}


def test_rebuild_restores_the_same_results(tmp_path):
    db = build(tmp_path / "archive.db")
    before = found(db, "โรงเรียน")
    assert search.rebuild(db) == db["articles"].count
    assert found(db, "โรงเรียน") == before


@pytest.mark.parametrize(
    "text",
    ["ข่าว ๑๒ ABC_d-e!", "Ça\u0301 va? İ", "a\ud800b ข่าว", "😀ข่าว𝐀x", "", "__", "กำ\u0e4d\u0e48x_y"],
)
def test_runs_by_table_are_the_regex_runs(text):
    assert search.normalised_runs(text) == search._RUN.findall(text.lower())


@pytest.mark.parametrize(
    "text",
    ["ข่าว ๑๒ ABC_d-e!", "Ça\u0301 va? İ", "😀ข่าว𝐀x", "", "__", "a b cd", "กำ\u0e4d\u0e48x_y"],
)
def test_grams_of_all_runs_at_once_are_each_runs_grams(text):
    text_runs = search.runs(text)
    assert search.grams_of(text_runs) == " ".join(g for r in text_runs for g in search.run_grams(r))


def test_grams_of_random_runs():
    rng = random.Random(7)
    for _ in range(500):
        text_runs = ["".join(rng.choices("กขคำ่abc12😀", k=rng.randint(1, 7))) for _ in range(4)]
        text_runs = text_runs[: rng.randint(0, 4)]
        expected = " ".join(g for r in text_runs for g in search.run_grams(r))
        assert search.grams_of(text_runs) == expected
    assert search.grams_of(["a\ud800b"]) == "a\ud800b \ud800b b"  # not encodable: per run


def test_plain_runs_skip_nlpo3_with_the_same_words():
    """Up to PLAIN_MAX; beyond (safe mode cuts from 140 on) nlpo3 is asked."""
    rng = random.Random(5)
    for n in [*range(1, 30), 119, 120, 121, 139, 140, 150, 200]:
        for alphabet in (string.ascii_lowercase, string.ascii_letters, string.digits):
            run = "".join(rng.choices(alphabet, k=n))
            direct = segment.nlpo3_segmenter(safe=True)(run)
            assert segment.words(run) == direct


def test_the_segmenter_calls_nlpo3_as_its_wrapper_does():
    """Runs go to nlpo3's binding without its Python wrapper: the same words, and none
    for an empty text (which the wrapper answers itself)."""
    import nlpo3

    name = segment._dictionary()
    texts = ["", "ก", "การศึกษาขั้นพื้นฐาน", "ครูผู้ช่วย2567", "abc", "สพฐ" * 60, "ํา่ัี"]
    for safe in (True, False):
        for text in texts:
            assert segment.nlpo3_segmenter(safe)(text) == nlpo3.segment(text, name, safe)


def test_run_words_as_joined_before():
    search.run_words.cache_clear()
    text = " ".join(" ".join(pair) for pair in CRAFTED.values())
    for run in search.runs(text) + ["abc", "2567", "ม"]:
        expected = " ".join(w for w in segment.words(run) if w.strip())
        assert search.run_words(run) == expected
