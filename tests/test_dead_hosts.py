"""Dead hosts cost seconds (crawler/contact.py, HostGuard's lookup): a port that takes the
connection and never answers, a refused port and a name that does not resolve, crawled beside
a slow but alive site, all on loopback. `nothing.invalid` is never looked up (RFC 6761): no
query leaves the machine."""

from __future__ import annotations

import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.cli import project_settings
from archive.sqlite import sqlite3
from crawler import safety
from tests.conftest import edunews
from tests.test_hostile_crawl import enabled_components

ARTICLE = (Path(__file__).parent / "fixtures" / "pages" / "legacy-article-tis620.html").read_bytes()
FIRST_CONTACT, TIMEOUT, SLOW = 2.0, 8, 3.5  # the slow site's article: after first contact
# The shipped retries (2) and middlewares otherwise.
ARGS = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}",
    "-s", f"EDUNEWS_FIRST_CONTACT_TIMEOUT={FIRST_CONTACT}",
    "-v",
]  # fmt: skip


class Silent:
    """Takes every connection, reads nothing, answers nothing; counts the connections."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class SlowSite(BaseHTTPRequestHandler):
    """Alive but slow: robots.txt after 1 s, the article after longer than first contact."""

    def do_GET(self):
        if self.path == "/robots.txt":
            time.sleep(1.0)
            self.reply(404, b"not found", "text/plain")
        elif self.path == "/":
            body = '<html><body><div class="content"><a href="/news_detail.php?id=1037">'
            body += "EDUCA 2019 งานมหกรรมทางการศึกษา</a></div></body></html>"
            self.reply(200, body.encode(), "text/html; charset=utf-8")
        elif self.path == "/news_detail.php?id=1037":
            time.sleep(SLOW)
            self.reply(200, ARTICLE, "text/html")
        else:
            self.reply(404, b"not found", "text/plain")

    def reply(self, status: int, body: bytes, kind: str):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: connections to it are refused


@pytest.fixture(scope="module")
def dead_crawl(tmp_path_factory):
    silent = Silent()
    slow = ThreadingHTTPServer(("127.0.0.1", 0), SlowSite)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    tmp = tmp_path_factory.mktemp("dead")
    registry = tmp / "sources.yaml"
    registry.write_text(
        "sources:\n"
        f"  - {{id: silent, name: เงียบ, url: 'http://127.0.0.1:{silent.port}/'}}\n"
        f"  - {{id: refused, name: ปิด, url: 'http://127.0.0.1:{unused_port()}/'}}\n"
        "  - {id: nodns, name: ไม่มีชื่อ, url: 'http://nothing.invalid/'}\n"
        f"  - {{id: slow, name: ช้า, url: 'http://127.0.0.1:{slow.server_address[1]}/',"
        " kind: listing}\n",
        "utf-8",
    )
    db = tmp / "archive.db"
    started = time.monotonic()
    result = edunews("crawl", "--sources", str(registry), "--db", str(db), *ARGS, timeout=180)
    elapsed = time.monotonic() - started
    connections = len(silent.held)
    silent.close()
    slow.shutdown()
    slow.server_close()
    assert db.exists(), result.stdout + result.stderr[-3000:]
    conn = sqlite3.connect(db)
    query = "select source, status, reason from crawl_run_sources"
    runs = {r[0]: r[1:] for r in conn.execute(query)}
    errors = list(conn.execute("select source, kind, reason from crawl_errors"))
    titles = [r[0] for r in conn.execute("select title from articles")]
    conn.close()
    return {"result": result, "elapsed": elapsed, "connections": connections, "runs": runs,
            "errors": errors, "titles": titles}  # fmt: skip


def test_dead_hosts_fail_fast_with_their_reason(dead_crawl):
    runs, log = dead_crawl["runs"], dead_crawl["result"].stderr
    assert runs["silent"][0] == "failed" and "took longer than 2.0 seconds" in runs["silent"][1]
    assert runs["refused"][0] == "failed" and "Connection refused" in runs["refused"][1]
    assert runs["nodns"][0] == "failed" and "nothing.invalid does not resolve" in runs["nodns"][1]
    kinds = {(source, kind) for source, kind, _ in dead_crawl["errors"]}
    assert {("silent", "timeout"), ("refused", "fetch"), ("nodns", "dns")} <= kinds, kinds
    assert "'first_contact/unreachable/hosts': 2" in log, log[-3000:]
    assert "Traceback" not in log  # one line per dead host, not a traceback


def test_a_silent_host_is_asked_once(dead_crawl):
    """robots.txt only: no retry of it, and the homepage is not sent to a host that never
    answered (before: three attempts of each, at the full timeout)."""
    assert dead_crawl["connections"] == 1


def test_slow_but_alive_host_is_crawled(dead_crawl):
    """Once a host has answered, its pages get the full download timeout."""
    assert dead_crawl["runs"]["slow"][0] == "ok", dead_crawl["runs"]
    assert dead_crawl["titles"] == ["EDUCA 2019"]


def test_dead_hosts_cost_seconds(dead_crawl):
    """The crawl's own time (Scrapy's elapsed_time_seconds, start-up excluded): the slow
    site's 1 + 3.5 s and the silent host's 2 s side by side. Before, the silent host alone
    cost 2 x 3 x 8 s = 48 s (robots.txt and the homepage, three attempts each)."""
    log = dead_crawl["result"].stderr
    crawl = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", log)[1])
    assert crawl < 15, log[-3000:]


def test_invalid_names_are_never_looked_up():
    assert safety.resolve("nothing.invalid") == [] == safety.resolve("a.b.INVALID.")
    assert safety.certificate_problem("nothing.invalid", 443, timeout=1) is None


def test_first_contact_runs_before_retries(tmp_path):
    names = enabled_components(
        project_settings(EDUNEWS_DB=str(tmp_path / "archive.db")),
        "scrapy.core.downloader.middleware.DownloaderMiddlewareManager",
    )
    at = names.index
    assert at("scrapy.downloadermiddlewares.retry.RetryMiddleware") < at(
        "crawler.contact.FirstContact"
    )  # process_exception runs in reverse order: FirstContact turns the retry off first
