"""A raw capture shown as the page it was, made safe to look at.

The HTML read back from the WARC record (``archive.warc``) is untrusted: lxml_html_clean
drops scripts, event handlers, javascript: URLs, frames, forms, <link>, <meta> and <base>;
images lose their remote ``src`` (kept as ``data-original-src``) so nothing is fetched from
the agency's site. It is then served with ``CAPTURE_CSP`` inside a sandboxed iframe, so even
markup the cleaner missed cannot run or load anything.
"""

from __future__ import annotations

import threading
from html import escape
from pathlib import Path

import lxml.html
from lxml.html import defs
from lxml_html_clean import Cleaner

from archive import warc
from crawler.extract.html import decode_html

# The response serving the cleaned page: a sandbox with no scripts, nothing fetched but
# inline styles and data: images.
CAPTURE_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
CLEANER = Cleaner(
    page_structure=False,
    style=False,  # inline CSS keeps the layout readable; CAPTURE_CSP stops url() fetches
    kill_tags={"base", "noscript"},
    safe_attrs=defs.safe_attrs | {"style"},
    remove_unknown_tags=False,
)
REMOTE = ("http://", "https://", "//")
NOT_HTML = (
    "<!doctype html><meta charset=utf-8><p>ไม่ใช่หน้า HTML / not an HTML page ({})</p>"
    "<pre style='white-space:pre-wrap'>{}</pre>"
)
# The crawler's own response cap (``DOWNLOAD_MAXSIZE`` in crawler/settings.py): a response
# that inflates past it was refused by the crawl, and no decoded body larger than it is ever
# built here. Written out, not imported: crawler.settings imports Scrapy (and Twisted), 1-3 s
# of the publication's start for one number (tests/test_publication_start.py: they agree).
MAX_BODY_BYTES = 20 * 1024 * 1024
TOO_LARGE = (
    f"ใหญ่เกิน {MAX_BODY_BYTES // 2**20} MB เมื่อคลายการบีบอัด ไม่แสดง / "
    f"larger than {MAX_BODY_BYTES // 2**20} MB once decompressed: refused by the crawler"
)
WORKERS = 2  # captures decoded at once: each may take up to MAX_BODY_BYTES of memory
_workers = threading.BoundedSemaphore(WORKERS)
SHOWN_TEXT = 200_000  # characters of a non-HTML capture (a JSON API listing) shown as text


def offline_images(root) -> None:
    """Keep where each image was, but do not fetch it."""
    for img in root.iter("img"):
        src = img.get("src") or ""
        if src.lower().startswith(REMOTE) or not src.lower().startswith("data:"):
            img.attrib.pop("src", None)
            img.set("data-original-src", src)
        img.attrib.pop("srcset", None)


def clean_html(html: str) -> str:
    """Scripts, handlers, remote resources removed; a complete UTF-8 document."""
    if not html.strip():
        return NOT_HTML.format("empty", "")
    root = lxml.html.document_fromstring(html)
    root = CLEANER.clean_html(root)
    offline_images(root)
    text = lxml.html.tostring(root, encoding="unicode", method="html")
    return "<!doctype html>\n" + text


def capture_html(warc_dir: str | Path, capture: dict) -> str:
    """The cleaned page of a `captures` row (a response record).

    Blocking and CPU-bound (decoding, cleaning): the publication calls it in a worker thread,
    at most ``WORKERS`` at a time. A body larger than the crawler's own response cap once
    decoded is the crawler's refusal, and is not shown."""
    with _workers:
        stored = warc.read_record(Path(warc_dir) / capture["warc_file"], capture["warc_offset"])
        try:
            body = warc.decode_content(
                stored.payload, stored.header("Content-Encoding"), MAX_BODY_BYTES
            )
        except warc.TooLarge:
            return NOT_HTML.format("too large", TOO_LARGE)
        return shown_html(stored, body)


def shown_html(stored, body: bytes) -> str:
    content_type = stored.header("Content-Type") or ""
    if "html" not in content_type and not body.lstrip()[:1] == b"<":
        text = body.decode("utf-8", "replace")[:SHOWN_TEXT]
        return NOT_HTML.format(escape(content_type or "unknown type"), escape(text))
    return clean_html(decode_html(body, content_type))
