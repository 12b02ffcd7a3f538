"""Sitemaps: robots.txt ``Sitemap:`` lines, /wp-sitemap.xml, /sitemap.xml (Scrapy's parser)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from scrapy import Request
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

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
