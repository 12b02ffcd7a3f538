"""One trip to a worker per article page and per WordPress API page (archive.workers
``article_page``, ``post_articles``): the same article as extraction, ``prepare`` and
``derive`` one after another, its outcome carried to the pipelines, errors of each step
counted under the kind they always had."""

from __future__ import annotations

import asyncio
import copy
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from archive import process as one_path
from archive.process import derive, prepare, process, processed_of
from archive.workers import Pool, article_page, extract_page, post_articles
from crawler.extract.page import looks_like_article
from crawler.extract.wordpress import article_from_post
from crawler.items import Article
from crawler.pipelines.process import ProcessPipeline
from crawler.pipelines.store import StorePipeline
from crawler.spiders.archive import ArchiveSpider, use_feed_date
from tests.test_discovery_strategies import post

PAGE = Path(__file__).parent / "fixtures" / "pages" / "wp-article.html"
URL = "http://sample.example/2024/09/07/news/"
FETCHED = "2024-09-08T00:00:00+00:00"
FEED_DATE = "2024-09-07T10:15:00+07:00"


def three_trips(body: bytes, feed_date: str | None = None):
    """What the crawl did before: extract, then prepare, then derive, each on its own."""
    article, stats = extract_page(URL, body, "text/html; charset=utf-8", "sample", FETCHED)
    use_feed_date(article, feed_date)
    prepared = prepare(article)
    return prepared, derive(prepared.article.title, prepared.article.body_text), stats


@pytest.mark.parametrize("feed_date", [None, FEED_DATE])
def test_an_article_page_in_one_trip_is_the_three_steps(feed_date):
    body = PAGE.read_bytes()
    page = article_page(URL, body, "text/html; charset=utf-8", "sample", FETCHED, feed_date)
    prepared, derived, stats = three_trips(body, feed_date)
    assert (page.ok, page.why, page.stats) == (True, "", stats)
    assert page.article == prepared.article
    assert processed_of(page.article) == one_path.Processed(prepared.problems, derived)


def test_the_outcome_travels_back_from_a_worker_process():
    pool = Pool(1).start()
    try:
        page = pool.submit(
            article_page, URL, PAGE.read_bytes(), "text/html", "sample", FETCHED
        ).result(timeout=120)
    finally:
        pool.close()
    done = processed_of(page.article)
    assert done.ok and done.derived.title == page.article.title
    assert done.derived == derive(page.article.title, page.article.body_text)


def test_the_spider_judges_a_page_by_what_extraction_made_of_it():
    """Soft 404s and redirects are told by the extracted URL and title, not the prepared."""
    html = b"<html><head><title>x</title></head><body><p>short</p></body></html>"
    page = article_page(URL, html, "text/html", "sample", FETCHED)
    article, _ = extract_page(URL, html, "text/html", "sample", FETCHED)
    assert (page.ok, page.why) == looks_like_article(article) and not page.ok
    assert (page.url, page.title) == (article.url, article.title)
    assert processed_of(page.article) is None  # not an article: neither prepared nor derived


def test_without_derived_forms_for_a_redis_worker():
    article = process(Article(url=URL, source="s", title="ข่าว", body_text="ครู " * 20), False)
    assert processed_of(article) == one_path.Processed([], None)


def test_api_posts_in_one_trip_are_the_three_steps_and_a_bad_post_is_its_own_error():
    posts = [post(1, URL), {"link": URL + "broken/", "date_gmt": 5}, post(3, URL + "3/")]
    made = post_articles(copy.deepcopy(posts), "sample", FETCHED)
    assert isinstance(made[1], Exception)
    for one, made_one in zip((posts[0], posts[2]), (made[0], made[2]), strict=True):
        prepared = prepare(article_from_post(one, "sample", FETCHED))
        assert made_one == prepared.article
        derived = derive(prepared.article.title, prepared.article.body_text)
        assert processed_of(made_one) == one_path.Processed([], derived)


def test_an_error_of_prepare_is_carried_not_raised(monkeypatch):
    def broken(article):
        raise ValueError("normalisation broke")

    monkeypatch.setattr(one_path, "prepare", broken)
    article = process(Article(url=URL, source="s", title="ข่าว", body_text="ครู"))
    done = processed_of(article)
    assert not done.ok and isinstance(done.error, ValueError) and done.derived is None


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


def test_an_exception_that_cannot_travel_keeps_its_words():
    assert str(one_path.portable(Unpicklable("x"))) == "Unpicklable: x"


# -- the pipelines take the carried outcome: no second trip, the same error kinds ----------------
class NoPool:
    derived = True

    async def run(self, fn, *args):
        raise AssertionError(f"a second trip to a worker: {fn.__name__}")


@pytest.fixture
def crawler(tmp_path):
    registry = tmp_path / "sources.yaml"
    registry.write_text("sources:\n  - {id: sample, name: x, url: 'http://sample.example/'}\n")
    settings = {"EDUNEWS_SOURCES": str(registry), "EDUNEWS_INCREMENTAL": False}
    made = get_crawler(ArchiveSpider, settings)
    made.stats.open_spider()
    made.edunews_pool = NoPool()
    return made


def processed(title="ข่าว", body="ครู " * 20, **fields) -> Article:
    return process(Article(url=URL, source="sample", title=title, body_text=body, **fields))


def test_the_process_pipeline_takes_the_carried_outcome(crawler):
    article = processed(published_at="2024-09-07")
    assert asyncio.run(ProcessPipeline(crawler).process_item(article)) is article


@pytest.mark.parametrize(
    ("article", "kind"),
    [(processed(title=None), "invalid"), (None, "process")],
)
def test_the_process_pipeline_counts_what_it_drops(crawler, monkeypatch, article, kind):
    if article is None:
        monkeypatch.setattr(one_path, "derive", lambda *a: 1 / 0)
        article = processed()
    with pytest.raises(DropItem):
        asyncio.run(ProcessPipeline(crawler).process_item(article))
    assert crawler.stats.get_value(f"source/sample/errors/{kind}") == 1


def test_the_store_pipeline_saves_the_carried_derived_forms(crawler):
    article = processed()
    saved = []

    class Run:
        async def call(self, fn, item, derived):
            saved.append(derived)
            return "new"

    pipeline = StorePipeline.__new__(StorePipeline)  # its own __init__ opens an archive
    pipeline.crawler, pipeline.pool, pipeline.run = crawler, NoPool(), Run()
    pipeline.outcomes, pipeline.per_article = defaultdict(Counter), defaultdict(dict)
    asyncio.run(pipeline.process_item(article))
    assert saved == [processed_of(article).derived] and saved[0] is not None


def test_an_api_page_goes_to_the_workers_in_bounded_jobs_and_a_lost_job_costs_its_posts(
    tmp_path, monkeypatch
):
    from crawler.discovery import wordpress
    from tests.test_discovery_strategies import REAL_WP, REALWP, answer, home, through_spider

    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{id: realwp, name: x, url: '{REAL_WP}'}}\n", "utf-8")
    settings = {"EDUNEWS_SOURCES": str(registry), "EDUNEWS_INCREMENTAL": False}
    spider = ArchiveSpider.from_crawler(get_crawler(ArchiveSpider, settings))
    jobs: list[list[int]] = []

    class Chunked:
        derived = True

        async def run(self, fn, posts, *args):
            jobs.append([p["id"] for p in posts])
            if len(jobs) == 2:  # its worker died
                raise RuntimeError("worker process died")
            return fn(posts, *args)

    spider.crawler.edunews_pool = Chunked()
    monkeypatch.setattr(wordpress, "POSTS_PER_JOB", 3)
    (api,), _ = home(spider, "realwp", REALWP / "home-twentytwentyone.html", REAL_WP)
    posts = [post(n, f"{REAL_WP}2024/09/07/p{n}/") for n in range(1, 9)]
    out = through_spider(spider, answer(api, json.dumps(posts).encode()))
    assert jobs == [[1, 2, 3], [4, 5, 6], [7, 8]]
    stored = [o.url for o in out if isinstance(o, Article)]
    assert stored == [f"{REAL_WP}2024/09/07/p{n}/" for n in (1, 2, 3, 7, 8)]
    lost = [e[1] for e in spider.errors if e[2] == "extract"]
    assert lost == [f"{REAL_WP}2024/09/07/p{n}/" for n in (4, 5, 6)]
