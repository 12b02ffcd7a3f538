"""Page latency benchmark: what a journalist waits for on an archive of 100,000 articles.

    python bench/bench_pages.py [--articles 100000] [--cache DIR] [--rounds 2] [--schema ...]

Builds (once, cached under --cache) an archive of about 100,000 articles by replicating the
shared corpus through ``archive.store.save_article`` (the real write path, all migrations),
with the entities the crawler's normaliser extracts and a few edited versions, then times
through Datasette's own client: the landing page, a Thai search (the articles listing, HTML,
with its default facets) for every benchmark query, and article pages. Prints median, p95 and
max per page; the target is p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote

from archive.sqlite import sqlite3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import publish, store  # noqa: E402
from bench import bench_search  # noqa: E402
from bench.bench_search import (  # noqa: E402
    CORPUS,
    load_corpus,
    load_queries,
    percentile,
    replica,
)
from crawler.thai.entities import extract_entities  # noqa: E402

TARGET_MS = 300
ARTICLE_PAGES = 60
# Indexes that are not (yet) in archive/migrations.py, tried with --schema proposed.
SCHEMAS = {
    "migrated": [],
    "proposed": [
        "create index if not exists idx_articles_source_month on articles(source, month)",
        "create index if not exists idx_articles_year on articles(year)",
    ],
}


def entities_for(records: list[dict]) -> list[dict]:
    return [extract_entities(f"{r['title']}\n{r['body']}") for r in records]


def article(record: dict, entities: dict, copy: int):
    found = replica(record, copy)
    found.entities = entities
    return found


def build(path: Path, records: list[dict], total: int) -> Path:
    """The search benchmark's archive, with entities and a few edited articles."""
    if path.exists():
        return path
    entities = entities_for(records)
    return bench_search.build(
        path,
        records,
        total,
        make=lambda index, copy: article(records[index], entities[index], copy),
        finish=lambda db: edit_some(db, records, entities),
    )


def edit_some(db, records: list[dict], entities: list[dict], count: int = 50) -> None:
    """A second version of a few articles, so history pages have something to show."""
    for index in range(count):
        edited = article(records[index], entities[index], 0)
        edited.body_text = (edited.body_text or "") + "\nแก้ไขข้อมูลเพิ่มเติม"
        store.save_article(db, edited)


async def timed(ds, path: str) -> float:
    started = time.perf_counter()
    response = await ds.client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return elapsed


WARM_UP_QUERY = "ข่าว"  # not a benchmark query: each query's first run stays a first run


async def measure(ds, paths: list[str], rounds: int) -> list[tuple[float, str]]:
    warm_up = paths[0]
    if "_search=" in warm_up:
        warm_up = warm_up.split("_search=")[0] + "_search=" + quote(WARM_UP_QUERY)
    await ds.client.get(warm_up)  # warm-up: startup, schema, page cache
    return [(await timed(ds, path), path) for _ in range(rounds) for path in paths]


EDITED_SQL = "select article_id from article_versions where version = 2 limit 10"


def article_paths(db_path: Path, count: int) -> list[str]:
    """A fixed random sample of articles, ending with ten that have two versions."""
    conn = sqlite3.connect(db_path)
    ids = [r[0] for r in conn.execute("select id from articles")]
    edited = [r[0] for r in conn.execute(EDITED_SQL)]
    conn.close()
    chosen = random.Random(7).sample(ids, count - len(edited)) + edited
    return [f"/edunews/articles/{i}" for i in chosen]


def report(label: str, found: list[tuple[float, str]]) -> bool:
    times = sorted(t for t, _ in found)
    p95 = percentile(times, 0.95)
    verdict = "ok" if p95 < TARGET_MS else "SLOW"
    print(
        f"{label:<34} n={len(times):<4} median {times[len(times) // 2]:7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {times[-1]:7.1f} ms   {verdict}"
    )
    slowest = sorted(found, reverse=True)[:3]
    print("    slowest: " + ", ".join(f"{shown(p)} {t:.0f} ms" for t, p in slowest))
    return p95 < TARGET_MS


def shown(path: str) -> str:
    return unquote(path.rsplit("=", 1)[-1] if "=" in path else path.split("/")[-1])[:40]


def pages(db_path: Path, queries: list[str]) -> dict[str, list[str]]:
    return {
        "landing page /": ["/"],
        "search /edunews/articles?_search=": [
            f"/edunews/articles?_search={quote(q)}" for q in queries
        ],
        "article page /edunews/articles/<id>": article_paths(db_path, ARTICLE_PAGES),
        "history /-/edunews/history/<id>": [
            p.replace("/edunews/articles/", "/-/edunews/history/")
            for p in article_paths(db_path, 10)[-10:]
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/edunews-bench"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--landing-rounds", type=int, default=40)
    parser.add_argument("--schema", choices=sorted(SCHEMAS), default="migrated")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    records, queries = load_corpus(args.corpus), load_queries()
    started = time.perf_counter()
    name = f"pages-{args.articles}-{bench_search.cache_key(args.corpus)}.db"
    db_path = build(args.cache / name, records, args.articles)
    print(f"database {db_path} ready in {time.perf_counter() - started:.0f} s")
    with sqlite3.connect(db_path) as conn:
        for sql in SCHEMAS[args.schema]:
            conn.execute(sql)
    ds = publish.datasette_app(db_path)
    print(f"\n== page latency through Datasette: {args.articles:,} articles, {args.schema} ==")
    fine = True
    for label, paths in pages(db_path, queries).items():
        rounds = args.landing_rounds if len(paths) == 1 else args.rounds
        found = asyncio.run(measure(ds, paths, rounds))
        fine &= report(label, found)
        if "_search" in paths[0] and rounds > 1:  # first runs match; repeats reuse the match
            report("  first run of each query", found[: len(paths)])
            report("  repeated queries", found[len(paths) :])
    print(f"\nall pages p95 under {TARGET_MS} ms: {'yes' if fine else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
