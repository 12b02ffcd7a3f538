"""HTTP plumbing shared by the sample sites: request/response values, conditional GET, handler."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass
class Request:
    method: str
    target: str  # the raw request target, path and query as sent
    path: str  # percent-decoded path
    query: dict[str, str]
    headers: dict[str, str]

    @classmethod
    def parse(cls, method: str, target: str, headers) -> Request:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return cls(method, target, unquote(parts.path or "/"), query, dict(headers.items()))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    validators: bool = True  # send ETag (and Last-Modified when known) and honour conditional GET

    @property
    def etag(self) -> str:
        return '"' + hashlib.md5(self.body).hexdigest()[:16] + '"'


def html_response(text: str, status: int = 200, **kwargs) -> Response:
    return Response(status, text.encode("utf-8"), **kwargs)


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, "application/json; charset=UTF-8", headers or {}, None, False)


def redirect(location: str, status: int = 301) -> Response:
    return Response(status, b"", "text/html; charset=UTF-8", {"Location": location}, None, False)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _not_modified_since(header: str, last_modified: datetime | None) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return last_modified is not None and last_modified.replace(microsecond=0) <= since


def is_not_modified(response: Response, headers: dict[str, str]) -> bool:
    """RFC 9110 order: If-None-Match wins; If-Modified-Since only when it is absent."""
    if response.status != 200 or not response.validators:
        return False
    lowered = {k.lower(): v for k, v in headers.items()}
    if "if-none-match" in lowered:
        tags = _etags(lowered["if-none-match"])
        return "*" in tags or response.etag in tags
    if "if-modified-since" in lowered:
        return _not_modified_since(lowered["if-modified-since"], response.last_modified)
    return False


def validator_headers(response: Response) -> dict[str, str]:
    if response.status != 200 or not response.validators:
        return {}
    out = {"ETag": response.etag}
    if response.last_modified is not None:
        out["Last-Modified"] = http_date(response.last_modified)
    return out


class SiteHandler(BaseHTTPRequestHandler):
    """Serves one site object (set as `site` on the subclass); HTTP/1.1 with keep-alive."""

    protocol_version = "HTTP/1.1"
    site = None  # the site object: .respond(Request) -> Response, .server_header, .record(target)
    verbose = False

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def version_string(self) -> str:
        return self.site.server_header

    def log_message(self, format: str, *args) -> None:
        if self.verbose:
            super().log_message(format, *args)

    def _serve(self, send_body: bool) -> None:
        self.site.record(self.path)
        request = Request.parse(self.command, self.path, self.headers)
        response = self.site.respond(request)
        if is_not_modified(response, request.headers):
            self._send(304, validator_headers(response), b"", send_body)
            return
        headers = {"Content-Type": response.content_type, **response.headers}
        self._send(
            response.status, {**headers, **validator_headers(response)}, response.body, send_body
        )

    def _send(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body)
