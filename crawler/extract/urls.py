"""URL canonicalisation: one article, one URL."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

# Identity lives in crawler.ids (shared with the store); re-exported for existing callers.
from crawler.ids import canonical_url, is_tracking, url_key  # noqa: F401

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "rar", "csv")


def absolute(base: str, href: str | None) -> str | None:
    """Resolve an href against the page URL; None for non-http(s) links."""
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
        return None
    url = urljoin(base, href)
    return url if urlsplit(url).scheme in ("http", "https") else None


def netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


def file_extension(url: str) -> str | None:
    path = urlsplit(url).path.lower()
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1] if "." in last else None


def is_attachment(url: str) -> bool:
    return file_extension(url) in ATTACHMENT_EXTENSIONS
