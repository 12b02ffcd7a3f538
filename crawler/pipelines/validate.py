"""Reject items the archive must not hold; count each rejection per source."""

from __future__ import annotations

import re

from scrapy.exceptions import DropItem

from crawler.items import Article

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2})?$")


def problems(article: Article) -> list[str]:
    found = []
    if not article.url.startswith(("http://", "https://")):
        found.append("url is not http(s)")
    if not article.title:
        found.append("no title")
    if not article.body_text:
        found.append("no body")
    for name in ("published_at", "modified_at"):
        value = getattr(article, name)
        if value and not ISO_RE.match(value):
            found.append(f"{name} is not ISO 8601: {value!r}")
    return found


class ValidatePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if not isinstance(item, Article):
            return item
        found = problems(item)
        if found:
            self.stats.inc_value(f"source/{item.source}/errors/invalid")
            spider = spider or self.crawler.spider
            spider.errors.append((item.source, item.url, "invalid", "; ".join(found)))
            raise DropItem(f"{item.url}: {'; '.join(found)}")
        if not item.published_at:
            self.stats.inc_value(f"source/{item.source}/warnings/no_date")
        return item
