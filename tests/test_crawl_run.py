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
