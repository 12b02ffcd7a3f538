"""A source's article pages past EDUNEWS_ARTICLE_BACKLOG wait as request fields
(crawler.middlewares.ArticleBacklog): held back, released as earlier ones finish and before
the spider closes, rebuilt exactly; and a crawl that holds pages back still stores every
article."""

from __future__ import annotations

import asyncio
import gc

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.test import get_crawler

from bench.bench_scale import crawl_fleet
from crawler import settings
from crawler.middlewares import ArticleBacklog


class Spider:
    def parse_article(self, response):
        pass

    def article_failed(self, failure):
        pass

    def parse_index(self, response):
        pass


class Engine:
    def __init__(self):
        self.crawled: list[Request] = []

    def crawl(self, request):
        self.crawled.append(request)


def backlog(limit: int = 2, **more) -> ArticleBacklog:
    crawler = get_crawler(settings_dict={"EDUNEWS_ARTICLE_BACKLOG": limit, **more})
    crawler.spider, crawler.engine = Spider(), Engine()
    return ArticleBacklog.from_crawler(crawler)


def article(mw, n: int, source: str = "a") -> Request:
    spider = mw.crawler.spider
    return Request(
        f"https://{source}.example/news/{n}",
        callback=spider.parse_article,
        errback=spider.article_failed,
        headers={"Referer": f"https://{source}.example/sitemap.xml"},
        meta={"source": source, "via": "sitemap", "depth": 1},
        priority=-1,
    )


def test_pages_past_the_limit_are_held_per_source_and_others_pass():
    mw = backlog(limit=2)
    index = Request("https://a.example/feed?paged=2", callback=mw.crawler.spider.parse_index)
    index.meta["source"] = "a"
    out = [article(mw, n) for n in range(5)] + [index, {"an": "item"}, article(mw, 0, "b")]
    passed = list(mw.process_spider_output(None, out))
    assert [getattr(x, "url", x) for x in passed] == [
        "https://a.example/news/0",
        "https://a.example/news/1",
        "https://a.example/feed?paged=2",
        {"an": "item"},
        "https://b.example/news/0",
    ]
    assert len(mw.held["a"]) == 3 and "b" not in mw.held
    assert mw.out == {"a": 2, "b": 1}
    assert mw.crawler.stats.get_value("edunews/article_backlog/held") == 3


def test_held_pages_go_in_order_as_earlier_ones_are_freed_and_are_rebuilt_exactly():
    mw = backlog(limit=2)
    originals = [article(mw, n) for n in range(5)]
    passed = list(mw.process_spider_output(None, list(originals)))
    expected = [(r.url, r.headers.to_unicode_dict(), dict(r.meta), r.priority) for r in originals]
    del originals, passed
    gc.collect()
    assert mw.out["a"] == 0  # both scheduled Requests were freed
    assert mw.release("a") == 2
    sent = mw.crawler.engine.crawled
    assert [(r.url, r.headers.to_unicode_dict(), r.meta, r.priority) for r in sent] == expected[2:4]
    spider = mw.crawler.spider
    assert all(
        r.callback == spider.parse_article and r.errback == spider.article_failed for r in sent
    )
    assert mw.out["a"] == 2 and len(mw.held["a"]) == 1
    assert mw.release("a") == 0  # still two out


def test_idle_spider_is_kept_open_while_pages_are_held():
    mw = backlog(limit=1)
    kept = list(mw.process_spider_output(None, [article(mw, n) for n in range(3)]))
    with pytest.raises(DontCloseSpider):  # the first is still out: the next goes anyway
        mw.spider_idle()
    assert [r.url for r in mw.crawler.engine.crawled] == ["https://a.example/news/1"]
    assert kept and len(mw.held["a"]) == 1
    mw.spider_closed()
    mw.spider_idle()  # nothing held after close: the spider may close


def test_async_output_is_held_too():
    mw = backlog(limit=1)

    async def output():
        for n in range(3):
            yield article(mw, n)

    async def collect():
        return [r async for r in mw.process_spider_output_async(None, output())]

    passed = asyncio.run(collect())
    assert len(passed) == 1 and len(mw.held["a"]) == 2


def test_off_when_zero_or_with_another_scheduler():
    with pytest.raises(NotConfigured):
        backlog(limit=0)
    with pytest.raises(NotConfigured):
        backlog(SCHEDULER="scrapy_redis.scheduler.Scheduler")
    assert settings.EDUNEWS_ARTICLE_BACKLOG > 0
    assert "crawler.middlewares.ArticleBacklog" in settings.SPIDER_MIDDLEWARES


def test_a_crawl_that_holds_pages_back_stores_every_article(tmp_path):
    log = tmp_path / "crawl.log"
    limit = ["-s", "EDUNEWS_ARTICLE_BACKLOG=2", "--log-file", str(log)]
    m = crawl_fleet(8, 12, tmp_path, timeout=240, extra=limit)
    assert m["recall"] == 1.0 and m["stored"] == m["gold"] >= 80, m["stderr"][-2000:]
    assert "'edunews/article_backlog/held': " in log.read_text(encoding="utf-8")
