"""Sources crawled at once: a crawl of hundreds of sources starts ``EDUNEWS_SOURCES_AT_ONCE``
of them and the next as one is over, not every homepage in its first seconds.

Started all at once, every source discovered its index at the same time: its index
responses, its scheduled article pages (up to ``EDUNEWS_ARTICLE_BACKLOG`` each, ~1.7 KB a
queued Request) and its discovery state were in flight together, so the crawl's peak, and
what stays resident after it (a survivor pins its pymalloc arena), grew with the number of
sources. Politeness stays the downloader's (per host, overall) and what is fetched is the same.

A source is over when none of its requests is alive: each request naming a source in its
meta is watched from its scheduling until its Request object is freed (its callback done,
failed, or dropped as a duplicate); a callback's follow-ups are scheduled before its request
is let go. If the crawl would go idle with sources waiting (a request kept alive by a
reference cycle until the next collection), the next ones start anyway. Off (every homepage
at once) with a limit of 0, or with another scheduler: the Redis queue of the scale-out mode
serialises requests, and a worker may not hold the source's other requests.
"""

from __future__ import annotations

import weakref
from collections import Counter, deque

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

SCRAPY_SCHEDULER = "scrapy.core.scheduler.Scheduler"


class SourceWindow:
    """Starts sources ``limit`` at a time (``homepage(item)`` makes the request that starts
    one); ``on_over(source id)`` runs when a source's last request is freed (the spider
    lets its discovery state go then)."""

    def __init__(self, crawler, limit: int, on_over=None):
        self.crawler = crawler
        self.limit = limit
        self.on_over = on_over
        self.homepage = None
        self.alive: Counter[str] = Counter()  # requests scheduled and not yet freed
        self.waiting: deque = deque()  # sources not started yet
        self.open: set[str] = set()  # sources started and not over
        self.most_open = 0
        self.closed = False
        crawler.signals.connect(self.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler, on_over=None) -> SourceWindow | None:
        """None when requests are not this process's own objects (another scheduler)."""
        if crawler.settings.get("SCHEDULER") != SCRAPY_SCHEDULER:
            return None
        return cls(crawler, crawler.settings.getint("EDUNEWS_SOURCES_AT_ONCE"), on_over)

    def first(self, sources: list, homepage) -> list:
        """The homepage requests to send now; the other sources wait for one to be over."""
        self.homepage = homepage
        if self.limit > 0:
            self.waiting.extend(sources[self.limit :])
            sources = sources[: self.limit]
        return [homepage(source) for source in sources]

    def scheduled(self, request, spider=None) -> None:
        source = request.meta.get("source")
        if source is None:
            return
        if not self.alive[source]:
            self.open.add(source)
            self.most_open = max(self.most_open, len(self.open))
        self.alive[source] += 1
        done = weakref.finalize(request, self.freed, source)
        done.atexit = False

    def freed(self, source: str) -> None:
        """Runs wherever the last reference went; what follows runs on the reactor thread."""
        from twisted.internet import reactor

        self.alive[source] -= 1
        if not self.alive[source]:
            reactor.callFromThread(self.quiet, source)

    def quiet(self, source: str) -> None:
        if self.alive[source] or source not in self.open:
            return  # alive again (an article page held back until now), or over already
        self.open.discard(source)
        del self.alive[source]
        if self.on_over is not None:
            self.on_over(source)
        self.send(self.limit - len(self.open))

    def send(self, n: int) -> None:
        while n > 0 and self.waiting and not self.closed:
            self.crawler.engine.crawl(self.homepage(self.waiting.popleft()))
            n -= 1

    def spider_idle(self, spider=None) -> None:
        if self.waiting and not self.closed:
            self.send(max(1, self.limit - len(self.open)))
            raise DontCloseSpider

    def spider_closed(self, spider=None, reason=None) -> None:
        self.closed = True
        self.waiting.clear()
        self.crawler.stats.set_value("edunews/sources_at_once/max", self.most_open)
