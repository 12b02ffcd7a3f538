"""The relevance page's rows ordered by ``bm25(...)`` rather than by FTS5's ``rank`` column
(the search page's startup hook installs ``ranking`` on the archive's Datasette database).

Datasette lists the relevance view ``order by relevance``, the view's ``rank`` column. FTS5
answers ``order by rank`` by running a statement of its own that sorts every match; the
same order by the same function called directly (``search.RANK`` on the view's index
column) cost 0.78x the CPU over the benchmark queries at 100,000 articles (0.6-0.75x for a
word in a third of the archive), with the same rows in the same order, ties included, both
ways round, for every query of tests/data/search-queries.txt. Only the page statement of a
plain search is rewritten; any other statement runs as it came.
"""

from __future__ import annotations

import re

from archive import search

# Datasette's page statement for the relevance view with the search as its only filter
# (``datasette.views.table``: select, where, order by, limit, offset for a view).
PAGE = re.compile(
    rf"select (?P<columns>.+?) from {search.VIEW} where search_index match :edunews_q"
    r" order by relevance(?P<desc> desc)? limit (?P<limit>\d+)(?P<offset> offset \d+)?"
)
NAME = re.compile(r"[a-z_]+")
# The view's relevance column is s.rank, configured as search.RANK: "bm25(1.0, 8.0)".
SCORE = search.RANK.replace("(", "(search_index, ", 1)


def plain_columns(text: str) -> list[str] | None:
    """The column names of a select list of bare names (as Datasette writes the view's
    columns); None for anything else (a quoted name, an expression)."""
    names = text.split(", ")
    return names if all(NAME.fullmatch(n) for n in names) else None


def by_score(sql: str) -> str:
    """``sql`` ordered by the rank function itself when it is the plain relevance page."""
    found = PAGE.fullmatch(" ".join(sql.split()))
    columns = found and plain_columns(found["columns"])
    if not columns:
        return sql
    shown = ", ".join(f"{SCORE} as relevance" if c == "relevance" else c for c in columns)
    return (
        f"select {shown} from {search.VIEW} where search_index match :edunews_q"
        f" order by {SCORE}{found['desc'] or ''} limit {found['limit']}{found['offset'] or ''}"
    )


def ranking(db) -> None:
    """Run ``db``'s plain relevance page ordered by ``SCORE``; every other statement as before."""
    if getattr(db, "edunews_ranking", False):  # once per database
        return
    real = db.execute

    async def execute(sql, params=None, *args, **kwargs):
        return await real(by_score(sql), params, *args, **kwargs)

    db.edunews_ranking = True
    db.execute = execute
