"""Datasette plugin for the newsroom: landing page, article extras, captures, version
history, health, full CSV of canned queries and robots.txt.

Beside it, by concern: ``security.py`` (headers, read-only), ``search_page.py`` (search,
date range, filters, facets, chart), ``atom_feeds.py``, ``exports.py`` (CSV for Excel), and
``chain.py``, the one ASGI chain in a stated order. The pure logic lives in ``archive``
modules (thaiforms, snippets, citations, diff, capture_view, charts, feeds) so it is tested
without Datasette.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils import path_with_added_args
from datasette.utils.asgi import AsgiStream, BadRequest, NotFound, Response

from archive import (
    capture_view,
    citations,
    diff,
    status,
    thaiforms,
)
from archive.publish import file_state
from archive.rowstream import RowStream

DATABASE = "edunews"

# -- robots.txt ------------------------------------------------------------------------------------
# Decided policy: search engines may index the landing page and article pages (they link to
# the originals); listings, searches, facets, exports, captures and histories are endless
# or costly URL spaces and are closed to crawlers.
ROBOTS = """\
# edunews archive: read-only public archive of Thai education press releases.
# Article pages and the landing page may be indexed; searches, facets, exports,
# raw captures and histories may not (endless URL space, heavy queries).
User-agent: *
Allow: /$
Allow: /edunews/articles/
Disallow: /
"""


async def robots_txt():
    return Response.text(ROBOTS)


# -- Jinja filters -------------------------------------------------------------------------------
@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["thai_date"] = thaiforms.thai_date
    env.filters["iso_day"] = lambda value: (value or "")[:10]
    env.filters["readable_url"] = lambda url: unquote(url or "")  # Thai, not %E0%B8...


# -- landing page --------------------------------------------------------------------------------
# Counted from the (source, published_at) index alone: no article row is read.
SOURCES_SQL = """
select s.id, s.name, s.name_en, s.url, coalesce(a.articles, 0) as articles,
       a.first_published, a.last_published
from sources s left join (
  select source, count(*) as articles, min(published_at) as first_published,
         max(published_at) as last_published
  from articles group by source
) a on a.source = s.id
order by articles desc, s.id
"""
LAST_OK_SQL = """
select c.source, max(r.started_at) as last_ok
from crawl_run_sources c join crawl_runs r on r.id = c.run_id
where c.status != 'failed' and r.finished_at is not null group by c.source
"""
NEWEST_SQL = """
select id, title, source, published_at from articles
where published_at is not null order by published_at desc, id limit :n
"""
NEWEST = 12


_landing: dict = {}


async def landing(datasette) -> dict:
    """The landing page's figures, recomputed only after a commit (a crawl writing)."""
    db = datasette.get_database(DATABASE)
    state = (db.path, file_state(db.path))
    if _landing.get("state") != state:
        _landing.update(state=state, figures=await landing_figures(db))
    return _landing["figures"]


async def landing_figures(db) -> dict:
    sources = [dict(r) for r in await db.execute(SOURCES_SQL)]
    last_ok = {r["source"]: r["last_ok"] for r in await db.execute(LAST_OK_SQL)}
    for source in sources:
        source["last_ok"] = last_ok.get(source["id"])
    newest = [dict(r) for r in await db.execute(NEWEST_SQL, {"n": NEWEST})]
    return {
        "sources": sources,
        "newest": newest,
        "total": sum(s["articles"] for s in sources),
        "names": {s["id"]: s["name"] for s in sources},
    }


# -- article page --------------------------------------------------------------------------------
ARTICLE_EXTRAS = {
    "images": "select url, caption from images where article_id = :id order by position",
    "attachments": "select url, title, kind from attachments where article_id = :id "
    "order by position",
    "people": "select person, title, position from article_people where article_id = :id",
    "versions": "select count(*) as n from article_versions where article_id = :id",
}
SOURCE_SQL = "select id, name, name_en from sources where id = :id"


async def article_extras(datasette, request, article_id: str) -> dict:
    db = datasette.get_database(DATABASE)
    found = {}
    for name, sql in ARTICLE_EXTRAS.items():
        found[name] = [dict(r) for r in await db.execute(sql, {"id": article_id})]
    found["versions"] = found["versions"][0]["n"]
    source = await db.execute(
        "select s.* from sources s join articles a on a.source = s.id where a.id = :id",
        {"id": article_id},
    )
    found["source"] = next((dict(r) for r in source), None)
    return found


async def article_citations(datasette, request, article: dict) -> dict:
    db = datasette.get_database(DATABASE)
    source = next(iter(await db.execute(SOURCE_SQL, {"id": article["source"]})), None)
    name = source["name"] if source else article["source"]
    here = datasette.absolute_url(request, datasette.urls.row(DATABASE, "articles", article["id"]))
    return citations.citations(dict(article), name, here)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the archive (no javascript: from a crawled field)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        found = {"edunews_safe_url": safe_url, "path_with_added_args": path_with_added_args}
        if view_name == "index":
            found["edunews"] = await landing(datasette)
        if view_name == "row" and table == "articles":
            article_id = request.url_vars["pks"]
            found["edunews"] = await article_extras(datasette, request, article_id)
            found["edunews_citations"] = lambda row: article_citations(datasette, request, row)
        return found

    return inner


# -- raw capture, version history, source health ---------------------------------------------------
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


VERSIONS_SQL = """
select version, fetched_at, title, body_text, published_at, content_hash, capture_id
from article_version_texts where article_id = :id order by version
"""


@lru_cache(maxsize=64)  # a few popular histories; each entry holds about two bodies
def kept_diff(old: str | None, new: str | None) -> tuple:
    return tuple(diff.word_diff(old, new))


def version_changes(versions: list[dict]) -> list[dict]:
    """Each version after the first, with word diffs of its title and body (bounded work
    each: archive.diff; run in a worker thread, never on the event loop)."""
    out = []
    for old, new in zip(versions, versions[1:], strict=False):
        out.append(
            new
            | {
                "title_diff": kept_diff(old["title"], new["title"]),
                "body_diff": kept_diff(old["body_text"], new["body_text"]),
                "previous": old["version"],
            }
        )
    return out


async def history_page(request, datasette):
    db = datasette.get_database(DATABASE)
    article_id = request.url_vars["id"]
    article = next(
        iter(await db.execute("select * from articles where id = :id", {"id": article_id})), None
    )
    if article is None:
        raise NotFound("ไม่พบข่าวนี้ / no such article")
    versions = [dict(r) for r in await db.execute(VERSIONS_SQL, {"id": article_id})]
    context = {
        "article": dict(article),
        "first": versions[0] if versions else None,
        "changes": await asyncio.to_thread(version_changes, versions),
    }
    return Response.html(
        await datasette.render_template("edunews_history.html", context, request=request)
    )


async def health_page(request, datasette):
    db = datasette.get_database(DATABASE)
    health = await db.execute_fn(lambda conn: status.source_health(conn))
    context = {"health": health, "unreachable": status.unreachable_groups(health)}
    if request.path.endswith(".json"):
        return Response.json(health, default=str)
    return Response.html(
        await datasette.render_template("edunews_health.html", context, request=request)
    )


# -- complete CSV of a canned query ----------------------------------------------------------------
# Datasette stops a query's CSV at max_returned_rows; a newsroom wants every row. Streamed a
# batch at a time (archive.rowstream), each batch bounded by sql_time_limit_ms.
def query_params(query: dict, request) -> dict:
    names = query.get("params") or re.findall(r"(?<!:):(\w+)", query["sql"])
    return {name: request.args.get(name, "") for name in names}


TRUNCATED = "# ตัดจบ: ใช้เวลานานเกินไป / truncated: the query took too long"


def csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


async def query_csv(request, datasette):
    name = request.url_vars["query"]
    query = await datasette.get_canned_query(DATABASE, name, request.actor)
    if query is None:
        raise NotFound("ไม่พบคำค้นสำเร็จรูปนี้ / no such query")
    db = datasette.get_database(DATABASE)
    limit_s = datasette.setting("sql_time_limit_ms") / 1000
    rows = RowStream(db.path, query["sql"], query_params(query, request), limit_s)
    try:  # a bad or slow query fails here, before any header is sent
        columns, first = await asyncio.to_thread(rows.start)
    except sqlite3.Error:
        rows.close()
        raise BadRequest(
            "คำค้นนี้ใช้เวลานานเกินไปหรือพารามิเตอร์ไม่ถูกต้อง / "
            "this query took too long or its parameters are wrong"
        ) from None

    async def stream(writer):
        try:
            batch = first
            await writer.write(csv_text([columns]))
            while batch:
                await writer.write(csv_text(batch))
                batch = await asyncio.to_thread(rows.batch)
        except sqlite3.Error:  # a batch ran past the limit: say so in the file's last row
            await writer.write(csv_text([[TRUNCATED]]))
        finally:
            rows.close()

    headers = {"content-disposition": f'attachment; filename="{name}.csv"'}
    return AsgiStream(stream, headers=headers, content_type="text/csv; charset=utf-8")


async def databases_json(datasette):
    """Datasette's /-/databases without each file's path: where the archive lives on the
    server is nobody's business."""
    shown = ("name", "route", "size", "is_mutable", "is_memory", "hash")
    found = [
        {key: getattr(db, key) for key in shown}
        for name, db in datasette.databases.items()
        if name != "_internal"
    ]
    return Response.json(found)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/databases(?:\.json)?$", databases_json),
        (r"^/robots\.txt$", robots_txt),
        (r"^/-/edunews/capture/(?P<id>\d+)$", capture_page),
        (r"^/-/edunews/capture/(?P<id>\d+)/raw$", capture_raw),
        (r"^/-/edunews/history/(?P<id>[0-9a-f]+)$", history_page),
        (r"^/-/edunews/health(?:\.json)?$", health_page),
        (r"^/-/edunews/query/(?P<query>\w+)\.csv$", query_csv),
    ]
