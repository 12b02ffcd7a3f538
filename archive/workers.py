"""A pool of worker processes for the per-article CPU work: the machine's other cores.

Extraction, ``archive.process.prepare`` and ``derive`` are pure and take tens of
milliseconds an article; run in the crawl's own process they share one core (the GIL) with
Scrapy and the writer. Here they run in worker processes (``concurrent.futures``, started
with ``spawn``: the caller has threads, and a forked copy of a threaded process can
deadlock). Scrapy-free: the crawl awaits these futures through ``crawler/workers.py``,
``edunews reprocess`` and ``edunews extract`` wait on them directly.

Strict about failure, as the crawl is:

- a job's own exception comes back as that exception (the caller counts and goes on);
- a worker that dies (OOM killer, a segfault in a C extension) breaks the executor: the jobs
  in flight fail with ``WorkerDied`` and the next ``submit`` starts a fresh pool. Results
  and errors travel through a file (``_spill``), the pipe carries only its name: a worker
  killed while writing a large result into the pipe would leave half a message there, and
  the executor's thread would wait for the rest forever (the crawl hung so in a test);
- a job past ``timeout`` seconds is ended by the kernel (SIGALRM, default action, in the
  worker: it fires even inside C code that never returns to Python), which is the case
  above, named as a timeout;
- workers ignore SIGINT and SIGTERM (a terminal's Ctrl-C reaches the whole process group;
  the caller stops gracefully and closes the pool) and die with their parent
  (PR_SET_PDEATHSIG): a SIGKILLed crawl leaves no worker behind, even one in a hung job.

``workers=0`` runs every job inline, in the caller's thread, as before the pool.
"""

from __future__ import annotations

import atexit
import ctypes
import itertools
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from archive import heap, shutdown
from crawler.items import Article

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class WorkerDied(Exception):
    """The worker process running this job died (killed, crashed, or past its timeout):
    the job is lost, the pool is replaced."""


class NotStarted(WorkerDied):
    """The pool's worker died before this job began (another job hung or crashed it):
    nothing of this job ran, so it can be submitted again."""


def default_workers() -> int:
    """One process per core but one: the calling process (Scrapy, the writer) keeps a core."""
    return max(1, (os.cpu_count() or 1) - 1)


class Pool:
    def __init__(self, workers: int | None = None, timeout: float = 60.0):
        self.workers = default_workers() if workers is None else max(0, workers)
        self.timeout = timeout
        self.replaced = 0  # pools started after a worker died
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._spill: str | None = None  # a folder for results (in memory: /dev/shm)
        self._jobs = itertools.count()

    @property
    def inline(self) -> bool:
        return self.workers == 0

    def start(self) -> Pool:
        """Start the workers now (they import and warm up while the caller does other
        things: a crawl's discovery) instead of at the first job."""
        if not self.inline:
            self._current()
        return self

    def submit(self, fn, *args) -> Future:
        """``fn(*args)`` in a worker; the future holds its result or its exception
        (``WorkerDied`` if the worker died). ``fn`` and its arguments must pickle.

        Workers are started from the thread that submits: they die with it
        (PR_SET_PDEATHSIG follows the creating thread), so submit from the one that
        lives as long as the pool (a crawl's reactor thread, a command's main thread)."""
        if self.inline:
            return _inline(fn, args)
        started = time.monotonic()
        executor = self._current()  # makes the spill folder too
        # A file the worker makes when it begins the job: after a death, a job without one
        # never ran (NotStarted) and may go to the new pool.
        mark = os.path.join(self._spill, f"begun-{next(self._jobs)}")
        job = (_timed, self.timeout, self._spill, fn, args, mark)
        try:
            inner = executor.submit(*job)
        except BrokenProcessPool:  # died between jobs: a fresh pool, the job goes there
            inner = self._replace().submit(*job)
        outer: Future = Future()
        inner.add_done_callback(lambda f: self._settle(f, outer, started, mark))
        return outer

    def wait_ready(self, seconds: float = 120.0) -> list[int]:
        """Wait until every worker has warmed up and taken a job; their process ids."""
        deadline, seen = time.monotonic() + seconds, set()
        while len(seen) < self.workers and time.monotonic() < deadline:
            jobs = [self.submit(_pid_after, 0.05) for _ in range(2 * self.workers)]
            seen |= {job.result() for job in jobs}
        return sorted(seen)

    def close(self) -> None:
        """Stop the workers: what is queued is cancelled, what runs finishes (bounded by
        the timeout); no worker outlives this call."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    # -- internals -------------------------------------------------------------------------
    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._spill is None:
                self._spill = _spill_folder()
            if self._executor is None:
                self._executor = self._new_executor()
            return self._executor

    def _replace(self) -> ProcessPoolExecutor:
        with self._lock:
            old, self._executor = self._executor, self._new_executor()
            self.replaced += 1
        logger.warning("a worker process died: a new pool of %d started", self.workers)
        if old is not None:
            # The broken pool's other workers: ProcessPoolExecutor ends them with SIGTERM,
            # which a worker ignores (``_init_worker``), and joins them. One blocked on a
            # queue lock the dead worker held would never end, and that join would hang this
            # process's exit. Its jobs have failed with the pool already: nothing is lost.
            for process in list((old._processes or {}).values()):
                process.kill()
            old.shutdown(wait=False, cancel_futures=True)
        return self._executor

    def _new_executor(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        # The executor starts a process per job until it has them all: one job each now.
        for _ in range(self.workers):
            executor.submit(os.getpid)
        return executor

    def _settle(self, inner: Future, outer: Future, started: float, mark: str) -> None:
        begun = os.path.exists(mark)
        if begun:
            os.unlink(mark)
        if inner.cancelled():  # the pool closed first: an error, so that every waiter wakes
            outer.set_exception(WorkerDied("the pool closed before this job ran"))
            return
        error = inner.exception()
        if isinstance(error, BrokenProcessPool):
            elapsed = time.monotonic() - started
            if not begun:
                error = NotStarted("worker process died before this job began")
            elif elapsed >= self.timeout:
                error = WorkerDied(f"worker timed out (job still running after {elapsed:.0f} s)")
            else:
                error = WorkerDied("worker process died")
        if error is not None:
            outer.set_exception(error)
            return
        try:
            ok, value = _unspill(inner.result())
        except Exception as exc:  # the worker died before its file was whole
            ok, value = False, WorkerDied(f"worker process died ({exc})")
        outer.set_result(value) if ok else outer.set_exception(value)


def _spill_folder() -> str:
    """A new folder for results, in memory where there is /dev/shm. Those of pools whose
    process died without closing them (SIGKILL) are removed first: nothing else would."""
    memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
    for old in Path(memory).glob("edunews-pool-*-*"):
        owner = old.name.split("-")[2]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"edunews-pool-{os.getpid()}-", dir=memory)


def _inline(fn, args) -> Future:
    future: Future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as exc:  # the caller decides: count, log, go on
        future.set_exception(exc)
    return future


# -- in the worker process ---------------------------------------------------------------------
def _init_worker(parent: int) -> None:
    """Ignore stop signals, die with the parent, exit quickly, warm up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the job timeout ends the process
    _die_with_parent(parent)
    atexit.register(_leave)
    warm_up()


def _leave() -> None:
    """A worker's last exit handler: the pool is done with it (multiprocessing's own exit
    work ran when its loop ended), so it skips the teardown the closing pool would wait
    for (~0.4 s)."""
    shutdown.exit_now(0)


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's EOF ends an idle worker
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def warm_up() -> None:
    """Load what the first article would (dictionaries of PyThaiNLP and nlpo3, dateparser's
    Thai data), so that it costs at start, in parallel with discovery. Never fails: a
    failure here would break every pool started."""
    from archive.process import derive, prepare
    from crawler.items import Article

    text = "วันที่ 5 ธันวาคม 2567 นายสมชาย ใจดี รัฐมนตรีว่าการกระทรวงศึกษาธิการ จังหวัดเชียงใหม่"
    html = f"<html><body><article><h1>ทดสอบ</h1><p>{text}</p></article></body></html>"
    try:
        article = extract_page("https://warm.up/1", html.encode(), "text/html", "warm", None)[0]
        article = prepare(Article(url=article.url, source="warm", title="ทดสอบ", body_text=text))
        derive(article.article.title, article.article.body_text)
    except Exception:  # the first real job will say what is wrong
        pass


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)  # long enough for another idle worker to take the next job
    return os.getpid()


def _timed(timeout: float, spill: str, fn, args: tuple, mark: str) -> str:
    """``fn(*args)``, the process killed by SIGALRM past ``timeout`` seconds; the name of
    the file holding its outcome. ``mark`` is made first: the job has begun."""
    os.close(os.open(mark, os.O_CREAT | os.O_WRONLY, 0o600))
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        outcome = (True, fn(*args))
    except Exception as exc:
        outcome = (False, exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        return _spill(spill, outcome)
    finally:
        _TRIM()


# What a job built and freed (a page's tree, its texts, the result's pickle) goes back to
# the system, at most once a second (archive/heap.py): a worker otherwise keeps the heap
# its largest pages needed, for the whole crawl.
_TRIM = heap.Trimmer()


def _spill(folder: str, outcome: tuple) -> str:
    try:
        data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an exception that does not pickle: its words still travel
        data = pickle.dumps((False, RuntimeError(f"{type(outcome[1]).__name__}: {exc}")))
    fd, path = tempfile.mkstemp(dir=folder)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def _unspill(path: str) -> tuple:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    finally:
        os.unlink(path)


# -- jobs: pure, picklable ---------------------------------------------------------------------
def extract_page(
    url: str, body: bytes, content_type: str | None, source: str, fetched_at: str | None
):
    """An article page's bytes to an Article, with the date statistics of its extraction
    (the caller adds them up: a worker's own Counter would stay in the worker). Decoded
    here too: charset detection is part of the work."""
    from crawler.extract.html import decode_html
    from crawler.extract.page import extract_article

    stats: Counter = Counter()
    html = decode_html(body, content_type)
    article = extract_article(url, html, source=source, fetched_at=fetched_at, stats=stats)
    return article, stats


@dataclass
class Page:
    """What a worker made of an article page: the extracted article's own URL and title
    (before ``prepare`` canonicalised and normalised them: the spider judges redirects and
    soft 404s by them), whether it looks like an article and why not, the date statistics,
    and the article, processed (``archive.process.process``) when it looks like one."""

    url: str
    title: str | None
    ok: bool
    why: str
    article: Article
    stats: Counter


def article_page(
    url: str,
    body: bytes,
    content_type: str | None,
    source: str,
    fetched_at: str | None,
    feed_date: str | None = None,
    derived: bool = True,
) -> Page:
    """An article page in one trip: decoded, extracted, judged, then (if an article) given
    its feed's date where the page lacks one, prepared and derived."""
    from archive.process import process
    from crawler.extract.page import looks_like_article

    article, stats = extract_page(url, body, content_type, source, fetched_at)
    ok, why = looks_like_article(article)
    page = Page(article.url, article.title, ok, why, article, stats)
    if ok:
        use_feed_date(article, feed_date)
        page.article = process(article, derived)
    return page


def use_feed_date(article: Article, feed_date: str | None) -> None:
    """The feed's timestamp where the page gives no date, or only the same day without the
    time (a theme that prints the date alone)."""
    if not feed_date or len(feed_date) <= 10:
        return
    page = article.published_at
    if not page or (len(page) <= 10 and page == feed_date[:10]):
        article.published_at, article.date_source = feed_date, "feed"


def post_articles(
    posts: list[dict], source: str, fetched_at: str | None, derived: bool = True
) -> list:
    """A WordPress REST API page's posts in one trip: each converted
    (``crawler.extract.wordpress``), prepared and derived; in the posts' order, the
    Article, or the exception its conversion raised (one bad post is its own error)."""
    from archive.process import portable, process
    from crawler.extract.wordpress import article_from_post

    made: list = []
    for post in posts:
        try:
            article = article_from_post(post, source, fetched_at)
        except Exception as exc:
            made.append(portable(exc))
            continue
        made.append(process(article, derived))
    return made
