"""The relevance page ordered by the rank function itself (archive/search_order.py): the same
rows in the same order as the view's ``order by relevance``, ties included."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import quote

import pytest

from archive import publish, search, search_order, store
from archive.sqlite import sqlite3
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


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("order", ["", "desc"])
def test_the_relevance_pages_rows_are_the_views_own(archive_path, query, order):
    ds = publish.datasette_app(archive_path, settings={"max_returned_rows": 1000})
    sort = "_sort_desc=relevance&" if order else ""
    for size, offset in ((10, 0), (10, 10), (7, 14), (1000, 0)):
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


def test_the_page_statement_runs_rewritten_once(archive_path, monkeypatch):
    ds = publish.datasette_app(archive_path)
    asyncio.run(ds.invoke_startup())
    asyncio.run(ds.invoke_startup())  # a second start does not wrap again
    ran = []
    real = search_order.by_score
    monkeypatch.setattr(search_order, "by_score", lambda sql: ran.append(sql) or real(sql))
    response = asyncio.run(ds.client.get("/edunews/article_search.json?_search=ครู"))
    assert response.status_code == 200
    pages = [sql for sql in ran if search_order.PAGE.fullmatch(" ".join(sql.split()))]
    assert len(pages) == 1
