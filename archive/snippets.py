"""Search-result snippets: a window of the body around the first match, matches marked.

Pure. Matching mirrors the search index (``archive.search``): Thai digits equal Arabic ones
and Latin is case-insensitive, so ``๒๕๖๗`` highlights ``2567``. Everything is escaped; only
the ``<mark>`` tags this module writes are markup.

A snippet starts and ends on a word boundary: Thai has no spaces between words, so a cut by
character count lands inside a word, often between a consonant and its vowel or tone mark
("… ักเรียน"). The cut points move to the nearest boundary of PyThaiNLP's ``newmm`` words
(the segmenter the search index uses) or, cheaper and as good, to a space near the cut;
only a few characters around each cut are segmented, never the whole body.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from crawler.thai.text import DIGIT_TABLE, THAI_DIGITS

WINDOW = 90  # characters of context on each side of the first match
SCANNED = 20_000  # a snippet comes from the start of a long body: never scan megabytes
THAI_DIGIT = re.compile(f"[{THAI_DIGITS}]")
REACH = 20  # characters segmented on each side of a cut point
# Thai characters that belong to the character before them (vowels above, below and after,
# tone marks) and leading vowels that belong to the one after: never next to a cut.
FOLLOWING = re.compile("[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")
LEADING = re.compile("[\u0e40-\u0e44]")
SPACE = re.compile(" ")


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


@lru_cache(maxsize=1)
def _words():
    from pythainlp.tokenize import word_tokenize  # slow first use: see warm()

    return word_tokenize


def warm() -> None:
    """Build newmm's dictionary trie now: its first use costs ~1 s of Python (62,000 words
    added one by one), which the search page's start-up pays instead of its first reader."""
    _words()("ครู", engine="newmm")


def word_boundaries(text: str, at: int) -> list[int]:
    """Offsets in ``text`` near ``at`` where a word starts, by newmm on a small window (its
    edges left out: a word cut by the window is no evidence)."""
    low = max(0, at - REACH)
    piece = text[low : at + REACH]
    found, offset = [], low
    for word in _words()(piece, engine="newmm"):
        offset += len(word)
        found.append(offset)
    edges = {low, low + len(piece)} - {0, len(text)}
    return [b for b in found[:-1] if b not in edges and whole_cluster(text, b)]


def spaces(text: str, at: int) -> list[int]:
    """Word starts after a space near ``at``: most Thai releases space their phrases, and a
    space costs no segmentation."""
    low = max(0, at - REACH)
    return [low + m.end() for m in SPACE.finditer(text[low : at + REACH])]


def whole_cluster(text: str, at: int) -> bool:
    """Whether a cut at ``at`` keeps every Thai character with its vowels and marks."""
    if at <= 0 or at >= len(text):
        return True
    return not FOLLOWING.match(text[at]) and not LEADING.match(text[at - 1])


def cut_point(text: str, at: int, limit: int, forward: bool) -> int:
    """The word boundary nearest ``at`` that does not cross ``limit`` (the match): moving
    back or forward from ``at``; a cluster boundary when no word boundary is near."""
    if at <= 0 or at >= len(text):
        return max(0, min(at, len(text)))
    ok = [b for b in spaces(text, at) if (b >= limit if forward else b <= limit)]
    ok = ok or [b for b in word_boundaries(text, at) if (b >= limit if forward else b <= limit)]
    if ok:
        return min(ok, key=lambda b: (abs(b - at), b))
    step = 1 if forward else -1
    while 0 < at < len(text) and not whole_cluster(text, at):
        at += step
    return at


def snippet(text: str | None, query: str | None, width: int = WINDOW) -> Markup:
    """About ``2 * width`` characters of ``text`` around the first match, matches in <mark>,
    cut on word boundaries."""
    text = " ".join((text or "")[:SCANNED].split())
    found = spans(text, terms(query))
    start, end = window(text, found, width)
    first = found[0] if found else (start, start)
    start = cut_point(text, start, first[0], forward=False)
    end = cut_point(text, end, first[1], forward=True)
    piece = text[start:end]
    body = marked(piece, spans(piece, terms(query)))
    return Markup("{}{}{}").format("… " if start else "", body, " …" if end < len(text) else "")


def highlight(text: str | None, query: str | None) -> Markup:
    """The whole of ``text`` with every match in <mark> (for titles)."""
    text = text or ""
    return marked(text, spans(text, terms(query)))
