"""Source health and back-off on hand-built archives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive import status, store

NOW = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Archive:
    """A migrated archive with sources, runs and articles written by hand."""

    def __init__(self, path):
        self.db = store.open_db(path)
        self.runs = 0

    def source(self, sid: str, discovery: str | None = "feed") -> None:
        row = {"id": sid, "name": f"ชื่อ {sid}", "url": f"https://{sid}.go.th/"}
        self.db["sources"].insert(row | {"kind": "auto", "discovery": discovery})

    def run(self, days_ago: float, **per_source: dict) -> int:
        self.runs += 1
        started = NOW - timedelta(days=days_ago)
        self.db["crawl_runs"].insert(
            {"id": self.runs, "started_at": iso(started), "status": "finished"}
            | {"finished_at": iso(started + timedelta(minutes=5))}
        )
        for sid, counts in per_source.items():
            row = {"run_id": self.runs, "source": sid, "status": "ok", "reason": None}
            row |= {"discovery": "feed", "articles": 10, "new": 0, "errors": 0}
            self.db["crawl_run_sources"].insert(row | counts)
        return self.runs

    def articles(self, sid: str, n: int, days_ago: float, dated: bool = True) -> None:
        seen = iso(NOW - timedelta(days=days_ago))
        for k in range(n):
            url = f"https://{sid}.go.th/news/{days_ago}-{k}-{dated}"
            self.db["articles"].insert(
                {"id": store.article_id(url), "url": url, "source": sid, "title": "ข่าว"}
                | {"published_at": "2025-05-30" if dated else None, "first_seen_at": seen}
            )

    def error(self, run_id: int, sid: str, kind: str, n: int = 1) -> None:
        for k in range(n):
            store.record_error(self.db, run_id, sid, f"https://{sid}.go.th/{k}", kind, "x")


@pytest.fixture
def archive(tmp_path):
    built = Archive(tmp_path / "a.db")
    yield built
    built.db.close()


def health_of(archive, sid: str) -> dict:
    return next(h for h in status.source_health(archive.db, NOW) if h["source"] == sid)


def test_healthy_source(archive):
    archive.source("good")
    archive.run(2, good={"articles": 12})
    archive.run(1, good={"articles": 14, "new": 2})
    archive.articles("good", 2, days_ago=1)
    archive.articles("good", 12, days_ago=40)
    h = health_of(archive, "good")
    assert h["verdict"] == "ok" and h["reason"] == ""
    assert h["articles_last_run"] == 14 and h["articles_30d"] == 2
    assert h["last_ok_at"] == iso(NOW - timedelta(days=1)) and h["discovery"] == "feed"


def test_never_crawled(archive):
    archive.source("fresh")
    h = health_of(archive, "fresh")
    assert h["verdict"] == "degraded" and h["reason"] == "never crawled"


def test_failing_runs_and_last_success(archive):
    archive.source("dead")
    archive.run(3, dead={"articles": 5})
    archive.run(2, dead={"status": "failed", "reason": "homepage unreachable (HTTP 503)"})
    archive.run(1, dead={"status": "failed", "reason": "homepage unreachable (HTTP 503)"})
    h = health_of(archive, "dead")
    assert h["verdict"] == "failing" and h["failed_runs"] == 2
    assert h["reason"] == "failed 2 run(s) in a row: homepage unreachable (HTTP 503)"
    assert h["last_ok_at"] == iso(NOW - timedelta(days=3))


def test_yield_dropped_to_zero(archive):
    archive.source("quiet")
    archive.run(2, quiet={"articles": 30})
    archive.run(1, quiet={"articles": 0})
    h = health_of(archive, "quiet")
    assert h["verdict"] == "failing"
    assert h["reason"] == "found no articles (the run before found 30)"


def test_zero_after_zero_is_not_a_drop(archive):
    archive.source("empty")
    archive.run(2, empty={"articles": 0})
    archive.run(1, empty={"articles": 0})
    assert health_of(archive, "empty")["verdict"] == "ok"


def test_most_new_articles_undated(archive):
    archive.source("nodate")
    archive.run(1, nodate={"articles": 5, "new": 5})
    archive.articles("nodate", 4, days_ago=0.9, dated=False)
    archive.articles("nodate", 1, days_ago=0.9)
    h = health_of(archive, "nodate")
    assert h["verdict"] == "degraded" and h["reason"] == "4 of 5 new articles have no date"


def test_extraction_failing_on_most_pages(archive):
    archive.source("broken")
    run = archive.run(1, broken={"articles": 1, "new": 1, "status": "partial"})
    archive.articles("broken", 1, days_ago=0.9)
    archive.error(run, "broken", "extract", 6)
    h = health_of(archive, "broken")
    assert h["verdict"] == "degraded" and h["errors"] == {"extract": 6}
    assert h["reason"].startswith("extraction failed on 6 of 7 new pages")


def test_discovery_changed(archive):
    archive.source("moved", discovery="listing")
    archive.run(2, moved={"discovery": "wordpress"})
    archive.run(1, moved={"discovery": "listing"})
    h = health_of(archive, "moved")
    assert h["verdict"] == "degraded"
    assert h["reason"] == "discovery changed from wordpress to listing"


def test_partial_run_lists_error_kinds(archive):
    archive.source("flaky")
    run = archive.run(1, flaky={"status": "partial", "errors": 3})
    archive.error(run, "flaky", "http", 2)
    archive.error(run, "flaky", "timeout")
    h = health_of(archive, "flaky")
    assert h["verdict"] == "degraded" and h["reason"] == "last run partial (2 http, 1 timeout)"


def test_worst_first(archive):
    for sid in ("a-ok", "b-dead", "c-new"):
        archive.source(sid)
    archive.run(1, **{"a-ok": {}, "b-dead": {"status": "failed", "reason": "x"}})
    order = [(h["source"], h["verdict"]) for h in status.source_health(archive.db, NOW)]
    assert order == [("b-dead", "failing"), ("c-new", "degraded"), ("a-ok", "ok")]


@pytest.mark.parametrize("failed, days", [(0, 0), (1, 0), (2, 1), (3, 2), (4, 4), (12, 32)])
def test_backoff_days(failed, days):
    assert status.backoff_days(failed) == days


def test_should_skip_backs_off_exponentially(archive):
    archive.source("dead")
    archive.source("good")
    failed = {"status": "failed", "reason": "x"}
    archive.run(5, dead=failed, good={})
    assert status.should_skip(archive.db, "dead", NOW) == (False, "")
    archive.run(3, dead=failed, good={})
    archive.run(0.5, dead=failed, good={})  # 3 in a row: 2 days from the last failure
    skip, why = status.should_skip(archive.db, "dead", NOW)
    assert skip and why.startswith("failed 3 runs in a row; backing off 2 day(s), until 2025-06-02")
    later = NOW + timedelta(days=1, hours=12)
    assert status.should_skip(archive.db, "dead", later)[0] is False
    assert status.should_skip(archive.db, "good", NOW) == (False, "")


def test_render_text(archive):
    archive.source("good")
    archive.source("dead")
    archive.run(1, good={"articles": 7}, dead={"status": "failed", "reason": "HTTP 503"})
    archive.articles("good", 3, days_ago=2)
    text = status.render_text(status.source_health(archive.db, NOW))
    lines = text.splitlines()
    assert lines[0].split() == ["source", "verdict", "last", "ok", "run/30d", "errors", "via",
                                "reason"]  # fmt: skip
    assert lines[1].startswith("dead ") and "FAILING" in lines[1] and "never" in lines[1]
    assert lines[2].startswith("good ") and " ok " in lines[2] and " 7/3 " in lines[2]
    assert lines[-1] == "2 sources: 1 ok, 0 degraded, 1 failing"
