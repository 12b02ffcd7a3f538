"""A readable word-level diff of Thai text between two versions of an article.

Thai has no spaces between words, so a character diff is noise and a line diff hides the
change: the text is cut into PyThaiNLP ``newmm`` words (paragraph breaks kept as tokens) and
``difflib`` aligns the words. Pure apart from the tokenizer import.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

PARAGRAPH = "\n"


@lru_cache(maxsize=1)
def _tokenizer():
    from pythainlp.tokenize import word_tokenize  # slow import: only when a diff is asked

    return word_tokenize


def tokens(text: str | None) -> list[str]:
    """newmm words, spaces kept (so joining the tokens gives the text back)."""
    out: list[str] = []
    for n, paragraph in enumerate((text or "").split(PARAGRAPH)):
        if n:
            out.append(PARAGRAPH)
        out += _tokenizer()(paragraph, engine="newmm", keep_whitespace=True)
    return out


def merged(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent segments of the same kind joined, so the page shows phrases, not words."""
    out: list[tuple[str, str]] = []
    for kind, text in segments:
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        elif text:
            out.append((kind, text))
    return out


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """[(kind, text)] with kind "same", "removed" or "added", in reading order."""
    a, b = tokens(old), tokens(new)
    segments = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(a[i1:i2])))
            continue
        segments.append(("removed", "".join(a[i1:i2])))
        segments.append(("added", "".join(b[j1:j2])))
    return merged(segments)


def changed(segments: list[tuple[str, str]]) -> bool:
    return any(kind != "same" for kind, _ in segments)
