"""A readable word-level diff of Thai text between two versions of an article.

Thai has no spaces between words, so a character diff is noise and a line diff hides the
change: the text is cut into PyThaiNLP ``newmm`` words (paragraph breaks kept as tokens) and
``difflib`` aligns the words. Pure apart from the tokenizer import.
"""

from __future__ import annotations

import difflib
import os
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


# Bounds: hostile or simply huge bodies (a 224 kB pair took 69 s word by word). Paragraphs
# are aligned first (few, and cheap to compare); only the paragraphs that changed are diffed
# word by word, up to WORD_BUDGET characters per diff. Past the budget, or with more than
# MAX_PARAGRAPHS paragraphs, a change is shown as whole paragraphs removed and added.
WORD_BUDGET = 20_000
MAX_PARAGRAPHS = 1_000


def paragraph_tokens(text: str | None) -> list[str]:
    """Paragraphs, each with its closing break (joining gives the text back)."""
    return (text or "").splitlines(keepends=True) if text else []


def words_of(a: list[str], b: list[str], autojunk: bool = False) -> list[tuple[str, str]]:
    segments = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=autojunk)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(a[i1:i2])))
            continue
        segments.append(("removed", "".join(a[i1:i2])))
        segments.append(("added", "".join(b[j1:j2])))
    return segments


def word_diff(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """[(kind, text)] with kind "same", "removed" or "added", in reading order; bounded work."""
    a, b = paragraph_tokens(old), paragraph_tokens(new)
    if max(len(a), len(b)) > 2 * MAX_PARAGRAPHS:
        return merged(words_of([old or ""], [new or ""]))
    budget, segments = WORD_BUDGET, []
    # autojunk: a paragraph repeated hundreds of times ("." lines) would make it quadratic
    matcher = difflib.SequenceMatcher(None, a, b)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            segments.append(("same", removed))
        elif len(removed) + len(added) <= budget:
            budget -= len(removed) + len(added)
            segments += words_of(tokens(removed), tokens(added), autojunk=True)
        else:
            segments += trimmed(removed, added, budget)
            budget -= min(budget, len(removed) + len(added))
    return merged(segments)


def trimmed(old: str, new: str, budget: int) -> list[tuple[str, str]]:
    """A change too long to diff word by word (one huge paragraph): the text both share at
    its start and end is cut off first (linear), and the rest is diffed by words if it fits
    the budget, else shown removed and added whole."""
    start = len(os.path.commonprefix([old, new]))
    end = len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))
    middle_old, middle_new = old[start : len(old) - end], new[start : len(new) - end]
    if len(middle_old) + len(middle_new) <= budget:
        middle = words_of(tokens(middle_old), tokens(middle_new), autojunk=True)
    else:
        middle = [("removed", middle_old), ("added", middle_new)]
    return [("same", old[:start]), *middle, ("same", old[len(old) - end :])]


def changed(segments: list[tuple[str, str]]) -> bool:
    return any(kind != "same" for kind, _ in segments)
