"""Scale-out with `kind: auto`: a worker that did not read a source's homepage can still take
the source's next discovery step, because every request carries the discovery state."""

from __future__ import annotations

import json
import subprocess
from collections import Counter

from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from archive.queue import SharedDiscovery
from archive.sqlite import sqlite3
from crawler.spiders.archive import ArchiveSpider
from tests.conftest import ROOT
from tests.sites.server import SampleSites
from tests.test_redis_workers import module, needs_redis, redis_url, stat  # noqa: F401

HOME = "http://127.0.0.1:9/"
PAGE = (
    '<html><head><link rel="https://api.w.org/" href="http://127.0.0.1:9/wp-json/">'
    '<link rel="alternate" type="application/rss+xml" href="http://127.0.0.1:9/feed/">'
    "</head><body><p>สำนักงานเขตพื้นที่การศึกษา</p></body></html>"
)


class Worker(SharedDiscovery, ArchiveSpider):
    name = "worker"


def spider(cls, tmp_path):
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{id: spp-x, name: สพป., url: '{HOME}'}}\n", "utf-8")
    settings = {"EDUNEWS_SOURCES": str(registry), "EDUNEWS_INCREMENTAL": False}
    crawler = get_crawler(cls, settings)
    return cls.from_crawler(crawler)


def api_request_from_homepage(worker) -> Request:
    home = HtmlResponse(
        HOME, body=PAGE.encode(), encoding="utf-8", request=Request(HOME, meta={"source": "spp-x"})
    )
    (api,) = list(worker.parse_home(home))
    assert api.url.startswith("http://127.0.0.1:9/wp-json/wp/v2/posts")
    return api


def api_404(request: Request) -> Failure:
    failure = Failure(HttpError(Response(request.url, status=404, request=request), "404"))
    failure.request = request
    return failure


def test_another_worker_falls_back_to_the_feed(tmp_path):
    api = api_request_from_homepage(spider(Worker, tmp_path))
    other = spider(Worker, tmp_path)  # never saw the homepage
    (feed,) = list(other.index_failed(api_404(api)))
    assert feed.url.startswith("http://127.0.0.1:9/feed/") and feed.callback == other.parse_index
    assert (feed.meta["method"], feed.meta["step"]) == ("feed", "page")
    state = other.states["spp-x"]
    assert state.methods == ["sitemap", "listing"] and state.tried[0].startswith("wordpress")
    assert feed.meta["discovery"]["feed_url"] == "http://127.0.0.1:9/feed/"


def test_without_the_carried_state_the_fallback_is_lost(tmp_path):
    """What happened before: the second worker had no plan for the source."""
    api = api_request_from_homepage(spider(ArchiveSpider, tmp_path))
    other = spider(ArchiveSpider, tmp_path)
    assert list(other.index_failed(api_404(api))) == []
    assert other.states["spp-x"].failure.startswith("no articles found")


def test_listing_refetches_the_homepage_it_does_not_hold(tmp_path):
    worker = spider(Worker, tmp_path)
    (request,) = list(worker.discovery["listing"].start(worker.states["spp-x"]))
    assert request.url == HOME and request.dont_filter
    assert request.callback == worker.parse_index and request.meta["step"] == "home"


# -- two real workers on `kind: auto` sources (needs Debian's redis-server) ----------------------
@needs_redis
def test_two_workers_crawl_auto_sources(redis_url, tmp_path):  # noqa: F811 (a fixture)
    """WordPress with its API disabled (falls back from the API to the feed) and the Atom-only
    site, no `kind` in the registry: every article stored once, no page fetched twice."""
    names = ["wpnoapi", "feedonly"]
    with SampleSites(names) as sites:
        entries = []
        for name in names:
            entry = sites.sites[name].registry_entry()
            entry.pop("kind", None)
            entries.append(json.dumps(entry, ensure_ascii=False))
        registry = tmp_path / "sources.yaml"
        registry.write_text("sources:\n" + "".join(f"  - {e}\n" for e in entries), "utf-8")
        db = tmp_path / "archive.db"
        common = ["--redis", redis_url, "--run", "auto"]
        writer = subprocess.Popen(
            module("writer", *common, "--db", str(db), "--sources", str(registry),
                   "--until-done", "--max-seconds", "150"),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        paced = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS=1"]
        paced += ["-s", "AUTOTHROTTLE_ENABLED=False", "--sources", str(registry)]
        workers = [
            subprocess.Popen(
                module("worker", *common, *paced),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for _ in range(2)
        ]
        logs = [w.communicate(timeout=150)[1] for w in workers]
        out, err = writer.communicate(timeout=60)
        assert all(w.returncode == 0 for w in workers), logs[0][-2000:] + logs[1][-2000:]
        assert writer.returncode == 0, err[-2000:]
        gold = sites.gold()
        requested = {name: Counter(sites.request_log[name]) for name in names}
    for name, counts in requested.items():
        counts.pop("/robots.txt", None)
        counts.pop("/", None)  # read again by a worker that takes up listings (not needed here)
        assert max(counts.values()) == 1, (name, [p for p, n in counts.items() if n > 1])
    conn = sqlite3.connect(db)
    urls = {row[0] for row in conn.execute("select url from articles")}
    conn.close()
    assert urls == {g["url"] for g in gold}
    assert sum(stat(log, "item_scraped_count") for log in logs) >= len(gold)
