"""Crawl a real WordPress (tests/realwp: Debian's package, 300 Thai releases) with a real
`edunews crawl` process and print recall, precision, requests and wall time for: a first
crawl through the REST API, an unchanged re-crawl, crawls with the REST API disabled (feed)
and with feeds off too (wp-sitemap.xml), the re-crawl after the site's second state (edits, a
trashed and a deleted post), and one after a switch to plain ``?p=123`` permalinks.
Needs root (apt and MariaDB); about two minutes on a quiet machine.

    python bench/bench_wordpress.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive.sqlite import sqlite3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.ids import url_key  # noqa: E402
from tests.conftest import FAST  # noqa: E402
from tests.realwp import wordpress  # noqa: E402


def crawl(site: wordpress.Site, db: Path) -> tuple[float, dict]:
    sources = db.parent / "sources.yaml"
    sources.write_text(
        f"sources:\n  - id: realwp\n    name: WordPress\n    url: {site.url}/\n", encoding="utf-8"
    )
    start = time.perf_counter()
    command = [sys.executable, "-m", "archive", "crawl", "-q"]
    command += ["--sources", str(sources), "--db", str(db), *FAST]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    run = dict(conn.execute("select * from crawl_run_sources order by run_id desc").fetchone())
    conn.close()
    return seconds, run


def scores(site: wordpress.Site, db: Path) -> dict:
    """Recall and precision of live articles; removals kept; versions equal to the last."""
    want = {url_key(p["link"]) for p in site.live_posts()}
    conn = sqlite3.connect(db)
    rows = conn.execute("select url from articles where removed_at is null")
    live = {url_key(r[0]) for r in rows}
    removed = conn.execute("select count(*) from articles where removed_at is not null")
    same = conn.execute(
        "select count(*) from article_versions v join article_versions w on "
        "v.article_id = w.article_id and w.version = v.version + 1 and v.title = w.title "
        "and v.body_text = w.body_text and v.published_at is w.published_at"
    )
    result = {
        "recall": len(live & want) / len(want),
        "precision": len(live & want) / (len(live) or 1),
        "removed": removed.fetchone()[0],
        "identical_versions": same.fetchone()[0],
    }
    conn.close()
    return result


def report(name: str, seconds: float, run: dict, measured: dict) -> None:
    print(
        f"{name:<22} recall {measured['recall']:6.1%}  precision {measured['precision']:6.1%}  "
        f"requests {run['pages']:4d}  new {run['new']:3d}  updated {run['updated']:2d}  "
        f"removed {measured['removed']}  identical versions {measured['identical_versions']}  "
        f"via {run['discovery']}  {seconds:6.1f} s"
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-wp-"))
    began = time.perf_counter()
    site = wordpress.start(work / "site")
    ready = time.perf_counter() - began
    print(f"WordPress with {len(site.live_posts())} posts ready in {ready:.1f} s")
    try:
        (work / "api").mkdir()
        db = work / "api" / "archive.db"
        seconds, run = crawl(site, db)
        report("first crawl (API)", seconds, run, scores(site, db))
        seconds, run = crawl(site, db)
        report("unchanged re-crawl", seconds, run, scores(site, db))
        wordpress.set_rest(site, enabled=False)
        (work / "norest").mkdir()
        other = work / "norest" / "archive.db"
        seconds, run = crawl(site, other)
        report("REST API disabled", seconds, run, scores(site, other))
        wordpress.set_feeds(site, enabled=False)
        (work / "sitemap").mkdir()
        other = work / "sitemap" / "archive.db"
        seconds, run = crawl(site, other)
        report("REST and feeds off", seconds, run, scores(site, other))
        wordpress.set_rest(site, enabled=True)
        wordpress.set_feeds(site, enabled=True)
        wordpress.second_state(site)
        seconds, run = crawl(site, db)
        report("second state re-crawl", seconds, run, scores(site, db))
        wordpress.set_permalinks(site, "")
        seconds, run = crawl(site, db)
        report("plain permalinks", seconds, run, scores(site, db))
    finally:
        wordpress.stop(site.root)
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
