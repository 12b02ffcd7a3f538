"""The crawl run's owner (crawler/run.py): the garbage collector's mode during a crawl."""

from __future__ import annotations

import gc
from types import SimpleNamespace

from scrapy.utils.test import get_crawler

from crawler.run import CRAWL_GC_THRESHOLDS, ArchiveRun


def test_a_crawl_freezes_start_up_and_collects_less_often_until_it_closes(tmp_path):
    before = gc.get_threshold()
    assert before != CRAWL_GC_THRESHOLDS and gc.get_freeze_count() == 0
    run = ArchiveRun(get_crawler(settings_dict={"EDUNEWS_DB": str(tmp_path / "a.db")}))
    spider = SimpleNamespace(only="", sources_file="", sources=[])
    try:
        run.spider_opened(spider)
        assert run.run_id is not None
        assert gc.get_threshold() == CRAWL_GC_THRESHOLDS
        assert gc.get_freeze_count() > 1000  # Scrapy, Twisted and this test's own modules
        run.settle_heap()  # twice is once
        assert gc.get_threshold() == CRAWL_GC_THRESHOLDS
    finally:
        run.spider_closed(spider, "finished")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_workers_are_gone_before_the_run_end_regroups_stories(tmp_path, monkeypatch):
    # The regrouping holds every signature of the archive (27 MB at 50,000 articles): the
    # workers' memory (~120 MB each) must be given back first, not after it.
    from crawler.pipelines import store as store_pipeline

    settings = {"EDUNEWS_DB": str(tmp_path / "a.db"), "EDUNEWS_WORKERS": 1}
    crawler = get_crawler(settings_dict=settings)
    pipeline = store_pipeline.StorePipeline(crawler)
    pool = pipeline.pool.pool
    assert pool.submit(int, "7").result() == 7  # the worker is up
    workers_then = []
    monkeypatch.setattr(
        store_pipeline.store, "group_stories", lambda db: workers_then.append(pool._executor)
    )
    spider = SimpleNamespace(
        only="", sources_file="", sources=[], errors=[], source_report=lambda: {}
    )
    run = pipeline.run
    try:
        run.spider_opened(spider)
        pipeline.outcomes["a"]["new"] += 1  # something changed: the stories are regrouped
        pipeline.close_spider(spider)
    finally:
        run.spider_closed(spider, "finished")
        pipeline.pool.close()
    assert workers_then == [None]
