"""Sources crawled at once (crawler/discovery/window.py): the spider starts
EDUNEWS_SOURCES_AT_ONCE homepages, the next as a source's last request is freed, lets an
over source's discovery state go, and still crawls every source of a fleet."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.utils.test import get_crawler
from twisted.internet import reactor

from bench.bench_scale import crawl_fleet
from crawler.discovery.window import SourceWindow
from crawler.spiders.archive import ArchiveSpider


class Engine:
    """What the window asks of Scrapy's engine: requests it sends go to ``sent``."""

    def __init__(self, window: SourceWindow):
        self.window, self.sent = window, []

    def crawl(self, request):
        self.sent.append(request)
        self.window.scheduled(request)


@pytest.fixture
def spider(tmp_path, monkeypatch):
    registry = tmp_path / "sources.yaml"
    lines = [f"  - {{id: s{n}, name: สพป. {n}, url: 'http://s{n}.example/'}}" for n in range(5)]
    registry.write_text("sources:\n" + "\n".join(lines) + "\n", "utf-8")
    settings = {
        "EDUNEWS_SOURCES": str(registry),
        "EDUNEWS_INCREMENTAL": False,
        "EDUNEWS_SOURCES_AT_ONCE": 2,
    }
    crawler = get_crawler(ArchiveSpider, settings)
    spider = ArchiveSpider.from_crawler(crawler)
    crawler.engine = Engine(spider.window)
    # freed requests report from any thread through the reactor: here, at once
    monkeypatch.setattr(reactor, "callFromThread", lambda f, *args: f(*args))
    return spider


async def started(spider) -> list[Request]:
    return [request async for request in spider.start()]


def first(spider) -> list[Request]:
    step = started(spider)
    try:
        step.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("start() waited")


def test_two_sources_at_once_the_next_as_one_is_over(spider):
    homes = first(spider)
    assert [r.meta["source"] for r in homes] == ["s0", "s1"]
    engine, window = spider.crawler.engine, spider.window
    for request in homes:
        window.scheduled(request)
    listing = Request("http://s0.example/news", meta={"source": "s0"})
    window.scheduled(listing)  # s0's homepage callback asked for its listing
    state = spider.states["s0"]
    state.listed.add("s0.example/a")
    del homes[0]
    gc.collect()
    assert engine.sent == [] and window.open == {"s0", "s1"}  # s0 still has a request alive
    del listing
    gc.collect()
    assert [r.meta["source"] for r in engine.sent] == ["s2"]
    assert window.open == {"s1", "s2"} and window.most_open == 2
    assert state.listed == set()  # over: what its discovery gathered is let go
    engine.sent.clear()
    homes.clear()  # s1 over: s3 starts
    gc.collect()
    assert [r.meta["source"] for r in engine.sent] == ["s3"]


def test_an_idle_crawl_starts_the_next_sources_anyway(spider):
    homes = first(spider)
    for request in homes:
        spider.window.scheduled(request)  # alive for good (a reference cycle, say)
    with pytest.raises(DontCloseSpider):
        spider.window.spider_idle()
    assert [r.meta["source"] for r in spider.crawler.engine.sent] == ["s2"]
    spider.window.waiting.clear()
    spider.window.spider_idle()  # nobody waiting: the spider may close


def test_no_window_with_another_scheduler(tmp_path):
    registry = tmp_path / "sources.yaml"
    registry.write_text("sources:\n  - {id: a, name: ก, url: 'http://a.example/'}\n", "utf-8")
    settings = {
        "EDUNEWS_SOURCES": str(registry),
        "EDUNEWS_INCREMENTAL": False,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    }
    spider = ArchiveSpider.from_crawler(get_crawler(ArchiveSpider, settings))
    assert spider.window is None
    assert [r.url for r in first(spider)] == ["http://a.example/"]


def test_a_fleet_crawled_two_sources_at_a_time_is_stored_whole(tmp_path):
    m = crawl_fleet(9, 3, tmp_path, timeout=240, extra=["-s", "EDUNEWS_SOURCES_AT_ONCE=2"], dead=1)
    assert m["recall"] == 1.0 and m["stored"] == m["gold"] == 27, m["stderr"][-2000:]
    assert [f.split(":")[0] for f in m["failed"]] == ["dead-000"]
