"""The two WordPress sample sites: a ministry with the REST API, an area office without it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from . import wp_api, wp_theme, wp_xml
from .assets import asset_for
from .catalogue import Post
from .httpbase import Request, Response, html_response, json_response, redirect
from .sitebase import Site, page_count, paginate

SLUG_PUNCTUATION = re.compile(r"[\"'“”‘’()\[\]{}<>,.:;!?/\\|@#$%^&*+=~`…–—]")
ASSET_DATE = datetime(2019, 1, 1, tzinfo=UTC)
THAI_TAGS = ["การศึกษา", "ครู", "นักเรียน", "สพฐ.", "อาชีวศึกษา", "ลูกเสือ", "ภาษาอังกฤษ"]


def lower_escapes(text: str) -> str:
    """WordPress writes %-escapes in lower case."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), text)


def wp_slug(title: str, limit: int = 200) -> str:
    """sanitize_title for a Thai title: punctuation dropped, dashes, lower-case %-escapes."""
    words = SLUG_PUNCTUATION.sub("", title.lower()).split()
    slug = ""
    for char in "-".join(words):
        encoded = lower_escapes(quote(char, safe="-"))
        if len(slug) + len(encoded) > limit:
            break
        slug += encoded
    return slug.strip("-")


def social_paste(lines: list[str], seed: int) -> list[str]:
    """Text pasted from a Facebook post: `.` lines, doubled vowels or zero-width spaces."""
    style = seed % 3
    if style == 0:
        return [part for line in lines for part in (line, ".")][:-1]
    if style == 1:
        return [line.replace("แ", "เเ") for line in lines]
    return [line.replace(" ", " \u200b") for line in lines]


class WordPressSite(Site):
    api = True
    full_feed = True
    theme = "moe"
    theme_path = "wp-content/themes/moe2020/"
    front = ""
    per_page = 10
    phone = "0 2628 5646"
    address = "319 วังจันทรเกษม ถนนราชดำเนินนอก เขตดุสิต กรุงเทพมหานคร 10300"
    pages = {
        "about": ("เกี่ยวกับหน่วยงาน", "วิสัยทัศน์ พันธกิจ และโครงสร้างหน่วยงาน"),
        "contact": ("ติดต่อเรา", "ติดต่อสอบถามได้ในวันและเวลาราชการ"),
    }
    tags = [(wp_slug(name), name) for name in THAI_TAGS]

    def __init__(self, records: list[dict] | None = None):
        self._slugs: set[str] = set()
        super().__init__(records)

    # -- content --------------------------------------------------------------------------
    def dress(self, post: Post) -> None:
        post.slug = self.unique_slug(wp_slug(post.title) or str(post.post_id))
        folder = f"wp-content/uploads/{post.day.year}/{post.day.month:02d}/"
        count = self.image_count(post)
        post.images = [
            (f"{folder}S__{post.number % 10**8}_{k}.png", f"ภาพกิจกรรม {k + 1}")
            for k in range(count)
        ]
        if self.has_attachment(post):
            post.attachments = [(f"{folder}doc-{post.post_id}.pdf", "เอกสารประกอบ (PDF)")]

    def unique_slug(self, slug: str) -> str:
        candidate, n = slug, 2
        while candidate in self._slugs:
            candidate, n = f"{slug}-{n}", n + 1
        self._slugs.add(candidate)
        return candidate

    def image_count(self, post: Post) -> int:
        return 1 + post.number % 3

    def has_attachment(self, post: Post) -> bool:
        return post.number % 3 == 0

    def pasted_from_facebook(self, post: Post) -> bool:
        return False

    # -- paths ----------------------------------------------------------------------------
    def post_path(self, post: Post) -> str:
        d = post.day
        return f"{d.year}/{d.month:02d}/{d.day:02d}/{post.slug}/"

    def category_path(self, slug: str) -> str:
        return f"{self.front}/category/{slug}/".lstrip("/")

    def tag_path(self, slug: str) -> str:
        return f"{self.front}/tag/{slug}/".lstrip("/")

    def month_path(self, year: str, month: str) -> str:
        return f"{year}/{month}/"

    def routes(self) -> list[tuple[str, callable]]:
        front = re.escape(self.front)
        return [
            (r"/robots\.txt", self.robots),
            (r"/wp-json(/.*)?", self.rest_path),
            (r"/feed/", self.feed),
            (r"/comments/feed/", self.comments_feed),
            (r"/wp-sitemap\.xml", self.sitemap_index),
            (r"/wp-sitemap-posts-post-(\d+)\.xml", self.sitemap_posts),
            (r"/wp-sitemap-posts-page-1\.xml", self.sitemap_pages),
            (r"/wp-sitemap-taxonomies-category-1\.xml", self.sitemap_categories),
            (front + r"/category/([^/]+)/(?:page/(\d+)/)?", self.category),
            (front + r"/tag/([^/]+)/(?:page/(\d+)/)?", self.tag),
            (r"/author/([^/]+)/(?:page/(\d+)/)?", self.author),
            (self.month_pattern(), self.month),
            (r"/(?:page/(\d+)/)?", self.home),
            (r"/(about|contact)/", self.static),
            (self.post_pattern(), self.single),
        ]

    def post_pattern(self) -> str:
        return r"/(\d{4})/(\d{2})/(\d{2})/([^/]+)/"

    def month_pattern(self) -> str:
        return r"/(\d{4})/(\d{2})/(?:page/(\d+)/)?"

    # -- dispatch -------------------------------------------------------------------------
    def respond(self, request: Request) -> Response:
        response = self.special(request) or self.routed(request, request.path)
        if response is not None:
            return response
        if not request.path.endswith("/") and self.routed(request, request.path + "/"):
            return redirect(self.url(lower_escapes(quote(request.path.lstrip("/"))) + "/"))
        return self.asset(request.path) or self.not_found()

    def special(self, request: Request) -> Response | None:
        query = request.query
        if request.method not in ("GET", "HEAD"):
            return html_response("Method Not Allowed", 405)
        if "rest_route" in query:
            return self.rest(query["rest_route"], request)
        if "share" in query:
            return redirect(f"http://example.invalid/share/{query['share']}", 302)
        if request.path == "/" and query.get("p", "").isdigit():
            return self.shortlink(int(query["p"]))
        if request.path == "/" and "s" in query:
            return self.search(query["s"])
        return None

    def routed(self, request: Request, path: str) -> Response | None:
        for pattern, handler in self.routes():
            match = re.fullmatch(pattern, path)
            if match:
                return handler(request, *match.groups())
        return None

    def not_found(self) -> Response:
        return html_response(wp_theme.not_found(self), 404, validators=False)

    def asset(self, path: str) -> Response | None:
        if not path.startswith(("/wp-content/", "/wp-includes/")):
            return None
        found = asset_for(path)
        if found is None:
            return None
        body, content_type = found
        return Response(200, body, content_type, {"Cache-Control": "max-age=31536000"}, ASSET_DATE)

    # -- pages ----------------------------------------------------------------------------
    def single(self, request: Request, *parts: str) -> Response | None:
        post = self.find_post(*parts)
        if post is None:
            return None
        canonical = self.post_url(post)
        if unquote(canonical) != self.url(request.path.lstrip("/")):
            return redirect(canonical)
        headers = {"Link": f"<{self.url('')}?p={post.post_id}>; rel=shortlink"}
        if self.api:
            headers["Link"] = (
                f'<{self.url("wp-json/")}>; rel="https://api.w.org/", ' + headers["Link"]
            )
        text = wp_theme.single(self, post)
        return html_response(text, headers=headers, last_modified=post.modified)

    def find_post(self, year: str, month: str, day: str, slug: str) -> Post | None:
        wanted = unquote(slug)
        posts = self.catalogue.newest_first()
        return next((p for p in posts if unquote(p.slug) == wanted), None)

    def shortlink(self, post_id: int) -> Response:
        post = self.catalogue.by_post_id(post_id)
        return redirect(self.post_url(post)) if post else self.not_found()

    def listing(
        self, heading: str, posts: list[Post], base_path: str, page: str | None
    ) -> Response:
        number = int(page or 1)
        chunk = paginate(posts, number, self.per_page)
        if chunk is None:
            return self.not_found()
        last = page_count(len(posts), self.per_page)
        text = wp_theme.listing(self, heading, chunk, base_path, number, last)
        modified = max((p.modified for p in chunk), default=None)
        return html_response(text, last_modified=modified)

    def home(self, request: Request, page: str | None) -> Response:
        return self.listing(self.name_th, self.catalogue.newest_first(), "", page)

    def category(self, request: Request, slug: str, page: str | None) -> Response | None:
        index = next((i for i, (s, _) in enumerate(self.categories) if s == slug), None)
        if index is None:
            return None
        posts = [p for p in self.catalogue.newest_first() if p.category == index]
        return self.listing(self.categories[index][1], posts, self.category_path(slug), page)

    def tag(self, request: Request, slug: str, page: str | None) -> Response | None:
        index = next((i for i, (s, _) in enumerate(self.tags) if unquote(s) == slug), None)
        if index is None:
            return None
        posts = [p for p in self.catalogue.newest_first() if index in p.tags]
        heading = f"ป้ายกำกับ: {self.tags[index][1]}"
        return self.listing(heading, posts, self.tag_path(self.tags[index][0]), page)

    def author(self, request: Request, slug: str, page: str | None) -> Response:
        posts = self.catalogue.newest_first()
        return self.listing(f"ผู้เขียน: {slug}", posts, f"author/{slug}/", page)

    def month(self, request: Request, year: str, month: str, page: str | None) -> Response | None:
        posts = [p for p in self.catalogue.newest_first() if p.day.strftime("%Y%m") == year + month]
        if not posts:
            return None
        return self.listing(f"เดือน: {month}/{year}", posts, self.month_path(year, month), page)

    def search(self, words: str) -> Response:
        posts = [p for p in self.catalogue.newest_first() if words and words in p.title]
        return self.listing(f"ผลการค้นหา: {words}", posts, "", None)

    def static(self, request: Request, slug: str) -> Response:
        return html_response(wp_theme.static_page(self, slug), last_modified=ASSET_DATE)

    def robots(self, request: Request) -> Response:
        text = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
        text += f"Sitemap: {self.url('wp-sitemap.xml')}\n"
        return Response(200, text.encode(), "text/plain; charset=utf-8", validators=False)

    # -- machine endpoints ----------------------------------------------------------------
    def rest_path(self, request: Request, route: str | None) -> Response:
        return self.rest(route or "/", request)

    def rest(self, route: str, request: Request) -> Response:
        return wp_api.rest(self, route, request)

    def feed(self, request: Request) -> Response:
        posts = self.catalogue.newest_first()
        paged = request.query.get("paged", "1")
        chunk = paginate(posts, int(paged), self.per_page) if paged.isdigit() else None
        if chunk is None:
            return self.not_found()
        self_url = self.url("feed/") + (f"?paged={paged}" if paged != "1" else "")
        text = wp_xml.rss(self, chunk, self_url, posts)
        modified = max((p.modified for p in posts), default=None)
        return Response(200, text.encode(), "application/rss+xml; charset=UTF-8", {}, modified)

    def comments_feed(self, request: Request) -> Response:
        text = wp_xml.rss(self, [], self.url("comments/feed/"), [])
        return Response(200, text.encode(), "application/rss+xml; charset=UTF-8", {}, ASSET_DATE)

    def xml(self, text: str) -> Response:
        return Response(200, text.encode(), "application/xml; charset=UTF-8", validators=False)

    def sitemap_index(self, request: Request) -> Response:
        names = ["wp-sitemap-posts-post-1.xml", "wp-sitemap-posts-page-1.xml"]
        names.append("wp-sitemap-taxonomies-category-1.xml")
        return self.xml(wp_xml.sitemap_index(self, names))

    def sitemap_posts(self, request: Request, number: str) -> Response:
        if number != "1":
            return self.not_found()
        return self.xml(
            wp_xml.urlset(self, wp_xml.post_entries(self, self.catalogue.newest_first()))
        )

    def sitemap_pages(self, request: Request) -> Response:
        return self.xml(wp_xml.urlset(self, [(self.url(f"{slug}/"), None) for slug in self.pages]))

    def sitemap_categories(self, request: Request) -> Response:
        entries = [(self.url(self.category_path(slug)), None) for slug, _ in self.categories]
        return self.xml(wp_xml.urlset(self, entries))


class MinistrySite(WordPressSite):
    """moe.go.th-like: REST API, full-content feed, date permalinks with Thai slugs."""

    name = "wp"
    source_id = "sample-wp"
    name_th = "กระทรวงศึกษาธิการ (ตัวอย่าง)"
    name_en = "Ministry of Education (sample)"
    id_start, id_step = 41000, 11
    categories = [
        ("news", "ข่าวประชาสัมพันธ์"),
        ("activity", "ภาพกิจกรรม"),
        ("announcement", "ข่าวประกาศ"),
    ]


class AreaOfficeSite(WordPressSite):
    """An สพม. area office: REST API disabled by a plugin, summary-only feed, /archives/ID."""

    name = "wpnoapi"
    source_id = "sample-wpnoapi"
    name_th = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษาตัวอย่าง (สพม.ตัวอย่าง)"
    name_en = "Sample Secondary Educational Service Area Office"
    api = False
    full_feed = False
    theme = "tagdiv"
    theme_path = "wp-content/themes/Newspaper/"
    front = "/archives"
    id_start, id_step = 2300, 9
    phone = "0 4524 1234"
    address = "ถนนแจ้งสนิท ตำบลในเมือง อำเภอเมือง จังหวัดตัวอย่าง 34000"
    categories = [("pr-news", "ข่าวประชาสัมพันธ์"), ("school-news", "ข่าวโรงเรียนในสังกัด")]

    def served_lines(self, lines: list[str], seed: int) -> list[str]:
        return social_paste(lines, seed)

    def image_count(self, post: Post) -> int:
        return post.number % 3

    def has_attachment(self, post: Post) -> bool:
        return post.number % 4 == 0

    def pasted_from_facebook(self, post: Post) -> bool:
        return post.number % 2 == 0

    def post_path(self, post: Post) -> str:
        return f"archives/{post.post_id}"

    def post_pattern(self) -> str:
        return r"/archives/(\d+)/?"

    def month_pattern(self) -> str:
        return r"/archives/date/(\d{4})/(\d{2})/(?:page/(\d+)/)?"

    def month_path(self, year: str, month: str) -> str:
        return f"archives/date/{year}/{month}/"

    def find_post(self, post_id: str) -> Post | None:
        return self.catalogue.by_post_id(int(post_id))

    def rest(self, route: str, request: Request) -> Response:
        data = {"code": "rest_disabled", "message": "The REST API is disabled on this site."}
        return json_response(data | {"data": {"status": 403}}, 403)
