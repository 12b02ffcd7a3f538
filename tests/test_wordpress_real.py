"""End to end against a real WordPress (tests/realwp): Debian's package, 300 Thai releases.

The site moves through its states in the order the fixtures below are chained: a first full
crawl, an unchanged re-crawl, a crawl with the REST API disabled, then the second state
(new posts, edits, a trashed and a deleted post) and a re-crawl of the first archive.
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from archive.sqlite import sqlite3
from archive.store import article_id
from crawler.thai.text import normalize_text, normalize_title
from tests.conftest import FAST, edunews
from tests.realwp import wordpress


def rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    found = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return found


def crawl(site, db):
    sources = db.parent / "sources.yaml"
    sources.write_text(
        f"sources:\n  - id: realwp\n    name: ศูนย์ข่าวการศึกษา\n    url: {site.url}/\n",
        encoding="utf-8",
    )
    result = edunews("crawl", "--sources", str(sources), "--db", str(db), *FAST, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = rows(db, "select * from crawl_run_sources order by run_id desc limit 1")
    return run


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    try:
        running = wordpress.start(tmp_path_factory.mktemp("wordpress"))
    except wordpress.Unavailable as exc:
        pytest.skip(f"no real WordPress here: {exc}")
    yield running
    wordpress.stop(running.root)


@pytest.fixture(scope="session")
def first(site, tmp_path_factory):
    db = tmp_path_factory.mktemp("first") / "archive.db"
    return db, crawl(site, db)


@pytest.fixture(scope="session")
def again(first, site):
    db, _ = first
    return crawl(site, db)


@pytest.fixture(scope="session")
def norest(again, site, tmp_path_factory):
    """The REST API refused, and a theme printing the day alone: the feed has the time."""
    wordpress.set_rest(site, enabled=False)
    wordpress.set_dates_only(site, enabled=True)
    try:
        db = tmp_path_factory.mktemp("norest") / "archive.db"
        return db, crawl(site, db)
    finally:
        wordpress.set_rest(site, enabled=True)
        wordpress.set_dates_only(site, enabled=False)


@pytest.fixture(scope="session")
def sitemap_only(norest, site, tmp_path_factory):
    """The REST API refused and the feeds switched off: wp-sitemap.xml is left."""
    wordpress.set_rest(site, enabled=False)
    wordpress.set_feeds(site, enabled=False)
    try:
        db = tmp_path_factory.mktemp("sitemap") / "archive.db"
        return db, crawl(site, db)
    finally:
        wordpress.set_rest(site, enabled=True)
        wordpress.set_feeds(site, enabled=True)


@pytest.fixture(scope="session")
def second(sitemap_only, first, site):
    wordpress.second_state(site)
    db, _ = first
    return db, crawl(site, db)


@pytest.fixture(scope="session")
def plain(second, site):
    """The site switches to plain permalinks (?p=123) after the second state."""
    db, _ = second
    ids = {r["id"] for r in rows(db, "select id from articles")}
    wordpress.set_permalinks(site, "")
    return db, crawl(site, db), ids


def expected(site) -> dict[str, dict]:
    """What WordPress holds, keyed by article id: title, time, body, images, files."""
    live = {p["id"]: p for p in site.live_posts()}
    return {
        article_id(live[pid]["link"]): spec | live[pid]
        for pid, spec in site.specs.items()
        if pid in live
    }


def check_articles(db, site, via: str):
    want = expected(site)
    stored = {r["id"]: r for r in rows(db, "select * from articles where removed_at is null")}
    assert set(stored) == set(want), (len(stored), len(want))
    images = media(db, "images")
    files = media(db, "attachments")
    for aid, post in want.items():
        got = stored[aid]
        assert got["title"] == normalize_title(post["title"]), post["link"]
        assert got["published_at"] == post["date"].replace(" ", "T") + "+07:00", post["link"]
        assert got["event_date"] == post["event_date"], post["link"]
        assert got["body_text"] == normalize_text("\n".join(post["paragraphs"])), post["link"]
        assert images.get(aid, []) == post["images"], post["link"]
        assert files.get(aid, []) == post["attachments"], post["link"]
        assert got["discovered_via"] == via


def media(db, table) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for r in rows(db, f"select article_id, url from {table} order by article_id, position"):
        found.setdefault(r["article_id"], []).append(r["url"])
    return found


def test_every_post_stored_exactly_and_nothing_else(first, site):
    db, run = first
    assert run["status"] == "ok" and run["discovery"] == "wordpress"
    assert len(site.live_posts()) == wordpress.FIRST_STATE
    check_articles(db, site, "wordpress")
    assert rows(db, "select count(*) n from articles")[0]["n"] == wordpress.FIRST_STATE


def test_rest_api_costs_a_few_requests_per_hundred_posts(first):
    _, run = first
    api_pages = math.ceil(wordpress.FIRST_STATE / 100)
    assert run["pages"] <= api_pages + 2, run  # the homepage, the API's pages


def test_unchanged_recrawl_costs_a_handful_of_requests(again, first):
    db, _ = first
    assert (again["new"], again["updated"], again["removed"]) == (0, 0, 0), again
    assert again["pages"] <= 8, again
    assert rows(db, "select max(version) v from articles")[0]["v"] == 1


def test_rest_disabled_feed_and_sitemap_still_find_every_post(norest, site):
    db, run = norest
    assert run["status"] == "ok" and run["discovery"] in ("feed", "sitemap"), run
    want = expected(site)
    stored = {r["id"]: r for r in rows(db, "select * from articles")}
    assert set(stored) == set(want)
    for aid, post in want.items():  # the time of day, from the feed
        assert stored[aid]["published_at"] == post["date"].replace(" ", "T") + "+07:00"
        assert stored[aid]["date_source"] == "feed"
        assert stored[aid]["title"] == normalize_title(post["title"])
        assert stored[aid]["body_text"] == normalize_text("\n".join(post["paragraphs"]))


def test_rest_and_feeds_off_the_sitemap_finds_every_post(sitemap_only, site):
    db, run = sitemap_only
    assert run["status"] == "ok" and run["discovery"] == "sitemap", run
    check_articles(db, site, "sitemap")  # no page, author, category or tag sitemap entries
    assert rows(db, "select count(*) n from articles")[0]["n"] == wordpress.FIRST_STATE


def test_second_state_versions_and_removals(second, site):
    db, run = second
    changes = site.changes
    assert run["new"] == len(changes["new"]), run
    assert run["updated"] == len(changes["retitled"]) + len(changes["rewritten"]), run
    by_link = {r["id"]: r for r in rows(db, "select * from articles")}
    posts = {p["id"]: p for p in site.posts}
    for pid in changes["retitled"] + changes["rewritten"]:
        got = by_link[article_id(posts[pid]["link"])]
        assert got["version"] == 2
        assert got["title"] == normalize_title(site.specs[pid]["title"])
    edited = by_link[article_id(posts[changes["rewritten"][0]]["link"])]
    assert edited["event_date"] == site.specs[changes["rewritten"][0]]["event_date"]
    assert wordpress.EDIT_NOTE in edited["body_text"]
    gone = rows(db, "select * from articles where removed_at is not null")
    assert len(gone) == len(changes["trashed"]) + len(changes["deleted"])
    assert all(g["body_text"] and g["title"] for g in gone)  # content kept
    check_articles_live_after_second_state(db, site)


def check_articles_live_after_second_state(db, site):
    want = expected(site)
    live = {r["id"] for r in rows(db, "select id from articles where removed_at is null")}
    assert live == set(want)
    same = rows(
        db,
        "select count(*) n from article_version_texts v join article_version_texts w "
        "on v.article_id = w.article_id and w.version = v.version + 1 "
        "where v.title = w.title and v.body_text = w.body_text "
        "and v.published_at is w.published_at",
    )
    assert same[0]["n"] == 0  # no version identical to the one before


def test_when_posts_were_published(first):
    db, _ = first
    times = {r["published_at"][11:16] for r in rows(db, "select published_at from articles")}
    assert len(times) > 100  # times of day, not midnight
    datetime.fromisoformat(rows(db, "select published_at from articles")[0]["published_at"])


def test_plain_and_pretty_permalinks_give_the_same_articles(plain, site):
    db, run, before = plain
    assert (run["new"], run["removed"]) == (0, 0), run
    stored = rows(db, "select id, url, removed_at from articles")
    assert {r["id"] for r in stored} == before  # the same ids, no second copy
    live = {r["url"] for r in stored if not r["removed_at"]}
    assert live == {p["link"] for p in site.live_posts()}  # now the ?p=123 links
    assert all("?p=" in url for url in live)
