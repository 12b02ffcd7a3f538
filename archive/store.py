"""The one module that writes to the archive database.

Writes are idempotent upserts keyed on a stable id derived from the canonical URL: storing
the same article twice changes nothing but ``last_seen_at``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import NotFoundError

from archive import plainsql, search, sqlite, stories
from archive.migrations import (
    KEPT_IN_ARTICLES,
    VERSIONED,
    calendar_fields,
    check_archive,
    migrate,
)
from archive.process import Derived, derive
from archive.sqlite import sqlite3
from crawler.ids import article_id
from crawler.items import Article, Attachment, Credits, Image

logger = logging.getLogger(__name__)


class ArchiveError(Exception):
    """A problem with the database file that the user must fix (one-line message)."""


class BatchConnection(sqlite3.Connection):
    """``with conn:`` commits, as usual, unless a batch is open (``batch``): then each
    ``with`` is a savepoint, rolled back alone on an error, and the batch's end commits.
    sqlite-utils and this module both write inside ``with db.conn:``, so this is how many
    articles share one transaction without either changing. ``queued``: the batch's search
    index writes (``search.Queued``), written just before its commit, rolled back with a
    savepoint like the rows beside them."""

    batching = False
    queued: search.Queued | None = None

    def __enter__(self):
        if not self.batching:
            return super().__enter__()
        self.execute("savepoint edunews_write")
        self.snapshots.append(self.queued.snapshot())
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.batching:
            return super().__exit__(exc_type, exc, tb)
        snapshot = self.snapshots.pop()
        if exc_type is not None:
            self.execute("rollback to edunews_write")
            self.queued.restore(snapshot)
        self.execute("release edunews_write")
        return False


@contextmanager
def batch(db: sqlite_utils.Database):
    """One transaction for every write inside: committed at the end, rolled back whole if
    the process dies first (a killed run loses at most the batch in flight)."""
    conn = db.conn
    if not isinstance(conn, BatchConnection) or conn.batching:
        yield
        return
    conn.execute("begin")
    conn.batching, conn.queued, conn.snapshots = True, search.Queued(), []
    try:
        yield
        conn.batching = False
        search.flush(db)  # the batch's search index rows, in the same transaction
    except BaseException:
        conn.batching, conn.queued = False, None
        conn.rollback()
        raise
    conn.queued = None
    conn.commit()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_db(path: str | os.PathLike, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) the archive; raise ArchiveError with a readable reason."""
    path = Path(path)
    if not create and not path.exists():
        raise ArchiveError(f"database not found: {path} (run `edunews crawl` first or pass --db)")
    _check_writable_dir(path.parent if create else None)
    try:
        conn = sqlite3.connect(path, timeout=30, factory=BatchConnection)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA foreign_keys = ON")
        check_archive(db.conn)  # before WAL or a migration touches another program's file
        _check_sqlite(db)
        if create:
            if not db.table_names():  # a new archive: free pages can be given back
                db.execute(f"PRAGMA auto_vacuum = {INCREMENTAL}")
            db.enable_wal()
            _compact_after(db, migrate(db))
        else:
            db.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use database {path}: {exc}") from None
    return db


def _check_sqlite(db: sqlite_utils.Database) -> None:
    """An archive whose search index deletes by rowid needs SQLite 3.43+ to search or write."""
    if search.deletes_by_rowid(db) and not sqlite.CONTENTLESS_DELETE:
        raise ArchiveError(
            f"this archive's search index needs SQLite 3.43 or later; this Python has "
            f"{sqlite3.sqlite_version} (install pysqlite3-binary, or pysqlite3 built "
            "against a current SQLite)"
        )


INCREMENTAL = 2  # PRAGMA auto_vacuum: free pages are given back on ``release_free_pages``
REINDEXED = "0014_search_deletes_by_rowid"  # leaves the whole old search index free
RECOPIED = "0015_keyed_tables_without_rowid"  # leaves the old copies of its tables free


def _compact_after(db: sqlite_utils.Database, ran: list[str]) -> None:
    """After migration 0014 rebuilt the search index (in the pages the old one freed), or
    0015 copied tables, give what is left free back to the disk, in an archive with
    incremental auto_vacuum. One made before that mode is not VACUUMed here: pysqlite3's
    SQLite keeps temporary databases in memory (SQLITE_TEMP_STORE=3), so VACUUM would hold
    a copy of the whole archive in RAM."""
    if REINDEXED in ran or RECOPIED in ran:
        release_free_pages(db)


def release_free_pages(db: sqlite_utils.Database) -> int:
    """Shrink the file by its free pages (in an archive with incremental auto_vacuum; a
    no-op in another): a crawl's end, where merges of the search index left them. Returns
    the number of pages given back."""
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    if free and db.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL:
        db.execute("PRAGMA incremental_vacuum").fetchall()  # runs to its end when read out
        return free - db.execute("PRAGMA freelist_count").fetchone()[0]
    return 0


def _check_writable_dir(directory: Path | None) -> None:
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create directory {directory}: {exc.strerror}") from None
    if not os.access(directory, os.W_OK):
        raise ArchiveError(f"directory is not writable: {directory}")


def upsert_sources(db: sqlite_utils.Database, sources: Iterable) -> None:
    now = now_iso()
    with db.conn:
        for src in sources:
            row = {
                "id": src.id,
                "name": src.name,
                "name_en": src.name_en,
                "url": src.url,
                "kind": src.kind,
                "hints": json.dumps(src.hints, ensure_ascii=False) if src.hints else None,
                "updated_at": now,
            } | source_place(src)
            if db["sources"].count_where("id = ?", [src.id]) == 0:
                row["added_at"] = now
            db["sources"].upsert(row, pk="id")


def source_place(src) -> dict:
    """The registry's kind, province(s) and region of an agency (migration 0009)."""
    provinces = list(getattr(src, "provinces", ()) or ())
    return {
        "category": getattr(src, "category", None),
        "province": provinces[0] if provinces else None,
        "provinces": json.dumps(provinces, ensure_ascii=False) if provinces else None,
        "region": getattr(src, "region", None),
    }


def content_hash(article: Article) -> str:
    material = {
        "title": article.title,
        "body_text": article.body_text,
        "published_at": article.published_at,
        "modified_at": article.modified_at,
        "event_date": article.event_date,
        "author": article.author,
        "credits": article.credits.as_dict(),
        "images": [_fields(i) for i in article.images],
        "attachments": [_fields(a) for a in article.attachments],
    }
    blob = json.dumps(material, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _fields(item: Image | Attachment) -> dict:
    """``asdict`` of an image or attachment, whose fields are text: without its deep copy
    (``asdict`` was a third of ``content_hash``)."""
    return {name: getattr(item, name) for name in FIELDS[type(item)]}


FIELDS = {kind: tuple(f.name for f in fields(kind)) for kind in (Image, Attachment)}


def _article_row(article: Article, digest: str, now: str) -> dict:
    published_date = article.published_at[:10] if article.published_at else None
    row = {
        "id": article_id(article.url),
        "url": article.url,
        "source": article.source,
        "title": article.title,
        "body_text": article.body_text,
        "published_at": article.published_at,
        "published_date": published_date,
        "year": int(published_date[:4]) if published_date else None,
        "month": published_date[:7] if published_date else None,
        "modified_at": article.modified_at,
        "event_date": article.event_date,
        "author": article.author,
        "credits": _json_or_none(article.credits.as_dict()),
        "image_count": len(article.images),
        "attachment_count": len(article.attachments),
        "content_hash": digest,
        "discovered_via": article.discovered_via,
        "date_source": article.date_source,
        "date_warning": article.date_warning,
        "fetched_url": article.fetched_url,
        "fetched_at": article.fetched_at or now,
        "last_seen_at": now,
        "updated_at": now,
    }
    return row | calendar_fields(published_date) | _credit_and_entity_columns(article)


def _credit_and_entity_columns(article: Article) -> dict:
    credits, entities = article.credits, article.entities or {}
    return {
        "reporter": credits.reporter,
        "photographer": credits.photographer,
        "publisher": credits.publisher,
        "credit_source": credits.source,
        "provinces": _json_or_none(entities.get("provinces")),
        "agencies": _json_or_none([a["canonical"] for a in entities.get("agencies", [])]),
        "people": _json_or_none([p["name"] for p in entities.get("people", [])]),
    }


def _json_or_none(value) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


# Where a publication date came from, least exact first: a date found in the body, one shown
# on the page, one the page declares in its metadata or the feed gives, the API's own field.
DATE_EXACTNESS = {"body": 1, "visible": 2, "metadata": 3, "feed": 3, "api": 4}
# Only a changed title, body or publication date makes a new version (``really_changed``);
# anything else (modified_at, credits, images) is refreshed in place, so a versions page never
# shows "1 → 2" with nothing a reader would see changed.


def save_article(
    db: sqlite_utils.Database,
    article: Article,
    derived: Derived | None = None,
    digest: str | None = None,
) -> str:
    """Store one article; returns "new", "updated" (a new version), "unchanged" (including a
    refresh of metadata in place) or "foreign" (stored under another source: left alone).

    Several paths reach one article (API, feed, sitemap, listing, its page, a re-check);
    ``merge`` keeps what one path gave and another lacks. Every new version becomes a
    numbered row of ``article_versions`` pointing at its raw capture. ``derived``: the
    article's heavy forms (``archive.process.derive``), when computed already; ``digest``:
    its ``content_hash``, when computed already (of this very article: not kept if
    ``merge`` changes it).
    """
    now = now_iso()
    aid, stored = _find(db, article)
    if stored and stored["source"] != article.source:
        return "foreign"  # a stored article never changes source
    if stored:
        merged = merge(db, aid, stored, article)
        digest, article = digest if merged is article else None, merged
    with db.conn:
        outcome = _write(db, aid, stored, article, now, derived, digest or content_hash(article))
        _remember_aliases(db, aid, article, stored)
    return outcome


def _write(db, aid: str, stored, article: Article, now: str, derived, digest: str) -> str:
    if stored and stored["content_hash"] == digest:
        changes = _seen(article, now) | _moved(db, aid, stored, article)
        _update_changed(db, "articles", {"id": aid}, stored, changes)
        return "unchanged"
    if stored and not really_changed(stored, article):
        _refresh(db, aid, article, digest, now, stored)
        return "unchanged"
    _new_version(db, aid, article, digest, now, stored, derived)
    return "updated" if stored else "new"


def resolve(db: sqlite_utils.Database, url: str) -> str:
    """The id of the stored article a URL stands for: its own, or that of the article it is
    another URL of (``article_aliases``)."""
    key = article_id(url)
    row = db.execute("select article_id from article_aliases where alias = ?", [key]).fetchone()
    return row[0] if row else key


def _find(db: sqlite_utils.Database, article: Article) -> tuple[str, dict | None]:
    """The stored article under the URL or any alias; else the URL's own id."""
    for url in (article.url, *article.aliases):
        aid = resolve(db, url)
        stored = _stored(db, aid)
        if stored:
            return aid, stored
    return article_id(article.url), None


def _remember_aliases(db, aid: str, article: Article, stored: dict | None) -> None:
    """Every URL the article was met under, once it has more than one; but not the URL its
    id is made from while the article stands at it: that row would map the URL to the id
    it has anyway, and ``known_articles`` leaves out the article's own URL (0018)."""
    urls = {article.url, *article.aliases} | ({stored["url"]} if stored else set())
    if len(urls) > 1:
        own = _url_now(db, aid, article, stored)  # its id's own row, not written
        rows = [
            {"alias": article_id(u), "article_id": aid, "url": u}
            for u in sorted(urls)
            if u != own or article_id(u) != aid
        ]
        if stored:  # only what is not stored as it is already
            known = set(db.conn.execute(ALIASES, [aid]))
            rows = [r for r in rows if (r["alias"], aid, r["url"]) not in known]
        plainsql.upsert(db, "article_aliases", rows, pk=("alias",))


ALIASES = "select alias, article_id, url from article_aliases where article_id = ?"


def _url_now(db, aid: str, article: Article, stored: dict | None) -> str:
    """The article's URL once saved: the one it came with, unless it was stored under
    another (``_moved`` then moved it, unless another article holds that URL)."""
    if not stored or stored["url"] == article.url:
        return article.url
    return db.execute("select url from articles where id = ?", [aid]).fetchone()[0]


def _update_changed(db, table: str, key: dict, stored: dict, row: dict) -> None:
    """Update the columns of ``row`` whose value differs from the ``stored`` row (which holds
    every column): SQLite then leaves alone the indexes and triggers of the others."""
    changes = {k: v for k, v in row.items() if k not in stored or stored[k] != v}
    if changes:
        plainsql.update(db, table, key, changes)


def _moved(db, aid: str, stored: dict, article: Article) -> dict:
    """The article's URL is now the one the site links to (its permalink changed)."""
    if stored["url"] == article.url:
        return {}
    taken = db.execute(
        "select 1 from articles where url = ? and id != ?", [article.url, aid]
    ).fetchone()
    return {} if taken else {"url": article.url}


def _stored(db: sqlite_utils.Database, aid: str) -> dict | None:
    """The stored row, every column, and its rowid."""
    cursor = db.conn.execute("select rowid, * from articles where id = ?", [aid])
    row = cursor.fetchone()
    names = [d[0] for d in cursor.description]
    return None if row is None else dict(zip(names, row, strict=True))


def _new_version(db, aid: str, article: Article, digest: str, now: str, stored, derived) -> None:
    version = (stored["version"] or 1) + 1 if stored else 1
    row = _article_row(article, digest, now) | {"version": version, "removed_at": None}
    row["id"] = aid
    if stored:  # the id stays; the URL follows the site's newest permalink
        row |= {"url": stored["url"]} | _moved(db, aid, stored, article)
    row["capture_id"] = article.capture_id
    row["removed_reason"] = None
    if stored:
        _update_changed(db, "articles", {"id": aid}, stored, row)
        rowid = stored["rowid"]
    else:
        # Its own story until stories are regrouped: a later move to another story then
        # rewrites an id of the same length in place, not the whole row and its text.
        new = {"first_seen_at": now, "story_id": aid}
        rowid = plainsql.insert(db, "articles", [row | new])
    if stored:  # what it replaces moves to its own version row (migrations 0011, 0016)
        _keep_past(db, aid, stored)
    versioned = {k: row[k] for k in VERSIONED}
    new_version = {"article_id": aid, "version": version, "title": None, "body_text": None}
    new_version |= dict.fromkeys(KEPT_IN_ARTICLES)
    plainsql.insert(
        db, "article_versions", [versioned | new_version | {"capture_id": article.capture_id}]
    )
    _replace_children(db, aid, article, stored)
    if stored and (stored["title"], stored["body_text"]) == (article.title, article.body_text):
        return  # only the date moved: the indexed document and the signature stay as they are
    if derived is None or (derived.title, derived.body) != (article.title, article.body_text):
        # Not derived yet (a caller outside archive.process), or merge changed the text.
        derived = derive(article.title, article.body_text, normalised=False)
    search.index_article(
        db, rowid, article.title, article.body_text, derived.document, indexed=bool(stored)
    )
    signature = {"article_id": aid, "minhash": derived.signature}
    plainsql.upsert(db, "article_signatures", [signature], pk=("article_id",))


def _refresh(db, aid: str, article: Article, digest: str, now: str, stored: dict) -> None:
    """Same title, body and date: metadata updated in place, in the row and its version."""
    version = stored["version"] or 1
    row = _article_row(article, digest, now) | {"removed_at": None, "removed_reason": None}
    row |= {"id": aid, "url": stored["url"]} | _moved(db, aid, stored, article)
    if article.capture_id is not None:
        row["capture_id"] = article.capture_id
    _update_changed(db, "articles", {"id": aid}, stored, row)
    # The version row reads them from ``articles`` (0016), unless it holds its own.
    in_place = [row[k] for k in KEPT_IN_ARTICLES]
    db.conn.execute(REFRESH_OWN, [*in_place, aid, version])
    _replace_children(db, aid, article, stored)


REFRESH_OWN = (
    "update article_versions set modified_at = ?, event_date = ?, content_hash = ? "
    "where article_id = ? and version = ? and content_hash is not null"
)
# The replaced version's text, and its hash and dates unless it holds its own already.
KEEP_PAST = """update article_versions set title = ?, body_text = ?,
    modified_at = case when content_hash is null then ? else modified_at end,
    event_date = case when content_hash is null then ? else event_date end,
    content_hash = coalesce(content_hash, ?)
where article_id = ? and version = ?"""


def _keep_past(db, aid: str, stored: dict) -> None:
    """The version a new one replaces gets what ``articles`` held for it (0011, 0016)."""
    values = [stored[k] for k in ("title", "body_text", *KEPT_IN_ARTICLES)]
    cursor = db.conn.execute(KEEP_PAST, [*values, aid, stored["version"] or 1])
    if cursor.rowcount != 1:
        raise NotFoundError(f"no version {stored['version'] or 1} of article {aid}")


def merge(db: sqlite_utils.Database, aid: str, stored: dict, article: Article) -> Article:
    """One article, one truth: a field the new path lacks keeps the stored value, and of two
    publication dates the more exact one wins (a timestamp over a day; API and feed over a
    date shown on the page; a shown date over one found in the body)."""
    keep = {}
    for name in ("title", "body_text", "modified_at", "event_date", "author", "date_warning"):
        if not getattr(article, name) and stored[name]:
            keep[name] = stored[name]
    if not article.discovered_via:
        keep["discovered_via"] = stored["discovered_via"]
    if date_exactness(stored["published_at"], stored["date_source"]) > date_exactness(
        article.published_at, article.date_source
    ):
        keep["published_at"] = stored["published_at"]
        keep["date_source"] = stored["date_source"]
    if not article.credits.as_dict() and stored["credits"]:
        keep["credits"] = Credits(**json.loads(stored["credits"]))
    if not article.images and stored["image_count"]:
        keep["images"] = [Image(r["url"], r["caption"]) for r in _children(db, "images", aid)]
    if not article.attachments and stored["attachment_count"]:
        files = _children(db, "attachments", aid)
        keep["attachments"] = [Attachment(r["url"], r["title"], r["kind"]) for r in files]
    return replace(article, **keep) if keep else article


def really_changed(stored: dict, article: Article) -> bool:
    """The title or body differ, or the publication date moved (a date gaining its time of
    day, or appearing where there was none, is a more exact reading, not an edit)."""
    if stored["title"] != article.title or stored["body_text"] != article.body_text:
        return True
    before, after = stored["published_at"], article.published_at
    if not before or not after or before == after:
        return False
    if len(before) <= 10 or len(after) <= 10:
        return before[:10] != after[:10]
    return datetime.fromisoformat(before) != datetime.fromisoformat(after)


def date_exactness(published_at: str | None, source: str | None) -> tuple[int, int]:
    if not published_at:
        return (0, 0)
    return (int(len(published_at) > 10), DATE_EXACTNESS.get(source or "", 0))


def _children(db: sqlite_utils.Database, table: str, aid: str) -> list[dict]:
    return list(db.query(f"select * from {table} where article_id = ? order by position", [aid]))


def _seen(article: Article, now: str) -> dict:
    """An unchanged re-fetch: seen again (and live again, if it had been marked removed)."""
    return {
        "last_seen_at": now,
        "fetched_at": article.fetched_at,
        "removed_at": None,
        "removed_reason": None,
    }


def mark_removed(db: sqlite_utils.Database, url: str, reason: str) -> bool:
    """Mark a stored article as gone, keeping its content; True if it was live until now."""
    aid = resolve(db, url)
    with db.conn:
        cursor = db.execute(
            "update articles set removed_at = ?, removed_reason = ? "
            "where id = ? and removed_at is null",
            [now_iso(), reason, aid],
        )
    return cursor.rowcount > 0


def known_articles(db: sqlite_utils.Database, source: str) -> list[dict]:
    """The live articles of a source, least recently seen first (for incremental crawls),
    each with ``aliases``: its other URLs."""
    sql = (
        "select a.url, a.modified_at, a.fetched_at, a.last_seen_at, "
        "(select group_concat(l.url, char(10)) from article_aliases l where l.article_id = a.id) "
        "as aliases from articles a "
        "where a.source = ? and a.removed_at is null order by a.last_seen_at, a.id"
    )
    rows = list(db.query(sql, [source]))
    for row in rows:
        row["aliases"] = [u for u in (row["aliases"] or "").split("\n") if u and u != row["url"]]
    return rows


def completed_sources(db: sqlite_utils.Database) -> set[str]:
    """Sources the latest run crawled to its end (a killed or interrupted run: none)."""
    latest = next(
        iter(db.query("select id, status from crawl_runs order by id desc limit 1")), None
    )
    if not latest or latest["status"] != "finished":
        return set()
    sql = "select source from crawl_run_sources where run_id = ? and status != 'failed'"
    return {row[0] for row in db.execute(sql, [latest["id"]])}


def last_discovery(db: sqlite_utils.Database) -> dict[str, str]:
    return dict(db.execute("select id, discovery from sources where discovery is not null"))


def touch(db: sqlite_utils.Database, url: str) -> bool:
    """Seen again without a re-fetch (listed unchanged, or 304): True if stored."""
    with db.conn:
        cursor = db.execute(
            "update articles set last_seen_at = ?, removed_at = null, removed_reason = null "
            "where id = ?",
            [now_iso(), resolve(db, url)],
        )
    return cursor.rowcount > 0


def validators(db: sqlite_utils.Database, url: str) -> dict | None:
    rows = db.query("select etag, last_modified from http_validators where url = ?", [url])
    return next(iter(rows), None)


def save_validators(db, url: str, etag: str | None, last_modified: str | None) -> None:
    row = {"url": url, "etag": etag, "last_modified": last_modified, "updated_at": now_iso()}
    with db.conn:
        plainsql.upsert(db, "http_validators", [row], pk=("url",))


def record_capture(db: sqlite_utils.Database, capture: dict) -> int:
    with db.conn:
        return plainsql.insert(db, "captures", [capture])


def last_capture(db: sqlite_utils.Database, url: str) -> dict | None:
    rows = db.query(
        "select * from captures where url = ? and record_type = 'response' "
        "order by id desc limit 1",
        [url],
    )
    return next(iter(rows), None)


def record_error(db, run_id: int, source: str, url: str, kind: str, reason: str) -> None:
    with db.conn:
        db["crawl_errors"].insert(
            {"run_id": run_id, "source": source, "url": url, "kind": kind, "reason": reason}
            | {"at": now_iso()}
        )


def group_stories(db: sqlite_utils.Database) -> int:
    """Regroup syndicated copies after a run; returns the number of multi-article stories."""
    return stories.assign(db)


def _replace_children(db, aid: str, article: Article, stored: dict | None) -> None:
    """The article's rows in its link tables (LINK_COLUMNS). A table that holds them already is left
    alone (a rewrite seldom changes them: one read of all five instead of five deletes and
    their inserts); a new article has none to delete."""
    held = _held(db, aid) if stored else {}
    for table, rows in _child_rows(article).items():
        if stored and held.get(table, set()) == _kept(table, rows):
            continue
        if stored:
            db.conn.execute(f"delete from [{table}] where article_id = ?", [aid])
        names = ("article_id", *LINK_COLUMNS[table])
        values = [dict(zip(names, (aid, *row), strict=True)) for row in rows]
        plainsql.insert(db, table, values, "insert" if table in KEPT_LAST else IGNORE)


IGNORE = "insert or ignore"
# Each link table's columns after article_id, its key among them first, then the others.
LINK_COLUMNS = {
    "article_provinces": ("province",),
    "article_agencies": ("agency", "abbreviation"),
    "article_people": ("person", "title", "position"),
    "images": ("position", "url", "caption"),
    "attachments": ("position", "url", "title", "kind"),
}
KEY = {"images": 1, "attachments": 1}  # where the key is not the first column
KEPT_LAST = ("images", "attachments")  # deduplicated before the insert (``_child_rows``)
HELD = " union all ".join(
    f"select {n}, {', '.join([*columns, *['null'] * (4 - len(columns))])} "
    f"from [{table}] where article_id = ?1"
    for n, (table, columns) in enumerate(LINK_COLUMNS.items())
)


def _held(db, aid: str) -> dict[str, set[tuple]]:
    """The rows of the article in each link table now (columns as LINK_COLUMNS)."""
    tables, held = list(LINK_COLUMNS), {}
    for n, *row in db.conn.execute(HELD, [aid]):
        table = tables[n]
        held.setdefault(table, set()).add(tuple(row[: len(LINK_COLUMNS[table])]))
    return held


def _kept(table: str, rows: list[tuple]) -> set[tuple]:
    """The rows a table keeps of these: the first of those with one key ("insert or
    ignore"; images and attachments come deduplicated)."""
    key, kept = KEY.get(table, 0), {}
    for row in rows:
        kept.setdefault(row[key], row)
    return set(kept.values())


def _child_rows(article: Article) -> dict[str, list[tuple]]:
    """The rows of each link table for this article, as inserted (LINK_COLUMNS)."""
    entities = article.entities or {}
    images = {i.url: i for i in article.images}  # a page may repeat an image
    files = {a.url: a for a in article.attachments}
    return {
        "article_provinces": [(p,) for p in entities.get("provinces", [])],
        "article_agencies": [
            (a["canonical"], a.get("abbreviation")) for a in entities.get("agencies", [])
        ],
        "article_people": [
            (p["name"], p.get("title"), p.get("position")) for p in entities.get("people", [])
        ],
        "images": [(n, i.url, i.caption) for n, i in enumerate(images.values())],
        "attachments": [(n, a.url, a.title, a.kind) for n, a in enumerate(files.values())],
    }


def start_run(db: sqlite_utils.Database, settings: dict | None = None) -> int:
    """A new run record; runs left "running" by a killed process are marked so."""
    with db.conn:
        db.execute(
            "update crawl_runs set status = 'interrupted (no end recorded)' "
            "where status = 'running'"
        )
        table = db["crawl_runs"].insert(
            {
                "started_at": now_iso(),
                "status": "running",
                "settings": json.dumps(settings or {}, ensure_ascii=False),
            }
        )
    return table.last_pk


COUNTS = ("pages", "bytes", "articles", "new", "updated", "unchanged", "removed", "errors")


def finish_run(db: sqlite_utils.Database, run_id: int, per_source: dict[str, dict], status: str):
    """Record the end of a run with per-source counts, status and reason."""
    with db.conn:
        for source, counts in per_source.items():
            row = {"run_id": run_id, "source": source}
            row.update({k: counts.get(k, 0) for k in COUNTS})
            row.update({k: counts.get(k) for k in ("status", "reason", "discovery")})
            db["crawl_run_sources"].upsert(row, pk=("run_id", "source"))
            if counts.get("discovery"):
                db["sources"].update(source, {"discovery": counts["discovery"]})
        totals = {k: sum(c.get(k, 0) for c in per_source.values()) for k in COUNTS}
        for key in ("articles", "bytes", "removed"):
            totals.pop(key)
        db["crawl_runs"].update(run_id, {"finished_at": now_iso(), "status": status, **totals})
