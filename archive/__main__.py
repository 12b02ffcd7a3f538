"""`edunews` / `python -m archive`: catch stop signals before the heavy imports, then run."""

from __future__ import annotations

import atexit
import sys
import threading

from archive import shutdown


def main(argv: list[str] | None = None) -> int:
    shutdown.catch()
    import_sqlite_utils_without_numpy()
    from archive import cli  # Scrapy, Datasette, PyThaiNLP: seconds of imports

    return cli.main(argv)


def import_sqlite_utils_without_numpy() -> None:
    """sqlite-utils imports numpy when it can, only to give numpy's number types a column
    type (``sqlite_utils.db.COLUMN_TYPE_MAPPING``); the archive never hands it a numpy
    value (its numpy results become Python values, ``.tolist()``, or bytes first). In a
    crawl that was the only import of numpy before the run's end (the story regrouping):
    ~14 MB resident in the crawl process for the whole run (bench/bench_backfill.py). So
    the command imports sqlite-utils first, with ``import numpy`` made to fail meanwhile (a
    None in sys.modules); numpy imports as usual afterwards, where it is used. Here, not
    in a module of the archive: a worker process imports those, and sqlite-utils is
    nothing it needs."""
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]


def leave(code: int) -> None:
    """Exit with ``code`` once the command has returned: the exit handlers run (logging's
    flush among them), then ``shutdown.exit_now``. Only when no other thread runs: one
    still working gets the ordinary exit, which waits for it."""
    if threading.active_count() > 1 or not isinstance(code, int):
        sys.exit(code)
    atexit._run_exitfuncs()
    shutdown.exit_now(code)


if __name__ == "__main__":
    leave(main())
