"""National scale: one `edunews crawl` process over hundreds of local sample agency sites.

    python bench/bench_scale.py [--sites 260] [--per-site 4] [--dead 10] [--hung 0] [--runs 1]
        [--compare 50] [-s NAME=VALUE]

Sites of the four sample platforms (tests/sites/fleet.py), each on its own loopback address,
hold a few corpus articles each. The crawl runs with the shipped politeness settings
(concurrency per host and overall) and no delay. Printed: wall time, requests (pages) per
second, articles stored and recall, peak RSS of the crawl process (and its least and most
in each quarter of the run: a climb of what stays shows in the least), requests per site,
the most requests any host was serving at once and the most in flight overall. ``--compare N``
also crawls N sites, to show whether memory grows with the number of sources.
The test suite runs a small version (tests/test_scale.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive.sqlite import sqlite3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procs import command, descendants, high_water, rss, tree_rss  # noqa: E402
from tests.sites.fleet import Fleet  # noqa: E402

# No delay and no AutoThrottle (local sites answer at once); concurrency as shipped.
SETTINGS = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "RETRY_TIMES=1",
    "-s", "DOWNLOAD_TIMEOUT=20",
]  # fmt: skip


def run_crawl(sources: Path, db: Path, timeout: float, extra: list[str]) -> dict:
    """The crawl in a child process: exit status, wall time, that child's peak RSS (read
    every 50 ms: its last 50 ms may escape), and the peak of its process tree's RSS summed
    (sampled every 0.5 s), and each process's own peak (``VmHWM``) by kind."""
    argv = [sys.executable, "-m", "archive", "crawl", "-q", "--sources", str(sources)]
    argv += ["--db", str(db), *SETTINGS, *extra]
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + timeout
    samples, sampled = [0], 0.0  # the tree's RSS every 0.5 s: does it climb, or jump at the end?
    own = []  # the crawl process's alone, at the same times
    peak, peaks = 0, {}  # peaks: pid -> (kind, its VmHWM)
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, high_water(child.pid))
        if time.monotonic() - sampled >= 0.5:
            samples.append(tree_rss(child.pid))
            if resident := rss(child.pid):  # 0: it ended after wait4 looked
                own.append(resident)
            sampled = time.monotonic()
            note_peaks(peaks, child.pid)
        if time.monotonic() > deadline:
            child.kill()
            child.wait()
            raise TimeoutError(f"crawl still running after {timeout} s")
        time.sleep(0.05)
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read()
    child.stderr.close()
    return {
        "exit": child.returncode,
        "stderr": stderr,
        "wall_s": time.perf_counter() - start,
        # the crawl's CPU and that of the workers it waited for (not the sites' or the bench's)
        "cpu_s": usage.ru_utime + usage.ru_stime,
        # VmHWM is read before each RSS sample, so a sample can pass the last high-water
        # mark read: the peak is at least every sample
        "peak_rss_mb": max([peak, *own]) / 2**20,
        "tree_rss_mb": max(max(samples), peak) / 2**20,
        "rss_quarters_mb": [max(q) / 2**20 for q in quarters(samples)],
        # its least and most in each quarter: the least leaves out what is in flight (pages
        # waiting for the worker, a batch being written), so a climb of what stays shows
        "crawl_quarters_mb": [(min(q) / 2**20, max(q) / 2**20) for q in quarters(own or [0])],
        "child_peaks_mb": {pid: (kind, hwm / 2**20) for pid, (kind, hwm) in peaks.items()},
    }


def note_peaks(peaks: dict, root: int) -> None:
    """Each process below ``root``: its kind and its own peak so far (pid -> (kind, bytes))."""
    for pid in descendants(root):
        kind, known = peaks.get(pid, ("", 0))
        peaks[pid] = (kind or command(pid), max(known, high_water(pid)))


def quarters(samples: list[int]) -> list[list[int]]:
    """The samples in four runs of equal length (the first quarter holds at least one)."""
    n = len(samples)
    return [samples[i * n // 4 : max((i + 1) * n // 4, i * n // 4 + 1)] for i in range(4)]


def seed_archive(seed: Path | None, db: Path) -> set[str]:
    """Start from a copy of ``seed`` (an archive already holding many articles: does memory
    grow with the archive's size?); the URLs it holds."""
    if seed is None:
        return set()
    shutil.copyfile(seed, db)
    return stored_urls(db)


def stored_urls(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {row[0] for row in conn.execute("select url from articles")}
    finally:
        conn.close()


def failed_sources(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        sql = "select source, reason from crawl_run_sources where status = 'failed'"
        return [f"{source}: {reason}" for source, reason in conn.execute(sql)]
    finally:
        conn.close()


def crawl_fleet(
    count: int,
    per_site: int,
    work: Path,
    timeout: float = 1800,
    extra=(),
    dead: int = 0,
    hung: int = 0,
    pool: list[dict] | None = None,
    seed: Path | None = None,
) -> dict:
    """Start ``count`` sites (with ``dead`` sources that refuse connections and ``hung`` ones
    that never answer; articles from ``pool``, see ``Fleet``), crawl them once into a fresh
    archive (or a copy of ``seed``), and measure. ``stored`` counts the articles the crawl
    added."""
    with Fleet(count, per_site, dead=dead, hung=hung, pool=pool) as fleet:
        sources, db = work / f"fleet-{count}.yaml", work / f"fleet-{count}.db"
        seeded = seed_archive(seed, db)
        sources.write_text(fleet.sources_yaml(), encoding="utf-8")
        result = run_crawl(sources, db, timeout, list(extra))
        per_site_requests = fleet.requests_per_site()
        gold = {g["url"] for g in fleet.gold()}
        meter = fleet.meter
    stored = stored_urls(db) - seeded if db.exists() else set()
    requests = sum(per_site_requests.values())
    counts = sorted(per_site_requests.values())
    return result | {
        "sites": count,
        "dead": dead,
        "hung": hung,
        "requests": requests,
        "pages_per_s": requests / result["wall_s"],
        "gold": len(gold),
        "stored": len(stored),
        "recall": len(gold & stored) / len(gold) if gold else 1.0,
        "missing": sorted(gold - stored)[:5],
        "requests_per_site": {
            "min": counts[0],
            "median": statistics.median(counts),
            "max": counts[-1],
        },
        "max_per_host": max(meter.peak.values(), default=0),
        "max_in_flight": meter.total_peak,
        "failed": failed_sources(db) if db.exists() else ["no archive"],
    }


def report(m: dict) -> str:
    rps = m["requests_per_site"]
    return "\n".join(
        [
            f"sites {m['sites']} (+{m['dead']} dead, {m['hung']} hung): exit {m['exit']}, "
            f"wall {m['wall_s']:.1f} s, {m['requests']} requests = {m['pages_per_s']:.1f} pages/s, "
            f"crawl CPU {m['cpu_s']:.1f} s",
            f"  articles: {m['stored']} stored of {m['gold']} served, recall {m['recall']:.3f}",
            f"  peak RSS of the crawl process: {m['peak_rss_mb']:.0f} MB; "
            f"of its process tree (sampled): {m['tree_rss_mb']:.0f} MB "
            f"(peak per quarter of the run: "
            f"{', '.join(f'{q:.0f}' for q in m['rss_quarters_mb'])} MB)",
            "  the crawl process, least-most per quarter: "
            + ", ".join(f"{lo:.0f}-{hi:.0f}" for lo, hi in m["crawl_quarters_mb"])
            + " MB",
            "  peak RSS of the processes it started: "
            + (", ".join(f"{k} {mb:.0f} MB" for k, mb in m["child_peaks_mb"].values()) or "none"),
            f"  requests per site: min {rps['min']}, median {rps['median']}, max {rps['max']}",
            f"  most requests one host served at once: {m['max_per_host']}; "
            f"most in flight overall: {m['max_in_flight']}",
            f"  failed sources: {len(m['failed'])}" + "".join(f"\n    {f}" for f in m["failed"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=260)
    parser.add_argument("--per-site", type=int, default=4, help="articles per site")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--compare", type=int, default=0, help="also crawl this many sites")
    parser.add_argument("--dead", type=int, default=10, help="sources that refuse connections")
    parser.add_argument("--hung", type=int, default=0, help="sources that never answer")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    extra = [x for pair in args.set for x in ("-s", pair)]
    sizes = ([args.compare] if args.compare else []) + [args.sites]
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            runs = []
            for n in range(args.runs):
                work = Path(tmp) / f"{size}-{n}"
                work.mkdir()
                runs.append(
                    crawl_fleet(
                        size, args.per_site, work, extra=extra, dead=args.dead, hung=args.hung
                    )
                )
                print(report(runs[-1]), flush=True)
            if args.runs > 1:
                wall = statistics.median(r["wall_s"] for r in runs)
                rate = statistics.median(r["pages_per_s"] for r in runs)
                rss = statistics.median(r["peak_rss_mb"] for r in runs)
                print(
                    f"sites {size}: median of {args.runs} runs: wall {wall:.1f} s, "
                    f"{rate:.1f} pages/s, peak RSS {rss:.0f} MB"
                )


if __name__ == "__main__":
    main()
