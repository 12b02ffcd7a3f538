"""A query's rows in batches from a read-only connection, each batch bounded in time.

The complete CSV of a canned query used to be built in memory with a 20 s limit; this
streams it instead: the publication fetches one batch at a time in a worker thread and
writes it out, so memory stays at one batch and no statement runs longer than the limit
between two batches (an aggregate query, which computes everything before its first row,
gets the limit once, like Datasette's own pages).
"""

from __future__ import annotations

import time
from pathlib import Path

from archive.sqlite import sqlite3

BATCH = 1000
CHECK_EVERY = 10_000  # SQLite virtual machine steps between two looks at the clock


class RowStream:
    def __init__(self, path: str, sql: str, params: dict, time_limit_s: float):
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self.limit = time_limit_s
        self.deadline = 0.0
        self.conn.set_progress_handler(self.too_late, CHECK_EVERY)
        self.sql, self.params = sql, params
        self.cursor = None

    def too_late(self) -> bool:
        return time.monotonic() > self.deadline

    def start(self) -> tuple[list[str], list[tuple]]:
        """Run the statement; its column names and first batch (raises on a bad query)."""
        self.deadline = time.monotonic() + self.limit
        self.cursor = self.conn.execute(self.sql, self.params)
        columns = [d[0] for d in self.cursor.description or []]
        return columns, self.cursor.fetchmany(BATCH)

    def batch(self) -> list[tuple]:
        self.deadline = time.monotonic() + self.limit
        return self.cursor.fetchmany(BATCH)

    def close(self) -> None:
        self.conn.close()
