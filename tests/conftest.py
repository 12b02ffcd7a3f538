"""Shared fixtures: the sample sites and one real crawl of them, run once per test session."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.sites.server import SampleSites

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


def pages_handler(bodies: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    """A quiet handler for http.server that answers each path of ``bodies`` with its HTML
    (UTF-8) and any other path with 404."""

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = bodies.get(self.path, b"<html>nothing</html>")
            self.send_response(200 if self.path in bodies else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Pages


FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "RETRY_TIMES=1",
    "-s", "DOWNLOAD_TIMEOUT=20",
]  # fmt: skip


def edunews(*args: str, timeout: int = 240, **kwargs) -> subprocess.CompletedProcess:
    """Run the real `edunews` command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "archive", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


@pytest.fixture(scope="session")
def sites():
    with SampleSites() as running:
        yield running


@pytest.fixture(scope="session")
def sources_file(sites, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "sources.yaml"
    path.write_text(sites.sources_yaml(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def crawled(sources_file, tmp_path_factory):
    """One full crawl of every sample site into a fresh archive: (db path, process result)."""
    db = tmp_path_factory.mktemp("archive") / "archive.db"
    result = edunews("crawl", "--sources", str(sources_file), "--db", str(db), *FAST)
    return db, result


@pytest.fixture(params=["by_rowid", "old_text"])
def index_kind(request, monkeypatch) -> str:
    """Both kinds of search index: deletes by rowid (SQLite 3.43+, migration 0014), and the
    old one that deletes with the old text, forced as an SQLite older than 3.43 would have it
    (migration 0014 waits)."""
    from archive import sqlite

    if request.param == "old_text":
        monkeypatch.setattr(sqlite, "CONTENTLESS_DELETE", False)
    elif not sqlite.CONTENTLESS_DELETE:
        pytest.skip(f"SQLite {sqlite.sqlite3.sqlite_version} cannot delete by rowid")
    return request.param
