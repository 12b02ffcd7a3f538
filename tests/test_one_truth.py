"""One article, one truth, and nothing dropped in silence: extraction-side rules."""

from __future__ import annotations

import re
from pathlib import Path

from crawler.discovery import listings
from crawler.extract import wordpress
from crawler.extract.html import parse
from crawler.extract.page import extract_article, looks_like_article, opening
from crawler.items import Article
from crawler.sources import Source
from crawler.spiders.archive import newer, own_host, use_feed_date

FIXTURES = Path(__file__).parent / "fixtures" / "realwp"
SIDEBAR_TITLES = [
    "สพฐ. จัดประชุมผู้บริหารสถานศึกษาทั่วประเทศเพื่อขับเคลื่อนนโยบายการศึกษา ครั้งที่ {n}",
]


def table_layout_release() -> str:
    """An old PHP site: a table, a sidebar of long "latest news" links, a short release."""
    side = "".join(
        f'<tr><td><a href="/news/detail.php?id={n}">'
        f"{SIDEBAR_TITLES[0].format(n=n)} ณ จังหวัดขอนแก่น ประจำปีงบประมาณ 2562</a></td></tr>"
        for n in range(1, 11)
    )
    return (
        "<html><head><title>สำนักงานเขตพื้นที่การศึกษา</title></head><body>"
        '<table><tr><td width="200"><b>ข่าวล่าสุด</b><table>' + side + "</table></td>"
        '<td><h1 class="topic">ผอ.สพป.ขอนแก่น เขต 1 ตรวจเยี่ยมโรงเรียนขยายโอกาส</h1>'
        "<p>วันที่ 3 มีนาคม 2562</p>"
        "<p>นายสมชาย ใจดี ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1 "
        "ตรวจเยี่ยมโรงเรียนบ้านโนนสวาง เพื่อติดตามการจัดการเรียนการสอน</p>"
        "<p>พร้อมมอบขวัญและกำลังใจแก่ครูและนักเรียน</p></td></tr></table></body></html>"
    )


def test_a_dated_release_beside_a_sidebar_of_links_is_not_a_listing():
    article = extract_article(
        "http://area.example.go.th/news/detail.php?id=77", table_layout_release()
    )
    assert looks_like_article(article) == (True, "")
    assert article.title.startswith("ผอ.สพป.ขอนแก่น") and article.published_at == "2019-03-03"


def test_about_and_contact_pages_are_not_releases():
    for title in ("เกี่ยวกับเรา", "ติดต่อเรา", "About us"):
        html = (
            f"<html><body><h1>{title}</h1><p>{'สำนักงานเขตพื้นที่การศึกษา ' * 8}</p>"
            "<p>ที่อยู่ ถนนมิตรภาพ อำเภอเมือง จังหวัดขอนแก่น 40000</p></body></html>"
        )
        article = extract_article("http://area.example.go.th/about.php", html)
        assert looks_like_article(article) == (False, "not a release"), title


def test_a_wordpress_static_page_is_not_a_release():
    html = (
        '<html><body class="page-template-default page page-id-5">'
        '<h1 class="entry-title">ข้อมูลหน่วยงาน</h1><div class="entry-content">'
        f"<p>{'ข้อความ ' * 30}</p>"
        "</div></body></html>"
    )
    article = extract_article("http://wp.example.go.th/info/", html)
    assert looks_like_article(article) == (False, "not a release")


def test_an_edit_note_is_not_the_event_date():
    text = "(ปรับปรุงข้อมูลเมื่อ 5 ธันวาคม 2567)\nวันอังคารที่ 19 กรกฎาคม 2559 นายก ประชุม\nต่อ"
    assert "2567" not in opening(text) and "2559" in opening(text)
    post = {
        "id": 7,
        "link": "http://wp.example.go.th/?p=7",
        "title": {"rendered": "ประชุมครู"},
        "content": {"rendered": "<p>แก้ไขล่าสุดเมื่อ 5 ธ.ค. 67</p><p>วันที่ 3 มี.ค. 62 ครูประชุม</p>"},
        "date_gmt": "2019-03-03T03:00:00",
    }
    assert wordpress.article_from_post(post, "x").event_date == "2019-03-03"


def test_edit_signals_newer_than_what_is_stored():
    assert newer("2024-01-02T10:00:00+07:00", "2024-01-02T09:00:00+07:00")
    assert not newer("2024-01-02T02:00:00Z", "2024-01-02T09:00:00+07:00")  # 09:00 local
    assert newer("2024-01-02", "2024-01-02T09:00:00+07:00")  # a day alone: same day, re-fetch
    assert not newer("2024-01-01", "2024-01-02T09:00:00+07:00")
    assert newer("2024-01-02", None) and not newer(None, "2024-01-02")


def test_feed_timestamp_gives_the_time_a_page_lacks():
    article = Article(url="http://x.go.th/a", source="x", published_at="2019-03-03")
    use_feed_date(article, "2019-03-03T10:30:00+07:00")
    assert (article.published_at, article.date_source) == ("2019-03-03T10:30:00+07:00", "feed")
    other = Article(url="http://x.go.th/b", source="x", published_at="2019-03-04")
    use_feed_date(other, "2019-03-03T10:30:00+07:00")  # the page's own day is kept
    assert other.published_at == "2019-03-04"


def test_articles_only_on_the_sources_own_hosts():
    source = Source(id="obec", name="สพฐ.", url="https://www.obec.go.th/")
    assert own_host(source, "https://obec.go.th/archives/1")
    assert not own_host(source, "https://www.moe.go.th/archives/1")


def test_wordpress_theme_listing_headlines_and_pages():
    """A stock WordPress homepage (Twenty Twenty-One, saved from tests/realwp): headline links
    sit in <header class="entry-header"> inside <article>, page links read "Page 2"."""
    html = (FIXTURES / "home-twentytwentyone.html").read_text(encoding="utf-8")
    url = "http://127.0.0.1:53375/"
    tree = parse(html, url)
    hosts = {"127.0.0.1:53375"}
    links = listings.article_links(tree, url, hosts)
    assert len(links) == 10 and all(re.search(r"/20\d\d/\d\d/\d\d/", link) for link in links)
    assert set(listings.next_pages(tree, url, hosts)) == {url + "page/2/", url + "page/30/"}
