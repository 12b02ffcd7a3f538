"""The search page: one Thai page for the articles listing, newest first or most relevant
first, with the same filters, date range, facets and chart either way.

What it holds, in the order a request meets it:

* ASGI wrappers (linked by ``chain.py``): unknown facet names dropped, the cards page asking
  Datasette only for the columns the cards show, a tie-broken default order;
* ``filters_from_request``: the one hook that turns the page's own arguments into SQL, in a
  stated order: the search box, the date range, the entity filters (provinces, agencies,
  people named in the text), the registry filters (the agency's own province and kind);
* facets: over the entity tables (``_facet_linked``), indexed columns with a fast path for a
  plain search (months and years in time order with Buddhist Era labels), the registry's
  province and kind of the agency;
* the page's template variables (Thai heading, relevance toggle, feed, chart and CSV links)
  and the chart route.

The search itself is ``archive.search`` (the index) and ``archive.matches`` (kept matches);
the pure Thai parts are ``archive.thaiforms``, ``archive.snippets`` and ``archive.charts``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from functools import partial
from urllib.parse import parse_qs, parse_qsl, quote, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet, ColumnFacet, Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_format, path_with_removed_args
from datasette.utils.asgi import BadRequest, Response
from jinja2 import meta
from markupsafe import Markup

from archive import charts, matches, search, search_counts, search_order, snippets, thaiforms
from archive.datasette.plugins.exports import download_name
from archive.sqlite import sqlite3

DATABASE = "edunews"
LISTINGS = ("articles", search.VIEW)  # the page by date and the page by relevance


# -- ASGI: arguments Datasette must not see as they came -----------------------------------------
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


# The search page shows cards, not a 36-column table: the HTML page asks Datasette only for
# the columns the cards use, so it does not render (and run render_cell on) 1,800 cells per
# page (~50 ms of a ~150 ms page). Those `_col` arguments are the server's choice, not the
# reader's: every link the page shows is made without them (`clean_url`), so a URL that is
# shared or a form that is submitted stays as short as the reader made it.
CARD_COLUMNS = ("title", "source", "published_at", "url", "body_text", "removed_at")
CARD_PAGE = f"/{DATABASE}/articles"
OWN_COLUMNS = {"_col", "_nocol"}


def card_query(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if any(k in OWN_COLUMNS for k, _ in pairs):
        return query_string
    return urlencode([*pairs, *(("_col", c) for c in CARD_COLUMNS)]).encode("ascii")


def cards_wrapper(app):
    async def with_cards(scope, receive, send):
        if scope["type"] == "http" and scope.get("path") == CARD_PAGE:
            scope = {**scope, "query_string": card_query(scope.get("query_string", b""))}
        await app(scope, receive, send)

    return with_cards


def clean_url(url: str | None) -> str:
    """``url`` without the column choice the cards page makes for itself.

    Datasette's URLs are ``PrefixedUrlString``s, whose every method call looks the name up
    in ``dir(str)`` (~10-60 µs): split and parsed as such, the ~15 links of a page cost
    ~5-8 ms of CPU. As a plain ``str`` they cost a few µs each."""
    url = str(url) if url else ""
    if "?" not in url:
        return url
    path, query = url.split("?", 1)
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in OWN_COLUMNS]
    return f"{path}?{urlencode(kept)}" if kept else path


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


# A date the page cannot read is said on the page, with the form to correct it, and the
# response is a 400: the listing shows nothing rather than everything.
def date_problem_wrapper(app):
    async def with_status(scope, receive, send):
        found = scope["type"] == "http" and TABLE_PATH.fullmatch(scope.get("path", ""))
        if not found or found[1] not in LISTINGS:
            return await app(scope, receive, send)
        args = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"))
        bad = any(k in DATE_ARGS and unreadable(v) for k, v in args)

        async def send_status(message):
            if bad and message["type"] == "http.response.start" and message["status"] == 200:
                message = {**message, "status": 400}
            await send(message)

        await app(scope, receive, send_status)

    return with_status


def wrapper(app, datasette):
    """This module's links of the ASGI chain, outermost first."""
    app = cards_wrapper(tie_break_wrapper(app, datasette))
    return date_problem_wrapper(facet_guard_wrapper(app, datasette))


# -- the search: matched once per query, filtered by a byte per rowid ------------------------------
# The table filters on a byte per rowid that edunews_matched() computes once per query and
# database state (archive.matches; SQLite calls it once per statement: its argument is
# constant): Datasette runs the page's query, its count and each facet separately, and
# matching a long Thai phrase is the costly part. The view needs the MATCH itself for its
# relevance column.
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
        # The relevance view's match, bm25 and join read the index in place (archive.matches).
        conn.execute(f"pragma mmap_size = {matches.MMAP_BYTES}").fetchall()


# The first relevance search after a start took ~2 s: two dictionaries are built on first use,
# nlpo3's (the query's whole words, for the rank) and PyThaiNLP's newmm trie (the snippets'
# cut points, ~1 s of Python), Jinja compiles the page's templates (~0.3 s) and the facets
# read their columns' snapshots (archive.matches, ~1-3 s at 100,000 articles). The startup
# hook does all of these in a thread (the event loop never waits) and waits for it: a
# served app runs its startup hooks before it takes requests (uvicorn's lifespan start), so no
# reader pays for them.
PAGE_TEMPLATES = [f"table-{DATABASE}-{table}.html" for table in LISTINGS]


def page_templates(env, names: list[str]) -> list[str]:
    """``names`` and every template they extend or include by a constant name."""
    found, todo = [], list(names)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.append(name)
        source = env.loader.get_source(env, name)[0]
        todo += [n for n in meta.find_referenced_templates(env.parse(source)) if n]
    return found


def kept_facet_columns(datasette) -> set[str]:
    """The articles columns the listings' default facets count from a kept match."""
    names = set()
    for table in LISTINGS:
        for facet in datasette.table_metadata(DATABASE, table).get("facets", []):
            if isinstance(facet, dict) and "indexed" in facet:
                names.add(facet["indexed"])
            elif isinstance(facet, dict) and "registry" in facet:
                names.add("source")  # registry facets sum counts per source
    return names


def warm(datasette) -> None:
    search.words("ครู")
    snippets.warm()
    for name in page_templates(datasette.jinja_env, PAGE_TEMPLATES):
        datasette.jinja_env.get_template(name)
    db = datasette.databases.get(DATABASE)
    for column in sorted(kept_facet_columns(datasette)) if db is not None and db.path else []:
        try:  # a column snapshot costs ~0.3-1 s at 100,000 articles
            matches.column(str(db.path), column)
        except (sqlite3.Error, ValueError):  # an archive without that column: nothing to warm
            pass


# The first search also paid for what a request does only once (~50 ms of CPU at 100,000
# articles): Datasette's internal schema tables, a connection for each of its SQL threads and
# each match thread, the first calls through the count and facet code. The startup hook asks
# for one relevance search as JSON (HTML cannot be rendered before the startup hooks end; its
# templates are compiled by ``warm``). Its match is kept like any other.
WARM_SEARCH = f"/{DATABASE}/{search.VIEW}.json?_search={quote('ข่าว')}"


async def warm_request(datasette) -> None:
    if getattr(datasette, "edunews_warming", False):  # the request runs the startup hooks again
        return
    datasette.edunews_warming = True
    try:
        await datasette.client.get(WARM_SEARCH)
    except Exception:  # noqa: BLE001 - a warm-up never keeps the server from starting
        pass


@hookimpl
def startup(datasette):
    db = datasette.databases.get(DATABASE)
    if db is not None and db.path:
        search_order.ranking(db)  # first: counting's once-only mark is on db.execute
        search_counts.counting(db)

    async def warm_up():
        await asyncio.to_thread(warm, datasette)
        await warm_request(datasette)

    return warm_up


def search_arguments(table: str, query: str) -> tuple[list[str], dict, list[str]]:
    # The relevance view ranks by bm25, so its expression adds the whole-word phrases.
    expression = search.match_expression(query, ranked=table == search.VIEW)
    human = [f"ค้นหา “{query}”"]
    if not expression:  # punctuation only: nothing can match it
        return ["0"], {}, human
    if table == search.VIEW:  # its count comes from the plain expression's kept match
        search_counts.remember(expression, search.match_expression(query))
    where = VIEW_WHERE if table == search.VIEW else matches.FILTER
    return [where], {"edunews_q": expression}, human


# -- the date range ------------------------------------------------------------------------------
# `_since` / `_until` accept every form archive.thaiforms reads (2567, ก.ย. 2562, ปีงบประมาณ
# 2567, ปีการศึกษา 2567, 2560-2561 ...); `_until` includes the whole period it names.
DATE_ARGS = ("_since", "_until")
DATE_EXAMPLES = "2567, ก.ย. 2562, 7/9/67, ปีงบประมาณ 2567, ปีการศึกษา 2567, 2560-2561"


def read_period(text: str | None) -> tuple[str, str] | None:
    try:
        return thaiforms.period(text)
    except (ValueError, OverflowError):  # 0000, 2567-02-30: the form is right, the day is not
        return None


def unreadable(text: str | None) -> bool:
    return bool(text and text.strip()) and read_period(text) is None


def date_problem(name: str, text: str) -> str:
    return f"ไม่เข้าใจวันที่ “{text.strip()[:60]}” (ลองพิมพ์ {DATE_EXAMPLES})"


def date_range_clauses(args, html: bool) -> tuple[list[str], dict, list[str], list[str]]:
    where, params, human, problems = [], {}, [], []
    for name, column_op, end in (("_since", ">=", 0), ("_until", "<", 1)):
        text = args.get(name)
        if unreadable(text):
            if not html:  # JSON, CSV and Atom clients get a clear 400, in both languages
                raise BadRequest(
                    f"{date_problem(name, text)} / cannot read the date in {name} "
                    "(try 2567, 2024-08, 22/8/2562 or ก.ย. 2562)"
                )
            problems.append(date_problem(name, text))
            continue
        found = read_period(text)
        if found:
            where.append(f"published_at {column_op} :edunews{name}")
            params[f"edunews{name}"] = found[end]
            human.append(f"{'ตั้งแต่' if end == 0 else 'ถึง'} {text.strip()}")
    if problems:  # nothing rather than everything: the page must not look filtered
        where.append("0")
    return where, params, human, problems


# -- filters over linked tables: entities named in the text, the agency in the registry ----------
# `_province`, `_agency`, `_person` select through the entity tables (indexed), not by
# scanning the JSON arrays stored after each body. `_source_province` and `_source_kind`
# select by the agency itself: its own province (its seat) and its kind in the registry.
ENTITY_FILTERS = {
    "_province": ("article_provinces", "province"),
    "_agency": ("article_agencies", "agency"),
    "_person": ("article_people", "person"),
}
ENTITY_COLUMNS = {"provinces": "_province", "agencies": "_agency", "people": "_person"}
ENTITY_LABELS = {"_province": "จังหวัดในข่าว", "_agency": "หน่วยงานในข่าว", "_person": "บุคคล"}
REGISTRY_FILTERS = {"_source_province": "province", "_source_kind": "category"}
REGISTRY_ARGS = {column: arg for arg, column in REGISTRY_FILTERS.items()}
KIND_LABELS = {
    "central": "ส่วนกลาง",
    "regional": "ศึกษาธิการภาค",
    "provincial": "ศึกษาธิการจังหวัด",
    "esa-primary": "สพป. (ประถมศึกษา)",
    "esa-secondary": "สพม. (มัธยมศึกษา)",
}


def entity_clauses(args) -> tuple[list[str], dict, list[str]]:
    where, params, human = [], {}, []
    for n, (arg, (table, column)) in enumerate(ENTITY_FILTERS.items()):
        for m, value in enumerate(args.getlist(arg)):
            name = f"edunews_e{n}_{m}"
            where.append(f"id in (select article_id from {table} where {column} = :{name})")
            params[name] = value
            human.append(f"{ENTITY_LABELS[arg]} {value}")
    return where, params, human


def registry_clauses(args) -> tuple[list[str], dict, list[str]]:
    where, params, human = [], {}, []
    for n, (arg, column) in enumerate(REGISTRY_FILTERS.items()):
        for m, value in enumerate(args.getlist(arg)):
            name = f"edunews_r{n}_{m}"
            where.append(f"source in (select id from sources where {column} = :{name})")
            params[name] = value
            label = KIND_LABELS.get(value, value) if column == "category" else value
            human.append(f"{'หน่วยงานในจังหวัด' if column == 'province' else 'ประเภท'} {label}")
    return where, params, human


def counts_from_kept_match(request) -> bool:
    """A plain search whose count or facets the page shows: both come from the kept match,
    which the relevance view starts ahead, to run beside SQLite's ranking."""
    counted = not request.args.get("_nocount") or not request.args.get("_nofacet")
    whole = request.args.get("_shape") not in ("array", "object")  # Datasette: neither
    return plain_search(request) and counted and whole


RELEVANCE_ORDER = {"_sort": "relevance", "_sort_desc": "relevance"}


def match_ahead(path: str, request, plain: str) -> None:
    """Start the plain match beside the ranking, unless the ranking keeps it (the page in
    relevance order of a long phrase: ``search_order.from_ranking``)."""
    by_relevance = all(request.args.get(k, v) == v for k, v in RELEVANCE_ORDER.items())
    if not (by_relevance and search_order.long_phrase(plain)):
        matches.ahead(path, plain)


def is_html(request) -> bool:
    last = request.path.rsplit("/", 1)[-1]
    return "." not in last


# trylast: Datasette's own search hook runs first and sets supports_search=False for tables
# without a detectable FTS table; the later extra_context wins, so ours must come last.
@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    if database != DATABASE or table not in LISTINGS:
        return None

    async def inner():
        db = datasette.get_database(database)
        where, params, human = [], {}, []
        query = (request.args.get("_search") or "").strip()
        if query and await db.table_exists(search.INDEX):
            where, params, human = search_arguments(table, query)
            if table == search.VIEW and counts_from_kept_match(request) and db.path:
                match_ahead(str(db.path), request, search.match_expression(query))
        dates = date_range_clauses(request.args, is_html(request))
        parts = [dates[:3], entity_clauses(request.args), registry_clauses(request.args)]
        for more_where, more_params, more_human in parts:
            where, params, human = where + more_where, params | more_params, human + more_human
        context = {
            "supports_search": True,
            "search": query,
            "edunews_since": request.args.get("_since", ""),
            "edunews_until": request.args.get("_until", ""),
            "edunews_date_problems": dates[3],
            "edunews_human": human,
        }
        return FilterArguments(where, params, [], context)

    return inner


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """In the relevance view's JSON-free HTML table, the title links to the article page."""
    if table != search.VIEW or column != "title" or not value:
        return None
    href = datasette.urls.row(database, "articles", row["id"])
    return Markup('<a href="{}">{}</a>').format(href, value)


# -- facets ----------------------------------------------------------------------------------------
def toggled(facet, arg: str, value: str) -> tuple[str, bool]:
    """The URL that adds or removes ``arg=value``, and whether it is selected now. The page's
    arguments are read once per facet (a page has ~60 facet values: parsing the query string
    for each cost ~10 ms a page), without the page's own `_col` choice and cursor."""
    base = getattr(facet, "edunews_base", None)
    if base is None:
        query = parse_qsl(facet.request.query_string, keep_blank_values=True)
        pairs = [(k, v) for k, v in query if k not in OWN_COLUMNS and k != "_next"]
        base = facet.edunews_base = (
            facet.ds.absolute_url(facet.request, facet.request.path),
            pairs,
        )
    path, pairs = base
    selected = (arg, value) in pairs
    kept = [p for p in pairs if p != (arg, value)] if selected else [*pairs, (arg, value)]
    return (f"{path}?{urlencode(kept)}" if kept else path), selected


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

    def value_row(self, column: str, row) -> dict:
        value = str(row["value"])
        url, selected = toggled(self, ENTITY_COLUMNS[column], value)
        return {
            "value": value,
            "label": value,
            "count": row["count"],
            "toggle_url": url,
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
        toggle = path_with_removed_args(self.request, {"_facet_linked": column})
        return {
            "name": column,
            "type": self.type,
            "results": [self.value_row(column, r) for r in found.rows[:size]],
            "hideable": source != "metadata",
            "toggle_url": clean_url(self.ds.urls.path(toggle)),
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


# A search that matches most of the archive costs ~40 ms per facet in SQL (a scan of the
# column's index, probing each rowid against the match list). When the search is the only
# filter, the counts come from the cached matching rowids and the column's values by rowid,
# read once per database state from its covering index (archive.matches): ~1 ms per facet.
PLAIN_ARGS = {
    "_search", "_sort", "_sort_desc", "_next", "_size", "_col", "_nocol", "_facet",
    "_facet_linked", "_facet_array", "_facet_indexed", "_facet_registry", "_facet_size",
    "_nocount", "_nofacet", "_labels", "_shape", "_dl", "_stream", "_json", "_trace",
}  # fmt: skip
# A facet past its time limit is left out and named (Datasette's limit, or archive.matches').
TOO_SLOW = (QueryInterrupted, sqlite3.OperationalError)
# Facets of time in time order, newest first, labelled in the Buddhist Era.
TIME_COLUMNS = {"month", "fiscal_year", "academic_year", "year"}
COUNT_SQL = (
    "select {column} as value, count(*) as count from ({sql}) "
    "where {column} is not null group by {column}"
)


def plain_search(request) -> bool:
    keys = set(request.args.keys())
    return bool(request.args.get("_search")) and keys <= PLAIN_ARGS


# The relevance view lists the same articles as the search by date (its ranked expression only
# adds to the score of articles the plain one matches), so its facets are counted from the
# same kept match: matched once, not once per facet in SQL.
async def kept_match_columns(db, table: str, request) -> set[str]:
    """The columns whose facet counts come from the kept match (none unless a plain search)."""
    if table not in LISTINGS or not plain_search(request):
        return set()
    return set(await db.table_columns("articles"))


def column_of(found: dict) -> str:
    return found["config"].get("column") or found["config"]["simple"]


def time_label(column: str, value) -> str:
    if column == "month":
        return thaiforms.thai_month(str(value))
    if column == "year":
        return str(int(value) + thaiforms.BE_OFFSET)
    return str(value)  # fiscal and academic years are stored in the Buddhist Era


def ordered(column: str, counts: Counter) -> list[tuple]:
    if column in TIME_COLUMNS:
        return sorted(counts.items(), key=lambda kv: str(kv[0]), reverse=True)
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))


class IndexedFacet(ColumnFacet):
    """A column facet (`{"indexed": "month"}` in metadata) with a fast path for searches;
    months and years in time order with Buddhist Era labels, sources by Thai name."""

    type = "indexed"

    async def facet_results(self):
        db = self.ds.get_database(self.database)
        self.known = set(await db.table_columns(self.table))
        fast = await kept_match_columns(db, self.table, self.request)
        expression = search.match_expression(self.request.args.get("_search", ""))
        results, timed_out = [], []
        for found in self.get_configs():
            column = column_of(found)
            try:
                if column in fast:
                    counts = await db.execute_fn(
                        lambda _, c=column: matches.facet_counts(str(db.path), expression, c)
                    )
                else:
                    counts = await self.sql_counts(column)
            except TOO_SLOW:
                timed_out.append(column)
                continue
            results.append(await self.counted(column, Counter(counts), found["source"]))
        return results, timed_out

    async def sql_counts(self, column: str) -> dict:
        sql = COUNT_SQL.format(column=matches.quoted(column), sql=self.sql)
        found = await self.ds.execute(
            self.database,
            sql,
            self.params,
            truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )
        return {row["value"]: row["count"] for row in found.rows}

    def get_configs(self):
        """Only facets on the table's own columns: `_facet_indexed=` is typed by anyone, and
        the fast path puts the name into SQL. Others are left out, like a facet that timed out
        (raising here would leave Datasette's other facet tasks never awaited)."""
        known = getattr(self, "known", None)
        configs = super().get_configs()
        return configs if known is None else [c for c in configs if column_of(c) in known]

    async def counted(self, column: str, counts: Counter, source: str) -> dict:
        size = self.get_facet_size()
        top = ordered(column, counts)[: size + 1]
        labels = await self.ds.expand_foreign_keys(
            self.database, self.table, column, [v for v, _ in top[:size]]
        )
        if column == "source" and not labels:  # a view has no foreign keys: the same names
            found = await self.ds.get_database(self.database).execute(NAMES_SQL)
            labels = {(column, r["id"]): r["name"] for r in found if r["name"]}
        return {
            "name": column,
            "type": "column",  # what it is to a reader and to JSON clients
            "hideable": source != "metadata",
            "toggle_url": clean_url(
                self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column}))
            ),
            "results": [self.value(column, v, n, labels) for v, n in top[:size]],
            "truncated": len(top) > size,
        }

    def value(self, column: str, value, count: int, labels: dict) -> dict:
        url, selected = toggled(self, column, str(value))
        label = labels.get((column, value), value)
        return {
            "value": value,
            "label": time_label(column, value) if column in TIME_COLUMNS else label,
            "count": count,
            "toggle_url": url,
            "selected": selected,
        }


SOURCE_COUNTS = "select source as value, count(*) as count from ({sql}) group by source"
REGISTRY_SQL = "select id, province, category from sources"


class RegistryFacet(Facet):
    """The agency's own province or kind (`{"registry": "province"}`, `"category"`), counted
    per source (the fast path of a plain search, or one SQL group by source) and summed
    through the small sources table; a value toggles `_source_province` / `_source_kind`."""

    type = "registry"

    async def suggest(self):
        return []

    async def source_counts(self, db) -> dict:
        if "source" in await kept_match_columns(db, self.table, self.request):
            expression = search.match_expression(self.request.args["_search"])
            return await db.execute_fn(
                lambda _: matches.facet_counts(str(db.path), expression, "source")
            )
        found = await self.ds.execute(
            self.database,
            SOURCE_COUNTS.format(sql=self.sql),
            self.params,
            truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"),
        )
        return {row["value"]: row["count"] for row in found.rows}

    async def facet_results(self):
        configs = [c for c in self.get_configs() if column_of(c) in REGISTRY_ARGS]
        if not configs or self.table not in LISTINGS:
            return [], []
        db = self.ds.get_database(self.database)
        try:
            per_source = await self.source_counts(db)
        except TOO_SLOW:
            return [], [column_of(c) for c in configs]
        registry = {r["id"]: dict(r) for r in await db.execute(REGISTRY_SQL)}
        return [self.one(column_of(c), c["source"], per_source, registry) for c in configs], []

    def one(self, column: str, source: str, per_source: dict, registry: dict) -> dict:
        counts: Counter = Counter()
        for source_id, n in per_source.items():
            value = (registry.get(source_id) or {}).get(column)
            if value:
                counts[value] += n
        size = self.get_facet_size()
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: size + 1]
        arg = REGISTRY_ARGS[column]
        results = []
        for value, n in top[:size]:
            url, selected = toggled(self, arg, value)
            label = KIND_LABELS.get(value, value) if column == "category" else value
            results.append(
                {
                    "value": value,
                    "label": label,
                    "count": n,
                    "toggle_url": url,
                    "selected": selected,
                }
            )
        toggle = path_with_removed_args(self.request, {"_facet_registry": column})
        return {
            "name": f"source_{column}",
            "type": self.type,
            "results": results,
            "hideable": source != "metadata",
            "toggle_url": clean_url(self.ds.urls.path(toggle)),
            "truncated": len(top) > size,
        }


@hookimpl
def register_facet_classes():
    return [LinkedFacet, IndexedFacet, RegistryFacet]


# -- the page's template variables -------------------------------------------------------
# Exports and charts take every row and column of the search; the page's own paging, facets
# and order stay on the page.
KEEP_OUT = {"_next", "_size", "_facet", "_facet_linked", "_facet_array", "_facet_registry"}
KEEP_OUT |= {"_facet_indexed", "_facet_size", "_sort", "_sort_desc", "_col", "_nocol"}


def kept_args(request) -> list[tuple[str, str]]:
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    return [(k, v) for k, v in pairs if k not in KEEP_OUT]


def page_args(request) -> list[tuple[str, str]]:
    """The arguments that make the page what it is (filters, facets shown), not its paging."""
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    return [(k, v) for k, v in pairs if k not in {"_next", "_col", "_nocol", "_sort", "_sort_desc"}]


def listing_links(datasette, request, table: str) -> dict:
    args = kept_args(request)
    by_date, by_relevance = datasette.urls.table(DATABASE, "articles"), None
    if request.args.get("_search"):
        by_relevance = datasette.urls.table(DATABASE, search.VIEW)
    order = page_args(request)
    return {
        "feed_url": f"{by_date}.atom?" + urlencode(args),
        "chart_url": datasette.urls.path("/-/edunews/chart.svg?") + urlencode(args),
        "csv_all_url": f"{by_date}.csv?"
        + urlencode([*args, ("_stream", "on"), ("_size", "max"), ("_dl", "1")]),
        "edunews_by_date_url": f"{by_date}?" + urlencode(order),
        "edunews_by_relevance_url": by_relevance and f"{by_relevance}?" + urlencode(order),
        "edunews_download_name": download_name(parse_qs(request.query_string)),
    }


BODIES_SQL = "select id, body_text from articles where id in (select value from json_each(:ids))"
NAMES_SQL = "select id, name from sources"


async def bodies(datasette, rows) -> dict[str, str]:
    """Bodies of one page of the relevance view (which leaves them out), for snippets."""
    ids = json.dumps([row["id"] for row in rows])
    found = await datasette.get_database(DATABASE).execute(BODIES_SQL, {"ids": ids})
    return {r["id"]: r["body_text"] for r in found}


async def column_filters(datasette, request, names: dict) -> list[str]:
    """The page's column filters in words: แหล่งข่าว กระทรวง… rather than source = moe."""
    out = []
    for key, value in parse_qsl(request.query_string):
        column, _, lookup = key.partition("__")
        if key.startswith("_"):
            continue
        shown = names.get(value, value) if column == "source" else value
        if column in TIME_COLUMNS and not lookup:
            shown = time_label(column, value)
        # Any other column filter is shown as it was typed: a filter never hides.
        label = FILTER_LABELS.get(column, column) + (f" ({lookup})" if lookup else "")
        out.append(f"{label} {shown}")
    return out


FILTER_LABELS = {
    "source": "แหล่งข่าว",
    "month": "เดือน",
    "fiscal_year": "ปีงบประมาณ",
    "academic_year": "ปีการศึกษา",
    "year": "ปี",
    "removed_at": "ถูกลบ",
}


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if view_name != "table" or database != DATABASE or table not in LISTINGS:
        return None

    async def inner():
        db = datasette.get_database(DATABASE)
        names = {r["id"]: r["name"] for r in await db.execute(NAMES_SQL) if r["name"]}
        found = listing_links(datasette, request, table)
        found["edunews_bodies"] = lambda rows: bodies(datasette, rows)
        found["edunews_source_names"] = names
        found["edunews_column_filters"] = await column_filters(datasette, request, names)
        found["edunews_by_relevance"] = table == search.VIEW
        json_url = path_with_format(request=request, format="json")
        found["alternate_url_json"] = clean_url(datasette.absolute_url(request, json_url))
        return found

    return inner


# Facets in the order a reporter narrows a search: who, what kind and where, then when.
FACET_ORDER = ["source", "source_category", "source_province", "fiscal_year", "month"]


def facet_order(facets: list[dict]) -> list[dict]:
    """Facets with something to show, in FACET_ORDER, then any other in its own order."""
    rank = {name: n for n, name in enumerate(FACET_ORDER)}
    shown = [f for f in facets if f.get("results")]
    return sorted(shown, key=lambda f: rank.get(f["name"], len(rank)))


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["facet_order"] = facet_order
    env.filters["snippet"] = snippets.snippet
    env.filters["highlight"] = snippets.highlight
    env.filters["thai_month"] = thaiforms.thai_month
    env.filters["clean_url"] = clean_url


# -- chart of the current search -----------------------------------------------------------------
TAIL = re.compile(r"\s+order by .*? limit \d+(?:\s+offset \d+)?\s*$", re.I | re.S)
CHART_SQL = (
    "select substr(published_at, 1, 7) as month, source, count(*) as n "
    "from ({inner}) where published_at is not null group by month, source"
)


async def chart_svg(request, datasette):
    """Articles per month per source for the listing the query string describes."""
    args = [(k, v) for k, v in kept_args(request) if k != "_layout"]
    args += [("_sort", "id"), ("_size", "1"), ("_nofacet", "1")]
    args.append(("_nocount", "1"))
    listing = await datasette.client.get("/edunews/articles.json?" + urlencode(args))
    if listing.status_code != 200:
        return Response.text("bad query", status=400)
    query = listing.json()["query"]
    inner = TAIL.sub("", query["sql"])
    db = datasette.get_database(DATABASE)
    found = await db.execute(CHART_SQL.format(inner=inner), query["params"])
    title = request.args.get("_search") or "ทั้งหมด / all"
    names = {r["id"]: r["name"] for r in await db.execute(NAMES_SQL)}
    layout = charts.LAYOUTS.get(request.args.get("_layout", ""), charts.WIDE)
    counts = [(r["month"], r["source"], r["n"]) for r in found]
    svg = charts.svg(counts, title, names, layout)
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


@hookimpl
def register_routes(datasette):
    return [(r"^/-/edunews/chart\.svg$", chart_svg)]
