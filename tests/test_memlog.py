"""archive/memlog.py: the crawl process's memory log, and where a crawl starts it."""

from __future__ import annotations

import json
import time

import pytest
from scrapy.utils.test import get_crawler

from archive import memlog, store
from bench.bench_backfill import describe_floors, memlog_floors
from crawler.run import ArchiveRun, start_memlog


def test_a_snapshot_splits_resident_memory_and_counts_sqlites_own(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    try:
        db.conn.execute("create table t (x)")
        db.conn.executemany("insert into t values (?)", ((str(n) * 50,) for n in range(5000)))
        reading = memlog.snapshot()
    finally:
        db.close()
    assert reading["rss"] > reading["anon"] > 0 and reading["file"] > 0
    assert abs(reading["rss"] - reading["anon"] - reading["file"]) < 0.2
    assert reading["py_blocks"] > 10_000
    if memlog._MALLINFO2 is not None:  # glibc
        assert reading["malloc_arena"] >= reading["malloc_used"] > 0
    assert 0 < reading["sqlite"] <= reading["sqlite_peak"]  # its page cache, at least


def test_the_log_writes_a_reading_every_period(tmp_path):
    path = tmp_path / "mem.jsonl"
    thread = memlog.start(path, every=0.05)
    time.sleep(0.5)
    assert thread.daemon and thread.is_alive() and thread.name == "edunews-memlog"
    readings = [json.loads(line) for line in path.read_text().splitlines()[:4]]
    thread.stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(readings) >= 3
    assert [r["t"] for r in readings] == sorted(r["t"] for r in readings)
    assert all(r["rss"] > 0 for r in readings)


def test_a_crawl_logs_its_memory_only_when_asked(tmp_path):
    assert start_memlog(None) is None and start_memlog("") is None
    quiet = ArchiveRun(get_crawler(settings_dict={"EDUNEWS_DB": str(tmp_path / "a.db")}))
    assert quiet.memlog is None
    path = tmp_path / "crawl-mem.jsonl"
    settings = {"EDUNEWS_DB": str(tmp_path / "b.db"), "EDUNEWS_MEMLOG": str(path)}
    logged = ArchiveRun(get_crawler(settings_dict=settings))
    assert logged.memlog.is_alive()
    deadline = time.monotonic() + 5
    while not (path.exists() and path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    logged.memlog.stop.set()
    assert json.loads(path.read_text().splitlines()[0])["rss"] > 0


def test_the_backfill_bench_gives_the_least_reading_of_each_quarter(tmp_path):
    path = tmp_path / "mem.jsonl"
    rss = [90, 80, 85, 120, 110, 130, 125, 140]  # least per quarter: 80, 85, 110, 125
    lines = [
        {"t": t, "rss": mb, "anon": mb - 40, "py_blocks": mb * 1000} for t, mb in enumerate(rss)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    floors = memlog_floors(path)
    assert [f["rss"] for f in floors] == [80, 85, 110, 125]
    text = describe_floors(floors)
    assert "Q4 at 6 s: rss 125, anon 85, py_blocks 125k" in text
    assert "malloc" not in text  # what a log lacks is left out


@pytest.mark.parametrize("empty", ["", "\n"])
def test_an_empty_log_has_no_floors(tmp_path, empty):
    path = tmp_path / "mem.jsonl"
    path.write_text(empty)
    assert memlog_floors(path) == []
