"""The Datasette publication, through Datasette's own test client."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil

import pytest

from archive import publish, store
from archive.sqlite import sqlite3
from crawler.items import Article
from tests.test_search import SAME_DAY, build, found, url

HOSTILE = Article(
    url=url("hostile"),
    source="thaigov",
    title="<script>alert('title')</script> ข่าวทดสอบ",
    body_text="<script>alert('body')</script>\n<img src=x onerror=alert(1)> ย่อหน้าที่สอง",
    published_at="2020-01-01",
)
PARAGRAPHS = Article(
    url=url("paragraphs"),
    source="thaigov",
    title="ข่าวสามย่อหน้า",
    body_text="ย่อหน้าแรกของข่าว\nย่อหน้าที่สอง & ต่อ\nย่อหน้าสุดท้าย",
    published_at="2030-01-01",  # the newest: first in the default sort
)
PAGE = 5  # small pages, so a CSV of a search needs several of them
TIED = "ข่าวโรงเรียนวันเดียวกัน"  # in 12 articles of one day: page breaks fall inside the tie
CRAFTED_ONLY = "url__startswith=https://www.example.go.th/"  # fewer than PAGE rows match


def tied_articles() -> list[Article]:
    return [
        Article(url=url(f"tie{n}"), source="thaigov", title=f"{TIED} {n}", published_at=SAME_DAY)
        for n in range(12)
    ]


# Migration 0007's indexes put the search plugin on its fast path; an archive without them
# (as before 0007) takes the slow path, which must give the same answers.
WITHOUT_LISTING_INDEXES = [
    "drop index if exists idx_articles_published_at_id",
    "drop index if exists idx_articles_month",
    "create index idx_articles_published_at on articles(published_at)",
]


def small_pages(path):
    return publish.datasette_app(path, {"max_returned_rows": PAGE, "default_page_size": PAGE})


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("publish") / "archive.db"
    db = build(path)
    for article in (HOSTILE, PARAGRAPHS, *tied_articles()):
        store.save_article(db, article)
    db.close()
    return path


@pytest.fixture(scope="module")
def ds(archive_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("slow") / "archive.db"
    shutil.copy(archive_path, path)
    with sqlite3.connect(path) as conn:
        for sql in WITHOUT_LISTING_INDEXES:
            conn.execute(sql)
    return small_pages(path)


@pytest.fixture(scope="module")
def fast_ds(archive_path):
    return small_pages(archive_path)


def get(ds, path: str):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, (path, response.text[:500])
    return response


def rows(ds, path: str) -> list[dict]:
    joiner = "&" if "?" in path else "?"
    return get(ds, f"{path}{joiner}_shape=array&_size=max").json()


def article_id(ds, article: Article) -> str:
    return rows(ds, f"/edunews/articles.json?url={article.url}")[0]["id"]


def test_index_and_database_pages_show_titles_and_licences(ds):
    html = get(ds, "/").text + get(ds, "/edunews").text
    for expected in ("คลังข่าวการศึกษาไทย", "Thai education news", "Apache-2.0", "B.E. 2537"):
        assert expected in html


def test_every_column_has_a_description(ds):
    db = ds.get_database("edunews")
    for table in ("articles", "sources", "images", "attachments", "crawl_runs"):
        columns = asyncio.run(db.table_columns(table))
        assert set(ds.table_metadata("edunews", table)["columns"]) == set(columns), table
    columns = asyncio.run(db.table_columns("crawl_run_sources"))
    assert set(ds.table_metadata("edunews", "crawl_run_sources")["columns"]) == set(columns)


def test_search_box_is_shown_and_filled(ds):
    html = get(ds, "/edunews/articles?_search=ศธ").text
    assert 'name="_search" value="ศธ"' in html
    assert "sort by relevance" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ศธ", {"whole"}),
        ("ปี", {"whole", "inside"}),
        ("ธิการจังหวัดเชียง", {"boundary"}),
        ("๒๕๖๗", {"whole", "inside"}),
        ("stem", {"latin"}),
        ("ครู เชียงใหม่", {"boundary"}),
    ],
)
def test_search_finds_thai_rows(ds, query, expected):
    found = {r["url"] for r in rows(ds, f"/edunews/articles.json?_search={query}&{CRAFTED_ONLY}")}
    assert {key for key in expected | {"whole", "inside", "latin"} if url(key) in found} == expected


def test_relevance_view_ranks_whole_words_first(ds):
    order = [r["url"] for r in rows(ds, f"/edunews/article_search.json?_search=สอบ&{CRAFTED_ONLY}")]
    assert order.index(url("whole")) < order.index(url("inside"))


def test_default_sort_is_newest_first_with_facets(ds):
    data = get(ds, "/edunews/articles.json").json()
    assert data["rows"][0][data["columns"].index("url")] == PARAGRAPHS.url
    assert {"source", "month"} <= set(data["facet_results"])


@pytest.mark.parametrize("schema", ["ds", "fast_ds"])
def test_pages_of_a_search_are_complete_and_newest_first(request, schema):
    ds = request.getfixturevalue(schema)
    path, seen = f"/edunews/articles.json?_search={TIED}&_col=url&_col=published_at", []
    while path:
        data = get(ds, path).json()
        seen += [(row[2] or "", row[1]) for row in data["rows"]]
        path = data["next_url"] and data["next_url"].split("localhost", 1)[-1]
    expected = urls(ds, TIED)
    assert len(expected) > 2 * PAGE
    assert sorted(u for _, u in seen) == sorted(expected)  # each once, none missing
    assert [date for date, _ in seen] == sorted((date for date, _ in seen), reverse=True)


def test_punctuation_only_search_finds_nothing(ds):
    assert rows(ds, "/edunews/articles.json?_search=...") == []


def urls(ds, query: str) -> set[str]:
    db = store.open_db(ds.get_database("edunews").path)
    try:
        return found(db, query)
    finally:
        db.close()


def excel_rows(content: bytes) -> list[list[str]]:
    """Read a CSV the way Excel does: a UTF-8 BOM switches it to UTF-8."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("schema", "table"), [("ds", "articles"), ("fast_ds", "articles"), ("ds", "article_search")]
)
def test_csv_of_a_search_is_complete_and_opens_in_excel(request, schema, table):
    ds = request.getfixturevalue(schema)
    query = TIED
    count = get(ds, f"/edunews/{table}.json?_search={query}").json()["filtered_table_rows_count"]
    assert count > PAGE
    content = get(ds, f"/edunews/{table}.csv?_search={query}&_size=max&_stream=1").content
    header, *body = excel_rows(content)
    assert header[0] == "id"
    assert len(body) == count
    assert sorted(row[header.index("url")] for row in body) == sorted(u for u in urls(ds, query))
    assert any(TIED in cell for row in body for cell in row)


def test_article_page_shows_paragraphs(ds):
    html = get(ds, f"/edunews/articles/{article_id(ds, PARAGRAPHS)}").text
    body = html.split('<div class="edunews-body">', 1)[1].split("</div>", 1)[0]
    assert body.count("<p>") == 3
    assert "<p>ย่อหน้าที่สอง &amp; ต่อ</p>" in body


@pytest.mark.parametrize(
    "path",
    [
        "/edunews/articles?_search=ข่าวทดสอบ",
        "/edunews/article_search?_search=ข่าวทดสอบ",
        "/edunews/articles/{id}",
    ],
)
def test_untrusted_text_is_escaped(ds, path):
    html = get(ds, path.format(id=article_id(ds, HOSTILE))).text
    assert "&lt;script&gt;alert(" in html
    assert "<script>alert(" not in html
    assert "<img src=x" not in html


def test_thai_font_stack_is_served_and_linked(ds):
    assert "/static/edunews.css" in get(ds, "/edunews/articles").text
    css = get(ds, "/static/edunews.css").text
    for font in ("Sarabun", "Noto Sans Thai", "Leelawadee UI", "Tahoma"):
        assert font in css


def test_new_articles_appear_without_restart(ds, tmp_path):
    db = store.open_db(ds.get_database("edunews").path)
    store.save_article(db, Article(url=url("late"), source="thaigov", title="ข่าวล่าสุดสงขลา"))
    db.close()
    assert [r["url"] for r in rows(ds, "/edunews/articles.json?_search=ล่าสุดสงขลา")] == [url("late")]


def test_search_path_follows_the_schema(ds, fast_ds):
    """Without the listing indexes: a cursor on page one; with them: the index's order."""
    slow = get(ds, f"/edunews/articles.json?_search={TIED}").json()["query"]
    fast = get(fast_ds, f"/edunews/articles.json?_search={TIED}").json()["query"]
    assert "9999" in slow["params"].values() and "9999" not in fast["params"].values()
    assert "edunews_matched(:edunews_q)" in slow["sql"] and "edunews_matched" in fast["sql"]
