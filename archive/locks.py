"""One process at a time: an advisory lock (flock) on a file holding the holder's PID.

The kernel drops the lock when its holder dies, however it dies, so a lock file left by a
killed process is simply taken over; the PID inside only tells the next one who held it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class Held(Exception):
    """Another live process holds the lock."""

    def __init__(self, path: Path, pid: int | None):
        super().__init__(f"pid {pid}" if pid else "another process")
        self.path, self.pid = path, pid


def read_pid(handle) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None


def take(path: str | os.PathLike):
    """(open locked file, PID of a previous holder that left it) or raise ``Held``.

    Keep the returned file open for as long as the lock is needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = read_pid(handle)
        handle.close()
        raise Held(path, pid) from None
    previous = read_pid(handle)
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle, (previous if previous != os.getpid() else None)


def crawl_lock_path(db_path: str | os.PathLike) -> Path:
    """The lock every crawl of one archive takes (``archive.db`` -> ``archive.db.crawl-lock``)."""
    db = Path(db_path)
    return db.with_name(db.name + ".crawl-lock")
