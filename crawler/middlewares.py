"""Downloader middlewares: per-source accounting of every page fetched."""

from __future__ import annotations


class SourceStatsMiddleware:
    """Counts responses and download errors per source (from ``request.meta["source"]``)
    in Scrapy's stats, so the run record can say what each source cost and where it failed."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        source = request.meta.get("source")
        if source:
            self.stats.inc_value(f"source/{source}/pages")
            self.stats.inc_value(f"source/{source}/status/{response.status}")
        return response

    def process_exception(self, request, exception, spider=None):
        source = request.meta.get("source")
        if source:
            self.stats.inc_value(f"source/{source}/exceptions/{exception.__class__.__name__}")
        return None
