"""Machine-readable page metadata: JSON-LD, OpenGraph, <time>, <link rel=canonical>."""

from __future__ import annotations

import json

from lxml.html import HtmlElement

from crawler.extract.html import tagged

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
    return _first_content(meta_contents(tree.iter("meta")), names)


def meta_contents(metas) -> dict[str, tuple[int, str]]:
    """Each <meta> key (property, name or itemprop, lower case) -> the place among ``metas``
    and the content of its first non-empty one: every ``meta_content`` of a page from one
    pass over its <meta> elements."""
    found: dict[str, tuple[int, str]] = {}
    for n, meta in enumerate(metas):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key not in found and (content := (meta.get("content") or "").strip()):
            found[key] = (n, content)
    return found


def _first_content(contents: dict[str, tuple[int, str]], names: tuple[str, ...]) -> str | None:
    """The content of the first <meta> (in page order) whose key is one of ``names``."""
    hits = [contents[k] for k in {n.lower() for n in names} if k in contents]
    return min(hits)[1] if hits else None


def json_ld_objects(tree: HtmlElement, scripts=None) -> list[dict]:
    """``scripts``: the page's <script> elements, when found already (``html.tagged``)."""
    objects = []
    scripts = tree.iter("script") if scripts is None else scripts
    for script in scripts:
        if script.get("type") != "application/ld+json":
            continue
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


def json_ld_article(tree: HtmlElement, scripts=None) -> dict:
    for obj in json_ld_objects(tree, scripts):
        types = obj.get("@type")
        types = set(types) if isinstance(types, list) else {types}
        if types & NEWS_TYPES and (obj.get("datePublished") or obj.get("headline")):
            return obj
    return {}


def canonical_link(tree: HtmlElement, links=None) -> str | None:
    for link in tree.iter("link") if links is None else links:
        if link.get("rel") == "canonical" and link.get("href") is not None:
            return link.get("href").strip()
    return None


def time_element(tree: HtmlElement, times=None) -> str | None:
    """<time datetime> inside the article, preferring one marked as published."""
    times = [
        t for t in (tree.iter("time") if times is None else times) if t.get("datetime") is not None
    ]
    marked = [t for t in times if "publish" in (t.get("class") or "") + (t.get("itemprop") or "")]
    chosen = (marked or times or [None])[0]
    return chosen.get("datetime").strip() if chosen is not None else None


def page_metadata(tree: HtmlElement, found: dict | None = None) -> dict:
    """``found``: the page's ``html.tagged`` elements, when found already."""
    found = tagged(tree) if found is None else found
    ld = json_ld_article(tree, found["script"])
    author = ld.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    metas = meta_contents(found["meta"])
    return {
        "title": _first_content(metas, ("og:title", "twitter:title")) or ld.get("headline"),
        "canonical": canonical_link(tree, found["link"]) or _first_content(metas, ("og:url",)),
        "published": ld.get("datePublished")
        or _first_content(metas, PUBLISHED_META)
        or time_element(tree, found["time"]),
        "modified": ld.get("dateModified") or _first_content(metas, MODIFIED_META),
        "author": author or _first_content(metas, ("author", "article:author")),
        "type": _first_content(metas, ("og:type",)),
    }
