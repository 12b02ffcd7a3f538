"""Read a homepage and propose where its articles can be found."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.extract.urls import absolute

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
COMMENT_FEED_MARKERS = ("comments", "ความคิดเห็น")


@dataclass
class Detected:
    api_root: str | None = None  # WordPress REST API root, ending in "/"
    feeds: list[str] = field(default_factory=list)
    is_wordpress: bool = False


def detect(tree: HtmlElement, url: str) -> Detected:
    found = Detected(api_root=wordpress_api_root(tree, url), feeds=feed_links(tree, url))
    generator = " ".join(tree.xpath('//meta[@name="generator"]/@content')).lower()
    found.is_wordpress = bool(found.api_root) or "wordpress" in generator or _has_wp_assets(tree)
    return found


def wordpress_api_root(tree: HtmlElement, url: str) -> str | None:
    for href in tree.xpath('//link[@rel="https://api.w.org/"]/@href'):
        root = absolute(url, href)
        if root:
            return root if root.endswith("/") or "rest_route=" in root else root + "/"
    return None


def feed_links(tree: HtmlElement, url: str) -> list[str]:
    feeds = []
    for link in tree.xpath('//link[@rel="alternate"][@href]'):
        kind = (link.get("type") or "").lower()
        title = (link.get("title") or "").lower()
        href = absolute(url, link.get("href"))
        if (
            kind in FEED_TYPES
            and href
            and not any(m in title or m in href for m in COMMENT_FEED_MARKERS)
        ):
            if href not in feeds:
                feeds.append(href)
    return feeds


def _has_wp_assets(tree: HtmlElement) -> bool:
    return any("/wp-content/" in src for src in tree.xpath("//script/@src|//link/@href"))


def default_feed(url: str) -> str:
    return urljoin(url, "/feed/")


def default_api_root(url: str) -> str:
    return urljoin(url, "/wp-json/")
