"""Where a long crawl's memory sits, logged from inside the process (a bench's probe).

One JSON line every ``every`` seconds from a daemon thread: resident memory split into
anonymous and file-backed (``/proc/self/smaps_rollup``), glibc's heap (``mallinfo2``: what
malloc took from the system, what is in use, what is free inside it), SQLite's own
allocations (``sqlite3_status64``) and Python's allocated blocks. What a reading from
outside cannot tell apart: Python objects, freed-but-kept heap, SQLite's caches.
Started by ``crawler.run.ArchiveRun`` when ``EDUNEWS_MEMLOG`` names a file; off by default.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import sys
import threading
import time
from pathlib import Path

MB = 2**20
SQLITE_STATUS_MEMORY_USED = 0


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks")
        + ("uordblks", "fordblks", "keepcost")
    ]


def _mallinfo2():
    try:
        call = ctypes.CDLL(None).mallinfo2  # glibc 2.33+
    except (OSError, AttributeError):
        return None
    call.restype = MallInfo2
    return call


def _sqlite_status():
    """``sqlite3_status64`` of the one SQLite the project uses (``archive.sqlite``):
    pysqlite3's bundled copy, else the standard library's."""
    from archive.sqlite import sqlite3

    package = sqlite3.__name__.split(".")[0]  # pysqlite3.dbapi2 or sqlite3
    extension = "pysqlite3._sqlite3" if package == "pysqlite3" else "_sqlite3"
    try:
        return ctypes.CDLL(importlib.import_module(extension).__file__).sqlite3_status64
    except (ImportError, OSError, AttributeError, TypeError):
        return None


_MALLINFO2 = _mallinfo2()
_SQLITE_STATUS = None  # looked up on first use: archive.sqlite imports sqlite-utils


def resident() -> dict:
    """MB resident now: ``rss``, ``anon`` and ``file`` (rss - anon: libraries, mapped files)."""
    kb = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        kb[key] = int(value.split()[0])
    return {
        "rss": kb["Rss"] / 1024,
        "anon": kb["Anonymous"] / 1024,
        "file": (kb["Rss"] - kb["Anonymous"]) / 1024,
    }


def heap() -> dict:
    """MB of glibc's heap over all arenas (mmap'd blocks apart); empty elsewhere."""
    if _MALLINFO2 is None:
        return {}
    info = _MALLINFO2()
    return {
        "malloc_arena": info.arena / MB,
        "malloc_used": info.uordblks / MB,
        "malloc_free": info.fordblks / MB,
        "malloc_mmap": info.hblkhd / MB,
    }


def sqlite_used() -> dict:
    """MB SQLite has allocated now and at most (every connection of this process)."""
    global _SQLITE_STATUS
    if _SQLITE_STATUS is None:
        _SQLITE_STATUS = _sqlite_status() or False
    if not _SQLITE_STATUS:
        return {}
    now, high = ctypes.c_int64(), ctypes.c_int64()
    _SQLITE_STATUS(SQLITE_STATUS_MEMORY_USED, ctypes.byref(now), ctypes.byref(high), 0)
    return {"sqlite": now.value / MB, "sqlite_peak": high.value / MB}


def snapshot() -> dict:
    """One reading: MB figures and Python's allocated block count."""
    figures = resident() | heap() | sqlite_used()
    rounded = {key: round(value, 1) for key, value in figures.items()}
    return rounded | {"py_blocks": sys.getallocatedblocks()}


def start(path, every: float = 1.0) -> threading.Thread:
    """Append ``{"t": seconds since start, ...snapshot}`` to ``path`` every ``every`` s,
    from a daemon thread, for the life of the process or until ``thread.stop.set()``."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_log, args=(Path(path), every, stop), name="edunews-memlog", daemon=True
    )
    thread.stop = stop
    thread.start()
    return thread


def _log(path: Path, every: float, stop: threading.Event) -> None:
    began = time.monotonic()
    with path.open("a", encoding="utf-8", buffering=1) as out:
        while True:
            reading = {"t": round(time.monotonic() - began, 1)} | snapshot()
            out.write(json.dumps(reading) + "\n")
            if stop.wait(every):
                return
