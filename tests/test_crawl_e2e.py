"""End to end: the sample sites on 127.0.0.1, a real `edunews crawl` process, the archive."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest

from archive.sqlite import sqlite3
from tests.conftest import FAST, ROOT, edunews
from tests.quality import measure

EXPECTED_DISCOVERY = {
    "sample-wp": "wordpress",
    "sample-wpnoapi": "feed",
    "sample-legacy": "listing",
    "sample-feedonly": "feed",
}


def query(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return rows


def test_crawl_succeeds_with_one_line_per_source(crawled):
    db, result = crawled
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("sample-")]
    assert len(lines) == 4
    assert all(": ok via " in ln for ln in lines), lines


@pytest.mark.parametrize("site", ["wp", "wpnoapi", "legacy", "feedonly"])
def test_every_article_archived_correctly(crawled, sites, site):
    db, _ = crawled
    m = measure(db, sites.gold(site))
    assert m["recall"] == 1.0, m["missing"]
    assert m["title_exact"] == 1.0 and m["date_exact"] == 1.0, m["mismatches"][:5]
    assert m["body_similarity_min"] >= 0.98 and m["body_exact"] >= 0.95
    assert m["images_exact"] == 1.0 and m["attachments_exact"] == 1.0


def test_only_articles_are_stored(crawled, sites):
    db, _ = crawled
    m = measure(db, sites.gold())
    assert m["extra"] == [] and m["stored"] == len(sites.gold())


def test_run_record_per_source(crawled):
    db, _ = crawled
    (run,) = query(db, "select * from crawl_runs")
    assert run["status"] == "finished" and run["finished_at"] and run["new"] == 122
    per_source = {r["source"]: r for r in query(db, "select * from crawl_run_sources")}
    assert {s: r["discovery"] for s, r in per_source.items()} == EXPECTED_DISCOVERY
    assert all(r["status"] == "ok" and r["errors"] == 0 for r in per_source.values())
    assert per_source["sample-wp"]["pages"] <= 3  # 48 posts from one REST API page


def test_nothing_offsite_was_requested(crawled):
    _, result = crawled
    assert "example.invalid" not in "\n".join(
        ln for ln in result.stderr.splitlines() if "Filtered offsite" not in ln
    )


def test_thai_text_is_normalised_in_the_archive(crawled):
    db, _ = crawled
    bodies = [r["body_text"] for r in query(db, "select body_text from articles")]
    assert not any("\u200b" in b or "เเ" in b or "\u0e4d\u0e32" in b for b in bodies)
    assert not any(line.strip() == "." for b in bodies for line in b.split("\n"))


def test_recrawl_changes_nothing_but_last_seen(crawled, sources_file, tmp_path):
    db, _ = crawled
    copy = tmp_path / "again.db"
    shutil.copy(db, copy)
    before = {r["id"]: r for r in query(copy, "select * from articles")}
    result = edunews("crawl", "--sources", str(sources_file), "--db", str(copy), *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    after = {r["id"]: r for r in query(copy, "select * from articles")}
    assert after.keys() == before.keys()
    for aid, row in after.items():
        changed = {k for k in row if row[k] != before[aid][k]}
        assert changed <= {"last_seen_at", "fetched_at"}, (aid, changed)
    (second,) = query(copy, "select * from crawl_runs where id = 2")
    assert second["new"] == 0 and second["updated"] == 0 and second["unchanged"] > 0
    per_source = query(copy, "select source, pages, status from crawl_run_sources where run_id = 2")
    print(per_source)
    assert all(r["status"] == "ok" for r in per_source)
    # an unchanged site costs a handful of requests: index page(s) + the sampled re-checks
    assert all(r["pages"] <= 10 for r in per_source), per_source


def test_export_jsonl(crawled):
    db, _ = crawled
    result = edunews("export", "--db", str(db))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 122
    fields = {"url", "source", "title", "published_at", "body_text", "author", "credits"}
    fields |= {"images", "attachments", "first_seen_at", "last_seen_at"}
    assert fields <= set(records[0])
    assert all(
        isinstance(r["images"], list) and isinstance(r["attachments"], list) for r in records
    )
    dated = [r["published_at"] for r in records]
    assert all(len(d) == 10 or d.endswith("+07:00") for d in dated)
    assert any(r["credits"] for r in records)


def test_export_filters_and_csv(crawled):
    db, _ = crawled
    only = edunews("export", "--db", str(db), "--source", "sample-legacy", "--since", "2019-01-01")
    records = [json.loads(line) for line in only.stdout.splitlines()]
    assert records and all(r["source"] == "sample-legacy" for r in records)
    assert all(r["published_at"] >= "2019-01-01" for r in records)
    result = edunews("export", "--db", str(db), "--format", "csv")
    raw = result.stdout.encode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert raw.startswith(b"\xef\xbb\xbf") and len(rows) == 122
    assert all(r["title"] for r in rows)


@pytest.mark.parametrize("kind", ["feed", "sitemap", "listing"])
def test_each_discovery_method_alone_finds_every_article(sites, tmp_path, kind):
    """The WordPress site crawled without its API: HTML extraction, traps not stored."""
    registry = tmp_path / "one.yaml"
    registry.write_text(
        f"sources:\n  - id: wp\n    name: ทดสอบ\n    url: {sites.urls['wp']}\n    kind: {kind}\n",
        encoding="utf-8",
    )
    db = tmp_path / "one.db"
    result = edunews("crawl", "--sources", str(registry), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    m = measure(db, sites.gold("wp"))
    assert m["recall"] == 1.0 and m["extra"] == []
    assert m["title_exact"] == 1.0 and m["date_exact"] == 1.0
    assert m["body_exact"] == 1.0 and m["images_exact"] == 1.0


def test_failed_source_gives_non_zero_exit_and_a_reason(sites, tmp_path):
    registry = tmp_path / "mixed.yaml"
    registry.write_text(
        "sources:\n"
        f"  - {{id: alive, name: ก, url: '{sites.urls['feedonly']}'}}\n"
        "  - {id: dead, name: ข, url: 'http://127.0.0.1:9/'}\n",
        encoding="utf-8",
    )
    result = edunews("crawl", "--sources", str(registry), "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 1
    failed = [ln for ln in result.stderr.splitlines() if ln.startswith("FAILED")]
    assert failed == [failed[0]] and failed[0].startswith("FAILED dead: homepage unreachable")
    assert any(
        ln.startswith("alive: ok via feed: 10 articles") for ln in result.stderr.splitlines()
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["crawl", "--sources", "{tmp}/bad.yaml"], "not valid YAML"),
        (["crawl", "--only", "nosuch"], "unknown source id(s): nosuch"),
        (["crawl", "--db", "{tmp}/file/archive.db"], "cannot create directory"),
        (["export", "--db", "{tmp}/missing.db"], "database not found"),
        (["export", "--db", "{tmp}/corrupt.db"], "cannot use database"),
        (["export", "--db", "{tmp}/ok.db", "--since", "2562"], "--since expects YYYY-MM-DD"),
        (["serve", "--db", "{tmp}/corrupt.db"], "cannot use database"),
        (["extract", "{tmp}/none.html"], "no such file"),
        (["crawl", "-s", "DOWNLOAD_DELAY"], "-s expects NAME=VALUE"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(tmp_path, args, message):
    (tmp_path / "bad.yaml").write_text("sources: [", encoding="utf-8")
    (tmp_path / "file").write_text("not a directory")
    (tmp_path / "corrupt.db").write_bytes(b"garbage" * 1000)
    sqlite3.connect(tmp_path / "ok.db").close()
    result = edunews(*(a.format(tmp=tmp_path) for a in args), timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("edunews: error: ") and message in result.stderr


def test_environment_variable_chooses_the_database(crawled, tmp_path):
    db, _ = crawled
    env = {**__import__("os").environ, "EDUNEWS_DB": str(db)}
    result = edunews("export", "--source", "sample-feedonly", env=env)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 10


def test_scrapy_runs_the_same_spider(sites, tmp_path):
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.stdout.split() == ["archive"]
    registry = tmp_path / "one.yaml"
    registry.write_text(sites.sources_yaml(), encoding="utf-8")
    db = tmp_path / "scrapy.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "archive", "-a", "only=sample-feedonly",
         "-s", f"EDUNEWS_SOURCES={registry}", "-s", f"EDUNEWS_DB={db}", *FAST],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert query(db, "select count(*) n from articles")[0]["n"] == 10
