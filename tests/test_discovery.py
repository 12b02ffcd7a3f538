"""Unit tests of each discovery strategy on saved responses."""

import json

import pytest
from scrapy.http import TextResponse

from crawler.discovery import detect, feeds, listings, sitemaps, wordpress
from crawler.extract import wordpress as wp_extract
from crawler.extract.html import parse

HOME = "https://www.example.go.th/"
HOSTS = {"www.example.go.th"}

WP_HOME = """<html><head>
<link rel="https://api.w.org/" href="https://www.example.go.th/wp-json/">
<link rel="alternate" type="application/rss+xml" title="ข่าว &raquo; Feed" href="https://www.example.go.th/feed/">
<link rel="alternate" type="application/rss+xml" title="ข่าว &raquo; Comments Feed" href="https://www.example.go.th/comments/feed/">
</head><body></body></html>"""

LEGACY_LISTING = """<html><body>
<table><tr><td class="menu"><a href="/index.php">หน้าแรก</a> <a href="/news.php">ข่าวประชาสัมพันธ์</a>
<a href="/news_detail.php?id=999">ข่าวเด่นในเมนูที่ไม่ใช่รายการ</a></td></tr>
<tr><td class="content">
<a href="news_detail.php?id=41">ประชุมผู้บริหารสถานศึกษา ประจำเดือนสิงหาคม</a><br>
<a href="news_detail.php?id=40&utm_source=fb">มอบเกียรติบัตรนักเรียนดีเด่น ระดับเขตพื้นที่</a><br>
<a href="news_detail.php?id=40">มอบเกียรติบัตรนักเรียนดีเด่น ระดับเขตพื้นที่</a><br>
<a href="/files/plan.pdf">แผนปฏิบัติราชการประจำปี (PDF)</a>
<a href="http://example.invalid/news_detail.php?id=7">ข่าวจากเว็บไซต์อื่นที่ไม่ควรติดตาม</a>
<div class="pages"><a href="news.php?page=1">1</a> <a href="news.php?page=2">2</a>
<a href="news.php?page=3">3</a> <a href="news.php?page=2">ถัดไป »</a></div>
</td></tr></table></body></html>"""


def test_detect_wordpress_and_feeds_without_comment_feeds():
    found = detect.detect(parse(WP_HOME, HOME), HOME)
    assert found.api_root == "https://www.example.go.th/wp-json/"
    assert found.is_wordpress
    assert found.feeds == ["https://www.example.go.th/feed/"]


def test_detect_plain_site():
    found = detect.detect(parse("<html><body><p>สวัสดี</p></body></html>", HOME), HOME)
    assert not found.is_wordpress and found.api_root is None and found.feeds == []


def test_wordpress_posts_and_pages():
    url = wordpress.posts_url("https://www.example.go.th/wp-json/", page=2)
    assert url.startswith("https://www.example.go.th/wp-json/wp/v2/posts?per_page=100&page=2")
    assert wordpress.total_pages({"X-WP-TotalPages": "7"}) == 7
    assert wordpress.total_pages({}) == 1


@pytest.mark.parametrize(
    "pages_name, total_name",
    [
        ("X-WP-TotalPages", "X-WP-Total"),  # WordPress itself (PHP)
        ("x-wp-totalpages", "x-wp-total"),  # HTTP/2 and many proxies: lower case
        ("X-Wp-Totalpages", "X-Wp-Total"),  # Scrapy's own normalised spelling
        ("X-WP-TOTALPAGES", "X-WP-TOTAL"),
    ],
)
def test_wordpress_page_count_header_in_any_case(pages_name, total_name):
    """The spellings real servers send, as a plain mapping and as a Scrapy response
    (whose header names Scrapy re-capitalises): page 2 onwards must be asked for."""
    raw = {pages_name: "4", total_name: "301"}
    assert wordpress.total_pages(raw) == 4 and wordpress.total_posts(raw) == 301
    response = TextResponse("http://127.0.0.1/wp-json/wp/v2/posts", headers=raw, body=b"[]")
    assert wordpress.total_pages(response.headers) == 4
    assert wordpress.total_posts(response.headers) == 301


def test_wordpress_page_count_header_garbage():
    assert wordpress.total_pages({"X-WP-TotalPages": "many"}) == 1
    assert wordpress.total_posts({"X-WP-Total": ""}) is None


def test_wordpress_post_becomes_article():
    post = {
        "id": 12,
        "date": "2019-08-22T10:30:00",
        "date_gmt": "2019-08-22T03:30:00",
        "modified": "2019-08-23T09:00:00",
        "modified_gmt": "2019-08-23T02:00:00",
        "link": "https://www.example.go.th/2019/08/22/cluster/?utm_source=x",
        "title": {"rendered": "เลขาธิการ กพฐ. เปิดการประชุม &#8211; Cluster"},
        "content": {
            "rendered": "<p>วันที่ 22 สิงหาคม 2562 นายสุเทพ ชิตยวงษ์ เปิดการประชุม</p>"
            '<figure><img src="/wp-content/uploads/a.jpg"><figcaption>ภาพการประชุม</figcaption>'
            '</figure><p>เนื้อหาย่อหน้าที่สอง</p><p><a href="/files/a.pdf">ดาวน์โหลด</a></p>'
            "<p>อัจฉรา ข่าว</p>"
        },
    }
    article = wp_extract.article_from_post(post, "obec")
    assert article.url == "https://www.example.go.th/2019/08/22/cluster/"
    assert article.title == "เลขาธิการ กพฐ. เปิดการประชุม – Cluster"
    assert article.published_at == "2019-08-22T10:30:00+07:00"
    assert article.modified_at == "2019-08-23T09:00:00+07:00"
    assert article.event_date == "2019-08-22"
    assert article.body_text.split("\n")[1] == "เนื้อหาย่อหน้าที่สอง"
    assert "ภาพการประชุม" not in article.body_text
    assert [(i.url, i.caption) for i in article.images] == [
        ("https://www.example.go.th/wp-content/uploads/a.jpg", "ภาพการประชุม")
    ]
    assert [a.url for a in article.attachments] == ["https://www.example.go.th/files/a.pdf"]
    assert article.discovered_via == "wordpress" and article.date_source == "api"


def test_wordpress_rejects_non_posts():
    for text in ("<html>", json.dumps({"code": "rest_disabled"}), json.dumps([{"x": 1}])):
        try:
            wordpress.parse_posts(text)
        except wordpress.NotWordPress:
            continue
        raise AssertionError(f"accepted {text}")


RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>ข่าว</title>
<item><title>ข่าวหนึ่ง</title><link>https://www.example.go.th/2024/09/07/a/</link>
<pubDate>Sat, 07 Sep 2024 03:15:00 +0000</pubDate></item>
<item><title>ข่าวสอง</title><link>https://www.example.go.th/2024/09/06/b/</link></item>
</channel></rss>""".encode()

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>ข่าว</title><entry><title>ข่าวสาม</title><link href="https://www.example.go.th/c"/>
<updated>2024-09-07T10:15:00+07:00</updated></entry></feed>""".encode()


def test_rss_and_atom_entries():
    entries = feeds.parse_feed(RSS, HOME + "feed/")
    assert [e.url for e in entries] == [
        "https://www.example.go.th/2024/09/07/a/",
        "https://www.example.go.th/2024/09/06/b/",
    ]
    assert entries[0].published == "2024-09-07T10:15:00+07:00"
    assert entries[1].published is None
    (atom,) = feeds.parse_feed(ATOM, HOME + "atom")
    assert atom.url == "https://www.example.go.th/c" and atom.published.startswith(
        "2024-09-07T10:15"
    )


def test_not_a_feed():
    try:
        feeds.parse_feed(b"<html><body>Not found</body></html>", HOME)
    except feeds.NotAFeed:
        return
    raise AssertionError("HTML accepted as a feed")


def test_feed_pages():
    assert feeds.page_url("https://a.example/feed/", 1) == "https://a.example/feed/"
    assert feeds.page_url("https://a.example/feed/?paged=2", 3) == "https://a.example/feed/?paged=3"


def test_sitemaps_from_robots_and_index():
    robots = (
        b"User-agent: *\nDisallow: /wp-admin/\nSitemap: https://www.example.go.th/wp-sitemap.xml\n"
    )
    assert sitemaps.robots_sitemaps(robots, HOME) == ["https://www.example.go.th/wp-sitemap.xml"]
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://www.example.go.th/wp-sitemap-posts-post-1.xml</loc></sitemap>
    <sitemap><loc>https://www.example.go.th/wp-sitemap-posts-page-1.xml</loc></sitemap>
    <sitemap><loc>https://www.example.go.th/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>
    <sitemap><loc>https://www.example.go.th/wp-sitemap-users-1.xml</loc></sitemap>
    </sitemapindex>"""
    kind, entries = sitemaps.parse_sitemap(index)
    assert kind == "sitemapindex"
    assert [e.url for e in entries] == ["https://www.example.go.th/wp-sitemap-posts-post-1.xml"]
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://www.example.go.th/2024/09/07/a/</loc><lastmod>2024-09-07T10:00:00+07:00</lastmod></url>
    </urlset>"""
    kind, entries = sitemaps.parse_sitemap(urlset)
    assert kind == "urlset" and entries[0].lastmod.startswith("2024-09-07")


def test_not_a_sitemap():
    for body in (b"<html><body>404</body></html>", b"", b"User-agent: *"):
        try:
            sitemaps.parse_sitemap(body)
        except sitemaps.NotASitemap:
            continue
        raise AssertionError(body)


def test_listing_article_links_skip_menus_files_offsite_and_repeats():
    url = HOME + "news.php"
    links = listings.article_links(parse(LEGACY_LISTING, url), url, HOSTS)
    assert links == [
        "https://www.example.go.th/news_detail.php?id=41",
        "https://www.example.go.th/news_detail.php?id=40",
    ]


def test_listing_next_pages():
    url = HOME + "news.php?page=1"
    pages = listings.next_pages(parse(LEGACY_LISTING, url), url, HOSTS)
    assert pages == [
        "https://www.example.go.th/news.php?page=2",
        "https://www.example.go.th/news.php?page=3",
    ]


def test_homepage_news_menu_leads_to_listing():
    found = listings.listing_candidates(parse(LEGACY_LISTING, HOME), HOME, HOSTS)
    assert found == ["https://www.example.go.th/news.php"]


def test_wordpress_dated_permalinks_are_items_and_category_pages_are_not():
    assert listings.looks_like_item(
        HOME + "2019/08/22/cluster-meeting/", "เลขาธิการ กพฐ. เปิดการประชุม"
    )
    assert not listings.looks_like_item(HOME + "category/news/", "ข่าวประชาสัมพันธ์ทั้งหมด")
    assert not listings.looks_like_item(HOME + "category/news/page/2/", "2")
