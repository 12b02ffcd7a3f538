"""Thai-aware full-text search over articles.

Thai is written without spaces, so SQLite's tokenizers see a whole run of Thai as one token.
The index therefore holds two columns of pre-split text in a contentless FTS5 table:

* ``grams``: every run of letters/digits as overlapping character trigrams, ending with the
  run's last two characters and its last one, so a token starts at every character. A query
  of 3+ characters is a phrase of its trigrams; a shorter one a prefix match (``ปี*``). So
  any substring is found exactly. Trigrams rather than bigrams: a long phrase of common
  bigrams took twice as long to match (bench/bench_search.py), for 0.9x instead of 0.7x size.
* ``words``: newmm words (``archive.segment``: nlpo3, the Rust newmm). A query word
  found here adds to the bm25 score, so a whole word (``สอบ``) ranks above the same
  letters inside a longer word (``ตรวจสอบ``).
  Only ranked queries (the relevance view) carry the words phrases; filtering needs the
  grams phrase alone, and ``archive.matches`` keeps its result per query for the plugins.

Both columns come from ``searchable_text`` (Thai digits as Arabic, invisible characters
removed) and are lower-cased, so ๒๕๖๗ finds 2567 and Latin is case-insensitive.

Deleting an article's old document: with SQLite 3.43+ (``archive.sqlite``: pysqlite3 where
it is installed) the index is ``contentless_delete=1`` (migration 0014) and deletes by
rowid. An older SQLite cannot delete from a contentless table by rowid alone, only with the
'delete' command and the values that were indexed: there a trigger copies the old title and
body of an updated article into ``articles_search_old``, and ``index_article`` recomputes
the old grams from them (segmenting the old text again, ~4.5 ms), deletes, and indexes the
new text. Which way an archive's index works is read from its schema (``deletes_by_rowid``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from archive import codepoints, segment
from crawler.thai.text import searchable_text

# numpy is imported in the functions that use it: see archive/codepoints.py.
if TYPE_CHECKING:  # annotations only: the worker processes that derive never open a database
    import sqlite_utils

INDEX = "articles_search"
PENDING = "articles_search_old"
VIEW = "article_search"
MATCHING_ROWIDS = f"select rowid from {INDEX} where {INDEX} match ?"

# Letters, digits and combining marks (Thai vowels and tone marks are category Mn); the FTS
# tokenizer below keeps exactly these categories, so each gram stays one token.
_RUN_CHAR = r"[^\W_]|[\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
_RUN = re.compile(f"(?:{_RUN_CHAR})+")
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* M*'"

# Stands between runs in the words column, so that a phrase of query words cannot match
# across a space or punctuation (which a substring search would not match either).
RUN_BREAK = "\u3007"

# bm25 weights for (grams, words): a whole-word hit counts several times a letter-gram hit.
RANK = "bm25(1.0, 8.0)"

# The relevance page: the columns the search page filters and facets on (migration 0011).
VIEW_SQL = f"""create view {VIEW} as
    select a.id, a.title, a.source, a.published_at, a.month, a.fiscal_year, a.academic_year,
           a.url, a.removed_at, s.rank as relevance, s.{INDEX} as search_index
    from {INDEX} s join articles a on a.rowid = s.rowid"""

BY_ROWID = "contentless_delete=1"


def table_sql(by_rowid: bool) -> str:
    option = f", {BY_ROWID}" if by_rowid else ""
    return (
        f"create virtual table {INDEX} using fts5(grams, words, content=''{option}, "
        f'tokenize="{TOKENIZER}")'
    )


RANK_SQL = f"insert into {INDEX}({INDEX}, rank) values ('rank', '{RANK}')"

# The index as migration 0002 made it: deletes need the old text (any SQLite).
CREATE_SQL = [
    table_sql(by_rowid=False),
    RANK_SQL,
    f"create table {PENDING} (rowid integer primary key, title text, body_text text)",
    # Keep the first old version only: that is the one still in the index.
    f"""create trigger {PENDING}_capture before update of title, body_text on articles
        begin
          insert or ignore into {PENDING}(rowid, title, body_text)
          values (old.rowid, old.title, old.body_text);
        end""",
    VIEW_SQL,
]


def create_index(db: sqlite_utils.Database) -> None:
    for sql in CREATE_SQL:
        db.execute(sql)


def deletes_by_rowid(db: sqlite_utils.Database) -> bool:
    """Whether this archive's index deletes by rowid (made ``contentless_delete=1``)."""
    row = db.execute("select sql from sqlite_master where name = ?", [INDEX]).fetchone()
    return row is not None and BY_ROWID in row[0]


def recreate_by_rowid(db: sqlite_utils.Database, progress=None) -> int:
    """Make the index ``contentless_delete=1`` (SQLite 3.43+): drop the old one, its
    old-text table and trigger, and index every article again, inside the caller's
    transaction (migration 0014). Returns the number of articles indexed."""
    for sql in (
        f"drop trigger if exists {PENDING}_capture",
        f"drop table if exists {PENDING}",
        f"drop view if exists {VIEW}",
        f"drop table if exists {INDEX}",
        table_sql(by_rowid=True),
        RANK_SQL,
        VIEW_SQL,
    ):
        db.execute(sql)
    return _index_all(db, progress)


def runs(text: str) -> list[str]:
    """Lower-cased runs of letters, digits and marks: the units grams never cross."""
    return normalised_runs(searchable_text(text))


def normalised_runs(text: str) -> list[str]:
    """``runs`` of a text that is searchable already (normalised, Arabic digits).

    The run characters are found by a table look-up over the code points and the runs cut
    where the look-up changes: the same runs as ``_RUN.findall``, which cost a millisecond
    per article on Thai text."""
    import numpy as np

    text = text.lower()
    codes = codepoints.code_points(text)
    if codes is None or not len(codes):
        return _RUN.findall(text)
    inside = np.concatenate(([False], codepoints.table(_RUN_CHAR)[codes], [False]))
    edges = np.flatnonzero(inside[1:] != inside[:-1]).tolist()
    return [text[start:end] for start, end in zip(edges[::2], edges[1::2], strict=True)]


def trigrams(run: str) -> list[str]:
    return [run[i : i + 3] for i in range(len(run) - 2)]


def run_grams(run: str) -> list[str]:
    """Trigrams of a run, then its last two characters and its last one."""
    return trigrams(run) + [run[-2:]] * (len(run) > 1) + [run[-1]]


def grams(text: str) -> str:
    return grams_of(runs(text))


def grams_of(text_runs: list[str]) -> str:
    """The grams of every run (``run_grams``), space-separated: at each character of a run,
    the up to three characters of the run starting there. Made for all runs at once over
    their code points (the runs joined by NUL, which no run holds): per run, the grams cost
    half a millisecond of an article's Thai text, this a tenth of it."""
    import numpy as np

    joined = "\0".join(text_runs)
    try:
        codes = np.frombuffer(f"{joined}\0\0".encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate, which no run holds: as the runs come
        return " ".join(g for run in text_runs for g in run_grams(run))
    size = len(joined)
    grams = np.zeros((size, 4), dtype=np.uint32)
    grams[:, 0] = codes[:size]
    second = codes[1 : size + 1] * (codes[:size] != 0)
    grams[:, 1] = second
    grams[:, 2] = codes[2 : size + 2] * (second != 0)
    grams[:, 3] = ord(" ")
    flat = grams[codes[:size] != 0].ravel()
    return flat[flat != 0].tobytes().decode("utf-32-le")[:-1]


# Runs repeat (ของ, ที่, 2567, a minister's name): over the corpus, the last 16,384 distinct
# runs (a few MB) hold 60 % of the runs segmented (28 % of their letters; 65,536 would hold
# 64 %), and a cached one costs a dictionary look-up instead of a Rust call.
@lru_cache(maxsize=1 << 14)
def run_words(run: str) -> str:
    return " ".join(filter(str.strip, segment.words(run)))


def words(text: str) -> str:
    """newmm words of the searchable text, one run at a time, runs parted by RUN_BREAK."""
    return words_of(runs(text))


def words_of(text_runs: list[str]) -> str:
    return f" {RUN_BREAK} ".join(map(run_words, text_runs))


def document(title: str | None, body: str | None) -> tuple[str, str]:
    """(grams, words) of an article: its text normalised and cut into runs once."""
    return document_of(runs("\n".join(filter(None, [title, body]))))


def document_of(text_runs: list[str]) -> tuple[str, str]:
    return grams_of(text_runs), words_of(text_runs)


def index_article(
    db: sqlite_utils.Database,
    rowid: int,
    title: str | None,
    body: str | None,
    doc: tuple[str, str] | None = None,
    indexed: bool = True,
):
    """(Re-)index one article (``doc``: its document, when derived already; ``indexed``:
    False for an article new to the archive, which has nothing in the index to delete);
    call inside the transaction that wrote it."""
    if deletes_by_rowid(db):
        if indexed:
            _forget_rowid(db, rowid)
    else:
        _forget(db, rowid)
    insert_document(db, rowid, doc or document(title, body))


class Queued:
    """The index writes of a batch (``store.batch``), held until just before its commit.

    FTS5 writes its pending terms out as a new index segment at every savepoint, and a
    batch opens several per article: written one by one, a batch of 100 articles left 100+
    small segments to merge later. Held here and written by ``flush``, deletes then
    inserts, each in rowid order, it leaves two. ``snapshot``/``restore`` follow the
    batch's savepoints (``store.BatchConnection``), so a write rolled back is dropped."""

    def __init__(self) -> None:
        # rowid -> the document indexed now (None: an index that deletes by rowid)
        self.deletes: dict[int, tuple[str, str] | None] = {}
        self.inserts: dict[int, tuple[str, str]] = {}  # rowid -> its new document

    def snapshot(self) -> tuple[dict, dict]:
        return dict(self.deletes), dict(self.inserts)

    def restore(self, snapshot: tuple[dict, dict]) -> None:
        self.deletes, self.inserts = snapshot


DELETE_SQL = f"insert into {INDEX}({INDEX}, rowid, grams, words) values ('delete', ?, ?, ?)"


def _queued(db: sqlite_utils.Database) -> Queued | None:
    return getattr(db.conn, "queued", None)


def flush(db: sqlite_utils.Database) -> None:
    """Write the queued index rows now (a batch's end; a read of the index inside a batch
    must call this first to see them)."""
    queued = _queued(db)
    if queued is None or not (queued.deletes or queued.inserts):
        return
    deletes, inserts = sorted(queued.deletes.items()), sorted(queued.inserts.items())
    queued.deletes, queued.inserts = {}, {}
    by_text = [(rowid, *doc) for rowid, doc in deletes if doc is not None]
    db.conn.executemany(DELETE_SQL, by_text)
    by_rowid = [(rowid,) for rowid, doc in deletes if doc is None]
    db.conn.executemany(f"delete from {INDEX} where rowid = ?", by_rowid)
    insert = f"insert into {INDEX}(rowid, grams, words) values (?, ?, ?)"
    db.conn.executemany(insert, [(rowid, *doc) for rowid, doc in inserts])


def insert_document(db: sqlite_utils.Database, rowid: int, doc: tuple[str, str]) -> None:
    queued = _queued(db)
    if queued is None:
        db.execute(f"insert into {INDEX}(rowid, grams, words) values (?, ?, ?)", [rowid, *doc])
        return
    if rowid in queued.inserts:  # indexed twice without a delete: write as it came
        flush(db)
    queued.inserts[rowid] = doc


def _forget(db: sqlite_utils.Database, rowid: int) -> None:
    """Delete an article's indexed document: the one of the old text the trigger kept."""
    old = db.execute(f"select title, body_text from {PENDING} where rowid = ?", [rowid]).fetchone()
    if old is None:
        return
    queued = _queued(db)
    if queued is not None and rowid in queued.inserts:
        # Written earlier in this batch: the old text is that queued document's, which
        # never reached the index. Dropped, it need not be deleted (nor segmented again).
        del queued.inserts[rowid]
    elif queued is not None:
        if rowid in queued.deletes:  # deleted twice without an insert: write as it came
            flush(db)
        queued.deletes[rowid] = document(*old)
    else:
        db.execute(DELETE_SQL, [rowid, *document(*old)])
    db.execute(f"delete from {PENDING} where rowid = ?", [rowid])


def _forget_rowid(db: sqlite_utils.Database, rowid: int) -> None:
    """Delete an article's indexed document by its rowid (a ``contentless_delete`` index)."""
    queued = _queued(db)
    if queued is None:
        db.execute(f"delete from {INDEX} where rowid = ?", [rowid])
    elif rowid in queued.inserts:  # never reached the index: dropped, as in ``_forget``
        del queued.inserts[rowid]
    else:
        if rowid in queued.deletes:  # deleted twice without an insert: write as it came
            flush(db)
        queued.deletes[rowid] = None


# FTS5 pages written per transaction of ``merge`` (about 8 MB): bounds its WAL.
MERGE_PAGES = 2000


def merge(db: sqlite_utils.Database, stop=lambda: False) -> bool:
    """Merge the index into one segment, as FTS5 ``optimize`` does, in transactions of
    MERGE_PAGES pages (the WAL stays small; a merge cut short leaves a whole index that
    FTS5 goes on merging). Matches and bm25 scores stay the same (``archive.compaction``
    says when). ``stop()`` is asked before each transaction: True leaves the merge there.
    Returns whether the merge is done."""
    pages = -MERGE_PAGES  # negative: every segment taken as one level, as optimize does
    while not stop():
        before = db.conn.total_changes
        with db.conn:
            db.execute(f"insert into {INDEX}({INDEX}, rank) values ('merge', ?)", [pages])
        if db.conn.total_changes - before < 2:  # FTS5: nothing left to merge
            return True
        pages = MERGE_PAGES
    return False


def rebuild(db: sqlite_utils.Database, progress=None, batch: int = 500) -> int:
    """Re-index every article from scratch (after a bulk edit outside store.py, or a change
    of word segmentation: ``edunews reindex``). One transaction, so a reader sees the old
    index or the new one, never half of it; the text is read ``batch`` rows at a time, so
    memory stays flat on a large archive. ``progress(done, total)`` after each batch."""
    with db.conn:
        if (queued := _queued(db)) is not None:  # in a batch: every article is indexed again below
            queued.deletes, queued.inserts = {}, {}
        db.execute(f"insert into {INDEX}({INDEX}) values ('delete-all')")
        if not deletes_by_rowid(db):
            db.execute(f"delete from {PENDING}")
        return _index_all(db, progress, batch)


def _index_all(db: sqlite_utils.Database, progress=None, batch: int = 500) -> int:
    """Index every article into an empty index, ``batch`` rows read at a time."""
    total = db.execute("select count(*) from articles").fetchone()[0]
    done, last = 0, 0
    while True:
        rows = db.execute(
            "select rowid, title, body_text from articles where rowid > ? order by rowid limit ?",
            [last, batch],
        ).fetchall()
        if not rows:
            break
        for rowid, title, body in rows:
            insert_document(db, rowid, document(title, body))
        done, last = done + len(rows), rows[-1][0]
        if progress:
            progress(done, total)
    return done


# -- queries ---------------------------------------------------------------------------------


def _quote(tokens: list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def term_grams(term: str) -> tuple[list[str], bool]:
    """Phrase tokens for one query term, and whether the last token is a prefix.

    A run followed by more of the term must end where the text's run ends, so it keeps its
    closing tokens; the final run may continue in the text, so it is trigrams only, or a
    prefix when it is shorter than three characters.
    """
    parts = runs(term)
    if not parts:
        return [], False
    closed = not _RUN.fullmatch(term[-1:])
    tokens = [g for run in parts[:-1] for g in run_grams(run)]
    last = parts[-1]
    if closed:
        return tokens + run_grams(last), False
    if len(last) < 3:
        return tokens + [last], True
    return tokens + trigrams(last), False


def _is_plain(run: str) -> bool:
    """Digits or Latin: newmm leaves such a run whole, so a prefix of it is a prefix of its word."""
    return run.isascii()


def anchor_phrase(term: str) -> str | None:
    """A words-column phrase that makes a term with punctuation start where a run starts.

    ``ม.6``'s grams phrase is "ม" then "6"; the token "ม" also closes every run that ends
    in ม, so alone it matches "เพิ่ม 6 คน". In the words column each run stands between
    RUN_BREAKs, so the phrase "ม 〇 6" needs a run that is exactly ม, then one starting with
    6. Only for terms of several runs whose first run is shorter than three characters (a
    longer first run rarely closes another word); an open last run of Thai letters is left
    out, since newmm may cut a partial run differently from the whole one.
    """
    parts = runs(term)
    if len(parts) < 2 or len(parts[0]) >= 3:
        return None
    closed = not _RUN.fullmatch(term[-1:])
    whole = parts if closed else parts[:-1]
    tokens = f" {RUN_BREAK} ".join(run_words(run) for run in whole).split()
    prefix = ""
    if not closed and _is_plain(parts[-1]):
        tokens += [RUN_BREAK, parts[-1]]
        prefix = " *"
    return f"words : {_quote(tokens)}{prefix}"


def term_expression(term: str, ranked: bool = False) -> str | None:
    """The grams phrase of one term; ranked, OR its newmm words as a phrase of the words column.

    The words phrase only adds to the bm25 score (a whole word ranks above the same letters
    inside a longer word). It is added to a term that is a single run: then every article
    it matches contains the run, so both expressions find the same articles. Filtering uses
    the grams phrase alone, which saves matching a second phrase (~35 ms for a word in 80%
    of 100,000 articles)."""
    tokens, prefix = term_grams(term)
    if not tokens:
        return None
    phrase = f"grams : {_quote(tokens)}{' *' if prefix else ''}"
    if anchor := anchor_phrase(term):
        # An anchor that ends in a prefix holds every run of the term, and each article it
        # matches also matches the grams phrase (a run ending in its first words, whole runs,
        # then a run starting with its last): to filter, it is enough alone. Matching "ป 1" *
        # as well cost ~70 ms of CPU at 100,000 articles (every gram starting with 1). Ranked,
        # both stay, so that bm25 scores stay as they were.
        if anchor.endswith("*") and not ranked:
            return anchor
        return f"({phrase} AND {anchor})"
    if not ranked or runs(term) != [searchable_text(term).lower()]:
        return phrase
    return f"({phrase} OR words : {_quote(words(term).split())})"


def match_expression(query: str, ranked: bool = False) -> str:
    """FTS5 MATCH text for a user query: space-separated terms are ANDed.

    ``ranked`` for a query whose bm25 rank is used (the relevance view). Returns "" when the
    query holds nothing searchable (only punctuation)."""
    parts = [term_expression(t, ranked) for t in query.split()]
    return " AND ".join(p for p in parts if p)
