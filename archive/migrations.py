"""Named, transactional schema migrations for the archive.

Each migration is a function registered under a stable name; ``migrate(db)`` applies the
ones not yet recorded in ``_migrations``, each inside its own transaction, in order.
Never edit a released migration: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils

from archive import search

MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = []


def migration(name: str):
    def register(fn):
        MIGRATIONS.append((name, fn))
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


def applied(db: sqlite_utils.Database) -> set[str]:
    if "_migrations" not in db.table_names():
        return set()
    return {row["name"] for row in db["_migrations"].rows}


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    done = applied(db)
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    ran = []
    for name, fn in MIGRATIONS:
        if name in done:
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
