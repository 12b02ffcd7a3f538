"""Fleets of sites with hundreds of articles each (bench/bench_backfill.py): a pool larger
than a platform's sample articles gives every site the number asked for, each article at its
own URL, while the default fleet (tests/test_scale.py, the other benches) is unchanged."""

from __future__ import annotations

import json

from tests.sites.catalogue import DATA, corpus_records, load_records
from tests.sites.fleet import PLATFORMS, Fleet


def corpus_ids(site) -> list[str]:
    return sorted(post.corpus_id for post in site.catalogue.newest_first())


def test_default_fleet_takes_each_platforms_sample_window():
    fleet = Fleet(8, per_site=30)  # more than feedonly's 10 and wpnoapi's 25: capped, as before
    for n, site in enumerate(fleet.sites):
        pool = load_records(PLATFORMS[n % len(PLATFORMS)])
        size = min(30, len(pool))
        start = (n * size) % len(pool)
        expected = [pool[(start + i) % len(pool)]["corpus_id"] for i in range(size)]
        assert corpus_ids(site) == sorted(expected)


def test_pool_gives_each_site_n_distinct_articles_at_distinct_urls():
    pool = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    per_site = len(pool) + 30  # past the end of the pool: repeated under new ids
    fleet = Fleet(4, per_site=per_site, pool=pool)
    for site in fleet.sites:  # each on its own host once started: distinct within a site
        gold = site.gold()
        assert len(gold) == per_site
        assert len({g["url"] for g in gold}) == per_site
        assert len({g["post_id"] for g in gold}) == per_site
    assert {site.name for site in fleet.sites} == set(PLATFORMS)


def test_corpus_records_converts_rows_that_sites_can_serve(tmp_path):
    body = "ย่อหน้าแรกของข่าว\n" + "เนื้อหาข่าวการศึกษา " * 60
    rows = [
        {"id": 7, "title": "ข่าวหนึ่ง", "date": "2024-01-02", "date_line": None,
         "source_url": "http://example.invalid/7", "body": "ข่าวหนึ่ง\n" + body},
        {"id": 8, "title": "สั้น", "date": "2024-01-03", "date_line": None,
         "source_url": None, "body": "สั้นเกินไป"},
    ]  # fmt: skip
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    (record,) = corpus_records(path)  # the too-short article is left out
    assert record["corpus_id"] == "thaigov-7" and record["body"] == body.strip()
    (site,) = Fleet(1, per_site=3, pool=[record]).sites
    assert len(site.gold()) == 3
