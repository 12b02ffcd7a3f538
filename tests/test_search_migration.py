"""Migration 0014: an archive made by an SQLite older than 3.43 gets a search index that
deletes by rowid once a current SQLite opens it; the older one keeps the index it has."""

from __future__ import annotations

import logging

import pytest

from archive import search, sqlite, store
from archive.migrations import migrate
from crawler.items import Article
from tests.test_search import build, crafted_found, found, ranked, url

NAME = "0014_search_deletes_by_rowid"
QUERIES = ("โรงเรียน", "สอบ", "เชียงใหม่", "2567", "stem", "ครู")


def results(db) -> dict:
    return {q: (found(db, q), ranked(db, q)) for q in QUERIES}


def schema(db) -> set[str]:
    return {row[0] for row in db.execute("select name from sqlite_master")}


def test_an_older_sqlite_keeps_the_old_index_and_the_migration_waits(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "CONTENTLESS_DELETE", False)
    db = build(tmp_path / "archive.db")
    assert not search.deletes_by_rowid(db)
    assert {search.PENDING, f"{search.PENDING}_capture"} <= schema(db)
    assert NAME not in {row[0] for row in db.execute("select name from _migrations")}
    assert migrate(db) == []  # still waiting, still not recorded


@pytest.mark.skipif(not sqlite.CONTENTLESS_DELETE, reason="this SQLite cannot delete by rowid")
def test_a_current_sqlite_recreates_the_index_with_the_same_results(tmp_path, monkeypatch, caplog):
    path = tmp_path / "archive.db"
    with monkeypatch.context() as old:
        old.setattr(sqlite, "CONTENTLESS_DELETE", False)
        db = build(path)
        before = results(db)
        db.execute("PRAGMA auto_vacuum = 0")  # as archives made before it were
        db.execute("VACUUM")
        db.close()
    size = path.stat().st_size
    with caplog.at_level(logging.INFO, logger="archive.migrations"):
        db = store.open_db(path)
    assert search.deletes_by_rowid(db)
    # The new index written into the pages the old one freed: the file did not grow by it.
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0  # not VACUUMed (RAM)
    db.close()  # the last connection: the WAL checkpointed into the file
    assert path.stat().st_size <= size * 1.1
    db = store.open_db(path)
    assert NAME in {row[0] for row in db.execute("select name from _migrations")}
    assert "0014: indexed" in caplog.text
    assert not {search.PENDING, f"{search.PENDING}_capture"} & schema(db)
    assert results(db) == before
    db.execute(f"insert into {search.INDEX}({search.INDEX}) values ('integrity-check')")
    # The view over the index (the relevance page) is there again.
    assert db.execute(f"select count(*) from {search.VIEW}").fetchone()[0] > 0
    edited = Article(url=url("latin"), source="thaigov", title="ข่าวแก้ไข", body_text="ภูเก็ตใหม่")
    assert store.save_article(db, edited) == "updated"
    assert crafted_found(db, "stem") == set() and crafted_found(db, "ภูเก็ตใหม่") == {"latin"}
    db.execute(f"insert into {search.INDEX}({search.INDEX}) values ('integrity-check')")


@pytest.mark.skipif(not sqlite.CONTENTLESS_DELETE, reason="this SQLite cannot delete by rowid")
def test_an_older_sqlite_refuses_an_index_it_cannot_read_in_one_line(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    build(path).close()
    monkeypatch.setattr(sqlite, "CONTENTLESS_DELETE", False)
    for create in (True, False):
        with pytest.raises(store.ArchiveError, match="needs SQLite 3.43 or later"):
            store.open_db(path, create=create)
