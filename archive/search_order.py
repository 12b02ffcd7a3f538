"""The relevance page's rows: ranked on the search index alone, then joined with their
articles (the search page's startup hook installs ``ranking`` on the archive's Datasette
database).

Datasette lists the relevance view ``order by relevance``, the view's ``rank`` column. FTS5
answers ``order by rank`` by running a statement of its own that sorts every match; the
same order by the same function called directly (``search.RANK``) cost 0.78x the CPU over
the benchmark queries at 100,000 articles, with the same rows in the same order.

Both still joined every match with its article before sorting: the view's columns after
``body_text`` (published_at, month, fiscal_year, ...) are past the body's overflow pages,
so each of 30,000-80,000 matches walked its body's page chain, and a request's first
statement on a memory-mapped connection took a page fault for each page (~15,000 for ครู).
So the plain page is ranked on the index alone (``top``: the best ``limit + offset``
rowids and scores), and only those rows are joined and shown: 0.3-0.6x the CPU of the
page statement on first-time queries.

The same rows in the same order: SQLite keeps rows of equal score in the order the index
returns them, ascending rowid (ORDER BY with a LIMIT sorts into an index with a sequence
number), and ``top`` says so explicitly, both ways round. An index row whose article is
gone (the view's join drops it) would leave the page short: a page shorter than its limit
runs the view's own statement instead (the last page, or a search of fewer matches).
Only the page statement of a plain search is rewritten; any other statement runs as it came.

A long phrase (``LONG_PHRASE`` grams or more) costs as much to match again as to rank
(กระทรวงศึกษาธิการ: ~400 ms of CPU at 100,000 articles), and the page's count and facets
matched it again (``archive.matches``). For such a search the ranking keeps every match as
well (``matches.ranking``: one statement), the count and facets take it as their match, and
the page joins the rows of its window, their scores passed as parameters (exact doubles).
For a short phrase keeping every match costs more than matching again (~1 µs a match, a
short phrase's match a few ms), so it is ranked as above and matched apart. A long term of
one run (``matches.WHOLE_WORDS`` grams or more) is ranked by its whole words alone
(``matches.whole_words``): its letters are matched once, for the count, the facets and the
articles that hold them only inside longer words, which follow at relevance 0; a term with
a prefix anchor (ป.1) by its anchor alone, which matches exactly its articles.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from datasette.database import QueryInterrupted

from archive import matches, search, search_counts
from archive.sqlite import sqlite3

# Datasette's page statement for the relevance view with the search as its only filter
# (``datasette.views.table``: select, where, order by, limit, offset for a view).
PAGE = re.compile(
    rf"select (?P<columns>.+?) from {search.VIEW} where search_index match :edunews_q"
    r" order by relevance(?P<desc> desc)? limit (?P<limit>\d+)(?: offset (?P<offset>\d+))?"
)
NAME = re.compile(r"[a-z_]+")
# The view's relevance column is s.rank, configured as search.RANK: "bm25(1.0, 8.0)".
SCORE = search.RANK.replace("(", "(search_index, ", 1)
INDEX_SCORE = search.RANK.replace("(", f"({search.INDEX}, ", 1)
# The view's columns taken from articles (``a.title``); the others are the index's.
ARTICLE_COLUMNS = frozenset(re.findall(r"\ba\.(\w+)", search.VIEW_SQL))
INDEX_COLUMNS = {"relevance": "top.score", "search_index": "top.search_index"}
# The best ``limit + offset`` matches by score (ties by rowid, as SQLite's sort keeps them),
# then their articles; ``cross join`` keeps ``top`` the outer loop.
TOP_FIRST = f"""with top(rowid, score, search_index) as (
  select rowid, {INDEX_SCORE}, {search.INDEX} from {search.INDEX}
  where {search.INDEX} match :edunews_q order by 2{{desc}}, rowid limit {{end}})
select {{shown}} from top cross join articles a on a.rowid = top.rowid
order by top.score{{desc}}, top.rowid limit {{limit}} offset {{offset}}"""


# The page's window from ``matches.ranking``: its rows and scores as parameters, in order. A
# row of ``top`` before the window whose article is gone would shift the view's page: then
# the statement returns nothing and the view's own statement answers.
WINDOW = """with top(rowid, score, search_index, n) as (values {values})
select {shown} from top cross join articles a on a.rowid = top.rowid{check}
order by top.n"""
BEFORE_WINDOW = (
    "\nwhere (select count(*) from articles where rowid in"
    " (select value from json_each(:edunews_before))) = {count}"
)
# Grams in the plain expression's phrases from which the ranking keeps every match. Measured
# at 100,000 articles (CPU, medians of 3): keeping costs ~1 µs a match (ครู, 1 gram in 56,390
# articles: +23 ms against a 7 ms match; ชลบุรี, 4 grams: +3 against 6; ทุนการศึกษา, 9 grams:
# +29 against 91; กระทรวงศึกษาธิการ, 15 grams: +84 against 380).
LONG_PHRASE = 5
PHRASE = re.compile(r'"([^"]*)"')
# A phrase of several tokens ending in a prefix (a term's words anchor: ป.1 is
# ``words : "ป 〇 1" *``) is kept as a long phrase is, whatever its grams: FTS5 merges the
# doclists of every term under the prefix, for a one-digit prefix ~70-135 ms of CPU at
# 100,000 articles, and the anchor matches few articles (ป.1 1,146, ม.6 1,917, O-NET 2,681),
# which cost the ranking ~0-4 ms to keep (ranking with and without keeping, medians of 3;
# the plain match 135, 72 and 24 ms). A one-token prefix (ศธ, ปี) merges few terms and
# matches many articles: matched apart, as before.
ANCHORED = re.compile(r'"[^"]* [^"]*" \*')
KEEP_ANCHORED = True


def long_phrase(plain: str) -> bool:
    """Whether the plain expression is costly enough to match that the ranking keeps it."""
    if KEEP_ANCHORED and ANCHORED.search(plain):
        return True
    return sum(len(p.split()) for p in PHRASE.findall(plain)) >= LONG_PHRASE


class TopFirst(NamedTuple):
    sql: str
    limit: int  # the rows it returns when no article of its ``top`` is missing


def plain_columns(text: str) -> list[str] | None:
    """The column names of a select list of bare names (as Datasette writes the view's
    columns); None for anything else (a quoted name, an expression)."""
    names = text.split(", ")
    return names if all(NAME.fullmatch(n) for n in names) else None


class Page(NamedTuple):
    """The plain relevance page's statement, read: its columns, order and window."""

    columns: list[str]
    desc: str  # " desc" or ""
    limit: int
    offset: int


def plain_page(sql: str) -> Page | None:
    """``sql`` read as the plain relevance page; None for any other statement."""
    found = PAGE.fullmatch(" ".join(sql.split()))
    columns = found and plain_columns(found["columns"])
    if not columns:
        return None
    return Page(columns, found["desc"] or "", int(found["limit"]), int(found["offset"] or 0))


def by_score(sql: str) -> str:
    """``sql`` ordered by the rank function itself when it is the plain relevance page."""
    page = plain_page(sql)
    if page is None:
        return sql
    shown = ", ".join(f"{SCORE} as relevance" if c == "relevance" else c for c in page.columns)
    offset = f" offset {page.offset}" if page.offset else ""
    return (
        f"select {shown} from {search.VIEW} where search_index match :edunews_q"
        f" order by {SCORE}{page.desc} limit {page.limit}{offset}"
    )


def shown_columns(page: Page | None) -> str | None:
    """The page's columns taken from ``top`` and ``articles a``; None when one is neither."""
    if page is None or not set(page.columns) <= ARTICLE_COLUMNS | INDEX_COLUMNS.keys():
        return None
    return ", ".join(f"{INDEX_COLUMNS.get(c, f'a.{c}')} as {c}" for c in page.columns)


def window(page: Page, shown: str, ranking: matches.Ranking) -> tuple[str, dict, int] | None:
    """The statement of the page's window of ``ranking``, its parameters, and the rows it
    returns when no article is gone; None for a window past the last match."""
    rows = ranking.top[page.offset : page.offset + page.limit]
    if not rows:
        return None
    params, values = {}, []
    for n, (rowid, score, cursor) in enumerate(rows):
        params |= {f"edunews_r{n}": rowid, f"edunews_s{n}": score, f"edunews_c{n}": cursor}
        values.append(f"(:edunews_r{n}, :edunews_s{n}, :edunews_c{n}, {n})")
    before = [rowid for rowid, _, _ in ranking.top[: page.offset]]
    check = BEFORE_WINDOW.format(count=len(before)) if before else ""
    if before:
        params["edunews_before"] = json.dumps(before)
    sql = WINDOW.format(values=", ".join(values), shown=shown, check=check)
    return sql, params, len(rows)


def top_first(sql: str) -> TopFirst | None:
    """The plain relevance page ranked on the index alone, then joined; None for any other."""
    page = plain_page(sql)
    shown = shown_columns(page)
    if shown is None:
        return None
    end = page.limit + page.offset
    text = TOP_FIRST.format(
        desc=page.desc, end=end, shown=shown, limit=page.limit, offset=page.offset
    )
    return TopFirst(text, page.limit)


def ranking(db) -> None:
    """Run ``db``'s plain relevance page ranked on the index first; every other statement as
    before."""
    if getattr(db, "edunews_ranking", False):  # once per database
        return
    real = db.execute

    async def execute(sql, params=None, *args, **kwargs):
        if (long := long_page(sql, params)) is not None:
            found = await from_ranking(db, real, long, sql, params, *args, **kwargs)
            if found is not None:
                return found
            return await real(by_score(sql), params, *args, **kwargs)
        fast = top_first(sql)
        if fast is not None:
            found = await real(fast.sql, params, *args, **kwargs)
            if len(found.rows) == fast.limit:  # a full page: no article of top was missing
                return found
        return await real(by_score(sql), params, *args, **kwargs)

    db.edunews_ranking = True
    db.execute = execute


class LongPage(NamedTuple):
    page: Page
    shown: str
    expression: str  # ranked
    plain: str


def long_page(sql: str, params) -> LongPage | None:
    """``sql`` read as the plain relevance page of a long phrase; None for any other."""
    page = plain_page(sql)
    shown = shown_columns(page)
    expression = params.get("edunews_q") if isinstance(params, dict) else None
    plain = expression and search_counts.plain_of(expression)
    if shown is None or not plain or not long_phrase(plain):
        return None
    return LongPage(page, shown, expression, plain)


async def from_ranking(db, real, long: LongPage, sql: str, params, *args, **kwargs):
    """The plain relevance page of a long phrase from ``matches.ranking`` (which keeps its
    match for the count and facets); None when its window came up short (an article gone,
    the window past the end) or FTS5 refused the expression: the caller then runs the view's
    statement, which meets the same error."""
    page = long.page
    end, desc = page.limit + page.offset, bool(page.desc)
    try:
        ranking = await db.execute_fn(
            lambda _: matches.ranking(str(db.path), long.expression, long.plain, desc, end)
        )
    except sqlite3.OperationalError as exc:
        if exc.args == ("interrupted",):  # past the time limit, as Datasette's own
            raise QueryInterrupted(exc, sql, params) from exc
        return None
    found = window(page, long.shown, ranking)
    if found is None:
        return None
    text, more, rows = found
    result = await real(text, {**params, **more}, *args, **kwargs)
    return result if len(result.rows) == rows else None
