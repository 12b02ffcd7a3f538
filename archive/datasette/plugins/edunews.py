"""Datasette plugin for the edunews archive: Thai search, Excel-friendly CSV, safe links.

Loaded from the config directory's plugins/ folder; the search logic itself lives in
``archive.search`` so the crawler, tests and this plugin share one definition.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup

from archive import matches, search
from archive.csvcells import CsvRewriter

BOM = "\ufeff".encode()  # Excel reads a CSV as UTF-8 only when it starts with this

# Where each searchable page puts the match. The table filters on a byte per rowid that
# edunews_matched() computes once per query and database state (archive.matches; SQLite
# calls it once per statement: its argument is constant): Datasette runs the page's query,
# its count and each facet separately, and matching a long Thai phrase is the costly part.
# The filter cannot drive a query, so the newest-first page walks the index on
# (published_at desc, id) and stops after one page, and counts scan a small index. The view
# needs the MATCH itself for its relevance column.
VIEW_WHERE = "search_index match :edunews_q"


def matched(path: str, expression: str) -> bytes:
    return matches.match(path, expression).bitmap


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is not None and db.path:
        conn.create_function(
            "edunews_matched", 1, partial(matched, str(db.path)), deterministic=True
        )


def search_arguments(table: str, query: str) -> FilterArguments:
    # The relevance view ranks by bm25, so its expression adds the whole-word phrases.
    expression = search.match_expression(query, ranked=table == search.VIEW)
    context = {"supports_search": True, "search": query}
    description = f'search matches "{query}"'
    if not expression:  # punctuation only: nothing can match it
        return FilterArguments(["0"], {}, [description], context)
    where = VIEW_WHERE if table == search.VIEW else matches.FILTER
    return FilterArguments([where], {"edunews_q": expression}, [description], context)


# trylast: Datasette's own search hook runs first and sets supports_search=False for tables
# without a detectable FTS table; the later extra_context wins, so ours must come last.
@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    if table not in ("articles", search.VIEW):
        return None

    async def inner():
        db = datasette.get_database(database)
        if not await db.table_exists(search.INDEX):
            return None
        query = (request.args.get("_search") or "").strip()
        if not query:
            return FilterArguments([], extra_context={"supports_search": True})
        return search_arguments(table, query)

    return inner


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """In the relevance view, the title links to the article page (escaped by Markup)."""
    if table != search.VIEW or column != "title" or not value:
        return None
    href = datasette.urls.row(database, "articles", row["id"])
    return Markup('<a href="{}">{}</a>').format(href, value)


def _with_bom_length(headers: list) -> list:
    """Response headers with content-length grown by the BOM's three bytes."""
    fixed = []
    for name, value in headers:
        if name.lower() == b"content-length":
            value = str(int(value) + len(BOM)).encode()
        fixed.append((name, value))
    return fixed


def without_length(headers: list) -> list:
    return [(name, value) for name, value in headers if name.lower() != b"content-length"]


def formula_safe_wrapper(app):
    """Every CSV the site serves (tables, searches, canned queries) with its cells
    neutralised (archive.csvcells): a crawled title must not become a live formula. The
    length changes, so the response is sent without content-length."""

    async def rewrite(scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").endswith(".csv"):
            return await app(scope, receive, send)
        rewriter = {"on": False, "csv": CsvRewriter()}

        async def send_rewritten(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                rewriter["on"] = True
                message = {**message, "headers": without_length(message.get("headers", []))}
            elif message["type"] == "http.response.body" and rewriter["on"]:
                more = message.get("more_body", False)
                body = rewriter["csv"].feed(message.get("body", b""), final=not more)
                message = {**message, "body": body}
            await send(message)

        await app(scope, receive, send_rewritten)

    return rewrite


def bom_wrapper(app):
    async def add_bom(scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").endswith(".csv"):
            return await app(scope, receive, send)
        state = {"pending": False}

        async def send_with_bom(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                state["pending"] = True
                message = {**message, "headers": _with_bom_length(message.get("headers", []))}
            elif message["type"] == "http.response.body" and state["pending"]:
                state["pending"] = False
                message = {**message, "body": BOM + message.get("body", b"")}
            await send(message)

        await app(scope, receive, send_with_bom)

    return add_bom


# Datasette 0.65 adds the primary key as a tie-breaker to ORDER BY only from page two on, so
# with the default sort (published_at desc: many articles share a date) page two skips or
# repeats rows tied with the end of page one. Unless the fast schema's index gives page one
# that order anyway, page one starts from a cursor above every date, which makes Datasette
# break ties the same way. A streamed CSV may not carry a cursor, so it is streamed in
# primary-key order instead, which pages exactly.
ARTICLES_LIST = re.compile(r"/[^/]+/articles(?:\.json|\.csv)?")
FIRST_PAGE = "9999,"
OWN_ORDER = {"_sort", "_sort_desc", "_sort_by_desc"}


def tie_broken_query(path: str, query_string: bytes) -> bytes:
    """The query string with a tie-broken order, when the request uses the default order."""
    args = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    cursors = [v for k, v in args if k == "_next"]
    if OWN_ORDER & {k for k, _ in args} or cursors not in ([], [FIRST_PAGE]):
        return query_string
    kept = [(k, v) for k, v in args if k != "_next"]
    streamed = path.endswith(".csv") and any(k == "_stream" and v for k, v in args)
    extra = ("_sort", "id") if streamed else ("_next", FIRST_PAGE)
    return urlencode([*kept, extra]).encode("ascii")


FAST_SCHEMA_HAS = {"idx_articles_month", "idx_articles_published_at_id"}
FAST_SCHEMA_LACKS = "idx_articles_published_at"
ARTICLE_INDEXES = "select name from pragma_index_list('articles')"


async def fast_schema(db) -> bool:
    names = {row[0] for row in await db.execute(ARTICLE_INDEXES)}
    return FAST_SCHEMA_HAS <= names and FAST_SCHEMA_LACKS not in names


async def needs_tie_break(datasette, path: str) -> bool:
    db = datasette.databases.get(path.split("/")[1])
    return db is not None and not await fast_schema(db)


def tie_break_wrapper(app, datasette):
    async def with_tie_break(scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and ARTICLES_LIST.fullmatch(path)
            and await needs_tie_break(datasette, path)
        ):
            query = tie_broken_query(path, scope.get("query_string", b""))
            scope = {**scope, "query_string": query}
        await app(scope, receive, send)

    return with_tie_break


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: bom_wrapper(formula_safe_wrapper(tie_break_wrapper(app, datasette)))
