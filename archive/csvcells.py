"""CSV cells that a spreadsheet will not run: crawled text is untrusted.

A title such as ``=HYPERLINK("http://evil", "ข่าว")`` is a live formula once Excel or
LibreOffice opens the CSV. As OWASP recommends, a cell starting with ``= + - @``, a tab or a
carriage return gets a leading apostrophe (the cell is then text, the apostrophe hidden);
plain numbers such as ``-5`` are left alone. JSON is never changed.

``CsvRewriter`` does the same to a CSV stream as it passes (Datasette's own CSV downloads),
one complete record at a time, however the stream is cut into chunks.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value):
    """The cell as a spreadsheet must show it: text, never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralised_row(row) -> list:
    return [neutralise(value) for value in row]


def record_end(text: str) -> int:
    """Index just past the last complete record (a newline outside quotes), or 0."""
    end, quotes = 0, 0
    start = 0
    while True:
        newline = text.find("\n", start)
        if newline < 0:
            return end
        quotes += text.count('"', start, newline)
        if quotes % 2 == 0:  # doubled quotes inside a field keep the count even
            end = newline + 1
        start = newline + 1


class CsvRewriter:
    """Feed UTF-8 CSV bytes in any chunks; get back the same CSV with cells neutralised."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = ""

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        self.pending += self.decoder.decode(chunk, final)
        end = len(self.pending) if final else record_end(self.pending)
        complete, self.pending = self.pending[:end], self.pending[end:]
        if not complete:
            return b""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows(neutralised_row(row) for row in csv.reader(io.StringIO(complete)))
        return out.getvalue().encode("utf-8")
