"""CPU per article of the pure path every article takes: extract, prepare, derive.

    python bench/bench_article_cpu.py [--corpus PATH] [--runs 3] [--limit N] [--goal 10]
        [--clock wall|cpu]
    python bench/bench_article_cpu.py --compare /work/main [--limit N]
    python bench/bench_article_cpu.py --wordpress [--runs 3]

Single-threaded, no database. Every corpus article is served as a page by the sample sites
(tests/sites: WordPress themes, the old TIS-620 PHP site, the Atom-only site, in turn) and
rendered once before timing; then ``extract_article`` reads each page, ``prepare``
normalises a fresh Article of the corpus text and ``derive`` computes its search document
and signature. The parts of prepare (normalisation, entities) and of derive (segmentation,
grams, signature) are timed again on their own. Prints ms per article (median of --runs)
and exits 1 when extract + prepare + derive exceeds --goal.

``--compare CHECKOUT`` times nothing: it runs the same path with another checkout's code (in
a subprocess) and says on how many articles each output is identical (extracted Article,
prepared Article and problems, search grams and words, signature). To time another
checkout's code with this script (``--clock cpu`` on an older one), set BENCH_CODE to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# BENCH_CODE: the checkout whose code runs (another one's, for --compare).
ROOT = Path(os.environ.get("BENCH_CODE") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from archive import search, stories  # noqa: E402
from archive.process import derive, prepare, processed_of  # noqa: E402
from archive.workers import post_articles  # noqa: E402
from bench.corpus import load_rows  # noqa: E402
from crawler.extract.page import extract_article  # noqa: E402
from crawler.extract.wordpress import article_from_post  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.thai.entities import extract_entities  # noqa: E402
from crawler.thai.text import normalize_text, normalize_title, to_arabic_digits  # noqa: E402
from tests.sites.build_data import record  # noqa: E402
from tests.sites.httpbase import Request  # noqa: E402
from tests.sites.server import SITE_CLASSES  # noqa: E402

GOAL_MS = 10.0
# The crawl's own: the fields it asks the API for, posts a worker job (crawler.discovery.wordpress,
# not imported: it loads Scrapy).
FIELDS = "id,date,date_gmt,modified,modified_gmt,link,title,content,author,type"
POSTS_PER_JOB = 20


def site_record(row: dict, site: str) -> dict:
    """A sample site's record of a corpus row: made from a row of the shared corpus, as
    tests/sites/build_data.py makes them; a row of the copy under tests/ is one already."""
    return {**row, "site": site} if "corpus_id" in row else record(row, site)


def pages(rows: list[dict]) -> list[tuple[str, str]]:
    """(url, html) of every row, as one of the sample platforms serves its post page."""
    out = []
    for k, (name, cls) in enumerate(SITE_CLASSES.items()):
        site = cls([site_record(row, name) for row in rows[k :: len(SITE_CLASSES)]])
        for post in site.catalogue.newest_first():
            response = site.respond(Request.parse("GET", "/" + site.post_path(post), {}))
            out.append((site.post_url(post), decoded(response.body)))
    return out


def api_posts(rows: list[dict]) -> list[dict]:
    """Every row as a post of the sample WordPress site's REST API, a hundred a page."""
    site = SITE_CLASSES["wp"]([site_record(row, "wp") for row in rows])
    posts: list[dict] = []
    while len(posts) < len(rows):
        page = len(posts) // 100 + 1
        path = f"/wp-json/wp/v2/posts?per_page=100&page={page}&orderby=id&_fields={FIELDS}"
        posts += json.loads(site.respond(Request.parse("GET", path, {})).body)
    return posts


def post_jobs(posts: list[dict]) -> list[list[dict]]:
    return [posts[k : k + POSTS_PER_JOB] for k in range(0, len(posts), POSTS_PER_JOB)]


def decoded(body: bytes) -> str:
    """The old PHP site declares TIS-620 in a meta tag only."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp874")


def articles(rows: list[dict]) -> list[Article]:
    return [Article(url=r["source_url"], source="thaigov", title=r["title"], body_text=r["body"])
            for r in rows]  # fmt: skip


# What ``timed`` reads: wall time (the default), or this process's CPU time (--clock cpu),
# which a machine shared with other work disturbs less.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def timed(fn, items) -> float:
    start = clock()
    for item in items:
        fn(item)
    return (clock() - start) * 1000 / len(items)


def cold() -> None:
    """Empty the per-process caches of run words and grams: each timing starts cold, and
    warms over the corpus as a crawl's process does."""
    for cached in (search.run_words, getattr(search, "_run_grams_text", None)):
        if cached is not None:
            cached.cache_clear()


def wordpress_run(posts: list[dict]) -> dict[str, float]:
    """ms per post of a crawl worker's job, and of the conversion alone."""
    cold()
    jobs = post_jobs(posts)
    ms = {"wordpress": timed(lambda j: post_articles(j, "bench", None), jobs) / POSTS_PER_JOB}
    ms["  convert"] = timed(lambda p: article_from_post(p, "bench"), posts)
    return ms


def one_run(rows: list[dict], html: list[tuple[str, str]]) -> dict[str, float]:
    """ms per article of each stage and part, one pass over the corpus."""
    cold()
    fresh = articles(rows)
    ms = {"extract": timed(lambda p: extract_article(*p, source="bench"), html)}
    ms["prepare"] = timed(prepare, fresh)
    texts = [(a.title, a.body_text) for a in fresh]
    ms["derive"] = timed(lambda t: derive(*t), texts)
    cold()
    raw = articles(rows)
    ms["  normalise"] = timed(
        lambda a: (normalize_title(a.title), normalize_text(a.body_text)), raw
    )
    ms["  entities"] = timed(lambda t: extract_entities(f"{t[0]}\n{t[1]}"), texts)
    text_runs = [
        search.normalised_runs(to_arabic_digits("\n".join(filter(None, t)))) for t in texts
    ]
    ms["  runs"] = timed(
        lambda t: search.normalised_runs(to_arabic_digits("\n".join(filter(None, t)))), texts
    )
    ms["  grams"] = timed(search.grams_of, text_runs)
    cold()
    ms["  segmentation"] = timed(search.words_of, text_runs)
    ms["  signature"] = timed(lambda t: stories.signature(*t, to_arabic_digits), texts)
    return ms


def outputs(rows: list[dict], html: list[tuple[str, str]]) -> dict[str, list]:
    """Every output of the path, per article, comparable across checkouts."""
    out: dict[str, list] = {"extract": [], "prepare": [], "document": [], "signature": []}
    for row, (url, page) in zip(rows, html, strict=True):
        out["extract"].append(dataclasses.asdict(extract_article(url, page, source="bench")))
        prepared = prepare(articles([row])[0])
        out["prepare"].append((dataclasses.asdict(prepared.article), prepared.problems))
        derived = derive(prepared.article.title, prepared.article.body_text)
        out["document"].append(derived.document)
        out["signature"].append(derived.signature)
    out["wordpress"] = [made_of(a) for job in post_jobs(api_posts(rows)) for a in
                        post_articles(job, "bench", None)]  # fmt: skip
    return out


def made_of(article) -> tuple:
    """A worker's post, comparable: the article, its problems, document and signature."""
    if isinstance(article, Exception):
        return (repr(article),)
    done = processed_of(article)
    forms = done.derived
    fields = {k: v for k, v in vars(article).items() if not k.startswith("_")}
    return fields, done.problems, forms and (forms.document, forms.signature), repr(done.error)


def compare(checkout: str, argv: list[str], rows, html) -> int:
    """Outputs of this checkout and of ``checkout``, output by output."""
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "other.pickle"
        command = [sys.executable, __file__, "--dump", str(dump), *argv]
        subprocess.run(command, check=True, env=os.environ | {"BENCH_CODE": checkout})
        other = pickle.loads(dump.read_bytes())
    mine = outputs(rows, html)
    for name, values in mine.items():
        same = sum(a == b for a, b in zip(values, other[name], strict=True))
        print(f"{name:<10} identical on {same}/{len(values)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--goal", type=float, default=GOAL_MS)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--compare", metavar="CHECKOUT")
    parser.add_argument("--wordpress", action="store_true", help="time API posts too")
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]
    rows = [r for r in load_rows(args.corpus) if r.get("body")][: args.limit]
    html = pages(rows)
    if args.dump:
        Path(args.dump).write_bytes(pickle.dumps(outputs(rows, html)))
        return 0
    if args.compare:
        shared = ["--corpus", str(args.corpus)] * bool(args.corpus)
        return compare(
            args.compare, shared + ["--limit", str(args.limit)] * bool(args.limit), rows, html
        )
    derive(*(rows[0]["title"], rows[0]["body"]))  # load dictionaries outside the timing
    extract_entities(rows[0]["body"])
    posts = api_posts(rows) if args.wordpress else []
    results = [
        one_run(rows, html) | (wordpress_run(posts) if posts else {}) for _ in range(args.runs)
    ]
    median = {k: statistics.median(r[k] for r in results) for k in results[0]}
    total = median["extract"] + median["prepare"] + median["derive"]
    print(
        f"{len(rows)} articles ({len(html)} pages), median of {args.runs} runs, "
        f"ms/article ({args.clock} time)"
    )
    for name, value in median.items():
        print(f"{name:<16}{value:8.2f}")
    print(f"{'total':<16}{total:8.2f}   (extract + prepare + derive; goal {args.goal:g})")
    return 0 if total <= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
