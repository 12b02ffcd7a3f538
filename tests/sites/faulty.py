"""A misbehaving agency site for fault tests (127.0.0.1 only; not in the default site list).

It serves the ten feed-only articles, listed in a sitemap together with every fault a crawler
meets in the wild. ``FAULTS`` says what each listed URL does; ``Elsewhere`` is a second server
standing for "another host" (off-site links, and the private address of the SSRF case).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from html import escape

from .catalogue import Post
from .feedonly import FeedOnlySite
from .httpbase import Request, Response, SiteHandler, html_response, redirect
from .sitebase import Site

HUGE_BYTES = 21 * 1024 * 1024  # over Scrapy's 20 MB DOWNLOAD_MAXSIZE
SLOW_SECONDS = 1.5  # within a 3-second download timeout
TOO_SLOW_SECONDS = 10.0  # far beyond it (a busy reactor may run the timeout late), bounded
RETRY_AFTER_SECONDS = 2
FLAKY_FAILURES = 2

# Article faults: position in newest-first order -> behaviour. The article is recoverable.
ARTICLE_FAULTS = {
    0: "flaky",  # 500 twice, then the page
    1: "busy",  # 429 with Retry-After, then the page
    2: "slow",  # answers after SLOW_SECONDS
    3: "malformed",  # unclosed and stray tags
    4: "tis620_meta",  # windows-874 bytes, declared only in a <meta> as tis-620
    5: "no_charset",  # UTF-8 bytes, no declaration anywhere
    6: "wrong_header",  # UTF-8 bytes, HTTP header says windows-874
    7: "via_redirects",  # listed as /go/<id>: 301 -> 302 -> the article
}
# Non-article URLs in the sitemap: path -> what happens (documented in docs/operations.md).
FAULTS = {
    "/news/gone.html": "404",
    "/news/huge.html": "21 MB body",
    "/news/reset.html": "connection reset, no response",
    "/news/too-slow.html": "answers after TOO_SLOW_SECONDS",
    "/loop/a.html": "redirect loop a -> b -> a",
    "/chain.html?hop=1": "endless redirect chain",
    "/private/report.html": "disallowed by robots.txt",
}


class Reset(Exception):
    """Raised by the site to make the handler reset the connection."""


class FaultyHandler(SiteHandler):
    def _serve(self, send_body: bool) -> None:
        try:
            super()._serve(send_body)
        except Reset:
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()


class FaultySite(FeedOnlySite):
    name = "faulty"
    source_id = "sample-faulty"
    name_th = "สำนักงานทดสอบความผิดพลาด (ตัวอย่าง)"
    name_en = "Sample faulty site"
    kind = "sitemap"
    hints = {"sitemap_url": "sitemap.xml"}
    handler = FaultyHandler

    def __init__(self, records: list[dict] | None = None):
        super().__init__(records if records is not None else _feedonly_records())
        self.elsewhere = "http://127.0.0.1:9/"  # set by the test to the Elsewhere server
        self.times: list[tuple[float, str]] = []
        self._hits: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- bookkeeping ------------------------------------------------------------------------
    def record(self, target: str) -> None:
        with self._lock:
            self.requests.append(target)
            self.times.append((time.monotonic(), target))
            self._hits[target] = self._hits.get(target, 0) + 1

    def hits(self, target: str) -> int:
        with self._lock:
            return self._hits.get(target, 0)

    def fault_of(self, post: Post) -> str | None:
        order = [p.corpus_id for p in self.catalogue.newest_first()]
        return ARTICLE_FAULTS.get(order.index(post.corpus_id))

    def posts_with(self, fault: str) -> list[Post]:
        return [p for p in self.catalogue.newest_first() if self.fault_of(p) == fault]

    # -- URLs ---------------------------------------------------------------------------------
    def listed_urls(self) -> list[str]:
        urls = []
        for post in self.catalogue.newest_first():
            via = self.fault_of(post) == "via_redirects"
            urls.append(self.url(f"go/{post.post_id}") if via else self.post_url(post))
        urls += [self.url(path) for path in FAULTS]
        urls += [self.elsewhere + "offsite-news.html", "file:///etc/passwd", "ftp://127.0.0.1/x"]
        return urls

    def sitemap(self, urls: list[str]) -> Response:
        locs = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
        xml = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
        return Response(200, xml.encode(), "application/xml", validators=False)

    # -- serving ------------------------------------------------------------------------------
    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            rules = b"User-agent: *\nDisallow: /private/\n"
            return Response(200, rules, "text/plain", validators=False)
        if path == "/sitemap.xml":
            return self.sitemap(self.listed_urls())
        if path.startswith("/ssrf/"):
            return self.ssrf(request)
        fixed = self.fault_response(request)
        if fixed is not None:
            return fixed
        post = self.find(path)
        if post is not None:
            return self.serve_post(post, request.target)
        return super().respond(request)

    def fault_response(self, request: Request) -> Response | None:
        path = request.path
        if path.startswith("/go/"):
            return redirect(self.url(f"go2/{path[4:]}"), 301)
        if path.startswith("/go2/"):
            post = self.catalogue.by_post_id(int(path[5:]))
            return redirect(self.post_url(post), 302) if post else None
        if path == "/loop/a.html":
            return redirect(self.url("loop/b.html"), 302)
        if path == "/loop/b.html":
            return redirect(self.url("loop/a.html"), 302)
        if path == "/chain.html":
            return redirect(self.url(f"chain.html?hop={int(request.query['hop']) + 1}"), 302)
        return self.broken_response(path)

    def broken_response(self, path: str) -> Response | None:
        if path == "/news/huge.html":
            return Response(200, _huge_body(), "text/html; charset=utf-8", validators=False)
        if path == "/news/reset.html":
            raise Reset
        if path == "/news/too-slow.html":
            time.sleep(TOO_SLOW_SECONDS)
            return html_response("<p>too late</p>")
        if path == "/news/gone.html":
            return html_response("<h1>404</h1>", 404)
        return None

    def serve_post(self, post: Post, target: str) -> Response:
        fault = self.fault_of(post)
        hits = self.hits(target)
        if fault == "flaky" and hits <= FLAKY_FAILURES:
            return html_response("<h1>500 Internal Server Error</h1>", 500)
        if fault == "busy" and hits == 1:
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            return html_response("<h1>429 Too Many Requests</h1>", 429, headers=headers)
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        return dressed(self.article(post), fault)

    def ssrf(self, request: Request) -> Response:
        """A "public" section (reached as localhost) whose link redirects to a private host."""
        if request.path == "/ssrf/sitemap.xml":
            return self.sitemap([self.url("ssrf/jump.html").replace("127.0.0.1", "localhost")])
        if request.path == "/ssrf/jump.html":
            return redirect(self.elsewhere + "internal/admin", 302)
        return html_response(f"<!DOCTYPE html><title>{escape(self.name_th)}</title><p>ssrf</p>")

    def ssrf_entry(self) -> dict:
        """A second source whose homepage is on ``localhost`` (treated as public by the test)."""
        base = self.base.replace("127.0.0.1", "localhost")
        return {
            "id": "sample-faulty-ssrf",
            "name": "ทดสอบ SSRF",
            "url": base + "ssrf/",
            "kind": "sitemap",
            "sitemap_url": base + "ssrf/sitemap.xml",
        }


def dressed(html: str, fault: str | None) -> Response:
    """The article page as this fault serves it (bytes, headers)."""
    if fault == "malformed":
        broken = html.replace("</p>", "").replace("<main>", "<main><div><table><tr><td>")
        return html_response(broken.replace("</article>", "</span></div></b></article><b>"))
    if fault == "tis620_meta":
        declared = html.replace(
            '<meta charset="utf-8">',
            '<meta http-equiv="Content-Type" content="text/html; charset=tis-620">',
        )
        return Response(200, declared.encode("cp874", "replace"), "text/html", validators=False)
    if fault == "no_charset":
        bare = html.replace('<meta charset="utf-8">', "")
        return Response(200, bare.encode("utf-8"), "text/html", validators=False)
    if fault == "wrong_header":
        return Response(200, html.encode("utf-8"), "text/html; charset=windows-874")
    return html_response(html)


_HUGE: list[bytes] = []


def _huge_body() -> bytes:
    if not _HUGE:
        _HUGE.append(b"<html><body>" + b"x" * HUGE_BYTES + b"</body></html>")
    return _HUGE[0]


def _feedonly_records() -> list[dict]:
    from .catalogue import load_records

    return load_records("feedonly")


class Elsewhere(Site):
    """Another host: must never receive a request from the crawler."""

    name = "elsewhere"
    source_id = "elsewhere"

    def __init__(self):
        super().__init__(records=[])

    def respond(self, request: Request) -> Response:
        return html_response("<h1>internal admin</h1>")
