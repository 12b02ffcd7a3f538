"""Migrations 0016 (a current version's hash and dates kept once, in ``articles``), 0017
(captures indexed by URL alone) and 0018 (no alias row for an article's own URL while it
stands at it): an archive the old code made reads the same afterwards, through
``article_version_texts``, the history's query, the capture and alias look-ups, and writes
on as before."""

from __future__ import annotations

from dataclasses import replace

from archive import changes, migrations, store
from crawler.items import Article
from crawler.sources import Source

NEW = ("0016_versions_keep_past_hash", "0017_captures_by_url", "0018_aliases_without_own_url")
BODY = "วันที่ 22 สิงหาคม 2562 นายณัฏฐพล ทีปสุวรรณ ตรวจเยี่ยมโรงเรียนในพื้นที่ห่างไกล"
VERSIONS = "select * from article_version_texts order by article_id, version"


def article(n: int, **changes) -> Article:
    made = Article(
        aliases=[f"https://www.example.go.th/?p={n}"] if n % 4 else [],
        url=f"https://www.example.go.th/news/{n}/",
        source="obec",
        title=f"รัฐมนตรีตรวจเยี่ยมโรงเรียน {n}",
        body_text=f"{BODY} ครั้งที่ {n}",
        published_at="2019-08-22T10:30:00+07:00",
        modified_at="2019-08-22T11:00:00+07:00" if n % 2 else None,
        event_date="2019-08-21" if n % 3 else None,
    )
    return replace(made, **changes)


def capture(n: int, run_id: int, record_type: str = "response") -> dict:
    return {
        "url": f"https://www.example.go.th/news/{n % 7}/",
        "source": "obec",
        "run_id": run_id,
        "fetched_at": f"2019-08-2{run_id}T0{n % 10}:00:00+00:00",
        "status": 200,
        "content_type": "text/html",
        "record_type": record_type,
        "payload_digest": f"sha1:{n:032d}",
        "warc_file": "edunews-00001.warc.gz",
        "warc_offset": n * 100,
        "warc_length": 100,
    }


def old_archive(path, monkeypatch, n: int = 30):
    """An archive as the code before 0016 and 0017 made it: versions edited and refreshed,
    captures recorded; each current version holding its article's hash and dates."""
    with monkeypatch.context() as old:
        old.setattr(migrations, "MIGRATIONS", [m for m in migrations.MIGRATIONS if m[0] not in NEW])
        db = store.open_db(path)
        store.upsert_sources(db, [Source(id="obec", name="สพฐ.", url="https://x.go.th/")])
        with store.batch(db):
            for i in range(n):
                store.record_capture(db, capture(i, 1))
                store.save_article(db, article(i))
            for i in range(0, n, 3):  # edited: a second version
                store.save_article(db, article(i, title=f"แก้ไขหัวข้อ {i}", modified_at=None))
            for i in range(1, n, 3):  # refreshed in place: a new modification time
                store.save_article(db, article(i, modified_at="2019-09-01T08:00:00+07:00"))
            for i in range(n, 2 * n):
                store.record_capture(db, capture(i, 2, "revisit" if i % 2 else "response"))
        # what the old code wrote: a row for the article's own URL beside its others
        db.execute(
            "insert into article_aliases (alias, article_id, url) select id, id, url "
            "from articles where id in (select article_id from article_aliases)"
        )
        db.execute(
            "update article_versions set (modified_at, event_date, content_hash) = "
            "(select a.modified_at, a.event_date, a.content_hash from articles a "
            "where a.id = article_versions.article_id and a.version = article_versions.version) "
            "where (article_id, version) in (select id, version from articles)"
        )
        db.conn.commit()
        assert not set(NEW) & migrations.applied(db)
        db.close()


def reads(db) -> dict:
    ids = [r[0] for r in db.execute("select id from articles order by id")]
    return {
        "versions": db.execute(VERSIONS).fetchall(),
        "history": [changes.versions(db.conn, aid) for aid in ids],
        "articles": db.execute("select * from articles order by id").fetchall(),
        "last": [store.last_capture(db, f"https://www.example.go.th/news/{k}/") for k in range(7)],
        "captures": db.execute("select * from captures order by id").fetchall(),
        "resolved": [store.resolve(db, u) for u in urls(db)],
        "known": store.known_articles(db, "obec"),
    }


def urls(db) -> list[str]:
    return [
        r[0] for r in db.execute("select url from articles union select url from article_aliases")
    ]


def test_an_old_archive_reads_the_same_once_migrated(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch)
    db = store.open_db(path, create=False)  # read only: not migrated
    before = reads(db)
    assert db.execute("select count(*) from article_versions where content_hash is null").fetchone()
    held = db.execute("select count(*) from article_versions where content_hash is not null")
    assert held.fetchone()[0] == 40  # 30 articles, 10 of them edited
    db.close()
    db = store.open_db(path)
    assert set(NEW) <= migrations.applied(db)
    assert reads(db) == before
    current = "(article_id, version) in (select id, version from articles)"
    kept = "modified_at is null and event_date is null and content_hash is null"
    assert (
        db.execute(f"select count(*) from article_versions where {current} and {kept}").fetchone()[
            0
        ]
        == 30
    )
    past = db.execute(f"select count(*) from article_versions where not {current} and {kept}")
    assert past.fetchone()[0] == 0  # a replaced version keeps its own
    own = "select count(*) from article_aliases where alias = article_id"
    assert db.execute(own).fetchone()[0] == 0
    assert db.execute("select count(*) from article_aliases").fetchone()[0] == 22  # ?p= links
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_migrated_archive_writes_on(tmp_path, monkeypatch):
    """An edit after the migration gives the replaced version the values it had."""
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch)
    db = store.open_db(path)
    shown = "select version, modified_at, event_date, content_hash from article_version_texts "
    aid = store.article_id(article(4).url)
    before = db.execute(shown + "where article_id = ?", [aid]).fetchall()
    edited = article(4, title="แก้ไขอีกครั้ง", modified_at="2019-09-02T08:00:00+07:00")
    assert store.save_article(db, edited) == "updated"
    after = db.execute(shown + "where article_id = ? order by version", [aid]).fetchall()
    current = db.execute(
        "select version, modified_at, event_date, content_hash from articles where id = ?", [aid]
    ).fetchall()
    assert after == before + current and current[0][3] == store.content_hash(edited)


def test_a_version_that_differs_from_its_article_keeps_its_own(tmp_path, monkeypatch):
    """None is written so, but a row whose values differ is left whole, and read as it is."""
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch)
    db = store.open_db(path, create=False)
    aid = store.article_id(article(5).url)
    db.execute("update article_versions set event_date = '2001-01-01' where article_id = ?", [aid])
    db.conn.commit()
    before = db.execute(VERSIONS).fetchall()
    db.close()
    db = store.open_db(path)
    assert db.execute(VERSIONS).fetchall() == before
    own = "select event_date, content_hash is not null from article_versions where article_id = ?"
    assert db.execute(own, [aid]).fetchall() == [("2001-01-01", 1)]
    # refreshed in place, it is refreshed as before (and stays its own)
    assert store.save_article(db, article(5, modified_at="2019-10-01T08:00:00+07:00")) == (
        "unchanged"
    )
    row = db.execute("select modified_at from article_versions where article_id = ?", [aid])
    assert row.fetchall() == [("2019-10-01T08:00:00+07:00",)]


def test_captures_are_found_by_url_in_id_order_without_a_sort(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    old_archive(path, monkeypatch)
    db = store.open_db(path)
    names = {r[0] for r in db.execute("select name from sqlite_master where type = 'index'")}
    assert "idx_captures_url" in names and "idx_captures_url_fetched_at" not in names
    plan = db.execute(
        "explain query plan select * from captures where url = ? and record_type = 'response' "
        "order by id desc limit 1",
        ["https://www.example.go.th/news/1/"],
    ).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "idx_captures_url" in details and "TEMP B-TREE" not in details
