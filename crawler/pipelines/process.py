"""Prepare every Article the one way (``archive.process.prepare``: normalise, then check), in
a worker process (``crawler/workers.py``); drop and count what the archive must not hold."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from archive.process import prepare
from crawler.discovery.base import reason_of
from crawler.items import Article
from crawler.run import archive_run
from crawler.workers import crawl_pool


class ProcessPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.pool = crawl_pool(crawler)  # started now: the workers warm up during discovery

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item, spider=None):
        if not isinstance(item, Article):
            return item
        try:
            prepared = await self.pool.run(prepare, item)
        except Exception as exc:  # its worker died, or a bug: counted, the crawl goes on
            self.failed(item, "process", reason_of(exc))
            raise DropItem(f"{item.url}: {reason_of(exc)}") from None
        if not prepared.ok:
            found = "; ".join(prepared.problems)
            self.failed(item, "invalid", found)
            raise DropItem(f"{item.url}: {found}")
        if not prepared.article.published_at:
            self.stats.inc_value(f"source/{item.source}/warnings/no_date")
        return prepared.article

    def failed(self, item: Article, kind: str, reason: str) -> None:
        self.stats.inc_value(f"source/{item.source}/errors/{kind}")
        self.error(item.source, item.url, kind, reason)

    def error(self, source: str, url: str, kind: str, reason: str) -> None:
        run = getattr(self.crawler, "edunews_run", None)  # a Redis worker has no archive
        if run is not None:
            archive_run(self.crawler).record_error(source, url, kind, reason)
