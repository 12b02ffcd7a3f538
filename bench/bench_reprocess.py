"""`edunews reprocess` speed: articles per second re-extracted from their WARC captures.

    python bench/bench_reprocess.py [--runs 3] [--sites 8] [--per-site 50] [--workers N]
                                    [--root DIR] [--redated] [--keep DIR]

Crawls sample agency sites (tests/sites/fleet.py) once into a fresh archive with capture
on, then times ``archive.reprocess.reprocess`` on copies of it, in this process (start-up
excluded): once as it is (every article re-extracted, found unchanged, nothing written), and
once with every stored text replaced first, so that every article is written again as a new
version (search index, signature, entities: the whole path); with ``--redated``, once with
every stored date moved (a new version of the same text). As `edunews reprocess` does,
worker processes (``archive.workers``, --workers, default one per core but one; 0 inline)
extract, prepare and derive while this process reads captures and saves; they are started
and warmed up before the timing. Goal (issue 13): ≥ 150 articles/s; exits 1 below it.

Each pass also reports its CPU seconds (median of the runs): this process (``getrusage``, all
its threads) and the workers (``/proc/<pid>/stat``), steadier than articles/s on a shared
machine. ``--root DIR`` runs another checkout's code (its ``archive`` and ``crawler``, with
this interpreter), so old and new can be alternated with the very same bench. ``--keep
DIR`` keeps the crawled archive and its WARC files in DIR and uses them again when they are
there (alternated runs then reprocess the very same captures, without a crawl each).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _root(argv: list[str]) -> Path:
    """The checkout whose code runs (``--root``), read before its modules are imported."""
    for n, arg in enumerate(argv):
        if arg == "--root" and n + 1 < len(argv):
            return Path(argv[n + 1]).resolve()
        if arg.startswith("--root="):
            return Path(arg.split("=", 1)[1]).resolve()
    return Path(__file__).resolve().parent.parent


ROOT = _root(sys.argv)
sys.path.insert(0, str(ROOT))

from archive import reprocess, store  # noqa: E402
from archive.workers import Pool, default_workers  # noqa: E402
from tests.sites.fleet import Fleet  # noqa: E402

GOAL = 150.0
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]


def crawl(work: Path, sites: int, per_site: int) -> Path:
    db = work / "crawl" / "archive.db"
    if db.exists():  # kept from an earlier run (--keep)
        return db
    work.mkdir(parents=True, exist_ok=True)
    with Fleet(sites, per_site) as fleet:
        registry = work / "sources.yaml"
        registry.write_text(fleet.sources_yaml(), encoding="utf-8")
        args = [sys.executable, "-m", "archive", "crawl", "--sources", str(registry)]
        subprocess.run([*args, "--db", str(db), "-q", *FAST], cwd=ROOT, check=True)
    return db


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """CPU seconds used so far by this process (every thread) and by the processes ``pids``."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    tick = os.sysconf("SC_CLK_TCK")
    workers = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # a worker replaced: its CPU is lost to the count
            continue
        fields = stat.rsplit(")", 1)[1].split()
        workers += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return own.ru_utime + own.ru_stime, workers


# What each pass changes in the stored rows first: "rewritten", every text (the whole write
# path); "redated", every publication date (a new version of the same text: nothing to index).
CHANGES = {
    "rewritten": "update articles set title = title || ' ~', body_text = body_text || ' ~', "
    "content_hash = null",
    "redated": "update articles set published_at = '2001' || substr(published_at, 5), "
    "content_hash = null where published_at is not null",
}
LABELS = {
    "unchanged": "unchanged (read only)",
    "rewritten": "every article written again",
    "redated": "every date moved (text unchanged)",
}


def timed_reprocess(
    crawled: Path, work: Path, mode: str, pool: Pool, pids: list[int]
) -> tuple[float, int, float, float]:
    copy = work / f"copy-{time.monotonic_ns()}.db"
    shutil.copy(crawled, copy)
    db = store.open_db(copy)
    if mode in CHANGES:  # every article must be written again
        with db.conn:
            db.execute(CHANGES[mode])
    started, cpu = time.perf_counter(), cpu_seconds(pids)
    counts = reprocess.reprocess(db, crawled.parent / "warc", pool=pool)
    seconds, after = time.perf_counter() - started, cpu_seconds(pids)
    db.close()
    done = sum(counts[k] for k in ("new", "updated", "unchanged"))
    return seconds, done, after[0] - cpu[0], after[1] - cpu[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--per-site", type=int, default=50)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--root", help="run this checkout's code (default: this one's)")
    parser.add_argument(
        "--redated", action="store_true", help="also a pass with every date moved, text unchanged"
    )
    parser.add_argument("--keep", help="keep the crawl in this folder, or use the one there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        crawled = crawl(Path(args.keep) if args.keep else work, args.sites, args.per_site)
        pool = Pool(args.workers).start()
        pids = pool.wait_ready()
        print(f"code: {ROOT}; worker processes: {pool.workers}")
        speeds = {}
        modes = ["unchanged", "rewritten"] + ["redated"] * args.redated
        for mode in modes:
            runs = [timed_reprocess(crawled, work, mode, pool, pids) for _ in range(args.runs)]
            speeds[mode] = statistics.median(run[1] / run[0] for run in runs)
            here = statistics.median(run[2] for run in runs)
            there = statistics.median(run[3] for run in runs)
            print(
                f"reprocess, {LABELS[mode]}: {runs[0][1]} articles, {speeds[mode]:.0f} "
                f"articles/s, CPU s: this process {here:.2f}, workers {there:.2f}"
            )
        pool.close()
    worst = min(speeds["unchanged"], speeds["rewritten"])
    print(f"goal ≥ {GOAL:.0f} articles/s: {'met' if worst >= GOAL else 'missed'}")
    return 0 if worst >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
