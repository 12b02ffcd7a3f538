"""Migration 0015: the tables keyed by a text primary key become WITHOUT ROWID. An archive
built by the old schema keeps every row and index, reads and writes as before, and shrinks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from archive import migrations, store
from crawler.items import Article, Attachment, Image
from crawler.sources import Source
from crawler.thai.entities import extract_entities

NAME = "0015_keyed_tables_without_rowid"
BODY = (
    "วันที่ 22 สิงหาคม 2562 นายณัฏฐพล ทีปสุวรรณ รัฐมนตรีว่าการกระทรวงศึกษาธิการ "
    "ลงพื้นที่จังหวัดเชียงใหม่และจังหวัดลำพูน พร้อมด้วยสำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน "
    "ตรวจเยี่ยมโรงเรียนในพื้นที่ห่างไกล"
)


def article(n: int) -> Article:
    body = f"{BODY} ครั้งที่ {n}"
    return Article(
        url=f"https://www.example.go.th/news/{n}/",
        source="obec",
        title=f"รัฐมนตรีตรวจเยี่ยมโรงเรียน {n}",
        body_text=body,
        published_at="2019-08-22T10:30:00+07:00",
        images=[Image(f"https://www.example.go.th/{n}/{i}.jpg", f"ภาพ {i}") for i in range(3)],
        attachments=[Attachment(f"https://www.example.go.th/{n}.pdf", "คำสั่ง", "pdf")],
        aliases=[f"https://www.example.go.th/?p={n}"],
        entities=extract_entities(body),
    )


def old_archive(path, monkeypatch, n: int = 40):
    """An archive as the code before 0015 made it: every article saved, then closed."""
    with monkeypatch.context() as old:
        old.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m[0] != NAME])
        db = store.open_db(path)
        store.upsert_sources(db, [Source(id="obec", name="สพฐ.", url="https://x.go.th/")])
        with store.batch(db):
            for i in range(n):
                store.save_article(db, article(i))
        store.save_validators(db, "https://www.example.go.th/feed", '"e1"', None)
        store.group_stories(db)
        assert NAME not in migrations.applied(db)
        assert not without_rowid(db)
        db.close()


def without_rowid(db) -> set[str]:
    rows = db.execute("select name, sql from sqlite_master where type = 'table'").fetchall()
    found = {name for name, sql in rows if sql.rstrip().lower().endswith("without rowid")}
    return found & set(migrations.KEYED)  # the search index's own tables are so already


def contents(db) -> dict:
    """Every row of every converted table in its key's order (Datasette's order), and the
    indexes by name."""
    tables = {
        t: db.execute(f"select * from [{t}] order by {', '.join(db[t].pks)}").fetchall()
        for t in migrations.KEYED
    }
    names = "select name from sqlite_master where type = 'index' and sql is not null"
    return tables | {"indexes": sorted(r[0] for r in db.execute(names))}


def test_an_old_archive_migrates_with_every_row(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch)
    db = store.open_db(path, create=False)  # read only: not migrated
    before, size = contents(db), path.stat().st_size
    assert all(before[t] for t in migrations.KEYED)  # every table has rows to carry over
    db.close()
    db = store.open_db(path)
    assert NAME in migrations.applied(db)
    assert without_rowid(db) == set(migrations.KEYED)
    assert contents(db) == before
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    db.close()
    assert path.stat().st_size < size


def test_a_migrated_archive_writes_as_before(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch)
    db = store.open_db(path)
    changed = replace(article(3), title="แก้ไขแล้ว", images=[Image("https://x.go.th/new.jpg")])
    assert store.save_article(db, changed) == "updated"
    assert store.save_article(db, article(99)) == "new"
    assert store.resolve(db, "https://www.example.go.th/?p=99") == store.resolve(
        db, "https://www.example.go.th/news/99/"
    )
    aid = store.resolve(db, changed.url)
    images = db.execute("select url from images where article_id = ?", [aid]).fetchall()
    assert images == [("https://x.go.th/new.jpg",)]
    people = db.execute("select count(*) from article_people where article_id = ?", [aid])
    assert people.fetchone()[0] > 0
    assert store.validators(db, "https://www.example.go.th/feed")["etag"] == '"e1"'
    assert store.group_stories(db) >= 1  # the copies are one story again


def test_a_table_with_an_empty_key_is_left_as_it_is(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch, n=2)
    db = store.open_db(path, create=False)
    with db.conn:  # a rowid table lets a key column be NULL; WITHOUT ROWID does not
        db.execute("insert into images (article_id, position, url) values (null, 0, 'x')")
    db.close()
    db = store.open_db(path)
    assert without_rowid(db) == set(migrations.KEYED) - {"images"}
    assert db.execute("select count(*) from images where article_id is null").fetchone()[0] == 1


@pytest.mark.parametrize("table", migrations.KEYED)
def test_a_new_archive_has_them_without_rowid(tmp_path, table):
    db = store.open_db(tmp_path / "archive.db")
    assert table in without_rowid(db)
