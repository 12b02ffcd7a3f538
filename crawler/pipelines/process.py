"""Prepare every Article the one way (``archive.process.prepare``: normalise, then check);
drop and count what the archive must not hold."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from archive.process import prepare
from crawler.items import Article
from crawler.run import archive_run


class ProcessPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if not isinstance(item, Article):
            return item
        prepared = prepare(item)
        if not prepared.ok:
            found = "; ".join(prepared.problems)
            self.stats.inc_value(f"source/{item.source}/errors/invalid")
            self.error(item.source, item.url, "invalid", found)
            raise DropItem(f"{item.url}: {found}")
        if not prepared.article.published_at:
            self.stats.inc_value(f"source/{item.source}/warnings/no_date")
        return prepared.article

    def error(self, source: str, url: str, kind: str, reason: str) -> None:
        run = getattr(self.crawler, "edunews_run", None)  # a Redis worker has no archive
        if run is not None:
            archive_run(self.crawler).record_error(source, url, kind, reason)
