"""Issue 11, input validation at the command line: one clear line, a non-zero exit, and
nothing changed (the export's formula cells too)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys

import pytest

from archive import export, store
from archive.sqlite import sqlite3
from crawler.items import Article
from crawler.sources import Source
from tests.conftest import ROOT, edunews

FORMULA = '=HYPERLINK("http://evil.example/","ข่าว")'


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "archive.db"
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="thaigov", name="ทำเนียบ", url="https://x.go.th/")])
    for n in range(400):  # enough JSON Lines to fill a pipe's buffer several times
        title = FORMULA if n == 0 else f"ข่าวครู {n}"
        body = "-ลบ\n" + "ครูประชุม " * 60
        article = Article(url=f"https://x.go.th/news/{n}", source="thaigov", title=title,
                          body_text=body, published_at=f"2024-08-{1 + n % 28:02d}")  # fmt: skip
        store.save_article(db, article)
    db.close()
    return path


@pytest.fixture
def foreign(tmp_path):
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("create table notes (id integer primary key, text text)")
    conn.execute("insert into notes (text) values ('ของโปรแกรมอื่น')")
    conn.commit()
    conn.close()
    return path


def state(path) -> tuple:
    """The file's bytes and whether SQLite side files appeared (WAL switched on)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sides = sorted(p.name for p in path.parent.iterdir() if p.name != path.name)
    return digest, sides


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


@pytest.mark.parametrize(
    "command", [["crawl"], ["status"], ["export"], ["serve", "--port", "1"], ["reprocess"]]
)
def test_a_foreign_database_is_refused_and_untouched(foreign, command, tmp_path):
    registry = tmp_path / "sources.yaml"  # never crawled: the database is refused first
    registry.write_text("sources:\n  - {id: x, name: x, url: 'http://127.0.0.1:9/'}\n")
    before = state(foreign)
    extra = ["--sources", str(registry)] if command == ["crawl"] else []
    result = edunews(*command, *extra, "--db", str(foreign), timeout=120)
    assert result.returncode == 2
    assert "not an edunews archive" in one_line_error(result)
    assert state(foreign) == before


def test_an_empty_database_becomes_an_archive(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    store.open_db(empty).close()
    conn = sqlite3.connect(empty)
    assert conn.execute("select count(*) from _migrations").fetchone()[0] > 0
    conn.close()


def test_check_archive_refuses_before_anything_is_written(foreign):
    from archive.migrations import ForeignDatabase, check_archive

    conn = sqlite3.connect(foreign)
    with pytest.raises(ForeignDatabase):
        check_archive(conn)
    conn.close()


@pytest.mark.parametrize(
    "setting, words",
    [("EDUNEWS_MAX_PAGES_PER_SOURCE=abc", "whole number"),
     ("EDUNEWS_RETRY_AFTER_MAX=soon", "a number"),
     ("EDUNEWS_INCREMENTAL=perhaps", "true or false"),
     ("DOWNLOAD_DELAY=fast", "a number")],
)  # fmt: skip
def test_a_setting_of_the_wrong_type_is_one_line(tmp_path, setting, words):
    db = tmp_path / "archive.db"
    result = edunews("crawl", "--db", str(db), "-s", setting, timeout=120)
    assert result.returncode == 2 and words in one_line_error(result)
    assert not db.exists()


@pytest.mark.parametrize("since", ["2024-13-45", "2024-02-30", "24-1-1", "yesterday"])
def test_export_since_must_be_a_real_date(archive, since):
    before = state(archive)
    result = edunews("export", "--db", str(archive), "--since", since)
    assert result.returncode == 2 and "--since" in one_line_error(result)
    assert result.stdout == "" and state(archive) == before


def test_export_into_a_closed_pipe_is_quiet(archive):
    process = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "export", "--db", str(archive)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    first = process.stdout.readline()  # `| head -1`
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 141  # 128 + SIGPIPE, as a pipeline tool ends
    assert json.loads(first)["id"] and stderr == ""


def test_export_csv_neutralises_formulas_and_jsonl_keeps_them(archive):
    db = store.open_db(archive, create=False)
    out = io.StringIO()
    export.write(db, out, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    titles = {r["title"] for r in rows}
    assert "'" + FORMULA in titles and FORMULA not in titles
    assert all(r["body_text"].startswith("'-ลบ") for r in rows)
    lines = io.StringIO()
    export.write(db, lines, fmt="jsonl")
    db.close()
    assert FORMULA in {json.loads(line)["title"] for line in lines.getvalue().splitlines()}
