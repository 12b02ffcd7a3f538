"""Datasette plugin: the per-source crawl health page (``archive.status``, as
``edunews status`` prints it), in HTML and JSON."""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive import status

DATABASE = "edunews"


async def health_page(request, datasette):
    db = datasette.get_database(DATABASE)
    health = await db.execute_fn(lambda conn: status.source_health(conn))
    context = {"health": health, "unreachable": status.unreachable_groups(health)}
    if request.path.endswith(".json"):
        return Response.json(health, default=str)
    return Response.html(
        await datasette.render_template("edunews_health.html", context, request=request)
    )


@hookimpl
def register_routes(datasette):
    return [(r"^/-/edunews/health(?:\.json)?$", health_page)]
