"""Thai text normalisation: the one function every stage uses, plus small helpers.

Text copied from social posts and word processors carries invisible characters, a
decomposed sara am, doubled leading vowels and lines holding only ``.`` as paragraph
breaks. ``normalize_text`` repairs these without dropping or gluing real content.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

# Invisible characters that only get in the way of search and comparison.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE_TABLE = str.maketrans("", "", INVISIBLE)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
DIGIT_TABLE = str.maketrans(THAI_DIGITS, "0123456789")  # Thai digits to ASCII, for translate
_DIGIT_TABLE = DIGIT_TABLE
_THAI_DIGIT = re.compile(f"[{THAI_DIGITS}]")

# Nikhahit + sara aa typed as two characters, optionally with a tone mark between them
# (the keyboard order of ำ with a tone mark is tone first, then ำ).
_DECOMPOSED_SARA_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")
_DOUBLED_SARA_E = re.compile("\u0e40\u0e40")

# Horizontal whitespace: spaces, tabs, no-break and other Unicode spaces (not newlines).
_HSPACE = re.compile(r"[^\S\n]+")

# A line holding only separator characters marks a paragraph break, not content.
SEPARATORS = ".…-*•_=~·"
_SEPARATOR_LINE = re.compile(r"[.…\-*•_=~·]+")


def repair_thai(s: str) -> str:
    """Compose sara am and fix doubled sara e (``เเ`` typed for ``แ``). Most texts need
    neither: a substring test is much cheaper than a regex pass."""
    if "\u0e4d" in s:
        s = _DECOMPOSED_SARA_AM.sub(lambda m: m.group(1) + "\u0e33", s)
    return _DOUBLED_SARA_E.sub("\u0e41", s) if "\u0e40\u0e40" in s else s


def clean_line(line: str) -> str:
    """Collapse runs of horizontal whitespace to one space and trim the line."""
    return _HSPACE.sub(" ", line).strip()


def is_separator(line: str) -> bool:
    """True for a line like ``.``, ``...``, ``***`` or ``-`` that only separates paragraphs."""
    head = line.lstrip(" ")[:1]  # most lines: one look at their first character, no copy
    if not head or head not in SEPARATORS:
        return False
    return bool(_SEPARATOR_LINE.fullmatch(line.replace(" ", "")))


def _repaired(s: str) -> str:
    """Without invisible characters, Thai repaired, then NFC (lines not yet split).

    The order makes one pass reach the fixed point. An invisible character between a letter
    and its mark (``e\u200b\u0301``, ``ก\u0e48\u200b\u0e38``) keeps NFC from composing or
    reordering them: removed after NFC, it left text a second pass changed again. Composing
    sara am or sara ae can leave a mark out of canonical order (``\u0301\u0e4d\u0e48\u0e32``
    gives ``\u0301\u0e48\u0e33``), which NFC after it puts right. NFC neither makes an invisible
    character nor the nikhahit, sara aa or sara e these repairs look for (no character
    decomposes to one), and what follows (lines split and trimmed, joined by a line feed)
    never puts a mark next to a letter it could compose with: ``tests/test_text_idempotent.py``
    checks ``f(f(x)) == f(x)``."""
    s = s or ""
    # str.translate with a table walks a Thai text character by character in Python-level
    # lookups (a millisecond per article); most texts hold no invisible character at all.
    if any(c in s for c in INVISIBLE):  # six substring searches: a third of a regex pass
        s = _INVISIBLE.sub("", s)
    s = repair_thai(s)
    if not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    return s


def paragraphs(s: str) -> list[str]:
    """Normalised, non-empty paragraphs; separator-only lines and blank lines split them.

    One article's text is split so several times over (extraction, normalisation, its credits
    and entities, its story signature): the last few results are kept."""
    if s and len(s) > CACHED_MAX:
        return _paragraphs(s)
    return list(_recent_paragraphs(s))


CACHED_MAX = 1 << 18  # characters: a longer (hostile) text is not kept


@lru_cache(maxsize=16)
def _recent_paragraphs(s: str) -> tuple[str, ...]:
    return tuple(_paragraphs(s))


def _paragraphs(s: str) -> list[str]:
    """``str.splitlines`` breaks at the line breaks a text may hold (CR, LF, CR LF, VT, FF,
    the file/group/record separators, NEL, U+2028 and U+2029), and
    ``" ".join(line.split())`` is ``clean_line``: both without a regex pass over the text.
    A text whose lines are clean already (normalised once: most texts read here) is only
    cut at its line feeds."""
    s = _repaired(s)
    if _lines_clean(s):
        lines = s.split("\n")
    else:
        lines = (" ".join(line.split()) for line in s.splitlines())
    return [line for line in lines if line and not is_separator(line)]


# Whitespace other than a space or a line feed: what str.split and str.splitlines act on
# besides them (re's \s and str.isspace name the same characters, all in the BMP). Listed,
# the class is searched in two thirds of the time of [^\S \n].
_ODD_SPACES = "".join(c for c in map(chr, range(0x10000)) if c.isspace() and c not in " \n")
_ODD_SPACE = re.compile(f"[{re.escape(_ODD_SPACES)}]")


def _lines_clean(s: str) -> bool:
    """Whether every line of ``s`` (cut at line feeds) is what ``" ".join(line.split())``
    makes of it, and no other line break is in it: a few substring searches, no copy."""
    edges = s[:1] == " " or s[-1:] == " " or " \n" in s or "\n " in s
    return not (edges or "  " in s or _ODD_SPACE.search(s))


def normalize_text(s: str) -> str:
    """The project's one text normalisation: paragraphs joined by exactly one newline."""
    if s in _MADE_TEXTS:  # normalised here already: its own normal form
        return s
    return _made(_MADE_TEXTS, "\n".join(paragraphs(s)))


def normalize_title(s: str) -> str:
    """A title on a single line: all line breaks become spaces."""
    if s in _MADE_TITLES:
        return s
    return _made(_MADE_TITLES, " ".join(paragraphs(s)))


# The last texts and titles normalised here. Normalising is idempotent
# (tests/test_text_idempotent.py), so one of them handed back (the extractor's text, which
# ``prepare`` normalises for every producer of articles) is its own result: a dict lookup,
# not a second pass (issue 13: "normalise once"). A dict, not functools.lru_cache, because it
# keeps results, not arguments; the lock because Datasette's threads normalise search terms.
_MADE_TEXTS: dict[str, None] = {}
_MADE_TITLES: dict[str, None] = {}
_MADE_LOCK = threading.Lock()
MADE_MAX = 64


def _made(made: dict[str, None], s: str) -> str:
    if len(s) <= CACHED_MAX:
        with _MADE_LOCK:
            made[s] = None
            if len(made) > MADE_MAX:
                del made[next(iter(made))]
    return s


def to_arabic_digits(s: str) -> str:
    """Thai digits ๐-๙ converted to 0-9; everything else unchanged (a text without Thai
    digits, most of them, is not walked by ``str.translate``)."""
    if not _THAI_DIGIT.search(s):
        return s
    # One str.replace a digit present: str.translate looks up every character of a Thai
    # text in Python, about ten times the cost on an article.
    for thai, arabic in zip(THAI_DIGITS, "0123456789", strict=True):
        if thai in s:
            s = s.replace(thai, arabic)
    return s


def searchable_text(s: str) -> str:
    """Normalised text with Arabic digits, for the search index (so ๒๕๖๗ finds 2567)."""
    return to_arabic_digits(normalize_text(s))
