"""The one SQLite module of the project: the one sqlite-utils (and so Datasette) uses.

sqlite-utils imports ``pysqlite3`` when it is installed (a current SQLite, bundled; a
dependency on Linux x86-64, see pyproject.toml), else the standard library's ``sqlite3``;
Datasette picks the same way. Every module imports SQLite from here (``from archive.sqlite
import sqlite3``), never ``sqlite3`` itself: two copies of SQLite in one process on one
file break its POSIX locks (closing a descriptor in one copy drops the locks the other
holds), so the project must use exactly one (tests/test_one_sqlite.py).
"""

from __future__ import annotations

from sqlite_utils.utils import sqlite3

# Delete from a contentless FTS5 table by rowid alone (``contentless_delete=1``): 3.43+.
CONTENTLESS_DELETE = sqlite3.sqlite_version_info >= (3, 43, 0)

__all__ = ["CONTENTLESS_DELETE", "sqlite3"]
