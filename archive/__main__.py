"""`edunews` / `python -m archive`: catch stop signals before the heavy imports, then run."""

from __future__ import annotations

import atexit
import os
import sys
import threading

from archive import shutdown


def main(argv: list[str] | None = None) -> int:
    shutdown.catch()
    from archive import cli  # Scrapy, Datasette, PyThaiNLP: seconds of imports

    return cli.main(argv)


def leave(code: int) -> None:
    """Exit with ``code`` once the command has returned: the exit handlers run (logging's
    flush among them) and the streams are flushed, but the interpreter's teardown, which
    frees every object of Scrapy, Twisted and lxml one by one (about a second after a
    crawl, all of it after the archive was closed), is skipped. Only when no other thread
    runs: one still working gets the ordinary exit, which waits for it."""
    if threading.active_count() > 1 or not isinstance(code, int):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or its reader gone
            pass
    os._exit(code)


if __name__ == "__main__":
    leave(main())
