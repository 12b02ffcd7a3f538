"""Atom feeds of any articles listing or search (``/edunews/articles.atom?_search=ครู``):
a reporter subscribes to new releases mentioning something. Entries name the agency by its
Thai name (from the ``sources`` table); the XML itself is ``archive.feeds``."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive import feeds

DATABASE = "edunews"
NAMES_SQL = "select id, name from sources"


def can_render_atom(columns):
    return feeds.NEEDED <= set(columns)


async def source_names(datasette) -> dict[str, str]:
    db = datasette.get_database(DATABASE)
    if not await db.table_exists("sources"):
        return {}
    return {r["id"]: r["name"] for r in await db.execute(NAMES_SQL) if r["name"]}


async def render_atom(datasette, request, rows, columns, table, query_name, database):
    title = request.args.get("_search") or table or query_name or "edunews"
    html_path = request.path.rsplit(".atom", 1)[0] + ("?" + request.query_string)
    names = await source_names(datasette)
    entries = [dict(zip(columns, row, strict=False)) for row in rows]
    for entry in entries:
        entry["agency"] = names.get(entry.get("source"), entry.get("source"))
    body = feeds.atom_feed(
        entries,
        f"edunews: {title}",
        datasette.absolute_url(request, request.full_path),
        datasette.absolute_url(request, html_path),
        lambda aid: datasette.absolute_url(request, datasette.urls.row(DATABASE, "articles", aid)),
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "atom", "render": render_atom, "can_render": can_render_atom}
