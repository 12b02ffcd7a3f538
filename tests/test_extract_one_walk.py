"""Page-wide questions answered from one walk of the tree (html.tagged) against the XPath
forms they replaced, and the wider block of fill_media copied only when it holds media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract import body, metadata, page
from crawler.extract.html import decode_html, parse, tagged

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = "https://example.go.th/news/1"
TRICKY = """<html><head><title>หัวข้อ | ไซต์</title>
<meta property="og:title" content="  "><meta name="OG:Title" content=" ชื่อข่าว ">
<meta name="twitter:title" content="ทวิตเตอร์"><meta itemprop="datePublished" content="">
<meta name="date" content="2024-01-02"><meta property="article:published_time" content="2024-01-03">
<link rel="Canonical" href="/wrong"><link rel="canonical"><link rel="canonical" href=" /news/1 ">
<link rel="shortlink" href="/?p=5"><link rel="shortlink">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "จาก LD"}</script>
<script type="text/javascript">var x = 1;</script><script type="application/ld+json">{bad</script>
</head><body class="single  post"><article><time>no datetime</time>
<time datetime=" 2024-02-03 " class="updated"></time>
<time datetime="2024-02-01" itemprop="x-publish"></time></article><article></article>
<svg><title>ภาพ</title></svg></body></html>"""


def trees() -> list:
    saved = [decode_html(p.read_bytes()) for p in sorted(PAGES.glob("*.html"))]
    return [parse(html, URL) for html in (*saved, TRICKY, "", "<p>x</p>")]


def xpath_metadata(tree) -> dict:
    """page_metadata as it was: an XPath or a walk of the tree for each question."""

    def meta(names):
        wanted = {n.lower() for n in names}
        for el in tree.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
            if key in wanted and (el.get("content") or "").strip():
                return el.get("content").strip()
        return None

    objects = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            objects.extend(metadata._flatten_ld(json.loads(script.text_content() or "null")))
        except ValueError:
            continue
    ld = next(
        (
            o
            for o in objects
            if ({*o["@type"]} if isinstance(o.get("@type"), list) else {o.get("@type")})
            & metadata.NEWS_TYPES
            and (o.get("datePublished") or o.get("headline"))
        ),
        {},
    )
    canonical = [el.get("href").strip() for el in tree.xpath('//link[@rel="canonical"][@href]')]
    times = tree.xpath("//time[@datetime]")
    marked = [t for t in times if "publish" in (t.get("class") or "") + (t.get("itemprop") or "")]
    chosen = (marked or times or [None])[0]
    author = ld.get("author")
    return {
        "title": meta(("og:title", "twitter:title")) or ld.get("headline"),
        "canonical": (canonical or [None])[0] or meta(("og:url",)),
        "published": ld.get("datePublished")
        or meta(metadata.PUBLISHED_META)
        or (chosen.get("datetime").strip() if chosen is not None else None),
        "modified": ld.get("dateModified") or meta(metadata.MODIFIED_META),
        "author": author or meta(("author", "article:author")),
        "type": meta(("og:type",)),
    }


def test_tagged_elements_are_those_xpath_finds():
    for tree in trees():
        found = tagged(tree)
        for tag, elements in found.items():
            assert elements == tree.xpath(f"//{tag}")


def test_metadata_from_one_walk_as_from_xpaths():
    for tree in trees():
        assert metadata.page_metadata(tree) == xpath_metadata(tree)
        assert metadata.page_metadata(tree, tagged(tree)) == xpath_metadata(tree)
    tricky = metadata.page_metadata(parse(TRICKY, URL))
    assert tricky["title"] == "ชื่อข่าว" and tricky["canonical"] == "/news/1"
    assert tricky["published"] == "2024-01-02"  # the first meta of the names, in page order


def test_page_questions_from_one_walk_as_from_xpaths():
    for tree in trees():
        found = tagged(tree)
        hrefs = tree.xpath('//link[@rel="shortlink"]/@href')
        urls = [u for u in (page.absolute(URL, h) for h in hrefs) if u]
        expected = [page.canonical_url(u) for u in urls if page.netloc(u) == page.netloc(URL)]
        assert page.shortlinks(tree, URL, found["link"]) == expected[:1]
        assert page.shortlinks(tree, URL) == expected[:1]
        classes = set(" ".join(tree.xpath("//body/@class")).split())
        assert page.body_classes(tree, found["body"]) == page.body_classes(tree) == classes
        title = page.page_title(tree, {}, titles=found["title"])
        assert title == page.page_title(tree, {}, titles=tree.xpath("//title"))
    assert page.body_classes(parse(TRICKY, URL)) == {"single", "post"}


FIGURE = """<html><body><div class="post"><h1 class="entry-title">หัวข้อข่าวที่ยาวพอ</h1>
{extra}<div class="entry-content"><p>{text}</p></div></div></body></html>"""
TEXT = "ข้อความของข่าวที่ยาวพอจะเป็นเนื้อหาได้ " * 5


@pytest.mark.parametrize(
    "extra, images, files",
    [
        ("", [], []),
        ('<p><img src="/photo.jpg" alt="ภาพ"></p>', ["https://example.go.th/photo.jpg"], []),
        ('<p><a href="/f.pdf">ไฟล์ประกอบการประชุม</a> ดาวน์โหลด</p>', [], ["f.pdf"]),
        ('<div class="share"><img src="/photo.jpg"><a href="/f.pdf">f</a></div>', [], []),
        ('<img src="/logo.png"><a href="/page">หน้าอื่น</a>', [], []),
    ],
)
def test_the_wider_block_is_copied_only_when_it_holds_media(monkeypatch, extra, images, files):
    copies = []
    strip = body.strip_chrome
    monkeypatch.setattr(body, "strip_chrome", lambda node: copies.append(node) or strip(node))
    article = page.extract_article(URL, FIGURE.format(extra=extra, text=TEXT))
    assert [i.url for i in article.images] == images
    assert [a.url.rsplit("/", 1)[-1] for a in article.attachments] == files
    # the body's copy, then the block's only when it holds an image or a file link at all
    holds = "<img" in extra and "logo" not in extra or ".pdf" in extra
    assert len(copies) == 1 + holds


def test_captions_as_the_xpath_form():
    from crawler.extract import media

    def plain(img):
        for ancestor in img.iterancestors("figure"):
            captions = ancestor.xpath(".//figcaption")
            if captions:
                return " ".join(captions[0].text_content().split()) or None
        text = (img.get("alt") or img.get("title") or "").strip()
        return text or None

    nested = parse(
        '<figure><figure><img src="a.jpg" alt="alt"></figure><div><figcaption> ภาพ  ที่ 1 '
        '</figcaption></div><figcaption>2</figcaption></figure><figure><img src="b.jpg">'
        "<figcaption> </figcaption></figure><img src='c.jpg' title=' t '>",
        URL,
    )
    found = 0
    for tree in [*trees(), nested]:
        for img in tree.iter("img"):
            assert media.caption(img) == plain(img)
            found += media.caption(img) is not None
    assert found >= 3
    assert [media.caption(i) for i in nested.iter("img")] == ["ภาพ ที่ 1", None, "t"]
