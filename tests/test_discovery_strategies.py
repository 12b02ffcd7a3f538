"""Each discovery strategy (crawler/discovery/*Discovery) on responses built from saved pages:
what it asks for first, what an index response yields, and where a failure leads."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from archive.workers import WorkerDied
from crawler.discovery.feed_entries import parse_feed
from crawler.discovery.listings import home_index
from crawler.extract.html import parse
from crawler.items import Article
from crawler.spiders.archive import ArchiveSpider
from crawler.workers import crawl_pool
from tests.test_discovery import ATOM, RSS

PAGES = Path(__file__).parent / "fixtures" / "pages"
REALWP = Path(__file__).parent / "fixtures" / "realwp"
SAMPLE = "http://sample.example/"  # where tests/fixtures/pages were saved from
REAL_WP = "http://127.0.0.1:53375/"  # where the real WordPress homepage was saved from


@pytest.fixture
def spider(tmp_path):
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "sources:\n"
        f"  - {{id: sample, name: สพป. ตัวอย่าง, url: '{SAMPLE}'}}\n"
        f"  - {{id: realwp, name: สพม. ตัวอย่าง, url: '{REAL_WP}'}}\n",
        "utf-8",
    )
    settings = {"EDUNEWS_SOURCES": str(registry), "EDUNEWS_INCREMENTAL": False}
    return ArchiveSpider.from_crawler(get_crawler(ArchiveSpider, settings))


def answer(request: Request, body: bytes, status: int = 200, headers=None, cls=TextResponse):
    return cls(request.url, status=status, body=body, headers=headers, request=request)


def failure(request: Request, status: int = 404) -> Failure:
    failed = Failure(HttpError(Response(request.url, status=status, request=request), "x"))
    failed.request = request
    return failed


def home(spider, sid: str, path: Path, url: str):
    """The homepage as the spider reads it: detection, the plan, the first method's requests."""
    request = Request(url, meta={"source": sid})
    response = answer(request, path.read_bytes(), cls=HtmlResponse)
    return list(spider.parse_home(response)), spider.states[sid]


def through_spider(spider, response_or_failure):
    """What the spider's own callback does with it (the strategy named in the request)."""
    if isinstance(response_or_failure, Failure):
        return list(spider.index_failed(response_or_failure))
    return drain(spider.parse_index(response_or_failure))


def drain(results) -> list:
    """All an async generator callback yields, when what it awaits is done already (the
    inline worker pool of a unit test's crawler): no event loop needed."""
    out: list = []

    async def collect():
        async for result in results:
            out.append(result)

    step = collect()
    try:
        step.send(None)
    except StopIteration:
        return out
    step.close()
    raise AssertionError("the callback waited for something that was not done")


def test_real_wordpress_homepage_starts_the_rest_api(spider):
    (api,), state = home(spider, "realwp", REALWP / "home-twentytwentyone.html", REAL_WP)
    assert state.methods == ["feed", "sitemap", "listing"]  # wordpress taken first
    assert api.url.startswith(REAL_WP + "wp-json/wp/v2/posts?per_page=100&page=1")
    assert (api.meta["method"], api.meta["step"], api.meta["page"]) == ("wordpress", "posts", 1)
    assert api.callback == spider.parse_index and api.errback == spider.index_failed


def post(n: int, link: str) -> dict:
    return {
        "id": n,
        "date": "2024-09-07T10:15:00",
        "date_gmt": "2024-09-07T03:15:00",
        "modified": "2024-09-07T10:15:00",
        "modified_gmt": "2024-09-07T03:15:00",
        "link": link,
        "title": {"rendered": f"ข่าวที่ {n}"},
        "content": {"rendered": f"<p>วันที่ 7 กันยายน 2567 ประชุมครั้งที่ {n}</p>"},
    }


def test_wordpress_posts_become_articles_and_pages_are_asked_for(spider):
    (api,), state = home(spider, "realwp", REALWP / "home-twentytwentyone.html", REAL_WP)
    posts = [post(1, REAL_WP + "2024/09/07/a/"), post(2, "http://elsewhere.example/b/")]
    response = answer(api.replace(meta={**api.meta, "capture_id": 7}), json.dumps(posts).encode(),
                      headers={"X-WP-TotalPages": "3"})  # fmt: skip
    out = through_spider(spider, response)
    articles = [o for o in out if isinstance(o, Article)]
    assert [(a.url, a.capture_id, a.discovered_via) for a in articles] == [
        (REAL_WP + "2024/09/07/a/", 7, "wordpress")
    ]
    pages = [o.meta["page"] for o in out if isinstance(o, Request)]
    assert pages == [2, 3]
    assert state.method == "wordpress"
    assert ("realwp", "http://elsewhere.example/b/", "not stored", "off-site link") in spider.errors


def test_wordpress_api_disabled_falls_back_to_the_feed(spider):
    (api,), state = home(spider, "realwp", REALWP / "home-twentytwentyone.html", REAL_WP)
    blocked = json.dumps({"code": "rest_disabled"}).encode()
    (feed,) = through_spider(spider, answer(api, blocked, status=200))
    assert (feed.meta["method"], feed.meta["step"]) == ("feed", "page")
    assert state.tried == ["wordpress: response is not a list of posts"]
    # a failing later API page is recorded, and ends nothing
    later = api.replace(meta={**api.meta, "page": 2})
    assert through_spider(spider, failure(later, 500)) == []
    assert spider.errors[-1][2:] == ("http", "HTTP 500")


def feed_start(spider):
    state = spider.states["sample"]
    state.methods = ["sitemap", "listing"]  # the plan after the feed
    (request,) = spider.discovery["feed"].start(state)
    return request, state


def test_feed_entries_become_article_requests_then_the_next_page(spider):
    request, state = feed_start(spider)
    assert request.url == SAMPLE + "feed/" and request.meta["conditional"] is False
    out = through_spider(spider, answer(request.replace(url=SAMPLE + "feed/"), RSS))
    articles = [r for r in out if r.callback == spider.parse_article]
    assert [r.meta["feed_date"] for r in articles] == ["2024-09-07T10:15:00+07:00", None]
    (more,) = [r for r in out if r.callback == spider.parse_index]
    assert more.url == SAMPLE + "feed/?paged=2" and more.meta["page"] == 2
    assert state.method == "feed"
    # page 2 repeats page 1 (a feed that ignores ?paged=): nothing new, no page 3
    assert through_spider(spider, answer(more, RSS)) == []


def test_feed_failures(spider):
    request, state = feed_start(spider)
    (robots,) = through_spider(spider, failure(request))  # page 1 missing: sitemap next
    assert robots.url == SAMPLE + "robots.txt" and robots.meta["method"] == "sitemap"
    assert state.tried == ["feed: HTTP 404"]
    later = request.replace(meta={**request.meta, "page": 4})
    assert through_spider(spider, failure(later)) == []  # past the last page: the normal end
    out = drain(spider.discovery["feed"].parse(answer(request, ATOM)))  # Atom reads the same
    assert [r.url for r in out if r.callback == spider.parse_article] == [
        "https://www.example.go.th/c"
    ]


def test_a_feed_page_is_parsed_in_the_worker_pool(spider, monkeypatch):
    pool = crawl_pool(spider.crawler)
    sent = []

    async def run(fn, *args):  # the pool's own interface: records the job, runs it here
        sent.append((fn, args))
        return fn(*args)

    monkeypatch.setattr(pool, "run", run)
    request, _ = feed_start(spider)
    response = answer(request, RSS)
    out = through_spider(spider, response)
    assert [(fn, args) for fn, args in sent] == [(parse_feed, (RSS, response.url))]
    assert parse_feed.__module__ == "crawler.discovery.feed_entries"  # what a worker imports
    assert len([r for r in out if r.callback == spider.parse_article]) == 2


def test_a_feed_page_whose_worker_died_is_parsed_here(spider, monkeypatch):
    async def died(fn, *args):
        raise WorkerDied("worker process died")

    monkeypatch.setattr(crawl_pool(spider.crawler), "run", died)
    request, state = feed_start(spider)
    out = through_spider(spider, answer(request, RSS))
    assert len([r for r in out if r.callback == spider.parse_article]) == 2
    assert state.method == "feed" and state.tried == [] and spider.errors == []


def test_sitemap_from_robots_index_and_urlset(spider):
    state = spider.states["sample"]
    (robots,) = spider.discovery["sitemap"].start(state)
    body = b"User-agent: *\nSitemap: http://sample.example/wp-sitemap.xml\n"
    (root,) = through_spider(spider, answer(robots, body))
    assert root.url == SAMPLE + "wp-sitemap.xml" and root.meta["root"] is True
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>http://sample.example/wp-sitemap-posts-post-1.xml</loc></sitemap>
    <sitemap><loc>http://sample.example/wp-sitemap-users-1.xml</loc></sitemap></sitemapindex>"""
    (sub,) = through_spider(spider, answer(root, index))
    assert sub.url == SAMPLE + "wp-sitemap-posts-post-1.xml" and not sub.meta.get("root")
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>http://sample.example/2024/09/07/a/</loc></url></urlset>"""
    (article,) = through_spider(spider, answer(sub, urlset))
    assert article.url == SAMPLE + "2024/09/07/a/" and article.meta["via"] == "sitemap"
    assert state.method == "sitemap" and state.candidates == 1
    assert through_spider(spider, failure(sub)) == []  # a sub-sitemap failing is recorded
    assert spider.errors[-1][1:3] == (sub.url, "http")


def test_sitemap_tries_each_root_then_falls_back(spider):
    state = spider.states["sample"]
    state.methods = ["listing"]
    empty = parse("<html><body></body></html>", SAMPLE)
    spider.discovery["listing"].read_home(state, empty, SAMPLE)
    (robots,) = spider.discovery["sitemap"].start(state)
    (first,) = through_spider(spider, failure(robots))  # no robots.txt: the usual paths
    assert first.url == SAMPLE + "wp-sitemap.xml"
    (second,) = through_spider(spider, answer(first, b"<html>not found</html>"))
    (third,) = through_spider(spider, failure(second))
    assert [second.url, third.url] == [SAMPLE + "sitemap.xml", SAMPLE + "sitemap_index.xml"]
    assert through_spider(spider, failure(third)) == []  # listing: the empty homepage
    assert state.tried == ["sitemap: no sitemap found", "listing: no listing or article links"]


def test_listing_pages_from_a_saved_legacy_listing(spider):
    state = spider.states["sample"]
    url = SAMPLE + "news.php?page=2"
    (request,) = spider.discovery["listing"].start(state)  # no homepage held: fetched again
    assert request.url == SAMPLE and request.meta["step"] == "home"
    listing = request.replace(url=url, meta={**request.meta, "step": "listing"})
    body = (PAGES / "legacy-listing-page.html").read_bytes()
    out = through_spider(spider, answer(listing, body, cls=HtmlResponse))
    articles = [r.url for r in out if r.callback == spider.parse_article]
    assert articles[0] == SAMPLE + "news_detail.php?id=1029" and len(articles) == 10
    pages = [r.url for r in out if r.callback == spider.parse_index]
    assert SAMPLE + "news.php?page=3" in pages and url not in pages
    assert state.method == "listing" and state.listing_pages == 1


def test_listing_from_a_saved_wordpress_category_page(spider):
    state = spider.states["sample"]
    body = (PAGES / "wp-category-page.html").read_bytes()
    response = HtmlResponse(SAMPLE + "category/news/", body=body)
    spider.discovery["listing"].read_home(state, parse(response.text, response.url), response.url)
    out = list(spider.discovery["listing"].start(state))
    articles = [r.url for r in out if r.callback == spider.parse_article]
    assert articles and all(u.startswith(SAMPLE + "20") for u in articles)
    assert all("/category/" not in u for u in articles)
    assert state.home_index is None  # read once: a later start fetches the homepage again


def test_the_homepage_is_let_go_once_planned(spider):
    """The spider keeps the homepage's links for a listing fallback, not the response (nor
    its decoded text): ~35 KB a source for the whole run, before."""
    body = (PAGES / "wp-category-page.html").read_bytes()
    response = answer(Request(SAMPLE, meta={"source": "sample"}), body, cls=HtmlResponse)
    assert response.text  # decoded and cached on it, as Scrapy's meta-refresh check does
    gone = weakref.ref(response)
    (first,) = [r for r in spider.parse_home(response) if r.callback == spider.parse_index]
    del response
    gc.collect()
    assert gone() is None
    state = spider.states["sample"]
    assert state.methods == ["feed", "sitemap", "listing"] and first.meta["method"] == "wordpress"
    kept = home_index(parse(body.decode(), SAMPLE), SAMPLE, {"sample.example"})
    assert state.home_index == kept and kept.links and kept.pages
    # every method but listing fails: listing starts from the kept links, no second fetch
    state.methods = ["listing"]
    out = list(spider.method_failed(state, "sitemap", "no sitemap found"))
    assert [r.url for r in out if r.callback == spider.parse_article] == kept.links
    assert [r.url for r in out if r.callback == spider.parse_index] == kept.pages
    assert state.method == "listing" and state.home_index is None


def test_the_homepage_links_go_once_a_method_works(spider):
    (api,), state = home(spider, "realwp", REALWP / "home-twentytwentyone.html", REAL_WP)
    assert state.home_index is not None  # listing is in the plan
    posts = [post(1, REAL_WP + "2024/09/07/a/")]
    through_spider(spider, answer(api, json.dumps(posts).encode()))
    assert state.method == "wordpress" and state.home_index is None


def test_an_unknown_step_is_refused(spider):
    request = Request(SAMPLE, meta={"source": "sample", "method": "feed", "step": "__init__"})
    with pytest.raises(ValueError, match="no step"):
        through_spider(spider, answer(request, b""))
