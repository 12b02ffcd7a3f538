"""Prepare every Article the one way (``archive.process.process``: normalise, check, derive);
drop and count what the archive must not hold.

The spider's articles were processed in the worker that made them (one trip a page or API
page): their outcome travels with them (``archive.process.processed_of``). Any other
article is processed here, in one trip to a worker (``crawler/workers.py``)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from archive.process import process, processed_of
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
        done, article = processed_of(item), item
        if done is None:
            try:
                article = await self.pool.run(process, item, self.pool.derived)
            except Exception as exc:  # its worker died: counted, the crawl goes on
                self.failed(item, "process", reason_of(exc))
                raise DropItem(f"{item.url}: {reason_of(exc)}") from None
            done = processed_of(article)
        if done.error is not None:  # prepare or derive raised: counted, the crawl goes on
            self.failed(article, "process", reason_of(done.error))
            raise DropItem(f"{article.url}: {reason_of(done.error)}")
        if done.problems:
            found = "; ".join(done.problems)
            self.failed(article, "invalid", found)
            raise DropItem(f"{article.url}: {found}")
        if not article.published_at:
            self.stats.inc_value(f"source/{article.source}/warnings/no_date")
        return article

    def failed(self, item: Article, kind: str, reason: str) -> None:
        self.stats.inc_value(f"source/{item.source}/errors/{kind}")
        self.error(item.source, item.url, kind, reason)

    def error(self, source: str, url: str, kind: str, reason: str) -> None:
        run = getattr(self.crawler, "edunews_run", None)  # a Redis worker has no archive
        if run is not None:
            archive_run(self.crawler).record_error(source, url, kind, reason)
