"""The registry-driven spider: discovers and schedules; pages are extracted elsewhere.

One spider crawls every source of the registry concurrently. For each source it reads the
homepage, then tries discovery methods in order (WordPress REST API, feeds, sitemaps, HTML
listings), falling back to the next when one is missing or blocked. Article pages go through
``crawler.extract.page``; REST API posts are turned into articles directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.discovery import detect, feeds, listings, sitemaps, wordpress
from crawler.extract.html import parse
from crawler.extract.page import extract_article, looks_like_article
from crawler.extract.urls import canonical_url
from crawler.sources import Source, load_sources, select


@dataclass
class SourceState:
    """What the spider knows about one source during a run."""

    source: Source
    methods: list[str] = field(default_factory=list)  # still to try, in order
    tried: list[str] = field(default_factory=list)  # "method: why it failed"
    method: str | None = None  # the method that found articles
    home: detect.Detected | None = None
    candidates: int = 0
    listing_pages: int = 0
    failure: str | None = None  # set when the source could not be crawled at all
    home_response: Response | None = None
    api_root: str = ""
    feed_url: str = ""
    sitemap_queue: list[str] = field(default_factory=list)


def plan(kind: str, found: detect.Detected) -> list[str]:
    if kind != "auto":
        return [kind]
    methods = ["wordpress"] if found.is_wordpress else []
    return [*methods, "feed", "sitemap", "listing"]


def reason_of(failure) -> str:
    """One line for a Twisted failure or an exception."""
    exc = getattr(failure, "value", failure)
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")[:200]


class ArchiveSpider(scrapy.Spider):
    name = "archive"

    def __init__(self, *args, sources: str | None = None, only: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources_file = sources
        self.only = only
        self.states: dict[str, SourceState] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        kwargs.setdefault("sources", crawler.settings.get("EDUNEWS_SOURCES") or None)
        kwargs.setdefault("only", crawler.settings.get("EDUNEWS_ONLY") or None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sources = select(load_sources(spider.sources_file), spider.only)
        spider.states = {s.id: SourceState(s) for s in spider.sources}
        spider.allowed_domains = sorted({h.split(":")[0] for s in spider.sources for h in s.hosts})
        spider.max_listing_pages = crawler.settings.getint("EDUNEWS_MAX_LISTING_PAGES", 50)
        spider.max_api_pages = crawler.settings.getint("EDUNEWS_MAX_API_PAGES", 50)
        spider.date_stats = Counter()
        return spider

    # -- helpers ---------------------------------------------------------------------------
    def request(self, url, callback, state: SourceState, errback=None, **meta) -> scrapy.Request:
        meta = {"source": state.source.id, **meta}
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta)

    def count(self, state: SourceState, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"source/{state.source.id}/{key}", n)

    def state_of(self, response_or_failure) -> SourceState:
        request = getattr(response_or_failure, "request", None)
        return self.states[request.meta["source"]]

    def now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    # -- homepage and method fallback -----------------------------------------------------
    async def start(self):
        for state in self.states.values():
            yield scrapy.Request(
                state.source.url,
                callback=self.parse_home,
                errback=self.home_failed,
                meta={"source": state.source.id},
                dont_filter=True,
            )

    def parse_home(self, response: Response):
        state = self.state_of(response)
        if not isinstance(response, TextResponse):
            state.failure = "homepage is not HTML"
            return
        state.home_response = response
        state.home = detect.detect(parse(response.text, response.url), response.url)
        state.methods = plan(state.source.kind, state.home)
        yield from self.next_method(state, response)

    def home_failed(self, failure):
        state = self.state_of(failure)
        state.failure = f"homepage unreachable ({reason_of(failure)})"
        self.count(state, "errors/fetch")
        self.logger.warning("%s: %s", state.source.id, state.failure)

    def next_method(self, state: SourceState, home: Response | None = None):
        """Start the next discovery method, or record that none found anything."""
        if state.method:
            return
        if not state.methods:
            state.failure = "no articles found (" + "; ".join(state.tried) + ")"
            self.logger.warning("%s: %s", state.source.id, state.failure)
            return
        method = state.methods.pop(0)
        yield from getattr(self, f"start_{method}")(state, home)

    def method_failed(self, state: SourceState, method: str, why: str):
        state.tried.append(f"{method}: {why}")
        self.logger.info("%s: %s discovery failed: %s", state.source.id, method, why)
        yield from self.next_method(state)

    def found(self, state: SourceState, method: str, n: int) -> None:
        if n and not state.method:
            state.method = method
            self.logger.info("%s: discovering articles via %s", state.source.id, method)
        state.candidates += n

    # -- WordPress REST API ------------------------------------------------------------------
    def start_wordpress(self, state: SourceState, home=None):
        hint = state.source.hints.get("api_url")
        root = (
            hint
            or (state.home and state.home.api_root)
            or detect.default_api_root(state.source.url)
        )
        state.api_root = root if root.endswith("/") or "rest_route=" in root else root + "/"
        yield self.api_page(state, 1)

    def api_page(self, state: SourceState, page: int) -> scrapy.Request:
        url = wordpress.posts_url(state.api_root, page)
        return self.request(url, self.parse_api, state, errback=self.api_failed, page=page)

    def parse_api(self, response: Response):
        state, page = self.state_of(response), response.meta["page"]
        try:
            posts = wordpress.parse_posts(response.text)
        except (wordpress.NotWordPress, AttributeError) as exc:
            if page == 1:
                yield from self.method_failed(state, "wordpress", str(exc))
            return
        if page == 1 and not posts:
            yield from self.method_failed(state, "wordpress", "no posts")
            return
        self.found(state, "wordpress", len(posts))
        for post in posts:
            yield from self.post_item(state, post)
        headers = {k.decode(): v[0].decode() for k, v in response.headers.items()}
        if page == 1:
            last = min(wordpress.total_pages(headers), self.max_api_pages)
            for n in range(2, last + 1):
                yield self.api_page(state, n)

    def post_item(self, state: SourceState, post: dict):
        try:
            yield wordpress.article_from_post(post, state.source.id, self.now())
        except Exception as exc:  # one bad post must not stop the source
            self.count(state, "errors/extract")
            self.logger.warning(
                "%s: cannot read post %s: %s", state.source.id, post.get("link"), exc
            )

    def api_failed(self, failure):
        state, page = self.state_of(failure), failure.request.meta["page"]
        if page == 1:
            yield from self.method_failed(state, "wordpress", reason_of(failure))
        else:
            self.count(state, "errors/fetch")

    # -- RSS / Atom ---------------------------------------------------------------------------
    def start_feed(self, state: SourceState, home=None):
        hint = state.source.hints.get("feed_url")
        found = state.home.feeds if state.home else []
        state.feed_url = hint or (found[0] if found else detect.default_feed(state.source.url))
        yield self.feed_page(state, 1)

    def feed_page(self, state: SourceState, page: int) -> scrapy.Request:
        url = feeds.page_url(state.feed_url, page)
        return self.request(url, self.parse_feed, state, errback=self.feed_failed, page=page)

    def parse_feed(self, response: Response):
        state, page = self.state_of(response), response.meta["page"]
        try:
            entries = feeds.parse_feed(response.body, response.url)
        except feeds.NotAFeed as exc:
            if page == 1:
                yield from self.method_failed(state, "feed", str(exc))
            return
        if page == 1 and not entries:
            yield from self.method_failed(state, "feed", "empty feed")
            return
        new = [e for e in entries if e.url]
        self.found(state, "feed", len(new))
        for entry in new:
            yield self.article_request(state, entry.url, "feed", feed_date=entry.published)
        if new and page < self.max_listing_pages:
            yield self.feed_page(state, page + 1)

    def feed_failed(self, failure):
        state, page = self.state_of(failure), failure.request.meta["page"]
        if page == 1:
            yield from self.method_failed(state, "feed", reason_of(failure))
        # a failing later page is the normal end of a paged feed (404 past the last page)

    # -- sitemaps ------------------------------------------------------------------------------
    def start_sitemap(self, state: SourceState, home=None):
        hint = state.source.hints.get("sitemap_url")
        if hint:
            state.sitemap_queue = [hint]
            yield from self.next_sitemap(state)
            return
        robots = canonical_url(state.source.url).split("/", 3)[:3]
        url = "/".join(robots) + "/robots.txt"
        yield self.request(url, self.parse_robots, state, errback=self.robots_failed)

    def parse_robots(self, response: Response):
        state = self.state_of(response)
        declared = sitemaps.robots_sitemaps(response.body, response.url)
        state.sitemap_queue = declared or sitemaps.default_sitemaps(state.source.url)
        yield from self.next_sitemap(state)

    def robots_failed(self, failure):
        state = self.state_of(failure)
        state.sitemap_queue = sitemaps.default_sitemaps(state.source.url)
        yield from self.next_sitemap(state)

    def next_sitemap(self, state: SourceState):
        """Try the candidate root sitemaps one at a time until one parses."""
        if not state.sitemap_queue:
            yield from self.method_failed(state, "sitemap", "no sitemap found")
            return
        url = state.sitemap_queue.pop(0)
        yield self.request(url, self.parse_sitemap, state, errback=self.sitemap_failed, root=True)

    def parse_sitemap(self, response: Response):
        state, root = self.state_of(response), response.meta.get("root")
        try:
            kind, entries = sitemaps.parse_sitemap(response.body)
        except sitemaps.NotASitemap:
            if root:
                yield from self.next_sitemap(state)
            return
        if kind == "sitemapindex":
            for entry in entries:
                yield self.request(
                    entry.url, self.parse_sitemap, state, errback=self.sitemap_failed
                )
            return
        self.found(state, "sitemap", len(entries))
        for entry in entries:
            yield self.article_request(state, entry.url, "sitemap")

    def sitemap_failed(self, failure):
        state = self.state_of(failure)
        if failure.request.meta.get("root"):
            yield from self.next_sitemap(state)
        else:
            self.count(state, "errors/fetch")

    # -- paginated HTML listings --------------------------------------------------------------
    def start_listing(self, state: SourceState, home=None):
        hint = state.source.hints.get("listing_url")
        if hint:
            yield self.listing_request(state, hint)
            return
        if state.home_response is not None:
            yield from self.listing_home(state, state.home_response)
        else:
            yield from self.method_failed(state, "listing", "homepage is not HTML")

    def listing_home(self, state: SourceState, response: TextResponse):
        """The homepage itself may list articles; its news menu links lead to listings."""
        tree = parse(response.text, response.url)
        hosts = state.source.hosts
        pages = listings.listing_candidates(tree, response.url, hosts)
        pages += listings.next_pages(tree, response.url, hosts)  # the homepage may be page 1
        links = listings.article_links(tree, response.url, hosts)
        if not pages and not links:
            yield from self.method_failed(state, "listing", "no listing or article links")
            return
        self.found(state, "listing", len(links))
        for url in links:
            yield self.article_request(state, url, "listing")
        for url in pages:
            yield self.listing_request(state, url)

    def listing_request(self, state: SourceState, url: str) -> scrapy.Request:
        return self.request(url, self.parse_listing, state, errback=self.listing_failed)

    def parse_listing(self, response: Response):
        state = self.state_of(response)
        state.listing_pages += 1
        tree = parse(response.text, response.url)
        links = listings.article_links(tree, response.url, state.source.hosts)
        self.found(state, "listing", len(links))
        for url in links:
            yield self.article_request(state, url, "listing")
        if state.listing_pages < self.max_listing_pages:
            for url in listings.next_pages(tree, response.url, state.source.hosts):
                yield self.listing_request(state, url)

    def listing_failed(self, failure):
        self.count(self.state_of(failure), "errors/fetch")

    # -- article pages ---------------------------------------------------------------------
    def article_request(self, state: SourceState, url: str, via: str, **meta) -> scrapy.Request:
        return self.request(
            url, self.parse_article, state, errback=self.article_failed, via=via, **meta
        )

    def parse_article(self, response: Response):
        state = self.state_of(response)
        if not isinstance(response, TextResponse):
            self.count(state, "skipped/not_html")
            return
        try:
            article = extract_article(
                response.url,
                response.text,
                source=state.source.id,
                fetched_at=self.now(),
                stats=self.date_stats,
            )
        except Exception as exc:  # count, log, go on: one broken page must not stop a crawl
            self.count(state, "errors/extract")
            self.logger.warning(
                "%s: extraction failed for %s: %s", state.source.id, response.url, exc
            )
            return
        ok, why = looks_like_article(article)
        if not ok:
            self.count(state, f"skipped/{why.replace(' ', '_')}")
            self.logger.debug("%s: not stored (%s): %s", state.source.id, why, response.url)
            return
        article.discovered_via = response.meta.get("via")
        if not article.published_at and response.meta.get("feed_date"):
            article.published_at, article.date_source = response.meta["feed_date"], "feed"
        yield article

    def article_failed(self, failure):
        state = self.state_of(failure)
        self.count(state, "errors/fetch")
        self.logger.warning("%s: %s: %s", state.source.id, failure.request.url, reason_of(failure))

    # -- the run's outcome per source ---------------------------------------------------------
    def source_report(self) -> dict[str, dict]:
        stats = self.crawler.stats.get_stats()
        return {sid: self._report(state, stats) for sid, state in self.states.items()}

    def _report(self, state: SourceState, stats: dict) -> dict:
        prefix = f"source/{state.source.id}/"
        errors = sum(v for k, v in stats.items() if k.startswith(prefix + "errors/"))
        status, reason = "ok", None
        if state.failure:
            status, reason = "failed", state.failure
        elif errors:
            status, reason = "partial", f"{errors} error(s)"
        return {
            "status": status,
            "reason": reason,
            "discovery": state.method,
            "pages": stats.get(prefix + "pages", 0),
            "errors": errors,
            "candidates": state.candidates,
        }
