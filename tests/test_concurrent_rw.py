"""Datasette keeps answering searches, never "database is locked", while a crawl writes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from archive import store
from tests.conftest import FAST, ROOT
from tests.test_redis_workers import free_port, running

SEARCH = "/edunews/articles.json?" + urllib.parse.urlencode(
    {"_search": "ครู", "_shape": "array", "_size": "5", "_col": "title"}
)
# The public may not run arbitrary SQL: count through the table's own JSON.
COUNT = "/edunews/articles.json?" + urllib.parse.urlencode(
    {"_size": "1", "_col": "title", "_nofacet": "1"}
)


def count_of(body: str) -> int:
    return json.loads(body)["filtered_table_rows_count"]


def get(base: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_search_while_crawling(sources_file, tmp_path):
    db = tmp_path / "live.db"
    store.open_db(db).close()  # migrated, WAL mode: what `edunews serve` is given
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [sys.executable, "-m", "archive", "serve", "--db", str(db), "--port", str(port)]
    with running(serve, port, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        crawl = subprocess.Popen(
            [sys.executable, "-m", "archive", "crawl", "--sources", str(sources_file),
             "--db", str(db), *FAST],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        answers, counts = [], []
        deadline = time.monotonic() + 180
        while crawl.poll() is None and time.monotonic() < deadline:
            answers.append(get(base, SEARCH))
            status, body = get(base, COUNT)
            answers.append((status, body))
            if status == 200:
                counts.append(count_of(body))
        _, crawl_log = crawl.communicate(timeout=180)
        final = count_of(get(base, COUNT)[1])
    assert crawl.returncode == 0, crawl_log[-2000:]
    assert len(answers) >= 20, len(answers)
    failures = [(s, b[:200]) for s, b in answers if s != 200 or "locked" in b]
    assert failures == []
    assert counts == sorted(counts) and counts[0] < final == 122  # it saw the writes land
    assert "database is locked" not in crawl_log
