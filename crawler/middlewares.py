"""Downloader middlewares: per-source accounting, and conditional GET for known pages."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

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
