"""Two crawl workers share one Redis scheduler; one writer stores their items; a read-only
Datasette replica serves an immutable snapshot. Needs Debian's redis-server (skipped without)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from collections import Counter
from contextlib import contextmanager

import pytest

from archive import queue, replica
from archive.sqlite import sqlite3
from crawler.items import Article, Credits, Image
from tests.conftest import ROOT, free_port, wait_for_port
from tests.sites.server import SampleSites

REDIS = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS is None or importlib.util.find_spec("scrapy_redis") is None,
    reason="needs Debian's redis-server and the scrapy-redis package",
)


@contextmanager
def running(args: list[str], port: int, **kwargs):
    proc = subprocess.Popen(args, **kwargs)
    try:
        wait_for_port(port)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    args = [REDIS, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    args += ["--dir", str(tmp_path)]
    with running(args, port, stdout=subprocess.DEVNULL):
        yield f"redis://127.0.0.1:{port}/0"


def stat(log: str, name: str) -> int:
    found = re.search(rf"'{name}': (\d+)", log)
    return int(found.group(1)) if found else 0


def module(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive.queue", *args]


def test_items_survive_the_wire():
    article = Article(
        url="https://x.go.th/1",
        source="x",
        title="ข่าว",
        credits=Credits(reporter="ก", lines=["ข่าว: ก"]),
        images=[Image("https://x.go.th/a.png", "ภาพ")],
        entities={"provinces": ["ชลบุรี"]},
    )
    assert queue.decode(queue.encode(article)) == article


@needs_redis
def test_two_workers_fetch_each_page_once(redis_url, tmp_path):
    with SampleSites(["legacy"]) as sites:
        registry = tmp_path / "sources.yaml"
        entry = sites.sites["legacy"].registry_entry() | {"kind": "listing"}
        registry.write_text("sources:\n  - " + json.dumps(entry, ensure_ascii=False) + "\n")
        db = tmp_path / "archive.db"
        common = ["--redis", redis_url, "--run", "t1"]
        writer = subprocess.Popen(
            module("writer", *common, "--db", str(db), "--sources", str(registry),
                   "--until-done", "--max-seconds", "120"),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        # Paced (about 7 s for the site alone) so that the second worker, a second or two
        # slower to start, still finds work in the shared queue.
        crawl = [
            "--sources",
            str(registry),
            "-s",
            "DOWNLOAD_DELAY=0.15",
            "-s",
            "CONCURRENT_REQUESTS=1",
        ]
        crawl += ["-s", "AUTOTHROTTLE_ENABLED=False"]
        workers = [
            subprocess.Popen(
                module("worker", *common, *crawl),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for _ in range(2)
        ]
        logs = [w.communicate(timeout=120)[1] for w in workers]
        out, err = writer.communicate(timeout=180)
        assert all(w.returncode == 0 for w in workers), logs[0][-2000:] + logs[1][-2000:]
        assert writer.returncode == 0, err[-2000:]
        requested = Counter(sites.request_log["legacy"])
        gold = sites.gold("legacy")
    assert requested.pop("/robots.txt") <= 2  # each worker reads robots.txt itself
    assert max(requested.values()) == 1, [p for p, n in requested.items() if n > 1]
    scraped = [stat(log, "item_scraped_count") for log in logs]
    assert sum(scraped) == len(gold)  # every article once, across workers
    worked = [stat(log, "response_received_count") for log in logs]
    assert min(worked) >= 3, worked  # both did work
    conn = sqlite3.connect(db)
    urls = {row[0] for row in conn.execute("select url from articles")}
    run = conn.execute("select new, finished_at from crawl_runs").fetchone()
    conn.close()
    assert urls == {g["url"] for g in gold}
    assert run[0] == len(gold) and run[1]
    assert json.loads(out) == {"new": len(gold)}


def test_immutable_replica_serves_a_snapshot(crawled, tmp_path):
    db, _ = crawled
    copy = tmp_path / "replica" / "edunews.db"
    replica.snapshot(db, copy)
    conn = sqlite3.connect(copy)
    (mode,) = conn.execute("pragma journal_mode").fetchone()
    (count,) = conn.execute("select count(*) from articles").fetchone()
    conn.close()
    assert mode == "delete" and count == 122
    port = free_port()
    args = [sys.executable, "-m", "archive.cli", "serve", "--immutable", "--db", str(copy)]
    args += ["--port", str(port)]  # the documented replica: the publication's own hardening
    with running(args, port, cwd=ROOT, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL):
        url = f"http://127.0.0.1:{port}/edunews/articles.json?_shape=array&_size=1&_col=title"
        with urllib.request.urlopen(url, timeout=10) as response:
            rows = json.load(response)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/databases.json") as response:
            (info,) = json.load(response)
    assert len(rows) == 1 and rows[0]["title"]
    assert info["is_mutable"] is False and info["name"] == "edunews"
