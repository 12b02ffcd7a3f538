"""Search benchmark: recall and precision against a substring scan, latency through Datasette.

    python bench/bench_search.py [--corpus PATH] [--articles 100000] [--cache DIR]

Builds (once, cached under --cache) a database of the shared corpus and one of about 100,000
articles made by replicating corpus articles under varied URLs, both through
``archive.store.save_article`` (the real write path). Prints a table per measure. The
latency goals count queries the server has not answered before (and the first relevance
search after it starts); exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

from archive.sqlite import sqlite3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import matches, process, publish, search, store  # noqa: E402
from bench.corpus import corpus_path  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.thai.text import searchable_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "data" / "search-queries.txt"
CORPUS = corpus_path()  # ../shared/corpus, else the copy under tests/
SOURCES = ("thaigov", "obec", "vec", "ohec")


TARGET_MS = 200  # p95 of the search page at 100,000 articles (issue 3)
# The pages whose first-time p95 is judged against TARGET_MS: the search page by date and by
# relevance (issue 13); the listing's JSON is reported only.
JUDGED = ("articles", "article_search.json")


def load_corpus(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_queries(path: Path = QUERIES) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def replica(record: dict, copy: int) -> Article:
    """Copy ``copy`` of a corpus record: its own URL, source and year (4-year steps keep 29 Feb)."""
    year = int(record["date"][:4]) - 4 * (copy % 4)
    # The copy under tests/ holds the two OBEC releases the project was designed from, which
    # came with no URL: their corpus id makes one.
    base = record.get("source_url") or f"https://www.obec.go.th/corpus/{record['corpus_id']}"
    url = base + (f"?copy={copy}" if copy else "")
    return Article(
        url=url,
        source=SOURCES[copy % len(SOURCES)],
        title=record["title"],
        body_text=record["body"],
        published_at=f"{year}{record['date'][4:]}",
    )


def source(name: str) -> SimpleNamespace:
    return SimpleNamespace(id=name, name=name, name_en=name, url="", kind="auto", hints={})


# What the built archive depends on besides the corpus: a change to any of these makes a new
# cache file, so a cached archive is always what today's write path would make.
WRITE_PATH = ("search.py", "migrations.py", "store.py", "process.py", "stories.py")


def cache_key(corpus: Path) -> str:
    """Corpus hash + write-path (schema, migrations, index format) hash, for cache names."""
    digest = hashlib.sha1(corpus.read_bytes())
    for name in WRITE_PATH:
        digest.update((ROOT / "archive" / name).read_bytes())
    return digest.hexdigest()[:10]


def _derive(text: tuple[str | None, str | None]) -> process.Derived:
    return process.derive(*text, normalised=False)  # as store.save_article calls it


def derive_all(texts: list[tuple[str | None, str | None]]) -> dict:
    """``process.derive`` of each distinct text, on every core: newmm and MinHash cost
    ~30 ms an article, and replicas share their text."""
    distinct = list(dict.fromkeys(texts))
    with ProcessPoolExecutor() as pool:
        known = dict(zip(distinct, pool.map(_derive, distinct, chunksize=16), strict=True))
    for text in distinct[:: max(1, len(distinct) // 5)]:  # workers derive as this process does
        assert known[text] == _derive(text), f"derived forms differ: {text[0]}"
    return known


@contextmanager
def derived_from(known: dict):
    """``store.save_article`` takes a text's derived forms from ``known`` (computed by the
    real ``derive``); any other text (an edit) is derived as usual."""
    real = store.derive

    def lookup(title, body, normalised=True):
        found = known.get((title, body)) if not normalised else None
        return found or real(title, body, normalised=normalised)

    store.derive = lookup
    try:
        yield
    finally:
        store.derive = real


BATCH = 1000  # articles per transaction, as the crawl's writer batches (archive/writer.py)


def build(path: Path, records: list[dict], total: int, make=None, finish=None) -> Path:
    """An archive of ``total`` articles, copy by copy of ``records`` (``make(index, copy)``,
    a ``replica`` by default), through the real write path (``store.save_article`` in
    ``store.batch`` transactions, as a crawl writes); ``finish(db)`` runs last. Kept at
    ``path``: a second run starts at once."""
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    make = make or (lambda index, copy: replica(records[index], copy))
    started = time.perf_counter()
    known = derive_all([(r["title"], r["body"]) for r in records])
    print(f"  derived {len(known):,} distinct texts in {time.perf_counter() - started:.0f} s")
    db = store.open_db(partial)
    db.execute("PRAGMA synchronous = OFF")  # a throwaway benchmark file: speed over durability
    store.upsert_sources(db, [source(s) for s in SOURCES])
    with derived_from(known):
        for first in range(0, total, BATCH):
            with store.batch(db):
                for n in range(first, min(first + BATCH, total)):
                    copy, index = divmod(n, len(records))
                    store.save_article(db, make(index, copy))
            if (first + BATCH) % 10000 == 0:
                rate = (first + BATCH) / (time.perf_counter() - started)
                print(f"  built {first + BATCH:,} articles ({rate:.0f}/s)", flush=True)
        if finish:
            finish(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    partial.rename(path)
    print(f"  built {path.name}: {total:,} articles in {time.perf_counter() - started:.0f} s")
    return path


# -- accuracy --------------------------------------------------------------------------------


def scan_matches(texts: dict[int, str], query: str) -> set[int]:
    """The ground truth: articles whose searchable text contains every term as a substring."""
    terms = [searchable_text(t).lower() for t in query.split()]
    return {rowid for rowid, text in texts.items() if all(t in text for t in terms)}


def index_matches(db, query: str) -> set[int]:
    sql = f"select rowid from {search.INDEX} where {search.INDEX} match ?"
    return {row[0] for row in db.execute(sql, [search.match_expression(query)])}


def accuracy(db, queries: list[str]) -> list[tuple[str, int, int, int]]:
    rows = db.execute("select rowid, title, body_text from articles").fetchall()
    texts = {r[0]: searchable_text("\n".join(filter(None, r[1:]))).lower() for r in rows}
    table = []
    for query in queries:
        truth, found = scan_matches(texts, query), index_matches(db, query)
        table.append((query, len(truth), len(found), len(truth & found)))
    return table


def print_accuracy(table) -> None:
    truth = sum(t for _, t, _, _ in table)
    found = sum(f for _, _, f, _ in table)
    hits = sum(h for _, _, _, h in table)
    misses = [q for q, t, _, h in table if h < t]
    extra = [q for q, _, f, h in table if f > h]
    print(f"queries: {len(table)}   substring matches: {truth:,}   index matches: {found:,}")
    print(f"recall:    {hits / truth:.4f}   (queries missing any: {misses or 'none'})")
    print(f"precision: {hits / found:.4f}   (queries with extra rows: {extra or 'none'})")


# -- size and latency ------------------------------------------------------------------------


def sizes(db) -> tuple[int, int, int]:
    """Bytes of indexed text, of the FTS index, and of the pending-old-text table."""
    rows = db.execute("select title, body_text from articles")  # UTF-8, whatever the archive's
    text = sum(len(value.encode()) for row in rows for value in row if value)
    try:
        pages = "select coalesce(sum(pgsize), 0) from dbstat where name like ?"
        index = db.execute(pages, [search.INDEX + "%"]).fetchone()[0]
        pending = db.execute(pages, [search.PENDING]).fetchone()[0]
    except sqlite3.OperationalError:  # an SQLite without dbstat (pysqlite3's)
        return text, fts_bytes(db, search.INDEX), 0
    return text, index - pending, pending


def fts_bytes(conn, name: str) -> int:
    """An FTS5 index's segment blocks, where SQLite has no dbstat (pysqlite3's is built
    without): ~99 % of its pages."""
    return conn.execute(f"select coalesce(sum(length(block)), 0) from {name}_data").fetchone()[0]


def grams_only_size(db) -> int:
    """Size of an index holding the grams column alone, built aside in memory."""
    aside = sqlite3.connect(":memory:")
    aside.execute(
        f"create virtual table g using fts5(grams, content='', tokenize=\"{search.TOKENIZER}\")"
    )
    rows = db.execute("select rowid, title, body_text from articles")
    aside.executemany(
        "insert into g(rowid, grams) values (?, ?)",
        ((rowid, search.grams("\n".join(filter(None, [t, b])))) for rowid, t, b in rows),
    )
    try:
        return aside.execute("select sum(pgsize) from dbstat where name like 'g%'").fetchone()[0]
    except sqlite3.OperationalError:  # an SQLite without dbstat (pysqlite3's)
        return fts_bytes(aside, "g")


def indexing_ms(db, sample: int = 200) -> tuple[float, float]:
    """Milliseconds per article to compute the grams column and the newmm words column."""
    rows = db.execute("select title, body_text from articles limit ?", [sample]).fetchall()
    texts = ["\n".join(filter(None, r)) for r in rows]
    costs = []
    for column in (search.grams, search.words):
        started = time.perf_counter()
        for text in texts:
            column(text)
        costs.append((time.perf_counter() - started) * 1000 / len(texts))
    return costs[0], costs[1]


def url(page: str, query: str) -> str:
    return f"/edunews/{page}?_search={quote(query)}"


FIRST_TARGET_MS = 300  # the first relevance search after the server starts (issue 13)


async def first_relevance_ms(db_path: Path, query: str) -> tuple[float, float, float]:
    """Milliseconds to start the server (Datasette's startup hooks, as a served app runs them
    before it takes requests), then to answer its first request: a relevance search (wall
    time, then the process's CPU time for it)."""
    matches.forget()
    started = time.perf_counter()
    ds = publish.datasette_app(db_path)
    await ds.invoke_startup()
    startup = (time.perf_counter() - started) * 1000
    started, cpu = time.perf_counter(), time.process_time()
    response = await ds.client.get(url("article_search", query))
    first = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu) * 1000
    return startup, first if response.status_code == 200 else float("inf"), cpu


async def timings(
    db_path: Path, queries: list[str], page: str, rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per request, round by round, as wall time and as the process's CPU time
    (the server's threads included; steadier than wall time on a loaded machine): the first
    round matches each query, later rounds find the match kept in memory (until the next
    commit). Only the first round counts for the goal: a reader's query is rarely one the
    server has just answered."""
    matches.forget()  # each page starts without the matches an earlier page left in memory
    ds = publish.datasette_app(db_path)
    await ds.client.get(url(page, "ข่าว"))  # warm-up (not a benchmark query): startup, caches
    times, cpu = [], []
    for _ in range(rounds):
        for query in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = await ds.client.get(url(page, query))
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != 200:  # e.g. sql_time_limit_ms: slower than any goal
                print(f"    {query}: HTTP {response.status_code} after {elapsed:.0f} ms")
                elapsed = float("inf")
            times.append(elapsed)
    return times, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def print_latency(label: str, times: list[float], queries: list[str]) -> float:
    p95 = percentile(times, 0.95)
    print(
        f"{label:<44} n={len(times):<4} median {statistics.median(times):7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {max(times):7.1f} ms"
    )
    repeated = queries * (len(times) // len(queries))
    slowest = sorted(zip(times, repeated, strict=True), reverse=True)[:4]
    print("    slowest: " + ", ".join(f"{q} {t:.0f} ms" for t, q in slowest))
    return p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/edunews-bench"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--per-query", action="store_true", help="print each query's first-time figures"
    )
    parser.add_argument(
        "--archive",
        type=Path,
        help="measure latency only, on this archive (e.g. a cached one built by an older "
        "write path: its file name no longer matches, its index is the same)",
    )
    args = parser.parse_args(argv)
    if args.archive:
        with sqlite3.connect(args.archive.resolve().as_uri() + "?mode=ro", uri=True) as conn:
            count = conn.execute("select count(*) from articles").fetchone()[0]
        missed = latency(args.archive, count, load_queries(), args.rounds, args.per_query)
        return 1 if missed else 0
    args.cache.mkdir(parents=True, exist_ok=True)
    records, queries = load_corpus(args.corpus), load_queries()

    started = time.perf_counter()
    key = cache_key(args.corpus)
    small = build(args.cache / f"corpus-{key}.db", records, len(records))
    big = build(args.cache / f"articles-{args.articles}-{key}.db", records, args.articles)
    print(f"databases ready in {time.perf_counter() - started:.0f} s\n")

    db = store.open_db(small, create=False)
    print(f"== accuracy: {len(records):,} corpus articles ==")
    print_accuracy(accuracy(db, queries))

    grams_only = grams_only_size(db)
    grams_ms, words_ms = indexing_ms(db)
    text, index, _ = sizes(db)
    print("\n== cost of the newmm words column (corpus) ==")
    print(f"index with grams only {grams_only / 1e6:,.1f} MB ({grams_only / text:.2f}x text);")
    print(
        f"words add {(index - grams_only) / 1e6:,.1f} MB ({(index - grams_only) / text:.2f}x text)"
    )
    print(f"per article: grams {grams_ms:.1f} ms, newmm words {words_ms:.1f} ms")

    for label, path in (("corpus", small), (f"{args.articles:,} articles", big)):
        text, index, pending = sizes(store.open_db(path, create=False))
        print(f"\n== size: {label} ==")
        ratio = index / text
        print(f"text {text / 1e6:,.1f} MB   index {index / 1e6:,.1f} MB   ratio {ratio:.2f}x")

    return 1 if latency(big, args.articles, queries, args.rounds, args.per_query) else 0


def latency(
    big: Path, articles: int, queries: list[str], rounds: int, per_query: bool = False
) -> bool:
    """Print the latency tables of ``big`` (and, ``per_query``, each query's first-time wall
    and CPU per page); True when a goal is missed."""
    print(f"\n== latency through Datasette: {articles:,} articles ==")
    startup, first, cpu = asyncio.run(first_relevance_ms(big, queries[0]))
    missed = first > FIRST_TARGET_MS
    verdict = "NOT met" if missed else "met"
    print(f"server startup {startup:.0f} ms; then the first relevance search "
          f"({queries[0]}): {first:.0f} ms, CPU {cpu:.0f} ms "
          f"(goal ≤ {FIRST_TARGET_MS} ms: {verdict})")  # fmt: skip
    n = len(queries)
    table = {}
    for page in ("articles", "articles.json", "article_search.json"):
        times, cpu = asyncio.run(timings(big, queries, page, rounds))
        table[page] = (times[:n], cpu[:n])
        print_latency(f"/edunews/{page}?_search=", times, queries)
        p95 = print_latency("  first run of each query (the goal)", times[:n], queries)
        print_latency("  its CPU time (all the server's threads)", cpu[:n], queries)
        if rounds > 1:
            print_latency("  repeated queries (cached: not the goal)", times[n:], queries)
        if page in JUDGED:
            missed |= p95 > TARGET_MS
            verdict = "met" if p95 <= TARGET_MS else "NOT met"
            print(f"    goal p95 <= {TARGET_MS} ms on first-time queries: {verdict}")
    if per_query:
        print_per_query(big, queries, table)
    return missed


def print_per_query(big: Path, queries: list[str], table: dict) -> None:
    """Each query's matches and first-time wall / CPU per page, the costliest relevance
    CPU first: the queries that make the p95s."""
    print("\n== per query: first-time wall / CPU ms ==")
    pages = list(table)
    print(f"{'query':<40} {'matches':>7}  " + "  ".join(f"{p:>19}" for p in pages))
    found = [len(matches.match(str(big), search.match_expression(q)).found) for q in queries]
    order = sorted(range(len(queries)), key=lambda i: -table[pages[-1]][1][i])
    for i in order:
        cells = "  ".join(f"{table[p][0][i]:9.0f} /{table[p][1][i]:8.0f}" for p in pages)
        print(f"{queries[i]:<40} {found[i]:>7}  {cells}")


if __name__ == "__main__":
    sys.exit(main())
