"""A stop signal at any moment of a crawl ends it cleanly: run recorded as interrupted,
database intact, the next run completing the archive with no duplicate.

The moments are chosen by what the processes say, never by fixed sleeps: the cron wrapper
has run its first line (its handler is in place: its imports follow); the wrapper has
started the crawl child (the child's imports, ~3 s); the spider opened (discovery); articles
being stored (mid-crawl, a slowed crawl); the spider closing (the run record being
written). Each is tried more than once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from archive.sqlite import sqlite3
from tests.conftest import FAST, ROOT, edunews

CRON = ROOT / "scripts" / "cron.py"
SLOW = ["-s", "DOWNLOAD_DELAY=0.4", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=1"]
ARTICLES = 10  # the feed-only sample site


def registry(tmp_path: Path, sites) -> Path:
    path = tmp_path / "sources.yaml"
    entry = {"id": "alive", "name": "ก", "url": sites.urls["feedonly"]}
    path.write_text("sources:\n  - " + json.dumps(entry) + "\n", encoding="utf-8")
    return path


def wait_until(predicate, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def log_text(logs: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs.glob("*.log"))


def runs(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("select id, status from crawl_runs order by id").fetchall()


def stored(db: Path) -> int:
    """Articles committed so far (0 before the table exists)."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def assert_intact(db: Path) -> None:
    if db.exists():
        with closing(sqlite3.connect(db)) as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
            assert conn.execute("pragma foreign_key_check").fetchall() == []


def assert_next_run_completes(db: Path, reg: Path) -> None:
    again = edunews("crawl", "--sources", str(reg), "--db", str(db), "-q", *FAST)
    assert again.returncode == 0, again.stderr
    assert runs(db)[-1][1] == "finished"
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == ARTICLES
        assert conn.execute("select count(distinct url) from articles").fetchone()[0] == ARTICLES


# -- through the cron wrapper ------------------------------------------------------------------
MOMENTS = {
    # moment -> what to wait for before the signal: (where, text, count)
    "wrapper imports": ("handler", "", 0),
    "crawl child imports": ("stderr", "edunews-cron: crawl started", 1),
    "spider opened": ("log", "Spider opened", 1),
    "mid-crawl": ("db", "articles", 3),
    "spider closing": ("log", "Closing spider (finished)", 1),
}


@pytest.mark.parametrize("attempt", [1, 2])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_sigterm_to_cron_at_any_moment(moment, attempt, sites, tmp_path):
    reg, db, logs = registry(tmp_path, sites), tmp_path / "a.db", tmp_path / "logs"
    stderr = tmp_path / "cron.err"
    with open(stderr, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, str(CRON), "--db", str(db), "--sources", str(reg), "--", *SLOW],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        wait_for_moment(MOMENTS[moment], stderr, logs, proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM, stderr.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log_text(logs)
    assert "Traceback" not in text and "Unhandled error" not in text, text[-3000:]
    statuses = [status for _, status in runs(db)]
    if moment == "wrapper imports":  # before any crawl: no run, or one stopped at once
        assert statuses in ([], ["interrupted (shutdown)"]), (statuses, stderr.read_text())
    elif moment == "spider closing":  # the run record may already be written as finished
        assert statuses in (["finished"], ["interrupted (shutdown)"]), text[-3000:]
    else:
        assert statuses == ["interrupted (shutdown)"], text[-3000:]
        assert "Received SIGTERM, shutting down gracefully" in text
        assert "Closing spider (shutdown)" in text
    assert_intact(db)
    if attempt == 1:
        assert_next_run_completes(db, reg)


def wait_for_moment(moment, stderr: Path, logs: Path, pid: int) -> None:
    where, text, count = moment

    def reached() -> bool:
        if where == "handler":  # its first lines ran; its imports follow
            return catches(pid, signal.SIGTERM)
        if where == "db":
            return stored(logs.parent / "a.db") >= count
        seen = stderr.read_text() if where == "stderr" else log_text(logs)
        return seen.count(text) >= count

    wait_until(reached, f"{text!r} x{count} in the {where}")


# -- `edunews crawl` on its own ----------------------------------------------------------------
def catches(pid: int, signum: int) -> bool:
    """The process has a handler for ``signum`` (Linux: SigCgt in /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    caught = next(int(line.split()[1], 16) for line in status.splitlines() if "SigCgt" in line)
    return bool(caught & (1 << (signum - 1)))


@pytest.mark.parametrize("moment", ["imports", "mid-crawl"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_edunews_crawl_gracefully(moment, signum, sites, tmp_path):
    reg, db, log = registry(tmp_path, sites), tmp_path / "a.db", tmp_path / "crawl.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive", "crawl", "--sources", str(reg), "--db", str(db),
         "--log-file", str(log), *SLOW],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # "imports": the handler is installed first thing, then seconds of imports follow.
        # (SIGINT is caught by Python itself from start-up; ours replaces both, SIGTERM last.)
        wait_until(lambda: catches(proc.pid, signal.SIGTERM), "the stop handler")
        if moment == "mid-crawl":
            wait_until(lambda: stored(db) >= 3, "articles being stored")
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signum, err
    assert [status for _, status in runs(db)] == ["interrupted (shutdown)"], log.read_text()
    assert "Traceback" not in err + log.read_text()
    assert "alive: " in err  # the summary still comes
    assert_intact(db)


# -- two at once -------------------------------------------------------------------------------
def test_a_second_crawl_of_the_same_archive_exits_at_once(sites, tmp_path):
    reg, db, log = registry(tmp_path, sites), tmp_path / "a.db", tmp_path / "first.log"
    first = subprocess.Popen(
        [sys.executable, "-m", "archive", "crawl", "--sources", str(reg), "--db", str(db),
         "--log-file", str(log), *SLOW, "-s", "DOWNLOAD_DELAY=2"],  # outlasts the second's start
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: log.exists() and "Spider opened" in log.read_text(), "first crawl")
        started = time.monotonic()
        second = edunews("crawl", "--sources", str(reg), "--db", str(db), "-q", *FAST)
        assert time.monotonic() - started < 60
        assert second.returncode == 75, second.stderr
        assert "another crawl (pid " in second.stderr and "is writing to" in second.stderr
        assert "Traceback" not in second.stderr
        _, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert [status for _, status in runs(db)] == ["finished"]
    assert_next_run_completes(db, reg)
