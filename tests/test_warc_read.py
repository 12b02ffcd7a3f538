"""``warc.read_response``: a capture's response record read straight from its gzip member,
with the same fields as warcio's parse (``warc.read_record``), which it falls back to."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime

import pytest

from archive import warc

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
THAI = ("<p>ข่าวการศึกษา ๒๕๖๗ โรงเรียนบ้านหนองบัว</p>\n" * 50).encode()
EXCHANGES = [
    warc.Exchange("http://127.0.0.1/a", 200, [("Content-Type", "text/html")], THAI, WHEN),
    warc.Exchange(
        "https://127.0.0.1/%E0%B8%82/1?x=1",
        200,
        [("Content-Type", "text/html; charset=UTF-8"), ("Content-Encoding", "gzip")],
        gzip.compress(THAI),
        WHEN,
    ),
    warc.Exchange(
        "http://127.0.0.1/b",
        404,
        [("X-Note", "ทดสอบ"), ("Content-Type", "text/html"), ("X-Empty", "")],
        b"",
        WHEN,
    ),
    warc.Exchange("http://127.0.0.1/c", 200, [], b"\r\n\r\nbody after blank lines\r\n", WHEN),
]


def fields(stored: warc.Stored) -> tuple:
    headers = stored.headers
    return (stored.url, stored.record_type, stored.status, stored.payload) + (
        headers.protocol,
        headers.statusline,
        headers.headers,
    )


@pytest.fixture
def written(tmp_path):
    writer = warc.RotatingWarcWriter(tmp_path)
    made = [writer.write(exchange) for exchange in EXCHANGES]
    made.append(writer.write(EXCHANGES[0], warc.Earlier(EXCHANGES[0].url, WHEN)))  # a revisit
    writer.close()
    return made


def test_the_same_fields_as_warcio(tmp_path, written, monkeypatch):
    expected = [fields(warc.read_record(tmp_path / w.warc_file, w.warc_offset)) for w in written]
    read_record = warc.read_record
    fell_back = []
    monkeypatch.setattr(warc, "read_record", lambda *a: fell_back.append(a) or read_record(*a))
    got = [
        fields(warc.read_response(tmp_path / w.warc_file, w.warc_offset, w.warc_length))
        for w in written
    ]
    assert got == expected
    assert expected[1][3] == EXCHANGES[1].body  # still Content-Encoded
    assert expected[2][6][0][0] == "X-Note"  # warcio writes it percent-encoded
    # Only the revisit went through warcio: every response was read from its member.
    assert [w.record_type for w in written] == ["response"] * 4 + ["revisit"]
    assert fell_back == [(tmp_path / written[-1].warc_file, written[-1].warc_offset)]


def test_an_unknown_length_or_a_wrong_one_falls_back(tmp_path, written):
    first = written[0]
    path = tmp_path / first.warc_file
    expected = fields(warc.read_record(path, first.warc_offset))
    for length in (None, 0, first.warc_length - 1, first.warc_length + 10):
        assert fields(warc.read_response(path, first.warc_offset, length)) == expected


def member(record: bytes) -> bytes:
    compressor = zlib.compressobj(3, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(record) + compressor.flush()


def warc_record(http: bytes, payload: bytes, uri: str = "http://127.0.0.1/x") -> bytes:
    block = http + payload
    head = (
        "WARC/1.1\r\nWARC-Type: response\r\n"
        f"WARC-Target-URI: {uri}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


@pytest.mark.parametrize(
    "http, uri",
    [
        # A continuation line: warcio joins it to the header before it.
        (b"HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\nContent-Type: text/html\r\n\r\n", None),
        # A line of spaces ends warcio's headers there.
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n  \r\nB: 2\r\n\r\n", None),
        # A bare LF inside the header block.
        (b"HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\n\r\n", None),
        # A line without a colon, an ISO-8859-1 value, a URI in angle brackets with a space.
        (b"HTTP/1.0 301 Moved\r\nno colon here\r\nX-Latin: caf\xe9\r\n\r\n", "<http://h/a b>"),
    ],
)
def test_odd_headers_read_as_warcio_reads_them(tmp_path, http, uri):
    path = tmp_path / "odd.warc.gz"
    data = member(warc_record(http, b"<p>payload</p>", uri or "http://127.0.0.1/x"))
    path.write_bytes(b"\0" * 7 + data)
    stored = warc.read_response(path, 7, len(data))
    assert fields(stored) == fields(warc.read_record(path, 7))
    assert stored.payload.endswith(b"<p>payload</p>")
