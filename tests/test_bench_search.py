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


def fake_latency(monkeypatch, relevance_ms: float) -> bool:
    """``bench_search.latency`` on made-up timings: every page at 50 ms, but the relevance
    page at ``relevance_ms`` for its first-time queries."""

    async def first(path, query):
        return 100.0, 150.0, 150.0

    async def timings(path, queries, page, rounds):
        ms = relevance_ms if page == "article_search.json" else 50.0
        return [ms] * len(queries) * rounds, [ms] * len(queries) * rounds

    monkeypatch.setattr(bench_search, "first_relevance_ms", first)
    monkeypatch.setattr(bench_search, "timings", timings)
    return bench_search.latency("unused.db", 100, ["ครู", "สอบ"], rounds=1)


def test_the_relevance_page_p95_is_judged(monkeypatch, capsys):
    assert fake_latency(monkeypatch, relevance_ms=bench_search.TARGET_MS + 1)
    assert capsys.readouterr().out.count("NOT met") == 1
    assert not fake_latency(monkeypatch, relevance_ms=bench_search.TARGET_MS)
