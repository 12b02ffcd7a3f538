"""Crawl throughput and memory: the full pipeline vs a bare Scrapy spider on the same URLs.

    python bench/bench_throughput.py [--runs 3] [--sites 5] [--per-site 170]

Serves --sites sample agency sites (tests/sites/fleet.py: the four sample platforms, corpus
articles, one loopback address each), crawls them with delays off through a real
`edunews crawl` (discovery, extraction, Thai normalisation, WARC capture, SQLite, search
index, stories), then fetches exactly the URLs that crawl fetched (its captures) with a
spider that does nothing with them: the ceiling on this machine. Each run does both, one
after the other, so their ratio is measured under the same load. Start-up is excluded:
a crawl's time runs from the first request any site received to the process's exit (so
the writes left after the last fetch count). Peak RSS counts the whole process tree: the
peak (VmHWM, read from /proc every 0.1 s) of the crawl process and of each process under it
(its worker processes), summed. Not wait4's ru_maxrss: exec carries the peak of the process
that spawned the crawl into it, so it reported this bench's own peak (its sample sites) when
that was larger than the crawl's.

CPU: by thread of the crawl process and in its workers, an article (start-up included), and
a page from the first request on; the bare spider's a page; and the sample sites' own CPU a
page while they serve each (they run in this process, on the same cores: its CPU less the
sampler's). From these it prints what the cores leave for edunews's own work at the pages/s
goal once Scrapy's own work (the bare spider's) and the sites' are paid.

Goals (issue 13): pipeline ≥ 40 % of the bare spider's pages/s, ≥ 100 pages/s, peak RSS ≤
300 MB. Prints medians of --runs; exits 1 when a goal is missed.

This file is also the bare spider: ``scrapy runspider bench/bench_throughput.py -a urls=F``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import scrapy

from archive.sqlite import sqlite3
from bench.procs import descendants, high_water, thread_cpu

ROOT = Path(__file__).resolve().parent.parent
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "LOG_LEVEL=WARNING",
]  # fmt: skip
SETTINGS: list[str] = []  # --set KEY=VALUE: more settings for the crawl (not the bare spider)
GOALS = {"ratio": 0.40, "pages_per_s": 100.0, "rss_mb": 300.0}


class BareSpider(scrapy.Spider):
    """Fetches a list of URLs and throws the responses away."""

    name = "bare"
    custom_settings = {"ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False}

    def __init__(self, urls: str = "", **kwargs):
        super().__init__(**kwargs)
        self.url_file = urls

    async def start(self):
        for url in Path(self.url_file).read_text().split():
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None


class FirstRequest:
    """Wraps the fleet's meter: when the first request of a crawl reached any site."""

    def __init__(self, meter):
        self.at: float | None = None
        self._enter = meter.enter
        meter.enter = self.enter

    def enter(self, host: str) -> None:
        if self.at is None:
            self.at = time.perf_counter()
        self._enter(host)


class TreeMemory(threading.Thread):
    """The peak RSS (VmHWM) of ``root`` and of every process below it, sampled every 0.1 s,
    and the CPU each of their threads has used: in all, and as read last before ``first``
    (the crawl's first request), so that start-up can be told from the crawl."""

    def __init__(self, root: int, first: FirstRequest):
        super().__init__(daemon=True)
        self.root, self.first, self.peaks, self.done = root, first, {}, threading.Event()
        self.cpu: dict[tuple[int, int], tuple[str, float]] = {}  # (pid, tid): name, CPU s
        self.before: dict[tuple[int, int], tuple[str, float]] = {}  # ...before the first request
        self.own_cpu = 0.0  # this thread's own CPU seconds (in this process, beside the sites)

    def run(self) -> None:
        start = time.thread_time()
        while not self.done.wait(0.1):
            for pid in [self.root, *descendants(self.root)]:
                peak = high_water(pid)
                if peak:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                for tid, seen in thread_cpu(pid).items():
                    self.cpu[pid, tid] = seen
            if self.first.at is None:  # all read before the first request: start-up
                self.before = dict(self.cpu)
        self.own_cpu = time.thread_time() - start

    def threads(self, since_first: bool = False) -> dict[str, float]:
        """CPU seconds by thread of the root process (named by their OS name; the main
        thread is the reactor's) and by process below it, as last read (≤ 0.1 s early);
        ``since_first``: less what each had used before the first request (≤ 0.1 s more
        is counted, never less)."""
        named: dict[str, float] = {}
        for (pid, tid), (name, used) in self.cpu.items():
            if since_first:
                used -= self.before.get((pid, tid), (name, 0.0))[1]
            if pid != self.root:
                name = "worker processes"
            elif tid == pid:
                name = "reactor (main thread)"
            named[name] = named.get(name, 0.0) + used
        return named

    def stop(self) -> tuple[float, float]:
        """MB: the root's own peak, and the sum of its descendants' peaks."""
        self.done.set()
        self.join()
        own = self.peaks.pop(self.root, 0)
        return own / 2**20, sum(self.peaks.values()) / 2**20


def timed(args: list[str], cwd: Path, first: FirstRequest) -> dict:
    """Seconds from the first request to the exit, exit status, peak RSS (MB) of the
    process and of the processes it started, CPU seconds by thread (``cpu``; ``crawl_cpu``
    from the first request on), and the CPU seconds the sample sites took to serve it
    (``sites_cpu``): this process's own, less the sampler's and this thread's (the sites
    are the only other threads here, and serve only this crawl)."""
    first.at = None
    ours, waiting = time.process_time(), time.thread_time()
    child = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree = TreeMemory(child.pid, first)
    tree.start()
    # Reaped only once the sampler has stopped: a zombie's /proc still answers (no VmHWM),
    # and its pid cannot be taken by another process meanwhile.
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
    ended = time.perf_counter()
    main, workers = tree.stop()
    used, crawl_cpu = tree.threads(), tree.threads(since_first=True)
    _, status = os.waitpid(child.pid, 0)
    sites_cpu = time.process_time() - ours - (time.thread_time() - waiting) - tree.own_cpu
    rc = os.waitstatus_to_exitcode(status)
    if rc:
        sys.exit(f"{args[:4]} failed ({rc}): {child.stderr.read().decode()[-2000:]}")
    seconds = ended - (first.at or ended)
    return {"seconds": seconds, "rss": main + workers, "rss_workers": workers, "cpu": used} | {
        "crawl_cpu": crawl_cpu,
        "sites_cpu": sites_cpu,
    }


def pipeline_run(registry: Path, work: Path, first: FirstRequest) -> dict:
    db = work / f"run-{time.monotonic_ns()}" / "archive.db"
    args = [python(), "-m", "archive", "crawl", "--sources", str(registry)]
    run = timed([*args, "--db", str(db), "-q", *FAST, *SETTINGS], ROOT, first)
    conn = sqlite3.connect(db)
    try:
        run["urls"] = [r[0] for r in conn.execute("select url from captures order by id")]
        run["articles"] = conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()
    run["pages"] = len(run["urls"])
    return run | {"db": db}


def bare_run(urls: list[str], work: Path, first: FirstRequest) -> dict:
    listing = work / "urls.txt"
    listing.write_text("\n".join(urls))
    args = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve())]
    return timed([*args, "-a", f"urls={listing}", *FAST], work, first) | {"pages": len(urls)}


def python() -> str:
    """The crawled checkout's own interpreter (``--root``), else this one."""
    own = ROOT / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(pairs: list[tuple[dict, dict]]) -> int:
    pipe, bare = [p for p, _ in pairs], [b for _, b in pairs]
    for run in pipe + bare:
        run["pages_per_s"] = run["pages"] / run["seconds"]
    ratios = [p["pages_per_s"] / b["pages_per_s"] for p, b in pairs]
    print(f"pages per crawl: {pipe[0]['pages']}; articles: {pipe[0]['articles']}; "
          f"runs: {len(pairs)} (medians; start-up excluded)")  # fmt: skip
    print(f"{'':24}{'seconds':>9}{'pages/s':>9}{'peak RSS MB':>13}")
    for name, runs in (("edunews crawl", pipe), ("bare scrapy, same URLs", bare)):
        print(f"{name:24}{median(runs, 'seconds'):9.2f}{median(runs, 'pages_per_s'):9.1f}"
              f"{median(runs, 'rss'):13.0f}")  # fmt: skip
    own = statistics.median(r["rss"] - r["rss_workers"] for r in pipe)
    print(f"edunews crawl peak RSS: the crawl process {own:.0f} MB + the processes it "
          f"started {median(pipe, 'rss_workers'):.0f} MB")  # fmt: skip
    report_cpu(pipe)
    report_page_cpu(pairs)
    ratio = statistics.median(ratios)
    print(f"pipeline / bare pages/s: {ratio:.0%} (each run: "
          f"{', '.join(f'{r:.0%}' for r in ratios)})")  # fmt: skip
    got = {"ratio": ratio, "pages_per_s": median(pipe, "pages_per_s")}
    missed = [k for k, goal in GOALS.items() if k != "rss_mb" and got[k] < goal]
    if median(pipe, "rss") > GOALS["rss_mb"]:
        missed.append("rss_mb")
    print("goals: " + ("all met" if not missed else f"missed {', '.join(missed)} ({GOALS})"))
    return 1 if missed else 0


def report_cpu(runs: list[dict]) -> None:
    """CPU ms an article by thread of the crawl process and in its workers (medians)."""
    names = sorted({name for run in runs for name in run["cpu"]})
    per = {
        n: statistics.median(r["cpu"].get(n, 0) * 1000 / r["articles"] for r in runs) for n in names
    }
    shown = sorted((ms, n) for n, ms in per.items() if ms >= 0.05)
    print(
        "CPU ms an article (start-up included): "
        + ", ".join(f"{n} {ms:.1f}" for ms, n in reversed(shown))
        + f"; all {sum(per.values()):.1f}"
    )
    own = statistics.median(
        sum(used for n, used in r["cpu"].items() if n != "worker processes") * 1000 / r["articles"]
        for r in runs
    )
    print(f"CPU ms an article by process: the crawl process {own:.1f} (its threads share one "
          f"GIL), worker processes {per.get('worker processes', 0.0):.1f}")  # fmt: skip


def report_page_cpu(pairs: list[tuple[dict, dict]]) -> None:
    """CPU ms a page from the first request on (medians), for the crawl, the bare spider
    and the sample sites serving each (this process: they share the machine's cores), and
    what is left of the cores at the pages/s goal for edunews's own work once Scrapy's own
    (the bare spider's) and the sites' are paid."""
    pipe, bare = [p for p, _ in pairs], [b for _, b in pairs]

    def ms(runs: list[dict], value) -> float:  # a page, median over the runs
        return statistics.median(value(r) * 1000 / r["pages"] for r in runs)

    names = sorted({n for r in pipe for n in r["crawl_cpu"]} - {"worker processes"})
    threads = {n: ms(pipe, lambda r, n=n: r["crawl_cpu"].get(n, 0.0)) for n in names}
    own = ms(pipe, lambda r: sum(v for n, v in r["crawl_cpu"].items() if n in names))
    workers = ms(pipe, lambda r: r["crawl_cpu"].get("worker processes", 0.0))
    sites = ms(pipe, lambda r: r["sites_cpu"])
    crawl = ms(pipe, lambda r: sum(r["crawl_cpu"].values()))
    shown = ", ".join(
        f"{n} {v:.1f}" for n, v in sorted(threads.items(), key=lambda i: -i[1]) if v >= 0.05
    )
    print(f"CPU ms a page from the first request on ({pipe[0]['pages']} pages): the crawl "
          f"process {own:.1f} ({shown}), worker processes {workers:.1f}, the sample sites "
          f"serving it {sites:.1f}; all {crawl + sites:.1f}")  # fmt: skip
    scrapy_ms = ms(bare, lambda r: sum(r["crawl_cpu"].values()))
    bare_sites = ms(bare, lambda r: r["sites_cpu"])
    print(f"bare spider, same URLs: its process {scrapy_ms:.1f}, the sample sites serving it "
          f"{bare_sites:.1f}; all {scrapy_ms + bare_sites:.1f}")  # fmt: skip
    cores = os.cpu_count() or 1
    budget = cores * 1000 / GOALS["pages_per_s"]
    print(f"at {GOALS['pages_per_s']:.0f} pages/s the {cores} cores give {budget:.1f} ms a page: "
          f"less Scrapy's own (the bare spider's {scrapy_ms:.1f}) and the sites' ({sites:.1f}), "
          f"{budget - scrapy_ms - sites:.1f} are left for edunews's own work, which takes "
          f"{crawl - scrapy_ms:.1f} now (the crawl and workers less the bare spider)")  # fmt: skip


TEXT_GOAL = 2.5  # the database at most this many times the text it holds (issue 13)


def text_bytes(conn) -> int:
    """Bytes of the titles and bodies in UTF-8, whatever the archive's own encoding (in a
    UTF-16 archive ``cast(title as blob)`` gives its UTF-16 bytes)."""
    rows = conn.execute("select title, body_text from articles")
    return sum(len(value.encode()) for row in rows for value in row if value)


def report_disk(db: Path, articles: int) -> bool:
    """Disk per article, and the database's size over the text it holds (search index and
    everything else included); False when above TEXT_GOAL."""
    warc = sum(p.stat().st_size for p in db.parent.rglob("*.warc.gz"))
    db_kb, warc_kb = db.stat().st_size / 1024 / articles, warc / 1024 / articles
    print(f"disk per article: database {db_kb:.1f} KB, WARC {warc_kb:.1f} KB")
    conn = sqlite3.connect(db)
    try:
        text = text_bytes(conn)
    finally:
        conn.close()
    ratio = db.stat().st_size / text
    print(f"database / text it holds: {ratio:.2f}x (goal ≤ {TEXT_GOAL}x)")
    return ratio <= TEXT_GOAL


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--per-site", type=int, default=170)
    parser.add_argument(
        "--keep", type=Path, help="copy the first run's archive here (for dbstat and the like)"
    )
    parser.add_argument(
        "--root", type=Path, help="crawl with this checkout's code (and its .venv), e.g. main's"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a crawl setting"
    )
    args = parser.parse_args()
    SETTINGS.extend(arg for pair in args.set for arg in ("-s", pair))
    global ROOT
    ROOT = (args.root or ROOT).resolve()
    sys.path.insert(0, str(ROOT))
    from tests.sites.fleet import Fleet

    with Fleet(args.sites, args.per_site) as fleet, tempfile.TemporaryDirectory() as tmp:
        work, first = Path(tmp), FirstRequest(fleet.meter)
        registry = work / "sources.yaml"
        registry.write_text(fleet.sources_yaml(), encoding="utf-8")
        pairs = []
        for _ in range(args.runs):
            pipe = pipeline_run(registry, work, first)
            pairs.append((pipe, bare_run(pipe["urls"], work, first)))
        code = report(pairs)
        if not report_disk(pairs[0][0]["db"], pairs[0][0]["articles"]):
            code = 1
        if args.keep:
            shutil.copyfile(pairs[0][0]["db"], args.keep)
    return code


if __name__ == "__main__":
    sys.exit(main())
