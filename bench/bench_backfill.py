"""Backfill: one `edunews crawl` process over hundreds of local sample sites holding hundreds
of articles each (issue 13: 250 sites x 200 articles, memory flat in the number of sites).

    python bench/bench_backfill.py [--sizes 50x200,250x200] [--corpus PATH] [--timeout S]
        [--seed ARCHIVE]

Each site (tests/sites/fleet.py) draws its articles from the whole corpus
(``catalogue.corpus_records``, bench/corpus.py), a different window per site; delays and
AutoThrottle are off, concurrency as shipped (bench/bench_scale.py's settings). Printed per
size: wall time, requests per second, articles stored of served, peak RSS of the crawl
process and of its process tree (summed, sampled every 0.5 s: worker processes count).
Exits 1 when a goal is missed: every served article stored, peak tree RSS at most
``RSS_LIMIT_MB``, and a size with more sites (same articles per site) at most
``GROWTH_LIMIT`` times the peak RSS of one with fewer. ``--seed`` crawls into a copy of an
archive that already holds many articles (e.g. bench_search's 100,000), not an empty one: a
short crawl then shows what grows with the archive's size. ``--memlog DIR`` has the crawl
process log its memory every second (``archive.memlog``: anonymous and file-backed pages,
glibc's heap in use and free, SQLite's allocations, Python's blocks) to a file there, and
prints that log's least reading in each quarter of the run, where a climb of what stays shows.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import crawl_fleet, quarters, report  # noqa: E402
from bench.corpus import corpus_path  # noqa: E402
from tests.sites.catalogue import corpus_records  # noqa: E402

RSS_LIMIT_MB = 300
GROWTH_LIMIT = 1.25  # peak RSS of the largest size / of the first


def sizes(text: str) -> list[tuple[int, int]]:
    """``50x200,250x200`` -> [(50, 200), (250, 200)]: sites x articles per site."""
    return [tuple(int(n) for n in size.split("x")) for size in text.split(",")]


def verdicts(runs: list[dict]) -> list[str]:
    """The goals each run, and the growth from the first size to the last, missed."""
    missed = []
    for m in runs:
        label = f"{m['sites']} x {m['per_site']}"
        if m["stored"] < m["gold"] or m["recall"] < 1.0:
            missed.append(f"{label}: {m['gold'] - m['stored']} articles not stored {m['missing']}")
        if m["tree_rss_mb"] > RSS_LIMIT_MB:
            missed.append(f"{label}: peak RSS {m['tree_rss_mb']:.0f} MB > {RSS_LIMIT_MB} MB")
    for small, large, growth in growths(runs):
        if large["sites"] > small["sites"] and growth > GROWTH_LIMIT:
            missed.append(f"peak RSS grew {growth:.2f}x with the number of sites")
    return missed


def growths(runs: list[dict]):
    """(smaller, larger, RSS ratio) for each pair of sizes differing in sites or articles
    per site alone."""
    for a in runs:
        for b in runs:
            more_sites = a["per_site"] == b["per_site"] and b["sites"] > a["sites"]
            more_articles = a["sites"] == b["sites"] and b["per_site"] > a["per_site"]
            if more_sites or more_articles:
                yield a, b, b["tree_rss_mb"] / a["tree_rss_mb"]


def memlog_floors(path: Path) -> list[dict]:
    """The crawl process's memory log (``archive.memlog``): its reading of least RSS in
    each quarter of the run."""
    readings = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [min(q, key=lambda r: r["rss"]) for q in quarters(readings)] if readings else []


def describe_floors(floors: list[dict]) -> str:
    keys = ("rss", "anon", "file", "malloc_used", "malloc_free", "sqlite")
    lines = ["  crawl process, least RSS per quarter (MB; Python blocks in thousands):"]
    for n, r in enumerate(floors, 1):
        figures = ", ".join(f"{k} {r[k]:.0f}" for k in keys if k in r)
        lines.append(f"    Q{n} at {r['t']:.0f} s: {figures}, py_blocks {r['py_blocks'] // 1000}k")
    return "\n".join(lines)


# What the crawl log says as the crawl ends: its last page; the compaction done (after the
# pipelines closed: the run record written, the stories regrouped); the writer closed (the
# free pages given back too) and Scrapy's stats dumped.
END_MARKS = {
    "closing": "Closing spider (",
    "compacted": "archive compacted (",
    "closed": "Dumping Scrapy stats",
}


def end_of_crawl(logs: Path) -> dict:
    """Seconds from the crawl log's "Closing spider" to each later mark (1 s resolution),
    and the compaction's own line."""
    seen, said = {}, ""
    for log in sorted(logs.glob("crawl-*.log"))[-1:]:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            for mark, text in END_MARKS.items():
                if text in line and mark not in seen:
                    seen[mark] = datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S")
                    said = line[line.index(text) :] if mark == "compacted" else said
    if "closing" not in seen:
        return {}
    end = {mark: (at - seen["closing"]).total_seconds() for mark, at in seen.items()}
    return end | ({"compaction": said} if said else {})


def describe_end(end: dict) -> str:
    if "closed" not in end:
        return "  crawl's end: not in the log"
    line = f"  crawl's end (log, 1 s): last page to writer closed {end['closed']:.0f} s"
    return line + (f"; {end['compaction']}" if "compaction" in end else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=sizes, default=sizes("50x200,250x200"))
    parser.add_argument("--corpus", default=None, help="corpus .jsonl (default: bench/corpus.py)")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per crawl")
    parser.add_argument("--seed", type=Path, default=None, help="crawl into a copy of this archive")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--memlog", type=Path, default=None, help="folder for the memory logs")
    args = parser.parse_args(argv)
    extra = [x for pair in args.set for x in ("-s", pair)]
    if args.memlog:
        args.memlog.mkdir(parents=True, exist_ok=True)
    pool = corpus_records(corpus_path(args.corpus))
    print(f"article pool: {len(pool):,} corpus articles", flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for count, per_site in args.sizes:
            work = Path(tmp) / f"{count}x{per_site}"
            work.mkdir()
            started = time.strftime("%H:%M:%S")
            print(f"\n== {count} sites x {per_site} articles (started {started}) ==", flush=True)
            log = args.memlog and args.memlog.resolve() / f"memlog-{count}x{per_site}.jsonl"
            if log:
                log.unlink(missing_ok=True)  # the log appends: not an earlier run's lines
            probe = ["-s", f"EDUNEWS_MEMLOG={log}"] if log else []
            m = crawl_fleet(
                count, per_site, work, args.timeout, extra + probe, pool=pool, seed=args.seed
            )
            runs.append(m | {"per_site": per_site})
            print(report(m) + "\n" + describe_end(end_of_crawl(work / "logs")), flush=True)
            if log and log.exists():
                print(describe_floors(memlog_floors(log)) + f"\n  (log: {log})", flush=True)
    for small, large, growth in growths(runs):
        print(
            f"\npeak RSS (tree): {small['tree_rss_mb']:.0f} MB at {small['sites']} x "
            f"{small['per_site']} -> {large['tree_rss_mb']:.0f} MB at {large['sites']} x "
            f"{large['per_site']} ({growth:.2f}x)"
        )
    missed = verdicts(runs)
    print("\ngoals: " + ("all met" if not missed else "NOT met:\n  " + "\n  ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
