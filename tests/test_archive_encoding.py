"""A new archive stores its text as UTF-16BE (``archive.sqlite``); one made before keeps
UTF-8. Both read, write, search, sort and copy alike."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlite_utils

from archive import migrations, replica, search, sqlite, store
from crawler.items import Article
from crawler.sources import Source
from tests.test_search import sample_articles

# Titles that sort differently by code point and by UTF-16LE bytes ("ก" is 01 0E there).
MIXED = ["0 ข่าว", "ก ข่าว", "Z ข่าว", "a ข่าว", "é ข่าว", "ะ ข่าว", "！ ข่าว", "ข่าว ๒๕๖๗"]
QUERIES = ["สอบ", "โรงเรียน", "ครู", "ศึกษา", "2567", "นักเรียน ครู", "การ", "ก"]


def articles() -> list[Article]:
    sample = [dataclasses.replace(a, source="obec") for a in sample_articles()]
    mixed = [
        Article(url=f"https://x.go.th/mixed/{i}", source="obec", title=t, body_text=f"{t} ครู")
        for i, t in enumerate(MIXED)
    ]
    return sample + mixed


def build(path: Path, items: list[Article]) -> sqlite_utils.Database:
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="obec", name="สพฐ. OBEC", url="https://x.go.th/")])
    with store.batch(db):
        for item in items:
            store.save_article(db, item)
    return db


@pytest.fixture
def made_before(monkeypatch):
    """Archives made as before this change: in SQLite's default encoding, UTF-8."""
    monkeypatch.setattr(sqlite, "prepare_new_archive", lambda conn: None)
    return monkeypatch


def pragma(db, name: str):
    return db.execute(f"PRAGMA {name}").fetchone()[0]


STABLE = "id, url, source, title, body_text, published_at, month, content_hash, version"


def rows(db, sql: str, params=()) -> list[tuple]:
    return [tuple(row) for row in db.execute(sql, params).fetchall()]


def everything(db) -> dict:
    """What readers get from an archive: rows, search matches with their bm25 scores, the
    index's terms, text functions and sort orders."""
    found = {}
    for query in QUERIES:
        expression = search.match_expression(query, ranked=True)
        found[query] = rows(
            db,
            f"select a.id, s.rank from {search.INDEX} s join articles a on a.rowid = s.rowid "
            f"where {search.INDEX} match ? order by s.rank, a.id",
            [expression],
        )
    db.execute(f"create virtual table temp.terms using fts5vocab(main, {search.INDEX}, row)")
    return {
        "articles": rows(db, f"select {STABLE} from articles order by id"),
        "versions": rows(db, "select article_id, version, content_hash from article_versions"),
        "people": rows(db, "select * from article_people order by article_id, person"),
        "search": found,
        "terms": rows(db, "select term, doc, cnt from temp.terms order by term"),
        "functions": rows(
            db,
            "select id, length(title), length(body_text), substr(title, 2, 5), "
            "instr(body_text, 'ครู'), upper(url), title like '%ข่าว%', title glob '*ก*' "
            "from articles order by id",
        ),
        "by title": rows(db, "select title from articles order by title, id"),
        "by title desc": rows(db, "select title from articles order by title desc, id"),
        "ranges": rows(db, "select id from articles where title > 'a' and title < 'ฮ'"),
        "min max": rows(db, "select min(title), max(title), min(url) from articles"),
    }


def test_a_new_archive_is_utf16(tmp_path):
    db = store.open_db(tmp_path / "archive.db")
    assert pragma(db, "encoding") == "UTF-16be" == sqlite.NEW_ARCHIVE_ENCODING
    assert pragma(db, "auto_vacuum") == store.INCREMENTAL
    assert pragma(db, "journal_mode") == "wal"


def test_migrating_an_empty_database_makes_it_utf16():
    db = sqlite_utils.Database(memory=True)
    migrations.migrate(db)
    assert pragma(db, "encoding") == "UTF-16be"


def test_utf16_and_utf8_archives_give_the_same_everything(tmp_path, made_before):
    old = build(tmp_path / "old.db", articles())
    assert pragma(old, "encoding") == "UTF-8"
    made_before.undo()
    new = build(tmp_path / "new.db", articles())
    assert pragma(new, "encoding") == sqlite.NEW_ARCHIVE_ENCODING
    got_old, got_new = everything(old), everything(new)
    assert got_new == got_old
    assert all(got_new["search"].values()) and len(got_new["terms"]) > 1000
    titles = [row[0] for row in got_new["by title"]]
    assert titles == sorted(titles)  # code point order, as in UTF-8 (no character > U+FFFF)


def test_an_old_archive_keeps_utf8_and_is_written_as_before(tmp_path, made_before):
    items = articles()
    path = tmp_path / "archive.db"
    build(path, items[:20]).close()
    made_before.undo()
    db = store.open_db(path)  # by the new code: nothing converted
    assert pragma(db, "encoding") == "UTF-8"
    with store.batch(db):
        for item in items[20:]:
            store.save_article(db, item)
        store.save_article(db, Article(url=items[0].url, source="obec", title="ใหม่", body_text="ข"))
    fresh = build(tmp_path / "fresh.db", items)
    with store.batch(fresh):
        store.save_article(
            fresh, Article(url=items[0].url, source="obec", title="ใหม่", body_text="ข")
        )
    assert everything(db) == everything(fresh)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_replica_keeps_the_encoding_and_the_rows(tmp_path):
    db = build(tmp_path / "archive.db", articles())
    copy = replica.snapshot(tmp_path / "archive.db", tmp_path / "replica.db")
    served = sqlite_utils.Database(sqlite.sqlite3.connect(copy))
    assert pragma(served, "encoding") == "UTF-16be"
    assert everything(served) == everything(db)


def test_attaching_needs_the_same_encoding(tmp_path):
    """SQLite attaches only databases of the main one's encoding: a connection reading a new
    archive beside another database sets UTF-16be on its main database first."""
    build(tmp_path / "archive.db", articles()[:3]).close()
    conn = sqlite.sqlite3.connect(":memory:")
    with pytest.raises(sqlite.sqlite3.OperationalError, match="same text encoding"):
        conn.execute("attach ? as archive", [str(tmp_path / "archive.db")])
    conn = sqlite.sqlite3.connect(":memory:")
    conn.execute(f"PRAGMA encoding = '{sqlite.NEW_ARCHIVE_ENCODING}'")
    conn.execute("attach ? as archive", [str(tmp_path / "archive.db")])
    assert conn.execute("select count(*) from archive.articles").fetchone() == (3,)
