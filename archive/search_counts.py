"""A plain search's count, from the kept match instead of Datasette's ``count(*)`` (the
search page's startup hook installs ``counting`` on the archive's Datasette database).

Datasette counts a listing with its own statement. For the listing by date that statement
scans every article to test a byte of the kept match's bitmap (~50-90 ms at 100,000
articles); for the relevance view it runs the FTS5 match again and joins each match with
its article (~0.3-0.7 s for a word in most articles). When the search is the page's only
filter the count is the number of kept matching rowids that are articles, which costs
~1 ms. Any other count statement (a date range, a column filter) runs as before, and so
does this one when the ranked expression was not built here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from datasette.database import QueryInterrupted, Results

from archive import matches, search
from archive.sqlite import sqlite3

# Datasette's count statements for a plain search (``datasette.views.table``), spaces folded.
LISTING_COUNT = f"select count(*) from articles where {matches.FILTER}"
VIEW_COUNT = f"select count(*) from {search.VIEW} where search_index match :edunews_q"
KEPT = 256

# The relevance view's expression (ranked) -> the plain one it matches the same articles as.
_plain: OrderedDict = OrderedDict()
_lock = threading.Lock()


def remember(ranked: str, plain: str) -> None:
    """Note the plain expression of a ranked one (``search_page.search_arguments``)."""
    with _lock:
        _plain[ranked] = plain
        _plain.move_to_end(ranked)
        while len(_plain) > KEPT:
            _plain.popitem(last=False)


def plain_of(ranked: str) -> str | None:
    """The plain expression noted for a ranked one, if any."""
    with _lock:
        return _plain.get(ranked)


def plain_expression(sql: str, params) -> str | None:
    """The kept match's expression when ``sql`` is a plain search's count, else None."""
    folded = " ".join(sql.split())
    expression = (params or {}).get("edunews_q") if isinstance(params, dict) else None
    if not expression or folded not in (LISTING_COUNT, VIEW_COUNT):
        return None
    return expression if folded == LISTING_COUNT else plain_of(expression)


def kept_count(path: str, expression: str) -> int:
    """Matching rowids that are articles (``source`` is never null, so an article has a
    code in the column's snapshot; an index row without its article is not counted, as
    the view's join and the listing's scan do not count it)."""
    codes = matches.column(path, "source").codes
    found = matches.match(path, expression).found
    found = found[found < len(codes)]
    return int((codes[found] >= 0).sum())


def counting(db) -> None:
    """Answer ``db``'s plain-search counts from the kept match; every other statement as before."""
    real = db.execute

    async def execute(sql, params=None, *args, **kwargs):
        expression = plain_expression(sql, params)
        if expression is None:
            return await real(sql, params, *args, **kwargs)
        try:
            n = await db.execute_fn(lambda _: kept_count(str(db.path), expression))
        except sqlite3.OperationalError as exc:  # past the time limit, as Datasette's own
            raise QueryInterrupted(exc, sql, params) from exc
        return Results([(n,)], False, [("count(*)",)])

    if getattr(real, "edunews_counting", False):  # once per database
        return
    execute.edunews_counting = True
    db.execute = execute
