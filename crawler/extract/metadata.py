"""Machine-readable page metadata: JSON-LD, OpenGraph, <time>, <link rel=canonical>."""

from __future__ import annotations

import json

from lxml.html import HtmlElement

PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "pubdate",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "dcterms.modified")
NEWS_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", "WebPage"}


def meta_content(tree: HtmlElement, names: tuple[str, ...]) -> str | None:
    """The first non-empty <meta property|name|itemprop=...> content among ``names``."""
    wanted = {n.lower() for n in names}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in wanted and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    return None


def json_ld_objects(tree: HtmlElement) -> list[dict]:
    objects = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null")
        except ValueError:
            continue
        objects.extend(_flatten_ld(data))
    return objects


def _flatten_ld(data) -> list[dict]:
    if isinstance(data, list):
        return [obj for item in data for obj in _flatten_ld(item)]
    if not isinstance(data, dict):
        return []
    return [data, *_flatten_ld(data.get("@graph", []))]


def json_ld_article(tree: HtmlElement) -> dict:
    for obj in json_ld_objects(tree):
        types = obj.get("@type")
        types = set(types) if isinstance(types, list) else {types}
        if types & NEWS_TYPES and (obj.get("datePublished") or obj.get("headline")):
            return obj
    return {}


def canonical_link(tree: HtmlElement) -> str | None:
    for link in tree.xpath('//link[@rel="canonical"][@href]'):
        return link.get("href").strip()
    return None


def time_element(tree: HtmlElement) -> str | None:
    """<time datetime> inside the article, preferring one marked as published."""
    times = tree.xpath("//time[@datetime]")
    marked = [t for t in times if "publish" in (t.get("class") or "") + (t.get("itemprop") or "")]
    chosen = (marked or times or [None])[0]
    return chosen.get("datetime").strip() if chosen is not None else None


def page_metadata(tree: HtmlElement) -> dict:
    ld = json_ld_article(tree)
    author = ld.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return {
        "title": meta_content(tree, ("og:title", "twitter:title")) or ld.get("headline"),
        "canonical": canonical_link(tree) or meta_content(tree, ("og:url",)),
        "published": ld.get("datePublished")
        or meta_content(tree, PUBLISHED_META)
        or time_element(tree),
        "modified": ld.get("dateModified") or meta_content(tree, MODIFIED_META),
        "author": author or meta_content(tree, ("author", "article:author")),
        "type": meta_content(tree, ("og:type",)),
    }
