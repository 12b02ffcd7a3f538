"""The owner of a crawl run: the archive's writer, the run record and the error list.

A Scrapy extension. Middlewares and pipelines reach it through the crawler
(``archive_run(crawler)``) instead of opening the database themselves: every write goes to
the one writer thread (``archive.writer``), as a job whose Deferred fires once its batch
is committed. ``submit`` waits for a free slot before queueing (a DeferredSemaphore, not a
blocking put), so a crawl that fetches faster than it stores slows down without stalling
the reactor or filling memory. With ``EDUNEWS_MEMLOG`` set (a bench), it also starts the
process's memory log (``archive.memlog``).
"""

from __future__ import annotations

import gc
import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from archive import store
from archive.writer import LINGER, Writer

logger = logging.getLogger(__name__)

# Python's cyclic garbage collector during a crawl: at its default thresholds (700, 10, 10)
# it ran ~550 times in a 960-page crawl and took 1.4 s of the crawl process's ~21 s of CPU
# (timed with gc.callbacks), each full collection walking every object of Scrapy, Twisted,
# lxml and the rest. Once the crawl has started, what start-up made is frozen (never
# collected again: it lives for the run anyway) and collections come less often: 0.5 s,
# peak RSS unchanged. Undone when the spider closes.
CRAWL_GC_THRESHOLDS = (20_000, 20, 20)


class ArchiveRun:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.path = settings.get("EDUNEWS_DB")
        self.batch_size = settings.getint("EDUNEWS_WRITE_BATCH", 50)
        self.linger = settings.getfloat("EDUNEWS_WRITE_LINGER", LINGER)
        self.queue_size = settings.getint("EDUNEWS_WRITE_QUEUE", 200)
        self.slots = defer.DeferredSemaphore(self.queue_size)
        self.writer: Writer | None = None
        self.run_id: int | None = None
        self.errors: list[tuple[str, str, str, str]] = []  # (source, url, kind, reason)
        self.gc_thresholds: tuple[int, int, int] | None = None  # to restore at the end
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.memlog = start_memlog(settings.get("EDUNEWS_MEMLOG"))

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("EDUNEWS_ARCHIVE", True):
            raise NotConfigured("no archive in this process (a Redis worker)")
        return archive_run(crawler)

    def open(self) -> Writer:
        """The writer, started on first use (a middleware may need it before spider_opened)."""
        if self.writer is None:
            # Room for the slots and the few direct calls (run start and end): a put
            # from the reactor thread never waits.
            bound = self.queue_size + 8
            self.writer = Writer(
                self.path, batch_size=self.batch_size, bound=bound, linger=self.linger
            )
        return self.writer

    def spider_opened(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        settings = {"only": spider.only, "sources": spider.sources_file}
        self.run_id = self.open().call(start, spider.sources, settings)
        self.settle_heap()

    def settle_heap(self) -> None:
        """Freeze what start-up made and collect garbage less often (see
        CRAWL_GC_THRESHOLDS); ``restore_heap`` undoes it."""
        if self.gc_thresholds is None:
            self.gc_thresholds = gc.get_threshold()
            gc.collect()
            gc.freeze()
            gc.set_threshold(*CRAWL_GC_THRESHOLDS)

    def restore_heap(self) -> None:
        if self.gc_thresholds is not None:
            gc.set_threshold(*self.gc_thresholds)
            gc.unfreeze()
            self.gc_thresholds = None

    def submit(self, job, *args, quick: bool = False) -> defer.Deferred:
        """``job(db, *args)`` on the writer; fires with its result once committed (a
        ``quick`` job: once it ran, see ``archive.writer.Writer.submit``)."""
        writer = self.open()
        return self.slots.run(lambda: deferred_of(writer.submit(job, *args, quick=quick)))

    async def queue(self, job, *args, quick: bool = False) -> defer.Deferred:
        """Queue ``job(db, *args)`` on the writer, waiting only for room in its queue (the
        bound), not for the job: the Deferred returned fires with its result as ``submit``'s
        does, and the caller may go on meanwhile."""
        await maybe_deferred_to_future(self.slots.acquire())
        try:
            done = deferred_of(self.open().submit(job, *args, quick=quick))
        except BaseException:
            self.slots.release()
            raise
        return done.addBoth(self._release)

    def _release(self, result):
        self.slots.release()
        return result

    async def call(self, job, *args, quick: bool = False):
        """``await run.call(job, *args)`` from a coroutine (either Twisted reactor)."""
        return await maybe_deferred_to_future(self.submit(job, *args, quick=quick))

    def record_error(self, source: str, url: str, kind: str, reason: str) -> None:
        self.errors.append((source, url, kind, reason))

    def take_errors(self) -> list[tuple[str, str, str, str]]:
        """The errors recorded so far, for the run record; later ones are written at close."""
        taken, self.errors = self.errors, []
        return taken

    def spider_closed(self, spider=None, reason=None) -> None:
        self.restore_heap()
        if self.writer is None:
            return
        if self.errors and self.run_id is not None:  # recorded after the run record was written
            self.writer.call(record_errors, self.run_id, self.take_errors())
        self.writer.close()


def start_memlog(path: str | None):
    """A bench's probe: this process's memory, one line a second, to ``path``
    (``archive.memlog``); nothing when no path is set."""
    if not path:
        return None
    from archive import memlog

    return memlog.start(path)


def start(db, sources, settings: dict) -> int:
    store.upsert_sources(db, sources)
    return store.start_run(db, settings)


def record_errors(db, run_id: int, errors: list) -> None:
    for source, url, kind, reason in errors:
        store.record_error(db, run_id, source, url, kind, reason)


def deferred_of(future) -> defer.Deferred:
    """A Deferred firing on the reactor thread when a concurrent Future is done."""
    # Imported here: importing the reactor installs one, and the spider's module (which
    # reaches this one) is imported before Scrapy installs the asyncio reactor.
    from twisted.internet import reactor

    d = defer.Deferred()

    def done(f):
        error = f.exception()
        if error is None:
            reactor.callFromThread(d.callback, f.result())
        else:
            reactor.callFromThread(d.errback, error)

    future.add_done_callback(done)
    return d


def archive_run(crawler) -> ArchiveRun:
    """The crawler's one ArchiveRun. Made here on first use, so a crawl whose EXTENSIONS
    setting was replaced (``-s EXTENSIONS=...``) still has its run owner: storing depends
    on it."""
    if getattr(crawler, "edunews_run", None) is None:
        crawler.edunews_run = ArchiveRun(crawler)
    return crawler.edunews_run
