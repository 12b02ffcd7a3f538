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
CLASS_TEST = '//*[contains(concat(" ", normalize-space(@class), " "), " entry-content ")]'

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
    '<div class="entry-title\r\nentry-title"><h1 class="x entry-title">a</h1></div><b class="">',
    '<p class="xentry-title entry-titlex">no</p><p class="entry-content-x">no</p><p id="a">',
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
    ("xpath", "values", "evaluated"),
    [
        ('//*[@itemprop="articleBody"]', "x\narticleBody", True),
        ('//*[@itemprop="articleBody"]', "x\narticleBody x", True),  # a token: evaluated
        ('//*[@itemprop="articleBody"]', "articleBodyX", False),
        (CLASS_TEST, "a\tentry-content\nb", True),
        (CLASS_TEST, "td-entry-content", False),
        (CLASS_TEST, "entry-contents", False),
        ('//*[@id="x" or contains(@class, "title")]', "site-title", True),
        ('//*[@id="x" or contains(@class, "title")]', "xy", False),
        ("//article//h1", "", True),
        ('//*[not(@class="x")]', "", True),  # not a test that needs "x": always evaluated
        ('//div[@class="x"]', "", True),
        ('//*[@class="x" and @id="y"]', "", True),
        ('//*[contains(concat(" ", normalize-space(@class), " "), " a b ")]', "", True),
    ],
)
def test_what_an_expression_needs(xpath, values, evaluated):
    tree = parse("<p>x</p>", "https://example.go.th/a")
    assert (body.select(tree, xpath, values) == tree.xpath(xpath)) or not evaluated
    needed = body._needed(xpath)
    assert (needed is None or bool(needed.search(values))) == evaluated


def test_a_page_without_the_literal_skips_the_expression():
    tree = parse('<div class="other">x</div>', "https://example.go.th/a")
    values = body.attribute_values(tree)
    assert values == "other"
    assert body.select(tree, '//*[@class="other"]', values) != []
    assert body.select(tree, '//*[@class="entry-content"]', values) == []


def test_single_token_tests_are_evaluated_by_attribute():
    """//*[one class token test] becomes a test of the class attributes (the same elements,
    by the test above); other shapes are evaluated as written."""
    rewritten = [x for x in XPATHS if body._by_attribute(x) != x]
    assert len(rewritten) == 7 and all(x.startswith("//*[contains(concat(") for x in rewritten)
    assert body._by_attribute('//*[@id="x" or contains(@class, "title")]').startswith("//*[")
    tree = parse(HAND_WRITTEN[-2], "https://example.go.th/a")
    assert [el.tag for el in body.select(tree, TITLE_XPATHS[0])] == ["div", "h1"]
