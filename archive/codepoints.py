"""Character classes over a whole text at once: a text's code points as a numpy array and,
for a regex character class, a table of which Basic Multilingual Plane code points it
matches. A look-up over the array replaces a regex pass over long Thai text (the search
runs, the story shingles), where the pass was a large part of the cost."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

# numpy is imported where it is used (here, in archive.search and archive.stories): the
# crawl process imports these modules to write the archive, and needs numpy only for the
# story regrouping at its end; importing it costs a process ~18 MB (~9 MB of it its
# libraries' pages), in the crawl's tree for the whole run.
if TYPE_CHECKING:
    import numpy as np

BMP = 0x10000


@cache
def table(pattern: str) -> np.ndarray:
    """For each BMP code point, whether the one-character class ``pattern`` matches it,
    found by one pass of the regex over all of them."""
    import numpy as np

    matched = np.zeros(BMP, dtype=bool)
    for m in re.finditer(f"(?:{pattern})+", "".join(map(chr, range(BMP)))):
        matched[m.start() : m.end()] = True
    return matched


def code_points(text: str) -> np.ndarray | None:
    """The text's code points (uint32), or None when a table cannot classify them (a lone
    surrogate, or a character beyond the BMP): the caller then uses the regex itself."""
    import numpy as np

    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None
    return None if len(codes) and codes.max() >= BMP else codes
