"""Raw captures: every response fetched for a source, with its request, into WARC files.

A downloader middleware placed above HttpCompressionMiddleware (590) and RedirectMiddleware
(600): Scrapy calls process_response in decreasing order, so this one sees the bytes as they
came off the wire (still gzip/br encoded) and the 3xx responses before they are followed.
Each capture is recorded in the ``captures`` table (through ``archive.store``), and the
article built from the response points at it (``capture_id``). The response
goes on as soon as its capture is queued on the writer (``PendingCapture``): waiting there for
the write held one of the crawl's CONCURRENT_REQUESTS slots (Scrapy counts a request active
until its downloader middlewares are done) while the writer finished a batch, ~0.2 s on average
on a loaded machine. What needs the id awaits it (``capture_id``), and an article is stored
only after it, so its capture's row is still written before it or with it.

Only requests carrying ``meta["source"]`` are captured; the robots.txt that Scrapy's
RobotsTxtMiddleware fetches for itself carries none and is not archived.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from importlib.metadata import version

import scrapy
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from archive import store, warc
from crawler.run import archive_run

logger = logging.getLogger(__name__)


def header_pairs(headers) -> list[tuple[str, str]]:
    """Scrapy Headers (bytes, multi-valued) as (name, value) text pairs, in order."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def exchange_of(request, response) -> warc.Exchange:
    ip = getattr(response, "ip_address", None)
    return warc.Exchange(
        url=response.url,
        status=response.status,
        response_headers=header_pairs(response.headers),
        body=response.body,
        fetched_at=datetime.now(UTC),
        method=request.method,
        request_headers=header_pairs(request.headers),
        request_body=request.body or b"",
        protocol=getattr(response, "protocol", None) or "HTTP/1.1",
        ip_address=str(ip) if ip else None,
    )


def earlier_capture(previous: dict | None, exchange: warc.Exchange, digest: str):
    """The response capture a revisit would refer to: same payload, or a 304 answer."""
    if previous is None:
        return None
    if exchange.status == 304 or previous["payload_digest"] == digest:
        return warc.Earlier(previous["url"], datetime.fromisoformat(previous["fetched_at"]))
    return None


def warcinfo(settings) -> dict:
    return {
        "software": f"edunews (Scrapy {scrapy.__version__}, warcio {version('warcio')})",
        "isPartOf": settings.get("BOT_NAME", "edunews"),
        "operator": settings.get("EDUNEWS_CONTACT_URL"),
        "http-header-user-agent": settings.get("USER_AGENT"),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
    }


def inflates_past(response, limit: int) -> bool:
    """Whether the body decodes to more than ``limit`` bytes: HttpCompressionMiddleware then
    refuses the response, and the archive must not keep (and later publish) it either."""
    encoding = response.headers.get("Content-Encoding")
    if not encoding or not limit:
        return False
    try:
        warc.decode_content(response.body, encoding.decode("latin-1"), limit)
    except warc.TooLarge:
        return True
    except Exception:  # undecodable (zlib, brotli errors): kept as received, like any body
        return False
    return False


PENDING = "edunews_capture"  # meta: the PendingCapture of the response's capture
# Captures queued and not yet written, at most (each holds its response's body): past it, a
# response waits in the middleware as all did before.
CAPTURES_AHEAD = 32


class PendingCapture:
    """A response's capture queued on the writer: its id once written (None if the write
    failed)."""

    def __init__(self, written: defer.Deferred):
        self.id: int | None = None
        self.ready = False
        self.waiting: list[defer.Deferred] = []
        written.addBoth(self._written)

    def _written(self, capture_id: int | None) -> None:
        self.id, self.ready = capture_id, True
        waiting, self.waiting = self.waiting, []
        for waiter in waiting:
            waiter.callback(capture_id)

    async def wait(self) -> int | None:
        if self.ready:
            return self.id
        waiter = defer.Deferred()
        self.waiting.append(waiter)
        return await maybe_deferred_to_future(waiter)


async def capture_id(meta: dict) -> int | None:
    """The id of the capture of the response with this ``meta``, once written: what an
    article made from the response points at (``meta["capture_id"]`` where a caller gave
    it directly)."""
    pending = meta.get(PENDING)
    if pending is not None:
        return await pending.wait()
    return meta.get("capture_id")


class CaptureMiddleware:
    """Writes each capture on the run's archive writer thread (``crawler.run``): the WARC
    record and its ``captures`` row together, off the reactor, in the writer's order."""

    def __init__(self, writer: warc.RotatingWarcWriter, run, stats, max_size: int = 0):
        self.writer = writer
        self.run = run
        self.stats = stats
        self.max_size = max_size
        self.ahead = defer.DeferredSemaphore(CAPTURES_AHEAD)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("EDUNEWS_WARC_ENABLED", True):
            raise NotConfigured("WARC capture is off (EDUNEWS_WARC_ENABLED)")
        db_path = settings.get("EDUNEWS_DB")
        writer = warc.RotatingWarcWriter(
            warc.warc_dir_for(db_path, settings.get("EDUNEWS_WARC_DIR") or None),
            settings.getint("EDUNEWS_WARC_MAX_BYTES", warc.DEFAULT_MAX_BYTES),
            info=warcinfo(settings),
        )
        max_size = settings.getint("DOWNLOAD_MAXSIZE")
        middleware = cls(writer, archive_run(crawler), crawler.stats, max_size)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request, response, spider=None):
        source = request.meta.get("source")
        if not source:
            return response
        if inflates_past(response, request.meta.get("download_maxsize", self.max_size)):
            self.stats.inc_value("edunews/captures/refused")
            return response
        exchange = exchange_of(request, response)
        await maybe_deferred_to_future(self.ahead.acquire())
        try:
            written = await self.run.queue(self.capture, source, exchange, quick=True)
        except Exception as exc:  # the writer has stopped
            self.ahead.release()
            self.failed(response.url, exc)
            return response
        written.addBoth(self._written)
        url = response.url
        written.addErrback(lambda failure: self.failed(url, failure.value))
        request.meta[PENDING] = PendingCapture(written)
        return response

    def _written(self, result):
        self.ahead.release()
        return result

    def failed(self, url: str, exc: BaseException) -> None:
        """A full disk must not stop the crawl: counted and said so; no capture id."""
        self.stats.inc_value("edunews/captures/errors")
        logger.error("cannot archive %s: %s: %s", url, type(exc).__name__, exc)

    def capture(self, db, source: str, exchange: warc.Exchange) -> int:
        """On the writer thread: the WARC record, then its row."""
        digest = warc.payload_digest(exchange.body)
        previous = store.last_capture(db, exchange.url)
        earlier = earlier_capture(previous, exchange, digest)
        written = self.writer.write(exchange, earlier, digest)
        self.stats.inc_value(f"edunews/captures/{written.record_type}")
        return store.record_capture(db, self.row(source, exchange, written, previous, digest))

    def row(self, source, exchange, written: warc.Written, previous, digest: str) -> dict:
        if written.record_type == "revisit":  # a 304 carries no payload: it vouches for the last
            digest = previous["payload_digest"]
        return {
            "url": exchange.url,
            "source": source,
            "run_id": self.run.run_id,
            "fetched_at": exchange.fetched_at.isoformat(),
            "status": exchange.status,
            "content_type": exchange.header("Content-Type"),
            "record_type": written.record_type,
            "payload_digest": digest,
            "warc_file": written.warc_file,
            "warc_offset": written.warc_offset,
            "warc_length": written.warc_length,
        }

    def close(self, spider=None) -> None:
        self.writer.close()  # after the run's writer thread stopped (connected before)
