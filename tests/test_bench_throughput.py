"""bench_throughput's CPU a page: the crawl from its first request on, the bare spider, the
sample sites serving each, and what the cores leave edunews at the pages/s goal."""

from __future__ import annotations

import os
import time

from bench import bench_throughput


def run(pages: int, crawl_cpu: dict[str, float], sites_cpu: float) -> dict:
    return {"pages": pages, "crawl_cpu": crawl_cpu, "sites_cpu": sites_cpu}


def test_cpu_a_page_and_what_is_left_at_the_goal(capsys, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    crawl = {"reactor (main thread)": 4.0, "edunews-writer": 3.0, "worker processes": 5.0}
    pairs = [(run(1000, crawl, 1.0), run(1000, {"bare": 3.5}, 0.9))]
    bench_throughput.report_page_cpu(pairs)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("CPU ms a page from the first request on (1000 pages)")
    assert "the crawl process 7.0 (reactor (main thread) 4.0, edunews-writer 3.0)" in lines[0]
    assert "worker processes 5.0, the sample sites serving it 1.0; all 13.0" in lines[0]
    assert lines[1] == (
        "bare spider, same URLs: its process 3.5, the sample sites serving it 0.9; all 4.4"
    )
    # 2 cores x 1,000 ms / 100 pages = 20; less 3.5 (Scrapy) and 1.0 (sites) = 15.5; edunews
    # takes 12.0 - 3.5 = 8.5.
    assert "give 20.0 ms a page" in lines[2]
    assert "15.5 are left for edunews's own work, which takes 8.5 now" in lines[2]


class Gate:
    at: float | None = None


def test_cpu_before_the_first_request_is_start_up(monkeypatch):
    """What a thread used before the first request (start-up) is not counted a page."""
    gate = Gate()

    def thread_cpu(pid):  # 1.5 s of start-up, then 2.5 s more once the crawl began
        return {1: ("python", 1.5 if gate.at is None else 4.0)}

    monkeypatch.setattr(bench_throughput, "descendants", lambda root: [])
    monkeypatch.setattr(bench_throughput, "high_water", lambda pid: 0)
    monkeypatch.setattr(bench_throughput, "thread_cpu", thread_cpu)
    tree = bench_throughput.TreeMemory(1, gate)
    tree.start()
    deadline = time.monotonic() + 5
    while not tree.before and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.at = time.perf_counter()  # the first request
    time.sleep(0.35)
    tree.stop()
    assert tree.threads() == {"reactor (main thread)": 4.0}
    assert tree.threads(since_first=True) == {"reactor (main thread)": 2.5}
