"""The faster body helpers against the plain forms they replaced (same elements, same text):
strip_chrome skipping what lies inside dropped elements, densest weighing link shares only
while a score can still win, in_chrome remembering ancestors."""

from __future__ import annotations

import copy
import random
from pathlib import Path

from lxml import etree

from crawler.extract import body
from crawler.extract.html import decode_html, parse

PAGES = Path(__file__).parent / "fixtures" / "pages"
NESTED = """<html><body><div id="main"><div class="share"><p>share <a href="x.pdf">f</a></p>
<!-- a comment --><div class="widget">w<p>inner</p></div></div>tail of share
<p><a href="/a.pdf">เอกสาร</a></p><header>h<div><p>in header</p></div></header>
<p>ข้อความที่ยาวพอจะเป็นย่อหน้าของบทความนี้ได้แน่นอนครับ</p><ul class="menu"><li>m</li></ul>
<div><p>ข้อความที่ยาวพอจะเป็นย่อหน้าของบทความนี้ได้แน่นอนครับ</p><p>อีกย่อหน้าหนึ่งที่ยาวพอสมควร</p>
</div></div><div><p><a href="/x">ลิงก์ที่ยาวพอจะเป็นย่อหน้าได้แต่เป็นลิงก์ทั้งหมด</a></p></div></body></html>"""


def trees() -> list:
    saved = [decode_html(p.read_bytes()) for p in sorted(PAGES.glob("*.html"))]
    return [parse(html, "https://example.go.th/a") for html in (*saved, NESTED)]


def plain_strip_chrome(node):
    node = copy.deepcopy(node)
    for el in list(node.iter()):
        if el is node or el.getparent() is None:
            continue
        if body.is_chrome(el) or body.is_download_block(el):
            el.drop_tree()
    return node


def plain_in_chrome(el) -> bool:
    return any(
        body.is_chrome(a) or a.tag in ("header", "footer") for a in (el, *el.iterancestors())
    )


def test_strip_chrome_as_the_plain_loop():
    for tree in trees():
        for node in (tree, *tree.iter("div", "td", "article")):
            want = etree.tostring(plain_strip_chrome(node), encoding="unicode")
            assert etree.tostring(body.strip_chrome(node), encoding="unicode") == want


def test_in_chrome_as_the_plain_test():
    for tree in trees():
        seen: dict = {}
        for el in tree.iter():
            assert body.in_chrome(el, seen) == body.in_chrome(el) == plain_in_chrome(el)


def test_densest_as_the_plain_maximum():
    found = 0
    for tree in trees():
        scores: dict = {}
        for el in tree.iter(*(body.BLOCK_TAGS - {"br", "hr"}), "td", "font"):
            length = body.own_text_length(el)
            if length >= body.MIN_RUN and not plain_in_chrome(el):
                for weight, target in ((1.0, el), (1.0, el.getparent()), (0.5, grandparent(el))):
                    if target is not None:
                        scores[target] = scores.get(target, 0.0) + weight * length
        if scores:
            want = max(scores.items(), key=lambda kv: kv[1] * (1 - body.link_share(kv[0])))[0]
            assert body.densest(tree) is want
            found += 1
    assert found


def grandparent(el):
    parent = el.getparent()
    return None if parent is None else parent.getparent()


def test_best_keeps_the_first_of_equal_scores():
    rng = random.Random(7)
    tree = parse("<div>" + "<p>a<a>b</a></p><p>cc</p>" * 20 + "</div>", "https://x.go.th/")
    elements = list(tree.iter("p"))
    for _ in range(200):
        scores = {el: float(rng.choice([10, 20, 30])) for el in rng.sample(elements, 12)}
        want = max(scores.items(), key=lambda kv: kv[1] * (1 - body.link_share(kv[0])))[0]
        assert body._best(scores) is want
    assert body._best({}) is None
