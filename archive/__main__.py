"""`edunews` / `python -m archive`: catch stop signals before the heavy imports, then run."""

from __future__ import annotations

import atexit
import sys
import threading

from archive import shutdown


def main(argv: list[str] | None = None) -> int:
    shutdown.catch()
    from archive import cli  # Scrapy, Datasette, PyThaiNLP: seconds of imports

    return cli.main(argv)


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
