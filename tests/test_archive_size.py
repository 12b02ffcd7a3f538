"""The archive gives back the pages its search index merges free: a new archive is made
with incremental auto_vacuum, and the writer releases the free pages at a crawl's end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from archive import compaction, search, store
from archive.writer import Writer
from crawler.ids import article_id
from crawler.items import Article
from crawler.sources import Source

SAMPLE = Path(__file__).parent / "data" / "search-sample.jsonl"


def articles(n: int) -> list[Article]:
    rows = [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines() if line]
    base = [
        Article(url=r["source_url"], source="obec", title=r["title"], body_text=r["body"])
        for r in rows
    ]
    return [replace(base[i % len(base)], url=f"https://x.go.th/{i}") for i in range(n)]


def pragma(db, name: str) -> int:
    return db.execute(f"PRAGMA {name}").fetchone()[0]


def save_in_batches(db, items, size: int = 5) -> None:
    for start in range(0, len(items), size):
        with store.batch(db):
            for item in items[start : start + size]:
                store.save_article(db, item)


def open_archive(path):
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="obec", name="สพฐ.", url="https://x.go.th/")])
    return db


def test_merges_leave_free_pages_that_are_given_back(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    assert pragma(db, "auto_vacuum") == store.INCREMENTAL
    save_in_batches(db, articles(120))  # many small index segments, merged as they come
    free, pages = pragma(db, "freelist_count"), pragma(db, "page_count")
    assert free > 0
    assert store.release_free_pages(db) == free
    assert pragma(db, "freelist_count") == 0 and pragma(db, "page_count") == pages - free
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert store.release_free_pages(db) == 0


def test_the_writer_gives_them_back_when_it_closes(tmp_path):
    path = tmp_path / "archive.db"
    open_archive(path).close()
    writer = Writer(path, batch_size=5)
    for item in articles(120):
        writer.submit(store.save_article, item)
    writer.close()
    db = store.open_db(path)
    assert pragma(db, "freelist_count") == 0
    assert db.execute("select count(*) from articles").fetchone()[0] == 120


def segments(db) -> int:
    """The search index's segments (FTS5 keeps a segment's pages under rowid >> 37 = its id;
    tombstone pages under id + 2**16)."""
    sql = (
        "select count(distinct id >> 37) from articles_search_data "
        "where id >> 37 between 1 and 65535"
    )
    return db.execute(sql).fetchone()[0]


QUERIES = ("ครู", "การศึกษา", "ปี", "โรงเรียน 2567", "สพฐ")


def ranked(db) -> list:
    sql = (
        "select rowid, rank from articles_search where articles_search match ? order by rank, rowid"
    )
    return [db.execute(sql, [search.match_expression(q, ranked=True)]).fetchall() for q in QUERIES]


def crawl(path, items) -> None:
    writer = Writer(path, batch_size=5)
    for item in items:
        writer.submit(store.save_article, item)
    writer.close()


def test_a_crawl_that_doubles_the_archive_leaves_its_index_merged(tmp_path, monkeypatch):
    """Same matches and bm25 scores, one segment instead of a batch's each, a smaller file."""
    merged, left = tmp_path / "merged.db", tmp_path / "left.db"
    for path in (merged, left):
        open_archive(path).close()
    crawl(merged, articles(120))
    with monkeypatch.context() as old:
        old.setattr(compaction, "after_growth", lambda db, held: False)
        crawl(left, articles(120))
    a, b = store.open_db(merged), store.open_db(left)
    assert segments(a) == 1 < segments(b)
    assert ranked(a) == ranked(b) and sum(map(len, ranked(a))) > 100
    for sql in STABLE:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
    assert merged.stat().st_size < left.stat().st_size
    assert a.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    a.execute("insert into articles_search(articles_search, rank) values ('integrity-check', 1)")


STABLE = (
    "select rowid, id, url, title, body_text, published_at from articles order by rowid",
    "select * from articles_search_docsize order by id",
)


def test_the_indexes_filled_in_runs_are_rebuilt_full(tmp_path, monkeypatch):
    """Without the search index's merge, the rebuilt indexes alone give pages back."""
    path = tmp_path / "archive.db"
    open_archive(path).close()
    with monkeypatch.context() as old:
        old.setattr(compaction, "after_growth", lambda db, held: False)
        crawl(path, articles(400))
    db = store.open_db(path)
    before = pragma(db, "page_count")
    monkeypatch.setattr(search, "merge", lambda db: None)
    assert compaction.after_growth(db, 0)
    assert store.release_free_pages(db) > 0 and pragma(db, "page_count") < before
    found = "select id from articles where url = ?"
    assert db.execute(found, ["https://x.go.th/17"]).fetchone()[0] == article_id(
        "https://x.go.th/17"
    )
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_crawl_of_a_few_more_leaves_the_index_as_it_is(tmp_path):
    path = tmp_path / "archive.db"
    open_archive(path).close()
    crawl(path, articles(120))
    more = [replace(a, url=f"{a.url}/more") for a in articles(40)]
    crawl(path, more)  # 160 articles: not twice the 120 it held
    db = store.open_db(path)
    assert segments(db) > 1 and db.execute("select count(*) from articles").fetchone()[0] == 160
    assert not compaction.after_growth(db, 120) and segments(db) > 1
    assert compaction.after_growth(db, 80) and segments(db) == 1
