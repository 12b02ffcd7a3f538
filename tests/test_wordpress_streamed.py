"""An API page's articles go on job by job (crawler/discovery/wordpress.py ``post_items``):
a job's articles are yielded before the next job is sent, so a page of a hundred posts never
holds its hundred articles at once (backfill memory, issue 13)."""

from __future__ import annotations

import asyncio
import json

from scrapy.utils.test import get_crawler

from crawler.discovery import wordpress
from crawler.items import Article
from crawler.spiders.archive import ArchiveSpider
from tests.test_discovery_strategies import REAL_WP, REALWP, answer, home, post


def test_a_jobs_articles_are_yielded_before_the_next_job_is_sent(tmp_path, monkeypatch):
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{id: realwp, name: x, url: '{REAL_WP}'}}\n", "utf-8")
    settings = {"EDUNEWS_SOURCES": str(registry), "EDUNEWS_INCREMENTAL": False}
    spider = ArchiveSpider.from_crawler(get_crawler(ArchiveSpider, settings))
    out: list = []
    yielded_at_job: list[int] = []  # articles yielded when each job was sent

    class Pool:
        derived = True

        async def run(self, fn, posts, *args):
            yielded_at_job.append(sum(isinstance(o, Article) for o in out))
            return fn(posts, *args)

    spider.crawler.edunews_pool = Pool()
    monkeypatch.setattr(wordpress, "POSTS_PER_JOB", 3)
    (api,), _ = home(spider, "realwp", REALWP / "home-twentytwentyone.html", REAL_WP)
    posts = [post(n, f"{REAL_WP}2024/09/07/p{n}/") for n in range(1, 9)]

    async def collect():
        async for result in spider.parse_index(answer(api, json.dumps(posts).encode())):
            out.append(result)

    asyncio.run(collect())
    assert yielded_at_job == [0, 3, 6]
    stored = [o.url for o in out if isinstance(o, Article)]
    assert stored == [f"{REAL_WP}2024/09/07/p{n}/" for n in range(1, 9)]
