"""The relevance page ranked on the index alone, then joined (archive/search_order.py): the
same rows in the same order as the view's ``order by relevance``, ties included."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from urllib.parse import quote

import pytest

from archive import matches, publish, search, search_order, store
from archive.sqlite import sqlite3
from crawler.items import Article
from tests.test_matches import by_whole_words
from tests.test_search import Source, sample_articles

COLUMNS = "id, title, source, published_at, month, fiscal_year, academic_year, url, removed_at"
PAGE = (
    f"select {COLUMNS}, relevance, search_index from article_search"
    " where search_index match :edunews_q order by relevance limit 51"
)
QUERIES = ["ครู", "กระทรวงศึกษาธิการ", "ป.1", "ครู สอบ", "สพฐ.", "2560", "ฮิปโปโปเตมัส"]


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    """The search sample three times over under other URLs: many equal scores (ties)."""
    path = tmp_path_factory.mktemp("search-order") / "archive.db"
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="thaigov", name="ทำเนียบรัฐบาล", url="https://x.go.th/")])
    for copy in range(3):
        for article in sample_articles():
            store.save_article(db, dataclasses.replace(article, url=f"{article.url}?copy={copy}"))
    db.close()
    return path


def view_rows(path, query: str, order: str, limit: int, offset: int) -> list[tuple]:
    """The rows of the view's own ``order by relevance`` (FTS5's rank)."""
    sql = (
        f"select {COLUMNS}, relevance from article_search where search_index match ?"
        f" order by relevance {order} limit {limit} offset {offset}"
    )
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, [search.match_expression(query, ranked=True)]).fetchall()


@pytest.fixture(params=["apart", "kept"])
def long_phrase(request, monkeypatch):
    """Every search ranked with its match matched apart, or ranked keeping its match
    (``matches.ranking``), as a long phrase is."""
    monkeypatch.setattr(search_order, "LONG_PHRASE", 10**6 if request.param == "apart" else 0)
    monkeypatch.setattr(matches, "WHOLE_WORDS", 10**6)  # bm25 as the view ranks, long terms too
    monkeypatch.setattr(matches, "ANCHOR_ALONE", False)  # and ป.1
    monkeypatch.setattr(search_order, "KEEP_ANCHORED", request.param == "kept")
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    return request.param


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("order", ["", "desc"])
def test_the_relevance_pages_rows_are_the_views_own(archive_path, query, order, long_phrase):
    ds = publish.datasette_app(archive_path, settings={"max_returned_rows": 1000})
    sort = "_sort_desc=relevance&" if order else ""
    windows = ((10, 0), (10, 10), (7, 14), (1000, 0), (10, 1000))  # the last past the end
    for size, offset in windows:
        path = (
            f"/edunews/article_search.json?{sort}_search={quote(query)}&_shape=arrays"
            f"&_size={size}&_col=" + "&_col=".join([*COLUMNS.split(", "), "relevance"])
        )
        if offset:
            path += f"&_next={offset}"
        response = asyncio.run(ds.client.get(path))
        assert response.status_code == 200, response.text[:500]
        found = [tuple(row) for row in response.json()["rows"]]
        assert found == view_rows(archive_path, query, order, size, offset), (query, size)


def test_ties_are_many_in_the_fixture(archive_path):
    scores = [row[-1] for row in view_rows(archive_path, "ครู", "", 1000, 0)]
    assert len(scores) - len(set(scores)) >= len(scores) // 2


def test_only_the_plain_relevance_page_is_rewritten():
    rewritten = search_order.by_score(PAGE)
    score = "bm25(search_index, 1.0, 8.0)"
    assert f"removed_at, {score} as relevance, search_index from" in rewritten
    assert rewritten.endswith(f"order by {score} limit 51")
    desc = search_order.by_score(PAGE.replace("limit 51", "desc limit 51 offset 50"))
    assert desc.endswith(f"order by {score} desc limit 51 offset 50")
    unchanged = [
        PAGE.replace("limit 51", "limit 51; drop table articles"),
        PAGE.replace("relevance, search_index", '"relevance", search_index'),
        PAGE.replace("match :edunews_q", "match :edunews_q and published_at >= :edunews_since"),
        PAGE.replace("from article_search", "from articles"),
        "select count(*) from article_search where search_index match :edunews_q",
    ]
    for sql in unchanged:
        assert search_order.by_score(sql) == sql


def test_only_the_plain_relevance_page_is_ranked_on_the_index_first():
    top = search_order.top_first(PAGE.replace("limit 51", "desc limit 51 offset 50"))
    assert top.limit == 51
    assert "order by 2 desc, rowid limit 101)" in top.sql
    assert top.sql.endswith("order by top.score desc, top.rowid limit 51 offset 50")
    assert (
        "a.removed_at as removed_at, top.score as relevance, top.search_index as search_index"
        in top.sql
    )
    unchanged = [
        PAGE.replace("limit 51", "limit 51; drop table articles"),
        PAGE.replace("relevance, search_index", '"relevance", search_index'),
        PAGE.replace("relevance, search_index", "relevance, body_text"),  # not the view's
        PAGE.replace("match :edunews_q", "match :edunews_q and published_at >= :edunews_since"),
        PAGE.replace("from article_search", "from articles"),
        "select count(*) from article_search where search_index match :edunews_q",
    ]
    for sql in unchanged:
        assert search_order.top_first(sql) is None


def page_statements(ds, monkeypatch, path: str) -> list[str]:
    """The page statements a request ran: the fast form, then the view's when it fell back."""
    ran = []

    def recorded(name: str):
        real = getattr(search_order, name)

        def call(sql):
            if search_order.PAGE.fullmatch(" ".join(sql.split())):
                ran.append(name)
            return real(sql)

        return call

    for name in ("top_first", "by_score"):
        monkeypatch.setattr(search_order, name, recorded(name))
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200
    return ran


def test_a_full_page_is_ranked_on_the_index_alone(archive_path, monkeypatch):
    ds = publish.datasette_app(archive_path)
    asyncio.run(ds.invoke_startup())
    asyncio.run(ds.invoke_startup())  # a second start does not wrap again
    full = "/edunews/article_search.json?_search=ครู&_size=10"  # 30 matches
    assert page_statements(ds, monkeypatch, full) == ["top_first"]
    last = "/edunews/article_search.json?_search=ครู&_size=10&_next=25"
    assert page_statements(ds, monkeypatch, last) == ["top_first", "by_score"]


def test_an_index_row_without_its_article_is_left_out_as_the_view_does(
    archive_path, tmp_path, monkeypatch, long_phrase
):
    """An article deleted outside store.py keeps its index row: the join drops it from
    ``top``, so the page comes up short and the view's own statement answers it."""
    path = tmp_path / "archive.db"
    shutil.copy(archive_path, path)
    query = "ครู"
    gone = [row[0] for order in ("", "desc") for row in view_rows(path, query, order, 2, 0)]
    with sqlite3.connect(path) as conn:  # the first two of each order
        conn.executemany("delete from articles where id = ?", [[id_] for id_ in gone])
    total = len(view_rows(path, query, "", 1000, 0))
    ds = publish.datasette_app(path, settings={"max_returned_rows": 1000})
    for sort in ("", "_sort_desc=relevance&"):
        order = "desc" if sort else ""
        for size, offset in ((10, 0), (10, 10), (5, 20)):
            columns = "&_col=" + "&_col=".join([*COLUMNS.split(", "), "relevance"])
            page = f"/edunews/article_search.json?{sort}_search={quote(query)}&_shape=arrays"
            page += f"&_size={size}&_next={offset}{columns}"
            assert "by_score" in page_statements(ds, monkeypatch, page)
            response = asyncio.run(ds.client.get(page))
            found = [tuple(row) for row in response.json()["rows"]]
            assert found == view_rows(path, query, order, size, offset)
            assert not set(gone) & {row[0] for row in found}
            more = offset + size < total
            assert response.json()["next"] == (str(offset + size) if more else None)


def test_a_long_phrase_is_matched_once_for_its_page_count_and_facets(archive_path, monkeypatch):
    """The ranking keeps every match: the count and facets take it, no second match runs."""
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    monkeypatch.setattr(matches, "WHOLE_WORDS", 10**6)  # ranked by bm25 over both phrases
    matched, ranked = [], []
    real_match, real_rank = matches._match_now, matches._rank_now
    monkeypatch.setattr(matches, "_match_now", lambda *a: matched.append(a) or real_match(*a))
    monkeypatch.setattr(matches, "_rank_now", lambda *a: ranked.append(a) or real_rank(*a))
    ds = publish.datasette_app(archive_path)
    asyncio.run(ds.invoke_startup())  # its warm-up search (ข่าว) is not this one
    matched.clear()
    query = "กระทรวงศึกษาธิการ"  # 15 grams
    assert search_order.long_phrase(search.match_expression(query))
    response = asyncio.run(ds.client.get(f"/edunews/article_search.json?_search={query}"))
    assert response.status_code == 200
    assert [a[1] for a in ranked][-1:] == [search.match_expression(query, ranked=True)]
    assert matched == []
    found = response.json()
    everything = view_rows(archive_path, query, "", 1000, 0)
    assert found["filtered_table_rows_count"] == len(everything) > 0
    by_source = {r["value"]: r["count"] for r in found["facet_results"]["source"]["results"]}
    assert by_source == {"thaigov": len(everything)}


def test_a_short_phrase_is_matched_apart_and_a_sorted_page_too(archive_path, monkeypatch):
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    ranked = []
    real_rank = matches._rank_now
    monkeypatch.setattr(matches, "_rank_now", lambda *a: ranked.append(a) or real_rank(*a))
    ds = publish.datasette_app(archive_path)
    asyncio.run(ds.invoke_startup())
    ranked.clear()
    for path in (
        "/edunews/article_search.json?_search=ครู",  # 1 gram
        "/edunews/article_search.json?_search=กระทรวงศึกษาธิการ&_sort=published_at",
    ):
        assert asyncio.run(ds.client.get(path)).status_code == 200
    assert ranked == []


def test_long_phrase_counts_the_grams_of_every_phrase():
    assert not search_order.long_phrase(search.match_expression("ครู"))
    assert not search_order.long_phrase(search.match_expression("ครู สอบ"))  # 1 + 1 grams
    assert search_order.long_phrase(search.match_expression("ครู ภาษาอังกฤษ"))  # 1 + 5 grams
    assert search_order.long_phrase(search.match_expression("ทุนการศึกษา"))


def test_a_prefix_anchor_is_kept_as_a_long_phrase():
    """ป.1's words anchor ends in a one-digit prefix, costly to match again; ศธ's prefix is
    one token of two letters, cheap to match."""
    for query in ("ป.1", "ม.6", "O-NET", "ครู ป.1"):
        assert search_order.long_phrase(search.match_expression(query)), query
    for query in ("ศธ", "ปี", "ครู ศธ", "สพฐ."):
        assert not search_order.long_phrase(search.match_expression(query)), query


LONG_TERM = "internationalization"  # 18 grams: ranked by its whole words (matches.WHOLE_WORDS)


@pytest.fixture(scope="module")
def letters_inside(tmp_path_factory):
    """A long term once as a word in a very long article, and ten times inside a longer
    word in a short one (where bm25 over its letters and words put the short one first)."""
    path = tmp_path_factory.mktemp("whole-words") / "archive.db"
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="thaigov", name="ทำเนียบรัฐบาล", url="https://x.go.th/")])
    texts = {
        "whole": ("ข่าวการประชุมครูทั่วประเทศ " * 1500) + f" {LONG_TERM} แถลง",
        "inside": " ".join([f"x{LONG_TERM}x"] * 10),
        **{f"other{n}": "นักเรียนสอบ " * 5 for n in range(30)},
    }
    for name, body in texts.items():
        article = Article(
            url=f"https://x.go.th/{name}", source="thaigov", title="ข่าว", body_text=body,
            published_at="2019-08-22",
        )  # fmt: skip
        store.save_article(db, article)
    db.close()
    return path


@pytest.mark.parametrize("whole_words", [12, 10**6])
def test_a_long_terms_whole_words_come_first(letters_inside, monkeypatch, whole_words):
    """Ranked by its whole words: the article holding the word first, at its words phrase's
    bm25; the one holding its letters inside a longer word after it, at relevance 0; the
    same count either way. By bm25 over both phrases (the other way) the short one led."""
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    monkeypatch.setattr(matches, "WHOLE_WORDS", whole_words)
    ds = publish.datasette_app(letters_inside)
    response = asyncio.run(
        ds.client.get(f"/edunews/article_search.json?_search={LONG_TERM}&_shape=objects")
    )
    assert response.status_code == 200
    found = response.json()
    rows = [(r["url"].rsplit("/", 1)[1], r["relevance"]) for r in found["rows"]]
    assert found["filtered_table_rows_count"] == 2
    if whole_words > 100:
        assert [name for name, _ in rows] == ["inside", "whole"]
        return
    words = f'words : "{LONG_TERM}"'
    with sqlite3.connect(letters_inside) as conn:
        score = conn.execute(
            f"select bm25({search.INDEX}, 1.0, 8.0) from {search.INDEX}"
            f" where {search.INDEX} match ?",
            [words],
        ).fetchone()[0]
    assert rows == [("whole", score), ("inside", 0.0)]


@pytest.mark.parametrize("order", ["", "desc"])
@pytest.mark.parametrize(
    ("archive", "query"),
    [("archive_path", "กระทรวงศึกษาธิการ"), ("archive_path", "4.0"), ("letters_inside", LONG_TERM)],
)
def test_a_long_terms_pages_are_windows_of_its_whole_words_ranking(request, archive, query, order):
    """A long term's relevance pages (ranked by its whole words) at every window: the rows
    of ``matches.whole_words``' order, as defined in SQL (its letters inside a longer word
    at relevance 0 in ``letters_inside``)."""
    archive_path = request.getfixturevalue(archive)
    ranked, plain = search.match_expression(query, ranked=True), search.match_expression(query)
    assert matches.whole_words(ranked) is not None
    expected = by_whole_words(str(archive_path), ranked, plain, f" {order}" if order else "")
    with sqlite3.connect(archive_path) as conn:
        ids = dict(conn.execute("select rowid, id from articles"))
    expected = [(ids[rowid], score) for rowid, score in expected]
    ds = publish.datasette_app(archive_path, settings={"max_returned_rows": 1000})
    sort = "_sort_desc=relevance&" if order else ""
    for size, offset in ((10, 0), (10, 10), (7, 14), (1, 0), (1, 1), (1000, 0), (10, 1000)):
        path = (
            f"/edunews/article_search.json?{sort}_search={quote(query)}&_shape=arrays"
            f"&_size={size}&_col=id&_col=relevance"
        )
        if offset:
            path += f"&_next={offset}"
        response = asyncio.run(ds.client.get(path))
        assert response.status_code == 200, response.text[:500]
        found = [tuple(row) for row in response.json()["rows"]]
        assert found == expected[offset : offset + size], (size, offset)
