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
"""

from __future__ import annotations

import re
from typing import NamedTuple

from archive import search

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


def top_first(sql: str) -> TopFirst | None:
    """The plain relevance page ranked on the index alone, then joined; None for any other."""
    page = plain_page(sql)
    if page is None or not set(page.columns) <= ARTICLE_COLUMNS | INDEX_COLUMNS.keys():
        return None
    shown = ", ".join(f"{INDEX_COLUMNS.get(c, f'a.{c}')} as {c}" for c in page.columns)
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
        fast = top_first(sql)
        if fast is not None:
            found = await real(fast.sql, params, *args, **kwargs)
            if len(found.rows) == fast.limit:  # a full page: no article of top was missing
                return found
        return await real(by_score(sql), params, *args, **kwargs)

    db.edunews_ranking = True
    db.execute = execute
