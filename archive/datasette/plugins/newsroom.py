"""Datasette plugin for the newsroom: facets over the entity tables, Thai date ranges, Atom
feeds, charts, robots.txt and the security headers on every response. The newsroom's own
pages are beside it: pages.py (landing, article extras), history.py, captures.py, health.py,
queries.py (canned queries and their complete CSV).

The search itself is ``edunews.py`` beside this file; the pure logic lives in ``archive``
modules (thaiforms, snippets, citations, diff, capture_view, charts, feeds) so it is tested
without Datasette.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
from collections import Counter
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.facets import ArrayFacet, ColumnFacet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args
from datasette.utils.asgi import BadRequest, Response

from archive import (
    charts,
    feeds,
    matches,
    search,
    snippets,
    thaiforms,
)

DATABASE = "edunews"

# -- security headers ----------------------------------------------------------------------------
# Datasette 0.65 writes two inline scripts; they are allowed by hash, every other script must
# come from this server. Nothing is loaded from anywhere else: crawled pages name images and
# fonts on agency servers, and a journalist's browser must not fetch them.
INLINE_SCRIPTS = ("DATASETTE_ALLOW_FACET = true;", "DATASETTE_ALLOW_FACET = false;")


def script_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' " + " ".join(script_hash(s) for s in INLINE_SCRIPTS),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"SAMEORIGIN",
}


def with_security_headers(headers: list) -> list:
    """The response's headers plus any security header it does not set itself."""
    present = {name.lower() for name, _ in headers}
    extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
    return [*headers, *extra]


# The publication is read-only: no method that could write is accepted (Datasette 0.65 also
# answers a POST to a read-only canned query with an error page instead of a refusal).
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


async def refuse(send) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD")]
    await send({"type": "http.response.start", "status": 405, "headers": headers})
    await send({"type": "http.response.body", "body": b"read-only archive\n"})


def secured_start(message: dict) -> dict:
    if message["type"] != "http.response.start":
        return message
    return {**message, "headers": with_security_headers(list(message.get("headers", [])))}


def security_wrapper(app):
    async def secured(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if scope.get("method", "GET") not in READ_METHODS:
            return await refuse(lambda m: send(secured_start(m)))

        async def send_secured(message):
            await send(secured_start(message))

        await app(scope, receive, send_secured)

    return secured


# The articles listing shows cards, not a 36-column table: the HTML page asks only for the
# columns the cards use, so Datasette does not render (and run render_cell on) 1,800 cells
# per page. JSON, CSV and Atom keep every column.
CARD_COLUMNS = ("title", "source", "published_at", "url", "body_text", "removed_at")
CARD_PAGE = "/edunews/articles"


def card_query(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if any(k in ("_col", "_nocol") for k, _ in pairs):
        return query_string
    return urlencode([*pairs, *(("_col", c) for c in CARD_COLUMNS)]).encode("ascii")


def cards_wrapper(app):
    async def with_cards(scope, receive, send):
        if scope["type"] == "http" and scope.get("path") == CARD_PAGE:
            scope = {**scope, "query_string": card_query(scope.get("query_string", b""))}
        await app(scope, receive, send)

    return with_cards


# Facets name columns, and anyone types the names: a facet on a column the table does not
# have is dropped before Datasette sees it (its own column and array facets would fail with
# SQLite's message, and the fast indexed facet put the name into SQL).
FACET_ARGS = {"_facet", "_facet_indexed", "_facet_array"}
TABLE_PATH = re.compile(rf"/{DATABASE}/([A-Za-z_]+)(?:\.\w+)?")


# A view pages by offset: Datasette reads `_next` there with int() and answers anything else
# with a 500. A `_next` that is not a number starts from the first page instead.
OFFSET_PAGED = {search.VIEW}


def is_offset(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18  # within SQLite's integers


def checked_args(query_string: bytes, known: set[str], offset_paged: bool) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k not in FACET_ARGS or v in known]
    if offset_paged:
        kept = [(k, v) for k, v in kept if k != "_next" or is_offset(v)]
    return query_string if len(kept) == len(pairs) else urlencode(kept).encode("ascii")


def facet_guard_wrapper(app, datasette):
    async def with_checked_args(scope, receive, send):
        found = scope["type"] == "http" and TABLE_PATH.fullmatch(scope.get("path", ""))
        if found and scope.get("query_string"):
            db = datasette.databases.get(DATABASE)
            known = set(await db.table_columns(found[1])) if db else set()
            query = checked_args(scope["query_string"], known, found[1] in OFFSET_PAGED)
            scope = {**scope, "query_string": query}
        await app(scope, receive, send)

    return with_checked_args


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: security_wrapper(cards_wrapper(facet_guard_wrapper(app, datasette)))


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
    env.filters["snippet"] = snippets.snippet
    env.filters["highlight"] = snippets.highlight
    env.filters["iso_day"] = lambda value: (value or "")[:10]


# -- Thai date ranges and entity filters ---------------------------------------------------------
# `_since` / `_until` accept 2567 or 2024, 2567-08, 22/8/2562, 22 ส.ค. 2562; `_until` includes
# the whole period it names. `_province`, `_agency`, `_person` select through the entity tables
# (indexed), not by scanning the JSON arrays stored after each body.
ENTITY_FILTERS = {
    "_province": ("article_provinces", "province"),
    "_agency": ("article_agencies", "agency"),
    "_person": ("article_people", "person"),
}
ENTITY_COLUMNS = {"provinces": "_province", "agencies": "_agency", "people": "_person"}
LISTINGS = ("articles",)


def date_arg(args, name: str) -> tuple[str, str] | None:
    """The period a date argument names; a date that cannot be read is a 400, not ignored."""
    text = args.get(name)
    try:
        found = thaiforms.period(text)
    except (ValueError, OverflowError):  # 0000, 2567-02-30: the form is right, the day is not
        found = None
    if text and text.strip() and found is None:
        raise BadRequest(
            f"อ่านวันที่ {name} ไม่ได้ (เช่น 2567, 2567-08, 22/8/2562) / "
            f"cannot read the date in {name} (try 2567, 2024-08 or 22/8/2562)"
        )
    return found


def date_range_clauses(args) -> tuple[list[str], dict, list[str]]:
    where, params, human = [], {}, []
    since, until = date_arg(args, "_since"), date_arg(args, "_until")
    if since:
        where.append("published_at >= :edunews_since")
        params["edunews_since"] = since[0]
        human.append(f"published on or after {since[0]}")
    if until:
        where.append("published_at < :edunews_until")
        params["edunews_until"] = until[1]
        human.append(f"published before {until[1]}")
    return where, params, human


def entity_clauses(args) -> tuple[list[str], dict, list[str]]:
    where, params, human = [], {}, []
    for n, (arg, (table, column)) in enumerate(ENTITY_FILTERS.items()):
        for m, value in enumerate(args.getlist(arg)):
            name = f"edunews_e{n}_{m}"
            where.append(f"id in (select article_id from {table} where {column} = :{name})")
            params[name] = value
            human.append(f'{column} is "{value}"')
    return where, params, human


@hookimpl(specname="filters_from_request")
def newsroom_filters(request, database, table, datasette):
    if table not in LISTINGS:
        return None
    where, params, human = date_range_clauses(request.args)
    more = entity_clauses(request.args)
    context = {
        "edunews_since": request.args.get("_since", ""),
        "edunews_until": request.args.get("_until", ""),
    }
    return FilterArguments(where + more[0], params | more[1], human + more[2], context)


# -- facets over the entity tables ---------------------------------------------------------------
class LinkedFacet(ArrayFacet):
    """Facet an entity array (provinces, agencies, people) through its indexed link table.

    `_facet_linked=provinces`; a value toggles `_province=...`."""

    type = "linked"

    async def suggest(self):
        return []

    def facet_sql(self, column: str, limit: int) -> str:
        table, key = ENTITY_FILTERS[ENTITY_COLUMNS[column]]
        return (
            f"select {key} as value, count(*) as count from {table} "
            f"where article_id in (select id from ({self.sql})) "
            f"group by {key} order by count(*) desc, {key} limit {limit}"
        )

    def value_row(self, column: str, row, pairs) -> dict:
        arg, value = ENTITY_COLUMNS[column], str(row["value"])
        selected = (arg, value) in pairs
        change = path_with_removed_args if selected else path_with_added_args
        path = change(self.request, {arg: value})
        return {
            "value": value,
            "label": value,
            "count": row["count"],
            "toggle_url": self.ds.absolute_url(self.request, path),
            "selected": selected,
        }

    async def one(self, column: str, source: str, size: int) -> dict:
        found = await self.ds.execute(
            self.database,
            self.facet_sql(column, size + 1),
            self.params,
            truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )
        pairs = self.get_querystring_pairs()
        toggle = path_with_removed_args(self.request, {"_facet_linked": column})
        return {
            "name": column,
            "type": self.type,
            "results": [self.value_row(column, r, pairs) for r in found.rows[:size]],
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(toggle),
            "truncated": len(found.rows) > size,
        }

    async def facet_results(self):
        results, timed_out = [], []
        for found in self.get_configs():
            column = found["config"].get("column") or found["config"]["simple"]
            if column not in ENTITY_COLUMNS or self.table not in LISTINGS:
                continue
            try:
                results.append(await self.one(column, found["source"], self.get_facet_size()))
            except Exception:  # QueryInterrupted: say which facet was too slow
                timed_out.append(column)
        return results, timed_out


# -- fast facets of a plain search ---------------------------------------------------------------
# A search that matches most of the archive costs ~40 ms per facet in SQL (a scan of the
# column's index, probing each rowid against the match list). When the search is the only
# filter, the counts come from the cached matching rowids and the column's values by rowid,
# read once per database state from its covering index (archive.matches): ~1 ms per facet.
PLAIN_ARGS = {
    "_search", "_sort", "_sort_desc", "_next", "_size", "_col", "_nocol", "_facet",
    "_facet_linked", "_facet_array", "_facet_indexed", "_facet_size", "_nocount", "_nofacet",
    "_labels", "_shape", "_dl", "_stream", "_json", "_trace",
}  # fmt: skip


def plain_search(request) -> bool:
    keys = set(request.args.keys())
    return bool(request.args.get("_search")) and keys <= PLAIN_ARGS


def column_of(found: dict) -> str:
    return found["config"].get("column") or found["config"]["simple"]


class IndexedFacet(ColumnFacet):
    """A column facet (`{"indexed": "month"}` in metadata) with a fast path for searches."""

    type = "indexed"

    async def facet_results(self):
        db = self.ds.get_database(self.database)
        self.known = set(await db.table_columns(self.table))
        if self.table != "articles" or not plain_search(self.request):
            results, timed_out = await super().facet_results()
            return [r | {"type": "column"} for r in results], timed_out
        expression = search.match_expression(self.request.args["_search"])
        results, timed_out = [], []
        for found in self.get_configs():
            column = column_of(found)
            try:
                counts = await db.execute_fn(
                    lambda _, column=column: matches.facet_counts(str(db.path), expression, column)
                )
            except sqlite3.OperationalError:  # interrupted after matches.TIME_LIMIT_S
                timed_out.append(column)
                continue
            results.append(await self.counted(column, Counter(counts), found["source"]))
        return results, timed_out

    def get_configs(self):
        """Only facets on the table's own columns: `_facet_indexed=` is typed by anyone, and
        the fast path puts the name into SQL. Others are left out, like a facet that timed out
        (raising here would leave Datasette's other facet tasks never awaited)."""
        known = getattr(self, "known", None)
        configs = super().get_configs()
        return configs if known is None else [c for c in configs if column_of(c) in known]

    async def counted(self, column: str, counts: Counter, source: str) -> dict:
        size = self.get_facet_size()
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: size + 1]
        labels = await self.ds.expand_foreign_keys(
            self.database, self.table, column, [v for v, _ in top[:size]]
        )
        return {
            "name": column,
            "type": "column",  # what it is to a reader and to JSON clients
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_facet": column})
            ),
            "results": [self.value(column, v, n, labels) for v, n in top[:size]],
            "truncated": len(top) > size,
        }

    def value(self, column: str, value, count: int, labels: dict) -> dict:
        path = path_with_added_args(self.request, {column: value})
        return {
            "value": value,
            "label": labels.get((column, value), value),
            "count": count,
            "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
            "selected": False,  # a plain search has no column filter selected
        }


@hookimpl
def register_facet_classes():
    return [LinkedFacet, IndexedFacet]


# -- listings: feed and chart links, Thai dates ----------------------------------------------------
KEEP_OUT = {"_next", "_size", "_facet", "_facet_linked", "_facet_array", "_sort", "_sort_desc"}
KEEP_OUT |= {"_col", "_nocol"}  # exports and charts take every column


def kept_args(request) -> list[tuple[str, str]]:
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    return [(k, v) for k, v in pairs if k not in KEEP_OUT]


def listing_links(datasette, request, table: str) -> dict:
    args = kept_args(request)
    base = datasette.urls.table(DATABASE, table)
    return {
        "feed_url": f"{base}.atom?" + urlencode(args),
        "chart_url": datasette.urls.path("/-/edunews/chart.svg?") + urlencode(args),
        "csv_all_url": f"{base}.csv?"
        + urlencode([*args, ("_stream", "on"), ("_size", "max"), ("_dl", "1")]),
    }


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        found = {"path_with_added_args": path_with_added_args}
        if view_name == "table" and table in ("articles", "article_search"):
            found |= listing_links(datasette, request, table)
            found["edunews_bodies"] = lambda rows: bodies(datasette, rows)
        return found

    return inner


BODIES_SQL = "select id, body_text from articles where id in (select value from json_each(:ids))"


async def bodies(datasette, rows) -> dict[str, str]:
    """Bodies of one page of the relevance view (which leaves them out), for snippets."""
    ids = json.dumps([row["id"] for row in rows])
    found = await datasette.get_database(DATABASE).execute(BODIES_SQL, {"ids": ids})
    return {r["id"]: r["body_text"] for r in found}


# -- Atom feed of any listing ----------------------------------------------------------------------
def can_render_atom(columns):
    return feeds.NEEDED <= set(columns)


async def render_atom(datasette, request, rows, columns, table, query_name, database):
    title = request.args.get("_search") or table or query_name or "edunews"
    html_path = request.path.rsplit(".atom", 1)[0] + ("?" + request.query_string)
    body = feeds.atom_feed(
        [dict(zip(columns, row, strict=False)) for row in rows],
        f"edunews: {title}",
        datasette.absolute_url(request, request.full_path),
        datasette.absolute_url(request, html_path),
        lambda aid: datasette.absolute_url(request, datasette.urls.row(DATABASE, "articles", aid)),
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "atom", "render": render_atom, "can_render": can_render_atom}


# -- chart of the current search -----------------------------------------------------------------
TAIL = re.compile(r"\s+order by .*? limit \d+(?:\s+offset \d+)?\s*$", re.I | re.S)
CHART_SQL = (
    "select substr(published_at, 1, 7) as month, source, count(*) as n "
    "from ({inner}) where published_at is not null group by month, source"
)


async def chart_svg(request, datasette):
    """Articles per month per source for the listing the query string describes."""
    args = [*kept_args(request), ("_sort", "id"), ("_size", "1"), ("_nofacet", "1")]
    args.append(("_nocount", "1"))
    listing = await datasette.client.get("/edunews/articles.json?" + urlencode(args))
    if listing.status_code != 200:
        return Response.text("bad query", status=400)
    query = listing.json()["query"]
    inner = TAIL.sub("", query["sql"])
    db = datasette.get_database(DATABASE)
    found = await db.execute(CHART_SQL.format(inner=inner), query["params"])
    title = request.args.get("_search") or "ทั้งหมด / all"
    names = {r["id"]: r["name"] for r in await db.execute("select id, name from sources")}
    svg = charts.svg([(r["month"], r["source"], r["n"]) for r in found], title, names)
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


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
        (r"^/-/edunews/chart\.svg$", chart_svg),
    ]
