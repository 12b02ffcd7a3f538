"""scripts/cron.py: lock, stale lock, log rotation, back-off, exit status, signals."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import time

import pytest

from tests.conftest import FAST, ROOT

CRON = ROOT / "scripts" / "cron.py"
sys.path.insert(0, str(CRON.parent))
import cron  # noqa: E402


def run_cron(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CRON), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def registry(tmp_path, sites, *, dead: bool = False):
    entries = [{"id": "alive", "name": "ก", "url": sites.urls["feedonly"]}]
    if dead:
        entries.append({"id": "dead", "name": "ข", "url": "http://127.0.0.1:9/"})
    path = tmp_path / "sources.yaml"
    lines = ["sources:", *("  - " + json.dumps(e, ensure_ascii=False) for e in entries)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_run_crawls_logs_and_exits_zero(sites, tmp_path):
    db = tmp_path / "data" / "archive.db"
    reg = registry(tmp_path, sites)
    result = run_cron("--db", str(db), "--sources", str(reg), "--", *FAST)
    assert result.returncode == 0, result.stderr
    (log,) = (tmp_path / "data" / "logs").glob("crawl-*.log")
    text = log.read_text(encoding="utf-8")
    assert "alive: ok via feed: 10 articles" in text  # the crawl's own report
    assert "1 sources: 1 ok, 0 degraded, 0 failing" in text  # the health table
    assert (tmp_path / "data" / "crawl.lock").read_text().strip().isdigit()


def test_second_run_exits_at_once_while_locked(tmp_path):
    lock = tmp_path / "crawl.lock"
    with open(lock, "w") as held:
        held.write("4242\n")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        started = time.monotonic()
        result = run_cron("--db", str(tmp_path / "a.db"), "--lock", str(lock), timeout=30)
        # "At once": no waiting for the lock and no crawl. The bound only catches a wait; the
        # interpreter's imports alone take seconds on a loaded 2-core machine.
        assert time.monotonic() - started < 25
    assert result.returncode == cron.LOCKED
    assert "another crawl is running (pid 4242" in result.stderr
    assert not (tmp_path / "logs").exists()
    assert "crawl started" not in result.stderr + result.stdout


def test_stale_lock_is_recovered(sites, tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock = tmp_path / "crawl.lock"
    lock.write_text(f"{gone.pid}\n")
    reg = registry(tmp_path, sites)
    args = ["--db", str(tmp_path / "a.db"), "--sources", str(reg), "--lock", str(lock)]
    result = run_cron(*args, "--", *FAST)
    assert result.returncode == 0, result.stderr
    assert f"recovered a stale lock left by pid {gone.pid}" in result.stderr


def test_rotation_keeps_the_newest(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for day in range(1, 6):
        (logs / f"crawl-2025010{day}T000000Z-1.log").write_text("old")
    newest = cron.new_log(logs, keep=3)
    kept = sorted(p.name for p in logs.glob("crawl-*.log"))
    assert len(kept) == 3 and newest.name == kept[-1]
    assert kept[:2] == ["crawl-20250104T000000Z-1.log", "crawl-20250105T000000Z-1.log"]


def test_failed_source_exits_non_zero_then_backs_off(sites, tmp_path):
    db = tmp_path / "a.db"
    reg = registry(tmp_path, sites, dead=True)
    args = ["--db", str(db), "--sources", str(reg), "--", *FAST]
    for _ in range(2):
        first = run_cron(*args)
        assert first.returncode == 1, first.stderr
    third = run_cron(*args)  # two failures in a row: 1 day of back-off
    assert "skipping dead: failed 2 runs in a row; backing off 1 day(s)" in third.stderr
    assert third.returncode == 0, third.stderr
    forced = run_cron("--no-backoff", *args)
    assert forced.returncode == 1 and "skipping" not in forced.stderr


@pytest.mark.parametrize(
    "rc, verdicts, code",
    [
        (0, {"a": "ok", "b": "degraded"}, 0),
        (0, {"a": "ok", "b": "failing"}, cron.FLAGGED),
        (0, {"a": "ok", "z": "failing"}, 0),  # not crawled this run
        (1, {"a": "ok"}, 1),
        (2, {}, 2),
    ],
)
def test_exit_code(rc, verdicts, code):
    health = [{"source": s, "verdict": v} for s, v in verdicts.items()]
    assert cron.exit_code(rc, health, {"a", "b"}) == code


def test_options_of_the_crawl_go_before_the_separator(tmp_path):
    result = run_cron("--db", str(tmp_path / "a.db"), "--", "--only", "x", timeout=30)
    assert result.returncode == 2 and "before `--`" in result.stderr
