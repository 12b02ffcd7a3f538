"""What a crawl costs per source: a first crawl, a re-crawl with no change, and a re-crawl
after N new and M edited articles per site, beside the ideal (N + M + a small constant).

    python bench/bench_recrawl.py [--new 3] [--edited 2] [--sites wp,legacy]

Requests are counted by the sample sites themselves (every request that reached them,
robots.txt included); bytes are the response bytes the crawler recorded per source.
``--sites`` serves only those sample sites (all four by default).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from archive.sqlite import sqlite3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_crawl import site_names  # noqa: E402
from tests.conftest import FAST  # noqa: E402
from tests.sites.server import SampleSites  # noqa: E402

BODY = "วันที่ 20 พฤศจิกายน 2569 ผู้อำนวยการเปิดการประชุมครู\nที่ประชุมเห็นชอบแนวทางการจัดการเรียนการสอน"


def crawl(sources: Path, db: Path) -> None:
    command = [sys.executable, "-m", "archive", "crawl", "-q", "--sources", str(sources)]
    subprocess.run([*command, "--db", str(db), *FAST], cwd=ROOT, check=True, capture_output=True)


def run_costs(db: Path) -> dict[str, tuple[int, int, int, int]]:
    conn = sqlite3.connect(db)
    run = conn.execute("select max(id) from crawl_runs").fetchone()[0]
    sql = "select source, bytes, new, updated from crawl_run_sources where run_id = ?"
    costs = {row[0]: row[1:] for row in conn.execute(sql, [run])}
    conn.close()
    return costs


def report(label: str, sites: SampleSites, db: Path, ideal: dict[str, str]) -> None:
    costs = run_costs(db)
    print(f"\n{label}")
    print(f"{'site':10} {'requests':>9} {'bytes':>10} {'new':>5} {'updated':>8}   ideal")
    for site, paths in sites.request_log.items():
        byte_count, new, updated = costs.get(f"sample-{site}", (0, 0, 0))
        print(f"{site:10} {len(paths):>9} {byte_count:>10} {new:>5} {updated:>8}   {ideal[site]}")
    sites.clear_log()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--new", type=int, default=3)
    parser.add_argument("--edited", type=int, default=2)
    parser.add_argument("--sites", type=site_names, help="comma-separated sample sites")
    args = parser.parse_args()
    with SampleSites(args.sites) as sites, tempfile.TemporaryDirectory() as tmp:
        sources, db = Path(tmp) / "sources.yaml", Path(tmp) / "archive.db"
        sources.write_text(sites.sources_yaml(), encoding="utf-8")
        gold = {site: len(sites.gold(site)) for site in sites.urls}
        crawl(sources, db)
        first = {s: f"{n} articles + index pages" for s, n in gold.items()}
        report("first crawl", sites, db, first)
        crawl(sources, db)
        report("re-crawl, nothing changed", sites, db, dict.fromkeys(sites.urls, "a constant"))
        for site in sites.urls:
            for n in range(args.new):
                sites.add(site, f"ข่าวใหม่ทดสอบ {site} {n}", BODY)
            for record in sites.gold(site)[args.new : args.new + args.edited]:
                sites.edit(site, record["corpus_id"], title=record["title"] + " (แก้ไข)")
        crawl(sources, db)
        ideal = f"{args.new} new + {args.edited} edited + a constant"
        report("re-crawl after changes", sites, db, dict.fromkeys(sites.urls, ideal))
        print(
            "\nconstant per site = robots.txt + homepage + index page(s) + EDUNEWS_RECHECK "
            "(5) sampled re-checks of stored articles; edits on sites without a modified date "
            "(feeds, listings) are found by those re-checks over successive runs."
        )


if __name__ == "__main__":
    main()
