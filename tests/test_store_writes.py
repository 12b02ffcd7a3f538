"""What a save writes: a rewrite writes only what changed, and leaves the rows exactly as
writing everything would."""

import pytest

from archive import search, store
from crawler.items import Attachment, Image
from crawler.sources import Source
from tests.test_store import make_article

ENTITIES = {
    "provinces": ["เชียงใหม่", "ลำพูน", "เชียงใหม่"],  # a repeat: the first is kept
    "agencies": [{"canonical": "สพฐ.", "abbreviation": "สพฐ"}],
    "people": [
        {"name": "สุเทพ ชิตยวงษ์", "title": "นาย", "position": "เลขาธิการ กพฐ."},
        {"name": "สุเทพ ชิตยวงษ์", "title": "ดร.", "position": None},  # ignored: the first
    ],
}
LINKS = ("images", "attachments", "article_provinces", "article_agencies", "article_people")
TIMES = {"first_seen_at", "last_seen_at", "updated_at", "fetched_at", "version"}


def open_archive(path):
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="obec", name="สพฐ.", url="https://www.example.go.th/")])
    return db


@pytest.fixture
def db(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    yield db
    db.close()


def article(**changes):
    return make_article(**({"entities": ENTITIES} | changes))


def traced(db, *articles) -> list[str]:
    """The statements the saves of these articles ran."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        for each in articles:
            store.save_article(db, each)
    finally:
        db.conn.set_trace_callback(None)
    return statements


def ran(statements, *words) -> bool:
    return any(all(w in s for w in words) for s in statements)


def rows_of(db) -> dict:
    aid = store.article_id(make_article().url)
    row = db.execute("select * from articles where id = ?", [aid])
    names = [d[0] for d in row.description]
    stored = {k: v for k, v in zip(names, row.fetchone(), strict=True) if k not in TIMES}
    links = {t: sorted(db.execute(f"select * from [{t}]").fetchall()) for t in LINKS}
    return {"article": stored, **links}


def fresh(tmp_path, *articles) -> dict:
    """The rows of a new archive where these articles were saved: what a rewrite must leave."""
    other = open_archive(tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}.db")
    for each in articles:
        store.save_article(other, each)
    rows = rows_of(other)
    other.close()
    return rows


def test_a_new_article_deletes_nothing(db):
    statements = traced(db, article())
    assert not ran(statements, "delete from [")
    assert db["article_provinces"].count == 2 and db["article_people"].count == 1


def test_a_rewrite_leaves_unchanged_link_tables_alone(db, tmp_path):
    store.save_article(db, article())
    new_title = article(title="หัวข้อที่แก้ไขแล้ว")
    statements = traced(db, new_title)
    assert not ran(statements, "delete from [")
    assert not ran(statements, "insert", "images")
    assert not ran(statements, "insert", "article_people")
    assert rows_of(db) == fresh(tmp_path, new_title)


@pytest.mark.parametrize(
    "changes, table",
    [
        ({"images": [Image("https://www.example.go.th/b.jpg", "อีกภาพ")]}, "images"),
        ({"images": [Image("https://www.example.go.th/a.jpg", "คำบรรยายใหม่")]}, "images"),
        (
            {"attachments": [Attachment("https://www.example.go.th/b.pdf", "ประกาศ", "pdf")]},
            "attachments",
        ),
        ({"entities": {**ENTITIES, "provinces": ["ลำพูน"]}}, "article_provinces"),
        ({"entities": {**ENTITIES, "agencies": []}}, "article_agencies"),
        (
            {"entities": {**ENTITIES, "people": [{"name": "สุเทพ ชิตยวงษ์", "title": "ดร."}]}},
            "article_people",
        ),
    ],
)
def test_a_changed_link_table_is_rewritten_alone(db, tmp_path, changes, table):
    store.save_article(db, article())
    changed = article(title="หัวข้อที่แก้ไขแล้ว", **changes)
    statements = traced(db, changed)
    deleted = {t for t in LINKS if ran(statements, "delete from", f"[{t}]")}
    assert deleted == {table}
    assert rows_of(db) == fresh(tmp_path, changed)


def test_a_refresh_in_place_rewrites_only_changed_links(db, tmp_path):
    """Same text, other images: refreshed in place (no new version), images rewritten."""
    store.save_article(db, article())
    changed = article(images=[Image("https://www.example.go.th/c.jpg")])
    statements = traced(db, changed)
    assert {t for t in LINKS if ran(statements, "delete from", f"[{t}]")} == {"images"}
    assert rows_of(db)["images"] == fresh(tmp_path, changed)["images"]
    assert db.execute("select version from articles").fetchone()[0] == 1


def test_only_a_moved_date_is_not_indexed_again(db):
    store.save_article(db, article())
    moved = article(published_at="2019-08-25T10:30:00+07:00")
    statements = traced(db, moved)
    assert db.execute("select version from articles").fetchone()[0] == 2
    assert not ran(statements, search.INDEX) and not ran(statements, "article_signatures")
    update = [s for s in statements if s.startswith("update [articles]")]
    assert update and not any("[title]" in s or "[body_text]" in s for s in update)
    rowid = db.execute("select rowid from articles").fetchone()[0]
    found = db.execute(search.MATCHING_ROWIDS, [search.match_expression("กพฐ")]).fetchall()
    assert found == [(rowid,)]
    # A changed text is indexed again: the old words no longer find it, the new ones do.
    statements = traced(db, article(published_at=moved.published_at, title="ผลสอบโอเน็ต"))
    assert ran(statements, search.INDEX) and ran(statements, "article_signatures")
    for query, hits in (("โอเน็ต", [(rowid,)]), ("เลขาธิการ", [])):
        expression = search.match_expression(query)
        assert db.execute(search.MATCHING_ROWIDS, [expression]).fetchall() == hits


def test_a_moved_date_leaves_the_rows_a_fresh_save_would(db, tmp_path):
    store.save_article(db, article())
    moved = article(published_at="2020-01-05T10:30:00+07:00")
    statements = traced(db, moved)
    update = [s for s in statements if s.startswith("update [articles]")]
    assert update and not any("[body_text]" in s or "[source]" in s for s in update)
    after = rows_of(db)
    assert after == fresh(tmp_path, moved)
    assert after["article"]["fiscal_year"] == 2563  # columns derived from the date follow


def test_known_aliases_are_not_written_again(db):
    short = "https://www.example.go.th/?p=7"
    store.save_article(db, article(aliases=[short]))
    statements = traced(db, article(title="หัวข้อที่แก้ไขแล้ว", aliases=[short]))
    assert not ran(statements, "article_aliases", "insert")
    other = "https://www.example.go.th/?page_id=7"
    statements = traced(db, article(title="หัวข้อใหม่อีก", aliases=[short, other]))
    inserted = [s for s in statements if s.startswith("insert into [article_aliases]")]
    assert len(inserted) == 1 and other in inserted[0]
    urls = [r[0] for r in db.execute("select url from article_aliases order by url")]
    assert urls == sorted([short, other])  # not its own URL, which its id is made from


def test_a_given_content_hash_is_not_computed_again(db, monkeypatch):
    computed = []
    real = store.content_hash
    monkeypatch.setattr(store, "content_hash", lambda a: computed.append(a) or real(a))
    first = article()
    store.save_article(db, first, digest=real(first))
    assert computed == []
    assert db.execute("select content_hash from articles").fetchone()[0] == real(first)
    # A path lacking the title: merge keeps the stored one, so the given hash is not its own.
    lacking = article(title=None, body_text=first.body_text + " แก้ไข")
    store.save_article(db, lacking, digest="the hash of what came, before merge")
    assert len(computed) == 1 and computed[0].title == first.title
    assert db.execute("select content_hash from articles").fetchone()[0] == real(computed[0])
