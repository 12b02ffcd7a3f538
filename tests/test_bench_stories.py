"""bench_stories builds its labelled set from the corpus copy under tests/ as well (a
checkout without ../shared has only that one, whose rows carry ``corpus_id``, not ``id``)."""

from __future__ import annotations

from bench import bench_stories
from tests.test_bench_article_cpu import COPY


def test_the_labelled_set_builds_from_the_copy_under_tests(monkeypatch):
    monkeypatch.setattr(bench_stories, "CORPUS", COPY)
    records = bench_stories.build()
    assert len(records) > 100
    assert len({r["id"] for r in records}) == len(records)
    stories = {r["story"] for r in records}
    assert len(stories) < len(records)  # some releases have syndicated copies
