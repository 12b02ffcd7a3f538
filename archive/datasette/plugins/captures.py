"""Datasette plugin: the raw capture of a page, as crawled, scripts removed, in a sandboxed
iframe (the cleaning itself is ``archive.capture_view``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from archive import capture_view

DATABASE = "edunews"
CAPTURE_SQL = "select * from captures where id = :id"
RESPONSE_SQL = """
select * from captures where url = :url and record_type = 'response'
and payload_digest = :digest and id <= :id order by id desc limit 1
"""


def warc_dir(datasette, db) -> Path:
    configured = getattr(datasette, "edunews_warc_dir", None)
    return Path(configured) if configured else Path(db.path).resolve().parent / "warc"


def capture_id(request) -> int:
    """The capture id of the URL; one beyond SQLite's 64-bit integers names no capture."""
    number = int(request.url_vars["id"])
    if number >= 2**63:
        raise NotFound("ไม่พบข้อมูลดิบนี้ / no such capture")
    return number


async def response_capture(db, capture_id: int) -> dict:
    """The capture, or the response record a revisit repeats."""
    row = next(iter(await db.execute(CAPTURE_SQL, {"id": capture_id})), None)
    if row is None:
        raise NotFound("ไม่พบข้อมูลดิบนี้ / no such capture")
    row = dict(row)
    if row["record_type"] == "revisit":
        params = {"url": row["url"], "digest": row["payload_digest"], "id": row["id"]}
        earlier = next(iter(await db.execute(RESPONSE_SQL, params)), None)
        row = dict(earlier) if earlier else row
    return row


async def capture_raw(request, datasette):
    db = datasette.get_database(DATABASE)
    capture = await response_capture(db, capture_id(request))
    try:  # decoding and cleaning are CPU work: off the event loop, in a worker thread
        html = await asyncio.to_thread(capture_view.capture_html, warc_dir(datasette, db), capture)
    except (FileNotFoundError, ValueError) as exc:
        html = capture_view.NOT_HTML.format("missing", type(exc).__name__)
    response = Response.html(html)
    response.headers["Content-Security-Policy"] = capture_view.CAPTURE_CSP
    return response


async def capture_page(request, datasette):
    db = datasette.get_database(DATABASE)
    capture = await response_capture(db, capture_id(request))
    articles = await db.execute(
        "select id, title from articles where capture_id = :id or url = :url limit 5",
        {"id": capture["id"], "url": capture["url"]},
    )
    context = {"capture": capture, "articles": [dict(r) for r in articles]}
    return Response.html(
        await datasette.render_template("edunews_capture.html", context, request=request)
    )


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/edunews/capture/(?P<id>\d+)$", capture_page),
        (r"^/-/edunews/capture/(?P<id>\d+)/raw$", capture_raw),
    ]
