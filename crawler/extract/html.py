"""Bytes to a parsed tree, whatever charset the site declares (or forgets to)."""

from __future__ import annotations

import lxml.html
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

# Single-byte charsets that decode any bytes without error: a UTF-8 page wrongly declared as
# one of them would silently become mojibake.
SINGLE_BYTE = {"cp874", "tis-620", "iso8859-11", "cp1252", "latin-1", "iso8859-1", "ascii"}


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode with the HTTP header, a BOM or the <meta> declaration (TIS-620 -> cp874); when
    a single-byte charset is declared but the bytes are valid UTF-8 with non-ASCII text, the
    declaration is wrong (a misconfigured server) and UTF-8 wins."""
    encoding, text = html_to_unicode(
        content_type,
        body,
        auto_detect_fun=lambda b: html_body_declared_encoding(b) or "utf-8",
    )
    if encoding.replace("_", "-") in SINGLE_BYTE and not body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text


def response_text(response) -> str:
    """A Scrapy response's text, decoded as ``decode_html`` decides."""
    content_type = response.headers.get("Content-Type")
    return decode_html(response.body, content_type.decode("latin-1") if content_type else None)


def parse(html: str, url: str) -> lxml.html.HtmlElement:
    if not html.strip():
        html = "<html></html>"
    return lxml.html.document_fromstring(html, base_url=url)


# The tags extraction reads page-wide (metadata, links, titles, the body's classes): found
# in one walk of the tree, not an XPath over the whole tree for each question.
PAGE_TAGS = ("meta", "link", "script", "time", "title", "body", "article")


def tagged(tree: lxml.html.HtmlElement) -> dict[str, list[lxml.html.HtmlElement]]:
    """The page's elements of each of ``PAGE_TAGS``, in document order (as ``//tag``)."""
    found: dict[str, list] = {tag: [] for tag in PAGE_TAGS}
    for el in tree.iter(*PAGE_TAGS):
        found[el.tag].append(el)
    return found
