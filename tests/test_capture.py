"""Raw captures: real crawls of the sample sites (and a gzip-serving site) into WARC files."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import brotli
import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive import warc
from archive.sqlite import sqlite3
from crawler import settings as project
from crawler.capture import CaptureMiddleware
from tests.conftest import FAST, edunews
from tests.sites.server import SampleSites

MIDDLEWARES = {**project.DOWNLOADER_MIDDLEWARES, "crawler.capture.CaptureMiddleware": 650}
MAX_BYTES = 250_000  # small, so that one crawl of the sample sites fills several files
NAME_RE = re.compile(r"^edunews-\d{8}T\d{6}Z-\d{5}\.warc\.gz$")
WARCIO = [sys.executable, "-c", "import sys; from warcio.cli import main; sys.exit(main())"]


def capture_args(max_bytes: int = MAX_BYTES) -> list[str]:
    return [
        "-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(MIDDLEWARES)}",
        "-s", f"EDUNEWS_WARC_MAX_BYTES={max_bytes}",
    ]  # fmt: skip


# -- a tiny site that sends its feed and articles gzip-encoded (one of them chunked) ----------
PARAGRAPHS = (
    "กระทรวงศึกษาธิการจัดประชุมผู้บริหารสถานศึกษาทั่วประเทศเพื่อเตรียมความพร้อมเปิดภาคเรียน",
    "ที่ประชุมมอบหมายให้สำนักงานเขตพื้นที่การศึกษาทุกแห่งสำรวจความพร้อมของอาคารเรียนและครู",
)


def article_html(n: int) -> str:
    paragraphs = "".join(f"<p>{p} (ข่าวที่ {n})</p>" for p in PARAGRAPHS)
    return (
        '<!doctype html><html lang="th"><head><meta charset="utf-8">'
        f"<title>ข่าวทดสอบการบีบอัดฉบับที่ {n} | ศูนย์ทดสอบ</title>"
        f'<meta property="article:published_time" content="2024-05-0{n}T10:00:00+07:00">'
        '</head><body class="single"><article>'
        f'<h1 class="entry-title">ข่าวทดสอบการบีบอัดฉบับที่ {n}</h1>'
        f'<div class="entry-content">{paragraphs}</div></article></body></html>'
    )


def feed_xml(base: str) -> str:
    items = "".join(
        f"<item><title>ข่าวทดสอบการบีบอัดฉบับที่ {n}</title><link>{base}news/{n}.html</link>"
        f"<pubDate>Wed, 0{n} May 2024 03:00:00 GMT</pubDate></item>"
        for n in (1, 2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>ศูนย์ทดสอบ</title><link>{base}</link>{items}</channel></rss>"
    )


class GzipHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: GzipSite

    def do_GET(self) -> None:
        self.site.requests.append(self.path)
        page = self.site.pages.get(self.path)
        if page is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found", chunked=False)
            return
        self._send(200, page["headers"], page["wire"], chunked=page["chunked"])

    def _send(self, status: int, headers: dict, body: bytes, chunked: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        framing = ("Transfer-Encoding", "chunked") if chunked else ("Content-Length", len(body))
        self.send_header(*framing)
        self.end_headers()
        if not chunked:
            self.wfile.write(body)
            return
        for start in range(0, len(body), 100):  # several chunks
            piece = body[start : start + 100]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format, *args) -> None:
        pass


class GzipSite:
    """Serves a homepage (identity), an RSS feed and two articles (gzip; one chunked)."""

    source_id = "sample-gzip"

    def __init__(self):
        self.requests: list[str] = []
        self.pages: dict[str, dict] = {}
        handler = type("Handler", (GzipHandler,), {"site": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain", encoded=False)
        home = f'<html><head><link rel="alternate" type="application/rss+xml" href="{self.base}feed.xml"></head><body><h1>ศูนย์ทดสอบ</h1></body></html>'  # noqa: E501
        self._add("/", home, "text/html; charset=utf-8", encoded=False)
        self._add("/feed.xml", feed_xml(self.base), "application/rss+xml; charset=utf-8")
        self._add("/news/1.html", article_html(1), "text/html; charset=utf-8")
        self._add("/news/2.html", article_html(2), "text/html; charset=utf-8", chunked=True)

    def _add(self, path, text, content_type, encoded=True, chunked=False) -> None:
        plain = text.encode("utf-8")
        headers = {"Content-Type": content_type}
        if encoded:
            headers["Content-Encoding"] = "gzip"
        wire = gzip.compress(plain, mtime=0) if encoded else plain
        self.pages[path] = {"headers": headers, "wire": wire, "plain": plain, "chunked": chunked}

    def registry_entry(self) -> str:
        return (
            f"  - id: {self.source_id}\n    name: ศูนย์ทดสอบการบีบอัด\n"
            f'    url: "{self.base}"\n    kind: feed\n    feed_url: "{self.base}feed.xml"\n'
        )

    def __enter__(self) -> GzipSite:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def requested_urls(sites: SampleSites, gzip_site: GzipSite) -> set[str]:
    """Every URL the crawl asked for, as the servers saw it (robots.txt aside)."""
    urls = {gzip_site.base.rstrip("/") + path for path in gzip_site.requests}
    for name, paths in sites.request_log.items():
        urls |= {sites.urls[name].rstrip("/") + path for path in paths}
    return {u for u in urls if not u.endswith("/robots.txt")}


# -- reading back ---------------------------------------------------------------------------
def query(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return rows


def warc_records(path: Path) -> list[dict]:
    """Every record of a file: offset, WARC headers (dict), HTTP headers, raw payload."""
    records = []
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            payload = record.raw_stream.read()
            records.append(
                {
                    "offset": iterator.get_record_offset(),
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "payload": payload,
                }
            )
    return records


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    """Two crawls of the sample sites and the gzip site into one archive, with capture on."""
    root = tmp_path_factory.mktemp("capture")
    db = root / "archive.db"
    with SampleSites() as sites, GzipSite() as gzip_site:
        registry = root / "sources.yaml"
        registry.write_text(sites.sources_yaml() + gzip_site.registry_entry(), encoding="utf-8")
        requested = []
        for _ in range(2):
            sites.clear_log()
            gzip_site.requests.clear()
            args = ("crawl", "--sources", str(registry), "--db", str(db), *FAST)
            result = edunews(*args, *capture_args())
            assert result.returncode == 0, result.stderr[-3000:]
            requested.append(requested_urls(sites, gzip_site))
        yield {"db": db, "dir": root / "warc", "requested": requested, "gzip": gzip_site}


@pytest.fixture(scope="module")
def records(two_crawls):
    return {f.name: warc_records(f) for f in sorted(two_crawls["dir"].glob("*.warc.gz"))}


@pytest.fixture(scope="module")
def by_position(records):
    return {(name, r["offset"]): r for name, rs in records.items() for r in rs}


def captures_of_run(db, run: int) -> list[dict]:
    return query(db, "select * from captures where run_id = ? order by id", [run])


# -- tests ------------------------------------------------------------------------------------
@pytest.mark.parametrize("run", [1, 2])
def test_every_source_response_is_captured(two_crawls, by_position, run):
    captures = captures_of_run(two_crawls["db"], run)
    # robots.txt is archived when the spider reads it (for sitemaps), not when Scrapy does
    captured = {c["url"] for c in captures if not c["url"].endswith("/robots.txt")}
    assert captured == two_crawls["requested"][run - 1]
    for capture in captures:
        record = by_position[(capture["warc_file"], capture["warc_offset"])]
        assert record["type"] == capture["record_type"]
        assert record["warc"]["WARC-Target-URI"] == capture["url"]
        assert int(record["http"].get_statuscode()) == capture["status"]


def test_all_kinds_of_pages_are_captured(two_crawls):
    urls = [c["url"] for c in captures_of_run(two_crawls["db"], 1)]
    assert any("wp/v2/posts" in u for u in urls)  # REST API
    assert any("atom.xml" in u or "feed" in u for u in urls)  # feeds
    assert any("/news/1.html" in u for u in urls)  # articles
    sources = {c["source"] for c in captures_of_run(two_crawls["db"], 1)}
    assert sources == {"sample-wp", "sample-wpnoapi", "sample-legacy", "sample-feedonly"} | {
        "sample-gzip"
    }


def test_stored_bytes_are_the_wire_bytes(two_crawls, by_position):
    site = two_crawls["gzip"]
    for path in ("/feed.xml", "/news/1.html", "/news/2.html"):
        url = site.base.rstrip("/") + path
        (capture,) = query(
            two_crawls["db"], "select * from captures where url = ? and run_id = 1", [url]
        )
        record = by_position[(capture["warc_file"], capture["warc_offset"])]
        page = site.pages[path]
        assert record["payload"] == page["wire"] and page["wire"] != page["plain"]
        assert record["http"].get_header("Content-Encoding") == "gzip"
        assert record["http"].get_header("Transfer-Encoding") is None  # de-chunked by Scrapy
        assert warc.decode_content(record["payload"], "gzip") == page["plain"]
        assert capture["payload_digest"] == warc.payload_digest(page["wire"])


def test_gzip_articles_reach_the_archive_with_their_capture(two_crawls):
    rows = query(
        two_crawls["db"],
        "select a.title, a.fetched_url, c.url, c.record_type from articles a "
        "join article_versions v on v.article_id = a.id and v.version = 1 "
        "join captures c on c.id = v.capture_id where a.source = 'sample-gzip' order by a.title",
    )
    assert [r["title"] for r in rows] == [f"ข่าวทดสอบการบีบอัดฉบับที่ {n}" for n in (1, 2)]
    assert all(r["fetched_url"] == r["url"] and r["record_type"] == "response" for r in rows)


def test_html_articles_point_at_their_capture(two_crawls):
    rows = query(
        two_crawls["db"],
        "select a.fetched_url, c.url, c.status from articles a "
        "join article_versions v on v.article_id = a.id and v.version = 1 "
        "left join captures c on c.id = v.capture_id where a.discovered_via != 'wordpress'",
    )
    assert len(rows) > 70
    assert all(r["url"] == r["fetched_url"] and r["status"] == 200 for r in rows)


def test_records_carry_dates_digests_and_linked_requests(records):
    for name, recs in records.items():
        for record, following in zip(recs, recs[1:] + [None], strict=True):
            if record["type"] not in ("response", "revisit"):
                continue
            headers = record["warc"]
            assert headers["WARC-Target-URI"] and headers["WARC-Date"].endswith("Z")
            if record["type"] == "response":
                assert headers["WARC-Payload-Digest"] == warc.payload_digest(record["payload"])
            assert following["type"] == "request", (name, record["offset"])
            assert following["warc"]["WARC-Concurrent-To"] == headers["WARC-Record-ID"]
            assert following["warc"]["WARC-Target-URI"] == headers["WARC-Target-URI"]
            assert following["http"].get_header("User-Agent").startswith("edunews/")


def test_second_crawl_writes_revisits_for_unchanged_pages(two_crawls, by_position):
    db = two_crawls["db"]
    first = {c["url"]: c for c in captures_of_run(db, 1) if c["record_type"] == "response"}
    revisits = 0
    for capture in captures_of_run(db, 2):
        earlier = first.get(capture["url"])
        same = earlier and earlier["payload_digest"] == capture["payload_digest"]
        if capture["status"] == 304 and capture["record_type"] == "revisit":
            record = by_position[(capture["warc_file"], capture["warc_offset"])]
            assert record["warc"]["WARC-Profile"] == warc.NOT_MODIFIED
        if capture["status"] == 304 or not same:
            continue
        assert capture["record_type"] == "revisit", capture["url"]
        record = by_position[(capture["warc_file"], capture["warc_offset"])]
        referred = by_position[(earlier["warc_file"], earlier["warc_offset"])]
        headers = record["warc"]
        assert headers["WARC-Profile"] == warc.IDENTICAL_PAYLOAD
        assert headers["WARC-Refers-To-Target-URI"] == capture["url"]
        assert headers["WARC-Refers-To-Date"] == referred["warc"]["WARC-Date"]
        assert headers["WARC-Payload-Digest"] == referred["warc"]["WARC-Payload-Digest"]
        assert record["payload"] == b""  # headers only
        revisits += 1
    gzip_base = two_crawls["gzip"].base.rstrip("/")
    assert revisits >= 10
    assert gzip_base + "/feed.xml" in {c["url"] for c in captures_of_run(db, 2)}


def test_warcio_check_and_index_pass(two_crawls, records):
    files = [str(two_crawls["dir"] / name) for name in records]
    check = subprocess.run([*WARCIO, "check", "-v", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    assert "digest pass" in check.stdout and "fail" not in check.stdout.lower()
    index = subprocess.run(
        [*WARCIO, "index", "-f", "offset,warc-type,warc-target-uri", *files],
        capture_output=True,
        text=True,
    )
    assert index.returncode == 0, index.stderr[-2000:]
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    assert len(lines) == sum(len(recs) for recs in records.values())
    assert {ln["warc-type"] for ln in lines} == {"warcinfo", "response", "request", "revisit"}


def test_files_rotate_and_each_starts_with_warcinfo(two_crawls, records):
    assert len(records) >= 4
    for name, recs in records.items():
        assert NAME_RE.match(name)
        assert recs[0]["type"] == "warcinfo" and recs[0]["warc"]["WARC-Filename"] == name
        assert sum(r["type"] == "warcinfo" for r in recs) == 1
        size = (two_crawls["dir"] / name).stat().st_size
        last_pair = size - recs[-2]["offset"]  # the response that pushed it over, and request
        assert size - last_pair <= MAX_BYTES, name


def test_capture_rows_name_the_run_and_file(two_crawls, records):
    db = two_crawls["db"]
    runs = {r["id"] for r in query(db, "select id from crawl_runs")}
    rows = query(db, "select * from captures")
    assert {r["run_id"] for r in rows} == runs == {1, 2}
    assert {r["warc_file"] for r in rows} <= set(records)
    assert all(r["warc_length"] > 0 and r["fetched_at"].endswith("+00:00") for r in rows)


# -- units --------------------------------------------------------------------------------------
def test_capture_can_be_switched_off(tmp_path):
    crawler = get_crawler(
        settings_dict={"EDUNEWS_WARC_ENABLED": False, "EDUNEWS_DB": str(tmp_path / "a.db")}
    )
    with pytest.raises(NotConfigured):
        CaptureMiddleware.from_crawler(crawler)


def test_default_directory_is_next_to_the_database(tmp_path):
    assert warc.warc_dir_for(tmp_path / "a.db") == tmp_path / "warc"
    assert warc.warc_dir_for(tmp_path / "a.db", "/elsewhere") == Path("/elsewhere")


@pytest.mark.parametrize(
    "encoding, encode",
    [
        ("gzip", lambda b: gzip.compress(b)),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw deflate, as some servers send
        ("br", brotli.compress),
        ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
        (None, lambda b: b),
    ],
)
def test_content_is_decoded_per_content_encoding(encoding, encode):
    text = "ข่าวการศึกษา".encode() * 20
    assert warc.decode_content(encode(text), encoding) == text


def test_unknown_content_encoding_is_an_error():
    with pytest.raises(ValueError, match="unsupported Content-Encoding"):
        warc.decode_content(b"x", "compress")


def test_writers_started_in_the_same_second_never_share_a_file(tmp_path):
    from datetime import UTC, datetime

    exchange = warc.Exchange("http://127.0.0.1/a", 200, [], b"hello", datetime.now(UTC))
    first, second = warc.RotatingWarcWriter(tmp_path), warc.RotatingWarcWriter(tmp_path)
    second.started = first.started
    names = {first.write(exchange).warc_file, second.write(exchange).warc_file}
    first.close()
    second.close()
    assert len(names) == 2


def test_each_record_is_its_own_gzip_member_at_the_default_level(tmp_path):
    from datetime import UTC, datetime

    body = ("<p>ข่าวการศึกษา 2567</p>\n" * 400).encode()
    exchange = warc.Exchange("http://127.0.0.1/a", 200, [], body, datetime.now(UTC))
    writer = warc.RotatingWarcWriter(tmp_path)
    written = writer.write(exchange)
    writer.close()
    data = (tmp_path / written.warc_file).read_bytes()
    member = data[written.warc_offset : written.warc_offset + written.warc_length]
    # One whole member (nothing of the next record in it), read back alone.
    inflate = zlib.decompressobj(zlib.MAX_WBITS + 16)
    record = inflate.decompress(member)
    assert inflate.eof and not inflate.unused_data and body in record
    # The header's XFL byte: 2 at level 9 (warcio's own), 0 at the levels from 2 to 8.
    assert member[:3] == b"\x1f\x8b\x08" and member[8] == 0
    assert warc.read_record(tmp_path / written.warc_file, written.warc_offset).payload == body
    # At GZIP_LEVEL, not zlib's default (level 6 packs this page into fewer bytes).
    at = {lvl: zlib.compressobj(lvl, zlib.DEFLATED, zlib.MAX_WBITS + 16) for lvl in (3, 6)}
    deflated = {lvl: c.compress(record) + c.flush() for lvl, c in at.items()}
    assert member == deflated[warc.GZIP_LEVEL] != deflated[6]


def write_exchanges(directory: Path, monkeypatch, *, warcio: bool) -> bytes:
    """Every kind of record the crawl writes, inflated; record ids and dates made fixed, and
    the records built and their digests computed by warcio's own code or by ours (a fresh
    capture's two records by hand, ``warc.exchange_records``)."""
    from datetime import UTC, datetime

    from warcio.recordbuilder import RecordBuilder
    from warcio.statusandheaders import StatusAndHeadersParser

    ids = iter(range(100))
    monkeypatch.setattr(warc, "record_id", lambda: f"<id:{next(ids)}>")
    monkeypatch.setattr(RecordBuilder, "curr_warc_date", lambda self: "2026-01-02T03:04:05Z")
    if warcio:
        monkeypatch.setattr(warc.MemberWriter, "ensure_digest", RecordBuilder.ensure_digest)
        monkeypatch.delattr(warc.MemberWriter, "_make_warc_id")  # warcio's, through its parser
        made = staticmethod(lambda id_=None: f"<id:{next(ids)}>")
        monkeypatch.setattr(StatusAndHeadersParser, "make_warc_id", made)
        monkeypatch.setattr(warc, "exchange_records", lambda exchange, digest=None: None)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    body = ("<p>ข่าวการศึกษา</p>\n" * 50).encode()
    headers = [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]
    page = warc.Exchange("http://127.0.0.1/a?x=1", 200, headers, body, when, ip_address="::1")
    post = warc.Exchange(
        "http://127.0.0.1/f", 201, [], b"", when, method="POST", request_body=b"q=1"
    )
    gone = warc.Exchange("http://127.0.0.1/b", 304, [("ETag", '"1"')], b"", when)
    writer = warc.RotatingWarcWriter(directory, info={"software": "test"})
    writer.write(page, None, warc.payload_digest(body))
    writer.write(page)  # no digest given: hashed here
    writer.write(page, warc.Earlier(page.url, when), warc.payload_digest(body))  # revisit
    writer.write(post)
    writer.write(gone, warc.Earlier(gone.url, when))
    writer.close()
    (name,) = [p.name for p in directory.iterdir()]
    monkeypatch.undo()
    return gzip.decompress((directory / name).read_bytes())


def test_records_and_their_digests_are_warcios_own(tmp_path, monkeypatch):
    ours = write_exchanges(tmp_path / "ours", monkeypatch, warcio=False)
    theirs = write_exchanges(tmp_path / "warcio", monkeypatch, warcio=True)
    assert ours == theirs
    assert ours.count(b"WARC-Block-Digest: sha1:") == 11  # warcinfo, 5 responses, 5 requests
    assert ours.count(b"WARC-Payload-Digest: sha1:") == 9  # not the warcinfo nor a 304


def test_record_ids_are_random_version_4_uuids_as_warcios():
    import re
    import uuid

    ids = {warc.record_id() for _ in range(200)}
    assert len(ids) == 200
    for rid in ids:
        assert re.fullmatch(r"<urn:uuid:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}>", rid)
        made = uuid.UUID(rid[10:-1])
        assert made.version == 4 and made.variant == uuid.RFC_4122
        assert str(made) == rid[10:-1]


def test_headers_warcio_would_percent_encode_go_through_warcio(tmp_path):
    from datetime import UTC, datetime

    headers = [("Content-Disposition", "attachment; filename=ข่าว.pdf")]
    exchange = warc.Exchange("http://127.0.0.1/a", 200, headers, b"%PDF", datetime.now(UTC))
    assert warc.exchange_records(exchange) is None
    writer = warc.RotatingWarcWriter(tmp_path)
    written = writer.write(exchange)
    writer.close()
    stored = warc.read_record(tmp_path / written.warc_file, written.warc_offset)
    assert stored.payload == b"%PDF" and stored.header("Content-Disposition").startswith(
        "attachment; filename*=UTF-8''"
    )


def test_a_response_goes_on_before_its_capture_is_written_and_its_id_follows():
    """The response leaves the middleware once its capture is queued (it held a request
    slot while the writer finished a batch); what needs the capture's id awaits it."""
    from twisted.internet import defer

    from crawler.capture import PENDING, capture_id

    queued = []

    class QueuedRun:  # the run owner: jobs queued, written when the test says
        run_id = None

        async def queue(self, job, *args, quick=False):
            queued.append(defer.Deferred())
            return queued[-1]

    stats = SimpleNamespace(values={})
    stats.inc_value = lambda key, n=1: stats.values.__setitem__(key, stats.values.get(key, 0) + n)
    middleware = CaptureMiddleware(None, QueuedRun(), stats)

    async def crawl():
        ids = []
        for n in (1, 2):
            request = Request(f"http://a.go.th/{n}", meta={"source": "a"})
            response = HtmlResponse(request.url, body=b"<p>x</p>", request=request)
            assert await middleware.process_response(request, response) is response
            assert len(queued) == n  # queued, not written yet
            waiting = asyncio.ensure_future(capture_id(response.meta))
            await asyncio.sleep(0)
            assert not waiting.done()
            ids.append((waiting, request.meta))
        queued[0].callback(41)
        queued[1].errback(OSError("disk full"))
        first, second = [await waiting for waiting, _ in ids]
        assert (first, second) == (41, None)
        assert await capture_id(ids[0][1]) == 41  # asked again: the same id
        assert ids[0][1][PENDING].ready and ids[1][1][PENDING].ready

    asyncio.run(crawl())
    assert stats.values == {"edunews/captures/errors": 1}


def test_captures_queued_ahead_of_the_writer_are_bounded():
    """Past CAPTURES_AHEAD captures queued and not yet written, a response waits in the
    middleware (each holds its body in memory) until one is written."""
    from twisted.internet import defer

    queued = []

    class QueuedRun:
        run_id = None

        async def queue(self, job, *args, quick=False):
            queued.append(defer.Deferred())
            return queued[-1]

    middleware = CaptureMiddleware(None, QueuedRun(), SimpleNamespace())
    middleware.ahead = defer.DeferredSemaphore(1)

    def answer(n):
        request = Request(f"http://a.go.th/{n}", meta={"source": "a"})
        return request, HtmlResponse(request.url, body=b"<p>x</p>", request=request)

    async def crawl():
        assert await middleware.process_response(*answer(1))
        second = asyncio.ensure_future(middleware.process_response(*answer(2)))
        await asyncio.sleep(0.01)
        assert not second.done() and len(queued) == 1  # waits: one capture is ahead
        queued[0].callback(1)
        assert await second and len(queued) == 2

    asyncio.run(crawl())
