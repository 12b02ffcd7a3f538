"""Find an article's main content and turn it into paragraphs, without site chrome.

Known content containers (WordPress themes, schema.org markup, common CMS classes) are tried
first because they are exact; otherwise trafilatura's boilerplate removal finds the text and we
locate the element that holds it, so images and attachments can still be read from it.
"""

from __future__ import annotations

import copy
import re

import trafilatura
from lxml.html import HtmlElement

CONTENT_XPATHS = (
    '//*[@itemprop="articleBody"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " entry-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " post-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " article-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " td-post-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " news-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " news-detail ")]',
    '//*[@id="news-detail" or @id="content-detail" or @id="news_detail"]',
)
DROP_TAGS = ("script", "style", "noscript", "form", "nav", "aside", "iframe", "button", "select")
CHROME_RE = re.compile(
    r"share|social|related|sharedaddy|jp-relatedposts|post-navigation|nav-links|breadcrumb|"
    r"comment|widget|sidebar|menu|advert|banner|view-?count|counter|visitor|tags?-?links|"
    r"post-tags|entry-meta|entry-footer|print",
    re.I,
)
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "section", "article", "figure", "pre", "hr", "dd", "dt", "header", "footer",
}  # fmt: skip


def find_content(tree: HtmlElement) -> HtmlElement | None:
    for xpath in CONTENT_XPATHS:
        nodes = tree.xpath(xpath)
        if nodes:
            return max(nodes, key=lambda n: len(n.text_content()))
    return None


def is_chrome(el: HtmlElement) -> bool:
    if not isinstance(el.tag, str):
        return True
    if el.tag in DROP_TAGS:
        return True
    marker = f"{el.get('class', '')} {el.get('id', '')}"
    return bool(marker.strip()) and bool(CHROME_RE.search(marker))


def strip_chrome(node: HtmlElement) -> HtmlElement:
    """A copy of ``node`` without scripts, share bars, counters and the like."""
    node = _copy(node)
    for el in list(node.iter()):
        if el is not node and el.getparent() is not None and is_chrome(el):
            el.drop_tree()
    return node


def _copy(node: HtmlElement) -> HtmlElement:
    return copy.deepcopy(node)


def node_text(node: HtmlElement, *, skip_captions: bool = True) -> str:
    """Text of a node with a line break at every block boundary (paragraphs preserved)."""
    parts: list[str] = []
    _walk(node, parts, skip_captions)
    return "".join(parts)


def _walk(el: HtmlElement, parts: list[str], skip_captions: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if skip_captions and tag == "figcaption":
        parts.append("\n" + (el.tail or ""))
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.append("\n")
    if isinstance(el.tag, str) and el.text:
        parts.append(el.text)
    for child in el:
        _walk(child, parts, skip_captions)
    if block:
        parts.append("\n")
    if el.tail:
        parts.append(el.tail)


def trafilatura_text(html: str, url: str) -> str | None:
    return trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        deduplicate=False,
        with_metadata=False,
    )


def locate(tree: HtmlElement, text: str) -> HtmlElement | None:
    """The smallest element whose text holds the first and last lines of ``text``."""
    lines = [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 10]
    if not lines:
        return None
    first, last = lines[0][:40], lines[-1][-40:]
    best = None
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in DROP_TAGS:
            continue
        content = el.text_content()
        if first in content and last in content:
            if best is None or len(content) < len(best.text_content()):
                best = el
    return best
