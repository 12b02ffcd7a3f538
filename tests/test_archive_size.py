"""The archive gives back the pages its search index merges free: a new archive is made
with incremental auto_vacuum, and the writer releases the free pages at a crawl's end."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from archive import search, store
from archive.writer import Writer
from crawler.items import Article
from crawler.sources import Source
from tests.test_search import found, ranked

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
    assert store.release_free_pages(db) > free  # and those the index's merge freed
    assert pragma(db, "freelist_count") == 0 and pragma(db, "page_count") < pages - free
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert store.release_free_pages(db) == 0  # one segment already: nothing more to merge


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


QUERIES = ("โรงเรียน", "สอบ", "เชียงใหม่", "2567", "stem", "ครู", "ปี")


def results(db) -> dict:
    """Per query: the articles found, and the relevance page's order with its scores."""
    sql = f"select url, relevance from {search.VIEW} where search_index match ? order by relevance"
    scores = {
        q: db.execute(sql, [search.match_expression(q, ranked=True)]).fetchall() for q in QUERIES
    }
    return {q: (found(db, q), ranked(db, q), scores[q]) for q in QUERIES}


def segments(db) -> int:
    """Rows of the index's data: one segment's pages, or more segments' pages."""
    return db.execute(f"select count(*) from {search.INDEX}_data").fetchone()[0]


def test_a_small_archive_has_its_index_merged_into_one_segment(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    save_in_batches(db, articles(120))
    before, rows, pages = results(db), segments(db), pragma(db, "page_count")
    assert search.optimize_small(db)
    assert segments(db) < rows
    store.release_free_pages(db)
    assert pragma(db, "page_count") < pages
    assert results(db) == before  # the same matches in the same order, the same ranks
    db.execute(f"insert into {search.INDEX}({search.INDEX}) values ('integrity-check')")


def test_a_large_archive_keeps_its_segments(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "OPTIMIZE_UP_TO", 100)
    db = open_archive(tmp_path / "archive.db")
    save_in_batches(db, articles(120))
    rows = segments(db)
    assert not search.optimize_small(db)
    store.release_free_pages(db)
    assert segments(db) == rows
