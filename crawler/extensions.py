"""Crawl-wide extensions: a graceful stop on the signals `edunews` caught, progress lines, and
the stats collector (``CrawlStats``)."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.defer import deferred_from_coro

from archive import shutdown

logger = logging.getLogger(__name__)


class CrawlStats(MemoryStatsCollector):
    """Scrapy's MemoryStatsCollector, the same stats, without the lookup Scrapy 2.19 puts in
    front of every attribute read of it (``StatsCollector.__getattribute__``: an f-string
    and a failed lookup, an AttributeError raised and caught, for each ``self._stats`` too,
    and a wrapper warning about a ``spider`` argument around each method). A crawl makes
    ~20 stats calls a page; that lookup was ~2 % of the reactor thread's samples. Nothing
    here passes ``spider`` to a stats method (Scrapy no longer does either)."""

    __getattribute__ = object.__getattribute__


class GracefulStop:
    """Stops the crawl gracefully on SIGTERM/SIGINT, whenever they arrived.

    `edunews crawl` runs Scrapy without its own signal handlers (they would only exist once
    the reactor runs); ``archive.shutdown`` catches the signals from the first line on and
    routes them here. A signal that came before the engine ran (during imports, while the
    spider opened) stops the crawl the moment the engine runs, so the run is recorded as
    interrupted and the next run continues. A second signal forces the stop.
    """

    RETRY = 0.05  # seconds between tries while the engine is still opening

    def __init__(self, crawler):
        self.crawler = crawler
        shutdown.route_to(self.on_signal)
        if shutdown.requested():  # arrived during imports: stop as soon as there is a crawl
            from twisted.internet import reactor

            reactor.callLater(0, self.stop, shutdown.requested(), 1)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def on_signal(self, signum: int, count: int) -> None:  # in the signal handler
        from twisted.internet import reactor

        reactor.callFromThread(self.stop, signum, count)

    def stop(self, signum: int, count: int) -> None:
        from twisted.internet import reactor

        name = signal.Signals(signum).name
        if count > 1:
            logger.warning("Received %s again, forcing an unclean shutdown", name)
            with contextlib.suppress(RuntimeError):
                reactor.stop()
            return
        if not self.crawler.stats.get_value("edunews/stopped_by"):
            logger.info("Received %s, shutting down gracefully. Send again to force", name)
            self.crawler.stats.set_value("edunews/stopped_by", name)
        engine = self.crawler.engine
        if engine is not None and engine.running:
            deferred_from_coro(self.crawler.stop_async())
        elif self.crawler.crawling:
            # Opening the spider or starting the engine: Scrapy's stop would be a no-op
            # then (it stops a running engine only), so try again in a moment.
            reactor.callLater(self.RETRY, self.stop, signum, count)


class Progress:
    """One line on the terminal every ``EDUNEWS_PROGRESS_INTERVAL`` seconds while a crawl
    runs (pages fetched, articles stored per source, errors); 0 turns it off."""

    def __init__(self, crawler, interval: float):
        self.crawler, self.interval = crawler, interval
        self.started = time.monotonic()
        self.task = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("EDUNEWS_PROGRESS_INTERVAL", 0)
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self, spider=None) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.report)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider=None, reason=None) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def report(self) -> None:
        print(progress_line(self.crawler.stats.get_stats(), self.elapsed()), file=sys.stderr)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


STORED = ("new", "updated", "unchanged")


def progress_line(stats: dict, elapsed: float) -> str:
    per_source: dict[str, int] = {}
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "source" and parts[2] in STORED:
            per_source[parts[1]] = per_source.get(parts[1], 0) + value
    shown = ", ".join(f"{s} {n}" for s, n in sorted(per_source.items()))
    pages = stats.get("response_received_count", 0)
    errors = stats.get("log_count/ERROR", 0)
    return (
        f"edunews: {elapsed:.0f} s: {pages} pages, {sum(per_source.values())} articles"
        + (f" ({shown})" if shown else "")
        + f", {errors} errors"
    )
