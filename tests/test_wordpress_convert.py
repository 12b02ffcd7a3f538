"""A WordPress API post to an Article (crawler/extract/wordpress.py) without the work an
article page needs: the content's tree stripped in place (images and attachments read
before), a title without markup not parsed."""

from __future__ import annotations

import copy
import json

import pytest

from crawler.extract import body, media
from crawler.extract.html import parse
from crawler.extract.wordpress import _html_text, article_from_post
from crawler.thai.text import normalize_text, normalize_title
from tests.conftest import ROOT

URL = "https://moe.example/2567/12/news-1/"


def parsed_text(fragment: str) -> str:
    """A title's text as it was always read: through the HTML parser."""
    return parse(f"<html><body><p>{fragment}</p></body></html>", URL).text_content()


def titles() -> list[str]:
    with open(ROOT / "tests/data/realwp/posts.jsonl", encoding="utf-8") as fh:
        corpus = [json.loads(line)["title"] for line in fh if line.strip()]
    odd = ["", " ", "  ครู  ไทย ", "a > b", "ข่าว 'ครู' \"ดี\"", "ก\u200bข", "ก\tข", "ก\r\nข",
           "ก\x00ข", "ก\x85ข", "ก\u2028ข", "ก\ufeffข", "ก\ue000ข", "ก\uffffข", "10%/2567",
           "ครู &amp; นักเรียน", "&#8211; ข่าว", "<b>ตัวหนา</b> ข่าว", "ข่าว <", "R&D"]  # fmt: skip
    return corpus + odd


@pytest.mark.parametrize("title", titles())
def test_a_title_reads_as_the_parser_reads_it(title):
    assert normalize_title(_html_text(title, URL)) == normalize_title(parsed_text(title))
    if title.isprintable() and "<" not in title and "&" not in title:
        assert _html_text(title, URL) == parsed_text(title)  # not parsed, the same text


def test_most_titles_are_not_parsed(monkeypatch):
    calls = []
    monkeypatch.setattr("crawler.extract.wordpress.parse", lambda *a: calls.append(a) or parse(*a))
    for title in ["ครูไทย ใจดี", "ก.ไอซีที ร่วมแสดงความยินดี ครบรอบ 13 ปี"]:
        _html_text(title, URL)
    assert calls == []
    _html_text("ครู &#8211; นักเรียน", URL)
    assert len(calls) == 1


CONTENT = """
<p>ข่าวการศึกษา <img src="/wp-content/uploads/a.jpg" alt="ภาพกิจกรรม"></p>
<div class="sharedaddy sd-sharing-enabled"><img src="/wp-content/uploads/group-photo.jpg">
  <a href="/files/share.pdf">แชร์ PDF</a> แบ่งปัน</div>
<p><a href="/files/plan.pdf">แผนงาน (PDF)</a></p>
<p>ย่อหน้าที่สอง <a href="/files/report.docx">รายงาน</a> ท้ายข่าว</p>
<script>var x = 1;</script>
"""


def old_conversion(content: str):
    """Text, images and attachments as the post's tree was read before: chrome stripped
    from a copy, images and attachments from the whole content."""
    node = parse(f"<html><body><div>{content}</div></body></html>", URL).xpath("//body/div")[0]
    text = normalize_text(body.node_text(body.strip_chrome(copy.deepcopy(node))))
    return text, media.images(node, URL), media.attachments(node, URL)


def test_a_post_reads_its_media_from_the_whole_content_and_its_text_without_chrome():
    post = {"id": 7, "link": URL, "title": {"rendered": "ข่าว"}, "content": {"rendered": CONTENT},
            "date": "2024-12-05T10:00:00", "date_gmt": "2024-12-05T03:00:00"}  # fmt: skip
    article = article_from_post(post, "moe")
    text, images, attachments = old_conversion(CONTENT)
    assert (article.body_text, article.images, article.attachments) == (text, images, attachments)
    assert "แบ่งปัน" not in article.body_text and "var x" not in article.body_text
    assert {i.url.rsplit("/", 1)[-1] for i in article.images} == {"a.jpg", "group-photo.jpg"}
    found = {a.url.rsplit("/", 1)[-1] for a in article.attachments}
    assert found == {"share.pdf", "plan.pdf", "report.docx"}


def test_strip_chrome_in_place_strips_the_node_itself():
    node = parse(f"<html><body><div>{CONTENT}</div></body></html>", URL).xpath("//body/div")[0]
    copied = body.strip_chrome(node)
    assert copied is not node and node.xpath(".//script")  # the default leaves node alone
    stripped = body.strip_chrome(node, in_place=True)
    assert stripped is node and not node.xpath(".//script")
    assert body.node_text(stripped) == body.node_text(copied)
