"""Read-only replicas: a consistent, compact copy of the archive for `datasette --immutable`.

    python -m archive.replica data/archive.db /srv/replica/edunews.db

``VACUUM INTO`` reads one snapshot of the live database (WAL readers never block the writer)
and writes a fresh file, which is then renamed into place so a replica never sees half a file.
Serve it with ``datasette --immutable edunews.db``: no locking, hash-based caching is safe.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from archive.sqlite import sqlite3


def snapshot(source: str | os.PathLike, dest: str | os.PathLike) -> Path:
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("VACUUM INTO ?", [str(partial)])
    finally:
        conn.close()
    out = sqlite3.connect(partial)
    try:
        out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal
    finally:
        out.close()
    os.replace(partial, dest)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m archive.replica SOURCE.db DEST.db")
    print(snapshot(sys.argv[1], sys.argv[2]))
