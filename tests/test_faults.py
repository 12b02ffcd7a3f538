"""A real crawl of the faulty site (tests/sites/faulty.py) with the safety middlewares on.

What each fault must lead to is the table in docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
from http.server import HTTPServer

import pytest
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest

from archive.sqlite import sqlite3
from crawler import safety
from tests.conftest import edunews, pages_handler
from tests.sites.faulty import (
    ARTICLE_FAULTS,
    RETRY_AFTER_SECONDS,
)
from tests.sites.server import SampleSites

SAFETY_MIDDLEWARES = {
    "crawler.safety.HostGuard": 40,
    "crawler.safety.PageBudget": 45,
    "crawler.safety.RetryAfter": 555,
    "crawler.middlewares.SourceStatsMiddleware": 560,
}
SAFE = [
    "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(SAFETY_MIDDLEWARES)}",
    "-s", 'EXTENSIONS={"crawler.safety.TlsCheck": 500}',
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "RETRY_TIMES=2",
    "-s", "DOWNLOAD_TIMEOUT=3",
    "-s", "REDIRECT_MAX_TIMES=5",
    "-s", "EDUNEWS_RETRY_AFTER_MAX=10",
    "-v",  # the crawl log (stats included) on stderr, where these tests read it
]  # fmt: skip
# Seconds for the whole fault crawl: it guards against a hang (a fault that holds the crawl
# for minutes), with room for a busy 2-core machine; what is cut short is checked by counts.
TIME_BOUND = 110


def registry(entries: list[dict]) -> str:
    lines = ["sources:"]
    for entry in entries:
        lines.append("  - " + json.dumps(entry, ensure_ascii=False))  # JSON is YAML
    return "\n".join(lines) + "\n"


def rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    with SampleSites(["faulty", "elsewhere"]) as sites:
        faulty = sites.sites["faulty"]
        faulty.elsewhere = sites.urls["elsewhere"]
        tmp = tmp_path_factory.mktemp("faults")
        path = tmp / "sources.yaml"
        path.write_text(registry([faulty.registry_entry(), faulty.ssrf_entry()]), "utf-8")
        db = tmp / "faults.db"
        started = time.monotonic()
        args = ["crawl", "--sources", str(path), "--db", str(db), *SAFE]
        result = edunews(*args, "-s", "EDUNEWS_ASSUME_PUBLIC=localhost", timeout=240)
        elapsed = time.monotonic() - started
        yield {"db": db, "result": result, "elapsed": elapsed, "sites": sites}


def errors_by_path(db) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows(db, "select * from crawl_errors"):
        found.setdefault(row["url"].split("/", 3)[-1], []).append((row["kind"], row["reason"]))
    return found


def test_finishes_within_its_time_bound(fault_crawl):
    assert fault_crawl["elapsed"] < TIME_BOUND, fault_crawl["result"].stderr[-3000:]
    assert "Traceback" not in fault_crawl["result"].stderr


def test_every_recoverable_article_archived_once(fault_crawl):
    faulty = fault_crawl["sites"].sites["faulty"]
    stored = rows(fault_crawl["db"], "select url, title from articles")
    urls = [r["url"] for r in stored]
    assert len(urls) == len(set(urls))
    gold = {g["url"]: g for g in faulty.gold()}
    assert set(urls) == set(gold)
    garbled = [r["url"] for r in stored if r["title"] != gold[r["url"]]["title"]]
    assert garbled == []


def test_retries_and_retry_after(fault_crawl):
    faulty = fault_crawl["sites"].sites["faulty"]
    (flaky,) = faulty.posts_with("flaky")
    assert faulty.hits("/" + faulty.post_path(flaky)) == 3  # 500, 500, 200
    (busy,) = faulty.posts_with("busy")
    when = [t for t, target in faulty.times if target == "/" + faulty.post_path(busy)]
    assert len(when) == 2 and when[1] - when[0] >= RETRY_AFTER_SECONDS - 0.1


# path -> (kind, words of the reason); kinds come from crawler.safety.failure_kind.
EXPECTED_FAILURES = {
    "news/gone.html": ("http", "HTTP 404"),
    "news/huge.html": ("fetch", "larger than download max size"),
    "news/reset.html": ("fetch", "ConnectionLost"),
    "news/too-slow.html": ("timeout", "took longer than 3.0 seconds"),
    "private/report.html": ("robots", "Forbidden by robots.txt"),
    "offsite-news.html": ("offsite", "is not one of the source's hosts"),
    "internal/admin": ("private", "127.0.0.1 is a private or loopback address"),
    "chain.html?hop=6": ("redirect", "max redirections reached"),
    "loop/a.html": ("redirect", "redirect loop"),
    "ftp://127.0.0.1/x": ("scheme", "ftp scheme is never fetched"),
}


def test_every_failure_is_recorded_with_url_and_reason(fault_crawl):
    found = errors_by_path(fault_crawl["db"])
    found["ftp://127.0.0.1/x"] = found.pop("x", [])
    for path, (kind, words) in EXPECTED_FAILURES.items():
        recorded = found.get(path, [])
        assert any(words in reason for _, reason in recorded), (path, recorded)
        assert {k for k, _ in recorded} == {kind}, (path, recorded)
    assert set(found) == set(EXPECTED_FAILURES), set(found) ^ set(EXPECTED_FAILURES)


def test_nothing_disallowed_or_offsite_was_requested(fault_crawl):
    sites = fault_crawl["sites"]
    assert sites.request_log["elsewhere"] == []
    faulty = sites.sites["faulty"].requests
    assert not [t for t in faulty if t.startswith("/private/")]
    assert faulty.count("/loop/a.html") == 1 and faulty.count("/loop/b.html") == 1
    hops = [t for t in faulty if t.startswith("/chain.html")]
    assert len(hops) == 6  # the first request and REDIRECT_MAX_TIMES redirects


def test_slow_page_is_bounded(fault_crawl):
    faulty = fault_crawl["sites"].sites["faulty"]
    assert faulty.hits("/news/too-slow.html") == 3  # two retries, each cut at the timeout
    # Each attempt ended by the download timeout (3 s), not by the server's answer (10 s).
    log = fault_crawl["result"].stderr
    timeouts = re.search(r"exception_type_count/[\w.]*Timeout\w*': (\d+)", log)
    assert timeouts and int(timeouts[1]) >= 3, log[-3000:]


def test_run_record_counts_the_source_as_partial(fault_crawl):
    db = fault_crawl["db"]
    (row,) = rows(db, "select * from crawl_run_sources where source = 'sample-faulty'")
    assert row["status"] == "partial" and row["errors"] > 0
    assert row["articles"] == len(ARTICLE_FAULTS) + 2


def test_page_budget_stops_a_source(tmp_path):
    with SampleSites(["faulty", "elsewhere"]) as sites:
        faulty = sites.sites["faulty"]
        path = tmp_path / "sources.yaml"
        path.write_text(registry([faulty.registry_entry()]), "utf-8")
        db = tmp_path / "budget.db"
        result = edunews(
            "crawl", "--sources", str(path), "--db", str(db), *SAFE,
            "-s", "EDUNEWS_MAX_PAGES_PER_SOURCE=4", timeout=180,
        )  # fmt: skip
        assert "Traceback" not in result.stderr
        assert len(set(faulty.requests) - {"/robots.txt"}) <= 4
    dropped = rows(db, "select * from crawl_errors where reason like '%page budget of 4%'")
    assert dropped and {r["kind"] for r in dropped} <= {"budget", "fetch"}
    assert "source/sample-faulty/dropped/page_budget" in result.stderr


# -- unit checks of the rules --------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, seconds",
    [("7", 7.0), (b"120", 120.0), ("", None), ("soon", None), (None, None)],
)
def test_retry_after_parsing(value, seconds):
    assert safety.retry_after_seconds(value) == seconds


def test_retry_after_http_date():
    now = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert safety.retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0


@pytest.mark.parametrize(
    "url, key",
    [
        ("https://www.obec.go.th/x", "obec.go.th"),
        ("http://OBEC.go.th:80/", "obec.go.th"),
        ("https://obec.go.th:443/", "obec.go.th"),
        ("http://127.0.0.1:8080/a", "127.0.0.1:8080"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
    ],
)
def test_host_key(url, key):
    assert safety.host_key(url) == key


@pytest.mark.parametrize(
    "key, allowed",
    [("obec.go.th", True), ("pr.obec.go.th", True), ("notobec.go.th", False),
     ("obec.go.th:8080", False), ("127.0.0.1:8000", True), ("127.0.0.1:8001", False)],
)  # fmt: skip
def test_on_hosts(key, allowed):
    assert safety.on_hosts(key, {"obec.go.th", "127.0.0.1:8000"}) is allowed


@pytest.mark.parametrize(
    "address, public",
    [("8.8.8.8", True), ("127.0.0.1", False), ("10.1.2.3", False), ("169.254.169.254", False),
     ("192.168.1.1", False), ("::1", False), ("0.0.0.0", False), ("203.150.1.1", True)],
)  # fmt: skip
def test_is_public(address, public):
    assert safety.is_public(address) is public


# -- certificates ----------------------------------------------------------------------------------
def self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


TinyPage = pages_handler({"/": b"<!DOCTYPE html><title>tls</title><p>hello</p>"})


@pytest.fixture
def https_site(tmp_path):
    cert, key = self_signed(tmp_path)
    server = HTTPServer(("127.0.0.1", 0), TinyPage)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_certificate_problem_is_named(https_site):
    port = int(https_site.rstrip("/").rsplit(":", 1)[1])
    assert safety.certificate_problem("127.0.0.1", port, timeout=3) == "self_signed"
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    unused = free.getsockname()[1]
    free.close()
    assert safety.certificate_problem("127.0.0.1", unused, timeout=1) is None


def test_bad_certificate_is_fetched_and_recorded(https_site, tmp_path):
    path = tmp_path / "sources.yaml"
    entry = {"id": "tls", "name": "ทดสอบ", "url": https_site, "kind": "listing"}
    path.write_text(registry([entry]), "utf-8")
    db = tmp_path / "tls.db"
    result = edunews("crawl", "--sources", str(path), "--db", str(db), *SAFE, timeout=180)
    assert "source/tls/tls/self_signed" in result.stderr
    assert "source/tls/pages" in result.stderr  # the homepage was fetched anyway
    (row,) = rows(db, "select * from crawl_errors where kind = 'tls'")
    assert row["source"] == "tls" and row["reason"] == "self_signed"


@pytest.mark.parametrize(
    "exception, kind",
    [
        (safety.Blocked("private", "x"), "private"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (IgnoreRequest("max redirections reached"), "redirect"),
        (DownloadTimeoutError("took longer"), "timeout"),
        (ConnectionRefusedError(), "fetch"),
    ],
)
def test_failure_kind(exception, kind):
    assert safety.failure_kind(exception) == kind


class FakeSource:
    id = "s"
    url = "http://127.0.0.1:8000/"
    hosts = {"127.0.0.1:8000", "127.0.0.1:8001"}


@pytest.mark.parametrize(
    "url, kind",
    [
        ("file:///etc/passwd", "scheme"),
        ("data:text/html,hi", "scheme"),
        ("ftp://127.0.0.1:8000/x", "scheme"),
        ("http://127.0.0.1:8002/", "offsite"),
        ("http://127.0.0.1:8001/ok", None),
        ("http://127.0.0.1:8000/ok", None),
    ],
)
def test_host_guard_rules(url, kind):
    guard = safety.HostGuard.__new__(safety.HostGuard)
    guard.assume_public, guard._public, guard._keys = set(), {}, {}
    try:
        guard.check(url, FakeSource())
    except safety.Blocked as exc:
        assert exc.kind == kind
    else:
        assert kind is None


def test_private_target_blocked_for_a_public_source():
    guard = safety.HostGuard.__new__(safety.HostGuard)
    guard.assume_public, guard._public, guard._keys = {"localhost"}, {}, {}
    source = FakeSource()
    source.url, source.hosts = "http://localhost:8000/", {"localhost:8000", "127.0.0.1:8001"}
    with pytest.raises(safety.Blocked, match="private"):
        guard.check("http://127.0.0.1:8001/", source)  # even when listed as the source's host
