"""Named, transactional schema migrations for the archive.

Each migration is a function registered under a stable name; ``migrate(db)`` applies the
ones not yet recorded in ``_migrations``, each inside its own transaction, in order.
Never edit a released migration: add a new one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlite_utils

from archive import search, sqlite, stories
from crawler.thai.dates import academic_term, fiscal_year

logger = logging.getLogger(__name__)

MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = []
# Migrations that only a capable SQLite can apply: name -> test. One whose test fails is
# skipped and not recorded, so it runs once the archive is opened by such a SQLite.
NEEDS: dict[str, Callable[[], bool]] = {}


def migration(name: str, needs: Callable[[], bool] | None = None):
    def register(fn):
        MIGRATIONS.append((name, fn))
        if needs is not None:
            NEEDS[name] = needs
        return fn

    return register


@migration("0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {
            "id": str,
            "name": str,
            "name_en": str,
            "url": str,
            "kind": str,
            "hints": str,
            "discovery": str,
            "added_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["articles"].create(
        {
            "id": str,
            "url": str,
            "source": str,
            "title": str,
            "body_text": str,
            "published_at": str,
            "published_date": str,
            "year": int,
            "month": str,
            "modified_at": str,
            "event_date": str,
            "author": str,
            "credits": str,
            "image_count": int,
            "attachment_count": int,
            "content_hash": str,
            "discovered_via": str,
            "date_source": str,
            "fetched_url": str,
            "fetched_at": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("source", "sources", "id")],
        not_null={"url", "source"},
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["source", "published_at"])
    db["articles"].create_index(["published_at"])
    for name, extra in (("images", {"caption": str}), ("attachments", {"title": str, "kind": str})):
        db[name].create(
            {"article_id": str, "position": int, "url": str, **extra},
            pk=("article_id", "url"),
            foreign_keys=[("article_id", "articles", "id")],
        )
    db["crawl_runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "pages": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "errors": int,
            "settings": str,
        },
        pk="id",
    )
    db["crawl_run_sources"].create(
        {
            "run_id": int,
            "source": str,
            "status": str,
            "reason": str,
            "discovery": str,
            "pages": int,
            "articles": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "errors": int,
        },
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "crawl_runs", "id"), ("source", "sources", "id")],
    )


@migration("0002_search_index")
def _search_index(db: sqlite_utils.Database) -> None:
    search.create_index(db)


@migration("0003_thai_fields")
def _thai_fields(db: sqlite_utils.Database) -> None:
    """Credits as columns, Thai calendar fields, and the entities named in each article."""
    articles = db["articles"]
    for column in ("reporter", "photographer", "publisher", "credit_source"):
        articles.add_column(column, str)
    for column in ("fiscal_year", "academic_year", "academic_term"):
        articles.add_column(column, int)
    for column in ("provinces", "agencies", "people"):  # JSON arrays, for array facets
        articles.add_column(column, str)
    links = {
        "article_provinces": {"province": str},
        "article_agencies": {"agency": str, "abbreviation": str},
        "article_people": {"person": str, "title": str, "position": str},
    }
    for name, columns in links.items():
        key = next(iter(columns))
        db[name].create(
            {"article_id": str, **columns},
            pk=("article_id", key),
            foreign_keys=[("article_id", "articles", "id")],
        )
        db[name].create_index([key])
    articles.create_index(["fiscal_year"])
    for row in list(db.query("select id, published_at from articles")):
        articles.update(row["id"], calendar_fields(row["published_at"]))


@migration("0004_history")
def _history(db: sqlite_utils.Database) -> None:
    """Raw captures (WARC records), every version of an article, takedowns, failures."""
    db["captures"].create(
        {
            "id": int,
            "url": str,
            "source": str,
            "run_id": int,
            "fetched_at": str,
            "status": int,
            "content_type": str,
            "record_type": str,  # response | revisit
            "payload_digest": str,
            "warc_file": str,  # relative to the WARC directory
            "warc_offset": int,
            "warc_length": int,
        },
        pk="id",
    )
    db["captures"].create_index(["url", "fetched_at"])
    db["article_versions"].create(
        {
            "article_id": str,
            "version": int,
            "fetched_at": str,
            "title": str,
            "body_text": str,
            "published_at": str,
            "modified_at": str,
            "event_date": str,
            "content_hash": str,
            "capture_id": int,
        },
        pk=("article_id", "version"),
        foreign_keys=[("article_id", "articles", "id"), ("capture_id", "captures", "id")],
    )
    articles = db["articles"]
    articles.add_column("version", int)
    articles.add_column("capture_id", int)
    articles.add_column("removed_at", str)  # first seen gone (404/410, or redirected away)
    articles.add_column("removed_reason", str)
    db["crawl_errors"].create(
        {"run_id": int, "source": str, "url": str, "kind": str, "reason": str, "at": str},
    )
    db["crawl_errors"].create_index(["run_id", "source"])
    for row in list(db.query("select * from articles")):
        articles.update(row["id"], {"version": 1})
        db["article_versions"].insert(
            {k: row[k] for k in VERSIONED} | {"version": 1, "article_id": row["id"]}
        )


@migration("0005_incremental")
def _incremental(db: sqlite_utils.Database) -> None:
    """HTTP validators for conditional GET, and what each run cost per source."""
    db["http_validators"].create(
        {"url": str, "etag": str, "last_modified": str, "updated_at": str}, pk="url"
    )
    db["crawl_run_sources"].add_column("bytes", int)
    db["crawl_run_sources"].add_column("removed", int)


@migration("0006_stories")
def _stories(db: sqlite_utils.Database) -> None:
    """Syndicated copies of one release grouped as a story (archive/stories.py)."""
    db["article_signatures"].create(
        {"article_id": str, "minhash": bytes},
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["stories"].create({"id": str, "size": int, "first_published_at": str}, pk="id")
    db["articles"].add_column("story_id", str)
    db["articles"].create_index(["story_id"])


@migration("0007_listing_indexes")
def _listing_indexes(db: sqlite_utils.Database) -> None:
    """Newest-first pages in Datasette's tie-broken order; a month facet read from an index
    (the publication plugin uses the fast path when it sees these index names)."""
    db.execute("drop index if exists idx_articles_published_at")
    db.execute("create index idx_articles_published_at_id on articles(published_at desc, id)")
    db["articles"].create_index(["month"])


@migration("0008_date_warning")
def _date_warning(db: sqlite_utils.Database) -> None:
    """Dates written with a weekday that disagrees with the day are kept, and said so."""
    db["articles"].add_column("date_warning", str)


@migration("0009_source_places")
def _source_places(db: sqlite_utils.Database) -> None:
    """Where each agency sits, from the registry: its kind (category), province (the seat),
    every province it serves (JSON) and region; the reader filters on the agency's own
    province, not on the provinces an article names."""
    for column in ("category", "province", "provinces", "region"):
        db["sources"].add_column(column, str)


@migration("0010_article_aliases")
def _article_aliases(db: sqlite_utils.Database) -> None:
    """Other URLs of one article (WordPress's ``?p=ID`` shortlink): a site that changes its
    permalink structure keeps its stored articles instead of getting a second copy."""
    db["article_aliases"].create(
        {"alias": str, "article_id": str, "url": str},
        pk="alias",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_aliases"].create_index(["article_id"])


@migration("0011_versions_keep_past_text")
def _versions_keep_past_text(db: sqlite_utils.Database) -> None:
    """Each text once: the current version's title and body live in ``articles`` only; a
    version row gets its own copy when a newer version replaces it. The view
    ``article_version_texts`` shows every version with its text, for readers and the
    history pages."""
    db.execute(
        "update article_versions set title = null, body_text = null "
        "where (article_id, version) in (select id, version from articles)"
    )
    db.execute(VERSION_TEXTS)


VERSION_TEXTS = """
create view article_version_texts as
select v.article_id, v.version, v.fetched_at,
       case when v.version = a.version then a.title else v.title end as title,
       case when v.version = a.version then a.body_text else v.body_text end as body_text,
       v.published_at, v.modified_at, v.event_date, v.content_hash, v.capture_id
from article_versions v join articles a on a.id = v.article_id
"""


@migration("0012_relevance_view_filters")
def _relevance_view_filters(db: sqlite_utils.Database) -> None:
    """The relevance page filters and facets like the articles page: its view gains the
    fiscal and academic year and the removal date."""
    db.execute(f"drop view if exists {search.VIEW}")
    db.execute(search.VIEW_SQL)


RESIGN_BATCH = 1000


@migration("0013_minhash_uint32")
def _minhash_uint32(db: sqlite_utils.Database) -> None:
    """Story signatures in the numpy scheme (``archive.stories``): 128 uint32 instead of
    128 uint64 from per-shingle SHA-1, so every stored article is signed again from its
    current text, a batch at a time (an archive of 100,000 takes minutes: progress is logged)."""
    total = db.execute("select count(*) from article_signatures").fetchone()[0]
    done, last = 0, ""
    while True:
        batch = db.execute(
            "select s.article_id, a.title, a.body_text from article_signatures s "
            "join articles a on a.id = s.article_id where s.article_id > ? "
            "order by s.article_id limit ?",
            [last, RESIGN_BATCH],
        ).fetchall()
        if not batch:
            break
        db.conn.executemany(
            "update article_signatures set minhash = ? where article_id = ?",
            [(stories.signature(title, body), key) for key, title, body in batch],
        )
        done, last = done + len(batch), batch[-1][0]
        logger.info("0013: re-signed %d of %d articles", done, total)
    # A signature without its article (none are written so) cannot be re-signed: drop it.
    db.execute("delete from article_signatures where article_id not in (select id from articles)")


def _contentless_delete() -> bool:
    return sqlite.CONTENTLESS_DELETE


@migration("0014_search_deletes_by_rowid", needs=_contentless_delete)
def _search_deletes_by_rowid(db: sqlite_utils.Database) -> None:
    """The search index deletes an article's old document by rowid (FTS5
    ``contentless_delete=1``, SQLite 3.43+) instead of segmenting its old text again: the
    index is made anew and every article indexed again (an archive of 100,000 takes
    minutes: progress is logged). With an older SQLite it waits, not recorded, and the
    archive keeps the index it has (``search.deletes_by_rowid``)."""

    def progress(done: int, total: int) -> None:
        if done % 5000 < 500 or done == total:
            logger.info("0014: indexed %d of %d articles", done, total)

    search.recreate_by_rowid(db, progress)


# Tables keyed by a primary key other than an integer one, written only through plain SQL
# (sqlite-utils' insert reads a new row back by rowid): migration 0015 makes them
# WITHOUT ROWID, so the key's own index is the table. Not ``article_signatures`` nor
# ``article_aliases``: keyed by a hash, their rows would land all over the B-tree and
# leave its pages a quarter empty, where a rowid table fills its pages in order (a crawl
# of 1,220 articles: signatures 0.76 -> 0.86 MB, aliases no smaller).
KEYED = (
    "images",
    "attachments",
    "article_provinces",
    "article_agencies",
    "article_people",
    "http_validators",
    "stories",
)


@migration("0015_keyed_tables_without_rowid")
def _keyed_tables_without_rowid(db: sqlite_utils.Database) -> None:
    """The tables in ``KEYED`` were each stored twice over: a rowid table and the unique
    index of its primary key (article id and URL, person, province...). WITHOUT ROWID, the
    table is that index: the same rows and columns, one B-tree fewer each. Each is copied
    whole (an archive of 100,000 takes seconds); a table holding a row with an empty key
    column (which a WITHOUT ROWID table cannot hold) is left as it is."""
    for table in KEYED:
        if table in db.table_names() and not _has_empty_key(db, table):
            without_rowid(db, table)


def _has_empty_key(db: sqlite_utils.Database, table: str) -> bool:
    pks = db[table].pks
    if pks == ["rowid"]:
        return True  # no primary key of its own: nothing to key it by
    empty = " or ".join(f"[{pk}] is null" for pk in pks)
    return db.execute(f"select 1 from [{table}] where {empty} limit 1").fetchone() is not None


def without_rowid(db: sqlite_utils.Database, table: str) -> None:
    """Copy ``table`` into a WITHOUT ROWID table of the same definition, indexes included."""
    sql = db.execute("select sql from sqlite_master where type = 'table' and name = ?", [table])
    create = sql.fetchone()[0]
    if create.rstrip().lower().endswith("without rowid"):
        return
    indexes = [
        row[0]
        for row in db.execute(
            "select sql from sqlite_master where type = 'index' and tbl_name = ? "
            "and sql is not null",
            [table],
        )
    ]
    copy = f"{table}_without_rowid"
    _, body = create.split("(", 1)
    db.execute(f"create table [{copy}] ({body} without rowid")
    db.execute(f"insert into [{copy}] select * from [{table}]")
    db.execute(f"drop table [{table}]")
    db.execute(f"alter table [{copy}] rename to [{table}]")
    for index in indexes:
        db.execute(index)


# A current version's values that ``articles`` holds too: kept there only (migration 0016).
KEPT_IN_ARTICLES = ("modified_at", "event_date", "content_hash")


@migration("0016_versions_keep_past_hash")
def _versions_keep_past_hash(db: sqlite_utils.Database) -> None:
    """The current version's hash, modification time and dateline date are kept once, in
    ``articles``, as 0011 did for its text: its version row holds them as null (a null
    ``content_hash`` says so: a stored version always has one) and gets them when a newer
    version replaces it. ``article_version_texts`` shows every version with them. A row
    whose values differ from its article's (none are written so) keeps its own."""
    same = " and ".join(f"v.[{c}] is a.[{c}]" for c in KEPT_IN_ARTICLES)
    db.execute(
        "update article_versions set modified_at = null, event_date = null, "
        "content_hash = null where rowid in (select v.rowid from article_versions v "
        f"join articles a on a.id = v.article_id and a.version = v.version where {same})"
    )
    db.execute("drop view if exists article_version_texts")
    db.execute(VERSION_TEXTS_KEPT)


def _kept(column: str) -> str:
    return (
        f"case when v.content_hash is null and v.version = a.version then a.{column} "
        f"else v.{column} end as {column}"
    )


VERSION_TEXTS_KEPT = f"""
create view article_version_texts as
select v.article_id, v.version, v.fetched_at,
       case when v.version = a.version then a.title else v.title end as title,
       case when v.version = a.version then a.body_text else v.body_text end as body_text,
       v.published_at, {_kept("modified_at")}, {_kept("event_date")},
       {_kept("content_hash")}, v.capture_id
from article_versions v join articles a on a.id = v.article_id
"""


@migration("0017_captures_by_url")
def _captures_by_url(db: sqlite_utils.Database) -> None:
    """Captures are looked up by URL and ordered by id (the last of a URL, the one a
    revisit refers to): an index on the URL alone gives that order (its rowid is the id),
    where the one on (url, fetched_at) also held each timestamp and left the order to a sort."""
    db.execute("drop index if exists idx_captures_url_fetched_at")
    db.execute("create index if not exists idx_captures_url on captures(url)")


@migration("0018_aliases_without_own_url")
def _aliases_without_own_url(db: sqlite_utils.Database) -> None:
    """An article's row in ``article_aliases`` for the URL its id is made from, while it
    still stands at that URL, is dropped: it mapped the URL to the id it has anyway, and the
    article's own URL is never one of its aliases for the crawl (``store.known_articles``).
    Written again once the article moves to another URL (``store._remember_aliases``)."""
    db.execute(
        "delete from article_aliases where alias = article_id "
        "and url = (select a.url from articles a where a.id = article_aliases.article_id)"
    )


VERSIONED = (
    "fetched_at",
    "title",
    "body_text",
    "published_at",
    "modified_at",
    "event_date",
    "content_hash",
)


def calendar_fields(published_at: str | None) -> dict:
    """Thai fiscal year (Oct-Sep, BE) and school year/term of a publication date."""
    if not published_at:
        return {"fiscal_year": None, "academic_year": None, "academic_term": None}
    day = date.fromisoformat(published_at[:10])
    year, term = academic_term(day)
    return {"fiscal_year": fiscal_year(day), "academic_year": year, "academic_term": term}


class ForeignDatabase(sqlite.sqlite3.DatabaseError):
    """A database some other program made: never migrated, never switched to WAL.

    A DatabaseError, so the callers that turn a corrupt file into one line do the same."""


FIRST = "0001_initial"
FOREIGN = (
    "not an edunews archive: it holds tables but no edunews migrations; "
    "point --db at an archive, a new path or an empty file"
)


def check_archive(conn) -> None:
    """Refuse a non-empty database that edunews did not create (read-only: changes nothing)."""
    names = {row[0] for row in conn.execute("select name from sqlite_master")}
    if not names:
        return
    if "_migrations" in names:
        if conn.execute("select 1 from _migrations where name = ?", [FIRST]).fetchone():
            return
    raise ForeignDatabase(FOREIGN)


def applied(db: sqlite_utils.Database) -> set[str]:
    if "_migrations" not in db.table_names():
        return set()
    return {row["name"] for row in db["_migrations"].rows}


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    done = applied(db)
    if not db.table_names():  # a new archive: its encoding is fixed by its first table
        sqlite.prepare_new_archive(db.conn)
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    ran = []
    for name, fn in MIGRATIONS:
        needs = NEEDS.get(name)
        if name in done or (needs is not None and not needs()):
            continue
        db.conn.execute("BEGIN")
        try:
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": _now()})
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()
        ran.append(name)
    return ran


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
