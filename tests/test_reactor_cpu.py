"""Less CPU a page on the crawl's reactor thread, with the same behaviour: Scrapy's meta
refresh without decoding pages that cannot hold one (``crawler.middlewares.MetaRefresh``),
Scrapy's stats without their per-attribute wrapper (``crawler.extensions.CrawlStats``), the
host guard's per-source work done once (``crawler.safety.HostGuard.host_keys``)."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, TextResponse
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler import safety
from crawler.extensions import CrawlStats
from crawler.middlewares import MetaRefresh
from crawler.sources import Source
from tests.conftest import pages_handler

URL = "http://news.example/a"
REFRESH = b'<html><head><meta http-equiv="refresh" content="0;url=/b"></head><body>x</body></html>'


def page(body: bytes, content_type: bytes = b"text/html; charset=utf-8", cls=HtmlResponse):
    return cls(URL, body=body, headers={"Content-Type": content_type}, request=Request(URL))


PAGES = {
    "refresh": page(REFRESH),
    "upper case": page(REFRESH.replace(b"refresh", b"REFRESH")),
    "no quotes": page(b"<html><head><meta http-equiv=Refresh content='2; URL=http://o.example/'>"),
    "too slow": page(REFRESH.replace(b'content="0', b'content="500')),
    "in a script": page(b"<html><script>x='" + REFRESH + b"'</script>"),
    "word in the text": page("<html><body><p>refresh ข่าว</p></body></html>".encode()),
    "past 4096 characters": page(b"<html>" + b"x" * 5000 + REFRESH),
    "past 4096 characters and 16 KB": page(b"<html>" + b"x" * 17000 + REFRESH),
    "within 4096 characters, past 4096 bytes": page(("ข่าว" * 900).encode() + REFRESH),
    "past 4096 characters, within 16 KB": page(("ข่าว" * 1100).encode() + REFRESH),
    "invalid utf-8 first": page(b"\xff" * 4000 + REFRESH),
    "thai tis-620": page(
        "<meta http-equiv=refresh content='0;url=/ข่าว'>".encode("tis-620"),
        b"text/html; charset=tis-620",
    ),
    "utf-16": page(REFRESH.decode().encode("utf-16"), b"text/html; charset=utf-16"),
    "plain page": page("<html><body><p>ข่าวการศึกษา</p></body></html>".encode()),
    "not html": page(REFRESH, b"text/plain", cls=TextResponse),
}


def outcome(result):
    return ("request", result.url, result.method) if isinstance(result, Request) else "response"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_meta_refresh_decides_as_scrapy_does(name):
    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 100})
    response = PAGES[name]
    ours = MetaRefresh.from_crawler(crawler).process_response(Request(URL), response.copy())
    scrapys = MetaRefreshMiddleware.from_crawler(crawler).process_response(
        Request(URL), response.copy()
    )
    assert outcome(ours) == outcome(scrapys)
    followed = (
        "refresh",
        "upper case",
        "no quotes",
        "thai tis-620",
        "utf-16",
        "invalid utf-8 first",
    )
    if name in followed or name.startswith("within"):
        assert isinstance(ours, Request)  # followed


def test_a_page_without_refresh_is_not_decoded():
    response = page("<html><body><p>ข่าวการศึกษา</p></body></html>".encode())
    crawler = get_crawler()
    assert MetaRefresh.from_crawler(crawler).process_response(Request(URL), response) is response
    assert response._cached_ubody is None  # Scrapy's own decodes the whole body here
    MetaRefreshMiddleware.from_crawler(crawler).process_response(Request(URL), response)
    assert response._cached_ubody is not None


def test_shipped_settings_replace_scrapys_meta_refresh_in_place():
    names = [
        c if isinstance(c, str) else f"{c.__module__}.{c.__qualname__}"
        for c in build_component_list(get_project_settings().getwithbase("DOWNLOADER_MIDDLEWARES"))
    ]
    assert "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware" not in names
    at = names.index("crawler.middlewares.MetaRefresh")
    assert names[at - 1 : at + 3] == [
        "crawler.contact.FirstContact",
        "crawler.middlewares.MetaRefresh",
        "crawler.middlewares.ConditionalGetMiddleware",
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
    ]


Pages = pages_handler(
    {
        "/a": REFRESH.replace(b"/b", b"/b?from=a"),
        "/b?from=a": "<html><body><p>ข่าว</p></body></html>".encode(),
    }
)


SPIDER = """
import json, scrapy
from crawler import settings

class Follow(scrapy.Spider):
    name = "follow"
    custom_settings = {{
        "DOWNLOADER_MIDDLEWARES": {{
            k: v for k, v in settings.DOWNLOADER_MIDDLEWARES.items() if "MetaRefresh" in k
        }},
        "STATS_CLASS": settings.STATS_CLASS,
        "TELNETCONSOLE_ENABLED": False,
    }}
    start_urls = ["{url}"]

    def parse(self, response):
        yield {{"url": response.url, "redirected": response.meta.get("redirect_urls"),
               "reasons": response.meta.get("redirect_reasons")}}
"""


def test_a_crawl_follows_a_meta_refresh(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/a"
        spider = tmp_path / "follow.py"
        spider.write_text(SPIDER.format(url=url))
        out = tmp_path / "out.json"
        args = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-o", str(out)]
        done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-2000:]
    (item,) = json.loads(out.read_text())
    assert item["url"].endswith("/b?from=a")
    assert item["redirected"] == [url] and item["reasons"] == ["meta refresh"]
    assert "crawler.middlewares.MetaRefresh" in done.stderr  # the enabled list says so


def crawler_stub():
    return SimpleNamespace(settings=Settings(), spider=SimpleNamespace(name="archive"))


def test_crawl_stats_keep_what_scrapys_keep():
    ours, scrapys = CrawlStats(crawler_stub()), MemoryStatsCollector(crawler_stub())
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("source/a/pages")
        stats.inc_value("source/a/pages")
        stats.inc_value("source/a/bytes", 120, start=5)
        stats.max_value("request_depth_max", 3)
        stats.max_value("request_depth_max", 2)
        stats.min_value("least", 4)
        stats.min_value("least", 1)
        stats.set_value("finish_reason", "finished")
        assert stats.get_value("missing", 7) == 7
        stats.close_spider(reason="finished")
    assert ours.get_stats() == scrapys.get_stats()
    assert ours.spider_stats == scrapys.spider_stats == {"archive": scrapys.get_stats()}
    assert get_project_settings().get("STATS_CLASS") == "crawler.extensions.CrawlStats"


def test_crawl_stats_read_without_scrapys_wrapper():
    stats = CrawlStats(crawler_stub())
    assert stats.inc_value.__func__ is MemoryStatsCollector.inc_value  # not a wrapper
    assert type(MemoryStatsCollector(crawler_stub()).inc_value).__name__ == "function"


def test_host_keys_are_made_once_per_source_and_follow_a_new_one():
    guard = safety.HostGuard(get_crawler(), [])
    first = Source(id="s", name="s", url="http://www.news.example:8080/")
    keys = guard.host_keys(first)
    assert keys == {"news.example:8080"} and guard.host_keys(first) is keys
    other = Source(id="s", name="s", url="http://other.example/")  # same id, other source
    assert guard.host_keys(other) == {"other.example"}


def test_is_public_is_remembered_and_still_right():
    safety.is_public.cache_clear()
    assert not safety.is_public("127.0.0.1") and not safety.is_public("127.0.0.1")
    assert safety.is_public("8.8.8.8")
    assert safety.is_public.cache_info().hits == 1
    with pytest.raises(ValueError):
        safety.is_public("not an address")
