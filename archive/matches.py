"""Search results held in memory by the Datasette plugins, per query and database state.

Datasette runs a search page's rows, its count and each facet as separate SQL statements,
and matching a common Thai phrase is the costly part, so the plugins match once and keep
the rowids here (keyed by ``publish.file_state``, which changes on every commit):

* ``match``: the matching rowids, and a byte per rowid that the page's SQL tests (``bitmap``);
* ``ranking``: the relevance page's best rows by bm25 and, from the same statement, the
  match of a long phrase (``search_order``), kept as ``match`` would keep it;
* ``facet_counts``: value counts of an articles column over the matching rowids, from a
  per-database-state array of the column's values (numpy, one vectorised count per facet
  instead of a Python loop over tens of thousands of rowids).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from archive import search
from archive.publish import file_state
from archive.sqlite import sqlite3

# The listing's WHERE clause; the plugin registers edunews_matched(expression) -> bitmap.
FILTER = "substr(edunews_matched(:edunews_q), rowid + 1, 1) = x'01'"
KEPT = 64  # each holds its rowids and a byte per rowid: at most ~0.8 MB on 100,000 articles
ROWID_RANGE = "select min(rowid), max(rowid) from articles"
# The match is built as JSON inside SQLite: fetching 80,000 rows one Python tuple at a time
# costs more than the phrase match of a common word. FTS5 starts and stops at a rowid range,
# so a large archive is matched in parts on parallel connections (SQLite runs without the GIL).
MATCH_PART = (
    f"select json_group_array(rowid) from {search.INDEX}"
    f" where {search.INDEX} match ? and rowid between ? and ?"
)
# Two parts per core: the cost of a rowid range varies, so a core that finishes early takes
# the next part instead of waiting for the slower one.
THREADS = max(1, min(4, os.cpu_count() or 1))
PARTS = 2 * THREADS
PART_ROWS = 12_500  # below this many rowids per part, fewer parts are as fast
# A prefix term (ผล*, the words anchor of ป.1) is matched in one part: FTS5 merges the doclists
# of every term with the prefix, over the whole index, for each statement whatever its rowid
# range, so each part paid it again (at 100,000 articles ผล* cost 38 ms of CPU in one
# statement, 137 ms in four parts; ป.1 136 ms against 246 ms).
PREFIX = "*"
_pool = ThreadPoolExecutor(THREADS, thread_name_prefix="edunews-match")
# Matches started ahead wait for _pool's parts, so they run on threads of their own.
_ahead = ThreadPoolExecutor(2, thread_name_prefix="edunews-ahead")


@dataclass
class Match:
    found: np.ndarray  # matching rowids, ascending

    @cached_property
    def bitmap(self) -> bytes:
        """One byte per rowid, 1 where it matches: ``substr(bitmap, rowid + 1, 1) = x'01'``
        tests a row in constant time. (SQLite's ``rowid in (list)`` builds an index of the
        list for every statement and probes it per row: ~50 ms at 80,000 rowids.)"""
        size = int(self.found[-1]) + 1 if len(self.found) else 0
        marks = np.zeros(size, dtype=np.uint8)
        marks[self.found] = 1
        return marks.tobytes()


_matches: OrderedDict = OrderedDict()
_pending: dict = {}  # key -> Future of a match being computed now
_columns: OrderedDict = OrderedDict()
_lock = threading.Lock()


# Like Datasette's sql_time_limit_ms for its own queries: a match or a column read that runs
# longer is interrupted (SQLite raises "interrupted"), so no request holds a thread for long.
TIME_LIMIT_S = 2.0
CHECK_EVERY = 10_000  # SQLite virtual machine steps between two looks at the clock
KEPT_COLUMNS = 16  # column snapshots (a few facets per table: source, month, fiscal_year)
NO_MATCH = np.zeros(0, dtype=np.int64)
# What FTS5 says about a query it cannot parse (as opposed to a database that cannot answer).
FTS_QUERY_ERROR = re.compile(r"fts5: |unterminated string|unknown special query|no such column")


# SQLite reads the file through memory-mapped I/O up to this many bytes (its default build
# caps it at 2 GiB): the index's pages are then read in place, not copied into each
# connection's page cache through a system call. At 100,000 articles this took the CPU time
# of a common phrase match by ~0.7x, on a connection that has mapped the pages before
# (the first statement of a new connection pays the page faults); hence kept connections.
MMAP_BYTES = 2**31
KEPT_CONNECTIONS = 2  # per thread: the archive (tests open a few others)
_local = threading.local()


def _limit(conn: sqlite3.Connection) -> None:
    deadline = time.monotonic() + TIME_LIMIT_S
    conn.set_progress_handler(lambda: time.monotonic() > deadline, CHECK_EVERY)


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    conn.execute(f"pragma mmap_size = {MMAP_BYTES}").fetchall()
    _limit(conn)
    return conn


def _file_id(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


@contextmanager
def _kept(path: str):
    """This thread's read-only connection to ``path``, kept between calls (its mapped pages
    with it) and given a new time limit; opened again when the file is another one (a
    replaced archive), closed after an error. Statements are read to the end, so none holds
    a read transaction (a snapshot) between calls."""
    held = _local.__dict__.setdefault("connections", OrderedDict())
    ident = _file_id(path)
    found = held.pop(path, None)
    if found is not None and found[0] != ident:
        found[1].close()
        found = None
    if found is None:
        conn = _connect(path)
    else:
        conn = found[1]
        _limit(conn)  # a new time limit for this use
    try:
        yield conn
    except BaseException:
        conn.close()
        raise
    held[path] = (ident, conn)
    while len(held) > KEPT_CONNECTIONS:
        held.popitem(last=False)[1][1].close()


def quoted(name: str) -> str:
    """An SQL identifier, quoted so that no column name can end it."""
    return '"' + name.replace('"', '""') + '"'


def match(path: str, expression: str) -> Match:
    """The articles matching an FTS5 expression (``search.match_expression``), remembered.

    A match being computed is not computed again by a second caller (the page's count and
    its facets, a match started ahead): that one waits for it."""
    if not expression:  # nothing searchable (punctuation only) matches nothing
        return Match(NO_MATCH)
    return _once((path, expression, file_state(path)), lambda: _match_now(path, expression))


def _once(key: tuple, compute):
    """``compute()``, kept under ``key``; a caller meeting it being computed waits for it."""
    with _lock:
        if key in _matches:
            _matches.move_to_end(key)
            return _matches[key]
        pending = _pending.get(key)
        if pending is None:
            _pending[key] = mine = Future()
    if pending is not None:
        return pending.result()
    try:
        result = compute()
    except BaseException as exc:
        with _lock:
            _pending.pop(key, None)
        mine.set_exception(exc)
        raise
    with _lock:
        _pending.pop(key, None)
        _keep(key, result)
    mine.set_result(result)
    return result


def _keep(key: tuple, result) -> None:
    """Keep ``result`` (with ``_lock`` held), dropping the oldest beyond ``KEPT``."""
    _matches[key] = result
    _matches.move_to_end(key)
    while len(_matches) > KEPT:
        _matches.popitem(last=False)


def ahead(path: str, expression: str) -> None:
    """Start matching ``expression`` in the background (its result is kept, like ``match``'s):
    the relevance page starts the plain match its count and facets need while SQLite ranks."""
    if expression:
        _ahead.submit(_quietly, path, expression)


def _quietly(path: str, expression: str) -> None:
    try:
        match(path, expression)
    except sqlite3.Error:  # too slow, or no index: the page's own call meets it again
        pass


# -- column filters FTS5 need not apply ------------------------------------------------------
# A phrase with a column filter (``grams : "..."``) makes FTS5 decode every position list of
# each of its terms, for every row of the term's doclist, to keep that column's positions;
# without one it reads a position list only where all the terms meet. At 100,000 articles
# that is ~0.6-0.8x the CPU of a long phrase's match (กระทรวงศึกษาธิการ 405 -> 250 ms). A
# filter can go where the phrase cannot occur in the other column, so the rows, and bm25's
# counts and scores, stay exactly the same:
# * a words phrase with a token longer than a gram: the grams column holds no such token;
# * a grams phrase of several grams, one of which is no token of the words column at all in
#   this state of the archive (checked once per state: ~0.2 ms when it is there, a few ms
#   when not). Grams that start with a following vowel or a tone mark, or end with a leading
#   vowel, are rarely newmm words: they are checked first, a few at most.
COLUMN_PHRASE = re.compile(r'(?<![^\s(])(grams|words) : "([^"]*)"(?!")( \*)?')
GRAM = 3  # the longest token of the grams column (search.run_grams)
CHECKED = 4  # grams of a phrase looked up in the words column, at most
FOLLOWING = re.compile("[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")
LEADING = re.compile("[\u0e40-\u0e44]$")
IN_WORDS = f"select rowid from {search.INDEX} where {search.INDEX} match ? limit 1"
KEPT_TOKENS = 4096
_in_words: OrderedDict = OrderedDict()  # (path, state, token) -> whether the words column has it


def unfiltered(conn: sqlite3.Connection, path: str, expression: str) -> str:
    """``expression`` without the column filters that cannot change what it matches, nor
    any bm25 score, in the archive at ``path`` (read on ``conn``)."""
    state = file_state(path)

    def phrase(found: re.Match) -> str:
        column, tokens, prefix = found[1], found[2].split(), found[3]
        if prefix or not tokens:
            return found[0]
        if column == "words":
            needless = any(len(t) > GRAM for t in tokens)
        else:
            needless = len(tokens) > 1 and any(
                not _in_words_column(conn, path, state, t) for t in unlikely_words(tokens)
            )
        return f'"{found[2]}"' if needless else found[0]

    return COLUMN_PHRASE.sub(phrase, expression)


def unlikely_words(grams: list[str]) -> list[str]:
    """The ``CHECKED`` grams least likely to be newmm words, the least likely first."""
    odd = {g: bool(FOLLOWING.match(g)) + bool(LEADING.search(g)) for g in grams}
    return sorted(dict.fromkeys(grams), key=lambda g: -odd[g])[:CHECKED]


def _in_words_column(conn: sqlite3.Connection, path: str, state: tuple, token: str) -> bool:
    key = (path, state, token)
    with _lock:
        if key in _in_words:
            _in_words.move_to_end(key)
            return _in_words[key]
    found = bool(conn.execute(IN_WORDS, [f'words : "{token}"']).fetchall())
    with _lock:
        _in_words[key] = found
        while len(_in_words) > KEPT_TOKENS:
            _in_words.popitem(last=False)
    return found


def _match_now(path: str, expression: str) -> Match:
    with _kept(path) as conn:
        low, high = conn.execute(ROWID_RANGE).fetchall()[0]
        expression = unfiltered(conn, path, expression)
    low, high = (0, -1) if low is None else (low, high)
    parts = max(1, min(PARTS, (high - low + 1) // PART_ROWS))
    if PREFIX in expression:  # quoted phrases hold letters and digits only, never a "*"
        parts = 1
    step = (high - low + parts) // parts
    cuts = [low + i * step for i in range(1, parts)]
    # Open-ended at both ends: an article committed meanwhile is matched, not lost.
    ranges = list(zip([-(2**63), *cuts], [c - 1 for c in cuts] + [2**63 - 1], strict=True))
    found = list(_pool.map(lambda span: _match_part(path, expression, *span), ranges))
    return Match(distinct(np.concatenate(found)))  # parts in rowid order: ascending already


# The relevance page's ranking and the plain match of the same query in one statement
# (``search_order``): every match with its bm25 score, materialized once; the best ``end`` as
# real values (exact: SQLite's JSON writes a double with 15 significant digits), then every
# matching rowid as JSON (fetching 80,000 Python tuples costs more than a short phrase's
# match). ``c`` is the view's ``search_index`` column, the index's cursor id.
RANK_SCORE = search.RANK.replace("(", f"({search.INDEX}, ", 1)
RANKED = f"""with m as materialized (
  select rowid as r, {RANK_SCORE} as s, {search.INDEX} as c from {search.INDEX}
  where {search.INDEX} match ?)
select r, s, c from (select r, s, c from m order by s{{desc}}, r limit ?)
union all select null, null, json_group_array(r) from m"""


@dataclass
class Ranking:
    top: list[tuple[int, float, int]]  # (rowid, score, cursor id), best first, ties by rowid
    match: Match  # every matching rowid


# A ranking keeps the best rows of several pages, so the next pages of a search (``end`` 101,
# 151, ...) are windows of the ranking the first page made, not a ranking again (~0.2-1 s of
# CPU for a long phrase at 100,000 articles). The order is total (score, then rowid), so the
# best ``end`` rows are the first ``end`` of a deeper ranking; SQLite's sort keeps 200 rows
# instead of 51 at no measurable cost next to bm25 over every match.
RANK_DEPTH = 200


def depth(end: int) -> int:
    """The rows a ranking keeps for a page ending at ``end``: a multiple of ``RANK_DEPTH``."""
    return -(-max(end, 1) // RANK_DEPTH) * RANK_DEPTH


def ranking(path: str, expression: str, plain: str, desc: bool, end: int) -> Ranking:
    """The best matches of a ranked expression by bm25 (``end`` or more), and all its
    matches, which are kept as the match of ``plain`` (the same articles:
    ``search.term_expression``), so the page's count and facets do not match the phrases
    again. Remembered like ``match``, for every page up to ``depth(end)``."""
    state = file_state(path)
    rows = depth(end)

    def compute() -> Ranking:
        words = whole_words(expression)
        if words is None:
            result = _rank_now(path, expression, desc, rows)
        else:
            result = _rank_by_words(path, words, plain, desc, rows)
        with _lock:
            if (path, plain, state) not in _matches:
                _keep((path, plain, state), result.match)
        return result

    return _once((path, "ranking", expression, desc, rows, state), compute)


def _rank_now(path: str, expression: str, desc: bool, end: int) -> Ranking:
    with _kept(path) as conn:
        expression = unfiltered(conn, path, expression)
        low, high = conn.execute(ROWID_RANGE).fetchall()[0]
    order = " desc" if desc else ""
    ranges = rank_ranges(low, high, expression)
    if len(ranges) == 1:
        parts = [_rank_part(path, RANKED.format(desc=order), [expression, end])]
    else:
        sql = RANKED_PART.format(desc=order)
        parts = list(
            _pool.map(lambda span: _rank_part(path, sql, [expression, *span, end]), ranges)
        )
    top = [row for part in parts for row in part[0]]
    top.sort(key=lambda row: (-row[1] if desc else row[1], row[0]))
    found = np.concatenate([part[1] for part in parts])  # parts in rowid order: ascending
    return Ranking(top[:end], Match(distinct(found)))


def _rank_part(path: str, sql: str, params: list) -> tuple[list, np.ndarray]:
    """A ranking statement's best rows and all its matching rowids."""
    with _kept(path) as conn:
        rows = conn.execute(sql, params).fetchall()
    found = next(row[2] for row in rows if row[0] is None)
    return [row for row in rows if row[0] is not None], rowids(found)


# A long term ranked by its whole words. A ranked term of one run is ``(grams : "..." OR
# words : "...")``: its letters, and its newmm words as a phrase, which only adds to bm25's
# score (``search.term_expression``). bm25 queries each phrase over the whole index again for
# its IDF, so ranking a long phrase of common trigrams costs two whole phrase matches
# (กระทรวงศึกษาธิการ, 15 grams in 82,873 of 100,000 articles: ~300 ms of CPU each), on one
# core whatever the rowid ranges. For a term of ``WHOLE_WORDS`` grams or more the page ranks
# the words phrase alone (a few words' doclists: 0.05-0.4x the CPU), beside the plain match
# of its letters in parts (which the count and facets need anyway); what the reader sees:
# * the articles holding the term as whole words first, by bm25 of the words phrase (its
#   score is the relevance shown), ties by rowid, as before;
# * then those holding its letters only inside longer words, relevance 0, in rowid order
#   (the view's bm25 ranked these after the whole-word ones too, unless an article was far
#   longer than the average, or both phrases were in half the archive, where FTS5's bm25
#   weighs each at 10^-6).
# The same articles, count and facets as before. On the 1,568-article corpus the top 50 of
# the long terms' pages (12 grams or more) hold 46-50 of the bm25 ranking's 50.
# A term of several runs whose words anchor ends in a prefix (ป.1: ``(grams : "ป 1" * AND
# words : "ป 〇 1" *)``) is ranked by its anchor alone, which matches exactly its articles
# (its plain expression, ``search.term_expression``): FTS5 merges the doclists under each
# prefix for the match and again for the IDF pass, four merges where the anchor alone pays two
# (ป.1 238 -> 153 ms of CPU at 100,000 articles, ม.6 199 -> 93).
WHOLE_WORDS = 12
ANCHOR_ALONE = True
ONE_TERM = re.compile(r'\(grams : "([^"]*)" OR (words : "[^"]*")\)')
ANCHORED_TERM = re.compile(r'\(grams : "[^"]*"(?: \*)? AND (words : "[^"]*" \*)\)')


def whole_words(expression: str) -> str | None:
    """The words phrase by which a ranked expression of one long term, or of one term with
    a prefix anchor, is ranked; None for any other expression (several terms, a short term)."""
    if ANCHOR_ALONE and (found := ANCHORED_TERM.fullmatch(expression)):
        return found[1]
    found = ONE_TERM.fullmatch(expression)
    if found is None or len(found[1].split()) < WHOLE_WORDS:
        return None
    return found[2]


# The best rows of a words phrase, without the JSON of every match (~0.2 µs a match).
WORDS_TOP = f"""select rowid, {RANK_SCORE}, {search.INDEX} from {search.INDEX}
where {search.INDEX} match ? order by 2, rowid limit ?"""


def _rank_by_words(path: str, words: str, plain: str, desc: bool, end: int) -> Ranking:
    """The best ``end`` of a long term's matches ranked by its words phrase (``whole_words``),
    the articles it leaves out after them at relevance 0 by rowid; its plain match."""
    alone = words == plain  # a prefix anchor: its ranking holds every match
    if not alone:
        ahead(path, plain)  # its letters' match in parts, on the other core meanwhile
    with _kept(path) as conn:
        words = unfiltered(conn, path, words)
        if not (alone or desc):
            # The articles the words phrase leaves out come after every one it ranks: they
            # are needed only when it ranks fewer than ``end``, and then ``top`` holds all.
            top = conn.execute(WORDS_TOP, [words, end]).fetchall()
            ranked = np.array(sorted(row[0] for row in top), dtype=np.int64)
    if alone or desc:
        sql = RANKED.format(desc=" desc" if desc else "")
        top, ranked = _rank_part(path, sql, [words, end])
    if alone:
        return Ranking(top[:end], Match(distinct(ranked)))
    letters = match(path, plain)  # waits for the match started ahead
    if not desc and len(top) >= end:
        return Ranking(top, letters)
    rest = np.setdiff1d(letters.found, ranked, assume_unique=True)[:end]
    cursor = top[0][2] if top else 1  # the view's search_index column: FTS5's cursor id
    top += [(int(rowid), 0.0, cursor) for rowid in rest]
    top.sort(key=lambda row: (-row[1] if desc else row[1], row[0]))
    return Ranking(top[:end], letters)


# A ranking in rowid ranges on parallel connections, when a core is idle. Each part's bm25
# queries every phrase over the whole index again (its IDF pass: FTS5 counts the rows of each
# phrase, whatever the statement's rowid range), so parts cost more CPU than one statement
# (ธีระเกียรติ at 100,000 articles: 2 x ~115 ms against ~170 ms) and save wall time only where
# a core would otherwise wait. So a ranking is one statement, as before, unless another core
# is free at that moment (``idle_cores``). The scores are the same either way (bm25 takes its
# row count, average size and IDF from the whole index), and so is the top: the best
# ``end`` of each part, merged by (score, rowid).
RANKED_PART = RANKED.replace(" match ?)", " match ? and rowid between ? and ?)", 1)
RANK_PART_ROWS = 20_000  # below this many rowids a part, the repeated IDF pass outweighs it
LOADAVG = Path("/proc/loadavg")


def idle_cores() -> int:
    """Cores that no thread is running on or waiting for now, this one aside: Linux's count
    of runnable threads (``/proc/loadavg``, the calling thread included), else the one-minute
    load average. Not the load average where the count exists: while a server answers a run
    of searches on an idle machine its own work holds the average near one core."""
    cores = os.cpu_count() or 1
    try:
        running = int(LOADAVG.read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        try:
            running = round(os.getloadavg()[0]) + 1
        except OSError:
            return 0
    return max(0, cores - running)


def rank_ranges(low: int | None, high: int | None, expression: str) -> list[tuple[int, int]]:
    """The rowid ranges a ranking runs in: one, unless a core is idle and the archive large."""
    if low is None or PREFIX in expression:  # a prefix's merge would be paid by each part
        return [(-(2**63), 2**63 - 1)]
    parts = min(THREADS, (high - low + 1) // RANK_PART_ROWS)
    if parts > 1:  # one part runs on this thread's core, the others on idle ones
        parts = min(parts, 1 + idle_cores())
    if parts < 2:
        return [(-(2**63), 2**63 - 1)]
    step = (high - low + parts) // parts
    cuts = [low + i * step for i in range(1, parts)]
    # Open-ended at both ends: an article committed meanwhile is ranked, not lost.
    return list(zip([-(2**63), *cuts], [c - 1 for c in cuts] + [2**63 - 1], strict=True))


def forget() -> None:
    """Drop every kept match and column (benchmarks measure matching from scratch)."""
    with _lock:
        _matches.clear()
        _columns.clear()
        _in_words.clear()


def _match_part(path: str, expression: str, first: int, last: int) -> np.ndarray:
    try:
        with _kept(path) as conn:
            found = conn.execute(MATCH_PART, [expression, first, last]).fetchall()[0][0]
    except sqlite3.OperationalError as exc:
        if not FTS_QUERY_ERROR.match(str(exc)):  # "interrupted" (too slow) stays an error
            raise
        return NO_MATCH  # an expression FTS5 cannot parse matches nothing
    return rowids(found)


# Rowids come from SQLite as the JSON of json_group_array ("[3,5,8]"). json.loads made a
# Python int of each, then numpy an array of them: ~16 ms of CPU at 80,000 rowids, against
# ~3 ms for numpy reading the digits itself. np.unique sorted them again (~60 ms at 80,000
# under load, for rowids that FTS5 returns in ascending order): only a check now.
def rowids(text: str) -> np.ndarray:
    """The integers of a JSON array of integers, as SQLite's json_group_array writes it."""
    return np.fromstring(text.strip()[1:-1], dtype=np.int64, sep=",")


def distinct(found: np.ndarray) -> np.ndarray:
    """``found`` sorted without repeats (``np.unique``), at the cost of a check when it is."""
    if len(found) < 2 or bool((found[1:] > found[:-1]).all()):
        return found
    return np.unique(found)


@dataclass
class Column:
    """One articles column as codes by rowid: ``values[codes[rowid]]``, code -1 for none."""

    codes: np.ndarray
    values: list


def column(path: str, name: str) -> Column:
    """An articles column's values by rowid, read once per database state from its index."""
    key = (path, name)
    state = file_state(path)
    with _lock:
        held = _columns.get(key)
        if held is not None and held[0] == state:
            _columns.move_to_end(key)
            return held[1]
    conn = _connect(path)
    try:
        known = {row[1] for row in conn.execute("select * from pragma_table_info('articles')")}
        if name not in known:
            raise ValueError(f"articles has no column {name!r}")
        high = conn.execute("select max(rowid) from articles").fetchone()[0] or 0
        column = quoted(name)
        rows = conn.execute(f"select rowid, {column} from articles where {column} is not null")
        codes = np.full(high + 1, -1, dtype=np.int32)
        index: dict = {}
        for rowid, value in rows:
            codes[rowid] = index.setdefault(value, len(index))
    finally:
        conn.close()
    result = Column(codes, list(index))
    with _lock:
        _columns[key] = (state, result)
        while len(_columns) > KEPT_COLUMNS:
            _columns.popitem(last=False)
    return result


def facet_counts(path: str, expression: str, name: str) -> dict:
    """{value: number of matching articles} of one column, for a search's facet."""
    values = column(path, name)
    found = match(path, expression).found
    found = found[found < len(values.codes)]  # rowids newer than the column's snapshot
    codes = values.codes[found]
    counts = np.bincount(codes[codes >= 0], minlength=len(values.values))
    return {values.values[i]: int(n) for i in np.flatnonzero(counts) for n in [counts[i]]}
