"""The one module that writes to the archive database.

Writes are idempotent upserts keyed on a stable id derived from the canonical URL: storing
the same article twice changes nothing but ``last_seen_at``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from archive import search, stories
from archive.migrations import VERSIONED, calendar_fields, check_archive, migrate
from crawler.extract.urls import url_key
from crawler.items import Article


class ArchiveError(Exception):
    """A problem with the database file that the user must fix (one-line message)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_db(path: str | os.PathLike, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and migrate) the archive; raise ArchiveError with a readable reason."""
    path = Path(path)
    if not create and not path.exists():
        raise ArchiveError(f"database not found: {path} (run `edunews crawl` first or pass --db)")
    _check_writable_dir(path.parent if create else None)
    try:
        conn = sqlite3.connect(path, timeout=30)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA foreign_keys = ON")
        check_archive(db.conn)  # before WAL or a migration touches another program's file
        if create:
            db.enable_wal()
            migrate(db)
        else:
            db.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"cannot use database {path}: {exc}") from None
    return db


def _check_writable_dir(directory: Path | None) -> None:
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create directory {directory}: {exc.strerror}") from None
    if not os.access(directory, os.W_OK):
        raise ArchiveError(f"directory is not writable: {directory}")


def article_id(url: str) -> str:
    """Stable id: http/https, www., trailing slashes and percent-encoding do not matter."""
    return hashlib.sha1(url_key(url).encode("utf-8")).hexdigest()[:16]


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
            }
            if db["sources"].count_where("id = ?", [src.id]) == 0:
                row["added_at"] = now
            db["sources"].upsert(row, pk="id")


def content_hash(article: Article) -> str:
    material = {
        "title": article.title,
        "body_text": article.body_text,
        "published_at": article.published_at,
        "modified_at": article.modified_at,
        "event_date": article.event_date,
        "author": article.author,
        "credits": article.credits.as_dict(),
        "images": [asdict(i) for i in article.images],
        "attachments": [asdict(a) for a in article.attachments],
    }
    blob = json.dumps(material, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


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


def save_article(db: sqlite_utils.Database, article: Article) -> str:
    """Store one article; returns "new", "updated" or "unchanged".

    Every new or changed content becomes a numbered row of ``article_versions`` pointing at
    its raw capture; the ``articles`` row always shows the latest version.
    """
    now = now_iso()
    digest = content_hash(article)
    aid = article_id(article.url)
    existing = db.execute(
        "select content_hash, version from articles where id = ?", [aid]
    ).fetchone()
    with db.conn:
        if existing and existing[0] == digest:
            db["articles"].update(aid, _seen(article, now))
            return "unchanged"
        version = (existing[1] or 1) + 1 if existing else 1
        row = _article_row(article, digest, now) | {"version": version, "removed_at": None}
        row["capture_id"] = article.capture_id
        row["removed_reason"] = None
        if existing:
            db["articles"].update(aid, row)
        else:
            db["articles"].insert(row | {"first_seen_at": now})
        db["article_versions"].insert(
            {k: row[k] for k in VERSIONED}
            | {"article_id": aid, "version": version}
            | {"capture_id": article.capture_id}
        )
        _replace_children(db, aid, article)
        rowid = db.execute("select rowid from articles where id = ?", [aid]).fetchone()[0]
        search.index_article(db, rowid, article.title, article.body_text)
        minhash = stories.signature(article.title, article.body_text)
        db["article_signatures"].upsert({"article_id": aid, "minhash": minhash}, pk="article_id")
    return "updated" if existing else "new"


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
    aid = article_id(url)
    with db.conn:
        cursor = db.execute(
            "update articles set removed_at = ?, removed_reason = ? "
            "where id = ? and removed_at is null",
            [now_iso(), reason, aid],
        )
    return cursor.rowcount > 0


def known_articles(db: sqlite_utils.Database, source: str) -> list[dict]:
    """The live articles of a source, least recently seen first (for incremental crawls)."""
    sql = (
        "select url, modified_at, fetched_at, last_seen_at from articles "
        "where source = ? and removed_at is null order by last_seen_at, id"
    )
    return list(db.query(sql, [source]))


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
            [now_iso(), article_id(url)],
        )
    return cursor.rowcount > 0


def validators(db: sqlite_utils.Database, url: str) -> dict | None:
    rows = db.query("select etag, last_modified from http_validators where url = ?", [url])
    return next(iter(rows), None)


def save_validators(db, url: str, etag: str | None, last_modified: str | None) -> None:
    row = {"url": url, "etag": etag, "last_modified": last_modified, "updated_at": now_iso()}
    with db.conn:
        db["http_validators"].upsert(row, pk="url")


def record_capture(db: sqlite_utils.Database, capture: dict) -> int:
    with db.conn:
        return db["captures"].insert(capture).last_pk


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


LINKS = ("images", "attachments", "article_provinces", "article_agencies", "article_people")


def group_stories(db: sqlite_utils.Database) -> int:
    """Regroup syndicated copies after a run; returns the number of multi-article stories."""
    return stories.assign(db)


def _replace_children(db: sqlite_utils.Database, aid: str, article: Article) -> None:
    for table in LINKS:
        db[table].delete_where("article_id = ?", [aid])
    _insert_entities(db, aid, article.entities or {})
    images = {i.url: i for i in article.images}  # a page may repeat an image
    db["images"].insert_all(
        {"article_id": aid, "position": n, "url": i.url, "caption": i.caption}
        for n, i in enumerate(images.values())
    )
    files = {a.url: a for a in article.attachments}
    db["attachments"].insert_all(
        {"article_id": aid, "position": n, "url": a.url, "title": a.title, "kind": a.kind}
        for n, a in enumerate(files.values())
    )


def _insert_entities(db: sqlite_utils.Database, aid: str, entities: dict) -> None:
    db["article_provinces"].insert_all(
        ({"article_id": aid, "province": p} for p in entities.get("provinces", [])), ignore=True
    )
    db["article_agencies"].insert_all(
        (
            {"article_id": aid, "agency": a["canonical"], "abbreviation": a.get("abbreviation")}
            for a in entities.get("agencies", [])
        ),
        ignore=True,
    )
    db["article_people"].insert_all(
        (
            {
                "article_id": aid,
                "person": p["name"],
                "title": p.get("title"),
                "position": p.get("position"),
            }
            for p in entities.get("people", [])
        ),
        ignore=True,
    )


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
