"""Two crawls of sites that change in between: new, edited and removed articles."""

from __future__ import annotations

import pytest

from archive.sqlite import sqlite3
from archive.store import article_id
from tests.conftest import FAST, edunews
from tests.sites.server import SampleSites

NEW_BODY = (
    "วันที่ 20 พฤศจิกายน 2569 นายทดสอบ ระบบดี ผู้อำนวยการ เปิดการประชุมครูทั่วประเทศ\n"
    "ที่ประชุมเห็นชอบแนวทางการจัดการเรียนการสอนภาคเรียนที่ 2\n"
    "ข่าว : ทดสอบ ข่าว"
)


def rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    found = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return found


@pytest.fixture(scope="module")
def changing(tmp_path_factory):
    """Crawl, change the sites (2 new, 1 edited, 1 removed on each of two sites), crawl again."""
    tmp = tmp_path_factory.mktemp("history")
    with SampleSites(["wp", "legacy"]) as sites:
        registry = tmp / "sources.yaml"
        registry.write_text(sites.sources_yaml(), encoding="utf-8")
        db = tmp / "archive.db"
        first = edunews("crawl", "--sources", str(registry), "--db", str(db), *FAST)
        assert first.returncode == 0, first.stderr[-2000:]
        changes = {}
        for site in ("wp", "legacy"):
            gold = sites.gold(site)
            changes[site] = {
                "new": [sites.add(site, f"ข่าวใหม่ {site} {n}", NEW_BODY) for n in range(2)],
                "edited": sites.edit(site, gold[3]["corpus_id"], title=f"แก้ไขหัวข้อ {site}"),
                "removed": sites.remove(site, gold[5]["corpus_id"]),
            }
        sites.clear_log()
        # re-check every stored article this time, so the takedown is certainly seen
        second = edunews(
            "crawl", "--sources", str(registry), "--db", str(db), *FAST, "-s", "EDUNEWS_RECHECK=100"
        )
        assert second.returncode == 0, second.stderr[-2000:]
        yield db, changes, sites.gold(), dict(sites.request_log)


def test_new_articles_are_stored_once(changing):
    db, changes, gold, _ = changing
    for change in changes.values():
        for new in change["new"]:
            (row,) = rows(db, "select * from articles where id = ?", [article_id(new["url"])])
            assert row["title"] == new["title"] and row["version"] == 1


def test_edits_become_versions(changing):
    db, changes, _, _ = changing
    for site, change in changes.items():
        aid = article_id(change["edited"]["url"])
        versions = rows(
            db, "select * from article_version_texts where article_id = ? order by version", [aid]
        )
        assert [v["version"] for v in versions] == [1, 2], site
        assert versions[1]["title"] == f"แก้ไขหัวข้อ {site}" != versions[0]["title"]
        (row,) = rows(db, "select * from articles where id = ?", [aid])
        assert row["title"] == f"แก้ไขหัวข้อ {site}" and row["version"] == 2


def test_takedowns_are_marked_and_content_kept(changing):
    db, changes, _, _ = changing
    removed = rows(db, "select * from articles where removed_at is not null")
    wanted = {article_id(c["removed"]["url"]) for c in changes.values()}
    assert {r["id"] for r in removed} == wanted
    assert all(r["body_text"] and r["removed_reason"] for r in removed)


def test_unchanged_articles_have_one_version(changing):
    db, changes, _, _ = changing
    edited = {article_id(c["edited"]["url"]) for c in changes.values()}
    multi = rows(db, "select article_id from article_versions group by 1 having count(*) > 1")
    assert {r["article_id"] for r in multi} == edited


def test_second_run_record(changing):
    db, _, _, _ = changing
    run = {r["source"]: r for r in rows(db, "select * from crawl_run_sources where run_id = 2")}
    for source in ("sample-wp", "sample-legacy"):
        assert run[source]["new"] == 2 and run[source]["updated"] == 1, run[source]
        assert run[source]["removed"] == 1 and run[source]["status"] == "ok"


def test_same_article_through_api_feed_and_pages_is_one_row(tmp_path):
    """The WordPress site crawled through its REST API, then its feed, then its sitemap (HTML
    pages): every article keeps one id, and nothing changes but when it was last seen."""
    with SampleSites(["wp"]) as sites:
        db = tmp_path / "archive.db"
        for kind in ("wordpress", "feed", "sitemap"):
            registry = tmp_path / f"{kind}.yaml"
            registry.write_text(
                f"sources:\n  - {{id: wp, name: ก, url: '{sites.urls['wp']}', kind: {kind}}}\n",
                encoding="utf-8",
            )
            # a full pass each time: no sampled shortcuts, every page re-read
            result = edunews(
                "crawl", "--sources", str(registry), "--db", str(db), *FAST,
                "-s", "EDUNEWS_INCREMENTAL=False",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-2000:]
        gold = sites.gold("wp")
    stored = rows(db, "select id, url, version from articles")
    assert len(stored) == len(gold)
    assert {r["id"] for r in stored} == {article_id(g["url"]) for g in gold}
    assert all(r["version"] == 1 for r in stored)
    runs = rows(db, "select new, updated, unchanged from crawl_runs order by id")
    assert runs[0]["new"] == len(gold)
    assert [(r["new"], r["updated"]) for r in runs[1:]] == [(0, 0), (0, 0)]


def test_a_release_syndicated_on_three_sites_is_one_story(tmp_path):
    release = (
        "วันที่ 19 พฤศจิกายน 2569 รัฐมนตรีว่าการกระทรวงศึกษาธิการ มอบนโยบายการจัดการศึกษา"
        "ให้ผู้บริหารสถานศึกษาทั่วประเทศ เน้นการอ่านออกเขียนได้ของนักเรียนชั้นประถมศึกษา\n"
        "ที่ประชุมได้หารือแนวทางการพัฒนาครู การลดภาระงานที่ไม่จำเป็น และการใช้เทคโนโลยีในห้องเรียน"
        "เพื่อยกระดับคุณภาพการศึกษาให้ทั่วถึงและเท่าเทียมในทุกพื้นที่ของประเทศ\n"
    )
    with SampleSites(["wp", "wpnoapi", "legacy"]) as sites:
        copies = {
            "wp": sites.add("wp", "ศธ. มอบนโยบายการจัดการศึกษา", release + "ข่าว : ศธ.360"),
            "wpnoapi": sites.add(
                "wpnoapi", "สพม. เผยแพร่ข่าว ศธ. มอบนโยบาย", "สพม. ขอประชาสัมพันธ์\n" + release
            ),
            "legacy": sites.add("legacy", "มอบนโยบายการศึกษา", release + "ภาพ/ข่าว : ศธจ."),
        }
        registry = tmp_path / "sources.yaml"
        registry.write_text(sites.sources_yaml(), encoding="utf-8")
        db = tmp_path / "archive.db"
        result = edunews("crawl", "--sources", str(registry), "--db", str(db), *FAST)
        assert result.returncode == 0, result.stderr[-2000:]
    ids = {site: article_id(c["url"]) for site, c in copies.items()}
    stories = {r["id"]: r["story_id"] for r in rows(db, "select id, story_id from articles")}
    assert len({stories[i] for i in ids.values()}) == 1
    (story,) = rows(db, "select * from stories where id = ?", [stories[ids["wp"]]])
    assert story["size"] == 3
    others = [s for key, s in stories.items() if key not in ids.values()]
    assert len(set(others)) == len(others)  # no other article joined a story
