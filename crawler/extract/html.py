"""Bytes to a parsed tree, whatever charset the site declares (or forgets to)."""

from __future__ import annotations

import lxml.html
from w3lib.encoding import html_body_declared_encoding, html_to_unicode


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode with the HTTP header, a BOM or the <meta> declaration (TIS-620 -> cp874)."""
    _, text = html_to_unicode(
        content_type,
        body,
        auto_detect_fun=lambda b: html_body_declared_encoding(b) or "utf-8",
    )
    return text


def parse(html: str, url: str) -> lxml.html.HtmlElement:
    if not html.strip():
        html = "<html></html>"
    return lxml.html.document_fromstring(html, base_url=url)
