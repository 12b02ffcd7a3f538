"""What a crawl that at least doubled the archive (a first crawl, a backfill) leaves sparse,
made compact at its end (``writer.Writer`` calls ``after_growth`` when it closes).

Such a crawl leaves the search index in many segments (one a batch, merged four at a time),
each repeating the terms it holds, and the indexes it filled in several interleaved runs
(one a site: its URLs, its dates) about half empty, since a page split in the middle of a
run keeps only the half before it. Merged and rebuilt, a first crawl of 1,220 articles took
0.67 MB less (0.054x the text it holds: the search index 0.49 MB, the three indexes 0.18
MB), for ~0.34 ms of CPU an article. The cost is bounded by the crawl's own work (the
archive is at most twice what it wrote), so a nightly crawl of a large archive never pays
it; what it built stays compact, since later articles land at the end of each site's run.

Not the tables keyed by a hash (entities, images, aliases): their rows land anywhere, so
the next crawl's inserts would split any page packed now. Not VACUUM: pysqlite3's SQLite
keeps temporary databases in memory (SQLITE_TEMP_STORE=3), and VACUUM's is the whole file.

The merge is for a small archive only (MERGE_AT_MOST articles). It rewrites the whole index
(~11 KB an article) to save the terms that small segments repeat, and a large index is
mostly its largest segment already: in a 250 x 200 backfill's archive it took 2.9 s of CPU
at 12,048 articles for 1.0 MB (0.009x the text; 0.018x at 5,064, 0.04x at 1,220) and 13 s
at 47,133 for 3.4 MB of 503 (0.007x). The rebuilt indexes cost a tenth of that and save
more (2.3 MB at 12,048), so they are rebuilt at any size.

A stop signal (``archive.shutdown``) during this ends it between two transactions: the
crawl's end waits for it (the writer closes on the reactor thread), and what is left
undone loses nothing (FTS5 goes on with a merge cut short as later crawls write).
"""

from __future__ import annotations

import logging
import time

import sqlite_utils

from archive import search, shutdown

logger = logging.getLogger(__name__)

# Indexes that a crawl fills in runs (a site's URLs; its articles by date; the newest
# first), rebuilt full.
REINDEXED = (
    "idx_articles_url",
    "idx_articles_source_published_at",
    "idx_articles_published_at_id",
)

# Merge the search index at a crawl's end only while the archive holds at most this many
# articles (the 40 x 50 throughput bench's 2,000 keep it).
MERGE_AT_MOST = 5_000


def articles_held(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from articles").fetchone()[0]


def after_growth(db: sqlite_utils.Database, held_before: int, stop=shutdown.requested) -> bool:
    """Rebuild REINDEXED, and merge the search index of an archive of at most MERGE_AT_MOST
    articles, when it holds at least twice the articles it held before (``held_before``);
    returns whether it did. ``stop()``, asked before each transaction, ends it early. The
    free pages this leaves are the caller's to give back (``store.release_free_pages``)."""
    held = articles_held(db)
    if not held or held < 2 * held_before:
        return False
    began = time.monotonic()
    merged = held <= MERGE_AT_MOST and search.merge(db, stop)
    indexes = {row[0] for row in db.execute("select name from sqlite_master where type = 'index'")}
    for name in REINDEXED:
        if name in indexes and not stop():
            with db.conn:
                db.execute(f"reindex [{name}]")
    logger.info(
        "archive compacted (%d articles, search index %s) in %.1f s%s",
        held,
        "merged" if merged else "left in its segments",
        time.monotonic() - began,
        ", cut short by a stop signal" if stop() else "",
    )
    return True
