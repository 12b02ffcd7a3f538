"""Extraction on saved pages (golden fixtures) and on small hand-written pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.html import decode_html
from crawler.extract.page import extract_article, looks_like_article
from crawler.extract.urls import canonical_url
from tests.conftest import edunews

PAGES = Path(__file__).parent / "fixtures" / "pages"
ARTICLES = sorted(p.stem for p in PAGES.glob("*.json") if json.loads(p.read_text())["article"])
NON_ARTICLES = sorted(
    p.stem for p in PAGES.glob("*.json") if not json.loads(p.read_text())["article"]
)


def load(name: str):
    record = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    html = decode_html((PAGES / f"{name}.html").read_bytes(), record["content_type"])
    return record, html


@pytest.mark.parametrize("name", ARTICLES)
def test_saved_article_pages(name):
    record, html = load(name)
    article = extract_article(record["url"], html, source="s")
    want = record["article"]
    assert article.title == want["title"]
    assert article.published_at == want["published_at"]
    assert article.body_text == want["body_text"]
    assert [i.url for i in article.images] == want["images"]
    assert [a.url for a in article.attachments] == want["attachments"]
    assert looks_like_article(article) == (True, "")


@pytest.mark.parametrize("name", NON_ARTICLES)
def test_listing_and_category_pages_are_not_articles(name):
    record, html = load(name)
    ok, why = looks_like_article(extract_article(record["url"], html))
    assert not ok and why


def test_tis620_declared_only_in_meta_decodes():
    raw = (PAGES / "legacy-article-tis620.html").read_bytes()
    assert b"windows-874" in raw and "ข่าว".encode() not in raw
    assert "ข่าวประชาสัมพันธ์" in decode_html(raw, "text/html")


def test_cli_extract_on_a_saved_file():
    record, _ = load("legacy-article-time")
    path = PAGES / "legacy-article-time.html"
    result = edunews("extract", str(path), "--url", record["url"], timeout=60)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["title"] == record["article"]["title"]
    assert printed["published_at"] == record["article"]["published_at"]
    assert printed["url"] == record["url"]


PAGE = """<html><head><meta charset="utf-8">
<link rel="canonical" href="{canonical}">
<title>ประชุมคณะกรรมการ – สำนักงานตัวอย่าง</title></head><body>
<nav class="menu"><a href="/">หน้าแรก</a> เมนู 1 มกราคม 2560</nav>
<div class="post"><h1 class="entry-title">ประชุมคณะกรรมการ ครั้งที่ ๓/๒๕๖๒</h1>
<div class="entry-meta">โพสต์เมื่อ ๒๒ ส.ค. ๖๒ เวลา ๑๐.๓๐ น.</div>
<div class="entry-content">
<p>วันที่ 21 สิงหาคม 2562 นายสมชาย ใจดี ผู้อำนวยการ เป็นประธานการประชุมคณะกรรมการ</p>
<p>ที่ประชุมได้พิจารณาวาระต่าง ๆ อย่างครบถ้วน\u200b และมีมติเห็นชอบ</p>
<div class="sharedaddy">แชร์ Facebook Twitter</div><p class="view-count">อ่าน 1,234 ครั้ง</p>
<p>ข่าว : สมหญิง รักงาน</p>
</div></div><footer>ติดต่อเรา โทร 02 000 0000</footer></body></html>"""


def test_visible_thai_date_with_thai_digits_and_chrome_removed():
    url = "https://www.example.go.th/news/42?utm_source=facebook&fbclid=abc"
    html = PAGE.format(canonical="https://www.example.go.th/news/42")
    article = extract_article(url, html)
    assert article.url == "https://www.example.go.th/news/42"
    assert article.title == "ประชุมคณะกรรมการ ครั้งที่ ๓/๒๕๖๒"
    assert article.published_at == "2019-08-22T10:30:00+07:00" and article.date_source == "visible"
    assert article.event_date == "2019-08-21"
    assert "แชร์" not in article.body_text and "1,234" not in article.body_text
    assert "\u200b" not in article.body_text
    assert article.body_text.split("\n")[-1] == "ข่าว : สมหญิง รักงาน"
    assert article.credits.reporter == "สมหญิง รักงาน" and article.author == "สมหญิง รักงาน"


def test_offsite_canonical_is_ignored():
    html = PAGE.format(canonical="https://mirror.example.com/copy")
    article = extract_article("https://www.example.go.th/news/42", html)
    assert article.url == "https://www.example.go.th/news/42"


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("HTTPS://WWW.Example.go.th:443/a?b=1#top", "https://www.example.go.th/a?b=1"),
        ("http://example.go.th:80", "http://example.go.th/"),
        ("https://x.go.th/n?id=5&utm_medium=social&gclid=z", "https://x.go.th/n?id=5"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_a_weekday_that_disagrees_is_kept_and_reported():
    html = PAGE.format(canonical="https://www.example.go.th/news/42").replace(
        "วันที่ 21 สิงหาคม 2562",
        "วันจันทร์ที่ 21 สิงหาคม 2562",  # 21 Aug 2019 was a Wednesday
    )
    article = extract_article("https://www.example.go.th/news/42", html)
    assert article.event_date == "2019-08-21"
    assert "วันจันทร์ที่ 21 สิงหาคม 2562" in article.date_warning
