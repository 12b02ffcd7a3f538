# ruff: noqa: E501
# (HTML templates keep one element per line, like the pages they imitate.)
"""A small static-generator site whose only index of its news is an Atom feed."""

from __future__ import annotations

from datetime import UTC
from html import escape

from .assets import asset_for
from .catalogue import Post
from .httpbase import Request, Response, html_response
from .sitebase import Site
from .thaitext import abbr_date, thai_digits

HOME_ITEMS = 3  # the homepage shows only the latest few; the feed has them all


class FeedOnlySite(Site):
    name = "feedonly"
    source_id = "sample-feedonly"
    name_th = "ศูนย์ส่งเสริมการเรียนรู้ตัวอย่าง (ตัวอย่าง)"
    name_en = "Sample Learning Promotion Centre (sample, Atom feed only)"
    server_header = "nginx/1.18.0"
    id_start, id_step = 500, 4

    def dress(self, post: Post) -> None:
        folder = f"images/{post.day.year}/"
        post.images = [
            (f"{folder}news-{post.post_id}-{k}.png", "") for k in range(1 + post.number % 2)
        ]

    def post_path(self, post: Post) -> str:
        return f"news/{post.day.year}/{post.day.month:02d}/news-{post.post_id}.html"

    def respond(self, request: Request) -> Response:
        if request.path in ("/", "/index.html"):
            return self.home()
        if request.path == "/atom.xml":
            return self.atom()
        if request.path == "/robots.txt":
            return Response(200, b"User-agent: *\nAllow: /\n", "text/plain", validators=False)
        post = self.find(request.path)
        if post is not None:
            return html_response(self.article(post), last_modified=post.modified)
        found = asset_for(request.path) if request.path.startswith("/images/") else None
        if found:
            return Response(200, found[0], found[1])
        return html_response("<!DOCTYPE html><title>404</title><h1>ไม่พบหน้า</h1>", 404)

    def find(self, path: str) -> Post | None:
        posts = self.catalogue.newest_first()
        return next((p for p in posts if "/" + self.post_path(p) == path), None)

    def head(self, title: str, extra: str = "") -> str:
        feed = self.url("atom.xml")
        return f"""<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="alternate" type="application/atom+xml" title="{escape(self.name_th)}" href="{feed}">
<meta name="generator" content="Hugo 0.92.2">
{extra}</head>"""

    def nav(self) -> str:
        return (
            f'<header class="site-header"><a class="brand" href="{self.url("")}">{escape(self.name_th)}</a>'
            f'<nav><a href="{self.url("")}">หน้าแรก</a> <a href="{self.url("atom.xml")}">RSS</a>'
            ' <a href="http://example.invalid/">หน่วยงานต้นสังกัด</a></nav></header>'
        )

    def home(self) -> Response:
        posts = self.catalogue.newest_first()[:HOME_ITEMS]
        items = "".join(
            f'<li><a href="{self.post_url(p)}">{escape(p.title)}</a> <small>{abbr_date(p.day)}</small></li>'
            for p in posts
        )
        text = f'{self.head(self.name_th)}<body>{self.nav()}<main><h2>ข่าวล่าสุด</h2><ul class="news-list">{items}</ul></main></body></html>'
        modified = max((p.modified for p in posts), default=None)
        return html_response(text, last_modified=modified)

    def article(self, post: Post) -> str:
        paragraphs = "\n".join(f"<p>{escape(line)}</p>" for line in post.lines)
        images = "".join(
            f'<figure><img src="/{path}" alt="" loading="lazy"></figure>' for path, _ in post.images
        )
        stamp = thai_digits(abbr_date(post.day))
        return f"""{self.head(post.title + " | " + self.name_th)}
<body>{self.nav()}
<main><article class="news">
<h1>{escape(post.title)}</h1>
<p class="meta"><time datetime="{post.published.isoformat()}">{stamp}</time></p>
<div class="news-body">
{images}
{paragraphs}
</div></article></main>
<footer class="site-footer">&copy; {escape(self.name_th)}</footer></body></html>"""

    def atom(self) -> Response:
        posts = self.catalogue.newest_first()
        updated = max((p.modified for p in posts), default=None)
        entries = "\n".join(self.entry(p) for p in posts)
        stamp = updated.astimezone(UTC).isoformat() if updated else ""
        text = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="th">
<title>{escape(self.name_th)}</title>
<link href="{self.url("atom.xml")}" rel="self"/>
<link href="{self.url("")}"/>
<updated>{stamp}</updated>
<id>{self.url("")}</id>
{entries}
</feed>
"""
        return Response(200, text.encode(), "application/atom+xml; charset=utf-8", {}, updated)

    def entry(self, post: Post) -> str:
        summary = escape(" ".join(post.lines)[:200])
        return f"""<entry>
<title>{escape(post.title)}</title>
<link rel="alternate" type="text/html" href="{self.post_url(post)}"/>
<id>tag:{self.source_id},{post.day.isoformat()}:/news/{post.post_id}</id>
<published>{post.published.isoformat()}</published>
<updated>{post.modified.isoformat()}</updated>
<author><name>งานประชาสัมพันธ์</name></author>
<summary type="text">{summary}</summary>
</entry>"""
