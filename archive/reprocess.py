"""Re-run extraction over the raw captures, without the network: a better extractor improves
the whole history.

For each stored article, the capture its latest version was read from (a revisit resolves to
the response it repeats) is read back from its WARC file, decoded, extracted and prepared
exactly as the crawler does (``archive.process.prepare``), and saved through
``archive.store`` (a changed result becomes a new version pointing at the same capture).
What the capture cannot say again is kept from the stored row: source, fetch time, how the
article was discovered, a date taken from its feed.

With a pool (``archive.workers``, as `edunews reprocess` uses), this process only finds
each row's capture (its WARC file and offset) and saves, in order and in batches; the
workers read the record, extract, prepare and derive. A run that rewrote any text regroups
stories at its end, as a crawl's end does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, repeat
from pathlib import Path

import sqlite_utils

from archive import store, warc
from archive.process import Derived, derive, prepare
from archive.workers import Pool
from crawler.extract.html import decode_html
from crawler.extract.page import extract_article, looks_like_article
from crawler.extract.wordpress import article_from_post
from crawler.items import Article

logger = logging.getLogger(__name__)

BATCH = 100  # articles per transaction
TAIL = 10  # the last articles, in a transaction of their own (``batches``)
CHUNK = 10  # articles per worker job: fewer hand-offs between the processes
AHEAD = 80  # articles queued per worker: more than it rebuilds while a batch ends (index, commit)
MAX_AHEAD = 400  # articles read ahead of the one being saved (memory)
OUTCOMES = ("new", "updated", "unchanged", "missing_capture", "not_article", "invalid", "failed")

LATEST = """
select a.id, a.url, a.source, a.fetched_at, a.discovered_via, a.published_at, a.date_source,
       a.content_hash, a.removed_at, a.removed_reason, v.capture_id
from articles a
left join article_versions v on v.article_id = a.id and v.version = a.version
{where}
order by v.capture_id, a.id  -- articles of one API page together (read once)
"""

STORED_TEXT = "select title, body_text from articles where id = ?"

REFERRED = """
select * from captures
where url = ? and record_type = 'response' and payload_digest = ? and id < ?
order by id desc limit 1
"""


class MissingCapture(Exception):
    """No readable raw capture for this article (never captured, or its file is gone)."""


def reprocess(
    db: sqlite_utils.Database,
    warc_dir: str | Path,
    source: str | None = None,
    stats=None,
    pool: Pool | None = None,
) -> Counter:
    """Re-extract every article (of one source) from its capture; returns outcome counts.

    ``stats`` is an optional Counter for extraction statistics (where dates came from), as
    the spider keeps them. ``pool``: worker processes (``archive.workers``) that rebuild
    the articles (extract, prepare, derive) while this process reads captures and saves,
    in order (and rebuilds too whenever it would otherwise wait for them); without one,
    all of it runs here.
    """
    pool = pool or Pool(0)
    outcomes = Counter()
    rows = latest_versions(db, source)
    rebuilt = iter(Rebuilding(db, Path(warc_dir), rows, pool))
    for size in batches(len(rows)):
        with store.batch(db):  # one transaction per batch, as the crawl's writer does
            for row, article in islice(rebuilt, size):
                outcomes[settle(db, row, article, stats)] += 1
    if outcomes["new"] or outcomes["updated"]:
        # New texts regroup stories, as at a crawl's end (``crawler.pipelines.store``): in a
        # transaction of its own, after the last batch's commit (``archive.writer``, alone).
        store.group_stories(db)
    return outcomes


def batches(total: int) -> list[int]:
    """Articles per transaction: BATCH, the last TAIL in one of their own. What a batch's
    end writes (the search index, the commit) waits for its last article; the run's last
    end has no rebuilding left to run beside it, so it is kept small."""
    head = max(0, total - TAIL)
    return (
        [BATCH] * (head // BATCH)
        + [head % BATCH] * bool(head % BATCH)
        + [total - head] * bool(total)
    )


def latest_versions(db: sqlite_utils.Database, source: str | None) -> list[dict]:
    where, params = ("where a.source = ?", [source]) if source else ("", [])
    return list(db.query(LATEST.format(where=where), params))


@dataclass
class Rebuilt:
    """What a worker made of one capture: an outcome, and for a changed article the
    article and its heavy forms, ready to save."""

    outcome: str  # "changed", or a final outcome (OUTCOMES)
    article: Article | None = None
    derived: Derived | None = None
    why: str = ""  # for the log: why not an article, what is invalid
    stats: Counter = field(default_factory=Counter)
    digest: str | None = None  # the changed article's content hash (not computed again)


@dataclass
class Part:
    """Consecutive rows, their captures read; those to rebuild are rebuilt by ``future``
    (``rebuild_many``), the others (no capture, unreadable) are settled already."""

    rows: list[dict]
    read: list  # per row: a Rebuilt, or None (rebuilt by the future)
    future: Future

    def done(self) -> bool:
        return self.future.done()

    def outcomes(self):
        """(row, Rebuilt) of each row, in order; waits for the future."""
        try:
            made = iter(self.future.result())
        except Exception as exc:  # its worker died
            failed = Rebuilt("failed", why=f"{type(exc).__name__}: {exc}")
            made = repeat(failed)
        for row, read in zip(self.rows, self.read, strict=True):
            yield row, read if read is not None else next(made)


class Rebuilding:
    """The rows rebuilt, in order: their captures found here (the database is this
    process's; the rebuild reads the record), rebuilt in the pool CHUNK rows a job, AHEAD
    rows a worker queued so that no worker runs out while this process ends a batch. When
    this process would wait for the pool, it rebuilds the next row itself: both cores stay
    busy, whichever side has more to do (saving a rewrite, or only reading captures).
    Towards the end the pool holds no more rows than are left unread, in smaller jobs:
    this process has rows of its own to rebuild rather than waiting for the pool's last
    ones."""

    def __init__(self, db, warc_dir: Path, rows: list[dict], pool: Pool):
        self.db, self.warc_dir, self.pool = db, warc_dir, pool
        self.unread = deque(rows)
        self.parts: deque[Part] = deque()
        self.ahead = AHEAD * pool.workers or 1  # rows kept in the pool
        self.limit = 1 if pool.inline else MAX_AHEAD  # rows read ahead (memory)
        # Rows in ``parts``, and rows of parts whose future is (not) done yet: counted as
        # they come and go, not summed over the parts at each look (asking each future,
        # a lock each, was ~5 % of this process's own time in a rewrite). ``returned`` is
        # added to by the futures' callbacks, in the pool's thread: hence the lock.
        self.read_ahead, self.given, self.returned = 0, 0, 0
        self.lock = threading.Lock()

    def __iter__(self):
        while True:
            self._top_up()
            if not self.parts:
                return
            first = self.parts.popleft()
            self.read_ahead -= len(first.rows)
            while not first.done() and self.unread and self.read_ahead < self.limit:
                self._add(self._part(1, here=True))  # instead of waiting
                self._top_up()
            yield from first.outcomes()

    def _top_up(self) -> None:
        while (
            self.unread
            and self.read_ahead < self.limit
            and self._in_pool() < min(self.ahead, len(self.unread))
        ):
            self._add(self._part(self._job_size()))

    def _job_size(self) -> int:
        """CHUNK rows, fewer towards the end: the last jobs are small, so that the workers
        and this process finish together rather than one waiting for the other's last
        CHUNK rows."""
        return max(1, min(CHUNK, len(self.unread) * CHUNK // self.ahead))

    def _add(self, part: Part) -> None:
        self.parts.append(part)
        rows = len(part.rows)
        self.read_ahead += rows
        with self.lock:
            self.given += rows
        part.future.add_done_callback(lambda _: self._returned(rows))  # now, if done

    def _returned(self, rows: int) -> None:
        with self.lock:
            self.returned += rows

    def _in_pool(self) -> int:
        """Rows of parts not done yet (being rebuilt, or queued)."""
        with self.lock:
            return self.given - self.returned

    def _part(self, size: int, here: bool = False) -> Part:
        """The next ``size`` rows: their captures found, rebuilt in the pool (or ``here``)."""
        rows = [self.unread.popleft() for _ in range(min(size, len(self.unread)))]
        found = [self._find(row) for row in rows]
        work = [
            (self._with_text(row), capture)
            for row, capture in zip(rows, found, strict=True)
            if not isinstance(capture, Rebuilt)
        ]
        if here or not work:
            future = done(rebuild_many(work))
        else:
            future = self.pool.submit(rebuild_many, work)
        return Part(rows, [c if isinstance(c, Rebuilt) else None for c in found], future)

    def _find(self, row: dict) -> Where | Rebuilt:
        """Where the row's capture is (``Where``: the rebuild reads it), or its outcome
        (a Rebuilt) when it has none."""
        try:
            capture = response_capture(self.db, row["capture_id"])
        except MissingCapture as exc:
            return Rebuilt("missing_capture", why=str(exc))
        except Exception as exc:  # count, log, go on: one bad row must not stop the rest
            return Rebuilt("failed", why=f"{type(exc).__name__}: {exc}")
        path = str(self.warc_dir / capture["warc_file"])
        return Where(path, capture["warc_offset"], capture["content_type"])

    def _with_text(self, row: dict) -> dict:
        """The row with a digest of its stored title and body (``text``), for the rebuild
        to see whether they changed; a copy, so that the rows left to read hold none.
        A digest, not the text: a job of CHUNK rows with their texts (54 KB at the median
        on the benchmark's archive, up to 146 KB; 1.7 KB with digests) can overflow the
        pipe to the worker (64 KB), which then waits mid-job for this process's feeder
        thread to get the GIL and write the rest; and the text is pickled, sent and
        unpickled for one comparison."""
        text = self.db.conn.execute(STORED_TEXT, [row["id"]]).fetchone()
        return row | {"text": text_digest(*text) if text else None}


def settle(db, row: dict, rebuilt: Rebuilt, stats) -> str:
    if stats is not None:
        stats.update(rebuilt.stats)
    if rebuilt.outcome == "failed":  # the page broke the extractor, or its worker died
        logger.warning("%s: reprocessing failed: %s", row["url"], rebuilt.why)
    elif rebuilt.outcome == "not_article":
        logger.info("%s: no longer extracted as an article (%s)", row["url"], rebuilt.why)
    elif rebuilt.outcome == "invalid":
        logger.warning("%s: reprocessed article is invalid: %s", row["url"], rebuilt.why)
    elif rebuilt.outcome == "missing_capture":
        logger.info("%s: no capture to reprocess (%s)", row["url"], rebuilt.why)
    if rebuilt.outcome != "changed":
        return rebuilt.outcome
    return save(db, row, rebuilt.article, rebuilt.derived, rebuilt.digest)


def done(result) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


def response_capture(db, capture_id: int | None) -> dict:
    """The `response` capture holding the bytes: a revisit points at an earlier one."""
    if capture_id is None:
        raise MissingCapture("no capture recorded")
    capture = next(iter(db.query("select * from captures where id = ?", [capture_id])), None)
    if capture is None:
        raise MissingCapture(f"capture {capture_id} not found")
    if capture["record_type"] == "response":
        return capture
    params = [capture["url"], capture["payload_digest"], capture["id"]]
    referred = next(iter(db.query(REFERRED, params)), None)
    if referred is None:
        raise MissingCapture(f"revisit {capture_id} refers to no stored response")
    return referred


@dataclass(frozen=True)
class Where:
    """Where a row's capture is: the rebuild reads its record (``rebuild_many``), in the
    worker, so that only this travels to it, not the page."""

    path: str  # its WARC file
    offset: int
    content_type: str | None  # as recorded, where the record's headers have none


def captured_page(row: dict, where: Where, stored: warc.Stored) -> tuple:
    """What the rebuild needs of a capture: an API page's one post (the page is parsed once
    a process, for the up to 100 articles it holds), or a page's raw bytes and headers."""
    content_type = stored.header("Content-Type") or where.content_type
    encoding = stored.header("Content-Encoding")
    if "json" in (content_type or ""):
        post = api_posts(warc.decode_content(stored.payload, encoding)).get(row["id"])
        if post is None:
            raise MissingCapture("the API page no longer lists this post")
        return ("post", post)
    return ("page", stored.url, stored.payload, encoding, content_type)


# -- in a worker process (or inline): from the capture's record on (read only) ------------------
def rebuild_many(captures: list[tuple[dict, Where]]) -> list[Rebuilt]:
    """``rebuild_and_derive`` of each row's captured page; one page's error is its own
    outcome, not the job's."""
    rebuilt = []
    for row, where in captures:
        try:
            page = captured_page(row, where, read_record(where.path, where.offset))
        except (MissingCapture, FileNotFoundError) as exc:
            rebuilt.append(Rebuilt("missing_capture", why=str(exc)))
            continue
        except Exception as exc:
            rebuilt.append(Rebuilt("failed", why=f"{type(exc).__name__}: {exc}"))
            continue
        try:
            rebuilt.append(rebuild_and_derive(row, page))
        except Exception as exc:
            rebuilt.append(Rebuilt("failed", why=f"{type(exc).__name__}: {exc}"))
    return rebuilt


@lru_cache(maxsize=1)  # an API page serves up to 100 articles, taken one after another
def read_record(path: str, offset: int) -> warc.Stored:
    """The capture's record (a WARC file is only ever appended to: a record at an offset
    stays what it is)."""
    return warc.read_record(path, offset)


def rebuild_and_derive(row: dict, page: tuple) -> Rebuilt:
    """The crawl's own path (``archive.process.prepare``, then ``derive``) over a captured
    page; an article whose content did not change is not derived (nothing is written), nor
    one whose title and body are those stored (``row["text"]``: only other fields moved)."""
    stats: Counter = Counter()
    article, why = rebuild(row, page, stats)
    if article is None:
        return Rebuilt("not_article", why=why, stats=stats)
    prepared = prepare(article)
    if not prepared.ok:
        return Rebuilt("invalid", why=str(prepared.problems), stats=stats)
    article = prepared.article
    digest = store.content_hash(article)
    if digest == row["content_hash"]:
        return Rebuilt("unchanged", stats=stats)
    if text_digest(article.title, article.body_text) == row.get("text"):
        # Only other fields changed (a date, credits, images): the store neither indexes nor
        # signs the same text again (``store._new_version``), so it is not derived.
        return Rebuilt("changed", article, stats=stats, digest=digest)
    derived = derive(article.title, article.body_text)
    return Rebuilt("changed", article, derived, stats=stats, digest=digest)


def rebuild(row: dict, page: tuple, stats=None) -> tuple[Article | None, str]:
    """The article as the crawler's extraction would build it from these bytes today, before
    ``archive.process.prepare``; None and why if the extractor no longer takes the page for
    an article."""
    if page[0] == "post":
        article = article_from_post(page[1], row["source"], row["fetched_at"])
    else:
        _, url, payload, encoding, content_type = page
        html = decode_html(warc.decode_content(payload, encoding), content_type)
        article = extract_article(
            url, html, source=row["source"], fetched_at=row["fetched_at"], stats=stats
        )
        ok, why = looks_like_article(article)
        if not ok:
            return None, why
    return keep_stored_facts(article, row), ""


def text_digest(title: str | None, body: str | None) -> bytes:
    """A title and body as 16 bytes: equal digests, equal texts (BLAKE2b; None and ""
    differ, and no title and body run into each other: each part ends in a byte that
    UTF-8 never holds)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (title, body):
        digest.update(b"\x00" if part is None else part.encode("utf-8", "surrogatepass") + b"\xff")
    return digest.digest()


@lru_cache(maxsize=2)  # one API page serves up to 100 articles, reprocessed one after another
def api_posts(body: bytes) -> dict[str, dict]:
    """The posts of an API page by article id, parsed once per page."""
    posts = json.loads(body)
    by_id = {}
    for post in posts if isinstance(posts, list) else []:
        link = isinstance(post, dict) and post.get("link")
        if link and isinstance(link, str):
            by_id.setdefault(store.article_id(link), post)
    return by_id


def keep_stored_facts(article: Article, row: dict) -> Article:
    """The identity and history the capture cannot tell: URL, source, fetch, discovery, and a
    date that came from the feed rather than the page."""
    article.url = row["url"]
    article.source = row["source"]
    article.fetched_at = row["fetched_at"]
    article.discovered_via = row["discovered_via"]
    article.capture_id = row["capture_id"]
    if not article.published_at and row["date_source"] == "feed":
        article.published_at, article.date_source = row["published_at"], "feed"
    return article


def save(db, row: dict, article: Article, derived: Derived | None = None, digest=None) -> str:
    """Store a changed result (``rebuild_and_derive`` compared its content hash) as a new
    version; an unchanged one never comes here, it is not written at all (a reprocess is
    not a sighting: last_seen_at must keep meaning "seen on the site")."""
    outcome = store.save_article(db, article, derived, digest)
    if row["removed_at"]:  # save_article marks the article live; it is still gone
        store.mark_removed(db, row["url"], row["removed_reason"])
    return outcome


def summary(outcomes: Counter) -> str:
    """One line for the command line: every outcome, zero or not."""
    return ", ".join(f"{outcomes.get(k, 0)} {k.replace('_', ' ')}" for k in OUTCOMES)
