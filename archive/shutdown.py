"""SIGTERM and SIGINT caught from the first line of `edunews` on, for a graceful stop.

Scrapy installs its own shutdown handlers only once its reactor runs, after about 3 s of
imports (more on a busy machine); a signal before then killed the crawl with no run record,
and a signal while the spider was still opening was lost. So the command installs this
handler before its heavy imports, remembers the signal, and hands it to whatever there is to
stop: nothing yet (the crawl stops as soon as its engine starts), or a running crawl.

Nothing here may log or print: a signal handler can interrupt a write to the same stream.

``exit_now`` is the other end: a process whose work is done leaves without the
interpreter's teardown.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

SIGNALS = (signal.SIGINT, signal.SIGTERM)  # SIGTERM last: tests wait for it


class _Stop:
    signum: int | None = None  # the first stop signal received
    count = 0
    target: Callable[[int, int], None] | None = None  # (signum, count) -> None


STOP = _Stop()


def _handle(signum: int, _frame) -> None:
    STOP.count += 1
    STOP.signum = STOP.signum or signum
    if STOP.target is not None:
        STOP.target(signum, STOP.count)


def catch() -> None:
    """Remember SIGTERM/SIGINT from now on instead of dying (call first thing in main)."""
    for signum in SIGNALS:
        signal.signal(signum, _handle)
    # The cron wrapper starts the crawl with both signals blocked, so that one sent during
    # interpreter start-up waits for this handler instead of killing the process.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def release() -> int | None:
    """Back to Python's default handling (a command with nothing to stop gracefully);
    returns the signal received meanwhile, if any."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return STOP.signum


def requested() -> int | None:
    return STOP.signum


def route_to(target: Callable[[int, int], None]) -> None:
    """Call ``target(signum, count)`` for every signal from now on (from the handler: it
    must only schedule work, e.g. with ``reactor.callFromThread``)."""
    STOP.target = target


def exit_now(code: int) -> None:
    """End the process with ``code`` once its exit handlers ran (the caller's part), its
    standard streams flushed, skipping the interpreter's teardown: it frees every object of
    Scrapy, Twisted, lxml and the segmentation dictionaries one by one, about a second
    after a crawl, when nothing is left to write."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or its reader gone
            pass
    os._exit(code)
