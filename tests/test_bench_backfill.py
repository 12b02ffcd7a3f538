"""bench_backfill: its reading of the crawl's end from the crawl log, and a tiny run on the
corpus copy under tests/."""

from __future__ import annotations

from bench import bench_backfill
from bench.bench_backfill import describe_end, end_of_crawl
from tests.conftest import ROOT
from tests.sites.catalogue import corpus_records

LOG = """2026-12-02 06:51:58 [scrapy.extensions.logstats] INFO: Crawled 41000 pages
2026-12-02 06:52:10 [scrapy.core.engine] INFO: Closing spider (finished)
2026-12-02 06:53:40 [archive.compaction] INFO: archive compacted (48000 articles, search \
index left in its segments) in 2.1 s
2026-12-02 06:53:42 [scrapy.statscollectors] INFO: Dumping Scrapy stats:
{'downloader/request_count': 41148,
 'log_count/INFO': 'Closing spider (finished)'}
2026-12-02 06:53:42 [scrapy.core.engine] INFO: Spider closed (finished)
"""


def test_the_end_is_read_from_the_newest_log(tmp_path):
    (tmp_path / "crawl-20261202T060000Z-1.log").write_text(
        "2026-12-02 06:00:00 x: Closing spider ("
    )
    (tmp_path / "crawl-20261202T060129Z-2.log").write_text(LOG)
    end = end_of_crawl(tmp_path)
    said = "archive compacted (48000 articles, search index left in its segments) in 2.1 s"
    assert end == {"closing": 0.0, "compacted": 90.0, "closed": 92.0, "compaction": said}
    assert describe_end(end) == f"  crawl's end (log, 1 s): last page to writer closed 92 s; {said}"


def test_a_crawl_that_did_not_close_has_no_end(tmp_path):
    assert end_of_crawl(tmp_path) == {}
    (tmp_path / "crawl-20261202T060129Z-2.log").write_text(LOG.splitlines()[1])
    assert describe_end(end_of_crawl(tmp_path)) == "  crawl's end: not in the log"


def test_the_bench_runs_on_the_corpus_copy_under_tests(capsys):
    # A checkout without ../shared has only this copy: its rows are sample-site records
    # already (the shared corpus's are made into them), and a tiny backfill runs on them.
    copy = ROOT / "tests" / "data" / "sites" / "articles.jsonl"
    assert len(corpus_records(copy)) > 100
    code = bench_backfill.main(["--corpus", str(copy), "--sizes", "2x3", "--timeout", "300"])
    out = capsys.readouterr().out
    assert "articles: 6 stored of 6 served, recall 1.000" in out, out
    assert code == 0, out
