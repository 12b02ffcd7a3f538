"""A hostile agency site (127.0.0.1 only): every attack of issue 11 a crawled site can make.

Reached as ``localhost``, which the test declares public (``EDUNEWS_ASSUME_PUBLIC``), so
``127.0.0.1`` stands for a private address the crawler must never fetch. ``PAGES`` says what
each path does; ``Hostile.requests`` records every request so a test can check that the
private targets were never reached.
"""

from __future__ import annotations

import gzip
import threading
from contextlib import contextmanager
from html import escape
from http.server import ThreadingHTTPServer

from .httpbase import Request, Response, SiteHandler, html_response, redirect

FORMULA_TITLE = '=HYPERLINK("http://evil.example/","ข่าวด่วน กระทรวงศึกษาธิการ")'
XSS_TITLE = "<script>window.__pwned=1</script> ข่าว <img src=x onerror=alert(1)>"
BOMB_INFLATED = 30 * 1024 * 1024  # past the crawler's 20 MB DOWNLOAD_MAXSIZE once decoded
PRIVATE_LINKS = 50  # sitemap links to the private address: never followed
MISSING_LINKS = 600  # sitemap links on the site answering 404: counted, error rows capped
BAD_LOCS = ("http://[::1", "http://x.example:99999/", "javascript:alert(1)", "//", "")
PAGES = {
    "/robots.txt": "redirects to the private address (robots requests are guarded too)",
    "/sitemap.xml": "articles, bad <loc>s between them, private links, 600 missing pages",
    "/news/formula.html": "a title that is a spreadsheet formula",
    "/news/xss.html": "script, handlers and javascript: links in title, body and images",
    "/news/bomb.html": "a few hundred bytes of Content-Encoding: gzip, gzip",
    "/news/ssrf.html": "redirects to the private address",
}
ARTICLES = ("formula", "xss", "after-bad-locs")


def article_html(title: str, body: list[str], day: str = "2024-08-22") -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body)
    return f"""<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">
<title>{escape(title)}</title></head><body>
<main><article class="news"><h1>{escape(title)}</h1>
<p class="meta"><time datetime="{day}T10:00:00+07:00">22 ส.ค. 2567</time></p>
<div class="news-body">{paragraphs}
<p><a href="javascript:alert(2)">อ่านต่อ</a> <img src="http://evil.example/x.png"
 onerror="window.__pwned=3"></p></div></article></main></body></html>"""


BODIES = {
    "formula": ["=1+2", "+66 2 123 4567", "@SUM(A1:A9)", "-ครูทั่วประเทศร่วมประชุมออนไลน์"],
    "xss": ["<script>window.__pwned=2</script>", "ครูและนักเรียน <b>ร่วม</b> กิจกรรม"],
    "after-bad-locs": ["ข่าวนี้อยู่หลัง loc ที่เสียในแผนผังเว็บไซต์", "ต้องเก็บได้ตามปกติ"],
}
TITLES = {
    "formula": FORMULA_TITLE,
    "xss": XSS_TITLE,
    "after-bad-locs": "ข่าวหลังลิงก์เสีย สพฐ. จัดอบรมครู",
}


class Hostile:
    name = "hostile"
    source_id = "sample-hostile"
    server_header = "Apache"

    def __init__(self):
        self.base = ""  # http://localhost:<port>/
        self.private = ""  # http://127.0.0.1:<port>/: the "private" address of the same server
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._bomb: bytes | None = None

    def record(self, target: str) -> None:
        with self._lock:
            self.requests.append(target)

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def registry_entry(self) -> dict:
        return {
            "id": self.source_id,
            "name": "หน่วยงานไม่หวังดี (ตัวอย่าง)",
            "url": self.base,
            "kind": "sitemap",
            "sitemap_url": self.url("sitemap.xml"),
        }

    def bomb(self) -> bytes:
        if self._bomb is None:
            self._bomb = gzip.compress(gzip.compress(b"\0" * BOMB_INFLATED, 9), 9)
        return self._bomb

    def sitemap_locs(self) -> list[str]:
        locs = [self.url("news/formula.html"), self.url("news/xss.html"), *BAD_LOCS]
        locs += [self.url("news/after-bad-locs.html"), self.url("news/bomb.html")]
        locs.append(self.url("news/ssrf.html"))
        locs += [f"{self.private}internal/{n}.html" for n in range(PRIVATE_LINKS)]
        locs += [self.url(f"missing/{n}.html") for n in range(MISSING_LINKS)]
        return locs

    def respond(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return redirect(self.private + "robots-private.txt", 302)
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in self.sitemap_locs())
            xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
            return Response(200, xml.encode(), "application/xml", validators=False)
        if path == "/news/bomb.html":
            headers = {"Content-Encoding": "gzip, gzip"}
            return Response(200, self.bomb(), "text/html", headers, None, False)
        if path == "/news/ssrf.html":
            return redirect(self.private + "internal/admin", 302)
        key = path.removeprefix("/news/").removesuffix(".html")
        if key in TITLES:
            return html_response(article_html(TITLES[key], BODIES[key]))
        if path == "/":
            return html_response("<!DOCTYPE html><title>hostile</title><p>ข่าว</p>")
        return html_response("<h1>internal admin</h1>", 200 if "internal" in path else 404)

    def private_hits(self) -> list[str]:
        """Requests that came in through the private address (never allowed)."""
        with self._lock:
            return list(self.private_log)

    @contextmanager
    def serving(self):
        site = self
        site.private_log = []

        class Handler(SiteHandler):
            def _serve(self, send_body: bool) -> None:
                if not self.headers.get("Host", "").startswith("localhost"):
                    with site._lock:
                        site.private_log.append(self.path)
                super()._serve(send_body)

        Handler.site = site
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = server.server_address[1]
        self.base, self.private = f"http://localhost:{port}/", f"http://127.0.0.1:{port}/"
        thread = threading.Thread(target=server.serve_forever, name="site-hostile", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
