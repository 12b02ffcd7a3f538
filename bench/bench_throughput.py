"""Crawl throughput and memory: the full pipeline vs a bare Scrapy spider on the same URLs.

    python bench/bench_throughput.py [--runs 3] [--no-polite]

Serves the sample sites on 127.0.0.1, crawls them with delays off through `edunews crawl`
(discovery, extraction, Thai normalisation, WARC capture, SQLite), records every URL the
sites served, then fetches exactly those URLs with a spider that does nothing with them:
the ceiling on this machine. Prints medians of --runs runs; peak RSS is the crawl process's
own (wait4). A polite run (project defaults) gives pages per hour per host; the archive's
size per article gives the disk needed per 100,000 articles.

This file is also the bare spider: ``scrapy runspider bench/bench_throughput.py -a urls=F``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import scrapy

ROOT = Path(__file__).resolve().parent.parent
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "LOG_LEVEL=WARNING",
]  # fmt: skip


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


def timed(args: list[str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, exit status, peak RSS in MB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, child.returncode, usage.ru_maxrss // 1024


def pipeline_run(sites, registry: Path, work: Path, extra: list[str]) -> dict:
    db = work / f"run-{time.monotonic_ns()}" / "archive.db"
    sites.clear_log()
    args = [sys.executable, "-m", "archive.cli", "crawl", "--sources", str(registry)]
    seconds, rc, rss = timed([*args, "--db", str(db), "-q", *extra], ROOT)
    urls = [base.rstrip("/") + path for name, base in sites.urls.items()
            for path in sites.request_log[name]]  # fmt: skip
    return {"seconds": seconds, "rc": rc, "rss": rss, "db": db, "urls": urls}


def bare_run(urls: list[str], work: Path) -> dict:
    listing = work / "urls.txt"
    listing.write_text("\n".join(urls))
    args = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve())]
    args += ["-a", f"urls={listing}", *FAST]
    seconds, rc, rss = timed(args, work)  # outside the project: no project settings
    return {"seconds": seconds, "rc": rc, "rss": rss}


def count_articles(db: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()


def disk_per_article(db: Path) -> tuple[float, float]:
    """(database KB, WARC KB) per stored article."""
    n = count_articles(db)
    warc = sum(p.stat().st_size for p in db.parent.rglob("*.warc.gz"))
    return db.stat().st_size / 1024 / n, warc / 1024 / n


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report_throughput(pipe: list[dict], bare: list[dict], articles: int) -> None:
    pages = len(pipe[0]["urls"])
    p_s, b_s = median(pipe, "seconds"), median(bare, "seconds")
    print(f"pages per crawl: {pages}; articles: {articles}; runs: {len(pipe)} (medians)")
    print(f"{'':22}{'seconds':>9}{'pages/s':>9}{'articles/s':>12}{'peak RSS MB':>13}")
    print(
        f"{'edunews crawl':22}{p_s:9.2f}{pages / p_s:9.1f}{articles / p_s:12.1f}"
        f"{median(pipe, 'rss'):13.0f}"
    )
    bare_rss = median(bare, "rss")
    print(f"{'bare scrapy, same URLs':22}{b_s:9.2f}{pages / b_s:9.1f}{'':12}{bare_rss:13.0f}")
    print(f"pipeline overhead: {p_s / b_s:.2f}x the bare fetch time")


def report_startup() -> None:
    """Imports alone (Thai NLP, extraction, Scrapy): a fixed cost inside every crawl's time."""
    code = "import archive.cli, crawler.spiders.archive, crawler.pipelines.normalise"
    seconds = statistics.median(timed([sys.executable, "-c", code], ROOT)[0] for _ in range(3))
    print(f"start-up (imports only): {seconds:.2f} s of each crawl")


def report_polite(sites, registry: Path, work: Path) -> None:
    run = pipeline_run(
        sites, registry, work, ["--only", "sample-feedonly", "-s", "LOG_LEVEL=WARNING"]
    )
    pages = len(run["urls"])
    per_hour = pages / run["seconds"] * 3600
    print(f"polite defaults, one host: {pages} pages in {run['seconds']:.1f} s "
          f"= {per_hour:,.0f} pages/hour per host (start-up included)")  # fmt: skip


def report_disk(db: Path) -> None:
    db_kb, warc_kb = disk_per_article(db)
    db_gb, warc_gb = (kb * 100_000 / 1024 / 1024 for kb in (db_kb, warc_kb))
    print(f"disk per article: database {db_kb:.1f} KB, WARC {warc_kb:.1f} KB")
    print(f"per 100,000 articles: database {db_gb:.2f} GB + WARC {warc_gb:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-polite", action="store_true", help="skip the polite run (~20 s)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.sites.server import SampleSites

    with SampleSites() as sites, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        registry = work / "sources.yaml"
        registry.write_text(sites.sources_yaml(), encoding="utf-8")
        pipe = [pipeline_run(sites, registry, work, FAST) for _ in range(args.runs)]
        bare = [bare_run(pipe[0]["urls"], work) for _ in range(args.runs)]
        if any(r["rc"] for r in pipe + bare):
            sys.exit(f"a run failed: {[r['rc'] for r in pipe + bare]}")
        report_throughput(pipe, bare, count_articles(pipe[0]["db"]))
        report_startup()
        report_disk(pipe[0]["db"])
        if not args.no_polite:
            report_polite(sites, registry, work)


if __name__ == "__main__":
    main()
