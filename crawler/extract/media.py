"""Images (with captions) and attachment links (PDF, DOC, XLS ...) of an article."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extract.urls import absolute, file_extension, is_attachment
from crawler.items import Attachment, Image

ICON_RE = re.compile(r"icon|logo|avatar|emoji|spacer|blank|pixel|loading|button|share", re.I)
IMAGE_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "src")


def image_url(img: HtmlElement, base: str) -> str | None:
    for attr in IMAGE_SRC_ATTRS:
        url = absolute(base, img.get(attr))
        if url:
            return url
    return None


def is_decoration(img: HtmlElement, url: str) -> bool:
    small = any(
        _int(img.get(dim)) is not None and _int(img.get(dim)) < 40 for dim in ("width", "height")
    )
    return small or bool(ICON_RE.search(url.rsplit("/", 1)[-1] + " " + img.get("class", "")))


def _int(value) -> int | None:
    try:
        return int(str(value).strip().rstrip("px"))
    except (TypeError, ValueError):
        return None


def caption(img: HtmlElement) -> str | None:
    for ancestor in img.iterancestors("figure"):
        # its first <figcaption> (as ".//figcaption"), without compiling an XPath per image
        first = next(ancestor.iter("figcaption"), None)
        if first is not None:
            return " ".join(first.text_content().split()) or None
    text = (img.get("alt") or img.get("title") or "").strip()
    return text or None


def images(node: HtmlElement, base: str) -> list[Image]:
    found: dict[str, Image] = {}
    for img in node.iter("img"):
        url = image_url(img, base)
        if url and url not in found and not is_decoration(img, url):
            found[url] = Image(url=url, caption=caption(img))
    return list(found.values())


def has_images(node: HtmlElement, base: str) -> bool:
    """Whether ``images`` finds any (without making them)."""
    return any(
        (url := image_url(img, base)) and not is_decoration(img, url) for img in node.iter("img")
    )


def has_attachments(node: HtmlElement, base: str) -> bool:
    """Whether ``attachments`` finds any (without making them)."""
    return any(is_attachment(url) for a in node.iter("a") if (url := absolute(base, a.get("href"))))


def attachments(node: HtmlElement, base: str) -> list[Attachment]:
    found: dict[str, Attachment] = {}
    for link in node.iter("a"):
        url = absolute(base, link.get("href"))
        if url and is_attachment(url) and url not in found:
            title = " ".join(link.text_content().split()) or None
            found[url] = Attachment(url=url, title=title, kind=file_extension(url))
    return list(found.values())
