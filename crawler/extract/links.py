"""Links on a page: which are articles, which are further pages of a listing, which lead to
news listings (used by listing discovery and by extraction, which tells listings from articles).

No library reads arbitrary CMS listings, so this is a small set of rules: links in the page's
main area (not menus, headers, footers or sidebars), on the source's own hosts, whose URL looks
like an item (an id parameter, a dated or numbered path, a long slug) and whose text reads like a
headline; pagination is rel=next, a "next" label, or numbered links that share the listing's path.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from lxml.html import HtmlElement

from crawler.extract.urls import absolute, canonical_url, is_attachment, netloc
from crawler.thai.data import pagewords as words

CHROME = re.compile(r"\b(nav|menu|navbar|header|footer|sidebar|widget|breadcrumb)", re.I)
CHROME_TAGS = {"nav", "header", "footer", "aside"}
NEXT_LABELS = re.compile(words.NEXT_LABELS, re.I)
PAGE_LABEL = re.compile(words.PAGE_LABEL, re.I)  # "Page 2" (a screen-reader prefix)
# The parts of an entry are not page chrome: WordPress themes put the headline link in
# <header class="entry-header"> inside <article>, and the date link in its footer.
ENTRY_PART = re.compile(r"^(entry|post|article|news|item|card)[-_]", re.I)
NEWS_LABELS = re.compile(words.NEWS_LABELS, re.I)
ITEM_PATH = re.compile(
    r"(\d{4}/\d{1,2}/|/\d{3,}|[?&](id|p|news_id|newsid|nid|article|content_id)=\d+|"
    r"(detail|view|read|show|content|news)[^/]*[/=_-]\w)",
    re.I,
)
NOT_ITEM = re.compile(
    r"/(category|tag|author|page|search|feed|wp-admin|wp-login)(/|$)|[?&](page|paged|cat|tag)=",
    re.I,
)
PAGE_PARAMS = ("page", "paged", "p", "pg", "start", "offset", "pageno", "page_no")
MIN_HEADLINE = 4  # short headlines exist ("EDUCA 2019"); the URL test does most of the work


def in_chrome(el: HtmlElement) -> bool:
    ancestors = list(el.iterancestors())
    for n, ancestor in enumerate(ancestors):
        if ancestor.tag in CHROME_TAGS and not within_article(ancestor, ancestors[n + 1 :]):
            return True
        marker = f"{ancestor.get('class', '')} {ancestor.get('id', '')}".split()
        if any(CHROME.search(token) and not ENTRY_PART.match(token) for token in marker):
            return True
    return False


def within_article(el: HtmlElement, above: list[HtmlElement]) -> bool:
    """A <header> or <footer> of an <article> (its headline, its date), not of the page."""
    return el.tag in ("header", "footer") and any(a.tag == "article" for a in above)


def same_site(url: str, hosts: set[str]) -> bool:
    return netloc(url) in hosts


def article_links(tree: HtmlElement, url: str, hosts: set[str]) -> list[str]:
    """Links on a listing page that look like articles, in page order, without repeats."""
    found: dict[str, None] = {}
    for link in tree.iter("a"):
        target = absolute(url, link.get("href"))
        if not target or not same_site(target, hosts) or is_attachment(target):
            continue
        text = " ".join(link.text_content().split())
        if looks_like_item(target, text) and not in_chrome(link):
            found.setdefault(canonical_url(target), None)
    found.pop(canonical_url(url), None)
    return list(found)


def looks_like_item(url: str, text: str) -> bool:
    path = urlsplit(url)._replace(scheme="", netloc="").geturl()
    if NOT_ITEM.search(path) or NEXT_LABELS.match(text) or text.isdigit():
        return False
    return bool(ITEM_PATH.search(path)) and len(text) >= MIN_HEADLINE


def next_pages(tree: HtmlElement, url: str, hosts: set[str]) -> list[str]:
    """Further pages of this listing: rel=next, a "next" label, or numbered page links."""
    pages: dict[str, None] = {}
    for link in tree.iter("a", "link"):
        target = absolute(url, link.get("href"))
        if not target or not same_site(target, hosts):
            continue
        text = " ".join(link.text_content().split()) if link.tag == "a" else ""
        rel = (link.get("rel") or "").lower()
        numbered = PAGE_LABEL.sub("", text).isdigit() and same_listing(url, target)
        if "next" in rel.split() or NEXT_LABELS.match(text) or numbered:
            pages.setdefault(canonical_url(target), None)
    pages.pop(canonical_url(url), None)
    return list(pages)


def same_listing(url: str, other: str) -> bool:
    """Same path (or WordPress /page/N/ form) differing only in a page number."""
    a, b = urlsplit(url), urlsplit(other)
    strip = re.compile(r"/page/\d+/?$")
    if strip.sub("/", a.path.rstrip("/") + "/") != strip.sub("/", b.path.rstrip("/") + "/"):
        return False
    qa = {k: v for k, v in parse_qsl(a.query) if k not in PAGE_PARAMS}
    qb = {k: v for k, v in parse_qsl(b.query) if k not in PAGE_PARAMS}
    return qa == qb


def listing_candidates(tree: HtmlElement, url: str, hosts: set[str]) -> list[str]:
    """Links from a homepage to news listings (menu items named ข่าว, ประชาสัมพันธ์, news)."""
    found: dict[str, None] = {}
    for link in tree.iter("a"):
        target = absolute(url, link.get("href"))
        text = " ".join(link.text_content().split())
        if target and same_site(target, hosts) and NEWS_LABELS.search(text) and len(text) < 60:
            if not is_attachment(target) and not looks_like_item(target, text):
                found.setdefault(canonical_url(target), None)
    return list(found)
