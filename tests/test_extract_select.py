"""Content and title XPaths skipped when a page's class, id and itemprop values cannot
satisfy them (body.select with ``values``): the same elements as evaluating every one."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import body
from crawler.extract.html import decode_html, parse
from crawler.extract.page import TITLE_XPATHS

PAGES = Path(__file__).parent / "fixtures" / "pages"
XPATHS = (*body.CONTENT_XPATHS, *TITLE_XPATHS)

HAND_WRITTEN = [
    '<div class="a\tentry-content\n b">x</div><h1 class="entry-title">T</h1>',
    '<div class=" entry-content">x</div><div class="entry-contents">no</div>',
    '<div class="ENTRY-CONTENT">no: XPath is case-sensitive</div><p itemprop="headline">H</p>',
    '<div id="news-detail">x</div><div id="news_detail">y</div><span class="subtitle">s</span>',
    '<div class="x" id="entry-content">an id, not a class</div><article><h1>A</h1></article>',
    '<div itemprop="articleBody x">no</div><div itemprop="articleBody">yes</div>',
    '<div class="news-detail">x</div><div class="news-content td-post-content">y</div>',
    '<div class="post-content">x</div><div class="article-content post">y</div>',
    "<p>no attributes at all</p>",
]


def pages() -> list:
    saved = [decode_html(p.read_bytes()) for p in sorted(PAGES.glob("*.html"))]
    return [parse(html, "https://example.go.th/a") for html in (*saved, *HAND_WRITTEN)]


@pytest.mark.parametrize("xpath", XPATHS)
def test_skipping_selects_what_evaluating_selects(xpath):
    selected = 0
    for tree in pages():
        plain = tree.xpath(xpath)
        assert body.select(tree, xpath, body.attribute_values(tree)) == plain
        selected += bool(plain)
    assert selected  # some page has what the expression looks for


@pytest.mark.parametrize(
    ("xpath", "needles"),
    [
        ('//*[@itemprop="articleBody"]', ("articleBody",)),
        ('//*[contains(concat(" ", normalize-space(@class), " "), " a-b ")]', ("a-b",)),
        ('//*[@id="x" or contains(@class, "y")]', ("x", "y")),
        ("//article//h1", ()),
        ('//*[not(@class="x")]', ()),  # not a test that needs "x": always evaluated
        ('//div[@class="x"]', ()),
        ('//*[@class="x" and @id="y"]', ()),
        ('//*[contains(concat(" ", normalize-space(@class), " "), " a b ")]', ()),
    ],
)
def test_needles_only_of_attribute_tests(xpath, needles):
    assert body._needles(xpath) == needles


def test_a_page_without_the_literal_skips_the_expression():
    tree = parse('<div class="other">x</div>', "https://example.go.th/a")
    values = body.attribute_values(tree)
    assert values == "other"
    assert body.select(tree, '//*[@class="other"]', values) != []
    assert body.select(tree, '//*[@class="entry-content"]', values) == []
