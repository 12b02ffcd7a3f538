"""The search index writes of a batch, held until its commit (``search.Queued``): the same
index as writing them one by one, rolled back with their savepoint, lost with their batch."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlite_utils

from archive import search, store
from crawler.items import Article
from crawler.sources import Source

TEXTS = {
    "a": ("ผลการสอบ O-NET ปีการศึกษา ๒๕๖๗", "นักเรียนทั่วประเทศร่วมกิจกรรม ศธ. ประกาศผล"),
    "b": ("ตรวจสอบงบประมาณ", "สตง. ตรวจสอบการใช้งบประมาณ ปี 2567"),
    "c": ("ประชุมที่เชียงใหม่", "ศึกษาธิการจังหวัดเชียงใหม่ประชุมครูทั้งจังหวัด"),
}


URL = "https://www.example.go.th/news/"


def article(key: str, title: str | None = None, body: str | None = None) -> Article:
    return Article(
        url=f"{URL}{key}",
        source="obec",
        title=title or TEXTS[key][0],
        body_text=body or TEXTS[key][1],
        published_at="2019-08-22",
    )


def open_archive(path):
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="obec", name="สพฐ.", url="https://www.example.go.th/")])
    return db


@pytest.fixture(autouse=True)
def both_kinds(index_kind):
    """Every test here runs on both kinds of index (tests/conftest.py)."""
    return index_kind


@pytest.fixture
def db(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    yield db
    db.close()


def index_of(db) -> list[tuple]:
    """Every token the index holds: (term, rowid, column, offset)."""
    vocab = f"fts5vocab(main, {search.INDEX}, instance)"
    db.execute(f"create virtual table if not exists temp.vocab using {vocab}")
    rows = db.execute("select term, doc, col, offset from temp.vocab order by 1, 2, 3, 4")
    return rows.fetchall()


def segments(db) -> int:
    return db.execute(f"select count(distinct segid) from {search.INDEX}_idx").fetchone()[0]


def found(db, query: str) -> set[str]:
    sql = f"select a.url from articles a where a.rowid in ({search.MATCHING_ROWIDS})"
    return {row[0] for row in db.execute(sql, [search.match_expression(query)])}


def rebuilt_index(db) -> list[tuple]:
    """The index built afresh from the stored articles, in a copy of the database."""
    copy = sqlite_utils.Database(memory=True)
    db.conn.backup(copy.conn)
    search.rebuild(copy)
    return index_of(copy)


# A crawl's history: new articles, then edits, one article edited twice in a row.
HISTORY = [
    article("a"),
    article("b"),
    article("b", body="สตง. ตรวจสอบการใช้งบประมาณ ปี 2568"),
    article("c"),
    article("a", title="ประกาศผลสอบ O-NET แล้ว"),
    article("a", title="ประกาศผลสอบ O-NET ครั้งที่สอง"),
    article("c", body="ครูเชียงราย"),
]


def test_a_batch_indexes_exactly_what_writes_one_by_one_index(tmp_path, both_kinds):
    one_by_one = open_archive(tmp_path / "one.db")
    batched = open_archive(tmp_path / "batched.db")
    store.save_article(batched, article("c"))  # indexed before the batch, edited inside
    store.save_article(one_by_one, article("c"))
    for item in HISTORY:
        store.save_article(one_by_one, item)
    before = index_of(batched)
    with store.batch(batched):
        for item in HISTORY:
            store.save_article(batched, item)
        assert index_of(batched) == before  # held until the commit
    assert index_of(batched) == index_of(one_by_one) == rebuilt_index(batched)
    for query in ("ครั้งที่สอง", "2568", "2567", "ทั้งจังหวัด", "เชียงราย", "สอบ"):
        assert found(batched, query) == found(one_by_one, query), query
    assert found(batched, "ครั้งที่สอง") == {article("a").url}
    assert found(batched, "ทั้งจังหวัด") == set()
    assert search.deletes_by_rowid(batched) == (both_kinds == "by_rowid")
    if not search.deletes_by_rowid(batched):
        pending = f"select count(*) from {search.PENDING}"
        assert batched.execute(pending).fetchone()[0] == 0
    batched.execute(f"insert into {search.INDEX}({search.INDEX}) values ('integrity-check')")


def test_the_index_is_written_at_the_commit_in_few_segments(db):
    with store.batch(db):
        for n in range(12):
            store.save_article(db, replace(article("a", title=f"ข่าวที่ {n}"), url=f"{URL}{n}"))
        assert index_of(db) == []  # held until the commit
        assert db.conn.queued.inserts
    assert len(found(db, "ข่าวที่")) == 12
    assert segments(db) <= 2
    assert db.conn.queued is None


def test_a_rolled_back_write_leaves_nothing_in_the_index(db):
    store.save_article(db, article("c"))
    with store.batch(db):
        store.save_article(db, article("a"))
        with pytest.raises(RuntimeError), db.conn:
            store.save_article(db, article("b"))  # new
            store.save_article(db, article("a", title="หัวข้อที่ถูกยกเลิก"))  # rewritten
            store.save_article(db, article("c", body="ครูเชียงราย"))  # indexed before
            raise RuntimeError("the job failed half-way")
    assert found(db, "ตรวจสอบ") == found(db, "ยกเลิก") == found(db, "เชียงราย") == set()
    assert found(db, "O-NET") == {article("a").url}
    assert found(db, "เชียงใหม่") == {article("c").url}
    assert index_of(db) == rebuilt_index(db)


def test_a_failed_batch_writes_nothing_to_the_index(db):
    store.save_article(db, article("c"))
    before = index_of(db)
    with pytest.raises(RuntimeError), store.batch(db):
        store.save_article(db, article("a"))
        store.save_article(db, article("c", body="ครูเชียงราย"))
        raise RuntimeError("killed")
    assert index_of(db) == before
    assert db.conn.queued is None and not db.conn.in_transaction
    store.save_article(db, article("c", body="ครูเชียงราย"))  # the index is still sound
    assert found(db, "เชียงราย") == {article("c").url}
    assert index_of(db) == rebuilt_index(db)


def test_a_reader_inside_a_batch_sees_the_queued_rows_after_flush(db):
    with store.batch(db):
        store.save_article(db, article("a"))
        assert found(db, "O-NET") == set()
        search.flush(db)
        assert found(db, "O-NET") == {article("a").url}
        store.save_article(db, article("a", title="ประกาศผลสอบ"))  # after a flush: a delete
    assert found(db, "O-NET") == set() and found(db, "ประกาศผลสอบ") == {article("a").url}
    assert index_of(db) == rebuilt_index(db)


def test_rebuild_inside_a_batch_drops_what_was_queued(db):
    with store.batch(db):
        store.save_article(db, article("a"))
        search.rebuild(db)
    assert index_of(db) == rebuilt_index(db)
    assert found(db, "O-NET") == {article("a").url}
