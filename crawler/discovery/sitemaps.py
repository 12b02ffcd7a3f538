"""Sitemaps: robots.txt ``Sitemap:`` lines, /wp-sitemap.xml, /sitemap.xml (Scrapy's parser)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from scrapy import Request
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.discovery.base import Discovery
from crawler.ids import canonical_url

DEFAULT_PATHS = ("/wp-sitemap.xml", "/sitemap.xml", "/sitemap_index.xml")
# Sub-sitemaps that list pages other than articles (WordPress core and Yoast names).
NOT_ARTICLES = re.compile(
    r"taxonom|categor|post_tag|tag-|users?[-_.]|author|page-sitemap|pages?-", re.I
)


@dataclass
class SitemapEntry:
    url: str
    lastmod: str | None


class NotASitemap(ValueError):
    """The response is not sitemap XML."""


def robots_sitemaps(robots_txt: bytes, base_url: str) -> list[str]:
    return list(sitemap_urls_from_robots(robots_txt, base_url=base_url))


def default_sitemaps(base_url: str) -> list[str]:
    return [urljoin(base_url, path) for path in DEFAULT_PATHS]


def fetchable(loc: str | None) -> bool:
    """Whether Scrapy can make a request of a <loc>: one bad <loc> ("http://[::1", a port
    past 65535, no scheme) is skipped, not the rest of the sitemap (the Request would raise
    in the callback that schedules them all). Other schemes stay: the host guard refuses and
    records them."""
    try:
        Request(loc or "")
    except ValueError:
        return False
    return True


def parse_sitemap(body: bytes) -> tuple[str, list[SitemapEntry]]:
    """("sitemapindex" | "urlset", entries); sub-sitemaps of non-articles are dropped."""
    try:
        sitemap = Sitemap(body)
    except Exception as exc:  # lxml raises several kinds for non-XML bodies
        raise NotASitemap(f"not a sitemap: {exc.__class__.__name__}") from None
    if sitemap.type not in ("sitemapindex", "urlset"):
        raise NotASitemap(f"not a sitemap: root element {sitemap.type!r}")
    entries = [SitemapEntry(e["loc"], e.get("lastmod")) for e in sitemap if fetchable(e.get("loc"))]
    if sitemap.type == "sitemapindex":
        entries = [e for e in entries if not NOT_ARTICLES.search(e.url.rsplit("/", 1)[-1])]
    return sitemap.type, entries


class SitemapDiscovery(Discovery):
    """The registry's sitemap hint, or the sitemaps robots.txt names, or the usual paths, tried
    one at a time until one parses; a sitemap index leads to its article sub-sitemaps."""

    name = "sitemap"
    steps = ("robots", "sitemap")

    def start(self, state):
        hint = state.source.hints.get("sitemap_url")
        if hint:
            state.sitemap_queue = [hint]
            yield from self.next_root(state)
            return
        robots = "/".join(canonical_url(state.source.url).split("/", 3)[:3]) + "/robots.txt"
        yield self.request(state, robots, "robots")

    def robots(self, response):
        state = self.spider.state_of(response)
        declared = robots_sitemaps(response.body, response.url)
        state.sitemap_queue = declared or default_sitemaps(state.source.url)
        yield from self.next_root(state)

    def robots_failed(self, failure):
        state = self.spider.state_of(failure)
        state.sitemap_queue = default_sitemaps(state.source.url)
        yield from self.next_root(state)

    def next_root(self, state):
        """Try the candidate root sitemaps one at a time until one parses."""
        if not state.sitemap_queue:
            yield from self.give_up(state, "no sitemap found")
            return
        yield self.request(state, state.sitemap_queue.pop(0), "sitemap", root=True)

    def sitemap(self, response):
        spider = self.spider
        state, root = spider.state_of(response), response.meta.get("root")
        try:
            kind, entries = parse_sitemap(response.body)
        except NotASitemap:
            if root:
                yield from self.next_root(state)
            return
        if response.status == 304:
            spider.settle(state, self.name)
            return
        if kind == "sitemapindex":
            for entry in entries:
                yield self.request(state, entry.url, "sitemap")
            return
        spider.settle(state, self.name)
        # New, or its <lastmod> is later than the stored modification (or fetch) time.
        fresh = [e for e in entries if not state.is_known(e.url, e.lastmod)]
        spider.found(state, self.name, len(fresh))
        for entry in entries:
            if entry in fresh:
                yield spider.article_request(state, entry.url, "sitemap")
            else:
                yield spider.seen(state, entry.url)

    def sitemap_failed(self, failure):
        if failure.request.meta.get("root"):
            yield from self.next_root(self.spider.state_of(failure))
        else:
            self.record(failure)
