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

# The text encoding of a new archive (``prepare_new_archive``); an archive keeps the one it
# was made with, so an older one stays UTF-8. UTF-16 stores Thai in 2 bytes instead of
# UTF-8's 3 (ASCII in 2 instead of 1). Big-endian, not little: SQLite compares text with
# memcmp on the stored bytes, so in UTF-16LE "ก" (01 0E) sorts before "0" (30 00); UTF-16BE
# keeps UTF-8's order (code points) but for characters beyond U+FFFF (emoji), which sort
# before U+E000-U+FFFF there. The page size stays SQLite's 4,096: 2,048 gave a crawled
# archive back as much in ``articles`` as it cost in signatures and the other tables.
NEW_ARCHIVE_ENCODING = "UTF-16be"


def prepare_new_archive(conn) -> None:
    """Give an empty database a new archive's text encoding (``archive.migrations.migrate``
    does, before its first table; a no-op on a database that holds one)."""
    conn.execute(f"PRAGMA encoding = '{NEW_ARCHIVE_ENCODING}'")


__all__ = [
    "CONTENTLESS_DELETE",
    "NEW_ARCHIVE_ENCODING",
    "prepare_new_archive",
    "sqlite3",
]
