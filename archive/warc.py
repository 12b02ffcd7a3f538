"""Raw captures as WARC/1.1: a rotating writer (gzip per record) and a reader of one record.

Scrapy-free. The crawler's capture middleware turns each request/response into an
``Exchange``; ``archive.reprocess`` reads a record back from its file and offset, as stored in
the ``captures`` table. One gzip member per record lets a reader seek straight to it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import GzippingWrapper, WARCWriter

try:  # brotli is optional in Scrapy too: it only asks for `br` when brotli is installed
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

WARC_VERSION = "1.1"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
PREFIX = "edunews"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Scrapy's download handler has already undone chunked framing: the body we store is the
# de-chunked entity. Keeping "Transfer-Encoding: chunked" would make every WARC reader try to
# de-chunk it again and fail, so framing headers are dropped (Content-Encoding is kept).
FRAMING_HEADERS = frozenset({"transfer-encoding"})
# warcio compresses at 9: on the sample fleet's pages (960 records, 17.6 MB) 2.6x the CPU of
# level 6 for 1.7 % smaller files. Level 3 (round seven, the same records, CPU of the whole
# record write): 0.58x level 6's for files 11 % larger (level 1: 0.54x, 28 % larger).
GZIP_LEVEL = 3


@dataclass
class Exchange:
    """One HTTP request and the response as received on the wire (body still encoded)."""

    url: str
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.response_headers if k.lower() == name.lower()), None)


@dataclass
class Earlier:
    """The earlier `response` capture a revisit record refers to."""

    url: str
    fetched_at: datetime


@dataclass
class Written:
    warc_file: str  # relative to the WARC directory
    warc_offset: int
    warc_length: int
    record_type: str  # response | revisit


@dataclass
class Stored:
    """A response (or revisit) record read back: HTTP status, headers and raw payload."""

    url: str
    record_type: str
    status: int
    headers: StatusAndHeaders
    payload: bytes  # as on the wire: still Content-Encoded

    def header(self, name: str) -> str | None:
        return self.headers.get_header(name)


# -- small pure helpers -------------------------------------------------------------------
def warc_dir_for(db_path: str | Path, configured: str | Path | None = None) -> Path:
    """The configured directory, or `warc/` next to the database file."""
    return Path(configured) if configured else Path(db_path).resolve().parent / "warc"


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes: sha1, base32."""
    return sha1_label(hashlib.sha1(body))


def sha1_label(digest) -> str:
    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


EMPTY_PAYLOAD_DIGEST = payload_digest(b"")


def warc_date(moment: datetime) -> str:
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def file_name(stamp: datetime, serial: int) -> str:
    return f"{PREFIX}-{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}-{serial:05d}.warc.gz"


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def response_http_headers(exchange: Exchange) -> StatusAndHeaders:
    headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in FRAMING_HEADERS]
    return StatusAndHeaders(status_line(exchange.status), headers, protocol=exchange.protocol)


def request_http_headers(exchange: Exchange) -> StatusAndHeaders:
    return StatusAndHeaders(*request_lines(exchange), is_http_request=True)


def request_lines(exchange: Exchange) -> tuple[str, list[tuple[str, str]]]:
    """The request line and headers; Host is added by the HTTP client, so add it here too."""
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = list(exchange.request_headers)
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    return f"{exchange.method} {target} {exchange.protocol}", headers


# -- a response and its request, by hand ----------------------------------------------------
# warcio's record builder (StatusAndHeaders objects, header look-ups, a UUID object, its
# writer's chunked loop) was ~0.5 ms of Python a capture on the crawl's writer thread, which
# shares the GIL with the reactor. These make the very bytes warcio writes for the two
# records of a fresh capture (tests/test_capture.py compares them); revisits, the warcinfo
# record and any header warcio would have to percent-encode still go through warcio.
def http_block(first_line: str, headers: list[tuple[str, str]]) -> bytes:
    """warcio's ``StatusAndHeaders.to_ascii_bytes``; UnicodeEncodeError if not ASCII."""
    lines = [f"{first_line}\r\n"] if first_line else []
    lines += [f"{name}: {value}\r\n" for name, value in headers]
    lines.append("\r\n")
    return "".join(lines).encode("ascii")


def record_head(rec_type: str, fields: list, url: str, payload: str, block: bytes, body: bytes):
    """The WARC header block of a record whose content is ``block`` + ``body``: ``fields``
    first, then those warcio adds, in its order; and its WARC-Record-ID."""
    rid = record_id()
    digest = hashlib.sha1(block)
    digest.update(body)
    lines = [f"WARC/{WARC_VERSION}\r\n", *(f"{name}: {value}\r\n" for name, value in fields)]
    lines += [
        f"WARC-Type: {rec_type}\r\n",
        f"WARC-Record-ID: {rid}\r\n",
        f"WARC-Target-URI: {url}\r\n",
        f"WARC-Payload-Digest: {payload}\r\n",
        f"WARC-Block-Digest: {sha1_label(digest)}\r\n",
        f"Content-Type: application/http; msgtype={rec_type}\r\n",
        f"Content-Length: {len(block) + len(body)}\r\n\r\n",
    ]
    return "".join(lines).encode(), rid


def exchange_records(exchange: Exchange, digest: str | None = None):
    """The response record and its request record (each a list of byte strings, to be
    gzipped as one member), or None where warcio's own code must write them: a header that
    is not ASCII (warcio percent-encodes it), no URL or no method."""
    if not exchange.url or not exchange.method:
        return None
    try:
        response = http_block(
            " ".join(p for p in (exchange.protocol, status_line(exchange.status)) if p),
            [(k, v) for k, v in exchange.response_headers if k.lower() not in FRAMING_HEADERS],
        )
        request = http_block(*request_lines(exchange))
    except UnicodeEncodeError:
        return None
    date = [("WARC-Date", warc_date(exchange.fetched_at))]
    fields = date + ([("WARC-IP-Address", exchange.ip_address)] if exchange.ip_address else [])
    body, sent = exchange.body, exchange.request_body
    payload = (digest or payload_digest(body)) if body else EMPTY_PAYLOAD_DIGEST
    head, rid = record_head("response", fields, exchange.url, payload, response, body)
    asked = payload_digest(sent) if sent else EMPTY_PAYLOAD_DIGEST
    fields = [*date, ("WARC-Concurrent-To", rid)]
    request_head, _ = record_head("request", fields, exchange.url, asked, request, sent)
    return [head, response, body, END], [request_head, request, sent, END]


END = b"\r\n\r\n"  # after each record's content


def gzip_member(parts: list[bytes]) -> bytes:
    compressor = gzip_compressor()
    return b"".join([*(compressor.compress(part) for part in parts), compressor.flush()])


# -- writing --------------------------------------------------------------------------------
class GzipMember(GzippingWrapper):
    """One record's gzip member, at GZIP_LEVEL (warcio's own wrapper fixes level 9; its
    ``__init__`` is not called: the level-9 compressor it made was thrown away at once, and
    making one costs ~0.1 ms, most of it the kernel handing its 256 KB of tables back)."""

    def __init__(self, out, level: int = GZIP_LEVEL):
        self.out = out
        self.compressor = gzip_compressor(level)


def gzip_compressor(level: int = GZIP_LEVEL):
    return zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)


def record_id() -> str:
    """A WARC-Record-ID as warcio makes it (``<urn:uuid:...>``, a random UUID, version 4),
    without ``uuid.UUID``'s Python (a tenth of a capture's time on the writer thread)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"


class MemberWriter(WARCWriter):
    """A WARCWriter (made with ``gzip=False``) that writes each record as its own gzip
    member at GZIP_LEVEL: warcio finishes the member when it flushes the record.

    Its digests are warcio's, the same headers in the same order, each computed once: warcio
    hashed a response's body for its payload digest when the record was made, then again
    for the block digest when it was written, and the capture had hashed it already
    (``known``: that body and its payload digest)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.known: tuple[bytes, str] | None = None

    @classmethod
    def _make_warc_id(cls):
        return record_id()

    def write_record(self, record, params=None):
        self._write_warc_record(GzipMember(self.out), record)

    def ensure_digest(self, record, block=True, payload=True):
        stream = record.raw_stream
        if record.length is None or type(stream) is not BytesIO:
            return super().ensure_digest(record, block, payload)
        headers = record.rec_headers
        block = block and not headers.get_header("WARC-Block-Digest")
        payload = payload and not (
            headers.get_header("WARC-Payload-Digest")
            or record.rec_type in self.NO_PAYLOAD_DIGEST_TYPES
        )
        body = stream.getvalue()  # the very bytes it was made with: no copy
        if stream.tell():
            body = body[stream.tell() :]
        if payload:
            headers.add_header("WARC-Payload-Digest", self._payload_digest(body))
        if block:
            digest = hashlib.sha1()
            if record.http_headers:
                if not record.http_headers.headers_buff:
                    record.http_headers.compute_headers_buffer(self.header_filter)
                digest.update(record.http_headers.headers_buff)
            digest.update(body)
            headers.add_header("WARC-Block-Digest", sha1_label(digest))

    def _payload_digest(self, body: bytes) -> str:
        if not body:
            return EMPTY_PAYLOAD_DIGEST
        if self.known is not None and self.known[0] is body:
            return self.known[1]
        return payload_digest(body)


class RotatingWarcWriter:
    """Appends request/response pairs to `edunews-<start>-<serial>.warc.gz` files in a
    directory, starting a new file (with its own warcinfo record) once one exceeds max_bytes."""

    def __init__(self, directory: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, info=None):
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.info = dict(info or {})
        self.started = datetime.now(UTC)
        self.serial = 0
        self.name: str | None = None
        self.file = None
        self.writer: WARCWriter | None = None

    def write(
        self, exchange: Exchange, earlier: Earlier | None = None, digest: str | None = None
    ) -> Written:
        """Write the response (a revisit when `earlier` is given) and then its request.
        ``digest``: the body's ``payload_digest``, when the caller has it already."""
        if self.file is None:
            self._open()
        pair = None if earlier is not None else exchange_records(exchange, digest)
        if pair is not None:  # the common case, by hand: the same records as warcio's
            offset = self.file.tell()
            self.file.write(gzip_member(pair[0]))
            length = self.file.tell() - offset
            self.file.write(gzip_member(pair[1]))
            self.file.flush()  # each capture is in the file before its row is written
            written = Written(self.name, offset, length, "response")
        else:
            written = self._write_by_warcio(exchange, earlier, digest)
        if self.file.tell() > self.max_bytes:
            self.close()
        return written

    def _write_by_warcio(self, exchange: Exchange, earlier: Earlier | None, digest) -> Written:
        self.writer.known = (exchange.body, digest) if digest else None
        try:
            main = self._main_record(exchange, earlier)
            offset, length = self._append(main)
            self._append(self._request_record(exchange, main))
        finally:
            self.writer.known = None
        return Written(self.name, offset, length, main.rec_type)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        self.file = self.writer = None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:  # never append to a file of another run that started in the same second
            self.serial += 1
            self.name = file_name(self.started, self.serial)
            try:
                self.file = open(self.directory / self.name, "xb")
                break
            except FileExistsError:
                continue
        self.writer = MemberWriter(self.file, gzip=False, warc_version=WARC_VERSION)
        info = {"format": "WARC File Format 1.1", **self.info}
        self.writer.write_record(self.writer.create_warcinfo_record(self.name, info))

    def _append(self, record) -> tuple[int, int]:
        offset = self.file.tell()
        self.writer.write_record(record)
        return offset, self.file.tell() - offset

    def _warc_headers(self, exchange: Exchange) -> dict[str, str]:
        headers = {"WARC-Date": warc_date(exchange.fetched_at)}
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        return headers

    def _main_record(self, exchange: Exchange, earlier: Earlier | None):
        http = response_http_headers(exchange)
        if earlier is None:
            return self.writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http,
                warc_headers_dict=self._warc_headers(exchange),
            )
        return self._revisit(exchange, earlier, http)

    def _revisit(self, exchange: Exchange, earlier: Earlier, http: StatusAndHeaders):
        """Identical payload: the digest says so. A 304 says so itself (no payload to hash)."""
        refers = {
            "WARC-Refers-To-Target-URI": earlier.url,
            "WARC-Refers-To-Date": warc_date(earlier.fetched_at),
        }
        if exchange.status != 304:
            return self.writer.create_revisit_record(
                exchange.url,
                payload_digest(exchange.body),
                refers["WARC-Refers-To-Target-URI"],
                refers["WARC-Refers-To-Date"],
                http_headers=http,
                warc_headers_dict=self._warc_headers(exchange),
            )
        headers = self._warc_headers(exchange) | {"WARC-Profile": NOT_MODIFIED} | refers
        return self.writer.create_warc_record(
            exchange.url, "revisit", http_headers=http, warc_headers_dict=headers
        )

    def _request_record(self, exchange: Exchange, response):
        headers = {
            "WARC-Date": response.rec_headers.get_header("WARC-Date"),
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        }
        return self.writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=request_http_headers(exchange),
            warc_headers_dict=headers,
        )


# -- reading --------------------------------------------------------------------------------
def read_record(path: str | Path, offset: int) -> Stored:
    """The record starting at `offset` (a capture's warc_offset); raises FileNotFoundError."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)), None)
        if record is None or record.http_headers is None:
            raise ValueError(f"no HTTP record at {path}:{offset}")
        return Stored(
            url=record.rec_headers.get_header("WARC-Target-URI"),
            record_type=record.rec_type,
            status=int(record.http_headers.get_statuscode()),
            headers=record.http_headers,
            payload=record.raw_stream.read(),
        )


# Decoders work in steps of at most CHUNK output bytes and stop as soon as the output passes
# the caller's limit: a few hundred bytes of "gzip, gzip" can inflate to gigabytes.
CHUNK = 64 * 1024


class TooLarge(ValueError):
    """Decoded content larger than the limit (the crawler refuses such responses too)."""


def _grow(out: bytearray, chunk: bytes, limit: int) -> None:
    out += chunk
    if limit and len(out) > limit:
        raise TooLarge(f"more than {limit} bytes once decoded")


def _zlib_member(data: bytes, wbits: int, out: bytearray, limit: int):
    """Inflate one zlib/gzip/raw-deflate stream into ``out``; the decompressor is returned
    for the bytes after the stream (``unused_data``)."""
    stream = zlib.decompressobj(wbits)
    _grow(out, stream.decompress(data, CHUNK), limit)
    while not stream.eof:
        chunk = stream.decompress(stream.unconsumed_tail, CHUNK)
        if not chunk and not stream.unconsumed_tail:
            break  # truncated input: keep what was decoded
        _grow(out, chunk, limit)
    return stream


def _gunzip(data: bytes, limit: int = 0) -> bytes:
    out = bytearray()
    while data:  # a gzip body may hold several members, one after another
        data = _zlib_member(data, 16 + zlib.MAX_WBITS, out, limit).unused_data
    return bytes(out)


def _inflate(data: bytes, limit: int = 0) -> bytes:
    """HTTP "deflate" is meant to be zlib-wrapped; some servers send raw deflate."""
    out = bytearray()
    try:
        _zlib_member(data, zlib.MAX_WBITS, out, limit)
    except zlib.error:
        out = bytearray()
        _zlib_member(data, -zlib.MAX_WBITS, out, limit)
    return bytes(out)


def _unbrotli(data: bytes, limit: int = 0) -> bytes:
    if brotli is None:  # pragma: no cover
        raise ValueError("Content-Encoding br needs the brotli package")
    stream, out = brotli.Decompressor(), bytearray()
    _grow(out, stream.process(data, output_buffer_limit=CHUNK), limit)
    while not stream.is_finished():
        chunk = stream.process(b"", output_buffer_limit=CHUNK)
        if not chunk:
            break
        _grow(out, chunk, limit)
    return bytes(out)


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "identity": lambda data, limit=0: data,
}


def decode_content(payload: bytes, content_encoding: str | None, limit: int = 0) -> bytes:
    """Undo Content-Encoding (codings listed in the order applied, so undone in reverse).

    ``limit`` > 0 bounds every decoding step's output: ``TooLarge`` past it."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding not in DECODERS:
            raise ValueError(f"unsupported Content-Encoding: {coding}")
        payload = DECODERS[coding](payload, limit)
    return payload
