"""Search-result snippets: a window of the body around the first match, matches marked.

Pure. Matching mirrors the search index (``archive.search``): Thai digits equal Arabic ones
and Latin is case-insensitive, so ``๒๕๖๗`` highlights ``2567``. Everything is escaped; only
the ``<mark>`` tags this module writes are markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from crawler.thai.text import DIGIT_TABLE, THAI_DIGITS

WINDOW = 90  # characters of context on each side of the first match
SCANNED = 20_000  # a snippet comes from the start of a long body: never scan megabytes
THAI_DIGIT = re.compile(f"[{THAI_DIGITS}]")


def folded(text: str) -> str:
    """Same length as ``text`` (so offsets carry over): digits unified, lower case.

    str.translate is slow on long text, so it runs only when there is a Thai digit."""
    if THAI_DIGIT.search(text):
        text = text.translate(DIGIT_TABLE)
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


def terms(query: str | None) -> list[str]:
    return sorted({folded(t) for t in (query or "").split() if t.strip()}, key=len, reverse=True)


def spans(text: str, query_terms: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of every term occurrence, in order."""
    if not query_terms:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in query_terms))
    return [m.span() for m in pattern.finditer(folded(text))]


def marked(text: str, found: list[tuple[int, int]]) -> Markup:
    out, at = [], 0
    for start, end in found:
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end])]
        out.append(Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def window(text: str, found: list[tuple[int, int]], width: int = WINDOW) -> tuple[int, int]:
    if not found:
        return 0, min(len(text), 2 * width)
    start = max(0, found[0][0] - width)
    return start, min(len(text), found[0][1] + width)


def snippet(text: str | None, query: str | None, width: int = WINDOW) -> Markup:
    """About ``2 * width`` characters of ``text`` around the first match, matches in <mark>."""
    text = " ".join((text or "")[:SCANNED].split())
    start, end = window(text, spans(text, terms(query)), width)
    piece = text[start:end]
    body = marked(piece, spans(piece, terms(query)))
    return Markup("{}{}{}").format("… " if start else "", body, " …" if end < len(text) else "")


def highlight(text: str | None, query: str | None) -> Markup:
    """The whole of ``text`` with every match in <mark> (for titles)."""
    text = text or ""
    return marked(text, spans(text, terms(query)))
