"""Worker processes (archive/workers.py, crawler/workers.py): the same archive as inline, and
failures as strict as in one process: a broken page is counted, a dead or hung worker costs
only the articles in flight, and no worker outlives its crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from archive import search
from archive.sqlite import sqlite3
from archive.workers import NotStarted, Pool, WorkerDied
from crawler.discovery.wordpress import POSTS_PER_JOB
from tests.conftest import FAST, ROOT, edunews
from tests.test_layers import printed_by
from tests.test_signals import stored

# -- the pool on its own -----------------------------------------------------------------------


@pytest.fixture
def pool():
    running = Pool(1, timeout=2.0).start()
    yield running
    running.close()


def test_a_job_runs_in_another_process(pool):
    assert pool.submit(os.getpid).result(timeout=60) not in (os.getpid(), None)


def test_inline_runs_in_this_process():
    assert Pool(0).submit(os.getpid).result() == os.getpid()


def test_a_job_error_comes_back_and_the_worker_stays(pool):
    worker = pool.wait_ready()
    with pytest.raises(ValueError):
        pool.submit(int, "not a number").result(timeout=60)
    assert pool.submit(os.getpid).result(timeout=60) in worker
    assert pool.replaced == 0


def test_a_hung_job_hits_the_timeout_and_the_pool_is_replaced(pool):
    pool.wait_ready()
    started = time.monotonic()
    with pytest.raises(WorkerDied, match="timed out"):
        pool.submit(time.sleep, 60).result(timeout=60)
    assert time.monotonic() - started < 20
    assert pool.submit(os.getpid).result(timeout=60)  # a new pool took over
    assert pool.replaced == 1


def test_a_killed_worker_costs_its_jobs_only(pool):
    (worker,) = pool.wait_ready()
    job = pool.submit(time.sleep, 1.5)
    time.sleep(0.3)
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(WorkerDied, match="died"):
        job.result(timeout=60)
    assert pool.submit(int, "7").result(timeout=60) == 7
    assert not alive(worker)


def test_a_job_queued_behind_a_killed_one_is_told_it_never_ran(pool):
    (worker,) = pool.wait_ready()
    running, queued = pool.submit(time.sleep, 1.5), pool.submit(os.getpid)
    time.sleep(0.3)
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(WorkerDied) as died:
        running.result(timeout=60)
    assert not isinstance(died.value, NotStarted)  # it ran: lost
    with pytest.raises(NotStarted):
        queued.result(timeout=60)
    assert pool.submit(os.getpid).result(timeout=60) != worker  # a new pool took over


def test_close_leaves_no_worker():
    running = Pool(2).start()
    workers = running.wait_ready()
    assert len(workers) == 2
    running.close()
    assert [pid for pid in workers if alive(pid)] == []


# -- crawls -----------------------------------------------------------------------------------
# A crawl run through this script extracts as usual, except pages whose URL holds the marker
# in EDUNEWS_TEST_FAULT ("raise:MARK", "hang:MARK", "slow:SECONDS"). Worker processes import
# the script that started their parent (multiprocessing's spawn), so they are patched too.
FAULTY_CRAWL = """
import os, sys, time
import crawler.extract.page as page

real = page.extract_article
kind, _, mark = os.environ.get("EDUNEWS_TEST_FAULT", "").partition(":")

def extract_article(url, html, **kwargs):
    if kind == "raise" and mark in url:
        raise ValueError("a page that breaks the extractor")
    if kind == "hang" and mark in url:
        while True:
            pass
    if kind == "slow":
        time.sleep(float(mark))
    return real(url, html, **kwargs)

page.extract_article = extract_article

if __name__ == "__main__":
    from archive.__main__ import main
    sys.exit(main())
"""


def crawl(tmp_path: Path, sources: Path, fault: str, *settings: str) -> subprocess.Popen:
    script = tmp_path / "faulty_crawl.py"
    script.write_text(FAULTY_CRAWL, encoding="utf-8")
    command = [sys.executable, str(script), "crawl", "--sources", str(sources)]
    command += ["--db", str(tmp_path / "a.db"), "--log-file", str(tmp_path / "crawl.log")]
    env = os.environ | {"EDUNEWS_TEST_FAULT": fault, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [*command, *FAST, *settings], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen, workers: set[int] | None = None) -> str:
    """Wait for the crawl, noting its worker processes meanwhile; its stderr."""
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if workers is not None:
            workers |= set(worker_pids(proc.pid))
        time.sleep(0.05)
    _, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    return err


def worker_pids(parent: int) -> list[int]:
    """The pool's processes among ``parent``'s children (multiprocessing's spawn_main)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has stopped already)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def lost(db: Path) -> set[str]:
    """URLs whose job was lost with a worker."""
    sql = "select url from crawl_errors where reason like '%WorkerDied%'"
    return {url for (url,) in query(db, sql)}


# Every column the article's content decides, and what is derived from it.
CONTENT = (
    "url, source, title, body_text, published_at, modified_at, event_date, author, credits, "
    "image_count, attachment_count, content_hash, discovered_via, date_source, date_warning, "
    "fetched_url, provinces, agencies, people"
)
DERIVED = {
    "article_signatures": "article_id, minhash",
    "article_people": "article_id, person, title, position",
    "images": "article_id, position, url, caption",
}


def test_the_pool_stores_the_same_rows_as_inline(crawled, sources_file, tmp_path):
    pooled, result = crawled  # the project's settings: one worker per core but one
    assert result.returncode == 0, result.stderr[-2000:]
    inline = tmp_path / "inline.db"
    args = ("crawl", "--sources", str(sources_file), "--db", str(inline), *FAST)
    again = edunews(*args, "-s", "EDUNEWS_WORKERS=0")
    assert again.returncode == 0, again.stderr[-2000:]
    sql = f"select {CONTENT} from articles order by url"
    rows = query(pooled, sql)
    assert len(rows) >= 70
    assert query(inline, sql) == rows
    for table, columns in DERIVED.items():
        sql = f"select {columns} from {table} order by {columns}"
        assert query(inline, sql) == query(pooled, sql), table
    sql = f"select a.url from {search.INDEX} s join articles a on a.rowid = s.rowid "
    sql += f"where {search.INDEX} match ? order by a.url"
    for word in ("ครู", "กระทรวงศึกษาธิการ", "2560"):
        expression = [search.match_expression(word, ranked=True)]
        assert query(inline, sql, expression) == query(pooled, sql, expression), word


def test_an_extraction_error_is_counted_and_the_crawl_goes_on(sites, sources_file, tmp_path):
    target = sites.gold("legacy")[0]["url"]
    mark = target.split("//", 1)[1].split("/", 1)[1]  # the path: only this page breaks
    workers: set[int] = set()
    err = finish(crawl(tmp_path, sources_file, f"raise:{mark}"), workers)
    db = tmp_path / "a.db"
    errors = query(db, "select url, kind, reason from crawl_errors where kind = 'extract'")
    assert [(kind, reason) for _, kind, reason in errors] == [
        ("extract", "ValueError: a page that breaks the extractor")
    ], err[-2000:]
    assert errors[0][0].endswith(mark)
    assert stored(db) == len(sites.gold()) - 1
    assert "worker process died" not in (tmp_path / "crawl.log").read_text()
    assert workers and [pid for pid in workers if alive(pid)] == []


def test_a_killed_worker_costs_only_the_articles_in_flight(sites, sources_file, tmp_path):
    # Two workers, each extraction slowed: the crawl is busy when one is killed.
    proc = crawl(tmp_path, sources_file, "slow:0.2", "-s", "EDUNEWS_WORKERS=2")
    db = tmp_path / "a.db"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if stored(db) >= 10 and len(worker_pids(proc.pid)) == 2:
            break
        time.sleep(0.05)
    first = worker_pids(proc.pid)
    os.kill(first[0], signal.SIGKILL)
    workers = set(first)
    err = finish(proc, workers)
    assert proc.returncode == 0, err[-2000:]
    gone = lost(db)
    # At most the jobs running in the two workers (an article page, or an API job of up to
    # POSTS_PER_JOB posts); the jobs queued behind them went to the new pool.
    assert 1 <= len(gone) <= 2 * POSTS_PER_JOB, gone
    urls = {url for (url,) in query(db, "select url from articles")}
    assert urls | gone == {record["url"] for record in sites.gold()}
    assert query(db, "select status from crawl_runs") == [("finished",)]
    assert "a new pool of 2 started" in (tmp_path / "crawl.log").read_text()
    assert len(workers) >= 4  # the new pool's
    assert [pid for pid in workers if alive(pid)] == []


def test_a_hung_page_is_bounded_by_the_timeout(sites, sources_file, tmp_path):
    target = sites.gold("legacy")[1]["url"]
    mark = target.split("//", 1)[1].split("/", 1)[1]
    started = time.monotonic()
    settings = ("-s", "EDUNEWS_WORKER_TIMEOUT=3", "-s", "EDUNEWS_WORKERS=1")
    proc = crawl(tmp_path, sources_file, f"hang:{mark}", *settings)
    err = finish(proc)
    assert proc.returncode == 0, err[-2000:]
    assert time.monotonic() - started < 200
    db = tmp_path / "a.db"
    sql = "select url, reason from crawl_errors where reason like '%timed out%'"
    timed_out = query(db, sql)
    assert target in {url for url, _ in timed_out}, query(db, "select * from crawl_errors")
    gone = lost(db)
    assert gone == {target}  # the jobs queued behind it went to the new pool
    urls = {url for (url,) in query(db, "select url from articles")}
    assert urls | gone == {record["url"] for record in sites.gold()}


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_no_worker_outlives_a_stopped_crawl(signum, sources_file, tmp_path):
    proc = crawl(tmp_path, sources_file, "slow:0.5", "-s", "EDUNEWS_WORKERS=2")
    db = tmp_path / "a.db"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if stored(db) >= 3 and len(worker_pids(proc.pid)) == 2:
            break
        time.sleep(0.05)
    workers = worker_pids(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signum)
    proc.communicate(timeout=120)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.05)
    assert [pid for pid in workers if alive(pid)] == []


def libraries(pid: int) -> set[str]:
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return set()
    return {line.rsplit("/", 1)[-1] for line in maps.splitlines() if ".so" in line}


def test_a_worker_loads_what_it_extracts_with_not_the_crawler(sources_file, tmp_path):
    # spawn imports the parent's main module in each worker: `python -m archive` (cron, the
    # demo, the `edunews` script) must keep it light, or every worker carries Scrapy, Twisted
    # and OpenSSL (~30 MB) it never uses. Read from /proc while a real crawl runs.
    command = [sys.executable, "-m", "archive", "crawl", "--sources", str(sources_file)]
    command += ["--db", str(tmp_path / "a.db"), "-q", *FAST, "-s", "EDUNEWS_WORKERS=1"]
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    seen: set[str] = set()
    deadline = time.monotonic() + 200
    while proc.poll() is None and time.monotonic() < deadline:
        for pid in worker_pids(proc.pid):
            seen |= libraries(pid)
        time.sleep(0.1)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    assert any(name.startswith("etree.") for name in seen), sorted(seen)  # it extracted
    # Twisted's TLS stack (pyOpenSSL, cryptography). The standard library's `_ssl` may load:
    # feedparser (a feed page is a worker job) imports urllib.request, which imports ssl
    # (0.6 MB of a worker's RSS, measured).
    assert not {n for n in seen if n.startswith(("_cffi_backend", "_rust.abi3"))}


def test_shipped_settings_bound_the_items_of_a_response_processed_at_once():
    # Scrapy starts CONCURRENT_ITEMS asyncio tasks for each response of an async callback,
    # and article callbacks wait on the pool: its default of 100 held ~35,000 tasks (~50 MB)
    # in a 1,000-page crawl. A few per pool slot keep the pool and the writer busy.
    from crawler.project import project_settings
    from crawler.workers import JOBS_PER_WORKER

    assert 1 <= project_settings().getint("CONCURRENT_ITEMS") <= 2 * JOBS_PER_WORKER


def test_a_worker_warms_up_without_the_database_libraries():
    # search and stories name sqlite_utils in annotations only: a worker that extracts,
    # prepares and derives (its warm-up does all three) must not pay for importing it
    # (~0.1-0.2 s of CPU at each worker's start, and its memory).
    code = (
        "import sys; from archive.workers import warm_up; warm_up(); "
        "print(sorted(m for m in ('sqlite_utils', 'click', 'pysqlite3', 'nlpo3') "
        "if m in sys.modules))"
    )
    assert printed_by(code) == "['nlpo3']"  # it segmented, without those
