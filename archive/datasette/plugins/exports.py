"""Taking data away: every CSV the site serves opens in Excel with Thai intact and no live
formulas.

Two ASGI wrappers, linked into the one chain in ``chain.py``: ``formula_safe_wrapper``
neutralises cells (``archive.csvcells``), ``bom_wrapper`` puts the UTF-8 byte-order mark
first (Excel reads a CSV as UTF-8 only when it starts with one).
"""

from __future__ import annotations

from archive.csvcells import CsvRewriter

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
