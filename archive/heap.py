"""Give the heap memory a long run has freed back to the system.

Why by hand: glibc's malloc returns the free memory of a thread's arena to the system only
from the arena's top, so a thread that builds and frees many mid-sized blocks (the archive
writer: the rows, texts and search documents of each batch) leaves the process holding
pages it no longer uses. ``malloc_trim`` releases them; nothing in Python calls it. In the
100 x 100 backfill bench the crawl process peaked at 177 MB without it, 148 MB when it was
called every half second. Elsewhere than glibc (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import time


def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # ctypes releases the GIL during the call
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def trim() -> bool:
    """Release free heap pages now; True if the C library has ``malloc_trim``."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


class Trimmer:
    """``trim`` at most once every ``every`` seconds: call it as often as convenient.
    A trim walks the heap (a few ms to ~100 ms when much is free)."""

    def __init__(self, every: float = 1.0):
        self.every = every
        self.last = time.monotonic()

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.every:
            return False
        self.last = now
        return trim()
