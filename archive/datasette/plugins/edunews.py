"""Datasette plugin for the edunews archive: Thai search, Excel-friendly CSV, safe links.

Loaded from the config directory's plugins/ folder; the search logic itself lives in
``archive.search`` so the crawler, tests and this plugin share one definition.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup

from archive import search

BOM = "\ufeff".encode()  # Excel reads a CSV as UTF-8 only when it starts with this

# Where each searchable page puts the match: the table by rowid, the view on its index column.
MATCHING_ROWIDS = f"select rowid from {search.INDEX} where {search.INDEX} match :edunews_q"
SEARCH_WHERE = {
    "articles": f"rowid in ({MATCHING_ROWIDS})",
    search.VIEW: "search_index match :edunews_q",
}


def search_arguments(query: str, where: str) -> FilterArguments:
    expression = search.match_expression(query)
    context = {"supports_search": True, "search": query}
    description = f'search matches "{query}"'
    if not expression:  # punctuation only: nothing can match it
        return FilterArguments(["0"], {}, [description], context)
    return FilterArguments([where], {"edunews_q": expression}, [description], context)


# trylast: Datasette's own search hook runs first and sets supports_search=False for tables
# without a detectable FTS table; the later extra_context wins, so ours must come last.
@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    if table not in SEARCH_WHERE:
        return None

    async def inner():
        if not await datasette.get_database(database).table_exists(search.INDEX):
            return None
        query = (request.args.get("_search") or "").strip()
        if not query:
            return FilterArguments([], extra_context={"supports_search": True})
        return search_arguments(query, SEARCH_WHERE[table])

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
# repeats rows tied with the end of page one. Starting page one from a cursor above every
# date gives it the same tie-broken order. A streamed CSV may not carry a cursor, so it is
# streamed in primary-key order instead, which pages exactly.
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


def tie_break_wrapper(app):
    async def with_tie_break(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] == "http" and ARTICLES_LIST.fullmatch(path):
            query = tie_broken_query(path, scope.get("query_string", b""))
            scope = {**scope, "query_string": query}
        await app(scope, receive, send)

    return with_tie_break


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: bom_wrapper(tie_break_wrapper(app))
