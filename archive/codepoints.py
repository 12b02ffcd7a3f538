"""Character classes over a whole text at once: a text's code points as a numpy array and,
for a regex character class, a table of which Basic Multilingual Plane code points it
matches. A look-up over the array replaces a regex pass over long Thai text (the search
runs, the story shingles), where the pass was a large part of the cost."""

from __future__ import annotations

import re
from functools import cache

import numpy as np

BMP = 0x10000


@cache
def table(pattern: str) -> np.ndarray:
    """For each BMP code point, whether the one-character class ``pattern`` matches it,
    found by one pass of the regex over all of them."""
    matched = np.zeros(BMP, dtype=bool)
    for m in re.finditer(f"(?:{pattern})+", "".join(map(chr, range(BMP)))):
        matched[m.start() : m.end()] = True
    return matched


def code_points(text: str) -> np.ndarray | None:
    """The text's code points (uint32), or None when a table cannot classify them (a lone
    surrogate, or a character beyond the BMP): the caller then uses the regex itself."""
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None
    return None if len(codes) and codes.max() >= BMP else codes
