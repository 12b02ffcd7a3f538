"""The archive's writer thread: every write of a crawl, off Scrapy's reactor thread.

Jobs (a function of the database) queue up, bounded: a full queue makes the caller wait,
so a crawl fetching faster than it can store slows down instead of filling memory. The
thread runs what is queued in batches of one transaction (``store.batch``) and reports each
job's result only once its batch is committed: an article counted as stored is stored, and
a killed crawl loses at most the batch in flight. Jobs run in the order they came.

With a ``linger``, a batch is not cut short by a moment without jobs: when the queue runs
empty it stays open for up to ``linger`` seconds more (never past its ``batch_seconds``).
Ending a batch (the search index flush, the commit and its fsync) costs about the same for
3 articles as for 50:
a crawl of 1,220 articles ended 365 batches, 242 of them with fewer than five jobs, because
the writer kept up and found the queue empty between two pages; replayed on the writer
alone, batches of 5 cost ~3.3 ms of its CPU an article against ~2.6 for batches of 50. A
``quick`` job's result is given as soon as it ran, lingering or not; an article's only once
its batch is committed, at most ``linger`` later.

Off by default (``LINGER = 0``): on an idle machine the crawl's pages/s fell with it. In
seven alternated triplets of `bench_throughput.py` (each a median of 3 runs) the pipeline
ran at 40, 39, 46, 39, 38, 38, 37 % of the bare spider with a 20 ms linger and 40, 49, 43,
41, 43, 44, 47 % without: a stored article's commit waiting for the next one holds up what
waits on that commit (a REST API page's items), which costs more wall time than the
saved batch ends save CPU. A crawl can still set it (``EDUNEWS_WRITE_LINGER``).

A job that rewrites much of the archive (regrouping stories at a run's end) runs ``alone``:
in a transaction of its own, after the batch before it is committed, not in a savepoint.
A savepoint keeps the original of every page written under it in a sub-journal, and
pysqlite3's SQLite keeps such temporary files in memory (SQLITE_TEMP_STORE=3): regrouping
10,000 articles in one held 125 MB. Its own transaction writes through the WAL on disk.

Why a thread of our own: the heavy part of storing (word segmentation, search indexing,
MinHash, inserts) must not stall the downloads, and a SQLite connection belongs to the
thread that uses it. Twisted's thread pool would spread jobs over several threads and
connections, which SQLite would serialise on its lock anyway.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import NamedTuple

from archive import compaction, heap, store

logger = logging.getLogger(__name__)

STOP = object()
PR_SET_NAME = 15  # linux/prctl.h
LINGER = 0.0  # seconds a batch waits for the next job once the queue is empty (off: above)


def name_os_thread(name: str) -> None:
    """Give the calling thread ``name`` in the OS too (``top -H``, ``/proc/<pid>/task/*/comm``,
    at most 15 bytes), where Python 3.11 leaves every thread named after the process."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the name is only a label
        pass


class Job(NamedTuple):
    future: Future
    fn: Callable
    args: tuple
    quick: bool
    alone: bool


class Writer:
    def __init__(
        self,
        path,
        *,
        batch_size: int = 50,
        batch_seconds: float = 1.0,
        bound=200,
        linger: float = LINGER,
    ):
        self.path = path
        self.batch_size, self.batch_seconds, self.linger = batch_size, batch_seconds, linger
        # (priority, order, job): quick jobs first, each kind in the order it came.
        self.jobs: queue.PriorityQueue = queue.PriorityQueue(maxsize=bound)
        self.order = itertools.count()
        self.ready = Future()
        self.held = None  # an ``alone`` job taken from the queue while a batch was filling
        self.thread = threading.Thread(target=self._run, name="edunews-writer", daemon=True)
        self.thread.start()
        self.ready.result()  # the database opened (or its error raised here, at once)

    def submit(self, job: Callable, *args, quick: bool = False, alone: bool = False) -> Future:
        """Queue ``job(db, *args)``; the future holds its result once committed.

        ``quick``: a small write or read others wait on (a capture's row, an HTTP
        validator) runs before the queued articles, and its result is given as soon as it
        ran: what it wrote is committed with its batch, before or with any article that
        refers to it, so a killed run cannot keep the article without it.

        ``alone``: a large rewrite, run in a transaction of its own (see the module's
        docstring), after what was queued before it."""
        if not self.thread.is_alive():
            raise RuntimeError("the archive writer has stopped")
        future: Future = Future()
        queued = Job(future, job, args, quick, alone)
        self.jobs.put((0 if quick else 1, next(self.order), queued))
        return future

    def call(self, job: Callable, *args, alone: bool = False):
        """Run ``job(db, *args)`` on the writer and wait for its committed result."""
        return self.submit(job, *args, alone=alone).result()

    def close(self) -> None:
        """Write what is queued, commit, close the database."""
        if self.thread.is_alive():
            self.jobs.put((2, next(self.order), STOP))  # after everything queued
            self.thread.join()

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        name_os_thread(self.thread.name)
        try:
            db = store.open_db(self.path)
        except BaseException as exc:
            self.ready.set_exception(exc)
            return
        self.ready.set_result(None)
        trim = heap.Trimmer()  # what each batch built and freed goes back to the system
        try:
            held = compaction.articles_held(db)
            while self._batch(db):
                trim()
            try:  # all committed: give back the pages the index merges freed
                compaction.after_growth(db, held)
                store.release_free_pages(db)
            except Exception as exc:  # the file stays larger; nothing is lost
                logger.warning("archive writer: free pages kept: %s", exc)
        finally:
            db.close()

    def _batch(self, db) -> bool:
        """Run one batch of jobs in one transaction; False once told to stop."""
        first = self.held or self.jobs.get()[2]
        self.held = None
        if first is STOP:
            return False
        if first.alone:  # ``with db.conn`` is then a transaction, not a savepoint
            future, ok, value = self._one(db, first)
            future.set_result(value) if ok else future.set_exception(value)
            return True
        done: list = []
        try:
            with store.batch(db):
                going = self._fill(db, first, done)
        except Exception as exc:  # the commit failed (a full disk): none of them is stored
            logger.error("archive writer: a batch of %d failed: %s", len(done), exc)
            for future, *_ in done:
                if not future.done():
                    future.set_exception(exc)
            return True
        for future, ok, value in done:  # committed: now they may be counted
            if not future.done():
                future.set_result(value) if ok else future.set_exception(value)
        return going

    def _fill(self, db, job, done: list) -> bool:
        """Run jobs into ``done`` until the batch is full, old, or no job came for
        ``linger`` seconds; False when the stop came with them."""
        deadline = time.monotonic() + self.batch_seconds
        while True:
            done.append(self._one(db, job))
            if len(done) >= self.batch_size or time.monotonic() > deadline:
                return True
            try:
                job = self._next(deadline)
            except queue.Empty:
                return True
            if job is STOP:
                return False
            if job.alone:  # runs after this batch is committed
                self.held = job
                return True

    def _next(self, deadline: float) -> Job:
        """The next job: one queued now, else one that comes within ``linger`` seconds (and
        before the batch's ``deadline``); ``queue.Empty`` when none does."""
        wait = min(self.linger, deadline - time.monotonic())
        if wait <= 0:
            return self.jobs.get_nowait()[2]
        return self.jobs.get(timeout=wait)[2]

    def _one(self, db, job: Job):
        future = job.future
        try:
            with db.conn:  # a savepoint: a failing job leaves nothing half-written
                outcome = future, True, job.fn(db, *job.args)
        except Exception as exc:  # the caller decides: count, log, go on
            outcome = future, False, exc
        if job.quick:
            future.set_result(outcome[2]) if outcome[1] else future.set_exception(outcome[2])
        return outcome
