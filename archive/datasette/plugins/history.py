"""Datasette plugin: an article's version history, as a Thai word diff (``archive.diff``),
each change summarised first (``archive.changes``) with a jump to where it starts."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from archive import changes, diff

DATABASE = "edunews"


@lru_cache(maxsize=64)  # a few popular histories; each entry holds about two bodies
def kept_diff(old: str | None, new: str | None) -> tuple:
    return tuple(diff.word_diff(old, new))


def version_changes(versions: list[dict]) -> list[dict]:
    """Each version after the first, with word diffs of its title and body (bounded work
    each: archive.diff; run in a worker thread, never on the event loop)."""
    out = []
    for old, new in zip(versions, versions[1:], strict=False):
        title_diff = kept_diff(old["title"], new["title"])
        body_diff = kept_diff(old["body_text"], new["body_text"])
        out.append(
            new
            | {
                "title_diff": title_diff,
                "body_diff": body_diff,
                "previous": old["version"],
                "summary": changes.summary(title_diff, body_diff),
                "first_title": changes.first_change(title_diff),
                "first_body": changes.first_change(body_diff),
            }
        )
    return out[::-1]  # newest change first: what a reader opens the page for


async def history_page(request, datasette):
    db = datasette.get_database(DATABASE)
    article_id = request.url_vars["id"]
    article = next(
        iter(await db.execute("select * from articles where id = :id", {"id": article_id})), None
    )
    if article is None:
        raise NotFound("ไม่พบข่าวนี้ / no such article")
    versions = await db.execute_fn(lambda conn: changes.versions(conn, article_id))
    context = {
        "article": dict(article),
        "first": versions[0] if versions else None,
        "changes": await asyncio.to_thread(version_changes, versions),
    }
    return Response.html(
        await datasette.render_template("edunews_history.html", context, request=request)
    )


@hookimpl
def register_routes(datasette):
    return [(r"^/-/edunews/history/(?P<id>[0-9a-f]+)$", history_page)]
