"""The sample agency sites: each endpoint kind, encodings, pagination, 304s, and the gold list."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
import yaml

from tests.sites.build_data import has_credit_tail
from tests.sites.catalogue import BANGKOK, DATA
from tests.sites.server import SampleSites
from tests.sites.thaitext import normalise_line

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_COUNTS = {"wp": 48, "wpnoapi": 25, "legacy": 39, "feedonly": 10}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def text_of(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return normalise_line(unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def sites():
    with SampleSites() as running:
        yield running


# -- the data ---------------------------------------------------------------------------------
def test_data_file_is_small_and_split_across_sites(sites):
    assert DATA.stat().st_size < 1_500_000
    assert {name: len(sites.gold(name)) for name in sites.urls} == EXPECTED_COUNTS
    ids = [g["corpus_id"] for g in sites.gold()]
    assert len(ids) == len(set(ids)) == 122
    wpnoapi_ids = {g["corpus_id"] for g in sites.gold("wpnoapi")}
    assert {"obec-2019-08-22-cluster-meeting", "obec-2024-09-07-best-practice"} <= wpnoapi_ids


def test_gold_records_are_complete(sites):
    for gold in sites.gold():
        assert gold["url"].startswith(sites.urls[gold["site"]])
        assert gold["title"] and gold["body_text"] and "\u200b" not in gold["body_text"]
        assert gold["published_at"][:10] == gold["date"]
        assert "เเ" not in gold["body_text"]
        assert all(line.strip() != "." for line in gold["body_text"].split("\n"))
    credited = [g for g in sites.gold() if has_credit_tail(g["body_text"])]
    assert len(credited) >= 55


def test_sources_yaml_matches_registry_shape(sites):
    entries = yaml.safe_load(sites.sources_yaml())["sources"]
    assert [e["url"] for e in entries] == list(sites.urls.values())
    for entry in entries:
        assert re.fullmatch(r"[a-z0-9-]+", entry["id"]) and entry["name"] and entry["name_en"]
        assert entry["kind"] in {"auto", "wordpress", "feed", "sitemap", "listing"}


# -- wp ---------------------------------------------------------------------------------------
def test_wp_homepage_advertises_api_and_feed(sites):
    base = sites.urls["wp"]
    status, headers, body = fetch(base)
    html = body.decode()
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert f'<link rel="https://api.w.org/" href="{base}wp-json/" />' in html
    assert (
        f'type="application/rss+xml" title="กระทรวงศึกษาธิการ (ตัวอย่าง) &raquo; ฟีด" href="{base}feed/"'
        in html
    )


def test_wp_rest_api_pages_through_all_posts(sites):
    base, gold = sites.urls["wp"], sites.gold("wp")
    status, headers, body = fetch(base + "wp-json/wp/v2/posts?per_page=20&page=3")
    posts = json.loads(body)
    assert status == 200 and headers["X-WP-Total"] == "48" and headers["X-WP-TotalPages"] == "3"
    assert len(posts) == 8 and 'rel="prev"' in headers["Link"]
    first = json.loads(fetch(base + "wp-json/wp/v2/posts?per_page=100")[2])
    assert [p["link"] for p in first] == [g["url"] for g in gold]
    post, expected = first[0], gold[0]
    assert post["date"] == expected["published_at"][:19] and "+" not in post["date"]
    assert post["date_gmt"] < post["date"] and post["slug"] in post["link"]
    assert set(post) >= {"modified", "modified_gmt", "excerpt", "author", "featured_media"}
    assert expected["body_text"].split("\n")[0][:40] in unescape(post["content"]["rendered"])


def test_wp_rest_api_errors_and_filters(sites):
    base = sites.urls["wp"] + "wp-json/wp/v2/posts"
    status, _, body = fetch(base + "?page=6")
    assert status == 400 and json.loads(body)["code"] == "rest_post_invalid_page_number"
    status, _, body = fetch(base + "?per_page=101")
    assert status == 400 and json.loads(body)["code"] == "rest_invalid_param"
    cutoff = sites.gold("wp")[4]["published_at"]
    after = json.loads(fetch(base + "?after=" + cutoff.replace("+", "%2B"))[2])
    assert len(after) == 4
    status, headers, body = fetch(base + "?after=2100-01-01T00:00:00")
    assert status == 200 and json.loads(body) == [] and headers["X-WP-Total"] == "0"
    embedded = json.loads(fetch(base + "?per_page=1&_embed=1")[2])[0]["_embedded"]
    assert embedded["wp:featuredmedia"][0]["source_url"] == sites.gold("wp")[0]["images"][0]
    index = json.loads(fetch(sites.urls["wp"] + "wp-json/")[2])
    assert "wp/v2" in index["namespaces"]


def test_wp_feed_is_paged_and_ends_with_404(sites):
    base, gold_urls = sites.urls["wp"], {g["url"] for g in sites.gold("wp")}
    links = []
    for page in range(1, 6):
        status, headers, body = fetch(f"{base}feed/?paged={page}")
        assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
        assert "<content:encoded>" in body.decode()
        links += re.findall(r"<link>([^<]+)</link>", body.decode())[1:]
    assert set(links) == gold_urls and len(links) == 48
    assert fetch(f"{base}feed/?paged=6")[0] == 404


def test_wp_sitemaps_and_robots(sites):
    base = sites.urls["wp"]
    robots = fetch(base + "robots.txt")[2].decode()
    assert f"Sitemap: {base}wp-sitemap.xml" in robots
    index = fetch(base + "wp-sitemap.xml")[2].decode()
    assert f"<loc>{base}wp-sitemap-posts-post-1.xml</loc>" in index
    posts = fetch(base + "wp-sitemap-posts-post-1.xml")[2].decode()
    assert set(re.findall(r"<loc>([^<]+)</loc>", posts)) == {g["url"] for g in sites.gold("wp")}


def test_wp_article_page_markup(sites):
    gold = sites.gold("wp")[3]
    status, headers, body = fetch(gold["url"])
    html = body.decode()
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert f'<link rel="canonical" href="{gold["url"]}" />' in html
    assert f'<meta property="article:published_time" content="{gold["published_at"]}" />' in html
    assert f'<time class="entry-date published" datetime="{gold["published_at"]}">' in html
    assert re.search(r"อ่าน [\d,]+ ครั้ง", html) and 'class="entry-content"' in html
    assert all(src in html for src in gold["images"] + gold["attachments"])


def test_wp_redirects_shortlink_and_missing_slash(sites):
    base, gold = sites.urls["wp"], sites.gold("wp")[0]
    status, headers, _ = fetch(f"{base}?p={gold['post_id']}")
    assert status == 301 and headers["Location"] == gold["url"]
    status, headers, _ = fetch(gold["url"].rstrip("/"))
    assert status == 301 and headers["Location"] == gold["url"]
    assert fetch(gold["url"] + "?share=facebook")[1]["Location"].startswith(
        "http://example.invalid/"
    )
    upper = re.sub(r"%[0-9a-f]{2}", lambda m: m[0].upper(), gold["url"])
    assert fetch(upper)[0] == 200


def test_wp_listing_pages_are_not_articles(sites):
    base, gold_urls = sites.urls["wp"], {g["url"] for g in sites.gold("wp")}
    for path in (
        "category/news/",
        "page/2/",
        "about/",
        sites.gold("wp")[0]["url"][len(base) :][:8],
    ):
        status, _, body = fetch(base + path)
        assert status == 200 and base + path not in gold_urls
    assert fetch(base + "page/99/")[0] == 404


def test_conditional_get_gives_304_until_content_changes():
    with SampleSites(["wp"]) as sites:
        gold = sites.gold("wp")[0]
        _, headers, _ = fetch(gold["url"])
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert fetch(gold["url"], {"If-None-Match": etag})[0] == 304
        assert fetch(gold["url"], {"If-Modified-Since": modified})[0] == 304
        assert fetch(sites.urls["wp"] + "feed/", {"If-None-Match": "*"})[0] == 304
        sites.edit("wp", gold["corpus_id"], title="หัวข้อที่แก้ไขแล้ว")
        status, headers, body = fetch(gold["url"], {"If-None-Match": etag})
        assert status == 200 and headers["ETag"] != etag and "หัวข้อที่แก้ไขแล้ว" in body.decode()


def test_mutation_is_visible_everywhere():
    with SampleSites(["wp"]) as sites:
        base, before = sites.urls["wp"], sites.gold("wp")
        added = sites.add("wp", "ข่าวใหม่ทดสอบระบบ", "ย่อหน้าแรก\nข่าวโดย : ทดสอบ")
        assert added["body_text"] == "ย่อหน้าแรก\nข่าวโดย : ทดสอบ" and fetch(added["url"])[0] == 200
        newest = json.loads(fetch(base + "wp-json/wp/v2/posts?per_page=1")[2])[0]
        assert newest["link"] == added["url"]
        since = datetime.now(BANGKOK).replace(microsecond=0, year=2099).isoformat()
        sites.edit(
            "wp", before[5]["corpus_id"], body="เนื้อหาใหม่", modified=datetime.fromisoformat(since)
        )
        changed = json.loads(
            fetch(base + "wp-json/wp/v2/posts?modified_after=2098-01-01T00:00:00")[2]
        )
        assert [p["link"] for p in changed] == [before[5]["url"]]
        sites.remove("wp", before[1]["corpus_id"])
        assert fetch(before[1]["url"])[0] == 404
        assert len(sites.gold("wp")) == len(before)
        assert any(path.startswith("/wp-json/") for path in sites.request_log["wp"])


# -- wpnoapi ----------------------------------------------------------------------------------
def test_wpnoapi_has_no_api_but_feed_and_sitemap(sites):
    base, gold = sites.urls["wpnoapi"], sites.gold("wpnoapi")
    assert "api.w.org" not in fetch(base)[2].decode()
    for url in (base + "wp-json/", base + "wp-json/wp/v2/posts", base + "?rest_route=/wp/v2/posts"):
        status, _, body = fetch(url)
        assert status == 403 and json.loads(body)["code"] == "rest_disabled"
    links = []
    for page in (1, 2, 3):
        feed = fetch(f"{base}feed/?paged={page}")[2].decode()
        assert "<content:encoded>" not in feed
        links += re.findall(r"<link>([^<]+)</link>", feed)[1:]
    assert set(links) == {g["url"] for g in gold} and fetch(f"{base}feed/?paged=4")[0] == 404
    sitemap = fetch(base + "wp-sitemap-posts-post-1.xml")[2].decode()
    assert set(re.findall(r"<loc>([^<]+)</loc>", sitemap)) == {g["url"] for g in gold}


def test_wpnoapi_pages_carry_social_debris_and_utc_jsonld(sites):
    pages = [(g, fetch(g["url"])[2].decode()) for g in sites.gold("wpnoapi")]
    assert sum("\u200b" in html for _, html in pages) >= 3
    assert sum("เเ" in html for _, html in pages) >= 3
    assert sum("<p>.</p>" in html or "<br />\n.<br />" in html for _, html in pages) >= 3
    gold, html = pages[0]
    data = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html)[1]
    )
    published = datetime.fromisoformat(data["@graph"][0]["datePublished"])
    assert published.utcoffset().total_seconds() == 0
    assert published == datetime.fromisoformat(gold["published_at"])


# -- legacy -----------------------------------------------------------------------------------
def test_legacy_is_windows_874_declared_only_in_meta(sites):
    gold = sites.gold("legacy")[0]
    status, headers, body = fetch(gold["url"])
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert "ETag" not in headers
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    html = body.decode("cp874")
    assert 'content="text/html; charset=windows-874"' in html
    assert gold["title"] in normalise_line(unescape(html))
    assert "http://example.invalid/" in html


def test_legacy_listing_pagination_and_missing_machinery(sites):
    base, gold = sites.urls["legacy"], sites.gold("legacy")
    seen = []
    for page in (1, 2, 3, 4):
        html = unescape(fetch(f"{base}news.php?page={page}")[2].decode("cp874"))
        seen += re.findall(r'href="(news_detail\.php\?id=\d+)"', html)
        assert ("ถัดไป »" in html) == (page < 4)
        assert ('<a href="news.php?page=4">' in html) == (page != 4)
    assert [base + path for path in seen] == [g["url"] for g in gold]
    for path in ("feed/", "sitemap.xml", "wp-sitemap.xml", "rss.xml"):
        assert fetch(base + path)[0] == 404
    assert "Sitemap" not in fetch(base + "robots.txt")[2].decode()


def test_legacy_dates_take_several_visible_forms(sites):
    pages = [fetch(g["url"])[2].decode("cp874") for g in sites.gold("legacy")[:10]]
    joined = "\n".join(pages)
    assert re.search(r"วันที่ [๐-๙]+ [ก-ฮ]\.[ก-ฮ]\. [๐-๙]{4}", joined)
    assert re.search(r"โพสต์เมื่อ : \d+ [ก-ฮ]\.[ก-ฮ]\. \d\d เวลา \d\d\.\d\d น\.", joined)
    assert "พ.ศ." in joined and "ดาวน์โหลดเอกสาร" in joined
    date_only = [g for g in sites.gold("legacy") if len(g["published_at"]) == 10]
    assert 10 <= len(date_only) <= 25


def test_legacy_attachments_are_real_files(sites):
    magic = {"pdf": b"%PDF-", "docx": b"PK", "xlsx": b"PK", "png": b"\x89PNG"}
    urls = [u for g in sites.gold("legacy") for u in g["attachments"] + g["images"]]
    kinds = {u.rsplit(".", 1)[1] for u in urls}
    assert kinds == set(magic)
    for kind in kinds:
        url = next(u for u in urls if u.endswith(kind))
        status, _, body = fetch(url)
        assert status == 200 and body.startswith(magic[kind])


# -- feedonly ---------------------------------------------------------------------------------
def test_feedonly_atom_lists_everything(sites):
    base, gold = sites.urls["feedonly"], sites.gold("feedonly")
    home = fetch(base)[2].decode()
    advert = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', home)[0]
    assert f'href="{base}atom.xml"' in advert
    atom = fetch(base + "atom.xml")[2].decode()
    assert re.findall(r'rel="alternate" type="text/html" href="([^"]+)"', atom) == [
        g["url"] for g in gold
    ]
    assert home.count("<li>") == 3


# -- gold against what is served -----------------------------------------------------------
def test_every_gold_article_matches_its_page(sites):
    for gold in sites.gold():
        status, _, body = fetch(gold["url"])
        html = body.decode("cp874" if gold["site"] == "legacy" else "utf-8")
        text = text_of(html)
        assert status == 200 and gold["title"] in text, gold["url"]
        for paragraph in gold["body_text"].split("\n"):
            assert paragraph in text, (gold["url"], paragraph[:60])


def test_gold_images_are_served(sites):
    for gold in sites.gold()[::7]:
        for url in gold["images"][:1]:
            status, headers, body = fetch(url)
            assert status == 200 and headers["Content-Type"] == "image/png"


def test_request_log_records_paths(sites):
    fetch(sites.urls["legacy"] + "news.php?page=2")
    assert "/news.php?page=2" in sites.request_log["legacy"]


def test_command_line_serves_until_terminated(tmp_path):
    out = tmp_path / "sources.yaml"
    command = [sys.executable, "-m", "tests.sites", "--sites", "legacy", "--sources-out", str(out)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        first = process.stdout.readline()
        process.stdout.readline()
        url = re.search(r"http://\S+", first)[0]
        assert fetch(url)[0] == 200 and "sample-legacy" in out.read_text(encoding="utf-8")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
