"""The national-scale crawl in CI size: 30 local sample sites, 3 sources that refuse
connections and 1 that never answers, one `edunews crawl` process, the shipped per-host and
global concurrency limits (bench/bench_scale.py runs the full 250+)."""

from __future__ import annotations

import pytest

from archive import store
from bench.bench_scale import crawl_fleet, report, stored_urls
from crawler import settings
from crawler.items import Article
from crawler.sources import Source
from tests.sites.fleet import Fleet, Meter, address

SITES, PER_SITE, DEAD, HUNG = 30, 3, 3, 1
HUNG_TIMEOUT = ["-s", "DOWNLOAD_TIMEOUT=5"]  # the hung host costs 2 x 2 x 5 s, not minutes


def test_shipped_settings_are_polite_at_scale():
    assert settings.CONCURRENT_REQUESTS_PER_DOMAIN <= 2  # one or two requests per host
    assert 0 < settings.CONCURRENT_REQUESTS <= 32  # a global limit keeps the machine usable
    assert settings.ROBOTSTXT_OBEY


def test_meter_counts_requests_in_flight():
    meter = Meter()
    meter.enter("a")
    meter.enter("a")
    meter.enter("b")
    meter.leave("a")
    meter.enter("a")
    assert meter.peak == {"a": 2, "b": 1} and meter.total_peak == 3
    assert len({address(n) for n in range(300)}) == 300


def test_fleet_sites_are_distinct_hosts_of_every_platform():
    fleet = Fleet(8, per_site=2, dead=1, hung=1)
    ids = [site.source_id for site in fleet.sites]
    assert len(set(ids)) == 8 and {i.split("-")[0] for i in ids} == {
        "wp",
        "wpnoapi",
        "legacy",
        "feedonly",
    }
    assert all(len(site.catalogue.newest_first()) == 2 for site in fleet.sites)
    with fleet:
        registry = fleet.sources_yaml()
    assert "dead-000" in registry and "hung-000" in registry


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    work = tmp_path_factory.mktemp("scale")
    return crawl_fleet(SITES, PER_SITE, work, timeout=280, extra=HUNG_TIMEOUT, dead=DEAD, hung=HUNG)


def test_one_process_crawls_every_site(measured):
    assert measured["recall"] == 1.0, measured["stderr"][-2000:]
    assert measured["stored"] >= measured["gold"] == SITES * PER_SITE


def test_dead_sources_fail_alone_with_a_reason(measured):
    assert measured["exit"] == 1  # a source failed entirely
    failed = sorted(measured["failed"])
    assert len(failed) == DEAD + HUNG
    assert all("homepage unreachable" in f for f in failed)
    assert all("Connection refused" in f for f in failed if f.startswith("dead-"))
    (hung,) = [f for f in failed if f.startswith("hung-")]
    assert "took longer than 5.0 seconds" in hung


def test_politeness_holds_per_host_and_overall(measured):
    assert 1 <= measured["max_per_host"] <= settings.CONCURRENT_REQUESTS_PER_DOMAIN
    assert measured["max_in_flight"] <= settings.CONCURRENT_REQUESTS


def test_requests_per_site_are_bounded(measured):
    per_site = measured["requests_per_site"]
    # robots.txt, the homepage, an index or two, and the article pages except where the
    # REST API gave the articles whole: nothing wasted
    assert per_site["min"] >= 3
    assert per_site["max"] <= 4 * PER_SITE + 10
    assert measured["peak_rss_mb"] > 0


def test_the_report_gives_each_started_process_its_own_peak_and_the_crawl_cpu(measured):
    peaks = measured["child_peaks_mb"].values()
    assert "worker" in [kind for kind, _ in peaks]
    assert all(mb > 5 for _, mb in peaks)  # an interpreter each
    assert measured["cpu_s"] > 1
    assert "worker" in report(measured) and "crawl CPU" in report(measured)


def test_the_report_gives_the_crawl_process_least_and_most_per_quarter(measured):
    quarters = measured["crawl_quarters_mb"]
    assert len(quarters) == 4
    # sampled while it ran: never above its own high-water mark, never an ended process's 0
    assert all(5 < least <= most <= measured["peak_rss_mb"] for least, most in quarters)
    assert "the crawl process, least-most per quarter" in report(measured)


def test_a_crawl_into_a_seeded_archive_counts_only_what_it_added(tmp_path):
    seed = tmp_path / "seed.db"
    db = store.open_db(seed)
    store.upsert_sources(db, [Source(id="seed", name="seed", url="https://seed.example/")])
    store.save_article(db, Article(url="https://seed.example/1", source="seed", title="ข่าว"))
    db.close()
    work = tmp_path / "work"
    work.mkdir()
    m = crawl_fleet(2, 2, work, timeout=120, seed=seed)
    assert m["stored"] == m["gold"] == 4 and m["recall"] == 1.0, m["stderr"][-2000:]
    assert "https://seed.example/1" in stored_urls(work / "fleet-2.db")
