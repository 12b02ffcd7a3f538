"""The archive gives back the pages its search index merges free: a new archive is made
with incremental auto_vacuum, and the writer releases the free pages at a crawl's end."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from archive import compaction, search, shutdown, store
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
    monkeypatch.setattr(search, "merge", lambda db, stop: True)
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


def unmerged(path, n: int = 120):
    """An archive a crawl of ``n`` articles left as it wrote it (no compaction)."""
    open_archive(path).close()
    real = compaction.after_growth
    compaction.after_growth = lambda db, held: False
    try:
        crawl(path, articles(n))
    finally:
        compaction.after_growth = real
    return store.open_db(path)


def test_a_large_archive_keeps_its_segments_and_rebuilds_its_indexes(tmp_path, monkeypatch):
    db = unmerged(tmp_path / "archive.db")
    before, found, reindexed = segments(db), ranked(db), []
    monkeypatch.setattr(compaction, "MERGE_AT_MOST", 119)
    with monkeypatch.context() as spied:
        spied.setattr(db, "execute", spy(db.execute, reindexed))
        assert compaction.after_growth(db, 0)
    assert segments(db) == before > 1 and ranked(db) == found
    assert reindexed == [f"reindex [{name}]" for name in compaction.REINDEXED]
    monkeypatch.setattr(compaction, "MERGE_AT_MOST", 120)
    assert compaction.after_growth(db, 0) and segments(db) == 1 and ranked(db) == found


def test_a_stop_ends_the_merge_between_two_transactions(tmp_path, monkeypatch):
    db = unmerged(tmp_path / "archive.db")
    before, found = segments(db), ranked(db)
    monkeypatch.setattr(search, "MERGE_PAGES", 1)  # a transaction per page written
    asked = []

    def stop():
        asked.append(db.conn.total_changes)
        return len(asked) > 3

    reindexed = []
    monkeypatch.setattr(db, "execute", spy(db.execute, reindexed))
    assert compaction.after_growth(db, 0, stop)
    assert len(asked) == 4 + len(compaction.REINDEXED) + 1 and not reindexed  # +1: its log line
    assert asked[0] < asked[1] < asked[2] < asked[3] == asked[-1]  # each step wrote, then none
    assert 1 < segments(db) and ranked(db) == found
    db.execute("insert into articles_search(articles_search, rank) values ('integrity-check', 1)")
    monkeypatch.undo()
    assert compaction.after_growth(db, 0) and segments(db) == 1 < before and ranked(db) == found


def spy(execute, reindexed: list):
    def spied(sql, *args):
        if sql.startswith("reindex"):
            reindexed.append(sql)
        return execute(sql, *args)

    return spied


def test_the_stop_signal_ends_it(tmp_path, monkeypatch, caplog):
    """By default the stop is ``archive.shutdown``'s signal, however early it came."""
    db = unmerged(tmp_path / "archive.db")
    before = segments(db)
    monkeypatch.setattr(shutdown.STOP, "signum", signal.SIGTERM)
    with caplog.at_level("INFO", logger="archive.compaction"):
        assert compaction.after_growth(db, 0) and segments(db) == before > 1
    said = "archive compacted (120 articles, search index left in its segments) in "
    assert said in caplog.text and caplog.text.rstrip().endswith("cut short by a stop signal")


SIGNALLED = """
import signal, sys, time
from archive import compaction, search, shutdown, store
from archive.writer import Writer
from tests.test_archive_size import articles

shutdown.catch()
search.MERGE_PAGES = 1
merge = search.merge

def slow_merge(db, stop):
    print("merging", flush=True)
    return merge(db, lambda: time.sleep(0.05) or stop())

search.merge = slow_merge
writer = Writer(sys.argv[1], batch_size=5)
for item in articles(120):
    writer.submit(store.save_article, item)
writer.close()
print("closed", shutdown.requested(), flush=True)
"""


def test_a_sigterm_during_the_compaction_ends_the_crawl_promptly(tmp_path):
    """The writer closes on the reactor thread, which a signal cannot interrupt: the
    handler only notes it, and the compaction stops at its next transaction."""
    path = tmp_path / "archive.db"
    open_archive(path).close()
    child = subprocess.Popen(
        [sys.executable, "-c", SIGNALLED, str(path)],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "merging\n"
        signalled = time.monotonic()
        child.send_signal(signal.SIGTERM)
        assert child.stdout.readline() == f"closed {int(signal.SIGTERM)}\n"
        assert child.wait(timeout=60) == 0 and time.monotonic() - signalled < 10
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    db = store.open_db(path)
    assert segments(db) > 1 and db.execute("select count(*) from articles").fetchone()[0] == 120
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
