#!/usr/bin/env python3
"""The cron entry: one locked, logged crawl, then a health check; non-zero when a human is needed.

    python scripts/cron.py [--db PATH] [--sources FILE] [--keep 30] [--max-minutes 240] \
        [-- EDUNEWS-CRAWL-ARGS...]

- A lock (flock on ``<db dir>/crawl.lock``, holding the PID) makes a second run exit at once;
  the kernel drops the lock when a run dies, so a stale lock file is simply taken over.
- Each run logs to ``<db dir>/logs/crawl-<UTC time>.log``; only the newest ``--keep`` stay.
- Sources that failed several runs in a row are skipped while their back-off lasts
  (``archive.status.should_skip``).
- SIGTERM/SIGINT are passed on to the crawl once: Scrapy then finishes the items in flight.

Exit status: 0 all well; 1 the crawl reported a failed source; 2 the crawl could not run;
3 the crawl ran but a crawled source is failing (archive.status); 75 another run holds the
lock; 124 the crawl ran past --max-minutes; 128+N stopped by signal N.
"""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopper:
    """Stop signals from the first line on: remembered until there is a crawl, then passed
    on to it once (a second one after GRACE_SECONDS is SIGKILL, by ``Crawl``)."""

    def __init__(self):
        self.signum: int | None = None
        self.crawl = None

    def __call__(self, signum, _frame=None) -> None:
        self.signum = self.signum or signum
        if self.crawl is not None:
            self.crawl.forward(signum)

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self)


STOPPER = Stopper()
if __name__ == "__main__":  # before the imports below, which take a second or more
    STOPPER.install()

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import locks, runlogs, status, store  # noqa: E402
from archive.cli import default_db  # noqa: E402
from crawler.sources import SourcesError, load_sources, select  # noqa: E402

LOCKED, TIMED_OUT, FLAGGED = 75, 124, 3
GRACE_SECONDS = 60  # after a forwarded signal or the time limit, before SIGKILL


def say(message: str, log=None) -> None:
    line = f"edunews-cron: {message}"
    print(line, file=sys.stderr, flush=True)
    if log is not None:
        log.write(line + "\n")
        log.flush()


# -- lock --------------------------------------------------------------------------------------
def take_lock(path: Path):
    """The open, locked file; or None with the holder's PID reported when another run holds it."""
    try:
        handle, previous = locks.take(path)
    except locks.Held as held:
        say(f"another crawl is running ({held}, lock {path}); exiting")
        return None
    if previous and not pid_alive(previous):
        say(f"recovered a stale lock left by pid {previous}")
    return handle


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


new_log, rotate = runlogs.new_log, runlogs.rotate


# -- what to crawl -----------------------------------------------------------------------------
def backed_off(db_path: str, ids: list[str]) -> dict[str, str]:
    """source id -> why it is skipped this run."""
    if not Path(db_path).exists():
        return {}
    db = store.open_db(db_path, create=False)
    try:
        return {sid: why for sid in ids for skip, why in [status.should_skip(db, sid)] if skip}
    finally:
        db.close()


def crawl_ids(sources: str | None, only: str | None) -> list[str]:
    return [s.id for s in select(load_sources(sources), only)]


def option_value(args: list[str], name: str) -> str | None:
    for n, arg in enumerate(args):
        if arg == name and n + 1 < len(args):
            return args[n + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


# -- the crawl ---------------------------------------------------------------------------------
class Crawl:
    """The `edunews crawl` child: signals passed on once, a time limit, then SIGKILL."""

    def __init__(self, argv: list[str], log, max_seconds: float):
        # The child starts with the stop signals blocked (the mask is inherited) and unblocks
        # them once its handler is in place (archive.shutdown): one forwarded during its
        # start-up waits there instead of killing it. Ours are held back meanwhile, then
        # delivered to STOPPER, which forwards them to the child.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "archive", "crawl", "--verbose", *argv],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a terminal's Ctrl-C reaches the child only through us
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        self.deadline = time.monotonic() + max_seconds
        self.signalled: int | None = None
        self.killed_at: float | None = None

    def forward(self, signum, _frame=None) -> None:
        if self.signalled is None:
            self.signalled = signum
            self.child.send_signal(signum)
            self.killed_at = time.monotonic() + GRACE_SECONDS

    def wait(self) -> int:
        while True:
            try:
                return self.child.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.enforce_limits()

    def enforce_limits(self) -> None:
        now = time.monotonic()
        if self.signalled is None and now > self.deadline:
            self.forward(signal.SIGTERM)
            self.signalled = -TIMED_OUT
        if self.killed_at is not None and now > self.killed_at:
            self.child.kill()


def exit_code(crawl_rc: int, health: list[dict], crawled: set[str]) -> int:
    if crawl_rc:
        return crawl_rc
    failing = [h for h in health if h["source"] in crawled and h["verdict"] == "failing"]
    return FLAGGED if failing else 0


def report_health(db_path: str, log) -> list[dict]:
    if not Path(db_path).exists():
        return []
    db = store.open_db(db_path, create=False)
    try:
        health = status.source_health(db)
    finally:
        db.close()
    log.write("\n" + status.render_text(health))
    return health


# -- main --------------------------------------------------------------------------------------
def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ours, sep, crawl_args = (argv, [], []) if "--" not in argv else _split(argv)
    p = argparse.ArgumentParser(prog="scripts/cron.py", description=__doc__.split("\n")[0])
    p.add_argument("--db", help="archive database (default: $EDUNEWS_DB or data/archive.db)")
    p.add_argument("--sources", help="registry file (default: the bundled sources.yaml)")
    p.add_argument("--only", help="comma-separated source ids")
    p.add_argument("--lock", type=Path, help="lock file (default: <db dir>/crawl.lock)")
    p.add_argument("--logs", type=Path, help="log directory (default: <db dir>/logs)")
    p.add_argument("--keep", type=int, default=30, help="run logs to keep (default 30)")
    p.add_argument("--max-minutes", type=float, default=240.0, help="stop the crawl after this")
    p.add_argument("--no-backoff", action="store_true", help="crawl failing sources too")
    return p.parse_args(ours), crawl_args


def _split(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    at = argv.index("--")
    return argv[:at], ["--"], argv[at + 1 :]


def plan(args, log) -> tuple[list[str] | None, set[str]]:
    """The crawl's arguments and source ids; (None, empty) when every source is backed off."""
    ids = crawl_ids(args.sources, args.only)
    skipped = {} if args.no_backoff else backed_off(args.db, ids)
    for sid, why in skipped.items():
        say(f"skipping {sid}: {why}", log)
    chosen = [sid for sid in ids if sid not in skipped]
    if not chosen:
        return None, set()
    argv = ["--db", args.db]
    argv += ["--sources", args.sources] if args.sources else []
    argv += ["--only", ",".join(chosen)] if skipped or args.only else []
    return argv, set(chosen)


def run(args, crawl_args: list[str]) -> int:
    lock = take_lock(args.lock)
    if lock is None:
        return LOCKED
    with lock, open(new_log(args.logs, args.keep), "a", encoding="utf-8") as log:
        say(f"log {log.name}", log)
        argv, crawled = plan(args, log)
        if argv is None:
            say("every source is backed off; nothing to crawl", log)
            return 0
        if STOPPER.signum:
            say(f"stopped by {signal.Signals(STOPPER.signum).name} before the crawl started", log)
            return 128 + STOPPER.signum
        crawl = Crawl(argv + crawl_args, log, args.max_minutes * 60)
        STOPPER.crawl = crawl
        if STOPPER.signum:  # arrived while the child was being started
            crawl.forward(STOPPER.signum)
        say(f"crawl started (pid {crawl.child.pid})", log)
        rc = crawl.wait()
        health = report_health(args.db, log)
        code = outcome(crawl, rc, health, crawled)
        say(f"crawl exited {rc}; cron exits {code}", log)
        return code


def outcome(crawl: Crawl, rc: int, health: list[dict], crawled: set[str]) -> int:
    if crawl.signalled == -TIMED_OUT:
        return TIMED_OUT
    if crawl.signalled:
        return 128 + crawl.signalled
    return exit_code(rc if rc >= 0 else 128 - rc, health, crawled)


def main(argv: list[str] | None = None) -> int:
    args, crawl_args = parse_args(sys.argv[1:] if argv is None else argv)
    if any(option_value(crawl_args, name) for name in ("--db", "--sources", "--only")):
        say("pass --db, --sources and --only before `--`, as options of this script")
        return 2
    args.db = args.db or default_db()
    base = Path(args.db).resolve().parent
    args.lock = args.lock or base / "crawl.lock"
    args.logs = args.logs or base / "logs"
    try:
        return run(args, crawl_args)
    except (SourcesError, store.ArchiveError) as exc:
        say(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
