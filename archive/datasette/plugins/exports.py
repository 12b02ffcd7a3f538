"""Taking data away: every CSV the site serves opens in Excel with Thai intact and no live
formulas.

ASGI wrappers, linked into the one chain in ``chain.py``: ``formula_safe_wrapper``
neutralises cells (``archive.csvcells``), ``bom_wrapper`` puts the UTF-8 byte-order mark
first (Excel reads a CSV as UTF-8 only when it starts with one), ``named_wrapper`` names a
downloaded search for what it holds (``ข่าว-ครู-2567.csv``, RFC 6266 ``filename*``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote

from archive.csvcells import CsvRewriter

LISTING_CSV = re.compile(r"/edunews/(?:articles|article_search)\.csv")
# Letters with their Thai vowels and marks, digits: what a file name keeps of the search.
NAME_WORD = re.compile(r"(?:[^\W_]|[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])+")


def download_name(args: dict[str, list[str]]) -> str:
    """ข่าว-ครู-2567 for a search for ครู since 2567: the search words, then the dates."""
    first = {key: (values or [""])[0] for key, values in args.items()}
    words = [first.get("_search", ""), first.get("_since", "")]
    if first.get("_until") and first.get("_until") != first.get("_since"):
        words.append(first["_until"])
    return "-".join(["ข่าว", *NAME_WORD.findall(" ".join(words))])[:80]


def disposition(name: str) -> bytes:
    """RFC 6266: an ASCII fallback, and the Thai name percent-encoded as UTF-8."""
    return f"attachment; filename=\"edunews.csv\"; filename*=UTF-8''{quote(name + '.csv')}".encode()


def named_wrapper(app):
    async def named(scope, receive, send):
        if not (is_csv(scope) and LISTING_CSV.fullmatch(scope.get("path", ""))):
            return await app(scope, receive, send)
        args = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))

        async def send_named(message):
            if message["type"] == "http.response.start" and "_dl" in args:
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k != b"content-disposition"
                ]
                headers.append((b"content-disposition", disposition(download_name(args))))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_named)

    return named


BOM = "\ufeff".encode()


def is_csv(scope) -> bool:
    return scope["type"] == "http" and scope.get("path", "").endswith(".csv")


def _with_bom_length(headers: list) -> list:
    """Response headers with content-length grown by the BOM's three bytes."""
    fixed = []
    for name, value in headers:
        if name.lower() == b"content-length":
            value = str(int(value) + len(BOM)).encode()
        fixed.append((name, value))
    return fixed


def without_length(headers: list) -> list:
    return [(name, value) for name, value in headers if name.lower() != b"content-length"]


def formula_safe_wrapper(app):
    """Every CSV (tables, searches, canned queries) with its cells neutralised: a crawled
    title must not become a live formula. The length changes, so no content-length."""

    async def rewrite(scope, receive, send):
        if not is_csv(scope):
            return await app(scope, receive, send)
        rewriter = {"on": False, "csv": CsvRewriter()}

        async def send_rewritten(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                rewriter["on"] = True
                message = {**message, "headers": without_length(message.get("headers", []))}
            elif message["type"] == "http.response.body" and rewriter["on"]:
                more = message.get("more_body", False)
                body = rewriter["csv"].feed(message.get("body", b""), final=not more)
                message = {**message, "body": body}
            await send(message)

        await app(scope, receive, send_rewritten)

    return rewrite


def bom_wrapper(app):
    async def add_bom(scope, receive, send):
        if not is_csv(scope):
            return await app(scope, receive, send)
        state = {"pending": False}

        async def send_with_bom(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                state["pending"] = True
                message = {**message, "headers": _with_bom_length(message.get("headers", []))}
            elif message["type"] == "http.response.body" and state["pending"]:
                state["pending"] = False
                message = {**message, "body": BOM + message.get("body", b"")}
            await send(message)

        await app(scope, receive, send_with_bom)

    return add_bom
