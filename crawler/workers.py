"""The crawl's worker pool (``archive.workers``), awaited from callbacks and pipelines
without blocking the reactor.

A Scrapy extension, reached through ``crawl_pool(crawler)`` as the run owner is. It starts
the workers when the crawl is set up, so that they import and warm up during discovery,
bounds the jobs in flight (a DeferredSemaphore: a crawl that fetches faster than the
workers extract waits there, without stalling the reactor and without queueing every page
in memory), and closes the pool when the spider closes. What is in flight when a worker
dies fails with ``archive.workers.WorkerDied``: the caller records it and goes on.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from archive.workers import NotStarted, Pool
from crawler.run import deferred_of

JOBS_PER_WORKER = 4  # in flight: enough to keep a worker busy while results travel back
# A job queued behind one that hung or crashed its worker is lost with it without having
# run; it is submitted again (resubmitted here, from the reactor thread that owns the
# workers), up to this many times in all.
RETRIES_NOT_STARTED = 3


class CrawlPool:
    def __init__(self, crawler):
        settings = crawler.settings
        # Without the project's settings (a unit test's crawler): inline.
        workers = settings.getint("EDUNEWS_WORKERS", 0)
        self.pool = Pool(workers, settings.getfloat("EDUNEWS_WORKER_TIMEOUT", 60.0))
        self.slots = defer.DeferredSemaphore(max(1, self.pool.workers) * JOBS_PER_WORKER)
        self.stats = crawler.stats
        # Derived forms travel with each article to the store; a Redis worker has no store
        # (its items go as JSON, and the writer derives), so its workers do not make them.
        self.derived = settings.getbool("EDUNEWS_ARCHIVE", True)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        self.pool.start()

    @classmethod
    def from_crawler(cls, crawler):
        return crawl_pool(crawler)

    async def run(self, fn, *args):
        """``await pool.run(fn, *args)``: ``fn(*args)`` in a worker, its result or its
        exception raised here. Inline (EDUNEWS_WORKERS=0), called here and now: no trip
        through the reactor, nothing to bound."""
        if self.pool.inline:
            return fn(*args)
        for _ in range(RETRIES_NOT_STARTED - 1):
            try:
                return await maybe_deferred_to_future(self.slots.run(self._submit, fn, *args))
            except NotStarted:  # queued behind a job that took its worker down: never ran
                continue
        return await maybe_deferred_to_future(self.slots.run(self._submit, fn, *args))

    def _submit(self, fn, *args) -> defer.Deferred:
        return deferred_of(self.pool.submit(fn, *args))

    def close(self) -> None:
        """Stop the workers now: the pipelines call it once every item is through them, so
        that the workers' memory (~120 MB each, nlpo3's dictionary half of it) is given back
        before the run's end regroups stories over the whole archive. Closing twice is a
        no-op."""
        self.stats.set_value("edunews/worker_pools_replaced", self.pool.replaced)
        self.pool.close()

    def spider_closed(self, spider=None, reason=None) -> None:
        self.close()

    def engine_stopped(self) -> None:  # a forced stop may skip spider_closed
        self.pool.close()


def crawl_pool(crawler) -> CrawlPool:
    """The crawler's one CrawlPool, made on first use (a pipeline may need it before the
    extensions are built, or without them)."""
    if getattr(crawler, "edunews_pool", None) is None:
        crawler.edunews_pool = CrawlPool(crawler)
    return crawler.edunews_pool
