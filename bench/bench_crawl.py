"""Crawl the bundled sample sites with a real `edunews crawl` process and print, per site:
article recall, exactness of titles, dates, bodies, images and attachments against the gold
list, and the crawl's wall time (median of --runs runs, each into a fresh database).

    python bench/bench_crawl.py [--runs 3] [--sites wp,legacy]

``--sites`` crawls only those sample sites (all four by default; tests/test_bench_smoke.py
crawls the smallest).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import FAST  # noqa: E402
from tests.quality import measure  # noqa: E402
from tests.sites.server import SampleSites  # noqa: E402

COLUMNS = ("recall", "title_exact", "date_exact", "body_exact", "body_similarity_min")
COLUMNS += ("images_exact", "attachments_exact")


def crawl(sources: Path, db: Path) -> float:
    start = time.perf_counter()
    command = [sys.executable, "-m", "archive", "crawl", "-q"]
    command += ["--sources", str(sources), "--db", str(db), *FAST]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def site_names(value: str) -> list[str]:
    return [name for name in value.split(",") if name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sites", type=site_names, help="comma-separated sample sites")
    args = parser.parse_args()
    with SampleSites(args.sites) as sites, tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(sites.sources_yaml(), encoding="utf-8")
        times = [crawl(sources, Path(tmp) / f"run{n}.db") for n in range(args.runs)]
        db = Path(tmp) / "run0.db"
        print(f"{'site':10} {'gold':>5} " + " ".join(f"{c:>20}" for c in COLUMNS))
        for site in [*sites.urls, None]:
            m = measure(db, sites.gold(site))
            values = " ".join(f"{m[c]:>20.3f}" for c in COLUMNS)
            print(f"{site or 'ALL':10} {m['gold']:>5} {values}")
        total = measure(db, sites.gold())
        print(f"stored {total['stored']} articles, {len(total['extra'])} non-gold pages stored")
        print(f"crawl wall time: median {statistics.median(times):.2f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
