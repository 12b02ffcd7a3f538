"""Security headers and the read-only rule, on every response the publication sends.

Its ASGI wrapper is the outermost link of the one chain in ``chain.py``, so error pages,
refusals and every other wrapper's responses carry the headers too.
"""

from __future__ import annotations

import base64
import hashlib

# Datasette 0.65 writes two inline scripts; they are allowed by hash, every other script must
# come from this server. Nothing is loaded from anywhere else: crawled pages name images and
# fonts on agency servers, and a journalist's browser must not fetch them.
INLINE_SCRIPTS = ("DATASETTE_ALLOW_FACET = true;", "DATASETTE_ALLOW_FACET = false;")


def script_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' " + " ".join(script_hash(s) for s in INLINE_SCRIPTS),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"SAMEORIGIN",
}


def with_security_headers(headers: list) -> list:
    """The response's headers plus any security header it does not set itself."""
    present = {name.lower() for name, _ in headers}
    extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
    return [*headers, *extra]


# The publication is read-only: no method that could write is accepted (Datasette 0.65 also
# answers a POST to a read-only canned query with an error page instead of a refusal).
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


async def refuse(send) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD")]
    await send({"type": "http.response.start", "status": 405, "headers": headers})
    await send({"type": "http.response.body", "body": b"read-only archive\n"})


def secured_start(message: dict) -> dict:
    if message["type"] != "http.response.start":
        return message
    return {**message, "headers": with_security_headers(list(message.get("headers", [])))}


def security_wrapper(app):
    async def secured(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if scope.get("method", "GET") not in READ_METHODS:
            return await refuse(lambda m: send(secured_start(m)))

        async def send_secured(message):
            await send(secured_start(message))

        await app(scope, receive, send_secured)

    return secured
