"""A posts page of the REST API that failed in one run is not lost for good.

A re-crawl asks the API only for posts modified since the newest one stored, so the hundred
older posts of a page that timed out in the run before would never be asked for again; the
live-posts sweep finds them (not stored, not listed this run) and fetches them by id.
"""

from __future__ import annotations

from archive.sqlite import sqlite3
from crawler.ids import url_key
from tests.conftest import FAST, edunews
from tests.sites.catalogue import load_records
from tests.sites.httpbase import html_response
from tests.sites.server import SITE_CLASSES, SampleSites


class FlakyPostsPage(SITE_CLASSES["wp"]):
    """A WordPress whose second page of posts (newest modified first) fails while
    ``failing`` is set: a server error for every attempt, as a timeout under load would."""

    failing = True

    def rest(self, route, request):
        query = request.query
        if self.failing and query.get("orderby") == "modified" and query.get("page") == "2":
            return html_response("Internal Server Error", 500)
        return super().rest(route, request)


def stored_keys(db) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {url_key(url) for (url,) in conn.execute("select url from articles")}
    finally:
        conn.close()


def test_a_failed_posts_page_is_fetched_by_the_next_run(tmp_path):
    # more than a page of a hundred posts: the sample WordPress's and the other sites' records
    records = [r for name in ("wp", "legacy", "wpnoapi", "feedonly") for r in load_records(name)]
    sites = SampleSites(["wp"])
    site = sites.sites["wp"] = FlakyPostsPage(records)
    with sites:
        gold = {url_key(r["url"]) for r in site.gold()}
        assert len(gold) > 100
        sources = tmp_path / "sources.yaml"
        sources.write_text(sites.sources_yaml(), encoding="utf-8")
        db = tmp_path / "archive.db"
        argv = ["crawl", "--sources", str(sources), "--db", str(db), *FAST]

        first = edunews(*argv)
        assert first.returncode == 0, first.stderr[-3000:]
        after_first = stored_keys(db)
        assert len(after_first) <= 100 and after_first < gold  # the second page was lost

        site.failing = False
        site.requests.clear()
        second = edunews(*argv)
        assert second.returncode == 0, second.stderr[-3000:]
        assert stored_keys(db) == gold, site.requests
        # the lost posts came by id, in one request, not by walking the posts pages again
        by_id = [r for r in site.requests if "include=" in r or "include%3D" in r]
        assert len(by_id) == 1, site.requests
        assert not [r for r in site.requests if "orderby=modified" in r and "page=2" in r]
