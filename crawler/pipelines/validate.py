"""What makes an article unfit for the archive (``archive.process.prepare`` checks it)."""

from __future__ import annotations

import re

from crawler.items import Article

ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2})?$")


def problems(article: Article) -> list[str]:
    found = []
    if not article.url.startswith(("http://", "https://")):
        found.append("url is not http(s)")
    if not article.title:
        found.append("no title")
    if not article.body_text:
        found.append("no body")
    for name in ("published_at", "modified_at"):
        value = getattr(article, name)
        if value and not ISO_RE.match(value):
            found.append(f"{name} is not ISO 8601: {value!r}")
    return found
