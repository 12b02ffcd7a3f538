"""Downloader middlewares: per-source accounting, conditional GET for known pages, Scrapy's
meta refresh without decoding every page (``MetaRefresh``); the spider middleware that
holds back a source's article pages (``ArticleBacklog``)."""

from __future__ import annotations

import codecs
import logging
import weakref
from collections import defaultdict, deque

from scrapy import Request, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import HtmlResponse

from archive import store
from crawler.run import archive_run

logger = logging.getLogger(__name__)


class SourceStatsMiddleware:
    """Counts responses, wire bytes and download errors per source (from
    ``request.meta["source"]``) in Scrapy's stats, so the run record can say what each
    source cost and where it failed. Placed before decompression (600 > 590)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        source = request.meta.get("source")
        if source:
            self.stats.inc_value(f"source/{source}/pages")
            self.stats.inc_value(f"source/{source}/bytes", len(response.body))
            self.stats.inc_value(f"source/{source}/status/{response.status}")
        return response

    def process_exception(self, request, exception, spider=None):
        source = request.meta.get("source")
        if source:
            self.stats.inc_value(f"source/{source}/exceptions/{exception.__class__.__name__}")
        return None


class ConditionalGetMiddleware:
    """If-None-Match / If-Modified-Since for requests marked ``meta["conditional"]``, from the
    validators the last 200 response of that URL carried; a 304 reaches the callback.

    Scrapy's HTTP cache could revalidate too, but it keeps a second full copy of every page on
    disk; the archive already keeps the raw bytes in WARC, so only the validators are stored.
    """

    def __init__(self, run):
        self.run = run  # the archive is read and written on the run's writer thread

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("EDUNEWS_INCREMENTAL", True):
            raise NotConfigured("incremental crawling is off")
        return cls(archive_run(crawler))

    async def process_request(self, request, spider=None):
        if not request.meta.get("conditional") or "If-None-Match" in request.headers:
            return None
        known = await self.run.call(store.validators, request.url, quick=True)
        if known and known["etag"]:
            request.headers["If-None-Match"] = known["etag"]
        if known and known["last_modified"]:
            request.headers["If-Modified-Since"] = known["last_modified"]
        statuses = set(request.meta.get("handle_httpstatus_list", [])) | {304}
        request.meta["handle_httpstatus_list"] = sorted(statuses)
        return None

    def process_response(self, request, response, spider=None):
        if request.meta.get("conditional") and response.status == 200:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                self.run.submit(  # nothing waits for it: the next run reads it
                    store.save_validators,
                    request.url,
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                    quick=True,
                ).addErrback(logger.error)
        return response


# Codecs that write every ASCII character as its own single byte and make no ASCII
# character out of other bytes: the decoded text holds "refresh" only where the bytes do.
ASCII_SAFE = frozenset({"utf-8", "ascii", "cp874", "tis-620", "iso8859-11", "iso8859-1", "cp1252"})
# Scrapy looks for a refresh in the first 4,096 characters of the decoded text. In those
# codecs a character takes at most 4 bytes (an invalid byte decodes to one replacement
# character), after a byte order mark of at most 3.
REFRESH_SCAN = 3 + 4 * 4096


def cannot_refresh(response) -> bool:
    """Whether an HTML response surely holds no ``<meta http-equiv="refresh">`` that Scrapy
    would see: the word is not in the bytes its first 4,096 characters come from, in an
    encoding where the text could not hold it then (w3lib looks for "refresh" in the tag's
    attributes, ASCII letters in any case; ``bytes.lower`` lowers those alone, as
    ``re.IGNORECASE`` does on bytes, ~15x faster than that regex)."""
    try:
        name = codecs.lookup(response.encoding).name
    except LookupError:
        return False
    return name in ASCII_SAFE and b"refresh" not in response.body[:REFRESH_SCAN].lower()


class MetaRefresh(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, which decodes every HTML response's whole body
    (``response.text``, ~0.2 ms a page on the reactor thread) to look for a refresh in its
    first 4,096 characters; the crawl itself never reads ``response.text`` (article pages go
    to the workers as bytes). A page whose bytes cannot hold one goes on undecoded; any
    other is decided by Scrapy's own code, so a refresh is followed exactly as before."""

    def process_response(self, request, response, spider=None):
        if isinstance(response, HtmlResponse) and cannot_refresh(response):
            return response
        return super().process_response(request, response)


class ArticleBacklog:
    """Holds a source's discovered article pages back once ``EDUNEWS_ARTICLE_BACKLOG`` of
    them are scheduled and not yet done; the rest wait here as their few request fields.

    Discovery finds a source's whole index in a few requests (a sitemap, an API page, feed
    pages followed first) while the host is fetched two pages at a time, so on a first crawl
    of hundreds of sites nearly every article request sat in Scrapy's scheduler at once.
    A queued request costs ~1.7 KB (the Request and its Headers, plus the fingerprint and
    the parsed URL Scrapy caches on it), ~65 MB for 37,500 pages, and the heap stayed that
    size after they were fetched. A held-back page costs its URL, meta and headers. Requests
    are released in the order they came, as earlier ones of the source finish (their Request
    objects are freed), and all of them before the spider may close; what is fetched, and
    how each request looks on the wire, is unchanged.

    A spider middleware placed last on the output path (after Depth, Referer and UrlLength
    set what they set), for article pages only (``spider.parse_article``); off with a
    scheduler other than Scrapy's own (the Redis queue of the scale-out mode shares its
    requests between workers) or with ``EDUNEWS_ARTICLE_BACKLOG = 0``.
    """

    def __init__(self, crawler, limit: int):
        self.crawler = crawler
        self.limit = limit
        self.out: dict[str, int] = defaultdict(int)  # scheduled, not yet freed, per source
        self.held: dict[str, deque] = {}
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler):
        limit = crawler.settings.getint("EDUNEWS_ARTICLE_BACKLOG", 0)
        if limit <= 0:
            raise NotConfigured("EDUNEWS_ARTICLE_BACKLOG is 0")
        if crawler.settings.get("SCHEDULER") != "scrapy.core.scheduler.Scheduler":
            raise NotConfigured("another scheduler holds the requests")
        return cls(crawler, limit)

    def process_spider_output(self, response, result, spider=None):
        for out in result:
            if self.admit(out):
                yield out

    async def process_spider_output_async(self, response, result, spider=None):
        async for out in result:
            if self.admit(out):
                yield out

    def admit(self, out) -> bool:
        """Whether ``out`` goes on to the scheduler now; a held-back page is kept here."""
        fields = self.fields(out)
        if fields is None:
            return True
        source = out.meta["source"]
        if self.out[source] < self.limit and not self.held.get(source):
            self.track(source, out)
            return True
        self.held.setdefault(source, deque()).append(fields)
        self.crawler.stats.inc_value("edunews/article_backlog/held")
        return False

    def fields(self, request) -> tuple | None:
        """An article page's request as the fields that differ between them, or None for
        anything else (index pages, items, unusual requests: passed on as they are)."""
        spider = self.crawler.spider
        if not isinstance(request, Request) or type(request) is not Request:
            return None
        if request.callback != getattr(spider, "parse_article", None):
            return None
        if not request.meta.get("source") or request.method != "GET" or request.body:
            return None
        if request.cookies or request.cb_kwargs or request.encoding != "utf-8":
            return None
        headers = [(k, list(v)) for k, v in request.headers.items()] or None
        return (request.url, headers, request.meta, request.priority, request.dont_filter,
                request.flags, request.errback)  # fmt: skip

    def track(self, source: str, request) -> None:
        self.out[source] += 1
        done = weakref.finalize(request, self.finished, source)
        done.atexit = False

    def finished(self, source: str) -> None:
        """A scheduled page's Request was freed (fetched, failed, dropped as a duplicate):
        its source may send the next. Runs wherever the last reference went; the release
        itself runs on the reactor thread."""
        from twisted.internet import reactor

        self.out[source] -= 1
        if self.held.get(source) and not self.closed:
            reactor.callFromThread(self.release, source)

    def release(self, source: str, limit: int | None = None) -> int:
        """Schedule the source's held-back pages while fewer than ``limit`` are out."""
        queue, sent = self.held.get(source), 0
        limit = self.limit if limit is None else limit
        while queue and self.out[source] < limit and not self.closed:
            url, headers, meta, priority, dont_filter, flags, errback = queue.popleft()
            spider = self.crawler.spider
            request = Request(url, callback=spider.parse_article, errback=errback,
                              headers=headers, meta=meta, priority=priority,
                              dont_filter=dont_filter, flags=flags)  # fmt: skip
            self.track(source, request)
            self.crawler.engine.crawl(request)
            sent += 1
        if queue is not None and not queue:
            del self.held[source]
        return sent

    def spider_idle(self, spider=None) -> None:
        """Nothing scheduled and pages still held: the next ones go, whatever the count says
        (a Request kept alive by a reference cycle is freed only by the next collection)."""
        if not self.held:
            return
        for source in list(self.held):
            self.release(source, self.out[source] + self.limit)
        raise DontCloseSpider

    def spider_closed(self, spider=None, reason=None) -> None:
        self.closed = True
        self.held.clear()
