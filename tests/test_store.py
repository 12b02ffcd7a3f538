"""The one writer: schema, idempotent upserts, run records, and clear errors."""

import io
import json
import os
from dataclasses import replace

import pytest

from archive import export, store
from crawler.items import Article, Attachment, Credits, Image
from crawler.sources import Source


def make_article(**changes) -> Article:
    fields = dict(
        url="https://www.example.go.th/2019/08/22/cluster/",
        source="obec",
        title="เลขาธิการ กพฐ. เปิดการประชุม",
        body_text="วันที่ 22 สิงหาคม 2562 นายสุเทพ ชิตยวงษ์ เปิดการประชุม\nอัจฉรา ข่าว",
        published_at="2019-08-22T10:30:00+07:00",
        credits=Credits(reporter="อัจฉรา", lines=["อัจฉรา ข่าว"]),
        images=[
            Image("https://www.example.go.th/a.jpg", "ภาพ"),
            Image("https://www.example.go.th/a.jpg"),
        ],
        attachments=[Attachment("https://www.example.go.th/a.pdf", "คำสั่ง", "pdf")],
    )
    fields.update(changes)
    return Article(**fields)


@pytest.fixture
def db(tmp_path):
    db = store.open_db(tmp_path / "archive.db")
    store.upsert_sources(db, [Source(id="obec", name="สพฐ.", url="https://www.example.go.th/")])
    yield db
    db.close()


def test_schema_and_wal(db):
    assert {
        "sources",
        "articles",
        "images",
        "attachments",
        "crawl_runs",
        "crawl_run_sources",
    } <= set(db.table_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    names = [r["name"] for r in db["_migrations"].rows]
    assert names[0] == "0001_initial"


def test_migrations_are_applied_once(tmp_path):
    store.open_db(tmp_path / "a.db").close()
    db = store.open_db(tmp_path / "a.db")
    assert db["_migrations"].count == len(store.migrate.__globals__["MIGRATIONS"])


def test_second_save_changes_only_last_seen(db):
    assert store.save_article(db, make_article()) == "new"
    first = dict(next(db["articles"].rows))
    assert store.save_article(db, make_article()) == "unchanged"
    second = dict(next(db["articles"].rows))
    changed = {k for k in first if first[k] != second[k]}
    assert changed <= {"last_seen_at", "fetched_at"}
    assert db["articles"].count == 1 and db["images"].count == 1


def test_changed_content_updates_the_row(db):
    store.save_article(db, make_article())
    assert store.save_article(db, make_article(title="หัวข้อที่แก้ไขแล้ว")) == "updated"
    row = next(db["articles"].rows)
    assert row["title"] == "หัวข้อที่แก้ไขแล้ว" and row["year"] == 2019 and row["month"] == "2019-08"
    assert db["articles"].count == 1


def test_run_record(db):
    run = store.start_run(db)
    store.finish_run(
        db,
        run,
        {"obec": {"status": "ok", "pages": 3, "new": 2, "errors": 0, "discovery": "feed"}},
        "finished",
    )
    row = db["crawl_runs"].get(run)
    assert row["status"] == "finished" and row["pages"] == 3 and row["new"] == 2
    assert db["crawl_run_sources"].get((run, "obec"))["discovery"] == "feed"
    assert db["sources"].get("obec")["discovery"] == "feed"


def test_export_jsonl_and_csv(db):
    store.save_article(db, make_article())
    out = io.StringIO()
    export.write(db, out, "jsonl")
    record = json.loads(out.getvalue())
    assert record["images"] == ["https://www.example.go.th/a.jpg"]
    assert record["attachments"] == ["https://www.example.go.th/a.pdf"]
    assert record["credits"]["reporter"] == "อัจฉรา"
    assert record["published_at"] == "2019-08-22T10:30:00+07:00"
    for key in ("url", "source", "title", "body_text", "author", "first_seen_at", "last_seen_at"):
        assert key in record
    out = io.StringIO()
    export.write(db, out, "csv")
    text = out.getvalue()
    assert text.startswith("\ufeffid,url,source,title") and "อัจฉรา" in text
    out = io.StringIO()
    export.write(db, out, "jsonl", since="2019-08-23")
    assert out.getvalue() == ""
    with pytest.raises(export.ExportError):
        list(export.rows(db, since="22/08/2019"))


def test_corrupt_database_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(store.ArchiveError, match="cannot use database"):
        store.open_db(path)


def test_missing_database_for_reading(tmp_path):
    with pytest.raises(store.ArchiveError, match="database not found"):
        store.open_db(tmp_path / "none.db", create=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(store.ArchiveError, match="not writable"):
        store.open_db(locked / "a.db")


def test_uncreatable_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(store.ArchiveError, match="cannot create directory"):
        store.open_db(blocker / "sub" / "a.db")


def test_versions_are_kept_and_unchanged_adds_none(db):
    store.save_article(db, make_article())
    store.save_article(db, make_article())
    store.save_article(db, make_article(title="หัวข้อแก้ไขครั้งที่หนึ่ง"))
    store.save_article(db, make_article(body_text="เนื้อหาใหม่ทั้งหมดของข่าวนี้"))
    versions = list(db.query("select version, title from article_version_texts order by version"))
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["title"] == "เลขาธิการ กพฐ. เปิดการประชุม"
    row = next(db["articles"].rows)
    assert row["version"] == 3 and row["body_text"] == "เนื้อหาใหม่ทั้งหมดของข่าวนี้"


def test_removal_keeps_content_and_a_return_clears_it(db):
    article = make_article()
    store.save_article(db, article)
    assert store.mark_removed(db, article.url, "HTTP 404")
    assert not store.mark_removed(db, article.url, "HTTP 404")  # first time gone is kept
    row = next(db["articles"].rows)
    assert row["removed_at"] and row["removed_reason"] == "HTTP 404" and row["body_text"]
    assert store.known_articles(db, "obec") == []
    store.save_article(db, article)
    assert next(db["articles"].rows)["removed_at"] is None


def test_one_article_whatever_the_url_form(db):
    forms = [
        "https://www.example.go.th/2019/08/22/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7/",
        "http://example.go.th/2019/08/22/%e0%b8%82%e0%b9%88%e0%b8%b2%e0%b8%a7",
        "https://www.example.go.th/2019/08/22/ข่าว/?utm_source=line",
    ]
    assert len({store.article_id(u) for u in forms}) == 1
    for url in forms:
        store.save_article(db, make_article(url=url))
    assert db["articles"].count == 1
    assert store.article_id("https://x.go.th/n?id=1&b=2") == store.article_id(
        "https://x.go.th/n?b=2&id=1"
    )
    assert store.article_id("https://x.go.th/n?id=1") != store.article_id("https://x.go.th/n?id=2")


def test_a_path_lacking_a_field_never_blanks_it(db):
    """The API gave the time and modified_at; a re-check of the page shows only the day."""
    api = make_article(modified_at="2019-08-23T09:00:00+07:00", date_source="api")
    assert store.save_article(db, api) == "new"
    page = make_article(
        published_at="2019-08-22", date_source="visible", credits=Credits(), images=[]
    )
    assert store.save_article(db, page) == "unchanged"
    row = next(db["articles"].rows)
    assert row["published_at"] == "2019-08-22T10:30:00+07:00" and row["date_source"] == "api"
    assert row["modified_at"] == "2019-08-23T09:00:00+07:00" and row["reporter"] == "อัจฉรา"
    assert row["version"] == 1 and db["images"].count == 1


def test_the_more_exact_date_wins_without_a_new_version(db):
    assert store.save_article(db, make_article(published_at=None, date_source=None)) == "new"
    visible = make_article(published_at="2019-08-22", date_source="visible")
    assert store.save_article(db, visible) == "unchanged"  # a date over nothing
    feed = make_article(published_at="2019-08-22T03:30:00Z", date_source="feed")
    assert store.save_article(db, feed) == "unchanged"  # a timestamp over a day
    assert store.save_article(db, visible) == "unchanged"
    row = next(db["articles"].rows)
    assert row["published_at"] == "2019-08-22T03:30:00Z" and row["version"] == 1
    moved = make_article(published_at="2019-08-23T10:30:00+07:00", date_source="api")
    assert store.save_article(db, moved) == "updated"  # the site changed the date


def test_metadata_changes_are_updated_in_place(db):
    store.save_article(db, make_article(modified_at="2019-08-22T11:00:00+07:00"))
    later = make_article(modified_at="2019-09-01T08:00:00+07:00", author="สมศรี")
    assert store.save_article(db, later) == "unchanged"
    (version,) = db["article_version_texts"].rows
    assert version["version"] == 1 and version["modified_at"] == "2019-09-01T08:00:00+07:00"
    row = next(db["articles"].rows)
    assert row["modified_at"] == "2019-09-01T08:00:00+07:00"
    assert version["content_hash"] == row["content_hash"] == store.content_hash(later)


def test_a_stored_article_never_changes_source(db):
    store.upsert_sources(db, [Source(id="moe", name="ศธ.", url="https://www.moe.go.th/")])
    store.save_article(db, make_article())
    assert store.save_article(db, make_article(source="moe", title="อื่น")) == "foreign"
    row = next(db["articles"].rows)
    assert row["source"] == "obec" and row["title"] == "เลขาธิการ กพฐ. เปิดการประชุม"


def test_a_changed_permalink_keeps_the_article(db):
    """WordPress moved from pretty permalinks to ?p=ID: the stored article is found through
    its shortlink, follows the new URL, keeps its id, and either URL finds it."""
    pretty = "https://www.example.go.th/2019/08/22/cluster/"
    short = "https://www.example.go.th/?p=7"
    assert store.save_article(db, make_article(url=pretty, aliases=[short])) == "new"
    aid = store.article_id(pretty)
    assert store.save_article(db, make_article(url=short, aliases=[short])) == "unchanged"
    (row,) = db["articles"].rows
    assert row["id"] == aid and row["url"] == short and row["version"] == 1
    assert store.touch(db, pretty) and store.touch(db, short)
    assert store.mark_removed(db, short, "HTTP 404")
    assert next(db["articles"].rows)["removed_at"]


def test_an_articles_own_url_is_an_alias_only_once_it_moved(db):
    """Migration 0018: the row for the URL an article's id is made from is written only
    when the article stands at another URL; every URL finds it either way."""
    pretty = "https://www.example.go.th/2019/08/22/cluster/"
    short = "https://www.example.go.th/?p=7"
    aliases = "select alias, article_id, url from article_aliases order by url"
    aid = store.article_id(pretty)
    store.save_article(db, make_article(url=pretty, aliases=[short]))
    assert db.execute(aliases).fetchall() == [(store.article_id(short), aid, short)]
    assert store.resolve(db, pretty) == store.resolve(db, short) == aid
    assert store.known_articles(db, "obec")[0]["aliases"] == [short]
    store.save_article(db, make_article(url=short, aliases=[short]))  # moved to the shortlink
    assert db.execute(aliases).fetchall() == [
        (aid, aid, pretty),
        (store.article_id(short), aid, short),
    ]
    assert store.known_articles(db, "obec")[0]["aliases"] == [pretty]
    assert store.resolve(db, pretty) == store.resolve(db, short) == aid


def test_each_text_is_held_once(db):
    """The current version's title and body live in ``articles`` only; a replaced version
    keeps its own copy, and ``article_version_texts`` shows every version with its text."""
    store.save_article(db, make_article())
    store.save_article(db, make_article(title="หัวข้อแก้ไขครั้งที่หนึ่ง"))
    raw = list(db.query("select version, title, body_text from article_versions order by 1"))
    assert raw[1]["title"] is None and raw[1]["body_text"] is None
    assert raw[0]["title"] == "เลขาธิการ กพฐ. เปิดการประชุม" and raw[0]["body_text"]
    shown = list(db.query("select version, title from article_version_texts order by 1"))
    assert [v["title"] for v in shown] == ["เลขาธิการ กพฐ. เปิดการประชุม", "หัวข้อแก้ไขครั้งที่หนึ่ง"]


def test_a_current_versions_hash_and_dates_are_held_once(db):
    """Migration 0016: the current version's hash, modified_at and event_date live in
    ``articles`` only; the version a newer one replaces gets its own, as they were then."""
    first = make_article(modified_at="2019-08-22T11:00:00+07:00", event_date="2019-08-21")
    store.save_article(db, first)
    second = replace(first, title="หัวข้อแก้ไข", modified_at="2019-08-23T09:00:00+07:00")
    assert store.save_article(db, second) == "updated"
    kept = "modified_at, event_date, content_hash"
    raw = db.execute(f"select {kept} from article_versions order by version").fetchall()
    assert raw == [("2019-08-22T11:00:00+07:00", "2019-08-21", store.content_hash(first))] + [
        (None, None, None)
    ]
    shown = db.execute(f"select {kept} from article_version_texts order by version").fetchall()
    current = db.execute(f"select {kept} from articles").fetchall()
    assert shown == raw[:1] + current and current[0][2] == store.content_hash(second)


def test_a_batch_commits_together_and_a_failing_write_alone_is_undone(db):
    with store.batch(db):
        store.save_article(db, make_article())
        with pytest.raises(RuntimeError), db.conn:
            db["articles"].update(store.article_id(make_article().url), {"title": "x"})
            raise RuntimeError("a write failed half-way")
        assert db.conn.in_transaction
    assert not db.conn.in_transaction
    assert next(db["articles"].rows)["title"] == "เลขาธิการ กพฐ. เปิดการประชุม"


def test_a_new_article_is_its_own_story_until_regrouped(db):
    # A later move to another story rewrites an id of the same length, in place.
    store.save_article(db, make_article())
    ((aid, story),) = db.execute("select id, story_id from articles").fetchall()
    assert story == aid


def test_content_hash_is_the_hash_of_the_article_as_asdict_gives_it():
    """content_hash reads images, attachments and credits without dataclasses.asdict (its
    deep copy was a third of the hash's CPU): the same material, so the same hash."""
    import hashlib
    from dataclasses import asdict

    credits = Credits(reporter="ก", lines=["ข่าว: ก", "ภาพ: ข"])
    article = Article(
        url="https://a.go.th/1", source="a", title="ที", body_text="ข\nค", author="ง",
        published_at="2024-09-07", credits=credits, images=[Image("https://a.go.th/i.jpg")],
        attachments=[Attachment("https://a.go.th/f.pdf", "ไฟล์", "pdf")],
    )  # fmt: skip
    material = {
        "title": "ที", "body_text": "ข\nค", "published_at": "2024-09-07", "modified_at": None,
        "event_date": None, "author": "ง",
        "credits": {k: v for k, v in asdict(credits).items() if v},
        "images": [asdict(i) for i in article.images],
        "attachments": [asdict(a) for a in article.attachments],
    }  # fmt: skip
    blob = json.dumps(material, ensure_ascii=False, sort_keys=True).encode("utf-8")
    assert store.content_hash(article) == hashlib.sha256(blob).hexdigest()
    assert credits.as_dict() == {"reporter": "ก", "lines": ["ข่าว: ก", "ภาพ: ข"]}
    assert credits.as_dict()["lines"] is not credits.lines  # a copy, as asdict gave
