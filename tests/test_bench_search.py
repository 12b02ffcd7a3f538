"""bench_search makes its articles from either corpus: the shared one, or the copy under
tests/ (whose two OBEC seed releases have no source URL)."""

from __future__ import annotations

from bench import bench_search
from tests.test_bench_article_cpu import COPY


def test_every_row_of_the_copy_under_tests_makes_distinct_articles():
    records = bench_search.load_corpus(COPY)
    assert any(not r.get("source_url") for r in records)  # the case this guards
    urls = {bench_search.replica(r, copy).url for r in records for copy in (0, 1)}
    assert len(urls) == 2 * len(records)
